//===- ArithOps.cpp - Mod, Floor, Ceil, Sign, Range ------------------------===//
//
// Ops ONNX function bodies use for index arithmetic. With constant inputs
// they are folded at import (ConstantFolding.cpp); these converters handle
// run-time data.
//
//===----------------------------------------------------------------------===//

#include "ImporterInternal.h"

#include "seq/IR/SeqDialect.h"
#include "seq/IR/SeqOps.h"

using namespace mlir;

namespace seqc::import {
namespace {

/// Mod: fmod=1 is C fmod (sign of the dividend, seq.rem); fmod=0 is the
/// Python/numpy remainder (sign of the divisor): rem + divisor when the
/// remainder is non-zero and its sign differs from the divisor's.
LogicalResult convertMod(NodeContext &nc) {
  Value a = nc.input(0), d = nc.input(1);
  SmallVector<int64_t> shape;
  if (failed(nc.sameElementType({a, d})) || failed(nc.broadcast({a, d}, shape)))
    return failure();
  Type elt = nc.inputType(0).getElementType();
  bool fmod = nc.attrInt("fmod", 0) != 0;
  if (elt.isInteger(1))
    return nc.error() << "expects numeric operands, got " << elt;
  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  Value rem = seq::RemOp::create(b, loc, a, d);
  if (fmod) {
    nc.setOutput(0, rem);
    return success();
  }
  Value zero = nc.scalarConstant(elt, 0);
  Value nonZero =
      seq::NotOp::create(b, loc, seq::EqualOp::create(b, loc, rem, zero));
  Value signDiffers =
      seq::XorOp::create(b, loc, seq::LessOp::create(b, loc, rem, zero),
                         seq::LessOp::create(b, loc, d, zero));
  Value fix = seq::AndOp::create(b, loc, nonZero, signDiffers);
  Value adjusted = seq::AddOp::create(b, loc, rem, d);
  nc.setOutput(0, seq::SelectOp::create(b, loc, fix, adjusted, rem));
  return success();
}

template <typename OpTy> LogicalResult convertRounding(NodeContext &nc) {
  Type elt = nc.inputType(0).getElementType();
  if (!isa<FloatType>(elt))
    return nc.error() << "expects a floating-point operand, got " << elt;
  nc.setOutput(0, OpTy::create(nc.b(), nc.loc(), nc.input(0)));
  return success();
}

/// Sign: (x > 0) - (x < 0) in x's type; for floats + x * 0 keeps NaN (and
/// the sign of zero irrelevant) as the spec's NaN -> NaN.
LogicalResult convertSign(NodeContext &nc) {
  Value x = nc.input(0);
  auto t = nc.inputType(0);
  Type elt = t.getElementType();
  if (elt.isInteger(1))
    return nc.error() << "expects a numeric operand, got " << elt;
  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  Value zero = nc.scalarConstant(elt, 0);
  Value pos =
      seq::CastOp::create(b, loc, t, seq::GreaterOp::create(b, loc, x, zero));
  Value neg =
      seq::CastOp::create(b, loc, t, seq::LessOp::create(b, loc, x, zero));
  Value sign = seq::SubOp::create(b, loc, pos, neg);
  if (isa<FloatType>(elt))
    sign =
        seq::AddOp::create(b, loc, sign, seq::MulOp::create(b, loc, x, zero));
  nc.setOutput(0, sign);
  return success();
}

/// Range's output length depends on its input values, so it only exists
/// for a static-shape artifact when they are compile-time constants; the
/// constant case is folded before this converter runs.
LogicalResult convertRange(NodeContext &nc) {
  for (unsigned i = 0; i < 3; ++i) {
    auto t = nc.inputType(i);
    if (t.getNumElements() != 1)
      return nc.error() << "input " << i << " must be a scalar, got shape "
                        << shapeStr(t.getShape());
  }
  InFlightDiagnostic d =
      nc.error() << "start, limit and delta must be compile-time constants "
                    "(the output length depends on their values)";
  for (unsigned i = 0; i < 3; ++i)
    if (isa<BlockArgument>(nc.input(i))) {
      noteGraphInput(d, nc.input(i));
      break;
    }
  return d;
}

} // namespace

void registerArithOps(OpRegistry &r) {
  r["Mod"] = {convertMod, 2, 2};
  r["Floor"] = {convertRounding<seq::FloorOp>, 1, 1};
  r["Ceil"] = {convertRounding<seq::CeilOp>, 1, 1};
  r["Range"] = {convertRange, 3, 3};
  r["Sign"] = {convertSign, 1, 1};
}

} // namespace seqc::import
