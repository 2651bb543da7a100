//===- Pipelines.h - seqc's named compilation stages ------------*- C++ -*-===//

#ifndef SEQC_DRIVER_PIPELINES_H
#define SEQC_DRIVER_PIPELINES_H

#include <cstdint>
#include <string>

namespace seqc {
/// seq -> seq: raises decomposed exporter patterns (RMSNorm, attention) into
/// seq ops, right after import: `seq-fusion`.
std::string seqFusionPipeline();
/// seq (graph level) -> linalg on tensors: `seq-lower-to-linalg`. Attention
/// becomes the tiled 1-pass cascade (seq-tile-attention) unless
/// `tiledAttention` is false (naive 3-pass cascade).
/// `tileOptions` are seq-tile-attention's options ("block-q=128 ...").
std::string seqToLinalgPipeline(bool tiledAttention = true,
                                const std::string &tileOptions = "");
/// linalg on tensors -> LLVM dialect with the C entry point:
/// `seq-lower-to-llvm`. Functions of more than `splitMaxOps` nested ops are
/// split into noinline pieces (seq-split-functions; 0: not split).
/// `profileHooks`: time each kernel call and loop nest (seq-profile-hooks,
/// `seqc --profile-hooks`), the report naming this module `profileLabel`.
std::string linalgToLLVMPipeline(int64_t splitMaxOps = 250,
                                 bool profileHooks = false,
                                 const std::string &profileLabel = "");
/// Registers them as named pass pipelines (for seq-opt).
void registerPipelines();
} // namespace seqc

#endif
