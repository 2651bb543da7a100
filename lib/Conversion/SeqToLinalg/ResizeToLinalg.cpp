//===- ResizeToLinalg.cpp - seq.resize -> linalg
//---------------------------===//
//
// Resize is separable: each resized axis (in `axes` order) is one parallel
// linalg.generic over the output so far, whose size along that axis is
// computed at run time from `scales`/`sizes`. Each element maps its
// output index to a source coordinate (in f64, with op_resize.py's
// formulas, so that nearest-rounding ties land where the reference's do),
// then reads its taps along the axis with tensor.extract (edge-clamped) and
// blends them with the mode's weights. Antialias kernels have a run-time
// number of taps (it grows with 1/scale), so they are an scf.for in the
// body; the other modes have 1, 2 or 4 taps, unrolled.
//
//===----------------------------------------------------------------------===//

#include "Common.h"
#include "Patterns.h"
#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <cmath>

using namespace mlir;

namespace seqc::lowering {
namespace {

/// What one resized axis needs inside its generic (all loop-invariant).
struct AxisPlan {
  int64_t axis;
  Value inI, outI;             // sizes as i64
  Value inF, outF;             // f64: input size and scale * input size
  Value scale;                 // f64
  Value roiD, roiOff, roiHalf; // tf_crop_and_resize, in f64
  int64_t staticOut;
};

struct ResizeLowering : OpRewritePattern<seq::ResizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(seq::ResizeOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    auto inType = cast<RankedTensorType>(op.getInput().getType());
    auto outType = cast<RankedTensorType>(op.getType());
    Type elt = inType.getElementType();
    ArrayRef<int64_t> axes = op.getAxes();
    if (axes.empty()) {
      Value x = op.getInput();
      if (x.getType() != outType)
        x = tensor::CastOp::create(rw, loc, outType, x);
      rw.replaceOp(op, x);
      return success();
    }
    StringRef mode = op.getMode();
    bool nearest = mode == "nearest";
    // Blended values are kept in f32 (f64 for f64 and integers, which are
    // rounded only at the end, as in the reference) between axes.
    Type f64 = rw.getF64Type();
    Type calc = (isa<FloatType>(elt) && !elt.isF64()) ? rw.getF32Type() : f64;

    SmallVector<AxisPlan> plans = planAxes(rw, op);
    Value cur = castToSignless(rw, loc, op.getInput());
    Type curElt = elt; // logical (possibly unsigned) element type of `cur`
    SmallVector<int64_t> shape(inType.getShape());
    for (auto [k, plan] : llvm::enumerate(plans)) {
      bool last = k + 1 == plans.size();
      Type stepElt = nearest || last ? elt : calc;
      shape[plan.axis] = plan.staticOut;
      auto stepType = RankedTensorType::get(shape, stepElt);
      cur = resizeAxis(rw, loc, op, plan, cur, curElt, stepType);
      curElt = stepElt;
    }
    rw.replaceOp(op, castFromSignless(rw, loc, cur, outType));
    return success();
  }

