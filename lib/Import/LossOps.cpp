//===- LossOps.cpp - NegativeLogLikelihoodLoss and friends
//------------------===//
//
// ONNX NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss, LpNormalization,
// MeanVarianceNormalization, as compositions of seq ops (the way their ONNX
// function bodies expand): the picked log-probabilities are one
// seq.gather_elements along the class axis, weights one seq.gather, and
// ignore_index a select mask.
//
//===----------------------------------------------------------------------===//

#include "ImportBuilders.h"
#include "ImporterInternal.h"

#include "seq/IR/SeqDialect.h"
#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;

namespace seqc::import {
namespace {

/// Sum of every element, as a rank-0 tensor.
Value reduceAll(NodeContext &nc, Value v, seq::ReduceKind kind) {
  auto t = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> axes;
  for (int64_t d = 0; d < t.getRank(); ++d)
    axes.push_back(d);
  return reduce(nc, v, kind, axes, /*keep=*/false);
}

/// The NLL loss of log-probabilities `logp` [N, C, d...] at integer `target`
/// [N, d...], with optional class weights [C] (input `weightIdx`, or none
/// when negative), ignore_index and reduction from the node's attributes.
FailureOr<Value> nllLoss(NodeContext &nc, Value logp, Value target,
                         int weightIdx) {
  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  auto lt = cast<RankedTensorType>(logp.getType());
  auto tt = cast<RankedTensorType>(target.getType());
  Type elt = lt.getElementType();
  if (!lt.hasStaticShape() || !tt.hasStaticShape())
    return nc.error() << "needs static shapes, got " << shapeStr(lt.getShape())
                      << " and " << shapeStr(tt.getShape());
  int64_t rank = lt.getRank();
  if (rank < 2)
    return nc.error() << "input must have rank >= 2 ([N, C, d...]), got "
                      << shapeStr(lt.getShape());
  SmallVector<int64_t> outShape(lt.getShape());
  int64_t c = outShape[1];
  outShape.erase(outShape.begin() + 1);
  if (tt.getShape() != ArrayRef<int64_t>(outShape))
    return nc.error() << "target of shape " << shapeStr(tt.getShape())
                      << " does not match input " << shapeStr(lt.getShape())
                      << " (expected " << shapeStr(outShape) << ")";
  if (!isa<IntegerType>(tt.getElementType()))
    return nc.error() << "target must be an integer tensor, got "
                      << tt.getElementType();
  std::string red = nc.attrString("reduction", "mean");
  if (red != "none" && red != "sum" && red != "mean")
    return nc.error() << "unsupported reduction '" << red << "'";

  Type i64 = b.getI64Type();
  if (tt.getElementType() != i64)
    target = seq::CastOp::create(b, loc, tt.clone(i64), target);
  // Ignored targets may lie outside [0, C): index class 0 and weight 0.
  Value ignored;
  if (nc.attr("ignore_index")) {
    ignored = seq::EqualOp::create(
        b, loc, target, nc.scalarConstant(i64, nc.attrInt("ignore_index", 0)));
    target = seq::SelectOp::create(b, loc, ignored, nc.scalarConstant(i64, 0),
                                   target);
  }
  SmallVector<int64_t> idxShape(outShape);
  idxShape.insert(idxShape.begin() + 1, 1);
  Value idx = nc.reshape(target, idxShape);
  Value picked =
      seq::GatherElementsOp::create(b, loc, lt.clone(idxShape), logp, idx, 1);
  picked = nc.reshape(picked, outShape);
  Value loss = seq::NegOp::create(b, loc, picked);

  Value w;
  if (weightIdx >= 0 && nc.hasInput(weightIdx)) {
    auto wt = nc.inputType(weightIdx);
    if (wt.getRank() != 1 || wt.getDimSize(0) != c)
      return nc.error() << "weight of shape " << shapeStr(wt.getShape())
                        << " must be [" << c << "]";
    if (wt.getElementType() != elt)
      return nc.error() << "weight element type " << wt.getElementType()
                        << " differs from the input's " << elt;
    w = seq::GatherOp::create(b, loc, lt.clone(outShape), nc.input(weightIdx),
                              target, 0);
  }
  if (ignored) {
    Value zero = nc.scalarConstant(elt, 0.0);
    if (!w)
      w = seq::SelectOp::create(
          b, loc, ignored, zero,
          seq::BroadcastOp::create(b, loc, lt.clone(outShape),
                                   nc.scalarConstant(elt, 1.0)));
    else
      w = seq::SelectOp::create(b, loc, ignored, zero, w);
  }
  if (w)
    loss = seq::MulOp::create(b, loc, loss, w);

  if (red == "none")
    return loss;
  if (red == "sum")
    return reduceAll(nc, loss, seq::ReduceKind::sum);
  if (!w)
    return reduceAll(nc, loss, seq::ReduceKind::mean);
  // Weighted mean: divide by the total weight of the counted targets.
  return Value(seq::DivOp::create(b, loc,
                                  reduceAll(nc, loss, seq::ReduceKind::sum),
                                  reduceAll(nc, w, seq::ReduceKind::sum)));
}

LogicalResult convertNLLLoss(NodeContext &nc) {
  if (failed(checkFloat(nc, 0)))
    return failure();
  FailureOr<Value> loss = nllLoss(nc, nc.input(0), nc.input(1), 2);
  if (failed(loss))
    return failure();
  nc.setOutput(0, *loss);
  return success();
}

LogicalResult convertSCELoss(NodeContext &nc) {
  if (failed(checkFloat(nc, 0)))
    return failure();
  auto t = nc.inputType(0);
  if (t.getRank() < 2)
    return nc.error() << "scores must have rank >= 2 ([N, C, d...]), got "
                      << shapeStr(t.getShape());
  OpBuilder &b = nc.b();
  Value logp = seq::SoftmaxOp::create(b, nc.loc(), t, nc.input(0),
                                      /*axis=*/1, /*log=*/true);
  FailureOr<Value> loss = nllLoss(nc, logp, nc.input(1), 2);
  if (failed(loss))
    return failure();
  nc.setOutput(0, *loss);
  if (nc.numOutputs() > 1)
    nc.setOutput(1, logp);
  return success();
}

LogicalResult convertLpNormalization(NodeContext &nc) {
  if (failed(checkFloat(nc, 0)))
    return failure();
  auto t = nc.inputType(0);
  int64_t axis = nc.attrInt("axis", -1);
  if (t.getRank() == 0)
    return nc.error() << "input must have rank >= 1";
  if (failed(nc.normalizeAxis(axis, t.getRank(), "axis")))
    return failure();
  int64_t p = nc.attrInt("p", 2);
  if (p != 1 && p != 2)
    return nc.error() << "p must be 1 or 2, got " << p;
  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  Value x = nc.input(0);
  Value norm;
  if (p == 1) {
    norm = reduce(nc, seq::AbsOp::create(b, loc, x), seq::ReduceKind::sum,
                  {axis}, true);
  } else {
    norm = seq::SqrtOp::create(b, loc,
                               reduce(nc, seq::MulOp::create(b, loc, x, x),
                                      seq::ReduceKind::sum, {axis}, true));
  }
  // A zero norm (an all-zero slice) divides by 1: the result is 0, not NaN.
  Type elt = nc.inputType(0).getElementType();
  Value isZero =
      seq::EqualOp::create(b, loc, norm, nc.scalarConstant(elt, 0.0));
  norm =
      seq::SelectOp::create(b, loc, isZero, nc.scalarConstant(elt, 1.0), norm);
  nc.setOutput(0, seq::DivOp::create(b, loc, x, norm));
  return success();
}

LogicalResult convertMVN(NodeContext &nc) {
  if (failed(checkFloat(nc, 0)))
    return failure();
  auto t = nc.inputType(0);
  SmallVector<int64_t> axes{0, 2, 3};
  if (auto a = nc.attrInts("axes"))
    axes = *a;
  for (int64_t &a : axes)
    if (failed(nc.normalizeAxis(a, t.getRank(), "axes")))
      return failure();
  llvm::sort(axes);
  if (std::adjacent_find(axes.begin(), axes.end()) != axes.end())
    return nc.error() << "axes are repeated";
  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  Type elt = t.getElementType();
  Value x = nc.input(0);
  // The ONNX function body: (x - E[x]) / (sqrt(E[x^2] - E[x]^2) + 1e-9).
  Value mean = reduce(nc, x, seq::ReduceKind::mean, axes, true);
  Value meanSq = reduce(nc, seq::MulOp::create(b, loc, x, x),
                        seq::ReduceKind::mean, axes, true);
  Value var = seq::SubOp::create(b, loc, meanSq,
                                 seq::MulOp::create(b, loc, mean, mean));
  Value sd = seq::AddOp::create(b, loc, seq::SqrtOp::create(b, loc, var),
                                nc.scalarConstant(elt, 1e-9));
  nc.setOutput(
      0, seq::DivOp::create(b, loc, seq::SubOp::create(b, loc, x, mean), sd));
  return success();
}

} // namespace

void registerLossOps(OpRegistry &r) {
  r["NegativeLogLikelihoodLoss"] = {convertNLLLoss, 2, 3};
  r["SoftmaxCrossEntropyLoss"] = {convertSCELoss, 2, 3};
  r["LpNormalization"] = {convertLpNormalization, 1, 1};
  r["MeanVarianceNormalization"] = {convertMVN, 1, 1};
}

} // namespace seqc::import
