//===- ElementwiseOps.cpp - elementwise ONNX ops
//---------------------------===//

#include "ImportBuilders.h"
#include "ImporterInternal.h"

#include "seq/IR/SeqDialect.h"
#include "seq/IR/SeqOps.h"

#include <cmath>

using namespace mlir;

namespace seqc::import {
namespace {

/// Checks same element types and broadcast-compatible shapes, then creates
/// the op with its inferred result type.
template <typename OpTy>
LogicalResult binary(NodeContext &nc, Value l, Value r, Value &out) {
  SmallVector<int64_t> shape;
  if (failed(nc.sameElementType({l, r})) || failed(nc.broadcast({l, r}, shape)))
    return failure();
  out = OpTy::create(nc.b(), nc.loc(), l, r);
  return success();
}

template <typename OpTy> LogicalResult convertBinary(NodeContext &nc) {
  Value out;
  if (failed(binary<OpTy>(nc, nc.input(0), nc.input(1), out)))
    return failure();
  nc.setOutput(0, out);
  return success();
}

/// Max/Min/Sum take one or more inputs.
template <typename OpTy> LogicalResult convertVariadic(NodeContext &nc) {
  Value acc = nc.input(0);
  for (unsigned i = 1; i < nc.numInputs(); ++i)
    if (failed(binary<OpTy>(nc, acc, nc.input(i), acc)))
      return failure();
  nc.setOutput(0, acc);
  return success();
}

enum class Operand { Any, Float, Bool };

template <typename OpTy, Operand kind = Operand::Any>
LogicalResult convertUnary(NodeContext &nc) {
  Type elt = nc.inputType(0).getElementType();
  if (kind == Operand::Float && !isa<FloatType>(elt))
    return nc.error() << "expects a floating-point operand, got " << elt;
  if (kind == Operand::Bool && !elt.isInteger(1))
    return nc.error() << "expects a bool operand, got " << elt;
  nc.setOutput(0, OpTy::create(nc.b(), nc.loc(), nc.input(0)));
  return success();
}

LogicalResult convertPow(NodeContext &nc) {
  Value x = nc.input(0), y = nc.input(1);
  SmallVector<int64_t> shape;
  if (failed(nc.broadcast({x, y}, shape)))
    return failure();
  std::optional<double> e = nc.constScalar(1);
  auto xt = nc.inputType(0);
  if (e && *e == 2.0 && xt.getShape() == ArrayRef<int64_t>(shape)) {
    nc.setOutput(0, seq::MulOp::create(nc.b(), nc.loc(), x, x));
    return success();
  }
  if (e && *e == 1.0 && xt.getShape() == ArrayRef<int64_t>(shape)) {
    nc.setOutput(0, x);
    return success();
  }
  Type elt = xt.getElementType();
  auto yt = nc.inputType(1);
  if (yt.getElementType() != elt)
    y = seq::CastOp::create(nc.b(), nc.loc(), yt.clone(elt), y);
  nc.setOutput(0, seq::PowOp::create(nc.b(), nc.loc(), x, y));
  return success();
}

LogicalResult convertWhere(NodeContext &nc) {
  Value c = nc.input(0), x = nc.input(1), y = nc.input(2);
  if (!nc.inputType(0).getElementType().isInteger(1))
    return nc.error() << "condition must be bool, got "
                      << nc.inputType(0).getElementType();
  SmallVector<int64_t> shape;
  if (failed(nc.sameElementType({x, y})) ||
      failed(nc.broadcast({c, x, y}, shape)))
    return failure();
  nc.setOutput(0, seq::SelectOp::create(nc.b(), nc.loc(), c, x, y));
  return success();
}

/// Casts input 0 to `elt` (no-op when it already has that type).
LogicalResult castTo(NodeContext &nc, Type elt) {
  auto t = nc.inputType(0);
  if (t.getElementType() == elt) {
    nc.setOutput(0, nc.input(0));
    return success();
  }
  // `saturate` (opset >= 19) only affects 8-bit float results.
  bool saturate = nc.attrInt("saturate", 1) != 0;
  nc.setOutput(0, seq::CastOp::create(nc.b(), nc.loc(), t.clone(elt),
                                      nc.input(0), saturate));
  return success();
}

LogicalResult convertCast(NodeContext &nc) {
  FailureOr<Type> elt = attrToType(nc);
  if (failed(elt))
    return failure();
  return castTo(nc, *elt);
}

/// CastLike: cast input 0 to the element type of input 1.
LogicalResult convertCastLike(NodeContext &nc) {
  return castTo(nc, nc.inputType(1).getElementType());
}

LogicalResult convertRelu(NodeContext &nc) {
  Value x = nc.input(0);
  Value zero = nc.scalarConstant(nc.inputType(0).getElementType(), 0.0);
  nc.setOutput(0, seq::MaxOp::create(nc.b(), nc.loc(), x, zero));
  return success();
}

/// Requires a floating-point input 0; returns its element type (null after
/// emitting an error).
Type floatInput(NodeContext &nc) {
  Type elt = nc.inputType(0).getElementType();
  if (!isa<FloatType>(elt)) {
    nc.error() << "expects a floating-point operand, got " << elt;
    return {};
  }
  return elt;
}

/// Mean: the sum of the inputs divided by their count.
LogicalResult convertMean(NodeContext &nc) {
  Value acc = nc.input(0);
  Type elt = nc.inputType(0).getElementType();
  if (!isa<FloatType>(elt))
    return nc.error() << "expects floating-point operands, got " << elt;
  for (unsigned i = 1; i < nc.numInputs(); ++i)
    if (failed(binary<seq::AddOp>(nc, acc, nc.input(i), acc)))
      return failure();
  if (nc.numInputs() > 1)
    acc = seq::DivOp::create(nc.b(), nc.loc(), acc,
                             nc.scalarConstant(elt, nc.numInputs()));
  nc.setOutput(0, acc);
  return success();
}

/// Clip: max(min_bound, min(x, max_bound)); bounds are optional inputs 1 and
/// 2 (opset >= 11) or float attributes `min`/`max` (opset < 11).
LogicalResult convertClip(NodeContext &nc) {
  Value x = nc.input(0);
  Type elt = nc.inputType(0).getElementType();
  Value lo, hi;
  if (nc.opset() < 11) {
    if (!isa<FloatType>(elt))
      return nc.error() << "expects a floating-point operand, got " << elt;
    if (nc.attr("min"))
      lo = nc.scalarConstant(elt, nc.attrFloat("min", 0.0f));
    if (nc.attr("max"))
      hi = nc.scalarConstant(elt, nc.attrFloat("max", 0.0f));
  } else {
    lo = nc.input(1);
    hi = nc.input(2);
    for (Value bound : {lo, hi})
      if (bound && cast<RankedTensorType>(bound.getType()).getRank() != 0)
        return nc.error() << "min/max must be scalars, got " << bound.getType();
    if (failed(nc.sameElementType({x, lo ? lo : x, hi ? hi : x})))
      return failure();
  }
  if (lo)
    x = seq::MaxOp::create(nc.b(), nc.loc(), x, lo);
  if (hi)
    x = seq::MinOp::create(nc.b(), nc.loc(), x, hi);
  nc.setOutput(0, x);
  return success();
}

/// HardSigmoid: max(0, min(1, alpha * x + beta)).
LogicalResult convertHardSigmoid(NodeContext &nc) {
  Type elt = floatInput(nc);
  if (!elt)
    return failure();
  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  Value y = seq::MulOp::create(
      b, loc, nc.input(0), nc.scalarConstant(elt, nc.attrFloat("alpha", 0.2f)));
  y = seq::AddOp::create(b, loc, y,
                         nc.scalarConstant(elt, nc.attrFloat("beta", 0.5f)));
  y = seq::MinOp::create(b, loc, y, nc.scalarConstant(elt, 1.0));
  nc.setOutput(0, seq::MaxOp::create(b, loc, y, nc.scalarConstant(elt, 0.0)));
  return success();
}

/// Softplus: log(exp(x) + 1).
LogicalResult convertSoftplus(NodeContext &nc) {
  Type elt = floatInput(nc);
  if (!elt)
    return failure();
  OpBuilder &b = nc.b();
  Value e = seq::ExpOp::create(b, nc.loc(), nc.input(0));
  e = seq::AddOp::create(b, nc.loc(), e, nc.scalarConstant(elt, 1.0));
  nc.setOutput(0, seq::LogOp::create(b, nc.loc(), e));
  return success();
}

/// Swish: x * sigmoid(alpha * x).
LogicalResult convertSwish(NodeContext &nc) {
  Type elt = floatInput(nc);
  if (!elt)
    return failure();
  OpBuilder &b = nc.b();
  Value x = nc.input(0);
  Value ax = seq::MulOp::create(
      b, nc.loc(), x, nc.scalarConstant(elt, nc.attrFloat("alpha", 1.0f)));
  Value s = seq::SigmoidOp::create(b, nc.loc(), ax);
  nc.setOutput(0, seq::MulOp::create(b, nc.loc(), x, s));
  return success();
}

/// Gelu -> seq.gelu: 0.5 * x * (1 + erf(x / sqrt(2))), or with
/// approximate = "tanh" 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715
/// x^3))).
LogicalResult convertGelu(NodeContext &nc) {
  Type elt = floatInput(nc);
  if (!elt)
    return failure();
  std::string approx = nc.attrString("approximate", "none");
  if (approx != "none" && approx != "tanh")
    return nc.error() << "unsupported approximate = '" << approx << "'";
  OpBuilder &b = nc.b();
  auto kind = approx == "tanh" ? seq::GeluApproximation::tanh
                               : seq::GeluApproximation::none;
  nc.setOutput(
      0, seq::GeluOp::create(b, nc.loc(), nc.input(0).getType(), nc.input(0),
                             seq::GeluApproximationAttr::get(nc.ctx(), kind)));
  return success();
}

LogicalResult convertIdentity(NodeContext &nc) {
  nc.setOutput(0, nc.input(0));
  return success();
}

} // namespace

void registerElementwiseOps(OpRegistry &r) {
  r["Add"] = {convertBinary<seq::AddOp>, 2, 2};
  r["Sub"] = {convertBinary<seq::SubOp>, 2, 2};
  r["Mul"] = {convertBinary<seq::MulOp>, 2, 2};
  r["Div"] = {convertBinary<seq::DivOp>, 2, 2};
  r["And"] = {convertBinary<seq::AndOp>, 2, 2};
  r["Or"] = {convertBinary<seq::OrOp>, 2, 2};
  r["Xor"] = {convertBinary<seq::XorOp>, 2, 2};
  r["Equal"] = {convertBinary<seq::EqualOp>, 2, 2};
  r["Less"] = {convertBinary<seq::LessOp>, 2, 2};
  r["LessOrEqual"] = {convertBinary<seq::LessEqualOp>, 2, 2};
  r["Greater"] = {convertBinary<seq::GreaterOp>, 2, 2};
  r["GreaterOrEqual"] = {convertBinary<seq::GreaterEqualOp>, 2, 2};
  r["Max"] = {convertVariadic<seq::MaxOp>, 1, ~0u};
  r["Min"] = {convertVariadic<seq::MinOp>, 1, ~0u};
  r["Sum"] = {convertVariadic<seq::AddOp>, 1, ~0u};
  r["Pow"] = {convertPow, 2, 2};
  r["Neg"] = {convertUnary<seq::NegOp>, 1, 1};
  r["Abs"] = {convertUnary<seq::AbsOp>, 1, 1};
  r["Sqrt"] = {convertUnary<seq::SqrtOp, Operand::Float>, 1, 1};
  r["Reciprocal"] = {convertUnary<seq::ReciprocalOp, Operand::Float>, 1, 1};
  r["Tanh"] = {convertUnary<seq::TanhOp, Operand::Float>, 1, 1};
  r["Sigmoid"] = {convertUnary<seq::SigmoidOp, Operand::Float>, 1, 1};
  r["Exp"] = {convertUnary<seq::ExpOp, Operand::Float>, 1, 1};
  r["Log"] = {convertUnary<seq::LogOp, Operand::Float>, 1, 1};
  r["Sin"] = {convertUnary<seq::SinOp, Operand::Float>, 1, 1};
  r["Cos"] = {convertUnary<seq::CosOp, Operand::Float>, 1, 1};
  r["Tan"] = {convertUnary<seq::TanOp, Operand::Float>, 1, 1};
  r["Asin"] = {convertUnary<seq::AsinOp, Operand::Float>, 1, 1};
  r["Acos"] = {convertUnary<seq::AcosOp, Operand::Float>, 1, 1};
  r["Atan"] = {convertUnary<seq::AtanOp, Operand::Float>, 1, 1};
  r["Sinh"] = {convertUnary<seq::SinhOp, Operand::Float>, 1, 1};
  r["Cosh"] = {convertUnary<seq::CoshOp, Operand::Float>, 1, 1};
  r["Asinh"] = {convertUnary<seq::AsinhOp, Operand::Float>, 1, 1};
  r["Acosh"] = {convertUnary<seq::AcoshOp, Operand::Float>, 1, 1};
  r["Atanh"] = {convertUnary<seq::AtanhOp, Operand::Float>, 1, 1};
  r["Erf"] = {convertUnary<seq::ErfOp, Operand::Float>, 1, 1};
  r["Round"] = {convertUnary<seq::RoundOp, Operand::Float>, 1, 1};
  r["IsNaN"] = {convertUnary<seq::IsNaNOp, Operand::Float>, 1, 1};
  r["Not"] = {convertUnary<seq::NotOp, Operand::Bool>, 1, 1};
  r["Where"] = {convertWhere, 3, 3};
  r["Cast"] = {convertCast, 1, 1};
  r["CastLike"] = {convertCastLike, 2, 2};
  r["Relu"] = {convertRelu, 1, 1};
  r["Mean"] = {convertMean, 1, ~0u};
  r["Clip"] = {convertClip, 1, 3};
  r["HardSigmoid"] = {convertHardSigmoid, 1, 1};
  r["Softplus"] = {convertSoftplus, 1, 1};
  r["Swish"] = {convertSwish, 1, 1};
  r["Gelu"] = {convertGelu, 1, 1};
  r["Identity"] = {convertIdentity, 1, 1};
}

} // namespace seqc::import