  /// Per-axis sizes, scales and roi terms; emits the run-time checks.
  SmallVector<AxisPlan> planAxes(PatternRewriter &rw, seq::ResizeOp op) const {
    Location loc = op.getLoc();
    Type f64 = rw.getF64Type(), i64 = rw.getI64Type();
    auto f = [&](double v) { return floatConst(rw, loc, f64, v); };
    auto i = [&](int64_t v) {
      return (Value)arith::ConstantIntOp::create(rw, loc, i64, v);
    };
    auto read = [&](Value t, int64_t pos) -> Value {
      Value idx = arith::ConstantIndexOp::create(rw, loc, pos);
      return tensor::ExtractOp::create(rw, loc, castToSignless(rw, loc, t), idx)
          .getResult();
    };
    auto cmpf = [&](arith::CmpFPredicate p, Value a, Value b) -> Value {
      return arith::CmpFOp::create(rw, loc, p, a, b);
    };
    // The checks read tensor data (scales/sizes).
    auto dataCheck = [&](Value cond, const Twine &msg) {
      emitDataCheck(rw, loc, cond, msg);
    };

    Value x = op.getInput();
    auto inType = cast<RankedTensorType>(x.getType());
    auto outType = cast<RankedTensorType>(op.getType());
    ArrayRef<int64_t> axes = op.getAxes();
    int64_t n = axes.size();
    Value scales = op.getScales(), sizes = op.getSizes(), roi = op.getRoi();
    bool crop = op.getCoordinateTransformationMode() == "tf_crop_and_resize";
    StringRef policy = op.getKeepAspectRatioPolicy();

    SmallVector<AxisPlan> plans(n);
    SmallVector<Value> outFloat(n); // the output size before truncation
    for (int64_t k = 0; k < n; ++k) {
      AxisPlan &p = plans[k];
      p.axis = axes[k];
      p.staticOut = outType.getDimSize(p.axis);
      Value dim = tensor::DimOp::create(rw, loc, x, p.axis);
      p.inI = arith::IndexCastOp::create(rw, loc, i64, dim);
      p.inF = arith::SIToFPOp::create(rw, loc, f64, p.inI);
      if (scales) {
        Type se = cast<RankedTensorType>(scales.getType()).getElementType();
        p.scale = seq::buildCastScalar(rw, loc, read(scales, k), se, f64);
        outFloat[k] = arith::MulFOp::create(rw, loc, p.scale, p.inF);
        dataCheck(cmpf(arith::CmpFPredicate::OGT, p.scale, f(0)),
                  describe(op) + ": scales must be positive (axis " +
                      Twine(p.axis) + ")");
      } else {
        Type se = cast<RankedTensorType>(sizes.getType()).getElementType();
        Value s = seq::buildCastScalar(rw, loc, read(sizes, k), se, f64);
        p.scale = arith::DivFOp::create(rw, loc, s, p.inF);
        outFloat[k] = s;
      }
    }
    if (sizes && policy != "stretch") {
      // One scale for all axes: the smallest (not_larger) or largest.
      Value s = plans[0].scale;
      for (int64_t k = 1; k < n; ++k)
        s = policy == "not_larger"
                ? (Value)arith::MinimumFOp::create(rw, loc, s, plans[k].scale)
                : (Value)arith::MaximumFOp::create(rw, loc, s, plans[k].scale);
      for (int64_t k = 0; k < n; ++k) {
        plans[k].scale = s;
        outFloat[k] = arith::AddFOp::create(
            rw, loc, arith::MulFOp::create(rw, loc, s, plans[k].inF), f(0.5));
      }
    }

    Type roiElt;
    if (crop)
      roiElt = cast<RankedTensorType>(roi.getType()).getElementType();
    for (int64_t k = 0; k < n; ++k) {
      AxisPlan &p = plans[k];
      // Bounds sizes as the constant path does (2^24 per axis); keeps fptosi
      // in range and rejects NaN and infinities.
      Value ok = arith::AndIOp::create(
          rw, loc, cmpf(arith::CmpFPredicate::OGE, outFloat[k], f(0)),
          cmpf(arith::CmpFPredicate::OLT, outFloat[k], f(std::ldexp(1, 24))));
      dataCheck(ok, describe(op) + ": the output size of axis " +
                        Twine(p.axis) + " must be in [0, 2^24)");
      p.outI = arith::FPToSIOp::create(rw, loc, i64, outFloat[k]);
      // A dynamic (kDynamic < 0) or zero input dim may be empty: nothing to
      // read the taps from.
      if (inType.getDimSize(p.axis) <= 0) {
        Value nonEmpty = arith::OrIOp::create(
            rw, loc,
            arith::CmpIOp::create(rw, loc, arith::CmpIPredicate::sgt, p.inI,
                                  i(0)),
            arith::CmpIOp::create(rw, loc, arith::CmpIPredicate::eq, p.outI,
                                  i(0)));
        emitCheck(rw, loc, nonEmpty,
                  describe(op) + ": cannot resize the empty axis " +
                      Twine(p.axis) + " to a non-empty size");
      }
      if (!ShapedType::isDynamic(p.staticOut)) {
        Value eq = arith::CmpIOp::create(rw, loc, arith::CmpIPredicate::eq,
                                         p.outI, i(p.staticOut));
        dataCheck(eq, describe(op) + ": the output size of axis " +
                          Twine(p.axis) + " must be " + Twine(p.staticOut) +
                          " (the result type)");
      }
      Value roiS, roiE;
      if (crop) {
        roiS = read(roi, k);
        roiE = read(roi, n + k);
      }
      // An axis that is not resized is skipped by the reference; an exact
      // scale of 1 (and roi [0, 1]) reproduces the input exactly.
      auto near1 = [&](Value v) {
        Value d = math::AbsFOp::create(rw, loc,
                                       arith::SubFOp::create(rw, loc, v, f(1)));
        Value tol = arith::MulFOp::create(
            rw, loc, f(1e-9),
            arith::MaximumFOp::create(rw, loc, math::AbsFOp::create(rw, loc, v),
                                      f(1)));
        return cmpf(arith::CmpFPredicate::OLE, d, tol);
      };
      Value ident = arith::AndIOp::create(
          rw, loc, near1(p.scale),
          arith::CmpIOp::create(rw, loc, arith::CmpIPredicate::eq, p.outI,
                                p.inI));
      if (crop) {
        Value s64 = seq::buildCastScalar(rw, loc, roiS, roiElt, f64);
        Value e64 = seq::buildCastScalar(rw, loc, roiE, roiElt, f64);
        ident = arith::AndIOp::create(
            rw, loc, ident,
            arith::AndIOp::create(rw, loc,
                                  cmpf(arith::CmpFPredicate::OEQ, s64, f(0)),
                                  near1(e64)));
        roiS = arith::SelectOp::create(rw, loc, ident,
                                       floatConst(rw, loc, roiElt, 0), roiS);
        roiE = arith::SelectOp::create(rw, loc, ident,
                                       floatConst(rw, loc, roiElt, 1), roiE);
        // The reference does these in the roi's (float32) type.
        Value inR = seq::buildCastScalar(
            rw, loc, arith::SubIOp::create(rw, loc, p.inI, i(1)),
            rw.getI64Type(), roiElt);
        Value d = arith::SubFOp::create(rw, loc, roiE, roiS);
        Value half = arith::DivFOp::create(
            rw, loc, arith::MulFOp::create(rw, loc, d, inR),
            floatConst(rw, loc, roiElt, 2));
        Value off = arith::MulFOp::create(rw, loc, roiS, inR);
        p.roiD = seq::buildCastScalar(rw, loc, d, roiElt, f64);
        p.roiHalf = seq::buildCastScalar(rw, loc, half, roiElt, f64);
        p.roiOff = seq::buildCastScalar(rw, loc, off, roiElt, f64);
      }
      p.scale = arith::SelectOp::create(rw, loc, ident, f(1), p.scale);
      p.outF = arith::MulFOp::create(rw, loc, p.scale, p.inF);
    }
    return plans;
  }

