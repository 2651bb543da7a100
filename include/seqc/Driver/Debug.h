//===- Debug.h - debugging aids of the seqc driver --------------*- C++ -*-===//

#ifndef SEQC_DRIVER_DEBUG_H
#define SEQC_DRIVER_DEBUG_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringRef.h"

namespace seqc {

/// The value the floating-point outputs of a perturbed node are offset by.
constexpr double kDebugPerturbation = 0.0625;

/// Injects a numerical bug for testing `seqc bisect`: adds
/// kDebugPerturbation to every floating-point output of the ONNX node
/// `nodeName` (the ops the importer located at that node). Errors, naming the
/// node, when no op has that location or none of its outputs is a float
/// tensor (e.g. the node was folded at compile time).
mlir::LogicalResult perturbNodeOutputs(mlir::ModuleOp module,
                                       llvm::StringRef nodeName);

} // namespace seqc

#endif
