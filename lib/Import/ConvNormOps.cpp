//===- ConvNormOps.cpp - Conv and per-channel normalizations --------------===//
//
// Conv becomes seq.conv with explicit pads (auto_pad resolved here).
// BatchNormalization, InstanceNormalization and GroupNormalization are
// composed from seq.layer_norm / seq.reduce and elementwise ops with the
// per-channel parameters reshaped to [C, 1, ..., 1].
//
//===----------------------------------------------------------------------===//

#include "ImportBuilders.h"
#include "ImporterInternal.h"

#include "seq/IR/SeqDialect.h"
#include "seq/IR/SeqOps.h"

using namespace mlir;

namespace seqc::import {
namespace {

/// Checks x is a static float [N, C, ...] tensor of rank >= `minRank`.
LogicalResult checkNCX(NodeContext &nc, int64_t minRank) {
  auto t = nc.inputType(0);
  if (!isa<FloatType>(t.getElementType()))
    return nc.error() << "expects a floating-point input, got "
                      << t.getElementType();
  if (t.getRank() < minRank || !t.hasStaticShape())
    return nc.error() << "expects a static input of rank >= " << minRank
                      << ", got " << shapeStr(t.getShape());
  return success();
}

/// A per-channel parameter (input `i`, `n` elements) reshaped to
/// [n, 1, ..., 1] so that it broadcasts against [N, C, spatial...].
FailureOr<Value> channelParam(NodeContext &nc, unsigned i, int64_t n,
                              int64_t rank, StringRef what) {
  auto t = nc.inputType(i);
  if (t.getNumElements() != n ||
      t.getElementType() != nc.inputType(0).getElementType())
    return nc.error() << what << " (input " << i << ") of type " << typeStr(t)
                      << " should hold " << n << " elements of "
                      << nc.inputType(0).getElementType();
  SmallVector<int64_t> shape(rank - 1, 1);
  shape[0] = n;
  return nc.reshape(nc.input(i), shape);
}

/// `x * scale + bias` with [C,1..] parameters.
Value scaleShift(NodeContext &nc, Value x, Value scale, Value bias) {
  OpBuilder &b = nc.b();
  Value y = seq::MulOp::create(b, nc.loc(), x, scale);
  return seq::AddOp::create(b, nc.loc(), y, bias);
}

/// Normalizes `x` over dims [axis, rank) (zero mean, unit variance).
Value normalize(NodeContext &nc, Value x, int64_t axis, float eps) {
  OpBuilder &b = nc.b();
  auto t = cast<RankedTensorType>(x.getType());
  Value one = nc.scalarConstant(t.getElementType(), 1.0);
  return seq::LayerNormOp::create(b, nc.loc(), t, x, one, Value(),
                                  seq::getSI64Attr(b, axis),
                                  b.getF32FloatAttr(eps));
}

LogicalResult convertBatchNorm(NodeContext &nc) {
  if (failed(checkNCX(nc, 2)))
    return failure();
  auto t = nc.inputType(0);
  int64_t rank = t.getRank(), c = t.getDimSize(1);
  Type elt = t.getElementType();
  float eps = nc.attrFloat("epsilon", 1e-5f);
  bool training = nc.attrInt("training_mode", 0) != 0;
  if (nc.opset() < 9 && nc.attrInt("is_test", 0) == 0)
    training = true;
  if (nc.opset() < 9 && !nc.attrInt("spatial", 1))
    return nc.error() << "spatial = 0 is not supported";
  SmallVector<Value> p;
  const char *names[] = {"scale", "B", "input_mean", "input_var"};
  for (unsigned i = 1; i < 5; ++i) {
    FailureOr<Value> v = channelParam(nc, i, c, rank, names[i - 1]);
    if (failed(v))
      return failure();
    p.push_back(*v);
  }
  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  Value x = nc.input(0);
  Value mean = p[2], var = p[3];
  if (training) {
    // Batch statistics over every dim but C (population variance).
    SmallVector<int64_t> axes{0}, kept(rank, 1);
    for (int64_t i = 2; i < rank; ++i)
      axes.push_back(i);
    kept[1] = c;
    auto keptType = t.clone(kept);
    auto kind = [&](seq::ReduceKind k) {
      return seq::ReduceKindAttr::get(nc.ctx(), k);
    };
    Value m =
        seq::ReduceOp::create(b, loc, keptType, x, kind(seq::ReduceKind::mean),
                              b.getDenseI64ArrayAttr(axes), b.getUnitAttr());
    Value d = seq::SubOp::create(b, loc, x, m);
    Value v = seq::ReduceOp::create(
        b, loc, keptType, seq::MulOp::create(b, loc, d, d),
        kind(seq::ReduceKind::mean), b.getDenseI64ArrayAttr(axes),
        b.getUnitAttr());
    m = nc.reshape(m, cast<RankedTensorType>(p[2].getType()).getShape());
    v = nc.reshape(v, cast<RankedTensorType>(p[3].getType()).getShape());
    float momentum = nc.attrFloat("momentum", 0.9f);
    Value mom = nc.scalarConstant(elt, momentum);
    Value rest = nc.scalarConstant(elt, 1.0 - momentum);
    auto running = [&](Value old, Value cur) {
      Value r = seq::AddOp::create(b, loc, seq::MulOp::create(b, loc, old, mom),
                                   seq::MulOp::create(b, loc, cur, rest));
      return nc.reshape(r, {c});
    };
    if (nc.numOutputs() > 1)
      nc.setOutput(1, running(p[2], m));
    if (nc.numOutputs() > 2)
      nc.setOutput(2, running(p[3], v));
    mean = m;
    var = v;
  } else {
    for (unsigned i = 1; i < nc.numOutputs(); ++i)
      if (nc.isOutputUsed(i))
        return nc.error() << "output " << i
                          << " is only defined in training mode";
  }
  Value invStd = seq::ReciprocalOp::create(
      b, loc,
      seq::SqrtOp::create(
          b, loc,
          seq::AddOp::create(b, loc, var, nc.scalarConstant(elt, eps))));
  Value s = seq::MulOp::create(b, loc, p[0], invStd);
  Value y = seq::SubOp::create(b, loc, x, mean);
  nc.setOutput(0, scaleShift(nc, y, s, p[1]));
  return success();
}

LogicalResult convertInstanceNorm(NodeContext &nc) {
  if (failed(checkNCX(nc, 3)))
    return failure();
  auto t = nc.inputType(0);
  int64_t rank = t.getRank(), c = t.getDimSize(1);
  FailureOr<Value> s = channelParam(nc, 1, c, rank, "scale");
  if (failed(s))
    return failure();
  FailureOr<Value> bias = channelParam(nc, 2, c, rank, "B");
  if (failed(bias))
    return failure();
  Value y = normalize(nc, nc.input(0), 2, nc.attrFloat("epsilon", 1e-5f));
  nc.setOutput(0, scaleShift(nc, y, *s, *bias));
  return success();
}

LogicalResult convertGroupNorm(NodeContext &nc) {
  if (failed(checkNCX(nc, 3)))
    return failure();
  auto t = nc.inputType(0);
  int64_t rank = t.getRank(), n = t.getDimSize(0), c = t.getDimSize(1);
  int64_t g = nc.attrInt("num_groups", -1);
  if (g < 1 || c % g)
    return nc.error() << "num_groups = " << g << " does not divide " << c
                      << " channels";
  // Before opset 21 scale and bias are per group: repeat them per channel.
  int64_t pn = nc.opset() < 21 ? g : c;
  FailureOr<Value> s = channelParam(nc, 1, pn, 2, "scale");
  if (failed(s))
    return failure();
  FailureOr<Value> bias = channelParam(nc, 2, pn, 2, "bias");
  if (failed(bias))
    return failure();
  auto perChannel = [&](Value v) {
    if (pn != c) {
      auto vt = cast<RankedTensorType>(v.getType());
      v = nc.reshape(v, {g, 1});
      v = seq::BroadcastOp::create(nc.b(), nc.loc(), vt.clone({g, c / g}), v);
    }
    SmallVector<int64_t> shape(rank - 1, 1);
    shape[0] = c;
    return nc.reshape(v, shape);
  };
  Value x = nc.reshape(nc.input(0), {n, g, t.getNumElements() / (n * g)});
  Value y = normalize(nc, x, 2, nc.attrFloat("epsilon", 1e-5f));
  y = nc.reshape(y, t.getShape());
  nc.setOutput(0, scaleShift(nc, y, perChannel(*s), perChannel(*bias)));
  return success();
}

LogicalResult convertConv(NodeContext &nc) {
  if (failed(checkNCX(nc, 3)))
    return failure();
  auto xt = nc.inputType(0), wt = nc.inputType(1);
  int64_t rank = xt.getRank(), sdims = rank - 2;
  if (failed(checkConvWeight(nc)))
    return failure();
  SmallVector<int64_t> strides = attrIntsOr(nc, "strides", sdims, 1),
                       dilations = attrIntsOr(nc, "dilations", sdims, 1),
                       pads = attrIntsOr(nc, "pads", 2 * sdims, 0),
                       kernel = attrIntsOr(nc, "kernel_shape", sdims, 0);
  if ((int64_t)strides.size() != sdims || (int64_t)dilations.size() != sdims ||
      (int64_t)pads.size() != 2 * sdims || (int64_t)kernel.size() != sdims)
    return nc.error() << "strides, dilations, kernel_shape need " << sdims
                      << " entries and pads " << 2 * sdims;
  for (int64_t i = 0; i < sdims; ++i)
    if (kernel[i] != 0 && kernel[i] != wt.getDimSize(2 + i))
      return nc.error() << "kernel_shape does not match weight "
                        << shapeStr(wt.getShape());
  std::string autoPad = nc.attrString("auto_pad", "NOTSET");
  if (autoPad == "VALID") {
    pads.assign(2 * sdims, 0);
  } else if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    for (int64_t i = 0; i < sdims; ++i) {
      int64_t in = xt.getDimSize(2 + i), k = wt.getDimSize(2 + i);
      int64_t out = (in + strides[i] - 1) / strides[i];
      int64_t total = std::max<int64_t>(0, (out - 1) * strides[i] +
                                               (k - 1) * dilations[i] + 1 - in);
      int64_t small = total / 2, big = total - small;
      pads[i] = autoPad == "SAME_UPPER" ? small : big;
      pads[sdims + i] = autoPad == "SAME_UPPER" ? big : small;
    }
  } else if (autoPad != "NOTSET") {
    return nc.error() << "unknown auto_pad '" << autoPad << "'";
  }
  int64_t group = nc.attrInt("group", 1);
  int64_t c = xt.getDimSize(1), m = wt.getDimSize(0);
  if (group < 1 || c % group || m % group || wt.getDimSize(1) != c / group)
    return nc.error() << "group = " << group << " does not fit input "
                      << shapeStr(xt.getShape()) << " and weight "
                      << shapeStr(wt.getShape());
  SmallVector<int64_t> shape{xt.getDimSize(0), m};
  for (int64_t i = 0; i < sdims; ++i) {
    int64_t span = xt.getDimSize(2 + i) + pads[i] + pads[sdims + i] -
                   dilations[i] * (wt.getDimSize(2 + i) - 1) - 1;
    if (span < 0 || strides[i] < 1 || dilations[i] < 1)
      return nc.error() << "kernel " << shapeStr(wt.getShape())
                        << " does not fit input " << shapeStr(xt.getShape());
    shape.push_back(span / strides[i] + 1);
  }
  if (failed(checkBias(nc, 2, m, xt.getElementType())))
    return failure();
  Value bias = nc.input(2);
  OpBuilder &b = nc.b();
  nc.setOutput(
      0, seq::ConvOp::create(
             b, nc.loc(), xt.clone(shape), nc.input(0), nc.input(1), bias,
             b.getDenseI64ArrayAttr(strides), b.getDenseI64ArrayAttr(dilations),
             b.getDenseI64ArrayAttr(pads), b.getI64IntegerAttr(group)));
  return success();
}

} // namespace

void registerConvNormOps(OpRegistry &r) {
  r["BatchNormalization"] = {convertBatchNorm, 5, 5};
  r["InstanceNormalization"] = {convertInstanceNorm, 3, 3};
  r["GroupNormalization"] = {convertGroupNorm, 3, 3};
  r["Conv"] = {convertConv, 2, 3};
}

} // namespace seqc::import
