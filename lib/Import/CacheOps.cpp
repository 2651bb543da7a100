//===- CacheOps.cpp - SwiGLU and friends
//------------------------------------===//
//
// ONNX SwiGLU, TensorScatter.
//
// SwiGLU maps onto seq.swiglu when alpha = 1 (the op's gate is plain silu)
// and is composed as a * sigmoid(alpha * a) * b otherwise. TensorScatter (the
// KV-cache update) becomes one seq.scatter_elements along the sequence axis
// whose indices, write_indices[batch] + position (mod max_sequence_length in
// circular mode), are computed in the graph: write_indices is data, so the
// artifact does not need to be specialized to it.
//
//===----------------------------------------------------------------------===//

#include "ImporterInternal.h"

#include "seq/IR/SeqDialect.h"
#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;

namespace seqc::import {
namespace {

LogicalResult convertSwiGLU(NodeContext &nc) {
  auto at = nc.inputType(0), bt = nc.inputType(1);
  Type elt = at.getElementType();
  if (!isa<FloatType>(elt))
    return nc.error() << "expects floating-point inputs, got " << elt;
  if (failed(nc.sameElementType({nc.input(0), nc.input(1)})))
    return failure();
  // The spec requires identical shapes (no broadcasting).
  if (at.getShape() != bt.getShape())
    return nc.error() << "A " << shapeStr(at.getShape()) << " and B "
                      << shapeStr(bt.getShape()) << " must have the same shape";
  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  Value a = nc.input(0), v = nc.input(1);
  float alpha = nc.attrFloat("alpha", 1.0f);
  if (alpha == 1.0f) {
    nc.setOutput(0, seq::SwiGLUOp::create(b, loc, a, v));
    return success();
  }
  Value g = seq::MulOp::create(b, loc, a, nc.scalarConstant(elt, alpha));
  Value swish =
      seq::MulOp::create(b, loc, a, seq::SigmoidOp::create(b, loc, g));
  nc.setOutput(0, seq::MulOp::create(b, loc, swish, v));
  return success();
}

LogicalResult convertTensorScatter(NodeContext &nc) {
  auto ct = nc.inputType(0), ut = nc.inputType(1);
  int64_t rank = ct.getRank();
  if (!ct.hasStaticShape() || !ut.hasStaticShape())
    return nc.error() << "past_cache " << shapeStr(ct.getShape())
                      << " and update " << shapeStr(ut.getShape())
                      << " must have static shapes";
  if (rank < 2)
    return nc.error() << "past_cache must have rank >= 2, got "
                      << shapeStr(ct.getShape());
  if (failed(nc.sameElementType({nc.input(0), nc.input(1)})))
    return failure();
  int64_t axis = nc.attrInt("axis", -2);
  if (failed(nc.normalizeAxis(axis, rank, "axis")))
    return failure();
  if (axis == 0)
    return nc.error() << "axis must not be the batch dimension 0";
  bool shapeOk = ut.getRank() == rank;
  for (int64_t d = 0; shapeOk && d < rank; ++d)
    shapeOk = d == axis ? ut.getDimSize(d) <= ct.getDimSize(d)
                        : ut.getDimSize(d) == ct.getDimSize(d);
  if (!shapeOk)
    return nc.error() << "update " << shapeStr(ut.getShape())
                      << " must match past_cache " << shapeStr(ct.getShape())
                      << " except for a shorter axis " << axis;
  std::string mode = nc.attrString("mode", "linear");
  if (mode != "linear" && mode != "circular")
    return nc.error() << "unknown mode '" << mode << "'";
  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  Type i64 = b.getI64Type();
  int64_t batch = ct.getDimSize(0), seqLen = ut.getDimSize(axis),
          maxLen = ct.getDimSize(axis);
  // Position of each update row along the axis: [1, .., S, .., 1].
  SmallVector<int64_t> iotaShape(rank, 1);
  iotaShape[axis] = seqLen;
  SmallVector<int64_t> pos(seqLen);
  for (int64_t i = 0; i < seqLen; ++i)
    pos[i] = i;
  Value idx = arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(RankedTensorType::get(iotaShape, i64),
                             ArrayRef(pos)));
  if (nc.hasInput(2)) {
    auto wt = nc.inputType(2);
    if (!isa<IntegerType>(wt.getElementType()) || wt.getRank() != 1 ||
        wt.getDimSize(0) != batch)
      return nc.error() << "write_indices of type " << typeStr(wt)
                        << " should be an integer [" << batch << "] tensor";
    Value w = nc.input(2);
    if (!wt.getElementType().isInteger(64))
      w = seq::CastOp::create(b, loc, wt.clone(i64), w);
    SmallVector<int64_t> wShape(rank, 1);
    wShape[0] = batch;
    idx = seq::AddOp::create(b, loc, nc.reshape(w, wShape), idx);
  }
  // A negative remainder wraps like a negative scatter index, i.e. as
  // Python's modulo would.
  if (mode == "circular")
    idx = seq::RemOp::create(b, loc, idx, nc.scalarConstant(i64, maxLen));
  auto idxType = RankedTensorType::get(ut.getShape(), i64);
  if (cast<RankedTensorType>(idx.getType()) != idxType)
    idx = seq::BroadcastOp::create(b, loc, idxType, idx);
  nc.setOutput(0, seq::ScatterElementsOp::create(
                      b, loc, ct, nc.input(0), idx, nc.input(1),
                      seq::getSI64Attr(b, axis),
                      seq::ScatterReductionAttr::get(
                          nc.ctx(), seq::ScatterReduction::none)));
  return success();
}

} // namespace

void registerCacheOps(OpRegistry &r) {
  r["SwiGLU"] = {convertSwiGLU, 2, 2};
  r["TensorScatter"] = {convertTensorScatter, 2, 3};
}

} // namespace seqc::import
