//===- PoolOps.cpp - AveragePool and friends
//--------------------------------===//
//
// ONNX AveragePool, MaxPool, LpPool, GlobalAveragePool, GlobalMaxPool,
// GlobalLpPool, MaxUnpool, LRN.
//
// With static shapes a pool is a constant pad (tensor.concat of splat blocks:
// the lowest value for max, 0 for sums) followed by one strided
// tensor.extract_slice per kernel offset, combined with seq.max / seq.add.
// Window counts of AveragePool and the argmax indices of MaxPool are
// compile-time constants. Global pools are seq.reduce over the spatial dims;
// LRN sums shifted channel slices of x^2; MaxUnpool is a 1-D scatter.
//
//===----------------------------------------------------------------------===//

#include "ImportBuilders.h"
#include "ImporterInternal.h"

#include "seq/IR/SeqDialect.h"
#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace seqc::import {
namespace {

/// Spatial geometry of a pool window after resolving auto_pad and ceil_mode.
struct PoolGeometry {
  SmallVector<int64_t> in, kernel, strides, dilations;
  /// Explicit (or auto_pad) pads; `padHi` excludes `extraHi`.
  SmallVector<int64_t> padLo, padHi;
  /// End padding past `padHi` so that every strided slice stays in bounds
  /// (ceil_mode); not part of the window (counts, max).
  SmallVector<int64_t> extraHi;
  SmallVector<int64_t> out;

  int64_t rank() const { return in.size(); }
  int64_t span(int64_t i) const { return (kernel[i] - 1) * dilations[i] + 1; }
};

/// Checks x is a static [N, C, spatial...] tensor with at least one spatial
/// dim and a float (or, with `allowInt`, integer) element type.
LogicalResult checkPoolInput(NodeContext &nc, bool allowInt) {
  auto t = nc.inputType(0);
  Type elt = t.getElementType();
  if (!isa<FloatType>(elt) &&
      !(allowInt && isa<IntegerType>(elt) && elt.getIntOrFloatBitWidth() > 1))
    return nc.error() << "unsupported element type " << elt;
  if (t.getRank() < 3 || !t.hasStaticShape())
    return nc.error() << "expects a static input [N, C, spatial...], got "
                      << shapeStr(t.getShape());
  return success();
}

/// Reads kernel_shape, strides, dilations, pads, auto_pad and ceil_mode.
LogicalResult poolGeometry(NodeContext &nc, PoolGeometry &g) {
  auto t = nc.inputType(0);
  int64_t n = t.getRank() - 2;
  g.in.assign(t.getShape().begin() + 2, t.getShape().end());
  auto kernel = nc.attrInts("kernel_shape");
  if (!kernel || (int64_t)kernel->size() != n)
    return nc.error() << "kernel_shape needs " << n << " entries";
  g.kernel = *kernel;
  auto ints = [&](StringRef name, int64_t count, int64_t dflt) {
    SmallVector<int64_t> v = nc.attrInts(name).value_or(SmallVector<int64_t>());
    if (v.empty())
      v.assign(count, dflt);
    return v;
  };
  g.strides = ints("strides", n, 1);
  g.dilations = ints("dilations", n, 1);
  SmallVector<int64_t> pads = ints("pads", 2 * n, 0);
  if ((int64_t)g.strides.size() != n || (int64_t)g.dilations.size() != n ||
      (int64_t)pads.size() != 2 * n)
    return nc.error() << "strides and dilations need " << n
                      << " entries and pads " << 2 * n;
  for (int64_t i = 0; i < n; ++i)
    if (g.kernel[i] < 1 || g.strides[i] < 1 || g.dilations[i] < 1 ||
        pads[i] < 0 || pads[n + i] < 0)
      return nc.error() << "kernel_shape, strides and dilations must be "
                           "positive and pads non-negative";
  bool ceil = nc.attrInt("ceil_mode", 0) != 0;
  std::string autoPad = nc.attrString("auto_pad", "NOTSET");
  g.padLo.assign(n, 0);
  g.padHi.assign(n, 0);
  g.extraHi.assign(n, 0);
  g.out.assign(n, 0);
  for (int64_t i = 0; i < n; ++i) {
    int64_t in = g.in[i], s = g.strides[i], ek = g.span(i);
    if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
      g.out[i] = (in + s - 1) / s;
      int64_t total = std::max<int64_t>(0, (g.out[i] - 1) * s + ek - in);
      int64_t small = total / 2, big = total - small;
      g.padLo[i] = autoPad == "SAME_UPPER" ? small : big;
      g.padHi[i] = autoPad == "SAME_UPPER" ? big : small;
    } else if (autoPad == "VALID" || autoPad == "NOTSET") {
      if (autoPad == "NOTSET") {
        g.padLo[i] = pads[i];
        g.padHi[i] = pads[n + i];
      }
      int64_t span = in + g.padLo[i] + g.padHi[i] - ek;
      if (span < 0)
        return nc.error() << "kernel " << shapeStr(g.kernel)
                          << " does not fit input " << shapeStr(t.getShape());
      g.out[i] = (ceil ? (span + s - 1) / s : span / s) + 1;
      // The last window must start inside the input or its begin padding.
      if (ceil && (g.out[i] - 1) * s >= in + g.padLo[i])
        --g.out[i];
    } else {
      return nc.error() << "unknown auto_pad '" << autoPad << "'";
    }
    int64_t required = (g.out[i] - 1) * s + ek;
    g.extraHi[i] =
        std::max<int64_t>(0, required - in - g.padLo[i] - g.padHi[i]);
  }
  return success();
}

