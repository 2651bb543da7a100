//===- SeqOps.cpp - seq dialect operations --------------------------------===//

#include "seq/IR/SeqOps.h"
#include "seq/IR/SeqFolds.h"
#include "seq/IR/SeqSemantics.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallBitVector.h"

#include <type_traits>

using namespace mlir;
using namespace mlir::seq;

#include "seq/IR/SeqEnums.cpp.inc"
#include "seq/IR/SeqInterfaces.cpp.inc"

//===----------------------------------------------------------------------===//
// Shape helpers
//===----------------------------------------------------------------------===//

FailureOr<SmallVector<int64_t>>
mlir::seq::broadcastShapes(ArrayRef<ArrayRef<int64_t>> shapes) {
  size_t rank = 0;
  for (ArrayRef<int64_t> s : shapes)
    rank = std::max(rank, s.size());
  SmallVector<int64_t> result(rank, 1);
  for (ArrayRef<int64_t> s : shapes) {
    size_t lead = rank - s.size();
    for (auto [i, d] : llvm::enumerate(s)) {
      int64_t &r = result[lead + i];
      if (d == 1)
        continue;
      if (r == 1 || ShapedType::isDynamic(r)) {
        r = ShapedType::isDynamic(r) && ShapedType::isDynamic(d) ? r : d;
        continue;
      }
      if (!ShapedType::isDynamic(d) && d != r)
        return failure();
    }
  }
  return result;
}

static LogicalResult inferElementwiseResult(MLIRContext *ctx,
                                            std::optional<Location> loc,
                                            ValueRange operands,
                                            StringRef resultElt,
                                            SmallVectorImpl<Type> &inferred) {
  SmallVector<ArrayRef<int64_t>> shapes;
  for (Value v : operands) {
    auto t = dyn_cast<RankedTensorType>(v.getType());
    if (!t)
      return emitOptionalError(loc, "expects ranked tensor operands");
    shapes.push_back(t.getShape());
  }
  FailureOr<SmallVector<int64_t>> shape = broadcastShapes(shapes);
  if (failed(shape)) {
    std::string msg;
    for (auto [i, s] : llvm::enumerate(shapes))
      msg += (i ? ", " : "") + shapeStr(s);
    return emitOptionalError(loc, "operand shapes ", msg,
                             " are not broadcast-compatible");
  }
  // The scalar bodies are arith/math ops, which take integers or floats and
  // operands of one type; only a select's condition (i1) stands apart.
  ValueRange same = resultElt == "rhs" ? operands.drop_front() : operands;
  Type elt = cast<RankedTensorType>(same.front().getType()).getElementType();
  for (Value v : operands) {
    Type e = cast<RankedTensorType>(v.getType()).getElementType();
    if (!e.isIntOrFloat())
      return emitOptionalError(loc,
                               "operands must have integer or "
                               "floating-point elements, got ",
                               e);
  }
  for (Value v : same) {
    Type e = cast<RankedTensorType>(v.getType()).getElementType();
    if (e != elt)
      return emitOptionalError(loc, "operand element types differ: ", elt,
                               " vs ", e);
  }
  if (resultElt == "i1")
    elt = IntegerType::get(ctx, 1);
  else if (resultElt == "rhs")
    elt = cast<RankedTensorType>(operands.back().getType()).getElementType();
  inferred.push_back(RankedTensorType::get(*shape, elt));
  return success();
}

//===----------------------------------------------------------------------===//
// Scalar semantics used by the elementwise ops' buildScalar.
//===----------------------------------------------------------------------===//

/// True when an elementwise op computes on unsigned integers. The scalar
/// body always sees signless values (arith has no unsigned types); the op's
/// own operand types say which semantics to use.
static bool isUnsignedElementwise(Operation *op) {
  return llvm::any_of(op->getOperandTypes(), [](Type t) {
    return cast<ShapedType>(t).getElementType().isUnsignedInteger();
  });
}