  /// One generic resampling `src` (logical element type `srcElt`) along
  /// `plan.axis` into `type`.
  Value resizeAxis(PatternRewriter &rw, Location loc, seq::ResizeOp op,
                   const AxisPlan &plan, Value src, Type srcElt,
                   RankedTensorType type) const {
    int64_t rank = type.getRank(), a = plan.axis;
    Type f64 = rw.getF64Type(), i64 = rw.getI64Type();
    Type dstElt = type.getElementType();
    auto sType = cast<RankedTensorType>(signless(type));
    SmallVector<Value> dyn;
    for (int64_t d = 0; d < rank; ++d) {
      if (!type.isDynamicDim(d))
        continue;
      dyn.push_back(d == a ? (Value)arith::IndexCastOp::create(
                                 rw, loc, rw.getIndexType(), plan.outI)
                           : (Value)tensor::DimOp::create(rw, loc, src, d));
    }
    Value init = tensor::EmptyOp::create(rw, loc, sType.getShape(),
                                         sType.getElementType(), dyn);
    StringRef mode = op.getMode(), ctm = op.getCoordinateTransformationMode();
    StringRef nearestMode = op.getNearestMode();
    bool antialias = op.getAntialias(), exclude = op.getExcludeOutside();
    double A = op.getCubicCoeffA().convertToDouble();
    AffineMap id = AffineMap::getMultiDimIdentityMap(rank, rw.getContext());

    // Antialias: the kernel's first tap offset `start` and its tap count
    // 2 - 2 * start, from the scale clamped to 1 (op_resize.py).
    Value aaScale, aaTaps;
    if (antialias) {
      Value one = floatConst(rw, loc, f64, 1);
      aaScale = arith::MinimumFOp::create(rw, loc, plan.scale, one);
      double reach = mode == "cubic" ? -2 : -1;
      Value start = arith::AddFOp::create(
          rw, loc,
          math::FloorOp::create(
              rw, loc,
              arith::DivFOp::create(rw, loc, floatConst(rw, loc, f64, reach),
                                    aaScale)),
          one);
      Value startI = arith::FPToSIOp::create(rw, loc, i64, start);
      aaTaps = arith::SubIOp::create(
          rw, loc, arith::ConstantIntOp::create(rw, loc, i64, 2),
          arith::MulIOp::create(
              rw, loc, arith::ConstantIntOp::create(rw, loc, i64, 2), startI));
    }

    auto body = [&](OpBuilder &b, Location l, ValueRange) {
      auto f = [&](double v) { return floatConst(b, l, f64, v); };
      auto i = [&](int64_t v) {
        return (Value)arith::ConstantIntOp::create(b, l, i64, v);
      };
      auto add = [&](Value x, Value y) {
        return (Value)arith::AddFOp::create(b, l, x, y);
      };
      auto sub = [&](Value x, Value y) {
        return (Value)arith::SubFOp::create(b, l, x, y);
      };
      auto mul = [&](Value x, Value y) {
        return (Value)arith::MulFOp::create(b, l, x, y);
      };
      auto div = [&](Value x, Value y) {
        return (Value)arith::DivFOp::create(b, l, x, y);
      };
      auto sel = [&](Value c, Value x, Value y) {
        return (Value)arith::SelectOp::create(b, l, c, x, y);
      };
      auto cmpf = [&](arith::CmpFPredicate p, Value x, Value y) {
        return (Value)arith::CmpFOp::create(b, l, p, x, y);
      };
      using FP = arith::CmpFPredicate;

      SmallVector<Value> coords;
      for (int64_t d = 0; d < rank; ++d)
        coords.push_back(linalg::IndexOp::create(b, l, d));
      Value y = arith::SIToFPOp::create(
          b, l, f64, arith::IndexCastOp::create(b, l, i64, coords[a]));
      Value s = plan.scale, inF = plan.inF, outF = plan.outF;
      Value outIsOne = cmpf(FP::OEQ, outF, f(1));
      Value inM1 = sub(inF, f(1));
      // The source coordinate (op_resize.py's _compute_x_ori).
      Value halfPixel = sub(div(add(y, f(0.5)), s), f(0.5));
      Value xo, extrap;
      if (ctm == "align_corners") {
        xo = sel(outIsOne, f(0), div(mul(y, inM1), sub(outF, f(1))));
      } else if (ctm == "asymmetric") {
        xo = div(y, s);
      } else if (ctm == "tf_crop_and_resize") {
        xo = sel(outIsOne, plan.roiHalf,
                 div(mul(mul(y, plan.roiD), inM1), sub(outF, f(1))));
        xo = add(xo, plan.roiOff);
        extrap = arith::OrIOp::create(b, l, cmpf(FP::OLT, xo, f(0)),
                                      cmpf(FP::OGT, xo, inM1));
      } else if (ctm == "pytorch_half_pixel") {
        xo = sel(outIsOne, f(-0.5), halfPixel);
      } else if (ctm == "half_pixel_symmetric") {
        Value outIF = arith::SIToFPOp::create(b, l, f64, plan.outI);
        Value adjustment = div(outIF, outF);
        Value center = div(inF, f(2));
        Value offset = mul(center, sub(f(1), adjustment));
        xo = sub(add(offset, div(add(y, f(0.5)), s)), f(0.5));
      } else {
        xo = halfPixel;
      }
      // ratio in (0, 1]: an integer coordinate prefers the left pixel.
      Value xFloor = math::FloorOp::create(b, l, xo);
      Value ratio = sel(cmpf(FP::OEQ, xo, xFloor), f(1), sub(xo, xFloor));

      // The first of the n taps nearest to xo, ties to the smaller index
      // (_get_neighbor with edge padding pad = n / 2; n is even).
      auto firstTap = [&](Value nI) {
        Value pad = arith::DivSIOp::create(b, l, nI, i(2));
        Value xp = add(xo, arith::SIToFPOp::create(b, l, f64, pad));
        Value pp = math::FloorOp::create(b, l, xp);
        Value fracZero = cmpf(FP::OEQ, sub(xp, pp), f(0));
        // Keep fptosi in range (NaN clamps to the low end).
        pp = arith::MaxNumFOp::create(
            b, l, arith::MinNumFOp::create(b, l, pp, f(std::ldexp(1, 40))),
            f(-std::ldexp(1, 40)));
        Value ppI = arith::FPToSIOp::create(b, l, i64, pp);
        Value off = arith::SelectOp::create(
            b, l, fracZero, arith::SubIOp::create(b, l, i(0), pad),
            arith::SubIOp::create(b, l, i(1), pad));
        return (Value)arith::SubIOp::create(
            b, l, arith::AddIOp::create(b, l, ppI, off), pad);
      };
      Value inLast = arith::SubIOp::create(b, l, plan.inI, i(1));
      auto readTap = [&](Value idx) {
        Value c = arith::MaxSIOp::create(
            b, l, arith::MinSIOp::create(b, l, idx, inLast), i(0));
        SmallVector<Value> at(coords);
        at[a] = arith::IndexCastOp::create(b, l, b.getIndexType(), c);
        return (Value)tensor::ExtractOp::create(b, l, src, at);
      };
      auto inside = [&](Value idx) {
        return (Value)arith::AndIOp::create(
            b, l,
            arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, idx, i(0)),
            arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, idx,
                                  plan.inI));
      };

