//===- RopeOp.cpp - seq.rope verification ---------------------------------===//

#include "seq/IR/SeqOps.h"
#include "seq/IR/SeqSemantics.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace mlir::seq;

int64_t RopeOp::getHeadDim() {
  return cast<RankedTensorType>(getInput().getType()).getDimSize(3);
}

int64_t RopeOp::getRotaryDimOrHeadDim() {
  return getRotaryDim() ? getRotaryDim() : getHeadDim();
}

LogicalResult RopeOp::verify() {
  auto x = cast<RankedTensorType>(getInput().getType());
  auto cos = cast<RankedTensorType>(getCos().getType());
  auto sin = cast<RankedTensorType>(getSin().getType());
  auto out = cast<RankedTensorType>(getResult().getType());
  if (x.getRank() != 4)
    return emitOpError("input must be 4-D, got rank ") << x.getRank();
  if (!isa<FloatType>(x.getElementType()))
    return emitOpError("expects a floating-point input, got ")
           << x.getElementType();
  if (out != x)
    return emitOpError("result type ")
           << out << " must equal the input type " << x;
  if (cos != sin)
    return emitOpError("cos ")
           << cos << " and sin " << sin << " tables must have the same type";
  if (cos.getElementType() != x.getElementType())
    return emitOpError("table element type ")
           << cos.getElementType() << " differs from the input's "
           << x.getElementType();
  int64_t d = getHeadDim(), r = getRotaryDim();
  if (r < 0 || r % 2 != 0)
    return emitOpError("rotary_dim must be even and >= 0, got ") << r;
  if (r && !ShapedType::isDynamic(d) && r > d)
    return emitOpError("rotary_dim ") << r << " exceeds the head dim " << d;
  if (!r && !ShapedType::isDynamic(d) && d % 2 != 0)
    return emitOpError("head dim ") << d << " must be even";
  int64_t rot = getRotaryDimOrHeadDim(), t = cos.getShape().back();
  if (!ShapedType::isDynamic(rot) && !ShapedType::isDynamic(t) && t != rot &&
      2 * t != rot)
    return emitOpError("table last dim ")
           << t << " must be rotary_dim / 2 (" << rot / 2 << ") or rotary_dim ("
           << rot << ")";
  bool bshd = getLayout() == RopeLayout::bshd;
  int64_t batch = x.getDimSize(0), seq = x.getDimSize(bshd ? 1 : 2);
  if (Value pos = getPositionIds()) {
    auto p = cast<RankedTensorType>(pos.getType());
    if (!isa<IntegerType>(p.getElementType()) || p.getRank() != 2)
      return emitOpError("position_ids must be a 2-D integer tensor, got ")
             << p;
    if ((p.getDimSize(0) != 1 && !dimsCompatible(p.getDimSize(0), batch)) ||
        (p.getDimSize(1) != 1 && !dimsCompatible(p.getDimSize(1), seq)))
      return emitOpError("position_ids ")
             << p << " do not broadcast to [batch, sequence] = [" << batch
             << ", " << seq << "]";
    if (cos.getRank() != 2)
      return emitOpError("with position_ids the tables must be 2-D "
                         "[max_position, T], got ")
             << cos;
    return success();
  }
  if (cos.getRank() != 4)
    return emitOpError("without position_ids the tables must be 4-D in the "
                       "input's layout, got ")
           << cos;
  for (int64_t i = 0; i < 3; ++i)
    if (cos.getDimSize(i) != 1 &&
        !dimsCompatible(cos.getDimSize(i), x.getDimSize(i)))
      return emitOpError("table dim ")
             << i << " (" << cos.getDimSize(i) << ") must be 1 or the input's ("
             << x.getDimSize(i) << ")";
  return success();
}