/// Integer division and remainder trap (SIGFPE) on a zero divisor and on
/// signed MIN / -1. Those inputs get numpy's answers instead: x / 0 and
/// x % 0 are 0, MIN / -1 wraps to MIN (0 - x) and MIN % -1 is 0 (the rules
/// of intDiv/intRem in SeqSemantics.h, which constant folding uses).
template <typename IOp>
static Value buildSafeIntDivOrRem(OpBuilder &b, Location loc, ValueRange args,
                                  bool isUnsigned) {
  Value x = args[0], d = args[1];
  Type t = d.getType();
  Value zero = arith::ConstantOp::create(b, loc, b.getIntegerAttr(t, 0));
  Value one = arith::ConstantOp::create(b, loc, b.getIntegerAttr(t, 1));
  Value isZero =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, d, zero);
  Value special = isZero, result = zero;
  if (!isUnsigned) {
    Value minusOne = arith::ConstantOp::create(b, loc, b.getIntegerAttr(t, -1));
    Value isMinusOne =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, d, minusOne);
    special = arith::OrIOp::create(b, loc, isZero, isMinusOne);
    // x / -1 = -x (wrapping); x % -1 = 0.
    if constexpr (std::is_same_v<IOp, arith::DivSIOp>)
      result = arith::SelectOp::create(
          b, loc, isMinusOne, arith::SubIOp::create(b, loc, zero, x), zero);
  }
  Value safe = arith::SelectOp::create(b, loc, special, one, d);
  Value q = IOp::create(b, loc, x, safe);
  return arith::SelectOp::create(b, loc, special, result, q);
}

template <typename FOp, typename IOp, typename UOp>
static Value buildFloatOrInt(OpBuilder &b, Location loc, ValueRange args,
                             bool isUnsigned) {
  if (isa<FloatType>(args[0].getType()))
    return FOp::create(b, loc, args).getResult();
  constexpr bool divides = std::is_same_v<IOp, arith::DivSIOp> ||
                           std::is_same_v<IOp, arith::RemSIOp>;
  if constexpr (divides) {
    if (isUnsigned)
      return buildSafeIntDivOrRem<UOp>(b, loc, args, true);
    return buildSafeIntDivOrRem<IOp>(b, loc, args, false);
  }
  if (isUnsigned)
    return UOp::create(b, loc, args).getResult();
  return IOp::create(b, loc, args).getResult();
}

static Value buildPow(OpBuilder &b, Location loc, ValueRange args, Type) {
  // Base and exponent share one type (inferElementwiseResult).
  if (isa<FloatType>(args[0].getType()))
    return math::PowFOp::create(b, loc, args[0], args[1]);
  return math::IPowIOp::create(b, loc, args[0], args[1]);
}

static Value buildCompare(OpBuilder &b, Location loc, ValueRange args,
                          arith::CmpFPredicate fpred,
                          arith::CmpIPredicate ipred) {
  if (isa<FloatType>(args[0].getType()))
    return arith::CmpFOp::create(b, loc, fpred, args[0], args[1]);
  return arith::CmpIOp::create(b, loc, ipred, args[0], args[1]);
}

static Value buildNeg(OpBuilder &b, Location loc, Value x) {
  if (isa<FloatType>(x.getType()))
    return arith::NegFOp::create(b, loc, x);
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(x.getType()));
  return arith::SubIOp::create(b, loc, zero, x);
}

static Value buildReciprocal(OpBuilder &b, Location loc, Value x) {
  Value one =
      arith::ConstantOp::create(b, loc, b.getFloatAttr(x.getType(), 1.0));
  return arith::DivFOp::create(b, loc, one, x);
}

static Value buildSigmoid(OpBuilder &b, Location loc, Value x) {
  Value one =
      arith::ConstantOp::create(b, loc, b.getFloatAttr(x.getType(), 1.0));
  Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
  return arith::DivFOp::create(b, loc, one,
                               arith::AddFOp::create(b, loc, one, e));
}

static Value buildNot(OpBuilder &b, Location loc, Value x) {
  Value ones =
      arith::ConstantOp::create(b, loc, b.getIntegerAttr(x.getType(), -1));
  return arith::XOrIOp::create(b, loc, x, ones);
}

