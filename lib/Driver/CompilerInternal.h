//===- CompilerInternal.h - pieces shared by the driver's entry points ----===//

#ifndef SEQC_LIB_DRIVER_COMPILERINTERNAL_H
#define SEQC_LIB_DRIVER_COMPILERINTERNAL_H

#include "seqc/Driver/Compiler.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

namespace seqc {
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
/// `seqc --max-seq-len`: the generation artifact (Generation.cpp).
mlir::LogicalResult compileGeneration(mlir::MLIRContext &ctx,
                                      const CompileOptions &opts);
} // namespace seqc

#endif
