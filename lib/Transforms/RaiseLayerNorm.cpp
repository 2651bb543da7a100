//===- RaiseLayerNorm.cpp - decomposed LayerNorm -> seq.layer_norm --------===//
//
// Exporters before ONNX opset 17 spell LayerNorm as
//   d = x - reduce_mean(x, axes, keep_dims)
//   y = d / sqrt(reduce_mean(d ^ 2, axes, keep_dims) + eps)   (or d * 1/sqrt)
//   y * weight + bias
// with `axes` the trailing dims [axis, rank) in both reductions and `eps` a
// constant splat. The normalization becomes seq.layer_norm with a scale of
// ones; a following multiply by a weight, then an add of a bias, that vary
// only along the normalized dims are folded into it.
//
//===----------------------------------------------------------------------===//

#include "RaiseUtils.h"
#include "seqc/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;

namespace seqc {
namespace {
using namespace raise;

/// `v` is reduce_mean(x, axes = [axis, rank), keep_dims): returns x and
/// sets `axis`.
static Value matchTrailingMean(Value v, int64_t &axis) {
  auto reduce = v.getDefiningOp<seq::ReduceOp>();
  if (!reduce || reduce.getKind() != seq::ReduceKind::mean ||
      !reduce.getKeepDims())
    return {};
  auto in = rankedType(reduce.getInput());
  int64_t rank = in.getRank();
  SmallVector<int64_t> axes;
  for (int64_t a : reduce.getAxes())
    axes.push_back(normalizeAxis(a, rank));
  llvm::sort(axes);
  if (axes.empty() || axes.front() < 0)
    return {};
  for (auto [i, a] : llvm::enumerate(axes))
    if (a != rank - (int64_t)axes.size() + (int64_t)i)
      return {};
  axis = axes.front();
  return reduce.getInput();
}

/// `v` is d * d or pow(d, 2): returns d.
static Value matchSquare(Value v) {
  if (auto mul = v.getDefiningOp<seq::MulOp>())
    return mul.getLhs() == mul.getRhs() ? mul.getLhs() : Value();
  if (auto pow = v.getDefiningOp<seq::PowOp>()) {
    std::optional<double> e = getSplatFloat(pow.getRhs());
    if (e && *e == 2.0)
      return pow.getLhs();
  }
  return {};
}

/// d / sqrt(mean(d^2) + eps) or d * reciprocal(sqrt(...)) with
/// d = x - mean(x) -> seq.layer_norm(x, ones).
template <typename OpTy> struct RaiseLayerNorm : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rw) const override {
    constexpr bool isDiv = std::is_same_v<OpTy, seq::DivOp>;
    auto type = op.getType();
    if (!type.hasStaticShape() || !isa<FloatType>(type.getElementType()))
      return rw.notifyMatchFailure(op, "not a static float tensor");
    for (int swap = 0; swap < (isDiv ? 1 : 2); ++swap) {
      Value d = swap ? op.getRhs() : op.getLhs();
      Value denom = swap ? op.getLhs() : op.getRhs();
      if (!isDiv) {
        auto recip = denom.getDefiningOp<seq::ReciprocalOp>();
        if (!recip)
          continue;
        denom = recip.getInput();
      }
      auto sub = d.getDefiningOp<seq::SubOp>();
      auto sqrt = denom.getDefiningOp<seq::SqrtOp>();
      if (!sub || !sqrt || d.getType() != type)
        continue;
      auto add = sqrt.getInput().getDefiningOp<seq::AddOp>();
      Value var;
      double eps;
      if (!add || !matchScalarOperand(add.getLhs(), add.getRhs(), add.getType(),
                                      /*commutative=*/true, var, eps))
        continue;
      int64_t meanAxis, varAxis;
      Value x = sub.getLhs();
      if (matchTrailingMean(sub.getRhs(), meanAxis) != x || x.getType() != type)
        continue;
      Value sq = matchTrailingMean(var, varAxis);
      if (!sq || varAxis != meanAxis || matchSquare(sq) != d)
        continue;
      SmallVector<int64_t> normShape(type.getShape().drop_front(meanAxis));
      auto scaleType = RankedTensorType::get(normShape, type.getElementType());
      Value ones = arith::ConstantOp::create(
          rw, op.getLoc(),
          DenseElementsAttr::get(scaleType,
                                 rw.getFloatAttr(type.getElementType(), 1.0)));
      rw.replaceOpWithNewOp<seq::LayerNormOp>(
          op, type, x, ones, /*bias=*/Value(), seq::getSI64Attr(rw, meanAxis),
          rw.getF32FloatAttr((float)eps));
      return success();
    }
    return rw.notifyMatchFailure(op, "not (x - mean) / sqrt(var + eps)");
  }
};

/// `p` varies only along the normalized dims [axis, rank) of `type` and
/// broadcasts onto it without changing its shape.
static bool isNormParam(Value p, RankedTensorType type, int64_t axis) {
  auto pt = rankedType(p);
  int64_t lead = type.getRank() - pt.getRank();
  if (!pt || lead < 0 || pt.getElementType() != type.getElementType())
    return false;
  for (int64_t i = 0; i < pt.getRank(); ++i) {
    int64_t d = pt.getDimSize(i), full = type.getDimSize(lead + i);
    if (lead + i < axis ? d != 1 : (d != 1 && d != full))
      return false;
  }
  return true;
}

/// layer_norm(x, ones) * w -> layer_norm(x, w);
/// layer_norm(x, w) + b -> layer_norm(x, w, b).
template <typename OpTy> struct FoldLayerNormAffine : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rw) const override {
    constexpr bool isMul = std::is_same_v<OpTy, seq::MulOp>;
    for (int swap = 0; swap < 2; ++swap) {
      Value n = swap ? op.getRhs() : op.getLhs();
      Value p = swap ? op.getLhs() : op.getRhs();
      auto norm = n.getDefiningOp<seq::LayerNormOp>();
      if (!norm || !norm->hasOneUse() || norm.getType() != op.getType() ||
          norm.getBias())
        continue;
      auto type = norm.getType();
      int64_t axis = normalizeAxis(norm.getAxis(), type.getRank());
      if (!isNormParam(p, type, axis))
        continue;
      Value scale = norm.getScale(), bias;
      if (isMul) {
        std::optional<double> one = getSplatFloat(scale);
        if (!one || *one != 1.0)
          continue;
        scale = p;
      } else {
        bias = p;
      }
      rw.replaceOpWithNewOp<seq::LayerNormOp>(op, type, norm.getInput(), scale,
                                              bias, norm.getAxisAttr(),
                                              norm.getEpsilonAttr());
      return success();
    }
    return rw.notifyMatchFailure(op, "not layer_norm * weight / + bias");
  }
};

} // namespace

void populateRaiseLayerNormPatterns(RewritePatternSet &patterns) {
  // (x - mean) / sqrt(mean((x - mean)^2) + eps) is also an RMSNorm of
  // x - mean: the higher benefit makes the whole LayerNorm win.
  patterns.add<RaiseLayerNorm<seq::DivOp>, RaiseLayerNorm<seq::MulOp>>(
      patterns.getContext(), /*benefit=*/2);
  patterns
      .add<FoldLayerNormAffine<seq::MulOp>, FoldLayerNormAffine<seq::AddOp>>(
          patterns.getContext());
}

} // namespace seqc