static Value buildShift(OpBuilder &b, Location loc, ValueRange args, bool left,
                        bool isUnsigned) {
  Value x = args[0], n = args[1];
  Type t = x.getType();
  unsigned bits = t.getIntOrFloatBitWidth();
  Value width = arith::ConstantOp::create(b, loc, b.getIntegerAttr(t, bits));
  // Unsigned compare: a negative n is out of range too. LLVM's shifts by
  // >= the width are poison; ONNX's leave only the sign fill.
  Value tooFar =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, n, width);
  Value shifted, fill;
  if (left) {
    shifted = arith::ShLIOp::create(b, loc, x, n);
    fill = arith::ConstantOp::create(b, loc, b.getZeroAttr(t));
  } else if (isUnsigned) {
    shifted = arith::ShRUIOp::create(b, loc, x, n);
    fill = arith::ConstantOp::create(b, loc, b.getZeroAttr(t));
  } else {
    shifted = arith::ShRSIOp::create(b, loc, x, n);
    Value last =
        arith::ConstantOp::create(b, loc, b.getIntegerAttr(t, bits - 1));
    fill = arith::ShRSIOp::create(b, loc, x, last);
  }
  return arith::SelectOp::create(b, loc, tooFar, fill, shifted);
}

Value mlir::seq::buildCastScalar(OpBuilder &b, Location loc, Value x, Type from,
                                 Type to) {
  if (from == to)
    return x;
  auto fromF = dyn_cast<FloatType>(from), toF = dyn_cast<FloatType>(to);
  // Arithmetic is on signless integers; `from`/`to` carry the signedness.
  Type sto =
      toF ? to : IntegerType::get(b.getContext(), to.getIntOrFloatBitWidth());
  bool fromU = from.isUnsignedInteger() || from.isInteger(1);
  bool toU = to.isUnsignedInteger();
  if (fromF && toF)
    return fromF.getWidth() < toF.getWidth()
               ? (Value)arith::ExtFOp::create(b, loc, to, x)
               : (Value)arith::TruncFOp::create(b, loc, to, x);
  if (toF)
    return fromU ? (Value)arith::UIToFPOp::create(b, loc, to, x)
                 : (Value)arith::SIToFPOp::create(b, loc, to, x);
  if (to.isInteger(1)) {
    if (fromF) {
      Value zero = arith::ConstantOp::create(b, loc, b.getFloatAttr(from, 0.0));
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, x, zero);
    }
    Value zero =
        arith::ConstantOp::create(b, loc, b.getIntegerAttr(x.getType(), 0));
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, x, zero);
  }
  unsigned tw = to.getIntOrFloatBitWidth();
  if (fromF) {
    if (tw == 64 && toU)
      return arith::FPToUIOp::create(b, loc, sto, x);
    if (!toU && tw >= 8)
      return arith::FPToSIOp::create(b, loc, sto, x);
    // Unsigned and sub-byte results wrap like numpy's astype: convert
    // through i64, then keep the low bits.
    Value wide = arith::FPToSIOp::create(b, loc, b.getI64Type(), x);
    return arith::TruncIOp::create(b, loc, sto, wide);
  }
  unsigned fw = from.getIntOrFloatBitWidth();
  if (fw > tw)
    return arith::TruncIOp::create(b, loc, sto, x);
  if (fw == tw)
    return x;
  if (fromU)
    return arith::ExtUIOp::create(b, loc, sto, x);
  return arith::ExtSIOp::create(b, loc, sto, x);
}

Value CastOp::buildScalar(OpBuilder &b, Location loc, ValueRange args,
                          Type resultType) {
  return buildCastScalar(b, loc, args[0], getInput().getType().getElementType(),
                         resultType);
}

Value BitcastOp::buildScalar(OpBuilder &b, Location loc, ValueRange args,
                             Type resultType) {
  Type to = resultType;
  if (!isa<FloatType>(to))
    to = IntegerType::get(b.getContext(), to.getIntOrFloatBitWidth());
  return arith::BitcastOp::create(b, loc, to, args[0]);
}

LogicalResult BitcastOp::verify() {
  Type from = getInput().getType().getElementType();
  Type to = getType().getElementType();
  if (!from.isIntOrFloat() || !to.isIntOrFloat() ||
      from.getIntOrFloatBitWidth() != to.getIntOrFloatBitWidth())
    return emitOpError("bitcasts between element types of the same bit "
                       "width, got ")
           << from << " to " << to;
  return success();
}

//===----------------------------------------------------------------------===//
// Verifiers and type inference
//===----------------------------------------------------------------------===//

static RankedTensorType tensorType(Value v) {
  return cast<RankedTensorType>(v.getType());
}

