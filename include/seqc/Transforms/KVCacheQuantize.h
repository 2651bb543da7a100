//===- KVCacheQuantize.h - int8 KV caches (seqc --quantize=kv8) -*- C++ -*-===//

#ifndef SEQC_TRANSFORMS_KVCACHEQUANTIZE_H
#define SEQC_TRANSFORMS_KVCACHEQUANTIZE_H

#include "mlir/Support/LLVM.h"

#include <memory>
#include <string>

namespace mlir {
class Pass;
} // namespace mlir

namespace seqc {
/// seq-kv-cache-quantize (lib/Transforms/KVCacheQuantize.cpp): after
/// seq-kv-cache-state, every float cache argument becomes an i8 cache plus
/// a companion cache of per-row scales.
std::unique_ptr<mlir::Pass> createKVCacheQuantizePass();
void registerKVCacheQuantizePass();

/// Splits `seqc --quantize=SPEC` at commas: `kv8` sets `kv8`, the other part
/// (at most one: the weight spec, checked by quantizePipeline) goes to
/// `weights`. Fails with a message in `error` on a repeated part.
mlir::LogicalResult splitQuantizeSpec(llvm::StringRef spec,
                                      std::string &weights, bool &kv8,
                                      std::string &error);
} // namespace seqc

#endif // SEQC_TRANSFORMS_KVCACHEQUANTIZE_H
