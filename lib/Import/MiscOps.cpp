//===- MiscOps.cpp - CumProd and friends
//------------------------------------===//
//
// ONNX CumProd, EyeLike, ReverseSequence, Dropout, Det, RandomUniformLike,
// Bernoulli, as compositions of seq ops with static shapes:
//   * CumProd: a log-step (Hillis-Steele) scan, ceil(log2 n) steps of
//     x = x * shift(x, 2^s) with the shifted-in elements 1 (exact products,
//     no exp/log);
//   * ReverseSequence: one seq.gather_elements along the time axis;
//   * Det: Gaussian elimination with partial pivoting, unrolled over the
//     (static) matrix size;
//   * RandomUniformLike / Bernoulli: a counter-based hash RNG (integer
//     mixing of the element index and the `seed` attribute in ui32 seq
//     ops), so results are deterministic per seed (a fixed default when the
//     attribute is absent).
//
//===----------------------------------------------------------------------===//

#include "ImportBuilders.h"
#include "ImporterInternal.h"

#include "seq/IR/SeqDialect.h"
#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cstring>

using namespace mlir;

namespace seqc::import {
namespace {

/// A constant of `type` filled with `value`.
Value splat(NodeContext &nc, RankedTensorType type, double value) {
  return seq::BroadcastOp::create(
      nc.b(), nc.loc(), type, nc.scalarConstant(type.getElementType(), value));
}

/// Non-rank-reducing unit-stride tensor.extract_slice.
Value slice(NodeContext &nc, Value src, ArrayRef<int64_t> offsets,
            ArrayRef<int64_t> sizes) {
  auto t = cast<RankedTensorType>(src.getType());
  OpBuilder &b = nc.b();
  SmallVector<OpFoldResult> offs, szs, strs;
  for (size_t i = 0; i < sizes.size(); ++i) {
    offs.push_back(b.getIndexAttr(offsets[i]));
    szs.push_back(b.getIndexAttr(sizes[i]));
    strs.push_back(b.getIndexAttr(1));
  }
  return tensor::ExtractSliceOp::create(b, nc.loc(), t.clone(sizes), src, offs,
                                        szs, strs);
}

/// An i1 constant [1,..,n,..,1] with `pred(i)` at index i along `axis`.
template <typename Pred>
Value rowMask(NodeContext &nc, int64_t rank, int64_t axis, int64_t n,
              Pred pred) {
  SmallVector<int64_t> shape(rank, 1);
  shape[axis] = n;
  SmallVector<bool> vals;
  for (int64_t i = 0; i < n; ++i)
    vals.push_back(pred(i));
  return boolTensor(nc, shape, vals);
}

/// The element type named by the `dtype` attribute, or `dflt`.
FailureOr<Type> dtypeAttr(NodeContext &nc, Type dflt) {
  if (!nc.attr("dtype"))
    return dflt;
  int64_t code = nc.attrInt("dtype", 0);
  Type t = convertElementType(nc.ctx(), code);
  if (!t)
    return nc.error() << "unsupported dtype " << onnxTypeName(code);
  return t;
}

//===----------------------------------------------------------------------===//
// CumProd
//===----------------------------------------------------------------------===//

/// `x` moved by `k` along `axis` (towards higher indices, or lower ones when
/// `reverse`), the vacated elements set to 1.
Value shiftIn(NodeContext &nc, Value x, int64_t axis, int64_t k, bool reverse) {
  auto t = cast<RankedTensorType>(x.getType());
  int64_t n = t.getDimSize(axis);
  if (k >= n)
    return splat(nc, t, 1.0);
  SmallVector<int64_t> offs(t.getRank(), 0), sizes(t.getShape()),
      fillShape(t.getShape());
  sizes[axis] = n - k;
  fillShape[axis] = k;
  if (reverse)
    offs[axis] = k;
  Value kept = slice(nc, x, offs, sizes);
  Value fill = splat(nc, t.clone(fillShape), 1.0);
  SmallVector<Value> parts =
      reverse ? SmallVector<Value>{kept, fill} : SmallVector<Value>{fill, kept};
  return tensor::ConcatOp::create(nc.b(), nc.loc(), t, axis, parts);
}

/// Inclusive (or exclusive) product scan of `x` along `axis`.
Value cumProd(NodeContext &nc, Value x, int64_t axis, bool exclusive,
              bool reverse) {
  int64_t n = cast<RankedTensorType>(x.getType()).getDimSize(axis);
  if (n == 0)
    return x;
  if (exclusive)
    x = shiftIn(nc, x, axis, 1, reverse);
  for (int64_t s = 1; s < n; s *= 2)
    x = seq::MulOp::create(nc.b(), nc.loc(), x,
                           shiftIn(nc, x, axis, s, reverse));
  return x;
}

LogicalResult convertCumProd(NodeContext &nc) {
  auto t = nc.inputType(0);
  int64_t rank = t.getRank();
  if (rank == 0)
    return nc.error() << "input must have rank >= 1";
  if (failed(requireStatic(nc, 0)))
    return failure();
  auto at = nc.inputType(1);
  if (!isa<IntegerType>(at.getElementType()) || !at.hasStaticShape() ||
      at.getNumElements() != 1)
    return nc.error() << "axis must be one integer, got " << typeStr(at);
  bool exclusive = nc.attrInt("exclusive", 0) != 0;
  bool reverse = nc.attrInt("reverse", 0) != 0;
  Value x = nc.input(0);
  if (std::optional<double> c = nc.constScalar(1)) {
    int64_t axis = static_cast<int64_t>(*c);
    if (failed(nc.normalizeAxis(axis, rank, "axis")))
      return failure();
    nc.setOutput(0, cumProd(nc, x, axis, exclusive, reverse));
    return success();
  }
  // The axis is only known at run time; it selects data, not the shape: scan
  // along every axis and pick the one named (an axis outside [-rank, rank)
  // leaves the input unchanged).
  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  Type i64 = b.getI64Type();
  Value axis = castTo(nc, nc.input(1), i64);
  axis = nc.reshape(axis, {});
  Value y = x;
  for (int64_t d = rank - 1; d >= 0; --d) {
    Value is = seq::OrOp::create(
        b, loc, seq::EqualOp::create(b, loc, axis, nc.scalarConstant(i64, d)),
        seq::EqualOp::create(b, loc, axis, nc.scalarConstant(i64, d - rank)));
    y = seq::SelectOp::create(b, loc, is, cumProd(nc, x, d, exclusive, reverse),
                              y);
  }
  nc.setOutput(0, y);
  return success();
}

//===----------------------------------------------------------------------===//
// EyeLike, ReverseSequence, Dropout
//===----------------------------------------------------------------------===//

LogicalResult convertEyeLike(NodeContext &nc) {
  auto t = nc.inputType(0);
  if (t.getRank() != 2 || !t.hasStaticShape())
    return nc.error() << "input must be a static 2-D tensor, got "
                      << shapeStr(t.getShape());
  FailureOr<Type> elt = dtypeAttr(nc, t.getElementType());
  if (failed(elt))
    return failure();
  int64_t n = t.getDimSize(0), m = t.getDimSize(1), k = nc.attrInt("k", 0);
  SmallVector<bool> vals(n * m);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < m; ++j)
      vals[i * m + j] = j - i == k;
  OpBuilder &b = nc.b();
  Value mask = boolTensor(nc, t.getShape(), vals);
  nc.setOutput(0, seq::CastOp::create(b, nc.loc(), t.clone(*elt), mask));
  return success();
}

LogicalResult convertReverseSequence(NodeContext &nc) {
  auto t = nc.inputType(0);
  int64_t rank = t.getRank();
  if (rank < 2)
    return nc.error() << "input must have rank >= 2, got "
                      << shapeStr(t.getShape());
  if (failed(requireStatic(nc, 0)))
    return failure();
  int64_t timeAxis = nc.attrInt("time_axis", 0);
  int64_t batchAxis = nc.attrInt("batch_axis", 1);
  if ((timeAxis != 0 && timeAxis != 1) || (batchAxis != 0 && batchAxis != 1) ||
      timeAxis == batchAxis)
    return nc.error() << "time_axis " << timeAxis << " and batch_axis "
                      << batchAxis << " must be 0 and 1 in some order";
  int64_t steps = t.getDimSize(timeAxis), batch = t.getDimSize(batchAxis);
  auto lt = nc.inputType(1);
  if (lt.getRank() != 1 || lt.getDimSize(0) != batch ||
      !isa<IntegerType>(lt.getElementType()))
    return nc.error() << "sequence_lens must be an integer tensor [" << batch
                      << "], got " << typeStr(lt);
  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  Type i64 = b.getI64Type();
  Value lens = castTo(nc, nc.input(1), i64);
  SmallVector<int64_t> lensShape(rank, 1);
  lensShape[batchAxis] = batch;
  lens = nc.reshape(lens, lensShape);
  // Time index t of batch b reads len[b] - 1 - t while t < len[b].
  Value pos = iota(nc, rank, timeAxis, steps);
  Value rev = seq::SubOp::create(
      b, loc, seq::SubOp::create(b, loc, lens, nc.scalarConstant(i64, 1)), pos);
  Value idx = seq::SelectOp::create(
      b, loc, seq::LessOp::create(b, loc, pos, lens), rev, pos);
  idx = seq::BroadcastOp::create(b, loc, t.clone(i64), idx);
  nc.setOutput(
      0, seq::GatherElementsOp::create(b, loc, t, nc.input(0), idx, timeAxis));
  return success();
}

LogicalResult convertDropout(NodeContext &nc) {
  auto t = nc.inputType(0);
  bool training = false;
  double ratio = 0.5;
  if (nc.opset() >= 12) {
    if (nc.hasInput(1)) {
      std::optional<double> r = nc.constScalar(1);
      if (!r)
        return nc.error() << "ratio (input 1) must be a constant";
      ratio = *r;
    }
    if (nc.hasInput(2)) {
      std::optional<double> m = nc.constScalar(2);
      if (!m) {
        InFlightDiagnostic d = nc.error();
        d << "training_mode (input 2) must be a constant";
        noteGraphInput(d, nc.input(2));
        return d;
      }
      training = *m != 0;
    }
  } else {
    ratio = nc.attrFloat("ratio", 0.5f);
    // Before opset 7, is_test = 0 (the default) means training.
    training = nc.opset() < 7 && nc.attrInt("is_test", 0) == 0;
  }
  if (training && ratio != 0)
    return nc.error() << "training mode (random dropout with ratio " << ratio
                      << ") is not supported; only inference (identity)";
  nc.setOutput(0, nc.input(0));
  if (nc.numOutputs() > 1 && nc.isOutputUsed(1)) {
    if (!t.hasStaticShape())
      return nc.error() << "the mask output needs a static input shape, got "
                        << shapeStr(t.getShape());
    // Every element is kept: mask all true (bool from opset 10, else T).
    Type elt = nc.opset() >= 10 ? nc.b().getI1Type() : t.getElementType();
    nc.setOutput(1, splat(nc, t.clone(elt), 1.0));
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Det
//===----------------------------------------------------------------------===//

LogicalResult convertDet(NodeContext &nc) {
  auto t = nc.inputType(0);
  int64_t rank = t.getRank();
  if (!isa<FloatType>(t.getElementType()))
    return nc.error() << "expects a floating-point input, got "
                      << t.getElementType();
  if (rank < 2 || !t.hasStaticShape() ||
      t.getDimSize(rank - 1) != t.getDimSize(rank - 2))
    return nc.error() << "input must be a static [*, M, M] tensor, got "
                      << shapeStr(t.getShape());
  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  Type elt = t.getElementType();
  int64_t m = t.getDimSize(rank - 1), batch = 1;
  for (int64_t d = 0; d < rank - 2; ++d)
    batch *= t.getDimSize(d);
  ArrayRef<int64_t> batchShape = t.getShape().drop_back(2);
  Value a = nc.reshape(nc.input(0), {batch, m, m});
  auto at = cast<RankedTensorType>(a.getType());
  auto scalarsType = at.clone({batch, 1, 1});
  Value det = splat(nc, scalarsType, 1.0);
  Value zero = nc.scalarConstant(elt, 0.0);
  Value rows = iota(nc, 3, 1, m);
  for (int64_t k = 0; k < m; ++k) {
    // Pivot: the row >= k with the largest |a[:, k]|.
    Value col = slice(nc, a, {0, 0, k}, {batch, m, 1});
    Value mag = seq::SelectOp::create(
        b, loc, rowMask(nc, 3, 1, m, [&](int64_t i) { return i >= k; }),
        seq::AbsOp::create(b, loc, col), nc.scalarConstant(elt, -1.0));
    Value p = seq::ArgMaxOp::create(
        b, loc, RankedTensorType::get({batch, 1, 1}, b.getI64Type()), mag,
        /*axis=*/1, /*keep_dims=*/true, /*select_last_index=*/false);
    // Swap rows k and p (a no-op when p == k) and flip the sign if p != k.
    Value isP = seq::EqualOp::create(b, loc, rows, p);
    Value rowP = seq::ReduceOp::create(
        b, loc, at.clone({batch, 1, m}),
        seq::SelectOp::create(b, loc, isP, a, zero),
        seq::ReduceKindAttr::get(nc.ctx(), seq::ReduceKind::sum),
        b.getDenseI64ArrayAttr({1}), b.getUnitAttr());
    Value rowK = slice(nc, a, {0, k, 0}, {batch, 1, m});
    Value isK = rowMask(nc, 3, 1, m, [&](int64_t i) { return i == k; });
    a = seq::SelectOp::create(b, loc, isK, rowP,
                              seq::SelectOp::create(b, loc, isP, rowK, a));
    Value swapped = seq::NotOp::create(
        b, loc,
        seq::EqualOp::create(b, loc, p, nc.scalarConstant(b.getI64Type(), k)));
    det = seq::SelectOp::create(b, loc, swapped,
                                seq::NegOp::create(b, loc, det), det);
    Value pivot = slice(nc, a, {0, k, k}, {batch, 1, 1});
    det = seq::MulOp::create(b, loc, det, pivot);
    if (k + 1 == m)
      break;
    // Eliminate column k below the pivot (a zero pivot: det is 0 already).
    Value safe =
        seq::SelectOp::create(b, loc, seq::EqualOp::create(b, loc, pivot, zero),
                              nc.scalarConstant(elt, 1.0), pivot);
    Value factor = seq::DivOp::create(
        b, loc, slice(nc, a, {0, 0, k}, {batch, m, 1}), safe);
    factor = seq::SelectOp::create(
        b, loc, rowMask(nc, 3, 1, m, [&](int64_t i) { return i > k; }), factor,
        zero);
    Value pivotRow = slice(nc, a, {0, k, 0}, {batch, 1, m});
    a = seq::SubOp::create(b, loc, a,
                           seq::MulOp::create(b, loc, factor, pivotRow));
  }
  nc.setOutput(0, nc.reshape(det, batchShape));
  return success();
}

//===----------------------------------------------------------------------===//
// Random ops
//===----------------------------------------------------------------------===//

/// Host-side lowbias32 (Wellons), to derive the key from the seed.
uint32_t mix32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  x ^= x >> 16;
  return x;
}

Value u32Constant(NodeContext &nc, uint32_t v) {
  auto ty = nc.b().getIntegerType(32, /*isSigned=*/false);
  auto type = RankedTensorType::get({}, ty);
  return arith::ConstantOp::create(nc.b(), nc.loc(),
                                   DenseElementsAttr::get(type, APInt(32, v)));
}

/// lowbias32 of every element of the ui32 tensor `x`, in seq ops.
Value mix32(NodeContext &nc, Value x) {
  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  auto xorShift = [&](Value v, uint32_t s) -> Value {
    return seq::XorOp::create(
        b, loc, v, seq::ShiftRightOp::create(b, loc, v, u32Constant(nc, s)));
  };
  x = xorShift(x, 16);
  x = seq::MulOp::create(b, loc, x, u32Constant(nc, 0x7feb352dU));
  x = xorShift(x, 15);
  x = seq::MulOp::create(b, loc, x, u32Constant(nc, 0x846ca68bU));
  return xorShift(x, 16);
}

/// Uniform f32 samples in [0, 1) of `shape`: 24 high bits of a hash of the
/// row-major element index keyed by the node's `seed` attribute.
Value uniform01(NodeContext &nc, ArrayRef<int64_t> shape) {
  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  auto u32 = b.getIntegerType(32, /*isSigned=*/false);
  // Row-major element index, as a sum of per-dim iotas times strides.
  Value idx = u32Constant(nc, 0);
  int64_t stride = 1;
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    Value term = iota(nc, shape.size(), d, shape[d], u32);
    if (stride != 1)
      term = seq::MulOp::create(b, loc, term,
                                u32Constant(nc, static_cast<uint32_t>(stride)));
    idx = seq::AddOp::create(b, loc, idx, term);
    stride *= shape[d];
  }
  idx =
      seq::BroadcastOp::create(b, loc, RankedTensorType::get(shape, u32), idx);
  // A fixed default seed keeps artifacts reproducible when none is given.
  float seed = nc.attrFloat("seed", 0.0f);
  uint32_t bits;
  std::memcpy(&bits, &seed, sizeof bits);
  uint32_t key = mix32(bits ^ 0x9e3779b9U);
  Value h = mix32(nc, seq::XorOp::create(b, loc, idx, u32Constant(nc, key)));
  h = mix32(nc, seq::AddOp::create(b, loc, h, u32Constant(nc, mix32(key))));
  h = seq::ShiftRightOp::create(b, loc, h, u32Constant(nc, 8));
  auto f32 = RankedTensorType::get(shape, b.getF32Type());
  Value u = seq::CastOp::create(b, loc, f32, h);
  return seq::MulOp::create(b, loc, u,
                            nc.scalarConstant(b.getF32Type(), 0x1p-24));
}

LogicalResult convertRandomUniformLike(NodeContext &nc) {
  auto t = nc.inputType(0);
  if (failed(requireStatic(nc, 0)))
    return failure();
  FailureOr<Type> elt = dtypeAttr(nc, t.getElementType());
  if (failed(elt))
    return failure();
  if (!isa<FloatType>(*elt))
    return nc.error() << "dtype must be a floating-point type, got " << *elt;
  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  double low = nc.attrFloat("low", 0.0f), high = nc.attrFloat("high", 1.0f);
  Value u = uniform01(nc, t.getShape());
  Value f32Low = nc.scalarConstant(b.getF32Type(), low);
  Value y = seq::AddOp::create(
      b, loc, f32Low,
      seq::MulOp::create(b, loc, u,
                         nc.scalarConstant(b.getF32Type(), high - low)));
  if (*elt != b.getF32Type())
    y = seq::CastOp::create(b, loc, t.clone(*elt), y);
  // Rounding (to f32 or a narrower dtype) may reach `high`; keep [low, high).
  Value hi = nc.scalarConstant(*elt, high);
  y = seq::SelectOp::create(b, loc, seq::GreaterEqualOp::create(b, loc, y, hi),
                            nc.scalarConstant(*elt, low), y);
  nc.setOutput(0, y);
  return success();
}

LogicalResult convertBernoulli(NodeContext &nc) {
  auto t = nc.inputType(0);
  if (failed(requireStatic(nc, 0)))
    return failure();
  if (!isa<FloatType>(t.getElementType()))
    return nc.error() << "expects floating-point probabilities, got "
                      << t.getElementType();
  FailureOr<Type> elt = dtypeAttr(nc, t.getElementType());
  if (failed(elt))
    return failure();
  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  Value u = uniform01(nc, t.getShape());
  if (t.getElementType() != b.getF32Type())
    u = seq::CastOp::create(b, loc, t, u);
  Value hit = seq::LessOp::create(b, loc, u, nc.input(0));
  nc.setOutput(0, seq::CastOp::create(b, loc, t.clone(*elt), hit));
  return success();
}

} // namespace

void registerMiscOps(OpRegistry &r) {
  r["CumProd"] = {convertCumProd, 2, 2};
  r["EyeLike"] = {convertEyeLike, 1, 1};
  r["ReverseSequence"] = {convertReverseSequence, 2, 2};
  r["Dropout"] = {convertDropout, 1, 3};
  r["Det"] = {convertDet, 1, 1};
  r["RandomUniformLike"] = {convertRandomUniformLike, 1, 1};
  r["Bernoulli"] = {convertBernoulli, 1, 1};
}

} // namespace seqc::import