/// Concatenates splat blocks of `fill` before and after `x` along `axis`.
Value padAxis(NodeContext &nc, Value x, int64_t axis, int64_t lo, int64_t hi,
              TypedAttr fill) {
  if (!lo && !hi)
    return x;
  auto xt = cast<RankedTensorType>(x.getType());
  auto block = [&](int64_t size) -> Value {
    SmallVector<int64_t> shape(xt.getShape());
    shape[axis] = size;
    return arith::ConstantOp::create(
        nc.b(), nc.loc(), DenseElementsAttr::get(xt.clone(shape), fill));
  };
  SmallVector<Value> parts;
  if (lo)
    parts.push_back(block(lo));
  parts.push_back(x);
  if (hi)
    parts.push_back(block(hi));
  return tensor::ConcatOp::create(nc.b(), nc.loc(), axis, parts);
}

/// Pads the spatial dims of `x` (rank 2 + g.rank()) per `g` with `fill`.
Value padSpatial(NodeContext &nc, Value x, const PoolGeometry &g,
                 TypedAttr fill) {
  for (int64_t i = 0; i < g.rank(); ++i)
    x = padAxis(nc, x, 2 + i, g.padLo[i], g.padHi[i] + g.extraHi[i], fill);
  return x;
}

/// The strided slice of the padded `x` that holds, for every output position,
/// the window element at kernel offset `koff`.
Value windowSlice(NodeContext &nc, Value padded, const PoolGeometry &g,
                  ArrayRef<int64_t> koff) {
  auto t = cast<RankedTensorType>(padded.getType());
  OpBuilder &b = nc.b();
  SmallVector<OpFoldResult> offs, szs, strs;
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < 2; ++d) {
    offs.push_back(b.getIndexAttr(0));
    szs.push_back(b.getIndexAttr(t.getDimSize(d)));
    strs.push_back(b.getIndexAttr(1));
    shape.push_back(t.getDimSize(d));
  }
  for (int64_t i = 0; i < g.rank(); ++i) {
    offs.push_back(b.getIndexAttr(koff[i] * g.dilations[i]));
    szs.push_back(b.getIndexAttr(g.out[i]));
    strs.push_back(b.getIndexAttr(g.strides[i]));
    shape.push_back(g.out[i]);
  }
  return tensor::ExtractSliceOp::create(b, nc.loc(), t.clone(shape), padded,
                                        offs, szs, strs);
}

/// Every kernel offset, row-major.
SmallVector<SmallVector<int64_t>> kernelOffsets(const PoolGeometry &g) {
  SmallVector<SmallVector<int64_t>> offsets;
  SmallVector<int64_t> k(g.rank(), 0);
  while (true) {
    offsets.push_back(k);
    int64_t i = g.rank() - 1;
    for (; i >= 0; --i) {
      if (++k[i] < g.kernel[i])
        break;
      k[i] = 0;
    }
    if (i < 0)
      return offsets;
  }
}