/// Checks `result` against the expected shape (dynamic dims match anything).
static LogicalResult verifyResultShape(Operation *op, RankedTensorType result,
                                       ArrayRef<int64_t> expected) {
  if (result.getRank() != (int64_t)expected.size() ||
      !llvm::all_of(llvm::zip(expected, result.getShape()), [](auto p) {
        return dimsCompatible(std::get<0>(p), std::get<1>(p));
      }))
    return op->emitOpError("result shape ")
           << shapeStr(result.getShape()) << " does not match expected "
           << shapeStr(expected);
  return success();
}

LogicalResult SelectOp::verify() {
  if (!tensorType(getCond()).getElementType().isInteger(1))
    return emitOpError("condition must have i1 elements, got ")
           << tensorType(getCond()).getElementType();
  if (tensorType(getLhs()).getElementType() !=
      tensorType(getRhs()).getElementType())
    return emitOpError("branches must have the same element type");
  return success();
}

LogicalResult MatMulOp::inferReturnTypes(MLIRContext *ctx,
                                         std::optional<Location> loc,
                                         ValueRange operands, DictionaryAttr,
                                         OpaqueProperties, RegionRange,
                                         SmallVectorImpl<Type> &inferred) {
  auto lhs = dyn_cast<RankedTensorType>(operands[0].getType());
  auto rhs = dyn_cast<RankedTensorType>(operands[1].getType());
  if (!lhs || !rhs || lhs.getRank() < 2 || rhs.getRank() < 2)
    return emitOptionalError(loc,
                             "operands must be ranked tensors of rank >= 2");
  if (lhs.getElementType() != rhs.getElementType())
    return emitOptionalError(
        loc, "operand element types differ: ", lhs.getElementType(), " vs ",
        rhs.getElementType());
  if (!lhs.getElementType().isIntOrFloat())
    return emitOptionalError(loc,
                             "expects integer or floating-point elements, got ",
                             lhs.getElementType());
  ArrayRef<int64_t> ls = lhs.getShape(), rs = rhs.getShape();
  int64_t k1 = ls.back(), k2 = rs[rs.size() - 2];
  if (!dimsCompatible(k1, k2))
    return emitOptionalError(loc, "contraction dims differ: lhs ", shapeStr(ls),
                             " rhs ", shapeStr(rs));
  FailureOr<SmallVector<int64_t>> batch =
      broadcastShapes({ls.drop_back(2), rs.drop_back(2)});
  if (failed(batch))
    return emitOptionalError(loc, "batch dims of ", shapeStr(ls), " and ",
                             shapeStr(rs), " are not broadcast-compatible");
  SmallVector<int64_t> shape = *batch;
  shape.push_back(ls[ls.size() - 2]);
  shape.push_back(rs.back());
  inferred.push_back(RankedTensorType::get(shape, lhs.getElementType()));
  return success();
}

LogicalResult TransposeOp::verify() {
  auto in = tensorType(getInput()), out = tensorType(getResult());
  ArrayRef<int64_t> perm = getPermutation();
  if (in.getElementType() != out.getElementType())
    return emitOpError("result element type ")
           << out.getElementType() << " differs from the input's "
           << in.getElementType();
  if ((int64_t)perm.size() != in.getRank())
    return emitOpError("permutation has ")
           << perm.size() << " entries for an input of rank " << in.getRank();
  llvm::SmallBitVector seen(perm.size());
  for (int64_t p : perm) {
    if (p < 0 || p >= (int64_t)perm.size() || seen.test(p))
      return emitOpError("permutation is not a permutation of [0, ")
             << perm.size() << ")";
    seen.set(p);
  }
  for (auto [i, p] : llvm::enumerate(perm))
    if (!dimsCompatible(out.getDimSize(i), in.getDimSize(p)))
      return emitOpError("result dim ")
             << i << " is " << out.getDimSize(i) << " but input dim " << p
             << " is " << in.getDimSize(p);
  return success();
}

LogicalResult ReshapeOp::verify() {
  auto in = tensorType(getInput()), out = tensorType(getResult());
  if (in.getElementType() != out.getElementType())
    return emitOpError("element types differ");
  if (in.hasStaticShape() && out.hasStaticShape() &&
      in.getNumElements() != out.getNumElements())
    return emitOpError("cannot reshape ")
           << shapeStr(in.getShape()) << " (" << in.getNumElements()
           << " elements) to " << shapeStr(out.getShape()) << " ("
           << out.getNumElements() << " elements)";
  return success();
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  // reshape(reshape(x)) -> reshape(x)
  if (auto inner = getInput().getDefiningOp<ReshapeOp>()) {
    getInputMutable().assign(inner.getInput());
    return getResult();
  }
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput()))
    return dense.reshape(getType());
  return {};
}