      Value result;
      if (mode == "nearest") {
        Value isInt = cmpf(FP::OEQ, xo, xFloor);
        Value up;
        if (nearestMode == "round_prefer_ceil")
          up = cmpf(FP::OGE, ratio, f(0.5));
        else if (nearestMode == "floor")
          up = arith::ConstantIntOp::create(b, l, b.getI1Type(), 0);
        else if (nearestMode == "ceil")
          up = arith::ConstantIntOp::create(b, l, b.getI1Type(), 1);
        else if (nearestMode == "simple") // ceil when downsampling
          up = cmpf(FP::OLT, s, f(1));
        else
          up = cmpf(FP::OGT, ratio, f(0.5));
        up = arith::OrIOp::create(b, l, isInt, up);
        Value idx = arith::AddIOp::create(
            b, l, firstTap(i(2)), arith::ExtUIOp::create(b, l, i64, up));
        result = seq::buildCastScalar(b, l, readTap(idx), srcElt, dstElt);
        if (extrap)
          result = sel(extrap, extrapolationConst(b, l, op, dstElt), result);
        return SmallVector<Value>{result};
      }

      // op_resize.py computes the cubic weights in float32 (its
      // cubic_coeff_a is a numpy float32); mirror that so that integer
      // results round like the reference's. `A*` are float32 constants.
      Type f32 = b.getF32Type();
      float a = static_cast<float>(A), a2 = a + 2.0f, a3 = a + 3.0f,
            a5 = 5.0f * a, a8 = 8.0f * a, a4 = 4.0f * a;
      auto g = [&](float v) { return floatConst(b, l, f32, v); };
      auto to32 = [&](Value v) {
        return (Value)arith::TruncFOp::create(b, l, f32, v);
      };
      auto to64 = [&](Value v) {
        return (Value)arith::ExtFOp::create(b, l, f64, v);
      };
      // A (|x| - 1)-distance polynomials of the cubic kernel on float32 x.
      auto cubicFar = [&](Value x, Value x2, Value x3) { // 1 < |x| < 2
        return sub(add(sub(mul(g(a), x3), mul(g(a5), x2)), mul(g(a8), x)),
                   g(a4));
      };