/// Sum over each window of the zero-padded `x`.
Value windowSum(NodeContext &nc, Value x, const PoolGeometry &g) {
  Type elt = cast<RankedTensorType>(x.getType()).getElementType();
  Value padded = padSpatial(nc, x, g, nc.b().getZeroAttr(elt));
  Value sum;
  for (const auto &k : kernelOffsets(g)) {
    Value s = windowSlice(nc, padded, g, k);
    sum = sum ? seq::AddOp::create(nc.b(), nc.loc(), sum, s).getResult() : s;
  }
  return sum;
}

/// x^p for a positive p (exact products for small integer p).
Value power(NodeContext &nc, Value x, double p) {
  OpBuilder &b = nc.b();
  Type elt = cast<RankedTensorType>(x.getType()).getElementType();
  if (p == 1.0)
    return x;
  if (p == 2.0)
    return seq::MulOp::create(b, nc.loc(), x, x);
  return seq::PowOp::create(b, nc.loc(), x, nc.scalarConstant(elt, p));
}

/// x^(1/p).
Value root(NodeContext &nc, Value x, double p) {
  Type elt = cast<RankedTensorType>(x.getType()).getElementType();
  if (p == 1.0)
    return x;
  if (p == 2.0)
    return seq::SqrtOp::create(nc.b(), nc.loc(), x);
  return seq::PowOp::create(nc.b(), nc.loc(), x,
                            nc.scalarConstant(elt, 1.0 / p));
}

/// LpPool's p: an int attribute since opset 2, a float before.
FailureOr<double> lpNorm(NodeContext &nc) {
  const onnx::AttributeProto *a = nc.attr("p");
  double p = 2.0;
  if (a)
    p = a->type() == onnx::AttributeProto::FLOAT ? a->f() : (double)a->i();
  if (!(p > 0.0))
    return nc.error() << "p = " << p << " must be positive";
  return p;
}

LogicalResult convertAveragePool(NodeContext &nc) {
  PoolGeometry g;
  if (failed(checkPoolInput(nc, false)) || failed(poolGeometry(nc, g)))
    return failure();
  auto xt = nc.inputType(0);
  bool includePad = nc.attrInt("count_include_pad", 0) != 0;
  Value sum = windowSum(nc, nc.input(0), g);
  // Per-dim counts of window elements that are inside the input (or inside
  // its explicit pads with count_include_pad); the count is their product.
  SmallVector<SmallVector<int64_t>> dimCounts;
  for (int64_t i = 0; i < g.rank(); ++i) {
    int64_t lo = includePad ? 0 : g.padLo[i];
    int64_t hi = g.padLo[i] + g.in[i] + (includePad ? g.padHi[i] : 0);
    SmallVector<int64_t> c(g.out[i], 0);
    for (int64_t o = 0; o < g.out[i]; ++o)
      for (int64_t k = 0; k < g.kernel[i]; ++k) {
        int64_t p = o * g.strides[i] + k * g.dilations[i];
        c[o] += p >= lo && p < hi;
      }
    dimCounts.push_back(c);
  }
  SmallVector<int64_t> cshape{1, 1};
  cshape.append(g.out.begin(), g.out.end());
  auto ct = xt.clone(cshape);
  SmallVector<double> counts(ct.getNumElements(), 1.0);
  for (int64_t e = 0; e < (int64_t)counts.size(); ++e) {
    int64_t r = e;
    for (int64_t i = g.rank() - 1; i >= 0; --i) {
      counts[e] *= dimCounts[i][r % g.out[i]];
      r /= g.out[i];
    }
  }
  Value count = constTensor(nc, ct.getElementType(), ct.getShape(), counts);
  nc.setOutput(0, seq::DivOp::create(nc.b(), nc.loc(), sum, count));
  return success();
}

LogicalResult convertLpPool(NodeContext &nc) {
  PoolGeometry g;
  if (failed(checkPoolInput(nc, false)) || failed(poolGeometry(nc, g)))
    return failure();
  FailureOr<double> p = lpNorm(nc);
  if (failed(p))
    return failure();
  // Zero padding adds nothing to the sum of |x|^p.
  Value a = seq::AbsOp::create(nc.b(), nc.loc(), nc.input(0));
  Value sum = windowSum(nc, power(nc, a, *p), g);
  nc.setOutput(0, root(nc, sum, *p));
  return success();
}

