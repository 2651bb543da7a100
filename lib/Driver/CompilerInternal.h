//===- CompilerInternal.h - pieces shared by the driver's entry points ----===//

#ifndef SEQC_LIB_DRIVER_COMPILERINTERNAL_H
#define SEQC_LIB_DRIVER_COMPILERINTERNAL_H

#include "seqc/Driver/Compiler.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/Timing.h"
#include <memory>

namespace llvm {
class Module;
} // namespace llvm

namespace seqc {
/// One compilation stage: a timer nested under `--timing` and the label of
/// the progress line; ends at destruction or at the next stage's start. A
/// stage name that repeats (generation variants) accumulates in one timer.
class CompileStage {
public:
  explicit CompileStage(const CompileOptions &opts) : opts(opts) {}
  void start(llvm::StringRef name) {
    scope.stop();
    if (opts.onStage)
      opts.onStage(name);
    if (opts.timing)
      scope = opts.timing->nest(name);
  }

private:
  const CompileOptions &opts;
  mlir::TimingScope scope;
};

/// Runs the textual `pipeline` on `module` with the driver's configuration.
mlir::LogicalResult runPipeline(mlir::MLIRContext &ctx, mlir::ModuleOp module,
                                const std::string &pipeline,
                                const CompileOptions &opts);
/// The module as text, weights elided unless `printWeights`.
std::string printModule(mlir::ModuleOp module, bool printWeights);
/// Renames @main, requests its C interface and records the ABI description.
mlir::LogicalResult prepareABI(mlir::ModuleOp module, llvm::StringRef modelName,
                               mlir::func::FuncOp graph,
                               llvm::StringRef target);
/// The back end of a shared-library artifact: `llvmModule` is optimized and
/// compiled in --compile-threads partitions, the objects (temporary files,
/// always removed) are linked into opts.outputPath and its header is written
/// beside it. Errors are reported at `loc`, after `errorPrefix`.
mlir::LogicalResult emitAndLinkArtifact(
    mlir::MLIRContext &ctx, mlir::Location loc, llvm::StringRef errorPrefix,
    std::unique_ptr<llvm::Module> llvmModule, const CompileOptions &opts,
    llvm::StringRef header, CompileStage &stage);

/// `seqc --max-seq-len`: the generation artifact (Generation.cpp).
mlir::LogicalResult compileGeneration(mlir::MLIRContext &ctx,
                                      const CompileOptions &opts);
} // namespace seqc

#endif
