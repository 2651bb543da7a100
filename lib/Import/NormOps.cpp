//===- NormOps.cpp - normalizations, reductions, softmax
//-------------------===//

#include "ImportBuilders.h"
#include "ImporterInternal.h"

#include "seq/IR/SeqDialect.h"
#include "seq/IR/SeqOps.h"

using namespace mlir;

namespace seqc::import {
namespace {

/// LayerNormalization whose Mean / InvStdDev outputs are consumed: the
/// fused seq.layer_norm has a single result, so the statistics are computed
/// with seq reductions (in f32 for narrower inputs, stash_type 1) and
/// returned with the reduced axes kept as size 1, as the spec requires.
LogicalResult convertLayerNormWithStats(NodeContext &nc, int64_t axis) {
  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  auto t = nc.inputType(0);
  Type elt = t.getElementType();
  Type f32 = b.getF32Type();
  bool widen = elt.getIntOrFloatBitWidth() < 32;
  auto toStash = [&](Value v) -> Value {
    auto vt = cast<RankedTensorType>(v.getType());
    return widen ? Value(seq::CastOp::create(b, loc, vt.clone(f32), v)) : v;
  };
  Type stash = widen ? f32 : elt;
  SmallVector<int64_t> axes, keptShape;
  for (int64_t d = 0; d < t.getRank(); ++d) {
    if (d >= axis)
      axes.push_back(d);
    keptShape.push_back(d >= axis ? 1 : t.getDimSize(d));
  }
  auto reduceMean = [&](Value v) -> Value {
    return seq::ReduceOp::create(
        b, loc, RankedTensorType::get(keptShape, stash), v,
        seq::ReduceKindAttr::get(nc.ctx(), seq::ReduceKind::mean),
        b.getDenseI64ArrayAttr(axes), b.getUnitAttr());
  };
  Value x = toStash(nc.input(0));
  Value mean = reduceMean(x);
  Value dev = seq::SubOp::create(b, loc, x, mean);
  Value var = reduceMean(seq::MulOp::create(b, loc, dev, dev));
  Value eps = nc.scalarConstant(stash, nc.attrFloat("epsilon", 1e-5f));
  Value inv = seq::ReciprocalOp::create(
      b, loc,
      seq::SqrtOp::create(b, loc, seq::AddOp::create(b, loc, var, eps)));
  Value y = seq::MulOp::create(b, loc, dev, inv);
  y = seq::MulOp::create(b, loc, y, toStash(nc.input(1)));
  if (nc.hasInput(2))
    y = seq::AddOp::create(b, loc, y, toStash(nc.input(2)));
  if (widen)
    y = seq::CastOp::create(b, loc, t, y);
  nc.setOutput(0, y);
  nc.setOutput(1, mean);
  nc.setOutput(2, inv);
  return success();
}

/// Scale (and bias) must broadcast onto x without changing its shape.
LogicalResult checkParams(NodeContext &nc, ArrayRef<unsigned> params) {
  auto x = nc.inputType(0);
  for (unsigned i : params) {
    if (!nc.hasInput(i))
      continue;
    SmallVector<int64_t> shape;
    if (failed(nc.broadcast({nc.input(0), nc.input(i)}, shape)))
      return failure();
    if (ArrayRef<int64_t>(shape) != x.getShape())
      return nc.error() << "input " << i << " of shape " << nc.inputType(i)
                        << " would broadcast the input " << x
                        << " to a larger shape";
  }
  return success();
}

LogicalResult convertLayerNorm(NodeContext &nc) {
  auto t = nc.inputType(0);
  int64_t axis = nc.attrInt("axis", -1);
  if (failed(checkFloat(nc, 0)) ||
      failed(nc.normalizeAxis(axis, t.getRank(), "axis")))
    return failure();
  SmallVector<Value> ops = {nc.input(0), nc.input(1)};
  if (nc.hasInput(2))
    ops.push_back(nc.input(2));
  if (failed(nc.sameElementType(ops)) || failed(checkParams(nc, {1, 2})))
    return failure();
  if (nc.isOutputUsed(1) || nc.isOutputUsed(2))
    return convertLayerNormWithStats(nc, axis);
  OpBuilder &b = nc.b();
  nc.setOutput(0, seq::LayerNormOp::create(
                      b, nc.loc(), t, nc.input(0), nc.input(1), nc.input(2),
                      seq::getSI64Attr(b, axis),
                      b.getF32FloatAttr(nc.attrFloat("epsilon", 1e-5f))));
  return success();
}

LogicalResult convertRMSNorm(NodeContext &nc) {
  auto t = nc.inputType(0);
  int64_t axis = nc.attrInt("axis", -1);
  if (failed(checkFloat(nc, 0)) ||
      failed(nc.normalizeAxis(axis, t.getRank(), "axis")) ||
      failed(nc.sameElementType({nc.input(0), nc.input(1)})) ||
      failed(checkParams(nc, {1})))
    return failure();
  OpBuilder &b = nc.b();
  nc.setOutput(0, seq::RMSNormOp::create(
                      b, nc.loc(), t, nc.input(0), nc.input(1),
                      seq::getSI64Attr(b, axis),
                      b.getF32FloatAttr(nc.attrFloat("epsilon", 1e-5f))));
  return success();
}

/// Reduces `input` (shaped like operand 0) with the node's axes/keepdims:
/// `axesInputOpset` is the first opset taking axes as an input.
LogicalResult reduceWithNodeAxes(NodeContext &nc, seq::ReduceKind kind,
                                 int axesInputOpset, Value input,
                                 Value &result) {
  auto t = cast<RankedTensorType>(input.getType());
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
      result = input;
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
  // Bools: max is "any", min is "all". Count the true (max) or false (min)
  // elements in i32 so empty reductions give false (max) / true (min).
  bool isBool = t.getElementType().isInteger(1) &&
                (kind == seq::ReduceKind::max || kind == seq::ReduceKind::min);
  Type i32 = b.getI32Type();
  if (isBool) {
    if (kind == seq::ReduceKind::min)
      input = seq::NotOp::create(b, nc.loc(), input);
    input = seq::CastOp::create(b, nc.loc(), t.clone(i32), input);
  }
  result = seq::ReduceOp::create(
      b, nc.loc(), t.clone(shape).clone(isBool ? i32 : t.getElementType()),
      input,
      seq::ReduceKindAttr::get(nc.ctx(), isBool ? seq::ReduceKind::sum : kind),
      b.getDenseI64ArrayAttr(axes), keep ? b.getUnitAttr() : UnitAttr());
  if (isBool) {
    Value zero = nc.scalarConstant(i32, 0);
    result = kind == seq::ReduceKind::max
                 ? Value(seq::GreaterOp::create(b, nc.loc(), result, zero))
                 : Value(seq::EqualOp::create(b, nc.loc(), result, zero));
  }
  return success();
}

/// Axes given as a run-time input: one case per set of axes.
bool runtimeAxes(NodeContext &nc, int axesInputOpset) {
  return nc.opset() >= axesInputOpset && isRuntimeInput(nc, 1);
}

template <seq::ReduceKind kind, int axesInputOpset>
LogicalResult convertReduce(NodeContext &nc) {
  if (runtimeAxes(nc, axesInputOpset))
    return switchOnAxes(nc, convertReduce<kind, axesInputOpset>, 1,
                        nc.inputType(0).getRank(), "axes");
  Value out;
  if (failed(reduceWithNodeAxes(nc, kind, axesInputOpset, nc.input(0), out)))
    return failure();
  nc.setOutput(0, out);
  return success();
}

/// ReduceSumSquare/L1/L2/LogSum/LogSumExp: an elementwise pre-map, a sum,
/// an elementwise post-map (all opset 18 ops take axes as an input).
enum class SumReduce { SumSquare, L1, L2, LogSum, LogSumExp };
template <SumReduce which> LogicalResult convertSumReduce(NodeContext &nc) {
  if (runtimeAxes(nc, 18))
    return switchOnAxes(nc, convertSumReduce<which>, 1,
                        nc.inputType(0).getRank(), "axes");
  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  Value x = nc.input(0);
  bool needsFloat = which == SumReduce::L2 || which == SumReduce::LogSum ||
                    which == SumReduce::LogSumExp;
  if (needsFloat && failed(checkFloat(nc, 0)))
    return failure();
  if (which == SumReduce::SumSquare || which == SumReduce::L2)
    x = seq::MulOp::create(b, loc, x, x);
  else if (which == SumReduce::L1)
    x = seq::AbsOp::create(b, loc, x);
  else if (which == SumReduce::LogSumExp)
    x = seq::ExpOp::create(b, loc, x);
  Value out;
  if (failed(reduceWithNodeAxes(nc, seq::ReduceKind::sum, 18, x, out)))
    return failure();
  if (which == SumReduce::L2)
    out = seq::SqrtOp::create(b, loc, out);
  else if (which == SumReduce::LogSum || which == SumReduce::LogSumExp)
    out = seq::LogOp::create(b, loc, out);
  nc.setOutput(0, out);
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
  nc.setOutput(0,
               seq::SoftmaxOp::create(b, nc.loc(), t, nc.input(0), axis, log));
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
  r["ReduceSumSquare"] = {convertSumReduce<SumReduce::SumSquare>, 1, 2};
  r["ReduceL1"] = {convertSumReduce<SumReduce::L1>, 1, 2};
  r["ReduceL2"] = {convertSumReduce<SumReduce::L2>, 1, 2};
  r["ReduceLogSum"] = {convertSumReduce<SumReduce::LogSum>, 1, 2};
  r["ReduceLogSumExp"] = {convertSumReduce<SumReduce::LogSumExp>, 1, 2};
  r["Softmax"] = {convertSoftmax<false>, 1, 1};
  r["LogSoftmax"] = {convertSoftmax<true>, 1, 1};
}

} // namespace seqc::import
