//===- PadOps.cpp - ONNX Pad ----------------------------------------------===//
//
// Pad with constant pads, one axis at a time: negative pads crop
// (tensor.extract_slice), positive pads concatenate (tensor.concat) a splat
// constant (mode constant), copies of the border slice (edge), mirrored
// single slices (reflect) or the opposite border block (wrap).
//
//===----------------------------------------------------------------------===//

#include "ImportBuilders.h"
#include "ImporterInternal.h"

#include "seq/IR/SeqDialect.h"
#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace seqc::import {
namespace {

LogicalResult convertPad(NodeContext &nc) {
  auto t = nc.inputType(0);
  int64_t rank = t.getRank();
  if (!t.hasStaticShape())
    return nc.error() << "input of dynamic shape " << shapeStr(t.getShape())
                      << " is not supported";
  std::string mode = nc.attrString("mode", "constant");
  SmallVector<int64_t> pads, axes;
  double value = 0.0;
  Value valueTensor;
  if (nc.opset() < 11) {
    auto p = nc.attrInts("pads");
    if (!p)
      return nc.error() << "missing required attribute 'pads'";
    pads = *p;
    value = nc.attrFloat("value", 0.0f);
  } else {
    if (failed(nc.constInts(1, pads, "pads")))
      return failure();
    if (nc.hasInput(2)) {
      std::optional<double> c = nc.constScalar(2);
      if (c)
        value = *c;
      else if (mode == "constant")
        valueTensor = nc.input(2);
    }
    if (nc.hasInput(3) && failed(nc.constInts(3, axes, "axes")))
      return failure();
  }
  if (axes.empty())
    for (int64_t d = 0; d < rank; ++d)
      axes.push_back(d);
  if (pads.size() != 2 * axes.size())
    return nc.error() << "pads has " << pads.size() << " entries; expected "
                      << 2 * axes.size() << " (two per padded axis)";
  if (mode != "constant" && mode != "edge" && mode != "reflect" &&
      mode != "wrap")
    return nc.error() << "unsupported mode '" << mode << "'";
  Type elt = t.getElementType();
  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  Value x = nc.input(0);
  size_t n = axes.size();
  for (size_t k = 0; k < n; ++k) {
    int64_t axis = axes[k];
    if (failed(nc.normalizeAxis(axis, rank, "axis")))
      return failure();
    int64_t lo = pads[k], hi = pads[k + n];
    auto xt = cast<RankedTensorType>(x.getType());
    int64_t dim = xt.getDimSize(axis);
    // Crop first (negative pads).
    int64_t cropLo = lo < 0 ? -lo : 0, cropHi = hi < 0 ? -hi : 0;
    if (cropLo + cropHi > dim)
      return nc.error() << "pads crop " << cropLo + cropHi
                        << " elements from axis " << axis << " of size " << dim;
    if (cropLo || cropHi) {
      x = sliceAxis(nc, x, axis, cropLo, dim - cropLo - cropHi);
      dim -= cropLo + cropHi;
      xt = cast<RankedTensorType>(x.getType());
    }
    lo = std::max<int64_t>(lo, 0);
    hi = std::max<int64_t>(hi, 0);
    if (!lo && !hi)
      continue;
    if (mode != "constant" && dim == 0)
      return nc.error() << "mode '" << mode << "' cannot pad empty axis "
                        << axis;
    if (mode == "reflect" && (lo >= dim || hi >= dim))
      return nc.error() << "reflect pads (" << lo << ", " << hi
                        << ") must be smaller than axis " << axis << " of size "
                        << dim;
    if (mode == "wrap" && (lo > dim || hi > dim))
      return nc.error() << "wrap pads (" << lo << ", " << hi << ") exceed axis "
                        << axis << " of size " << dim;
    auto block = [&](int64_t size) -> Value {
      SmallVector<int64_t> shape(xt.getShape());
      shape[axis] = size;
      auto bt = xt.clone(shape);
      if (valueTensor)
        return seq::BroadcastOp::create(b, loc, bt, valueTensor);
      Attribute a;
      if (auto ft = dyn_cast<FloatType>(elt))
        a = FloatAttr::get(ft, value);
      else
        a = IntegerAttr::get(elt, static_cast<int64_t>(value));
      return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(bt, a));
    };
    SmallVector<Value> parts;
    if (mode == "constant") {
      if (lo)
        parts.push_back(block(lo));
      parts.push_back(x);
      if (hi)
        parts.push_back(block(hi));
    } else if (mode == "edge") {
      Value first = sliceAxis(nc, x, axis, 0, 1);
      Value last = sliceAxis(nc, x, axis, dim - 1, 1);
      parts.append(lo, first);
      parts.push_back(x);
      parts.append(hi, last);
    } else if (mode == "reflect") {
      for (int64_t i = lo; i >= 1; --i)
        parts.push_back(sliceAxis(nc, x, axis, i, 1));
      parts.push_back(x);
      for (int64_t i = 1; i <= hi; ++i)
        parts.push_back(sliceAxis(nc, x, axis, dim - 1 - i, 1));
    } else { // wrap
      if (lo)
        parts.push_back(sliceAxis(nc, x, axis, dim - lo, lo));
      parts.push_back(x);
      if (hi)
        parts.push_back(sliceAxis(nc, x, axis, 0, hi));
    }
    x = tensor::ConcatOp::create(b, loc, axis, parts);
  }
  nc.setOutput(0, x);
  return success();
}

} // namespace

void registerPadOps(OpRegistry &r) { r["Pad"] = {convertPad, 1, 4}; }

} // namespace seqc::import
