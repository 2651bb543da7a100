//===- ModelABI.h - the artifact's signature ---------------------*- C++ -*-===//

#ifndef SEQC_TARGET_MODELABI_H
#define SEQC_TARGET_MODELABI_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include <string>

namespace seqc {
/// Name of the compiled graph function (the importer's @main, renamed so a
/// shared library never defines a C `main`).
inline constexpr const char *kGraphFunction = "seqc_graph";

/// The `seqc_model_desc` text the runtime parses (see seqc_runtime.c) for
/// the tensor-level function `fn`. Fails on element types the ABI lacks.
mlir::FailureOr<std::string> describeModelABI(mlir::func::FuncOp fn,
                                              llvm::StringRef modelName,
                                              llvm::StringRef target);

/// The model.h header declaring the C ABI and this model's signature.
std::string generateHeader(mlir::func::FuncOp fn, llvm::StringRef modelName);
} // namespace seqc

#endif