LogicalResult BroadcastOp::verify() {
  auto in = tensorType(getInput()), out = tensorType(getResult());
  if (in.getElementType() != out.getElementType())
    return emitOpError("element types differ");
  FailureOr<SmallVector<int64_t>> shape =
      broadcastShapes({in.getShape(), out.getShape()});
  if (in.getRank() > out.getRank() || failed(shape) ||
      !llvm::all_of(llvm::zip(*shape, out.getShape()), [](auto p) {
        return dimsCompatible(std::get<0>(p), std::get<1>(p));
      }))
    return emitOpError("cannot broadcast ")
           << shapeStr(in.getShape()) << " to " << shapeStr(out.getShape());
  return success();
}

LogicalResult GatherOp::verify() {
  auto data = tensorType(getData()), idx = tensorType(getIndices()),
       out = tensorType(getResult());
  if (!isa<IntegerType>(idx.getElementType()))
    return emitOpError("indices must be integers, got ")
           << idx.getElementType();
  if (out.getElementType() != data.getElementType())
    return emitOpError("result element type ")
           << out.getElementType() << " differs from the data's "
           << data.getElementType();
  std::optional<int64_t> axis = normalizeAxis(getAxis(), data.getRank());
  if (!axis)
    return emitOpError("axis ")
           << getAxis() << " is out of range for rank " << data.getRank();
  SmallVector<int64_t> shape(data.getShape().take_front(*axis));
  llvm::append_range(shape, idx.getShape());
  llvm::append_range(shape, data.getShape().drop_front(*axis + 1));
  return verifyResultShape(*this, out, shape);
}

LogicalResult ReduceOp::verify() {
  auto in = tensorType(getInput()), out = tensorType(getResult());
  if (!in.getElementType().isIntOrFloat())
    return emitOpError("expects integer or floating-point elements, got ")
           << in.getElementType();
  if (out.getElementType() != in.getElementType())
    return emitOpError("result element type ")
           << out.getElementType() << " differs from the input's "
           << in.getElementType();
  llvm::SmallBitVector reduced(in.getRank());
  for (int64_t a : getAxes()) {
    std::optional<int64_t> axis = normalizeAxis(a, in.getRank());
    if (!axis)
      return emitOpError("axis ")
             << a << " is out of range for rank " << in.getRank();
    if (reduced.test(*axis))
      return emitOpError("axis ") << a << " is repeated";
    reduced.set(*axis);
  }
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < in.getRank(); ++i) {
    if (!reduced.test(i))
      shape.push_back(in.getDimSize(i));
    else if (getKeepDims())
      shape.push_back(1);
  }
  return verifyResultShape(*this, out, shape);
}

LogicalResult SoftmaxOp::verify() {
  if (!normalizeAxis(getAxis(), tensorType(getInput()).getRank()))
    return emitOpError("axis ") << getAxis() << " is out of range for rank "
                                << tensorType(getInput()).getRank();
  if (!isa<FloatType>(tensorType(getInput()).getElementType()))
    return emitOpError("expects floating-point elements");
  return success();
}

/// Shared checks of layer_norm / rms_norm: a float input whose normalized
/// trailing dims [axis, rank) the scale (and bias) broadcast to.
static LogicalResult verifyNorm(Operation *op, Value input, int64_t axis,
                                ValueRange params, ArrayRef<StringRef> names) {
  auto in = tensorType(input);
  if (!isa<FloatType>(in.getElementType()))
    return op->emitOpError("expects floating-point input");
  std::optional<int64_t> a = normalizeAxis(axis, in.getRank());
  if (!a)
    return op->emitOpError("axis ")
           << axis << " is out of range for rank " << in.getRank();
  if (tensorType(op->getResult(0)) != in)
    return op->emitOpError("result type must match the input type");
  for (auto [p, name] : llvm::zip_equal(params, names)) {
    auto pt = tensorType(p);
    // The lowering computes in the input's type; a mixed parameter would
    // need an implicit cast the op does not define.
    if (pt.getElementType() != in.getElementType())
      return op->emitOpError()
             << name << " element type " << pt.getElementType()
             << " differs from the input's " << in.getElementType();
    FailureOr<SmallVector<int64_t>> shape =
        broadcastShapes({in.getShape(), pt.getShape()});
    if (failed(shape) || *shape != SmallVector<int64_t>(in.getShape()))
      return op->emitOpError("parameter of shape ")
             << shapeStr(pt.getShape()) << " does not broadcast to input "
             << shapeStr(in.getShape());
  }
  return success();
}