/// The smallest value of `elt`: the padding that never wins a max.
TypedAttr lowestAttr(Type elt) {
  if (auto ft = dyn_cast<FloatType>(elt)) {
    const llvm::fltSemantics &sem = ft.getFloatSemantics();
    return FloatAttr::get(ft, APFloat::semanticsHasInf(sem)
                                  ? APFloat::getInf(sem, /*Negative=*/true)
                                  : APFloat::getLargest(sem, true));
  }
  auto it = cast<IntegerType>(elt);
  unsigned w = it.getWidth();
  return IntegerAttr::get(it, it.isUnsigned() ? APInt::getZero(w)
                                              : APInt::getSignedMinValue(w));
}

LogicalResult convertMaxPool(NodeContext &nc) {
  PoolGeometry g;
  if (failed(checkPoolInput(nc, true)) || failed(poolGeometry(nc, g)))
    return failure();
  auto xt = nc.inputType(0);
  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  int64_t storageOrder = nc.attrInt("storage_order", 0);
  if (storageOrder != 0 && storageOrder != 1)
    return nc.error() << "storage_order = " << storageOrder
                      << " must be 0 or 1";
  bool wantIndices = nc.numOutputs() > 1 && nc.isOutputUsed(1);
  Value padded =
      padSpatial(nc, nc.input(0), g, lowestAttr(xt.getElementType()));
  Value paddedIdx;
  if (wantIndices) {
    // Flat spatial index of every input element ([1, 1, in...], row-major
    // or column-major with storage_order = 1), padded and sliced like x.
    SmallVector<int64_t> ishape{1, 1};
    ishape.append(g.in.begin(), g.in.end());
    auto it = RankedTensorType::get(ishape, b.getI64Type());
    SmallVector<int64_t> idx(it.getNumElements());
    for (int64_t e = 0; e < (int64_t)idx.size(); ++e) {
      SmallVector<int64_t> pos(g.rank());
      int64_t r = e;
      for (int64_t i = g.rank() - 1; i >= 0; --i) {
        pos[i] = r % g.in[i];
        r /= g.in[i];
      }
      int64_t flat = 0;
      if (storageOrder == 0) {
        flat = e;
      } else {
        for (int64_t i = g.rank() - 1; i >= 0; --i)
          flat = flat * g.in[i] + pos[i];
      }
      idx[e] = flat;
    }
    paddedIdx = padSpatial(nc, i64Tensor(nc, it.getShape(), idx), g,
                           b.getI64IntegerAttr(0));
  }
  Value best, bestIdx;
  for (const auto &k : kernelOffsets(g)) {
    Value s = windowSlice(nc, padded, g, k);
    Value si = wantIndices ? windowSlice(nc, paddedIdx, g, k) : Value();
    if (!best) {
      best = s;
      bestIdx = si;
      continue;
    }
    if (!wantIndices) {
      best = seq::MaxOp::create(b, loc, best, s);
      continue;
    }
    // Strictly greater: ties keep the first offset in row-major order.
    Value gt = seq::GreaterOp::create(b, loc, s, best);
    best = seq::SelectOp::create(b, loc, gt, s, best);
    bestIdx = seq::SelectOp::create(b, loc, gt, si, bestIdx);
  }
  nc.setOutput(0, best);
  if (wantIndices) {
    // Offset of each (n, c) plane in the flattened input.
    int64_t n = xt.getDimSize(0), c = xt.getDimSize(1), plane = 1;
    for (int64_t d : g.in)
      plane *= d;
    SmallVector<int64_t> bshape{n, c};
    bshape.append(g.rank(), 1);
    SmallVector<int64_t> base(n * c);
    for (int64_t i = 0; i < n * c; ++i)
      base[i] = i * plane;
    Value baseV = i64Tensor(nc, bshape, base);
    nc.setOutput(1, seq::AddOp::create(b, loc, bestIdx, baseV));
  }
  return success();
}

