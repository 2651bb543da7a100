//===- Common.h - helpers shared by the seq-to-linalg patterns --*- C++ -*-===//

#ifndef SEQC_LIB_CONVERSION_SEQTOLINALG_COMMON_H
#define SEQC_LIB_CONVERSION_SEQTOLINALG_COMMON_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace seqc::lowering {
using namespace mlir;

/// tensor.empty of `type`; each dynamic dim is read (tensor.dim) from the
/// first of `sources` that, right-aligned, has a non-unit dim there.
Value createEmpty(OpBuilder &b, Location loc, RankedTensorType type,
                  ValueRange sources);

/// createEmpty followed by linalg.fill with `value`.
Value createFilled(OpBuilder &b, Location loc, RankedTensorType type,
                   TypedAttr value, ValueRange sources);

/// The indexing map reading an operand of `operandShape` inside a loop nest
/// over `loopShape` with numpy broadcasting: dims are right-aligned and a
/// unit dim under a non-unit loop reads index 0.
AffineMap broadcastMap(MLIRContext *ctx, ArrayRef<int64_t> operandShape,
                       ArrayRef<int64_t> loopShape);

/// A float constant of `type` (scalar).
Value floatConst(OpBuilder &b, Location loc, Type type, double value);

/// Reshape `v` (row-major) to `shape` with collapse/expand_shape.
Value reshapeTo(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> shape);

/// Iterator types: `n` parallel loops then `r` reductions.
SmallVector<utils::IteratorType> iterators(unsigned n, unsigned r = 0);

/// A linalg.generic whose body is produced by `body(b, loc, blockArgs)`
/// returning the values to yield.
using BodyFn =
    function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)>;
linalg::GenericOp buildGeneric(OpBuilder &b, Location loc, TypeRange results,
                               ValueRange inputs, ValueRange inits,
                               ArrayRef<AffineMap> maps,
                               ArrayRef<utils::IteratorType> iters,
                               BodyFn body);

/// Unsigned integer element types (seq carries ONNX's uint8..uint64) have no
/// arith semantics: scalar bodies compute on signless integers. `signless`
/// maps a type (scalar or shaped) to its signless twin; `castToSignless` /
/// `castFromSignless` bridge tensors with unrealized_conversion_cast, which
/// `seq-strip-signedness` removes once the whole module is signless.
Type signless(Type t);
Value castToSignless(OpBuilder &b, Location loc, Value v);
Value castFromSignless(OpBuilder &b, Location loc, Value v, Type original);

/// Run-time shape checks (see docs/dynamic-shapes.md): a `cf.assert` that
/// seq-lower-runtime-checks turns into a call of the runtime's
/// seqc_rt_check_failed. `describe(op)` names the op and its ONNX node.
std::string describe(Operation *op);
void emitCheck(OpBuilder &b, Location loc, Value cond, const Twine &message);
/// Data-dependent checks (index ranges) carry this unit attribute on their
/// cf.assert: targets that cannot evaluate tensor data on the host (CUDA)
/// drop them and rely on `safeIndex`'s clamping instead.
inline constexpr llvm::StringLiteral kDataCheckAttr = "seq.data_check";
/// emitCheck for a condition computed from tensor data (kDataCheckAttr).
void emitDataCheck(OpBuilder &b, Location loc, Value cond,
                   const Twine &message);
/// `v` as an index constant.
Value indexConst(OpBuilder &b, Location loc, int64_t v);
/// Element `idx` of the integer tensor `t` (any signedness) as an index.
Value readIndex(OpBuilder &b, Location loc, Value t, ValueRange idx);
/// The index `v` clamped to [lo, hi].
Value clampIndex(OpBuilder &b, Location loc, Value v, int64_t lo, int64_t hi);
/// Asserts that every element of the integer tensor `indices` lies in
/// [-size, size): `sizes` has one size for all elements, or one per position
/// of the last dim (GatherND/ScatterND tuples).
void checkIndexRange(OpBuilder &b, Location loc, Operation *op, Value indices,
                     ArrayRef<Value> sizes);
/// An integer index element as an `index` into a dim of `size`: negatives
/// wrap by `size`, then the result is clamped to [0, size - 1] so that an
/// unchecked out-of-range index can never address outside the tensor.
Value safeIndex(OpBuilder &b, Location l, Value idx, Value size);
/// Asserts dim `i` of `x` == dim `j` of `y`; nothing when both are static.
void checkDimsEqual(OpBuilder &b, Location loc, Value x, int64_t i, Value y,
                    int64_t j, const Twine &message);
/// Asserts that the dynamic dims of `operands` (numpy-broadcast,
/// right-aligned to `loopShape`) that are read with an identity index (not
/// statically 1) agree with each other and with the static loop dims: a
/// dynamic dim is never broadcast at run time. The last `dropTrailing`
/// dims of each operand are not part of the broadcast (matmul's rows/cols).
void checkBroadcast(OpBuilder &b, Location loc, Operation *op,
                    ValueRange operands, ArrayRef<int64_t> loopShape,
                    int64_t dropTrailing = 0);
} // namespace seqc::lowering

#endif
