//===- RaiseActivations.cpp - GELU and SwiGLU -> seq.gelu / seq.swiglu ----===//
//
// Exporters spell the activations of transformer MLPs elementwise:
//   tanh-GELU: 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))
//   erf-GELU:  0.5 * x * (1 + erf(x / sqrt(2)))
//   SwiGLU:    (g * sigmoid(g)) * u        (silu(x Wg) * (x Wu))
// The products are matched as trees of seq.mul (and divisions by constants)
// in any association and operand order. Constants must equal the reference
// values up to float32 rounding; every intermediate has the result's type,
// so nothing is broadcast differently.
//
//===----------------------------------------------------------------------===//

#include "RaiseUtils.h"
#include "seqc/Transforms/Passes.h"

#include <cmath>

using namespace mlir;

namespace seqc {
namespace {
using namespace raise;

/// Equal up to float32 rounding of the exported constant.
static bool near(double a, double ref) {
  return std::fabs(a - ref) <= 1e-6 * std::fabs(ref);
}

/// Flattens a tree of seq.mul (and seq.div by a constant splat) of result
/// type `type` into its non-constant factors and the product of its constant
/// splat factors.
static void flattenProduct(Value v, RankedTensorType type,
                           SmallVectorImpl<Value> &factors, double &constant,
                           int depth = 0) {
  if (std::optional<double> c = getSplatFloat(v)) {
    constant *= *c;
    return;
  }
  if (depth < 8 && v.getType() == type) {
    if (auto mul = v.getDefiningOp<seq::MulOp>()) {
      flattenProduct(mul.getLhs(), type, factors, constant, depth + 1);
      flattenProduct(mul.getRhs(), type, factors, constant, depth + 1);
      return;
    }
    if (auto div = v.getDefiningOp<seq::DivOp>()) {
      std::optional<double> c = getSplatFloat(div.getRhs());
      if (c && *c != 0.0) {
        flattenProduct(div.getLhs(), type, factors, constant, depth + 1);
        constant /= *c;
        return;
      }
    }
  }
  factors.push_back(v);
}

/// `v` is c * x^3 (x * x * x or pow(x, 3)): returns c.
static std::optional<double> matchScaledCube(Value v, Value x,
                                             RankedTensorType type) {
  SmallVector<Value> f;
  double c = 1.0;
  flattenProduct(v, type, f, c);
  if (f.size() == 3 && llvm::all_of(f, [&](Value y) { return y == x; }))
    return c;
  if (f.size() == 1)
    if (auto pow = f[0].getDefiningOp<seq::PowOp>()) {
      std::optional<double> e = getSplatFloat(pow.getRhs());
      if (pow.getLhs() == x && pow.getType() == type && e && *e == 3.0)
        return c;
    }
  return std::nullopt;
}

/// `v` is 1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)) or 1 + erf(x / sqrt 2)
/// (either operand order): returns the approximation.
static std::optional<seq::GeluApproximation>
matchGeluInner(Value v, Value x, RankedTensorType type) {
  auto add = v.getDefiningOp<seq::AddOp>();
  Value e;
  double one;
  if (!add || add.getType() != type ||
      !matchScalarOperand(add.getLhs(), add.getRhs(), type,
                          /*commutative=*/true, e, one) ||
      one != 1.0)
    return std::nullopt;
  SmallVector<Value> f;
  double k = 1.0;
  if (auto erf = e.getDefiningOp<seq::ErfOp>()) {
    flattenProduct(erf.getInput(), type, f, k);
    if (f.size() == 1 && f[0] == x && near(k, M_SQRT1_2))
      return seq::GeluApproximation::none;
    return std::nullopt;
  }
  auto tanh = e.getDefiningOp<seq::TanhOp>();
  if (!tanh)
    return std::nullopt;
  flattenProduct(tanh.getInput(), type, f, k);
  if (f.size() != 1 || !near(k, std::sqrt(2.0 / M_PI)))
    return std::nullopt;
  auto sum = f[0].getDefiningOp<seq::AddOp>();
  if (!sum || sum.getType() != type)
    return std::nullopt;
  for (int swap = 0; swap < 2; ++swap) {
    Value lin = swap ? sum.getRhs() : sum.getLhs();
    Value cube = swap ? sum.getLhs() : sum.getRhs();
    std::optional<double> c = matchScaledCube(cube, x, type);
    if (lin == x && c && near(*c, 0.044715))
      return seq::GeluApproximation::tanh;
  }
  return std::nullopt;
}

/// 0.5 * x * (1 + tanh(...)) / (1 + erf(...)) -> seq.gelu.
struct RaiseGelu : OpRewritePattern<seq::MulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(seq::MulOp op,
                                PatternRewriter &rw) const override {
    auto type = op.getType();
    if (!isa<FloatType>(type.getElementType()))
      return rw.notifyMatchFailure(op, "not a float multiply");
    SmallVector<Value> f;
    double c = 1.0;
    flattenProduct(op.getResult(), type, f, c);
    if (f.size() != 2 || !near(c, 0.5))
      return rw.notifyMatchFailure(op, "not 0.5 * x * y");
    for (int swap = 0; swap < 2; ++swap) {
      Value x = f[swap], inner = f[1 - swap];
      if (x.getType() != type)
        continue;
      if (std::optional<seq::GeluApproximation> approx =
              matchGeluInner(inner, x, type)) {
        rw.replaceOpWithNewOp<seq::GeluOp>(
            op, type, x,
            seq::GeluApproximationAttr::get(rw.getContext(), *approx));
        return success();
      }
    }
    return rw.notifyMatchFailure(op, "not a GELU");
  }
};

/// g * sigmoid(g) * u (any association) -> seq.swiglu(g, u).
struct RaiseSwiGLU : OpRewritePattern<seq::MulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(seq::MulOp op,
                                PatternRewriter &rw) const override {
    auto type = op.getType();
    if (!isa<FloatType>(type.getElementType()))
      return rw.notifyMatchFailure(op, "not a float multiply");
    SmallVector<Value> f;
    double c = 1.0;
    flattenProduct(op.getResult(), type, f, c);
    if (f.size() != 3 || c != 1.0)
      return rw.notifyMatchFailure(op, "not a product of three tensors");
    for (int s = 0; s < 3; ++s) {
      auto sig = f[s].getDefiningOp<seq::SigmoidOp>();
      if (!sig)
        continue;
      for (int g = 0; g < 3; ++g) {
        if (g == s || f[g] != sig.getInput())
          continue;
        Value gate = f[g], up = f[3 - s - g];
        FailureOr<SmallVector<int64_t>> shape = seq::broadcastShapes(
            {rankedType(gate).getShape(), rankedType(up).getShape()});
        if (failed(shape) || ArrayRef<int64_t>(*shape) != type.getShape() ||
            rankedType(up).getElementType() != type.getElementType())
          continue;
        rw.replaceOpWithNewOp<seq::SwiGLUOp>(op, type, gate, up);
        return success();
      }
    }
    return rw.notifyMatchFailure(op, "not silu(g) * u");
  }
};

} // namespace

void populateRaiseActivationPatterns(RewritePatternSet &patterns) {
  patterns.add<RaiseGelu, RaiseSwiGLU>(patterns.getContext());
}

} // namespace seqc