LogicalResult LayerNormOp::verify() {
  SmallVector<Value> params{getScale()};
  SmallVector<StringRef> names{"scale"};
  if (getBias()) {
    params.push_back(getBias());
    names.push_back("bias");
  }
  return verifyNorm(*this, getInput(), getAxis(), params, names);
}

LogicalResult RMSNormOp::verify() {
  return verifyNorm(*this, getInput(), getAxis(), {getScale()}, {"scale"});
}

LogicalResult AttentionOp::verify() {
  auto q = tensorType(getQuery()), k = tensorType(getKey()),
       v = tensorType(getValue()), out = tensorType(getResult());
  if (q.getRank() != 4 || k.getRank() != 4 || v.getRank() != 4)
    return emitOpError("query, key and value must be 4-D [B, H, S, D]");
  if (!isa<FloatType>(q.getElementType()))
    return emitOpError("expects floating-point query, got ")
           << q.getElementType();
  // Q Kᵀ and P V are computed in one type; the op defines no implicit casts.
  if (k.getElementType() != q.getElementType())
    return emitOpError("key element type ")
           << k.getElementType() << " differs from the query's "
           << q.getElementType();
  if (v.getElementType() != q.getElementType())
    return emitOpError("value element type ")
           << v.getElementType() << " differs from the query's "
           << q.getElementType();
  if (!dimsCompatible(q.getDimSize(0), k.getDimSize(0)) ||
      !dimsCompatible(k.getDimSize(0), v.getDimSize(0)))
    return emitOpError("batch sizes differ");
  if (!dimsCompatible(q.getDimSize(3), k.getDimSize(3)))
    return emitOpError("query head dim ")
           << q.getDimSize(3) << " differs from key head dim "
           << k.getDimSize(3);
  if (!dimsCompatible(k.getDimSize(1), v.getDimSize(1)) ||
      !dimsCompatible(k.getDimSize(2), v.getDimSize(2)))
    return emitOpError("key ")
           << shapeStr(k.getShape()) << " and value " << shapeStr(v.getShape())
           << " differ in heads or length";
  int64_t hq = q.getDimSize(1), hkv = k.getDimSize(1);
  if (!ShapedType::isDynamic(hq) && !ShapedType::isDynamic(hkv) &&
      (hkv == 0 || hq % hkv != 0))
    return emitOpError("query heads (")
           << hq << ") must be a multiple of kv heads (" << hkv << ")";
  SmallVector<int64_t> expect{q.getDimSize(0), hq, q.getDimSize(2),
                              v.getDimSize(3)};
  if (out.getElementType() != q.getElementType() ||
      !llvm::all_of(llvm::zip(expect, out.getShape()),
                    [](auto p) {
                      return dimsCompatible(std::get<0>(p), std::get<1>(p));
                    }) ||
      out.getRank() != 4)
    return emitOpError("result type ")
           << out << " does not match expected " << shapeStr(expect);
  if (Value mask = getMask()) {
    auto m = tensorType(mask);
    Type me = m.getElementType();
    if (!me.isInteger(1) && me != q.getElementType())
      return emitOpError("mask must be i1 or ")
             << q.getElementType() << ", got " << me;
    SmallVector<int64_t> scores{q.getDimSize(0), hq, q.getDimSize(2),
                                k.getDimSize(2)};
    FailureOr<SmallVector<int64_t>> shape =
        broadcastShapes({scores, m.getShape()});
    if (m.getRank() > 4 || failed(shape))
      return emitOpError("mask of shape ")
             << shapeStr(m.getShape()) << " does not broadcast to the scores "
             << shapeStr(scores);
  }
  if (getSoftcap().convertToFloat() < 0)
    return emitOpError("softcap must be >= 0");
  if (hasModifiers() && getScores())
    return emitOpError("the scores result cannot be combined with score_mod/"
                       "prob_mod regions");
  return verifyPositionalAndScores();
}

