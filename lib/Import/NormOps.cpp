//===- NormOps.cpp - normalizations, reductions, softmax
//-------------------===//

#include "ImporterInternal.h"

#include "seq/IR/SeqDialect.h"
#include "seq/IR/SeqOps.h"

using namespace mlir;

namespace seqc::import {
namespace {

LogicalResult checkFloat(NodeContext &nc, unsigned i) {
  Type elt = nc.inputType(i).getElementType();
  if (!isa<FloatType>(elt))
    return nc.error() << "expects a floating-point input " << i << ", got "
                      << elt;
  return success();
}

LogicalResult convertLayerNorm(NodeContext &nc) {
  for (unsigned i = 1; i < 3; ++i)
    if (nc.isOutputUsed(i))
      return nc.error() << "output " << i << " ('" << nc.node().output(i)
                        << "', Mean/InvStdDev) is not supported";
  auto t = nc.inputType(0);
  int64_t axis = nc.attrInt("axis", -1);
  if (failed(checkFloat(nc, 0)) ||
      failed(nc.normalizeAxis(axis, t.getRank(), "axis")))
    return failure();
  SmallVector<Value> ops = {nc.input(0), nc.input(1)};
  if (nc.hasInput(2))
    ops.push_back(nc.input(2));
  if (failed(nc.sameElementType(ops)))
    return failure();
  OpBuilder &b = nc.b();
  nc.setOutput(0, seq::LayerNormOp::create(
                      b, nc.loc(), t, nc.input(0), nc.input(1), nc.input(2),
                      b.getI64IntegerAttr(axis),
                      b.getF32FloatAttr(nc.attrFloat("epsilon", 1e-5f))));
  return success();
}

LogicalResult convertRMSNorm(NodeContext &nc) {
  auto t = nc.inputType(0);
  int64_t axis = nc.attrInt("axis", -1);
  if (failed(checkFloat(nc, 0)) ||
      failed(nc.normalizeAxis(axis, t.getRank(), "axis")) ||
      failed(nc.sameElementType({nc.input(0), nc.input(1)})))
    return failure();
  OpBuilder &b = nc.b();
  nc.setOutput(0, seq::RMSNormOp::create(
                      b, nc.loc(), t, nc.input(0), nc.input(1),
                      b.getI64IntegerAttr(axis),
                      b.getF32FloatAttr(nc.attrFloat("epsilon", 1e-5f))));
  return success();
}

/// ReduceX: `axesInputOpset` is the first opset taking axes as an input.
template <seq::ReduceKind kind, int axesInputOpset>
LogicalResult convertReduce(NodeContext &nc) {
  auto t = nc.inputType(0);
  int64_t r = t.getRank();
  SmallVector<int64_t> axes;
  if (nc.opset() >= axesInputOpset) {
    if (nc.hasInput(1) && failed(nc.constInts(1, axes, "axes")))
      return failure();
  } else {
    if (nc.numInputs() > 1)
      return nc.error() << "takes axes as an attribute before opset "
                        << axesInputOpset;
    if (auto a = nc.attrInts("axes"))
      axes = *a;
  }
  bool keep = nc.attrInt("keepdims", 1) != 0;
  if (axes.empty()) {
    if (nc.attrInt("noop_with_empty_axes", 0)) {
      nc.setOutput(0, nc.input(0));
      return success();
    }
    for (int64_t i = 0; i < r; ++i)
      axes.push_back(i);
  }
  SmallVector<bool> reduced(r, false);
  for (int64_t &a : axes) {
    if (failed(nc.normalizeAxis(a, r, "axis")))
      return failure();
    if (reduced[a])
      return nc.error() << "duplicate axis " << a;
    reduced[a] = true;
  }
  llvm::sort(axes);
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < r; ++i) {
    if (!reduced[i])
      shape.push_back(t.getDimSize(i));
    else if (keep)
      shape.push_back(1);
  }
  OpBuilder &b = nc.b();
  nc.setOutput(0,
               seq::ReduceOp::create(b, nc.loc(), t.clone(shape), nc.input(0),
                                     seq::ReduceKindAttr::get(nc.ctx(), kind),
                                     b.getDenseI64ArrayAttr(axes),
                                     keep ? b.getUnitAttr() : UnitAttr()));
  return success();
}

template <bool log> LogicalResult convertSoftmax(NodeContext &nc) {
  auto t = nc.inputType(0);
  int64_t axis = nc.attrInt("axis", nc.opset() < 13 ? 1 : -1);
  if (failed(checkFloat(nc, 0)) ||
      failed(nc.normalizeAxis(axis, t.getRank(), "axis")))
    return failure();
  if (nc.opset() < 13 && axis != t.getRank() - 1)
    return nc.error() << "opset " << nc.opset()
                      << " (flattening) semantics with axis " << axis
                      << " != rank - 1 are not supported";
  OpBuilder &b = nc.b();
  nc.setOutput(0, seq::SoftmaxOp::create(b, nc.loc(), t, nc.input(0),
                                         b.getI64IntegerAttr(axis),
                                         log ? b.getUnitAttr() : UnitAttr()));
  return success();
}

} // namespace

void registerNormOps(OpRegistry &r) {
  r["LayerNormalization"] = {convertLayerNorm, 2, 3};
  r["RMSNormalization"] = {convertRMSNorm, 2, 2};
  r["ReduceMean"] = {convertReduce<seq::ReduceKind::mean, 18>, 1, 2};
  r["ReduceSum"] = {convertReduce<seq::ReduceKind::sum, 13>, 1, 2};
  r["ReduceMax"] = {convertReduce<seq::ReduceKind::max, 18>, 1, 2};
  r["ReduceMin"] = {convertReduce<seq::ReduceKind::min, 18>, 1, 2};
  r["ReduceProd"] = {convertReduce<seq::ReduceKind::prod, 18>, 1, 2};
  r["Softmax"] = {convertSoftmax<false>, 1, 1};
  r["LogSoftmax"] = {convertSoftmax<true>, 1, 1};
}

} // namespace seqc::import
