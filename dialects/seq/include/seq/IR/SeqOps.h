//===- SeqOps.h - seq dialect operations ------------------------*- C++ -*-===//

#ifndef SEQ_IR_SEQOPS_H
#define SEQ_IR_SEQOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "seq/IR/SeqDialect.h"

#include "seq/IR/SeqEnums.h.inc"
#include "seq/IR/SeqInterfaces.h.inc"

namespace mlir::seq {
/// Numpy (ONNX multidirectional) broadcast of `shapes`; dynamic dims stay
/// dynamic unless another operand fixes them. Fails on incompatible dims.
FailureOr<SmallVector<int64_t>> broadcastShapes(ArrayRef<ArrayRef<int64_t>> shapes);

/// ONNX Cast of one element `x` from element type `from` to `to`. Integers
/// travel signless (`x` and the result); `from`/`to` may be unsigned and
/// select unsigned semantics.
Value buildCastScalar(OpBuilder &b, Location loc, Value x, Type from, Type to);

/// A signed 64-bit integer attribute: the type of the ops' axes and other
/// values that may be negative (Seq_SI64Attr in SeqDialect.td).
inline IntegerAttr getSI64Attr(Builder b, int64_t value) {
  return b.getIntegerAttr(b.getIntegerType(64, /*isSigned=*/true), value);
}
} // namespace mlir::seq

#define GET_OP_CLASSES
#include "seq/IR/SeqOps.h.inc"

#endif // SEQ_IR_SEQOPS_H
