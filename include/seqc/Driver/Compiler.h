//===- Compiler.h - the seqc compilation driver -----------------*- C++ -*-===//

#ifndef SEQC_DRIVER_COMPILER_H
#define SEQC_DRIVER_COMPILER_H

#include "seqc/Target/CPU.h"
#include "seqc/Target/CUDA.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/Timing.h"
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace seqc {

/// The stage at which compilation stops and what it writes.
enum class EmitKind {
  Onnx,
  Seq,
  Linalg,
  Cascade, // linalg on tensors + the attention cascade report
  LLVMDialect,
  LLVMIR,
  Ptx, // --target=cuda: the kernels' PTX
  Obj,
  So
};

struct CompileOptions {
  std::string inputPath;
  std::string outputPath = "-"; // "-" = stdout (text stages only)
  EmitKind emit = EmitKind::So;
  std::string modelName;
  CPUTargetOptions cpu;
  /// --target: where the kernels run. CUDA: NVPTX kernels + host code.
  enum class Target { CPU, CUDA } target = Target::CPU;
  CudaTargetOptions cuda;
  bool printWeights = false; // print resource blobs instead of eliding them
  /// Run seqFusionPipeline() right after import and lower attention to the
  /// tiled 1-pass cascade (false: naive 3-pass cascade).
  bool fuse = true;
  /// seq-tile-attention options, e.g. "block-q=128 block-kv=64 split-kv=1".
  std::string attentionTiling;
  /// Graph inputs bound at compile time: (NAME, SPEC) of --const-input.
  std::vector<std::pair<std::string, std::string>> constInputs;
  /// `--dim NAME=N`: symbolic input dims made static (ImportOptions).
  std::vector<std::pair<std::string, int64_t>> dimBindings;
  /// `--max-seq-len N` (> 0): build a generation artifact (docs/generation.md)
  /// from the decode step `inputPath`, with a KV cache of N positions owned
  /// by the artifact's sessions; `prefillPath` (--prefill) is an optional
  /// separate prefill graph; `prefillChunk` the prompt positions one prefill
  /// call processes.
  int64_t maxSeqLen = 0;
  std::string prefillPath;
  int64_t prefillChunk = 64;
  int64_t eosId = -1;
  int64_t genBatch = 1; // --batch: sequences a session steps together
  int64_t kvBlockSize = 0; // --kv-block-size: paged caches (0: contiguous)
  /// Applied to every PassManager the driver creates (IR printing, timing...).
  std::function<mlir::LogicalResult(mlir::PassManager &)> configurePassManager;
  /// `--timing`: each stage (import, raising, ...) is timed in a scope
  /// nested here. Null: no timing.
  mlir::TimingScope *timing = nullptr;
  /// Called with each stage's name as it starts (the progress line).
  std::function<void(llvm::StringRef)> onStage;
  /// Hidden `--debug-perturb-node`: offset this ONNX node's outputs after
  /// import (an injected numerical bug for testing `seqc bisect`).
  std::string debugPerturbNode;
  /// `--quantize=w8|w4[:group=N][:sym|:asym]`: weight-only quantization of
  /// constant matmul weights after raising (empty: none).
  std::string quantize;
};

/// Runs the pipeline up to `opts.emit`. Diagnostics go through `ctx`; on
/// failure no output file is left behind.
mlir::LogicalResult compile(mlir::MLIRContext &ctx, const CompileOptions &opts);

} // namespace seqc

#endif