      // The antialias weight of the tap at offset `t` from the left pixel,
      // before normalization (f64; for cubic a float32 value, and `isZero`
      // marks taps past the kernel, which the reference adds as a Python
      // 0.0 that turns its weight array into float64).
      auto aaWeight = [&](Value t, Value *isZero) {
        Value ax = math::AbsFOp::create(b, l, mul(aaScale, sub(t, ratio)));
        if (mode == "linear")
          return (Value)arith::MaximumFOp::create(
              b, l, arith::MinimumFOp::create(b, l, sub(f(1), ax), f(1)), f(0));
        Value x2 = mul(ax, ax), x3 = mul(ax, x2);
        Value x3f = to32(x3), x2f = to32(x2);
        Value near = add(sub(mul(g(a2), x3f), mul(g(a3), x2f)), g(1));
        Value far = cubicFar(to32(ax), x2f, x3f);
        *isZero = cmpf(FP::OGE, ax, f(2));
        return to64(
            sel(cmpf(FP::OLE, ax, f(1)), near, sel(*isZero, g(0), far)));
      };

      Value acc;
      if (!antialias) {
        SmallVector<Value> w;
        if (mode == "linear") {
          w = {sub(f(1), ratio), ratio};
        } else {
          Value q = sub(f(1), ratio);
          Value r1 = to32(add(ratio, f(1))), q1 = to32(add(q, f(1)));
          auto outer = [&](Value r) { // ((A r - 5A) r + 8A) r - 4A
            return to64(sub(
                mul(add(mul(sub(mul(g(a), r), g(a5)), r), g(a8)), r), g(a4)));
          };
          auto inner = [&](Value r) { // ((A+2) r - (A+3)) r r + 1
            return to64(add(mul(mul(sub(mul(g(a2), r), g(a3)), r), r), g(1)));
          };
          w = {outer(r1), inner(to32(ratio)), inner(to32(q)), outer(q1)};
        }
        int64_t n = w.size();
        Value first = firstTap(i(n));
        SmallVector<Value> idx;
        for (int64_t j = 0; j < n; ++j)
          idx.push_back(arith::AddIOp::create(b, l, first, i(j)));
        if (exclude) {
          // Taps outside the input drop out; the rest are renormalized.
          Value wsum = f(0);
          for (int64_t j = 0; j < n; ++j) {
            w[j] = sel(inside(idx[j]), w[j], f(0));
            wsum = add(wsum, w[j]);
          }
          Value denom = sel(cmpf(FP::OEQ, wsum, f(0)), f(1), wsum);
          for (int64_t j = 0; j < n; ++j)
            w[j] = div(w[j], denom);
        }
        acc = f(0);
        for (int64_t j = 0; j < n; ++j) {
          Value v = seq::buildCastScalar(b, l, readTap(idx[j]), srcElt, f64);
          acc = add(acc, mul(w[j], v));
        }
      } else {
        // Tap j sits at offset start + j from the left pixel, start =
        // 1 - n / 2. Passes over the taps, as the reference normalizes:
        // the weight sum (float32 for cubic), then (exclude_outside) the
        // sum of the normalized inside weights, then the blend.
        Value first = firstTap(aaTaps);
        Value zero = arith::ConstantIndexOp::create(b, l, 0);
        Value one = arith::ConstantIndexOp::create(b, l, 1);
        Value ub = arith::IndexCastOp::create(b, l, b.getIndexType(), aaTaps);
        Value startOff = arith::SubIOp::create(
            b, l, i(1), arith::DivSIOp::create(b, l, aaTaps, i(2)));
        bool cubic = mode == "cubic";
        auto overTaps = [&](ValueRange inits,
                            function_ref<SmallVector<Value>(Value, Value, Value,
                                                            Value, ValueRange)>
                                step) {
          auto loop = scf::ForOp::create(
              b, l, zero, ub, one, inits,
              [&](OpBuilder &, Location, Value j, ValueRange iter) {
                Value jI = arith::IndexCastOp::create(b, l, i64, j);
                Value idx = arith::AddIOp::create(b, l, first, jI);
                Value t = arith::SIToFPOp::create(
                    b, l, f64, arith::AddIOp::create(b, l, startOff, jI));
                Value isZero;
                Value c = aaWeight(t, &isZero);
                scf::YieldOp::create(b, l, step(c, isZero, idx, t, iter));
              });
          return loop.getResults();
        };
        // Pass 1: the sum of the raw weights; whether any tap is past the
        // cubic kernel.
        Value sum, anyZero;
        {
          Value i1f = arith::ConstantIntOp::create(b, l, b.getI1Type(), 0);
          ValueRange r = overTaps(
              {cubic ? g(0) : f(0), i1f},
              [&](Value c, Value isZero, Value, Value, ValueRange it) {
                Value s = cubic ? add(it[0], to32(c)) : add(it[0], c);
                Value z =
                    cubic ? arith::OrIOp::create(b, l, it[1], isZero) : it[1];
                return SmallVector<Value>{s, z};
              });
          sum = r[0];
          anyZero = r[1];
        }
        auto normalized = [&](Value c) {
          if (!cubic)
            return div(c, sum);
          // A float32 array divides in float32, a float64 one in float64.
          return sel(anyZero, div(c, to64(sum)), to64(div(to32(c), sum)));
        };
        Value denom;
        if (exclude) {
          ValueRange r = overTaps(
              {f(0)}, [&](Value c, Value, Value idx, Value, ValueRange it) {
                Value w = sel(inside(idx), normalized(c), f(0));
                return SmallVector<Value>{add(it[0], w)};
              });
          denom = sel(cmpf(FP::OEQ, r[0], f(0)), f(1), r[0]);
        }
        ValueRange r = overTaps(
            {f(0)}, [&](Value c, Value, Value idx, Value, ValueRange it) {
              Value w = normalized(c);
              if (exclude)
                w = div(sel(inside(idx), w, f(0)), denom);
              Value v = seq::buildCastScalar(b, l, readTap(idx), srcElt, f64);
              return SmallVector<Value>{add(it[0], mul(w, v))};
            });
        acc = r[0];
      }
      if (extrap)
        acc = sel(extrap, f(op.getExtrapolationValue().convertToDouble()), acc);
      return SmallVector<Value>{fromF64(b, l, acc, dstElt)};
    };
    auto g = buildGeneric(rw, loc, sType, ValueRange{}, init, {id},
                          iterators(rank), body);
    return g.getResult(0);
  }

  /// An f64 blend as `elt`: integers round half to even and saturate
  /// (onnx's saturate_cast).
  static Value fromF64(OpBuilder &b, Location l, Value v, Type elt) {
    Type f64 = b.getF64Type();
    if (auto it = dyn_cast<IntegerType>(elt)) {
      unsigned w = it.getWidth();
      bool uns = it.isUnsigned() || w == 1;
      double lo = uns ? 0.0 : -std::ldexp(1.0, w - 1);
      double hi = uns ? std::ldexp(1.0, w) - 1 : std::ldexp(1.0, w - 1) - 1;
      v = math::RoundEvenOp::create(b, l, v);
      v = arith::MaximumFOp::create(b, l, v, floatConst(b, l, f64, lo));
      v = arith::MinimumFOp::create(b, l, v, floatConst(b, l, f64, hi));
    }
    return seq::buildCastScalar(b, l, v, f64, elt);
  }

  static Value extrapolationConst(OpBuilder &b, Location l, seq::ResizeOp op,
                                  Type elt) {
    Value v = floatConst(b, l, b.getF64Type(),
                         op.getExtrapolationValue().convertToDouble());
    return fromF64(b, l, v, elt);
  }
};

} // namespace

void populateResizePatterns(RewritePatternSet &patterns) {
  patterns.add<ResizeLowering>(patterns.getContext());
}

} // namespace seqc::lowering