Type AttentionOp::getSoftmaxType() {
  if (auto t = getSoftmaxPrecision())
    return *t;
  Type elt = tensorType(getQuery()).getElementType();
  return elt.getIntOrFloatBitWidth() < 32 ? Float32Type::get(getContext())
                                          : elt;
}

RankedTensorType AttentionOp::getModifierType() {
  auto q = tensorType(getQuery()), k = tensorType(getKey());
  return RankedTensorType::get(
      {q.getDimSize(0), q.getDimSize(1), q.getDimSize(2), k.getDimSize(2)},
      getSoftmaxType());
}

// Each present modifier region: one block, one argument and one yielded
// value, both of the [B, Hq, Sq, Skv] scores type in the softmax type.
LogicalResult AttentionOp::verifyRegions() {
  RankedTensorType expect = getModifierType();
  for (auto [region, name] :
       {std::pair<Region *, StringRef>{&getScoreMod(), "score_mod"},
        {&getProbMod(), "prob_mod"}}) {
    if (region->empty())
      continue;
    Block &body = region->front();
    if (body.getNumArguments() != 1)
      return emitOpError() << name << " must have one block argument (the "
                           << "scores " << expect << "), got "
                           << body.getNumArguments();
    Type arg = body.getArgument(0).getType();
    if (arg != expect)
      return emitOpError() << name << " argument has type " << arg
                           << ", expected " << expect;
    auto yield = dyn_cast<YieldOp>(body.getTerminator());
    if (!yield)
      return emitOpError() << name << " must end in seq.yield";
    if (yield.getValues().size() != 1)
      return yield.emitOpError("in ") << name << " must yield one value, got "
                                      << yield.getValues().size();
    Type got = yield.getValues()[0].getType();
    if (got != expect)
      return yield.emitOpError("in ")
             << name << " yields " << got << ", expected " << expect;
  }
  return success();
}

LogicalResult AttentionOp::verifyPositionalAndScores() {
  auto q = tensorType(getQuery()), k = tensorType(getKey());
  if (getQueryOffset() < 0)
    return emitOpError("query_offset must be >= 0, got ") << getQueryOffset();
  if (getWindowLeft() < -1 || getWindowRight() < -1)
    return emitOpError("window_left/window_right must be -1 (unbounded) or "
                       ">= 0, got ")
           << getWindowLeft() << "/" << getWindowRight();
  if (Value lens = getKvSeqlen()) {
    auto lt = tensorType(lens);
    if (lt.getRank() != 1 || !lt.getElementType().isSignlessInteger())
      return emitOpError("kv_seqlen must be a 1-D signless integer tensor, "
                         "got ")
             << lt;
    if (!dimsCompatible(lt.getDimSize(0), q.getDimSize(0)))
      return emitOpError("kv_seqlen has ")
             << lt.getDimSize(0) << " entries for batch " << q.getDimSize(0);
    if (getQueryOffset() != 0)
      return emitOpError("query_offset must be 0 when kv_seqlen is given "
                         "(the offset is kv_seqlen[b] - Sq)");
  }
  std::optional<int64_t> mode = getScoresMode();
  if (mode.has_value() != static_cast<bool>(getScores()))
    return emitOpError("scores_mode and the scores result must be given "
                       "together");
  if (!mode)
    return success();
  if (*mode < 0 || *mode > 3)
    return emitOpError("scores_mode must be in [0, 3], got ") << *mode;
  auto st = tensorType(getScores());
  SmallVector<int64_t> expect{q.getDimSize(0), q.getDimSize(1), q.getDimSize(2),
                              k.getDimSize(2)};
  if (st.getRank() != 4 || st.getElementType() != q.getElementType() ||
      !llvm::all_of(llvm::zip(expect, st.getShape()), [](auto p) {
        return dimsCompatible(std::get<0>(p), std::get<1>(p));
      }))
    return emitOpError("scores type ")
           << st << " does not match expected " << shapeStr(expect) << " of "
           << q.getElementType();
  return success();
}

#define GET_OP_CLASSES
#include "seq/IR/SeqOps.cpp.inc"
