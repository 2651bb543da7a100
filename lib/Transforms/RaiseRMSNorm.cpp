//===- RaiseRMSNorm.cpp - decomposed RMSNorm -> seq.rms_norm --------------===//
//
// Exporters before ONNX opset 23 spell RMSNorm as
//   x * reciprocal(sqrt(reduce_mean(x * x, axes = [-1], keep_dims) + eps))
// (or `x / sqrt(...)`, or `pow(x, 2)` for the square) followed by a multiply
// with the weight. The normalization is raised to `seq.rms_norm` with a
// scale of ones; a following multiply by a per-channel weight is then folded
// into the scale.
//
//===----------------------------------------------------------------------===//

#include "RaiseUtils.h"
#include "seqc/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;

namespace seqc {
namespace {
using namespace raise;

/// `v` is x * x or pow(x, 2): returns x.
static Value matchSquare(Value v) {
  if (auto mul = v.getDefiningOp<seq::MulOp>()) {
    if (mul.getLhs() == mul.getRhs() && mul.getLhs().getType() == v.getType())
      return mul.getLhs();
    return {};
  }
  if (auto pow = v.getDefiningOp<seq::PowOp>()) {
    std::optional<double> e = getSplatFloat(pow.getRhs());
    if (e && *e == 2.0 && pow.getLhs().getType() == v.getType())
      return pow.getLhs();
  }
  return {};
}

/// `v` is sqrt(mean(x^2, last axis, keep_dims) + eps) with `eps` a constant
/// splat: returns x and eps.
static Value matchRootMeanSquare(Value v, double &eps) {
  auto sqrt = v.getDefiningOp<seq::SqrtOp>();
  if (!sqrt)
    return {};
  auto add = sqrt.getInput().getDefiningOp<seq::AddOp>();
  if (!add)
    return {};
  Value mean;
  if (!matchScalarOperand(add.getLhs(), add.getRhs(), add.getType(),
                          /*commutative=*/true, mean, eps))
    return {};
  auto reduce = mean.getDefiningOp<seq::ReduceOp>();
  if (!reduce || reduce.getKind() != seq::ReduceKind::mean ||
      !reduce.getKeepDims())
    return {};
  auto in = rankedType(reduce.getInput());
  if (!in || in.getRank() == 0 || reduce.getAxes().size() != 1 ||
      normalizeAxis(reduce.getAxes()[0], in.getRank()) != in.getRank() - 1)
    return {};
  return matchSquare(reduce.getInput());
}

/// x * reciprocal(rms(x)) or x / rms(x) -> seq.rms_norm(x, ones).
template <typename OpTy> struct RaiseRMSNorm : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rw) const override {
    constexpr bool isDiv = std::is_same_v<OpTy, seq::DivOp>;
    for (int swap = 0; swap < (isDiv ? 1 : 2); ++swap) {
      Value x = swap ? op.getRhs() : op.getLhs();
      Value denom = swap ? op.getLhs() : op.getRhs();
      if (!isDiv) {
        auto recip = denom.getDefiningOp<seq::ReciprocalOp>();
        if (!recip)
          continue;
        denom = recip.getInput();
      }
      double eps;
      if (matchRootMeanSquare(denom, eps) != x)
        continue;
      auto type = rankedType(x);
      if (!type || type != op.getType() ||
          !isa<FloatType>(type.getElementType()) ||
          type.isDynamicDim(type.getRank() - 1))
        return rw.notifyMatchFailure(op, "needs a float input with a static "
                                         "last dim and no broadcasting");
      int64_t axis = type.getRank() - 1;
      auto scaleType =
          RankedTensorType::get({type.getDimSize(axis)}, type.getElementType());
      Value ones = arith::ConstantOp::create(
          rw, op.getLoc(),
          DenseElementsAttr::get(scaleType,
                                 rw.getFloatAttr(type.getElementType(), 1.0)));
      rw.replaceOpWithNewOp<seq::RMSNormOp>(op, type, x, ones,
                                            seq::getSI64Attr(rw, axis),
                                            rw.getF32FloatAttr((float)eps));
      return success();
    }
    return rw.notifyMatchFailure(op, "not x * rsqrt(mean(x^2) + eps)");
  }
};

/// seq.rms_norm(x, ones) * w, w of shape [N] (N = the last dim) ->
/// seq.rms_norm(x, w).
struct FoldRMSNormWeight : OpRewritePattern<seq::MulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(seq::MulOp op,
                                PatternRewriter &rw) const override {
    for (int swap = 0; swap < 2; ++swap) {
      Value n = swap ? op.getRhs() : op.getLhs();
      Value w = swap ? op.getLhs() : op.getRhs();
      auto norm = n.getDefiningOp<seq::RMSNormOp>();
      if (!norm || !norm->hasOneUse() || norm.getType() != op.getType())
        continue;
      auto type = norm.getType();
      std::optional<double> one = getSplatFloat(norm.getScale());
      if (!one || *one != 1.0 ||
          normalizeAxis(norm.getAxis(), type.getRank()) != type.getRank() - 1)
        continue;
      auto wt = rankedType(w);
      if (!wt || wt.getRank() != 1 ||
          wt.getDimSize(0) != type.getDimSize(type.getRank() - 1) ||
          wt.getElementType() != type.getElementType())
        continue;
      rw.replaceOpWithNewOp<seq::RMSNormOp>(op, type, norm.getInput(), w,
                                            norm.getAxisAttr(),
                                            norm.getEpsilonAttr());
      return success();
    }
    return rw.notifyMatchFailure(op, "not rms_norm(x, ones) * weight");
  }
};

} // namespace

void populateRaiseRMSNormPatterns(RewritePatternSet &patterns) {
  patterns.add<RaiseRMSNorm<seq::MulOp>, RaiseRMSNorm<seq::DivOp>,
               FoldRMSNormWeight>(patterns.getContext());
}

} // namespace seqc