/// Spatial axes [2, rank) of input 0.
SmallVector<int64_t> spatialAxes(NodeContext &nc) {
  SmallVector<int64_t> axes;
  for (int64_t d = 2; d < nc.inputType(0).getRank(); ++d)
    axes.push_back(d);
  return axes;
}

/// seq.reduce over the spatial dims, kept as size-1 dims.
Value reduceSpatial(NodeContext &nc, Value x, seq::ReduceKind kind) {
  auto t = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> shape(t.getShape());
  for (int64_t d = 2; d < t.getRank(); ++d)
    shape[d] = 1;
  OpBuilder &b = nc.b();
  return seq::ReduceOp::create(
      b, nc.loc(), t.clone(shape), x, seq::ReduceKindAttr::get(nc.ctx(), kind),
      b.getDenseI64ArrayAttr(spatialAxes(nc)), b.getUnitAttr());
}

LogicalResult convertGlobalAveragePool(NodeContext &nc) {
  if (failed(checkPoolInput(nc, false)))
    return failure();
  nc.setOutput(0, reduceSpatial(nc, nc.input(0), seq::ReduceKind::mean));
  return success();
}

LogicalResult convertGlobalMaxPool(NodeContext &nc) {
  if (failed(checkPoolInput(nc, true)))
    return failure();
  nc.setOutput(0, reduceSpatial(nc, nc.input(0), seq::ReduceKind::max));
  return success();
}

LogicalResult convertGlobalLpPool(NodeContext &nc) {
  if (failed(checkPoolInput(nc, false)))
    return failure();
  FailureOr<double> p = lpNorm(nc);
  if (failed(p))
    return failure();
  Value a = seq::AbsOp::create(nc.b(), nc.loc(), nc.input(0));
  Value sum = reduceSpatial(nc, power(nc, a, *p), seq::ReduceKind::sum);
  nc.setOutput(0, root(nc, sum, *p));
  return success();
}

LogicalResult convertLRN(NodeContext &nc) {
  auto t = nc.inputType(0);
  if (!isa<FloatType>(t.getElementType()))
    return nc.error() << "unsupported element type " << t.getElementType();
  if (t.getRank() < 2 || !t.hasStaticShape())
    return nc.error() << "expects a static input [N, C, ...], got "
                      << shapeStr(t.getShape());
  int64_t size = nc.attrInt("size", 0);
  if (size < 1)
    return nc.error() << "size = " << size << " must be positive";
  float alpha = nc.attrFloat("alpha", 1e-4f),
        beta = nc.attrFloat("beta", 0.75f), bias = nc.attrFloat("bias", 1.0f);
  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  Type elt = t.getElementType();
  Value x = nc.input(0);
  // square_sum[c] = sum of x^2 over channels [c - lo, c + hi], zero-padded.
  int64_t lo = (size - 1) / 2, hi = size - 1 - lo, c = t.getDimSize(1);
  Value sq = seq::MulOp::create(b, loc, x, x);
  Value padded = padAxis(nc, sq, 1, lo, hi, b.getZeroAttr(elt));
  Value sum;
  for (int64_t k = 0; k < size; ++k) {
    SmallVector<OpFoldResult> offs, szs, strs;
    for (int64_t d = 0; d < t.getRank(); ++d) {
      offs.push_back(b.getIndexAttr(d == 1 ? k : 0));
      szs.push_back(b.getIndexAttr(d == 1 ? c : t.getDimSize(d)));
      strs.push_back(b.getIndexAttr(1));
    }
    Value s =
        tensor::ExtractSliceOp::create(b, loc, t, padded, offs, szs, strs);
    sum = sum ? seq::AddOp::create(b, loc, sum, s).getResult() : s;
  }
  Value scaled = seq::MulOp::create(
      b, loc, sum, nc.scalarConstant(elt, (double)alpha / size));
  Value base = seq::AddOp::create(b, loc, scaled, nc.scalarConstant(elt, bias));
  Value den = seq::PowOp::create(b, loc, base, nc.scalarConstant(elt, beta));
  nc.setOutput(0, seq::DivOp::create(b, loc, x, den));
  return success();
}

