//===- QuantizeOps.cpp - ONNX quantization ops ----------------------------===//
//
// QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear and MatMulInteger,
// composed from elementwise seq ops:
//
//   quantize   y = cast(clamp(round(x / scale) + zero_point))   (integers)
//              y = cast(x / scale + zero_point, saturate)        (8/4-bit
//              floats)
//   dequantize y = (float(x) - float(zero_point)) * scale
//
// Scales and zero points are per tensor (scalar or [1]), per axis (1-D of
// x.shape[axis]) or blocked (x's rank, x.shape[axis] / block_size blocks
// along `axis`); they are brought to a shape that broadcasts to x.
// Arithmetic is in f32 (f64 for double inputs).
//
//===----------------------------------------------------------------------===//

#include "ImportBuilders.h"
#include "ImporterInternal.h"
#include "OnnxDataTypes.h"

#include "seq/IR/SeqDialect.h"
#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

#include <cmath>

using namespace mlir;

namespace seqc::import {
namespace {

/// Brings a scale or zero point `p` to a shape that broadcasts to `xt` for
/// quantization along `axis` with `blockSize` (0: per tensor or per axis).
FailureOr<Value> alignParam(NodeContext &nc, Value p, RankedTensorType xt,
                            int64_t axis, int64_t blockSize, StringRef what) {
  auto pt = cast<RankedTensorType>(p.getType());
  if (!pt.hasStaticShape() || !xt.hasStaticShape())
    return nc.error() << "needs static shapes, got " << typeStr(xt) << " and "
                      << what << " " << typeStr(pt);
  int64_t rank = xt.getRank();
  if (pt.getNumElements() == 1 && blockSize == 0 && pt.getRank() <= 1)
    return nc.reshape(p, {}); // per tensor
  if (blockSize == 0) {
    if (pt.getRank() != 1 || pt.getDimSize(0) != xt.getDimSize(axis))
      return nc.error() << what << " of shape " << shapeStr(pt.getShape())
                        << " is neither a scalar nor 1-D of x.shape[" << axis
                        << "] = " << xt.getDimSize(axis);
    SmallVector<int64_t> shape(rank - axis, 1);
    shape[0] = xt.getDimSize(axis);
    return nc.reshape(p, shape);
  }
  // Blocked: p has x's shape except ceil(D / blockSize) along axis; element
  // i of x's axis reads block i / blockSize (a gather with constant indices).
  int64_t d = xt.getDimSize(axis);
  bool ok = pt.getRank() == rank;
  for (int64_t i = 0; ok && i < rank; ++i)
    ok = i == axis ? pt.getDimSize(i) == (d + blockSize - 1) / blockSize
                   : pt.getDimSize(i) == xt.getDimSize(i);
  if (!ok)
    return nc.error() << what << " of shape " << shapeStr(pt.getShape())
                      << " does not match x " << shapeStr(xt.getShape())
                      << " blocked by " << blockSize << " along axis " << axis;
  if (pt.getDimSize(axis) * blockSize == d && pt.getDimSize(axis) == d)
    return p;
  SmallVector<int64_t> idx;
  for (int64_t i = 0; i < d; ++i)
    idx.push_back(i / blockSize);
  Value indices = i64Tensor(nc, {d}, idx);
  SmallVector<int64_t> shape(pt.getShape());
  shape[axis] = d;
  return (Value)seq::GatherOp::create(nc.b(), nc.loc(), pt.clone(shape), p,
                                      indices, axis);
}

/// Reads axis/block_size and aligns the optional inputs 1 (scale) and 2
/// (zero point) to input 0.
LogicalResult quantParams(NodeContext &nc, Value &scale, Value &zeroPoint) {
  auto xt = nc.inputType(0);
  int64_t axis = nc.attrInt("axis", 1), block = nc.attrInt("block_size", 0);
  if (block < 0)
    return nc.error() << "block_size must be >= 0, got " << block;
  auto st = nc.inputType(1);
  bool perTensor = st.getRank() == 0 ||
                   (st.getRank() == 1 && st.getDimSize(0) == 1 && !block);
  if (!perTensor && failed(nc.normalizeAxis(axis, xt.getRank(), "axis")))
    return failure();
  FailureOr<Value> s = alignParam(nc, nc.input(1), xt, axis, block, "scale");
  if (failed(s))
    return failure();
  scale = *s;
  zeroPoint = {};
  if (nc.hasInput(2)) {
    FailureOr<Value> z =
        alignParam(nc, nc.input(2), xt, axis, block, "zero point");
    if (failed(z))
      return failure();
    zeroPoint = *z;
  }
  return success();
}

bool isSmallFloat(Type t) {
  return isa<FloatType>(t) && t.getIntOrFloatBitWidth() <= 8;
}

/// The f32 (f64 for double) type the arithmetic runs in.
Type computeType(NodeContext &nc, Type elt) {
  return elt.isF64() ? (Type)nc.b().getF64Type() : nc.b().getF32Type();
}

LogicalResult convertQuantizeLinear(NodeContext &nc) {
  Type xElt = nc.inputType(0).getElementType();
  if (!isa<FloatType>(xElt))
    return nc.error() << "expects a floating-point x, got " << xElt;
  Type out;
  int64_t outputDtype = nc.attrInt("output_dtype", 0);
  if (nc.hasInput(2))
    out = nc.inputType(2).getElementType();
  if (outputDtype) {
    Type t = convertElementType(nc.ctx(), outputDtype);
    if (!t)
      return nc.error() << "unsupported output_dtype "
                        << onnxTypeName(outputDtype);
    if (out && out != t)
      return nc.error() << "output_dtype " << onnxTypeName(outputDtype)
                        << " differs from the zero point type " << out;
    out = t;
  }
  if (!out)
    out = IntegerType::get(nc.ctx(), 8, IntegerType::Unsigned);
  bool intOut = isa<IntegerType>(out) && out.getIntOrFloatBitWidth() > 1;
  if (!intOut && !isSmallFloat(out))
    return nc.error() << "unsupported output type " << out;

  Value scale, zp;
  if (failed(quantParams(nc, scale, zp)))
    return failure();
  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  Type ct = computeType(nc, xElt);
  Value q = seq::DivOp::create(b, loc, castTo(nc, nc.input(0), ct),
                               castTo(nc, scale, ct));
  if (!intOut) {
    if (zp)
      q = seq::AddOp::create(b, loc, q, castTo(nc, zp, ct));
    auto qt = cast<RankedTensorType>(q.getType());
    nc.setOutput(0, seq::CastOp::create(b, loc, qt.clone(out), q,
                                        nc.attrInt("saturate", 1) != 0));
    return success();
  }
  q = seq::RoundOp::create(b, loc, q);
  if (zp)
    q = seq::AddOp::create(b, loc, q, castTo(nc, zp, ct));
  unsigned w = out.getIntOrFloatBitWidth();
  bool isUnsigned = out.isUnsignedInteger();
  double lo = isUnsigned ? 0 : -std::ldexp(1.0, w - 1);
  double hi = isUnsigned ? std::ldexp(1.0, w) - 1 : std::ldexp(1.0, w - 1) - 1;
  q = seq::MaxOp::create(b, loc, q, nc.scalarConstant(ct, lo));
  q = seq::MinOp::create(b, loc, q, nc.scalarConstant(ct, hi));
  nc.setOutput(0, castTo(nc, q, out));
  return success();
}

LogicalResult convertDequantizeLinear(NodeContext &nc) {
  Type xElt = nc.inputType(0).getElementType();
  Type sElt = nc.inputType(1).getElementType();
  if (!isa<FloatType>(sElt))
    return nc.error() << "expects a floating-point scale, got " << sElt;
  if (nc.hasInput(2) && nc.inputType(2).getElementType() != xElt)
    return nc.error() << "zero point type " << nc.inputType(2).getElementType()
                      << " differs from x type " << xElt;
  Type out = sElt;
  if (int64_t dt = nc.attrInt("output_dtype", 0)) {
    out = convertElementType(nc.ctx(), dt);
    if (!out || !isa<FloatType>(out))
      return nc.error() << "unsupported output_dtype " << onnxTypeName(dt);
  }
  Value scale, zp;
  if (failed(quantParams(nc, scale, zp)))
    return failure();
  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  Type ct = computeType(nc, sElt);
  Value y = castTo(nc, nc.input(0), ct);
  if (zp)
    y = seq::SubOp::create(b, loc, y, castTo(nc, zp, ct));
  y = seq::MulOp::create(b, loc, y, castTo(nc, scale, ct));
  nc.setOutput(0, castTo(nc, y, out));
  return success();
}

/// uint8 quantization of a float tensor with scale and zero point computed
/// from its range (which always includes 0).
LogicalResult convertDynamicQuantizeLinear(NodeContext &nc) {
  auto xt = nc.inputType(0);
  if (!xt.getElementType().isF32())
    return nc.error() << "expects f32 x, got " << xt.getElementType();
  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  Type f32 = b.getF32Type();
  Type u8 = IntegerType::get(nc.ctx(), 8, IntegerType::Unsigned);
  SmallVector<int64_t> axes;
  for (int64_t i = 0; i < xt.getRank(); ++i)
    axes.push_back(i);
  auto scalarType = RankedTensorType::get({}, f32);
  auto reduce = [&](seq::ReduceKind k) -> Value {
    return seq::ReduceOp::create(b, loc, scalarType, nc.input(0),
                                 seq::ReduceKindAttr::get(nc.ctx(), k),
                                 b.getDenseI64ArrayAttr(axes), UnitAttr());
  };
  auto cst = [&](double v) { return nc.scalarConstant(f32, v); };
  Value hi = seq::MaxOp::create(b, loc, reduce(seq::ReduceKind::max), cst(0));
  Value lo = seq::MinOp::create(b, loc, reduce(seq::ReduceKind::min), cst(0));
  Value scale =
      seq::DivOp::create(b, loc, seq::SubOp::create(b, loc, hi, lo), cst(255));
  auto clampRound = [&](Value v) -> Value {
    v = seq::MaxOp::create(b, loc, v, cst(0));
    v = seq::MinOp::create(b, loc, v, cst(255));
    return castTo(nc, v, u8);
  };
  Value zpF = seq::RoundOp::create(
      b, loc,
      seq::NegOp::create(b, loc, seq::DivOp::create(b, loc, lo, scale)));
  Value y = seq::RoundOp::create(
      b, loc, seq::DivOp::create(b, loc, nc.input(0), scale));
  y = seq::AddOp::create(b, loc, y, zpF);
  nc.setOutput(0, clampRound(y));
  nc.setOutput(1, scale);
  nc.setOutput(2, clampRound(zpF));
  return success();
}

/// (A - a_zero_point) x (B - b_zero_point) in int32. a_zero_point is a
/// scalar or per row of A (1-D of M); b_zero_point a scalar or per column.
LogicalResult convertMatMulInteger(NodeContext &nc) {
  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  Type i32 = b.getI32Type();
  auto at = nc.inputType(0), bt = nc.inputType(1);
  for (Type t : {at.getElementType(), bt.getElementType()})
    if (!isa<IntegerType>(t) || t.getIntOrFloatBitWidth() != 8)
      return nc.error() << "expects int8/uint8 operands, got " << t;
  if (at.getRank() < 2 || bt.getRank() < 2)
    return nc.error() << "operands of rank < 2 are not supported";
  Value a = castTo(nc, nc.input(0), i32), bm = castTo(nc, nc.input(1), i32);
  if (nc.hasInput(2)) {
    Value z = castTo(nc, nc.input(2), i32);
    auto zt = cast<RankedTensorType>(z.getType());
    if (zt.getRank() == 1 && zt.getDimSize(0) != 1)
      z = nc.reshape(z, {zt.getDimSize(0), 1}); // per row
    a = seq::SubOp::create(b, loc, a, z);
  }
  if (nc.hasInput(3))
    bm = seq::SubOp::create(b, loc, bm, castTo(nc, nc.input(3), i32));
  nc.setOutput(0, seq::MatMulOp::create(b, loc, a, bm));
  return success();
}

} // namespace

void registerQuantizeOps(OpRegistry &r) {
  r["QuantizeLinear"] = {convertQuantizeLinear, 2, 3};
  r["DequantizeLinear"] = {convertDequantizeLinear, 2, 3};
  r["DynamicQuantizeLinear"] = {convertDynamicQuantizeLinear, 1, 1};
  r["MatMulInteger"] = {convertMatMulInteger, 2, 4};
}

} // namespace seqc::import
