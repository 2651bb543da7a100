//===- ResampleOps.cpp - Resize and friends
//---------------------------------===//
//
// ONNX Resize, Upsample, GridSample, AffineGrid, Col2Im, CenterCropPad,
// DepthToSpace, SpaceToDepth.
//
// With static shapes every Resize mode is separable: for each resized axis
// the source indices and weights of each output position are computed here,
// at import (following onnx/reference/ops/op_resize.py), and the axis is
// resampled by one seq.gather of an [out, taps] index table, a multiply by
// the weight table and a sum over the taps (a plain gather for nearest).
// Col2Im is likewise a constant gather-and-sum. GridSample reads its
// sampling positions from a run-time grid, so its indices and weights are
// computed with elementwise seq ops and gathered with seq.gather_elements.
//
//===----------------------------------------------------------------------===//

#include "ImportBuilders.h"
#include "ImporterInternal.h"

#include "seq/IR/SeqDialect.h"
#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"

#include <cmath>
#include <cstring>
#include <map>

using namespace mlir;

namespace seqc::import {
namespace {

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

LogicalResult requireStaticOperand(NodeContext &nc, unsigned i) {
  auto t = nc.inputType(i);
  if (!t || !t.hasStaticShape())
    return nc.error() << "input " << i << " must have a static shape";
  return success();
}

/// Reads operand `i` as a constant numeric tensor (any element type) as
/// doubles; false when it is not a constant.
bool tryConstValues(NodeContext &nc, unsigned i, SmallVector<double> &out) {
  out.clear();
  Value v = nc.input(i);
  Attribute attr;
  if (v && matchPattern(v, m_Constant(&attr))) {
    if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
      Type elt = dense.getElementType();
      if (isa<FloatType>(elt)) {
        for (APFloat f : dense.getValues<APFloat>()) {
          bool lost;
          f.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
          out.push_back(f.convertToDouble());
        }
        return true;
      }
      if (auto it = dyn_cast<IntegerType>(elt)) {
        for (const APInt &x : dense.getValues<APInt>())
          out.push_back(it.isUnsigned()
                            ? static_cast<double>(x.getZExtValue())
                            : static_cast<double>(x.getSExtValue()));
        return true;
      }
    }
    if (auto res = dyn_cast<DenseResourceElementsAttr>(attr)) {
      AsmResourceBlob *blob = res.getRawHandle().getBlob();
      Type elt = res.getType().getElementType();
      if (blob) {
        ArrayRef<char> data = blob->getData();
        auto read = [&](size_t w, auto conv) {
          for (size_t k = 0; k + w <= data.size(); k += w)
            out.push_back(conv(data.data() + k));
        };
        if (elt.isF32()) {
          read(4, [](const char *p) {
            float f;
            std::memcpy(&f, p, 4);
            return static_cast<double>(f);
          });
          return true;
        }
        if (elt.isF64()) {
          read(8, [](const char *p) {
            double f;
            std::memcpy(&f, p, 8);
            return f;
          });
          return true;
        }
        if (elt.isInteger(64)) {
          read(8, [](const char *p) {
            int64_t x;
            std::memcpy(&x, p, 8);
            return static_cast<double>(x);
          });
          return true;
        }
        if (elt.isInteger(32)) {
          read(4, [](const char *p) {
            int32_t x;
            std::memcpy(&x, p, 4);
            return static_cast<double>(x);
          });
          return true;
        }
      }
    }
  }
  out.clear();
  return false;
}

//===----------------------------------------------------------------------===//
// Resize / Upsample
//===----------------------------------------------------------------------===//

/// Bounds on import-time tables, so that hostile shapes fail cleanly.
constexpr double kMaxAxis = double(1 << 24);
constexpr double kMaxTable = double(1 << 26);

struct ResizeParams {
  std::string mode = "nearest";
  std::string ctm = "half_pixel";
  std::string nearestMode = "round_prefer_floor";
  double cubicA = -0.75;
  bool excludeOutside = false;
  bool antialias = false;
  double extrapolation = 0.0;
};

/// The interpolation weights of one output position (op_resize.py's
/// _*_coeffs).
std::vector<double> resizeCoeffs(const ResizeParams &p, double ratio,
                                 double scale) {
  if (p.mode == "nearest") {
    if (ratio == std::floor(ratio))
      return {0, 1};
    std::string m = p.nearestMode;
    if (m == "simple") // onnxruntime's rule before opset 11
      m = scale < 1 ? "ceil" : "floor";
    if (m == "round_prefer_ceil")
      return {double(ratio < 0.5), double(ratio >= 0.5)};
    if (m == "floor")
      return {1, 0};
    if (m == "ceil")
      return {0, 1};
    return {double(ratio <= 0.5), double(ratio > 0.5)};
  }
  double A = p.cubicA;
  if (p.mode == "linear") {
    if (!p.antialias)
      return {1 - ratio, ratio};
    scale = std::min(scale, 1.0);
    int64_t start = static_cast<int64_t>(std::floor(-1 / scale) + 1);
    int64_t footprint = 2 - 2 * start;
    std::vector<double> c;
    double sum = 0;
    for (int64_t i = start; i < start + footprint; ++i) {
      double v = std::clamp(1 - std::abs((i - ratio) * scale), 0.0, 1.0);
      c.push_back(v);
      sum += v;
    }
    for (double &v : c)
      v /= sum;
    return c;
  }
  // cubic: op_resize.py computes these in float32 (its cubic_coeff_a is a
  // numpy float32); mirror it so that integer results round like its.
  float a = static_cast<float>(A), a2 = a + 2.0f, a3 = a + 3.0f, a5 = 5.0f * a,
        a8 = 8.0f * a, a4 = 4.0f * a;
  auto outer = [&](float r) { return ((a * r - a5) * r + a8) * r - a4; };
  auto inner = [&](float r) { return ((a2 * r - a3) * r) * r + 1.0f; };
  if (!p.antialias) {
    double q = 1 - ratio;
    return {outer(static_cast<float>(ratio + 1)),
            inner(static_cast<float>(ratio)), inner(static_cast<float>(q)),
            outer(static_cast<float>(q + 1))};
  }
  scale = std::min(scale, 1.0);
  int64_t iStart = static_cast<int64_t>(std::floor(-2 / scale) + 1);
  int64_t iEnd = 2 - iStart;
  std::vector<float> c;
  bool anyZero = false; // a Python 0.0 makes the reference's array float64
  float sum = 0;
  for (int64_t i = iStart; i < iEnd; ++i) {
    double x = std::abs(scale * (i - ratio)), x2 = x * x, x3 = x * x2;
    float x2f = static_cast<float>(x2), x3f = static_cast<float>(x3);
    if (x <= 1)
      c.push_back(a2 * x3f - a3 * x2f + 1.0f);
    else if (x < 2)
      c.push_back(a * x3f - a5 * x2f + a8 * static_cast<float>(x) - a4);
    else
      c.push_back(0.0f);
    anyZero |= x >= 2;
    sum += c.back();
  }
  std::vector<double> out;
  for (float v : c)
    out.push_back(anyZero ? static_cast<double>(v) / static_cast<double>(sum)
                          : static_cast<double>(v / sum));
  return out;
}

/// Source indices and weights of one resized axis: `taps` per output
/// position, row-major [outW, taps]; `extrap` marks tf_crop_and_resize
/// positions outside the input.
struct AxisTable {
  int64_t taps = 0;
  std::vector<int64_t> idx;
  std::vector<double> w;
  std::vector<bool> extrap;
  bool anyExtrap = false;
  bool pureGather = true; // one tap of weight 1 everywhere
};

AxisTable resizeAxis(const ResizeParams &p, int64_t inW, int64_t outW,
                     double scale, double roiStart, double roiEnd) {
  double outputWidth = scale * static_cast<double>(inW);
  std::vector<std::vector<std::pair<int64_t, double>>> rows(outW);
  AxisTable t;
  t.extrap.assign(outW, false);
  for (int64_t yi = 0; yi < outW; ++yi) {
    double y = static_cast<double>(yi), x;
    const std::string &m = p.ctm;
    if (m == "align_corners") {
      x = outputWidth == 1 ? 0.0 : y * (inW - 1) / (outputWidth - 1);
    } else if (m == "asymmetric") {
      x = y / scale;
    } else if (m == "tf_crop_and_resize") {
      // roi arithmetic in float, as in the reference (float32 roi).
      double d = static_cast<float>(roiEnd) - static_cast<float>(roiStart);
      x = outputWidth == 1 ? d * (inW - 1) / 2
                           : y * d * (inW - 1) / (outputWidth - 1);
      x = x + roiStart * (inW - 1);
      if (x < 0 || x > inW - 1) {
        t.extrap[yi] = true;
        t.anyExtrap = true;
      }
    } else if (m == "pytorch_half_pixel") {
      x = outputWidth == 1 ? -0.5 : (y + 0.5) / scale - 0.5;
    } else if (m == "half_pixel_symmetric") {
      double adjustment = outW / outputWidth;
      double center = inW / 2.0;
      double offset = center * (1 - adjustment);
      x = offset + (y + 0.5) / scale - 0.5;
    } else { // half_pixel
      x = (y + 0.5) / scale - 0.5;
    }
    double xInt = std::floor(x);
    double ratio = x == xInt ? 1.0 : x - xInt;
    std::vector<double> c = resizeCoeffs(p, ratio, scale);
    int64_t n = c.size();
    // The n indices nearest to x, ties to the smaller (_get_neighbor_idxes).
    int64_t pad = (n + 1) / 2;
    double xp = x + pad;
    double pp = std::floor(xp);
    double frac = xp - pp;
    int64_t off;
    if (n % 2 == 0)
      off = frac == 0 ? -(n / 2) : -(n / 2) + 1;
    else
      off = frac <= 0.5 ? -((n - 1) / 2) : -((n - 1) / 2) + 1;
    int64_t start = static_cast<int64_t>(pp) + off;
    if (p.excludeOutside) {
      double sum = 0;
      for (int64_t j = 0; j < n; ++j) {
        int64_t i = start + j - pad;
        if (i < 0 || i >= inW)
          c[j] = 0;
        sum += c[j];
      }
      if (sum != 0)
        for (double &v : c)
          v /= sum;
    }
    // Merge taps that clamp onto the same source element; drop zeros.
    std::map<int64_t, double> acc;
    for (int64_t j = 0; j < n; ++j) {
      int64_t i = std::clamp<int64_t>(start + j - pad, 0, inW - 1);
      acc[i] += c[j];
    }
    for (auto [i, w] : acc)
      if (w != 0)
        rows[yi].push_back({i, w});
    if (rows[yi].empty())
      rows[yi].push_back({0, 0.0});
    t.taps = std::max<int64_t>(t.taps, rows[yi].size());
  }
  t.idx.assign(outW * t.taps, 0);
  t.w.assign(outW * t.taps, 0.0);
  for (int64_t yi = 0; yi < outW; ++yi)
    for (auto [j, e] : llvm::enumerate(rows[yi])) {
      t.idx[yi * t.taps + j] = e.first;
      t.w[yi * t.taps + j] = e.second;
    }
  t.pureGather =
      t.taps == 1 && llvm::all_of(t.w, [](double w) { return w == 1.0; });
  return t;
}

/// The resized axes, normalized: all of them when `axes` is empty.
LogicalResult normalizeResizeAxes(NodeContext &nc, int64_t rank,
                                  SmallVector<int64_t> &axes) {
  if (axes.empty())
    for (int64_t d = 0; d < rank; ++d)
      axes.push_back(d);
  for (int64_t &a : axes)
    if (failed(nc.normalizeAxis(a, rank, "axis")))
      return failure();
  for (size_t i = 0; i < axes.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (axes[i] == axes[j])
        return nc.error() << "axis " << axes[i] << " is repeated in 'axes'";
  return success();
}

LogicalResult resizeImpl(NodeContext &nc, const ResizeParams &p,
                         SmallVector<double> scales, SmallVector<int64_t> sizes,
                         SmallVector<double> roi, SmallVector<int64_t> axes,
                         StringRef policy) {
  auto xt = nc.inputType(0);
  int64_t rank = xt.getRank();
  ArrayRef<int64_t> inShape = xt.getShape();
  if (failed(normalizeResizeAxes(nc, rank, axes)))
    return failure();
  size_t na = axes.size();
  if (!scales.empty() && scales.size() != na)
    return nc.error() << "scales has " << scales.size() << " entries; expected "
                      << na;
  if (scales.empty() && sizes.size() != na)
    return nc.error() << "sizes has " << sizes.size() << " entries; expected "
                      << na;
  if (!roi.empty() && roi.size() != 2 * na)
    return nc.error() << "roi has " << roi.size() << " entries; expected "
                      << 2 * na;
  // Full-rank scales, output sizes and roi.
  SmallVector<double> scale(rank, 1.0), roiS(rank, 0.0), roiE(rank, 1.0);
  SmallVector<int64_t> outShape(inShape);
  for (size_t i = 0; i < na; ++i)
    if (!roi.empty()) {
      roiS[axes[i]] = roi[i];
      roiE[axes[i]] = roi[na + i];
    }
  if (!scales.empty()) {
    for (size_t i = 0; i < na; ++i) {
      double o = scales[i] * inShape[axes[i]];
      if (!(scales[i] > 0) || !(o < kMaxAxis))
        return nc.error() << "scale " << scales[i] << " of axis " << axes[i]
                          << " is not supported (must be positive, and the "
                             "output at most "
                          << kMaxAxis << " long)";
      scale[axes[i]] = scales[i];
      outShape[axes[i]] = static_cast<int64_t>(o);
    }
  } else {
    for (size_t i = 0; i < na; ++i) {
      if (sizes[i] <= 0 || sizes[i] >= kMaxAxis || inShape[axes[i]] <= 0)
        return nc.error() << "size " << sizes[i] << " of axis " << axes[i]
                          << " (input size " << inShape[axes[i]]
                          << ") is not supported";
      scale[axes[i]] =
          static_cast<double>(sizes[i]) / static_cast<double>(inShape[axes[i]]);
      outShape[axes[i]] = sizes[i];
    }
    if (policy != "stretch" && !axes.empty()) {
      if (policy != "not_larger" && policy != "not_smaller")
        return nc.error() << "unsupported keep_aspect_ratio_policy '" << policy
                          << "'";
      double s = scale[axes[0]];
      for (int64_t a : axes)
        s = policy == "not_larger" ? std::min(s, scale[a])
                                   : std::max(s, scale[a]);
      for (int64_t a : axes) {
        scale[a] = s;
        outShape[a] = static_cast<int64_t>(s * inShape[a] + 0.5);
      }
    }
  }
  for (int64_t a : axes) {
    if (outShape[a] <= 0 || inShape[a] <= 0)
      return nc.error() << "empty input or output along axis " << a
                        << " is not supported";
    // The index/weight tables hold outW * taps entries.
    double taps = p.antialias ? 4.0 / std::min(scale[a], 1.0) + 4 : 4;
    if (outShape[a] >= kMaxAxis || taps * outShape[a] >= kMaxTable)
      return nc.error() << "resizing axis " << a << " to " << outShape[a]
                        << " with scale " << scale[a]
                        << " needs too large an index table";
  }

  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  Type elt = xt.getElementType();
  Type calc = elt;
  bool isFloat = isa<FloatType>(elt);
  // Integers resample in f64 (exact for them, like the f64 reference) so
  // that rounding ties land where the reference's do.
  if (!isFloat)
    calc = b.getF64Type();
  else if (!elt.isF32() && !elt.isF64())
    calc = b.getF32Type();
  Value x = nc.input(0);
  bool converted = false;
  SmallVector<int64_t> sorted(axes);
  llvm::sort(sorted);
  for (int64_t a : sorted) {
    int64_t inW = inShape[a], outW = outShape[a];
    if (std::abs(scale[a] - 1.0) <= 1e-9 && outW == inW &&
        std::abs(roiS[a]) <= 1e-9 && std::abs(roiE[a] - 1.0) <= 1e-9)
      continue; // identity along this axis
    AxisTable t = resizeAxis(p, inW, outW, scale[a], roiS[a], roiE[a]);
    auto cur = cast<RankedTensorType>(x.getType());
    SmallVector<int64_t> shape(cur.getShape());
    if (t.pureGather) {
      shape[a] = outW;
      x = seq::GatherOp::create(b, loc, cur.clone(shape), x,
                                i64Tensor(nc, {outW}, t.idx), a);
    } else {
      if (!converted && cur.getElementType() != calc) {
        x = castTo(nc, x, calc);
        cur = cast<RankedTensorType>(x.getType());
        converted = true;
      }
      SmallVector<int64_t> gshape(shape.begin(), shape.begin() + a);
      gshape.push_back(outW);
      gshape.push_back(t.taps);
      gshape.append(shape.begin() + a + 1, shape.end());
      Value g = seq::GatherOp::create(b, loc, cur.clone(gshape), x,
                                      i64Tensor(nc, {outW, t.taps}, t.idx), a);
      SmallVector<int64_t> wshape(rank + 1, 1);
      wshape[a] = outW;
      wshape[a + 1] = t.taps;
      Value w = constTensor(nc, calc, wshape, t.w);
      x = reduce(nc, seq::MulOp::create(b, loc, g, w), seq::ReduceKind::sum,
                 a + 1);
    }
    if (t.anyExtrap) {
      SmallVector<int64_t> mshape(rank, 1);
      mshape[a] = outW;
      SmallVector<bool> mask(t.extrap.begin(), t.extrap.end());
      Type ve = cast<RankedTensorType>(x.getType()).getElementType();
      Value e = nc.scalarConstant(ve, p.extrapolation);
      x = seq::SelectOp::create(b, loc, boolTensor(nc, mshape, mask), e, x);
    }
  }
  if (converted) {
    auto cur = cast<RankedTensorType>(x.getType());
    if (!isFloat) {
      // saturate_cast: round half to even and clamp to the integer range.
      auto it = cast<IntegerType>(elt);
      unsigned w = it.getWidth();
      bool uns = it.isUnsigned() || w == 1;
      double lo = uns ? 0.0 : -std::ldexp(1.0, w - 1);
      double hi = uns ? std::ldexp(1.0, w) - 1 : std::ldexp(1.0, w - 1) - 1;
      x = seq::RoundOp::create(b, loc, x);
      x = seq::MaxOp::create(b, loc, x, nc.scalarConstant(calc, lo));
      x = seq::MinOp::create(b, loc, x, nc.scalarConstant(calc, hi));
    }
    x = castTo(nc, x, elt);
    (void)cur;
  }
  nc.setOutput(0, x);
  return success();
}

LogicalResult checkResizeModes(NodeContext &nc, const ResizeParams &p) {
  if (p.mode != "nearest" && p.mode != "linear" && p.mode != "cubic")
    return nc.error() << "unsupported mode '" << p.mode << "'";
  static const char *ctms[] = {"half_pixel",         "half_pixel_symmetric",
                               "pytorch_half_pixel", "align_corners",
                               "asymmetric",         "tf_crop_and_resize"};
  if (!llvm::is_contained(ctms, p.ctm))
    return nc.error() << "unsupported coordinate_transformation_mode '" << p.ctm
                      << "'";
  static const char *nms[] = {"round_prefer_floor", "round_prefer_ceil",
                              "floor", "ceil", "simple"};
  if (!llvm::is_contained(nms, p.nearestMode))
    return nc.error() << "unsupported nearest_mode '" << p.nearestMode << "'";
  if (p.antialias && p.mode == "nearest")
    return nc.error() << "antialias is not supported with mode 'nearest'";
  return success();
}

/// Resize's scales, sizes and roi: constant values, or the run-time operand
/// (`*RT`) when the graph computes or inputs them.
struct ResizeInputs {
  SmallVector<double> scales, roi;
  SmallVector<int64_t> sizes;
  Value scalesRT, sizesRT, roiRT;
  /// The operands the constant values came from (null for attributes).
  Value scalesCst, sizesCst, roiCst;
};

/// A Resize whose scales/sizes/roi or input shape are known only at run
/// time: one seq.resize, with a resized dim `?` unless it is known now.
LogicalResult resizeDynamic(NodeContext &nc, const ResizeParams &p,
                            const ResizeInputs &in, SmallVector<int64_t> axes,
                            StringRef policy) {
  auto xt = nc.inputType(0);
  Type elt = xt.getElementType();
  if (!elt.isIntOrFloat())
    return nc.error() << "unsupported element type " << elt;
  int64_t rank = xt.getRank();
  if (failed(normalizeResizeAxes(nc, rank, axes)))
    return failure();
  int64_t na = axes.size();
  OpBuilder &b = nc.b();
  bool crop = p.ctm == "tf_crop_and_resize";
  auto checkVector = [&](Value v, StringRef what, int64_t n,
                         bool wantFloat) -> LogicalResult {
    auto t = cast<RankedTensorType>(v.getType());
    bool eltOk = wantFloat ? isa<FloatType>(t.getElementType())
                           : isa<IntegerType>(t.getElementType());
    if (t.getRank() == 1 && t.getDimSize(0) == n && eltOk)
      return success();
    return nc.error() << what << " must be a 1-D "
                      << (wantFloat ? "float" : "integer") << " tensor of " << n
                      << " elements (per resized axis), got " << t;
  };
  Value scales = in.scalesRT, sizes, roi;
  if (!scales && !in.scales.empty()) {
    if (static_cast<int64_t>(in.scales.size()) != na)
      return nc.error() << "scales has " << in.scales.size()
                        << " entries; expected " << na;
    scales = in.scalesCst ? in.scalesCst
                          : constTensor(nc, b.getF32Type(), {na}, in.scales);
  }
  if (!scales) {
    sizes = in.sizesRT;
    if (!sizes && static_cast<int64_t>(in.sizes.size()) != na)
      return nc.error() << "sizes has " << in.sizes.size()
                        << " entries; expected " << na;
    if (!sizes)
      sizes = in.sizesCst ? in.sizesCst : i64Tensor(nc, {na}, in.sizes);
  }
  if (crop) {
    roi = in.roiRT;
    if (!roi && static_cast<int64_t>(in.roi.size()) != 2 * na)
      return nc.error() << "roi has " << in.roi.size() << " entries; expected "
                        << 2 * na;
    if (!roi)
      roi = in.roiCst ? in.roiCst
                      : constTensor(nc, b.getF32Type(), {2 * na}, in.roi);
    if (failed(checkVector(roi, "roi", 2 * na, true)))
      return failure();
  }
  if ((scales && failed(checkVector(scales, "scales", na, true))) ||
      (sizes && failed(checkVector(sizes, "sizes", na, false))))
    return failure();

  // Resized dims known now: constant scales or sizes of static input dims.
  SmallVector<int64_t> shape(xt.getShape());
  bool allStatic = true;
  for (int64_t a : axes) {
    allStatic &= !xt.isDynamicDim(a);
    shape[a] = ShapedType::kDynamic;
  }
  for (int64_t k = 0; k < na; ++k) {
    int64_t a = axes[k], inW = xt.getDimSize(a);
    if (!in.scalesRT && !in.scales.empty() && !xt.isDynamicDim(a)) {
      double o = in.scales[k] * static_cast<double>(inW);
      if (in.scales[k] > 0 && o < kMaxAxis)
        shape[a] = static_cast<int64_t>(o);
    } else if (sizes && !in.sizesRT && policy == "stretch" &&
               in.sizes[k] >= 0) {
      shape[a] = in.sizes[k];
    }
  }
  if (sizes && !in.sizesRT && policy != "stretch" && allStatic && na > 0) {
    double s = 0;
    for (int64_t k = 0; k < na; ++k) {
      double sk = static_cast<double>(in.sizes[k]) /
                  static_cast<double>(xt.getDimSize(axes[k]));
      s = k == 0                   ? sk
          : policy == "not_larger" ? std::min(s, sk)
                                   : std::max(s, sk);
    }
    for (int64_t a : axes) {
      double o = s * static_cast<double>(xt.getDimSize(a)) + 0.5;
      if (o >= 0 && o < kMaxAxis)
        shape[a] = static_cast<int64_t>(o);
    }
  }

  auto op = seq::ResizeOp::create(
      b, nc.loc(), RankedTensorType::get(shape, elt), nc.input(0), roi, scales,
      sizes, b.getDenseI64ArrayAttr(axes), b.getStringAttr(p.mode),
      b.getStringAttr(p.ctm), b.getStringAttr(p.nearestMode),
      b.getF64FloatAttr(p.cubicA),
      p.excludeOutside ? b.getUnitAttr() : UnitAttr(),
      p.antialias ? b.getUnitAttr() : UnitAttr(),
      b.getF64FloatAttr(p.extrapolation),
      b.getStringAttr(scales ? StringRef("stretch") : policy));
  nc.setOutput(0, op.getResult());
  return success();
}

/// Operand `i` of a Resize: its constant values in `vals` (and the operand
/// in `cst`), or, when it is computed at run time, the operand in `rt`
/// (absent when it has a static zero length, like an empty constant).
void resizeOperand(NodeContext &nc, unsigned i, SmallVector<double> &vals,
                   Value &rt, Value &cst) {
  if (!nc.hasInput(i))
    return;
  if (tryConstValues(nc, i, vals)) {
    cst = nc.input(i);
    return;
  }
  auto t = nc.inputType(i);
  if (t && t.hasStaticShape() && t.getNumElements() == 0)
    return;
  rt = nc.input(i);
}

LogicalResult convertResize(NodeContext &nc) {
  auto xt = nc.inputType(0);
  if (!xt)
    return nc.error() << "input 0 must be a ranked tensor";
  ResizeParams p;
  p.mode = nc.attrString("mode", "nearest");
  ResizeInputs in;
  SmallVector<int64_t> axes;
  std::string policy = "stretch";
  if (nc.node().op_type() == "Upsample" || nc.opset() < 11) {
    // Upsample and Resize-10: asymmetric coordinates; nearest rounds down
    // (up when downsampling), as onnxruntime does.
    p.ctm = "asymmetric";
    p.nearestMode = "simple";
    if (p.mode == "bilinear" || p.mode == "trilinear")
      p.mode = "linear";
    if (nc.hasInput(1)) {
      resizeOperand(nc, 1, in.scales, in.scalesRT, in.scalesCst);
    } else if (auto s = nc.attr("scales")) {
      in.scales.assign(s->floats().begin(), s->floats().end());
    } else {
      return nc.error() << "missing scales";
    }
    if (p.mode == "cubic")
      return nc.error() << "unsupported mode 'cubic' before opset 11";
  } else {
    p.ctm = nc.attrString("coordinate_transformation_mode", "half_pixel");
    p.nearestMode = nc.attrString("nearest_mode", "round_prefer_floor");
    if (p.nearestMode == "simple")
      return nc.error() << "unsupported nearest_mode 'simple'";
    p.cubicA = nc.attrFloat("cubic_coeff_a", -0.75f);
    p.excludeOutside = nc.attrInt("exclude_outside", 0) != 0;
    p.antialias = nc.attrInt("antialias", 0) != 0;
    p.extrapolation = nc.attrFloat("extrapolation_value", 0.0f);
    policy = nc.attrString("keep_aspect_ratio_policy", "stretch");
    if (auto a = nc.attrInts("axes"))
      axes = *a;
    resizeOperand(nc, 2, in.scales, in.scalesRT, in.scalesCst);
    if (in.scales.empty() && !in.scalesRT) {
      if (!nc.hasInput(3))
        return nc.error() << "one of scales and sizes must be given";
      SmallVector<double> sizes;
      resizeOperand(nc, 3, sizes, in.sizesRT, in.sizesCst);
      for (double v : sizes)
        in.sizes.push_back(static_cast<int64_t>(v));
      if (in.sizes.empty() && !in.sizesRT)
        return nc.error() << "one of scales and sizes must be given";
    }
    if (p.ctm == "tf_crop_and_resize") {
      if (!nc.hasInput(1))
        return nc.error()
               << "coordinate_transformation_mode 'tf_crop_and_resize' "
                  "needs roi";
      resizeOperand(nc, 1, in.roi, in.roiRT, in.roiCst);
      if (in.roi.empty() && !in.roiRT)
        return nc.error()
               << "coordinate_transformation_mode 'tf_crop_and_resize' "
                  "needs a non-empty roi";
    }
  }
  if (failed(checkResizeModes(nc, p)))
    return failure();
  // Constant scales/sizes/roi of a static input: per-axis constant tables
  // (fastest); otherwise the sizes and taps are computed at run time.
  if (in.scalesRT || in.sizesRT || in.roiRT || !xt.hasStaticShape())
    return resizeDynamic(nc, p, in, axes, policy);
  return resizeImpl(nc, p, in.scales, in.sizes, in.roi, axes, policy);
}

//===----------------------------------------------------------------------===//
// DepthToSpace / SpaceToDepth / CenterCropPad
//===----------------------------------------------------------------------===//

LogicalResult convertDepthToSpace(NodeContext &nc) {
  if (failed(requireStaticOperand(nc, 0)))
    return failure();
  auto t = nc.inputType(0);
  if (t.getRank() != 4)
    return nc.error() << "input must have rank 4, got "
                      << shapeStr(t.getShape());
  int64_t bs = nc.attrInt("blocksize", 0);
  std::string mode = nc.attrString("mode", "DCR");
  int64_t n = t.getDimSize(0), c = t.getDimSize(1), h = t.getDimSize(2),
          w = t.getDimSize(3);
  if (bs <= 0 || bs > c || c % (bs * bs) != 0)
    return nc.error() << "blocksize " << bs
                      << " must be positive and its square divide " << c
                      << " channels";
  if (mode != "DCR" && mode != "CRD")
    return nc.error() << "unsupported mode '" << mode << "'";
  int64_t co = c / (bs * bs);
  Value v;
  if (mode == "DCR")
    v = nc.transpose(nc.reshape(nc.input(0), {n, bs, bs, co, h, w}),
                     {0, 3, 4, 1, 5, 2});
  else
    v = nc.transpose(nc.reshape(nc.input(0), {n, co, bs, bs, h, w}),
                     {0, 1, 4, 2, 5, 3});
  nc.setOutput(0, nc.reshape(v, {n, co, h * bs, w * bs}));
  return success();
}

LogicalResult convertSpaceToDepth(NodeContext &nc) {
  if (failed(requireStaticOperand(nc, 0)))
    return failure();
  auto t = nc.inputType(0);
  if (t.getRank() != 4)
    return nc.error() << "input must have rank 4, got "
                      << shapeStr(t.getShape());
  int64_t bs = nc.attrInt("blocksize", 0);
  std::string mode = nc.attrString("mode", "DCR");
  int64_t n = t.getDimSize(0), c = t.getDimSize(1), h = t.getDimSize(2),
          w = t.getDimSize(3);
  if (bs <= 0 || h % bs != 0 || w % bs != 0)
    return nc.error() << "blocksize " << bs
                      << " must be positive and divide the spatial dims " << h
                      << "x" << w;
  if (mode != "DCR" && mode != "CRD")
    return nc.error() << "unsupported mode '" << mode << "'";
  Value v = nc.reshape(nc.input(0), {n, c, h / bs, bs, w / bs, bs});
  if (mode == "DCR")
    v = nc.transpose(v, {0, 3, 5, 1, 2, 4});
  else
    v = nc.transpose(v, {0, 1, 3, 5, 2, 4});
  nc.setOutput(0, nc.reshape(v, {n, c * bs * bs, h / bs, w / bs}));
  return success();
}

LogicalResult convertCenterCropPad(NodeContext &nc) {
  if (failed(requireStaticOperand(nc, 0)))
    return failure();
  auto t = nc.inputType(0);
  int64_t rank = t.getRank();
  SmallVector<int64_t> shape, axes;
  if (failed(nc.constInts(1, shape, "shape")))
    return failure();
  if (auto a = nc.attrInts("axes"))
    axes = *a;
  else
    for (int64_t d = 0; d < rank; ++d)
      axes.push_back(d);
  if (shape.size() != axes.size())
    return nc.error() << "shape has " << shape.size() << " entries; expected "
                      << axes.size();
  Value x = nc.input(0);
  for (auto [k, axis] : llvm::enumerate(axes)) {
    if (failed(nc.normalizeAxis(axis, rank, "axis")))
      return failure();
    int64_t dim = cast<RankedTensorType>(x.getType()).getDimSize(axis);
    int64_t sh = shape[k];
    if (sh < 0)
      return nc.error() << "negative target size " << sh;
    if (sh < dim) {
      x = sliceAxis(nc, x, axis, (dim - sh) / 2, sh);
    } else if (sh > dim) {
      int64_t lo = (sh - dim) / 2, hi = sh - dim - lo;
      auto xt = cast<RankedTensorType>(x.getType());
      SmallVector<Value> parts;
      SmallVector<int64_t> bshape(xt.getShape());
      if (lo) {
        bshape[axis] = lo;
        parts.push_back(zeros(nc, xt.getElementType(), bshape));
      }
      parts.push_back(x);
      bshape[axis] = hi;
      parts.push_back(zeros(nc, xt.getElementType(), bshape));
      x = tensor::ConcatOp::create(nc.b(), nc.loc(), axis, parts);
    }
  }
  nc.setOutput(0, x);
  return success();
}

//===----------------------------------------------------------------------===//
// Col2Im
//===----------------------------------------------------------------------===//

LogicalResult convertCol2Im(NodeContext &nc) {
  if (failed(requireStaticOperand(nc, 0)))
    return failure();
  auto t = nc.inputType(0);
  SmallVector<int64_t> image, block;
  if (failed(nc.constInts(1, image, "image_shape")) ||
      failed(nc.constInts(2, block, "block_shape")))
    return failure();
  size_t nd = image.size();
  if (nd == 0 || block.size() != nd)
    return nc.error() << "image_shape and block_shape must have the same "
                         "non-zero length";
  SmallVector<int64_t> dil(nd, 1), strides(nd, 1), pads(2 * nd, 0);
  if (auto a = nc.attrInts("dilations"))
    dil = *a;
  if (auto a = nc.attrInts("strides"))
    strides = *a;
  if (auto a = nc.attrInts("pads"))
    pads = *a;
  if (dil.size() != nd || strides.size() != nd || pads.size() != 2 * nd)
    return nc.error() << "dilations, strides and pads must have " << nd << ", "
                      << nd << " and " << 2 * nd << " entries";
  if (t.getRank() != 3)
    return nc.error() << "input must have rank 3, got "
                      << shapeStr(t.getShape());
  int64_t n = t.getDimSize(0), ck = t.getDimSize(1), l = t.getDimSize(2);
  int64_t k = 1, p = 1;
  SmallVector<int64_t> cols(nd);
  for (size_t i = 0; i < nd; ++i) {
    if (block[i] <= 0 || image[i] <= 0 || strides[i] <= 0 || dil[i] <= 0 ||
        dil[i] >= kMaxTable || std::abs(double(pads[i])) >= kMaxTable ||
        std::abs(double(pads[i + nd])) >= kMaxTable)
      return nc.error() << "image_shape, block_shape, strides and dilations "
                           "must be positive (and pads and dilations below "
                        << int64_t(kMaxTable) << ")";
    if (block[i] >= kMaxTable || image[i] >= kMaxTable ||
        double(k) * block[i] >= kMaxTable || double(p) * image[i] >= kMaxTable)
      return nc.error() << "image_shape or block_shape is too large";
    k *= block[i];
    p *= image[i];
    cols[i] =
        (image[i] + pads[i] + pads[i + nd] - (dil[i] * (block[i] - 1) + 1)) /
            strides[i] +
        1;
    if (cols[i] <= 0)
      return nc.error() << "no sliding block fits along dim " << i;
  }
  int64_t numCols = 1;
  for (int64_t c : cols)
    numCols *= c;
  if (ck % k != 0 || l != numCols)
    return nc.error() << "input shape " << shapeStr(t.getShape())
                      << " does not match " << k << " kernel elements and "
                      << numCols << " sliding blocks";
  int64_t c = ck / k;
  // For every image element, the (kernel offset, block) columns that add up
  // into it; index k*l is a zero slot.
  std::vector<std::vector<int64_t>> src(p);
  for (int64_t kc = 0; kc < k; ++kc) {
    SmallVector<int64_t> off(nd);
    for (int64_t r = kc, i = nd - 1; i >= 0; --i) {
      off[i] = r % block[i];
      r /= block[i];
    }
    for (int64_t col = 0; col < l; ++col) {
      int64_t flat = 0;
      bool in = true;
      for (int64_t r = col, i = nd - 1; i >= 0; --i) {
        int64_t ic = r % cols[i];
        r /= cols[i];
        int64_t ind = ic * strides[i] - pads[i] + off[i] * dil[i];
        if (ind < 0 || ind >= image[i])
          in = false;
        int64_t mul = 1;
        for (size_t j = i + 1; j < nd; ++j)
          mul *= image[j];
        flat += ind * mul;
      }
      if (in)
        src[flat].push_back(kc * l + col);
    }
  }
  int64_t taps = 1;
  for (auto &s : src)
    taps = std::max<int64_t>(taps, s.size());
  std::vector<int64_t> idx(p * taps, k * l);
  for (int64_t i = 0; i < p; ++i)
    for (auto [j, s] : llvm::enumerate(src[i]))
      idx[i * taps + j] = s;
  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  Type elt = t.getElementType();
  Value x = nc.reshape(nc.input(0), {n, c, k * l});
  x = tensor::ConcatOp::create(b, loc, 2,
                               ValueRange{x, zeros(nc, elt, {n, c, 1})});
  Value g =
      seq::GatherOp::create(b, loc, RankedTensorType::get({n, c, p, taps}, elt),
                            x, i64Tensor(nc, {p, taps}, idx), 2);
  Value out = taps == 1 ? nc.reshape(g, {n, c, p})
                        : reduce(nc, g, seq::ReduceKind::sum, 3);
  SmallVector<int64_t> oshape = {n, c};
  oshape.append(image.begin(), image.end());
  nc.setOutput(0, nc.reshape(out, oshape));
  return success();
}

//===----------------------------------------------------------------------===//
// AffineGrid
//===----------------------------------------------------------------------===//

LogicalResult convertAffineGrid(NodeContext &nc) {
  if (failed(requireStaticOperand(nc, 0)))
    return failure();
  auto t = nc.inputType(0);
  SmallVector<int64_t> size;
  if (failed(nc.constInts(1, size, "size")))
    return failure();
  if (size.size() != 4 && size.size() != 5)
    return nc.error() << "size must have 4 (2-D) or 5 (3-D) entries";
  int64_t r = size.size() - 2, n = size[0];
  if (t.getRank() != 3 || t.getDimSize(0) != n || t.getDimSize(1) != r ||
      t.getDimSize(2) != r + 1)
    return nc.error() << "theta of shape " << shapeStr(t.getShape())
                      << " does not match size (expected [" << n << ", " << r
                      << ", " << r + 1 << "])";
  if (!isa<FloatType>(t.getElementType()))
    return nc.error() << "theta must be a float tensor";
  bool align = nc.attrInt("align_corners", 0) != 0;
  SmallVector<int64_t> spatial(size.begin() + 2, size.end());
  int64_t s = 1;
  for (int64_t d : spatial) {
    if (d <= 0 || double(s) * d * (r + 1) >= kMaxTable)
      return nc.error() << "size " << shapeStr(size)
                        << " is not supported (each entry positive, at most "
                        << int64_t(kMaxTable) << " grid values)";
    s *= d;
  }
  // Normalized coordinates of each dim (np.arange as in the reference).
  std::vector<std::vector<double>> coord(r);
  for (int64_t j = 0; j < r; ++j) {
    int64_t d = spatial[j];
    for (int64_t i = 0; i < d; ++i) {
      if (align)
        coord[j].push_back(d == 1 ? -1.0 : -1.0 + i * (2.0 / (d - 1)));
      else {
        double step = 2.0 / d;
        coord[j].push_back(-1.0 + step / 2 + i * step);
      }
    }
  }
  // Homogeneous base grid [1, S, r+1]: (x=last dim, y, [z], 1).
  std::vector<double> base;
  base.reserve(s * (r + 1));
  for (int64_t e = 0; e < s; ++e) {
    SmallVector<int64_t> ix(r);
    for (int64_t rem = e, j = r - 1; j >= 0; --j) {
      ix[j] = rem % spatial[j];
      rem /= spatial[j];
    }
    for (int64_t j = r - 1; j >= 0; --j)
      base.push_back(coord[j][ix[j]]);
    base.push_back(1.0);
  }
  Type elt = t.getElementType();
  Value g = constTensor(nc, elt, {1, s, r + 1}, base);
  Value th = nc.transpose(nc.input(0), {0, 2, 1});
  Value out = seq::MatMulOp::create(nc.b(), nc.loc(), g, th);
  SmallVector<int64_t> oshape = {n};
  oshape.append(spatial.begin(), spatial.end());
  oshape.push_back(r);
  nc.setOutput(0, nc.reshape(out, oshape));
  return success();
}

//===----------------------------------------------------------------------===//
// GridSample
//===----------------------------------------------------------------------===//

struct GridSampler : ElemBuilder {
  Value clamp(Value v, double lo, double hi) {
    v = max(v, c(lo));
    return min(v, c(hi));
  }

  /// Reflects `v` into [lo, hi] by the nearer border (GridSample's
  /// _gs_reflect); values inside stay.
  Value reflect(Value v, double lo, double hi) {
    double rng = hi - lo;
    if (rng <= 0) // a single valid coordinate
      return clamp(v, lo, hi);
    auto fold = [&](Value dx, double near, double far) {
      Value n = floor(div(dx, c(rng)));
      Value r = sub(dx, mul(n, c(rng)));
      Value half = floor(mul(n, c(0.5)));
      Value even = seq::EqualOp::create(nc.b(), nc.loc(), n, mul(half, c(2.0)));
      double sgn = near < far ? 1.0 : -1.0;
      return select(even, add(c(near), mul(r, c(sgn))),
                    sub(c(far), mul(r, c(sgn))));
    };
    Value low = fold(sub(c(lo), v), lo, hi);
    Value high = fold(sub(v, c(hi)), hi, lo);
    return select(less(v, c(lo)), low, select(greater(v, c(hi)), high, v));
  }
};

LogicalResult convertGridSample(NodeContext &nc) {
  if (failed(requireStaticOperand(nc, 0)) ||
      failed(requireStaticOperand(nc, 1)))
    return failure();
  auto xt = nc.inputType(0), gt = nc.inputType(1);
  int64_t rank = xt.getRank();
  int64_t r = rank - 2;
  if (rank < 3 || gt.getRank() != rank || gt.getDimSize(rank - 1) != r ||
      gt.getDimSize(0) != xt.getDimSize(0))
    return nc.error() << "grid of shape " << shapeStr(gt.getShape())
                      << " does not match X of shape "
                      << shapeStr(xt.getShape());
  std::string mode =
      nc.attrString("mode", nc.opset() < 20 ? "bilinear" : "linear");
  if (mode == "bilinear")
    mode = "linear";
  if (mode == "bicubic")
    mode = "cubic";
  std::string padding = nc.attrString("padding_mode", "zeros");
  bool align = nc.attrInt("align_corners", 0) != 0;
  if (mode != "linear" && mode != "nearest" && mode != "cubic")
    return nc.error() << "unsupported mode '" << mode << "'";
  if (padding != "zeros" && padding != "border" && padding != "reflection")
    return nc.error() << "unsupported padding_mode '" << padding << "'";
  Type elt = xt.getElementType();
  if (!isa<FloatType>(elt) && mode != "nearest")
    return nc.error() << "mode '" << mode << "' needs a float input, got "
                      << elt;
  if (!isa<FloatType>(gt.getElementType()))
    return nc.error() << "grid must be a float tensor";
  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  GridSampler gs{{nc, b.getF32Type()}}; // coordinates in f32
  int64_t n = xt.getDimSize(0), ch = xt.getDimSize(1);
  SmallVector<int64_t> dims(xt.getShape().drop_front(2));
  SmallVector<int64_t> outDims(gt.getShape().drop_front().drop_back());
  int64_t out = 1, p = 1;
  for (int64_t d : outDims)
    out *= d;
  for (int64_t d : dims)
    p *= d;
  if (out == 0 || p == 0 || n == 0 || ch == 0)
    return nc.error() << "empty tensors are not supported";
  int64_t taps = mode == "nearest" ? 1 : mode == "linear" ? 2 : 4;
  Value grid = nc.reshape(castTo(nc, nc.input(1), gs.elt), {n, out, r});
  Type i64 = b.getI64Type();
  Value flat, weight, valid;
  int64_t stride = 1;
  for (int64_t i = r - 1; i >= 0; --i) {
    double len = dims[i];
    // Spatial dim i reads grid component r-1-i (x is the last dim).
    Value g =
        seq::GatherOp::create(b, loc, RankedTensorType::get({n, out}, gs.elt),
                              grid, i64Tensor(nc, {}, {r - 1 - i}), 2);
    g = nc.reshape(g, {n, 1, out});
    Value x =
        align ? gs.mul(gs.mul(gs.add(g, gs.c(1)), gs.c(0.5)), gs.c(len - 1))
              : gs.mul(gs.sub(gs.mul(gs.add(g, gs.c(1)), gs.c(len)), gs.c(1)),
                       gs.c(0.5));
    if (mode == "nearest")
      x = seq::RoundOp::create(b, loc, x);
    double lo = align ? 0.0 : -0.5, hi = align ? len - 1 : len - 0.5;
    if (padding == "border")
      x = gs.select(seq::OrOp::create(b, loc, gs.less(x, gs.c(lo)),
                                      gs.greater(x, gs.c(hi))),
                    gs.clamp(x, 0, len - 1), x);
    else if (padding == "reflection")
      x = gs.reflect(x, lo, hi);
    // Tap coordinates [n, taps, out] and weights.
    Value tc, w;
    if (mode == "nearest") {
      tc = x;
    } else {
      Value x0 = gs.floor(x);
      Value t = gs.sub(x, x0);
      SmallVector<double> offs;
      for (int64_t k = 0; k < taps; ++k)
        offs.push_back(mode == "linear" ? k : k - 1);
      tc = gs.add(x0, constTensor(nc, gs.elt, {1, taps, 1}, offs));
      SmallVector<Value> ws;
      if (mode == "linear") {
        ws = {gs.sub(gs.c(1), t), t};
      } else {
        double A = -0.75;
        auto far = [&](Value u) { // |u| in [1, 2]
          return gs.sub(
              gs.mul(gs.add(gs.mul(gs.sub(gs.mul(gs.c(A), u), gs.c(5 * A)), u),
                            gs.c(8 * A)),
                     u),
              gs.c(4 * A));
        };
        auto near = [&](Value u) { // |u| in [0, 1]
          return gs.add(
              gs.mul(gs.mul(gs.sub(gs.mul(gs.c(A + 2), u), gs.c(A + 3)), u), u),
              gs.c(1));
        };
        Value q = gs.sub(gs.c(1), t);
        ws = {far(gs.add(t, gs.c(1))), near(t), near(q),
              far(gs.add(q, gs.c(1)))};
      }
      w = tensor::ConcatOp::create(b, loc, 1, ws);
    }
    Value ok;
    if (padding == "zeros") {
      ok = seq::AndOp::create(
          b, loc, seq::GreaterEqualOp::create(b, loc, tc, gs.c(0)),
          seq::LessEqualOp::create(b, loc, tc, gs.c(len - 1)));
    } else if (padding == "reflection") {
      tc = gs.reflect(tc, lo, hi);
    }
    // NaN coordinates read element 0 (their weight is NaN or 0 anyway).
    Value safe = gs.select(seq::IsNaNOp::create(b, loc, tc), gs.c(0), tc);
    Value ti = castTo(nc, gs.clamp(safe, 0, len - 1), i64);
    ti = seq::MulOp::create(b, loc, ti, nc.scalarConstant(i64, stride));
    // Move the tap axis to position 1 + i of [n, taps.., out].
    SmallVector<int64_t> shape(r + 2, 1);
    shape[0] = n;
    shape[1 + i] = mode == "nearest" ? 1 : taps;
    shape[r + 1] = out;
    ti = nc.reshape(ti, shape);
    flat = flat ? seq::AddOp::create(b, loc, flat, ti) : ti;
    if (w) {
      w = nc.reshape(w, shape);
      weight = weight ? gs.mul(weight, w) : w;
    }
    if (ok) {
      ok = nc.reshape(ok, shape);
      valid = valid ? seq::AndOp::create(b, loc, valid, ok) : ok;
    }
    stride *= dims[i];
  }
  int64_t combos = 1;
  if (mode != "nearest")
    for (int64_t i = 0; i < r; ++i)
      combos *= taps;
  // Broadcast the combined index over channels and gather from [n, c, p].
  Value xf = nc.reshape(nc.input(0), {n, ch, p});
  Value idx = nc.reshape(flat, {n, 1, combos * out});
  idx = seq::BroadcastOp::create(
      b, loc, RankedTensorType::get({n, ch, combos * out}, i64), idx);
  Value v = seq::GatherElementsOp::create(
      b, loc, RankedTensorType::get({n, ch, combos * out}, elt), xf, idx, 2);
  v = nc.reshape(v, {n, ch, combos, out});
  if (valid) {
    valid = nc.reshape(valid, {n, 1, combos, out});
    v = seq::SelectOp::create(b, loc, valid, v, zeros(nc, elt, {}));
  }
  if (weight) {
    Type calc = elt.isF64() ? elt : gs.elt;
    v = castTo(nc, v, calc);
    weight = castTo(nc, nc.reshape(weight, {n, 1, combos, out}), calc);
    v = castTo(nc,
               reduce(nc, seq::MulOp::create(b, loc, v, weight),
                      seq::ReduceKind::sum, 2),
               elt);
  } else {
    v = nc.reshape(v, {n, ch, out});
  }
  SmallVector<int64_t> oshape = {n, ch};
  oshape.append(outDims.begin(), outDims.end());
  nc.setOutput(0, nc.reshape(v, oshape));
  return success();
}

} // namespace

void registerResampleOps(OpRegistry &r) {
  r["Resize"] = {convertResize, 1, 4};
  r["Upsample"] = {convertResize, 1, 2};
  r["DepthToSpace"] = {convertDepthToSpace, 1, 1};
  r["SpaceToDepth"] = {convertSpaceToDepth, 1, 1};
  r["CenterCropPad"] = {convertCenterCropPad, 2, 2};
  r["Col2Im"] = {convertCol2Im, 3, 3};
  r["AffineGrid"] = {convertAffineGrid, 2, 2};
  r["GridSample"] = {convertGridSample, 2, 2};
}

} // namespace seqc::import
