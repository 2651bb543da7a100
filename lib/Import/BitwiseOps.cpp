//===- BitwiseOps.cpp - BitShift, Bitwise*, BitCast -----------------------===//
//
// ONNX integer bit manipulation: BitShift (unsigned, seq.shift_left/right),
// BitwiseAnd/Or/Xor/Not (seq.and/or/xor/not on any integer type) and BitCast
// (seq.bitcast between types of one bit width).
//
//===----------------------------------------------------------------------===//

#include "ImportBuilders.h"
#include "ImporterInternal.h"

#include "seq/IR/SeqDialect.h"
#include "seq/IR/SeqOps.h"

using namespace mlir;

namespace seqc::import {
namespace {

/// Checks that every input is an integer tensor (bool excluded) of one
/// element type with broadcast-compatible shapes.
LogicalResult integerOperands(NodeContext &nc, ArrayRef<Value> vals) {
  for (Value v : vals) {
    Type elt = cast<RankedTensorType>(v.getType()).getElementType();
    if (!isa<IntegerType>(elt) || elt.isInteger(1))
      return nc.error() << "expects integer operands, got " << elt;
  }
  SmallVector<int64_t> shape;
  if (failed(nc.sameElementType(vals)) || failed(nc.broadcast(vals, shape)))
    return failure();
  return success();
}

template <typename OpTy> LogicalResult convertBitwise(NodeContext &nc) {
  Value l = nc.input(0), r = nc.input(1);
  if (failed(integerOperands(nc, {l, r})))
    return failure();
  nc.setOutput(0, OpTy::create(nc.b(), nc.loc(), l, r));
  return success();
}

LogicalResult convertBitwiseNot(NodeContext &nc) {
  Value x = nc.input(0);
  if (failed(integerOperands(nc, {x})))
    return failure();
  nc.setOutput(0, seq::NotOp::create(nc.b(), nc.loc(), x));
  return success();
}

/// BitShift: X << Y or X >> Y (arithmetic for signed X, opset 28).
LogicalResult convertBitShift(NodeContext &nc) {
  Value x = nc.input(0), y = nc.input(1);
  if (failed(integerOperands(nc, {x, y})))
    return failure();
  std::string dir = nc.attrString("direction", "");
  if (dir == "LEFT")
    nc.setOutput(0, seq::ShiftLeftOp::create(nc.b(), nc.loc(), x, y));
  else if (dir == "RIGHT")
    nc.setOutput(0, seq::ShiftRightOp::create(nc.b(), nc.loc(), x, y));
  else
    return nc.error() << "direction must be \"LEFT\" or \"RIGHT\", got \""
                      << dir << "\"";
  return success();
}

/// BitCast: the same bits read as `to`, which has the input's bit width.
LogicalResult convertBitCast(NodeContext &nc) {
  FailureOr<Type> to = attrToType(nc);
  if (failed(to))
    return failure();
  Type elt = *to;
  auto t = nc.inputType(0);
  Type from = t.getElementType();
  // ONNX stores bool in a byte: 0/1 <-> the 8-bit integers (a nonzero byte
  // reads as true).
  auto isByteInt = [](Type e) {
    return isa<IntegerType>(e) && e.getIntOrFloatBitWidth() == 8;
  };
  if ((from.isInteger(1) && isByteInt(elt)) ||
      (isByteInt(from) && elt.isInteger(1))) {
    nc.setOutput(
        0, seq::CastOp::create(nc.b(), nc.loc(), t.clone(elt), nc.input(0)));
    return success();
  }
  if (!from.isIntOrFloat() || from.isInteger(1) || elt.isInteger(1) ||
      from.getIntOrFloatBitWidth() != elt.getIntOrFloatBitWidth())
    return nc.error() << "cannot bitcast " << from << " to " << elt
                      << " (the bit widths must be equal, bool excluded)";
  if (from == elt) {
    nc.setOutput(0, nc.input(0));
    return success();
  }
  nc.setOutput(
      0, seq::BitcastOp::create(nc.b(), nc.loc(), t.clone(elt), nc.input(0)));
  return success();
}

} // namespace

void registerBitwiseOps(OpRegistry &r) {
  r["BitShift"] = {convertBitShift, 2, 2};
  r["BitwiseAnd"] = {convertBitwise<seq::AndOp>, 2, 2};
  r["BitwiseOr"] = {convertBitwise<seq::OrOp>, 2, 2};
  r["BitwiseXor"] = {convertBitwise<seq::XorOp>, 2, 2};
  r["BitwiseNot"] = {convertBitwiseNot, 1, 1};
  r["BitCast"] = {convertBitCast, 1, 1};
}

} // namespace seqc::import
