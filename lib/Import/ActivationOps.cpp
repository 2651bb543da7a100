//===- ActivationOps.cpp - Elu, Selu, LeakyRelu, Mish, IsInf... -----------===//
//
// ONNX activation functions that are not seq ops of their own, written with
// elementwise seq ops as their ONNX function bodies define them: Elu, Selu,
// Celu, LeakyRelu, PRelu, ThresholdedRelu, Softsign, HardSwish, Mish, Shrink,
// and the IsInf test.
//
//===----------------------------------------------------------------------===//

#include "ImportBuilders.h"
#include "ImporterInternal.h"

#include "seq/IR/SeqDialect.h"
#include "seq/IR/SeqOps.h"

#include <limits>

using namespace mlir;

namespace seqc::import {
namespace {

/// The input's element type when it is a float; otherwise an error.
std::optional<ElemBuilder> floatExpr(NodeContext &nc) {
  Type elt = nc.inputType(0).getElementType();
  if (!isa<FloatType>(elt)) {
    nc.error() << "expects a floating-point operand, got " << elt;
    return std::nullopt;
  }
  return ElemBuilder{nc, elt};
}

/// Elu: x < 0 ? alpha * (exp(x) - 1) : x.
LogicalResult convertElu(NodeContext &nc) {
  auto e = floatExpr(nc);
  if (!e)
    return failure();
  Value x = nc.input(0);
  Value neg =
      e->mul(e->c(nc.attrFloat("alpha", 1.0f)), e->sub(e->exp(x), e->c(1.0)));
  nc.setOutput(0, e->select(e->less(x, e->c(0.0)), neg, x));
  return success();
}

/// Selu: gamma * (x > 0 ? x : alpha * exp(x) - alpha).
LogicalResult convertSelu(NodeContext &nc) {
  auto e = floatExpr(nc);
  if (!e)
    return failure();
  Value x = nc.input(0);
  Value alpha = e->c(nc.attrFloat("alpha", 1.67326319217681884765625f));
  Value gamma = e->c(nc.attrFloat("gamma", 1.05070102214813232421875f));
  Value neg = e->sub(e->mul(alpha, e->exp(x)), alpha);
  Value y = e->select(e->greater(x, e->c(0.0)), x, neg);
  nc.setOutput(0, e->mul(gamma, y));
  return success();
}

/// Celu: max(0, x) + min(0, alpha * (exp(x / alpha) - 1)).
LogicalResult convertCelu(NodeContext &nc) {
  auto e = floatExpr(nc);
  if (!e)
    return failure();
  Value x = nc.input(0);
  Value alpha = e->c(nc.attrFloat("alpha", 1.0f));
  Value neg = e->mul(alpha, e->sub(e->exp(e->div(x, alpha)), e->c(1.0)));
  nc.setOutput(0, e->add(e->max(e->c(0.0), x), e->min(e->c(0.0), neg)));
  return success();
}

/// LeakyRelu: x < 0 ? alpha * x : x.
LogicalResult convertLeakyRelu(NodeContext &nc) {
  auto e = floatExpr(nc);
  if (!e)
    return failure();
  Value x = nc.input(0);
  Value neg = e->mul(e->c(nc.attrFloat("alpha", 0.01f)), x);
  nc.setOutput(0, e->select(e->less(x, e->c(0.0)), neg, x));
  return success();
}

/// PRelu: x < 0 ? slope * x : x, the slope broadcast onto x.
LogicalResult convertPRelu(NodeContext &nc) {
  Value x = nc.input(0), slope = nc.input(1);
  SmallVector<int64_t> shape;
  if (failed(nc.sameElementType({x, slope})) ||
      failed(nc.broadcast({x, slope}, shape)))
    return failure();
  if (ArrayRef<int64_t>(shape) != nc.inputType(0).getShape())
    return nc.error() << "slope of shape "
                      << shapeStr(nc.inputType(1).getShape())
                      << " does not broadcast onto X of shape "
                      << shapeStr(nc.inputType(0).getShape());
  ElemBuilder e{nc, nc.inputType(0).getElementType()};
  nc.setOutput(0, e.select(e.less(x, e.c(0.0)), e.mul(slope, x), x));
  return success();
}

/// ThresholdedRelu: x > alpha ? x : 0.
LogicalResult convertThresholdedRelu(NodeContext &nc) {
  auto e = floatExpr(nc);
  if (!e)
    return failure();
  Value x = nc.input(0);
  Value above = e->greater(x, e->c(nc.attrFloat("alpha", 1.0f)));
  nc.setOutput(0, e->select(above, x, e->c(0.0)));
  return success();
}

/// Softsign: x / (1 + |x|).
LogicalResult convertSoftsign(NodeContext &nc) {
  auto e = floatExpr(nc);
  if (!e)
    return failure();
  Value x = nc.input(0);
  Value abs = seq::AbsOp::create(nc.b(), nc.loc(), x);
  nc.setOutput(0, e->div(x, e->add(e->c(1.0), abs)));
  return success();
}

/// HardSwish: x * max(0, min(1, x / 6 + 1 / 2)).
LogicalResult convertHardSwish(NodeContext &nc) {
  auto e = floatExpr(nc);
  if (!e)
    return failure();
  Value x = nc.input(0);
  Value gate = e->add(e->mul(x, e->c(1.0 / 6.0)), e->c(0.5));
  gate = e->max(e->c(0.0), e->min(e->c(1.0), gate));
  nc.setOutput(0, e->mul(x, gate));
  return success();
}

/// Mish: x * tanh(softplus(x)); softplus(x) = log(1 + exp(x)).
LogicalResult convertMish(NodeContext &nc) {
  auto e = floatExpr(nc);
  if (!e)
    return failure();
  Value x = nc.input(0);
  Value sp = seq::LogOp::create(nc.b(), nc.loc(), e->add(e->exp(x), e->c(1.0)));
  nc.setOutput(0, e->mul(x, seq::TanhOp::create(nc.b(), nc.loc(), sp)));
  return success();
}

/// Shrink: x < -lambd ? x + bias : x > lambd ? x - bias : 0 (any numeric
/// type; the constants take x's type).
LogicalResult convertShrink(NodeContext &nc) {
  Type elt = nc.inputType(0).getElementType();
  if (elt.isInteger(1))
    return nc.error() << "expects a numeric operand, got " << elt;
  ElemBuilder e{nc, elt};
  Value x = nc.input(0);
  double lambd = nc.attrFloat("lambd", 0.5f), bias = nc.attrFloat("bias", 0.f);
  Value below = e.less(x, e.c(-lambd)), above = e.greater(x, e.c(lambd));
  Value y = e.select(above, e.sub(x, e.c(bias)), e.c(0.0));
  nc.setOutput(0, e.select(below, e.add(x, e.c(bias)), y));
  return success();
}

/// IsInf: x == +inf (detect_positive) or x == -inf (detect_negative).
LogicalResult convertIsInf(NodeContext &nc) {
  auto e = floatExpr(nc);
  if (!e)
    return failure();
  Value x = nc.input(0);
  bool pos = nc.attrInt("detect_positive", 1) != 0;
  bool neg = nc.attrInt("detect_negative", 1) != 0;
  double inf = std::numeric_limits<double>::infinity();
  auto equal = [&](double v) {
    return seq::EqualOp::create(nc.b(), nc.loc(), x, e->c(v)).getResult();
  };
  Value y;
  if (pos && neg)
    y = seq::OrOp::create(nc.b(), nc.loc(), equal(inf), equal(-inf));
  else if (pos || neg)
    y = equal(pos ? inf : -inf);
  else // detects nothing: x == inf and x == -inf is all false.
    y = seq::AndOp::create(nc.b(), nc.loc(), equal(inf), equal(-inf));
  nc.setOutput(0, y);
  return success();
}

} // namespace

void registerActivationOps(OpRegistry &r) {
  r["Elu"] = {convertElu, 1, 1};
  r["Selu"] = {convertSelu, 1, 1};
  r["Celu"] = {convertCelu, 1, 1};
  r["LeakyRelu"] = {convertLeakyRelu, 1, 1};
  r["PRelu"] = {convertPRelu, 2, 2};
  r["ThresholdedRelu"] = {convertThresholdedRelu, 1, 1};
  r["Softsign"] = {convertSoftsign, 1, 1};
  r["HardSwish"] = {convertHardSwish, 1, 1};
  r["Mish"] = {convertMish, 1, 1};
  r["Shrink"] = {convertShrink, 1, 1};
  r["IsInf"] = {convertIsInf, 1, 1};
}

} // namespace seqc::import