LogicalResult convertMaxUnpool(NodeContext &nc) {
  auto xt = nc.inputType(0), it = nc.inputType(1);
  if (xt.getRank() < 3 || !xt.hasStaticShape())
    return nc.error() << "expects a static input [N, C, spatial...], got "
                      << shapeStr(xt.getShape());
  if (it.getShape() != xt.getShape() || !isa<IntegerType>(it.getElementType()))
    return nc.error() << "indices of type " << typeStr(it)
                      << " should be integers of shape "
                      << shapeStr(xt.getShape());
  int64_t n = xt.getRank() - 2;
  auto kernel = nc.attrInts("kernel_shape");
  if (!kernel || (int64_t)kernel->size() != n)
    return nc.error() << "kernel_shape needs " << n << " entries";
  SmallVector<int64_t> strides =
      nc.attrInts("strides").value_or(SmallVector<int64_t>());
  SmallVector<int64_t> pads =
      nc.attrInts("pads").value_or(SmallVector<int64_t>());
  if (strides.empty())
    strides.assign(n, 1);
  if (pads.empty())
    pads.assign(2 * n, 0);
  if ((int64_t)strides.size() != n || (int64_t)pads.size() != 2 * n)
    return nc.error() << "strides need " << n << " entries and pads " << 2 * n;
  // The shape MaxPool's indices refer to.
  SmallVector<int64_t> inferred{xt.getDimSize(0), xt.getDimSize(1)};
  for (int64_t i = 0; i < n; ++i) {
    int64_t d = (xt.getDimSize(2 + i) - 1) * strides[i] -
                (pads[i] + pads[n + i]) + (*kernel)[i];
    if (d < 1)
      return nc.error() << "kernel_shape, strides and pads give spatial size "
                        << d;
    inferred.push_back(d);
  }
  SmallVector<int64_t> target = inferred;
  if (nc.hasInput(2)) {
    if (failed(nc.constInts(2, target, "output_shape")))
      return failure();
    if (target.size() != inferred.size())
      return nc.error() << "output_shape " << shapeStr(target)
                        << " should have rank " << inferred.size();
    for (size_t i = 0; i < inferred.size(); ++i)
      if (target[i] < inferred[i] || (i < 2 && target[i] != inferred[i]))
        return nc.error() << "output_shape " << shapeStr(target)
                          << " is smaller than the unpooled shape "
                          << shapeStr(inferred);
  }
  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  Type elt = xt.getElementType();
  int64_t total = 1, count = xt.getNumElements();
  for (int64_t d : inferred)
    total *= d;
  // Scatter the values at their flat indices into zeros of the unpooled
  // shape, then zero-pad at the end of each dim up to output_shape.
  auto flatT = RankedTensorType::get({total}, elt);
  Value zeros = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(flatT, b.getZeroAttr(elt)));
  Value idx = nc.reshape(nc.input(1), {count});
  if (it.getElementType() != b.getI64Type())
    idx = seq::CastOp::create(
        b, loc, RankedTensorType::get({count}, b.getI64Type()), idx);
  Value y = seq::ScatterElementsOp::create(
      b, loc, flatT, zeros, idx, nc.reshape(nc.input(0), {count}),
      seq::getSI64Attr(b, 0),
      seq::ScatterReductionAttr::get(nc.ctx(), seq::ScatterReduction::none));
  y = nc.reshape(y, inferred);
  for (size_t i = 2; i < inferred.size(); ++i)
    y = padAxis(nc, y, i, 0, target[i] - inferred[i], b.getZeroAttr(elt));
  nc.setOutput(0, y);
  return success();
}

} // namespace

void registerPoolOps(OpRegistry &r) {
  r["AveragePool"] = {convertAveragePool, 1, 1};
  r["MaxPool"] = {convertMaxPool, 1, 1};
  r["LpPool"] = {convertLpPool, 1, 1};
  r["GlobalAveragePool"] = {convertGlobalAveragePool, 1, 1};
  r["GlobalMaxPool"] = {convertGlobalMaxPool, 1, 1};
  r["GlobalLpPool"] = {convertGlobalLpPool, 1, 1};
  r["LRN"] = {convertLRN, 1, 1};
  r["MaxUnpool"] = {convertMaxUnpool, 2, 3};
}

} // namespace seqc::import
