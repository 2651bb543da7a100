//===- LinalgOps.cpp - MatMul and Gemm
//-------------------------------------===//

#include "ImporterInternal.h"

#include "seq/IR/SeqDialect.h"
#include "seq/IR/SeqOps.h"

using namespace mlir;

namespace seqc::import {
namespace {

/// numpy matmul of `a` and `b` (rank >= 1); emits errors naming the node.
FailureOr<Value> matmul(NodeContext &nc, Value a, Value b) {
  auto at = cast<RankedTensorType>(a.getType());
  auto bt = cast<RankedTensorType>(b.getType());
  if (at.getRank() == 0 || bt.getRank() == 0)
    return nc.error() << "operands must have rank >= 1";
  if (at.getElementType() != bt.getElementType())
    return nc.error() << "operand element types differ (" << at.getElementType()
                      << " vs " << bt.getElementType() << ")";
  bool dropM = at.getRank() == 1, dropN = bt.getRank() == 1;
  if (dropM)
    a = nc.reshape(a, {1, at.getDimSize(0)});
  if (dropN)
    b = nc.reshape(b, {bt.getDimSize(0), 1});
  at = cast<RankedTensorType>(a.getType());
  bt = cast<RankedTensorType>(b.getType());
  int64_t k1 = at.getShape().back(), k2 = bt.getShape().end()[-2];
  if (!ShapedType::isDynamic(k1) && !ShapedType::isDynamic(k2) && k1 != k2)
    return nc.error() << "contraction dimensions differ: "
                      << shapeStr(at.getShape()) << " x "
                      << shapeStr(bt.getShape());
  FailureOr<SmallVector<int64_t>> batch = seq::broadcastShapes(
      {at.getShape().drop_back(2), bt.getShape().drop_back(2)});
  if (failed(batch))
    return nc.error() << "batch dimensions of " << shapeStr(at.getShape())
                      << " and " << shapeStr(bt.getShape())
                      << " do not broadcast";
  Value out = seq::MatMulOp::create(nc.b(), nc.loc(), a, b);
  if (dropM || dropN) {
    SmallVector<int64_t> shape(*batch);
    if (!dropM)
      shape.push_back(at.getShape().end()[-2]);
    if (!dropN)
      shape.push_back(bt.getShape().back());
    out = nc.reshape(out, shape);
  }
  return out;
}

LogicalResult convertMatMul(NodeContext &nc) {
  FailureOr<Value> out = matmul(nc, nc.input(0), nc.input(1));
  if (failed(out))
    return failure();
  nc.setOutput(0, *out);
  return success();
}

LogicalResult convertGemm(NodeContext &nc) {
  Value a = nc.input(0), b = nc.input(1), c = nc.input(2);
  if (nc.inputType(0).getRank() != 2 || nc.inputType(1).getRank() != 2)
    return nc.error() << "A and B must be 2-D, got "
                      << shapeStr(nc.inputType(0).getShape()) << " and "
                      << shapeStr(nc.inputType(1).getShape());
  if (nc.attrInt("transA", 0))
    a = nc.transpose(a, {1, 0});
  if (nc.attrInt("transB", 0))
    b = nc.transpose(b, {1, 0});
  FailureOr<Value> y = matmul(nc, a, b);
  if (failed(y))
    return failure();
  Type elt = nc.inputType(0).getElementType();
  float alpha = nc.attrFloat("alpha", 1.0f), beta = nc.attrFloat("beta", 1.0f);
  Value out = *y;
  if (alpha != 1.0f)
    out = seq::MulOp::create(nc.b(), nc.loc(), out,
                             nc.scalarConstant(elt, alpha));
  if (c && beta != 0.0f) {
    auto yt = cast<RankedTensorType>(out.getType());
    SmallVector<int64_t> shape;
    if (failed(nc.sameElementType({out, c})) ||
        failed(nc.broadcast({out, c}, shape)))
      return failure();
    if (ArrayRef<int64_t>(shape) != yt.getShape())
      return nc.error() << "C of shape " << shapeStr(nc.inputType(2).getShape())
                        << " does not broadcast to " << shapeStr(yt.getShape());
    if (beta != 1.0f)
      c = seq::MulOp::create(nc.b(), nc.loc(), c, nc.scalarConstant(elt, beta));
    out = seq::AddOp::create(nc.b(), nc.loc(), out, c);
  }
  nc.setOutput(0, out);
  return success();
}

} // namespace

void registerLinalgOps(OpRegistry &r) {
  r["MatMul"] = {convertMatMul, 2, 2};
  r["Gemm"] = {convertGemm, 2, 3};
}

} // namespace seqc::import
