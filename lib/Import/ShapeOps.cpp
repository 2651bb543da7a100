//===- ShapeOps.cpp - shape-manipulating ONNX ops
//--------------------------===//

#include "ImporterInternal.h"

#include "seq/IR/SeqDialect.h"
#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <climits>
#include <functional>

using namespace mlir;

namespace seqc::import {
namespace {

bool isDyn(int64_t d) { return ShapedType::isDynamic(d); }

/// Product of `dims`, or kDynamic when one is dynamic.
int64_t product(ArrayRef<int64_t> dims) {
  int64_t p = 1;
  for (int64_t d : dims) {
    if (isDyn(d))
      return ShapedType::kDynamic;
    p *= d;
  }
  return p;
}

/// Non-rank-reducing tensor.extract_slice; `sizes` entries that are dynamic
/// take the whole (dynamic) source dim.
Value extractSlice(NodeContext &nc, Value src, ArrayRef<int64_t> offsets,
                   ArrayRef<int64_t> sizes, ArrayRef<int64_t> strides) {
  auto t = cast<RankedTensorType>(src.getType());
  OpBuilder &b = nc.b();
  SmallVector<OpFoldResult> offs, szs, strs;
  for (size_t i = 0; i < sizes.size(); ++i) {
    // An empty slice may start at the end (or past it, clamped by ONNX);
    // tensor.extract_slice wants in-bounds offsets, and any offset is the
    // same empty result.
    offs.push_back(b.getIndexAttr(sizes[i] == 0 ? 0 : offsets[i]));
    strs.push_back(b.getIndexAttr(strides[i]));
    if (isDyn(sizes[i]))
      szs.push_back(tensor::DimOp::create(b, nc.loc(), src, i).getResult());
    else
      szs.push_back(b.getIndexAttr(sizes[i]));
  }
  auto type = RankedTensorType::get(sizes, t.getElementType());
  if (llvm::is_contained(sizes, 0)) // empty: no slice of a (maybe empty) dim
    return arith::ConstantOp::create(
        b, nc.loc(),
        DenseElementsAttr::get(type, b.getZeroAttr(t.getElementType())));
  return tensor::ExtractSliceOp::create(b, nc.loc(), type, src, offs, szs,
                                        strs);
}

LogicalResult convertReshape(NodeContext &nc) {
  SmallVector<int64_t> spec;
  if (failed(nc.constInts(1, spec, "shape")))
    return failure();
  auto t = nc.inputType(0);
  bool allowZero = nc.attrInt("allowzero", 0) != 0;
  SmallVector<int64_t> out;
  int inferred = -1;
  for (auto [i, s] : llvm::enumerate(spec)) {
    if (s == 0 && !allowZero) {
      if (static_cast<int64_t>(i) >= t.getRank())
        return nc.error() << "shape entry " << i
                          << " is 0 (copy) but the input has rank "
                          << t.getRank();
      out.push_back(t.getDimSize(i));
    } else if (s == -1) {
      if (inferred >= 0)
        return nc.error() << "shape " << shapeStr(spec)
                          << " has more than one -1";
      inferred = i;
      out.push_back(-1);
    } else if (s < -1) {
      return nc.error() << "invalid shape entry " << s;
    } else {
      out.push_back(s);
    }
  }
  int64_t total = product(t.getShape());
  if (inferred >= 0) {
    SmallVector<int64_t> known(out);
    known.erase(known.begin() + inferred);
    int64_t k = product(known);
    if (isDyn(total) || isDyn(k))
      out[inferred] = ShapedType::kDynamic;
    else if (k == 0 || total % k != 0)
      return nc.error() << "cannot reshape " << shapeStr(t.getShape()) << " to "
                        << shapeStr(spec);
    else
      out[inferred] = total / k;
  }
  int64_t outTotal = product(out);
  if (!isDyn(total) && !isDyn(outTotal) && total != outTotal)
    return nc.error() << "cannot reshape " << shapeStr(t.getShape()) << " ("
                      << total << " elements) to " << shapeStr(out) << " ("
                      << outTotal << " elements)";
  nc.setOutput(0, nc.reshape(nc.input(0), out));
  return success();
}

LogicalResult convertFlatten(NodeContext &nc) {
  auto t = nc.inputType(0);
  int64_t r = t.getRank(), axis = nc.attrInt("axis", 1);
  if (axis < -r || axis > r)
    return nc.error() << "axis " << axis << " is out of range for rank " << r;
  if (axis < 0)
    axis += r;
  SmallVector<int64_t> out = {product(t.getShape().take_front(axis)),
                              product(t.getShape().drop_front(axis))};
  nc.setOutput(0, nc.reshape(nc.input(0), out));
  return success();
}

/// Axes of Squeeze/Unsqueeze: an attribute before opset 13, an input after.
LogicalResult squeezeAxes(NodeContext &nc, SmallVector<int64_t> &axes,
                          bool &present) {
  present = true;
  if (nc.opset() < 13) {
    auto a = nc.attrInts("axes");
    present = a.has_value();
    if (a)
      axes = *a;
    return success();
  }
  if (!nc.hasInput(1)) {
    present = false;
    return success();
  }
  return nc.constInts(1, axes, "axes");
}

LogicalResult convertSqueeze(NodeContext &nc) {
  auto t = nc.inputType(0);
  if (nc.opset() >= 13 && isRuntimeInput(nc, 1))
    return switchOnAxes(nc, convertSqueeze, 1, t.getRank(), "axes");
  SmallVector<int64_t> axes;
  bool present;
  if (failed(squeezeAxes(nc, axes, present)))
    return failure();
  SmallVector<bool> drop(t.getRank(), false);
  if (!present) {
    for (int64_t i = 0; i < t.getRank(); ++i)
      drop[i] = t.getDimSize(i) == 1;
  }
  for (int64_t a : axes) {
    if (failed(nc.normalizeAxis(a, t.getRank(), "axis")))
      return failure();
    if (!t.isDynamicDim(a) && t.getDimSize(a) != 1)
      return nc.error() << "cannot squeeze dimension " << a << " of size "
                        << t.getDimSize(a);
    drop[a] = true;
  }
  SmallVector<int64_t> out;
  for (int64_t i = 0; i < t.getRank(); ++i)
    if (!drop[i])
      out.push_back(t.getDimSize(i));
  nc.setOutput(0, nc.reshape(nc.input(0), out));
  return success();
}

LogicalResult convertUnsqueeze(NodeContext &nc) {
  auto t = nc.inputType(0);
  if (nc.opset() >= 13 && isRuntimeInput(nc, 1)) {
    // The axes index the result, of rank rank(input) + len(axes).
    auto at = nc.inputType(1);
    int64_t n = at.hasStaticShape() ? at.getNumElements() : 0;
    return switchOnAxes(nc, convertUnsqueeze, 1, t.getRank() + n, "axes");
  }
  SmallVector<int64_t> axes;
  bool present;
  if (failed(squeezeAxes(nc, axes, present)))
    return failure();
  if (!present)
    return nc.error() << "missing axes";
  int64_t r = t.getRank() + axes.size();
  SmallVector<bool> isNew(r, false);
  for (int64_t a : axes) {
    if (failed(nc.normalizeAxis(a, r, "axis")))
      return failure();
    if (isNew[a])
      return nc.error() << "duplicate axis " << a;
    isNew[a] = true;
  }
  SmallVector<int64_t> out;
  unsigned k = 0;
  for (int64_t i = 0; i < r; ++i)
    out.push_back(isNew[i] ? 1 : t.getDimSize(k++));
  nc.setOutput(0, nc.reshape(nc.input(0), out));
  return success();
}

LogicalResult convertConcat(NodeContext &nc) {
  const onnx::AttributeProto *a = nc.attr("axis");
  if (!a)
    return nc.error() << "missing required attribute 'axis'";
  SmallVector<Value> ins;
  for (unsigned i = 0; i < nc.numInputs(); ++i)
    if (nc.hasInput(i))
      ins.push_back(nc.input(i));
  if (ins.empty())
    return nc.error() << "needs at least one input";
  if (failed(nc.sameElementType(ins)))
    return failure();
  auto t0 = cast<RankedTensorType>(ins[0].getType());
  int64_t axis = a->i();
  if (failed(nc.normalizeAxis(axis, t0.getRank(), "axis")))
    return failure();
  for (Value v : ins) {
    auto t = cast<RankedTensorType>(v.getType());
    bool ok = t.getRank() == t0.getRank();
    for (int64_t i = 0; ok && i < t.getRank(); ++i)
      ok = i == axis || t.isDynamicDim(i) || t0.isDynamicDim(i) ||
           t.getDimSize(i) == t0.getDimSize(i);
    if (!ok)
      return nc.error() << "inputs of shapes " << shapeStr(t0.getShape())
                        << " and " << shapeStr(t.getShape())
                        << " cannot be concatenated along axis " << axis;
  }
  // Empty operands contribute nothing; tensor.concat's insert_slices would
  // place them out of bounds.
  if (ins.size() > 1) {
    SmallVector<Value> nonEmpty;
    for (Value v : ins)
      if (cast<RankedTensorType>(v.getType()).getDimSize(axis) != 0)
        nonEmpty.push_back(v);
    if (!nonEmpty.empty())
      ins = nonEmpty;
  }
  if (ins.size() == 1) {
    nc.setOutput(0, ins[0]);
    return success();
  }
  nc.setOutput(0, tensor::ConcatOp::create(nc.b(), nc.loc(), axis, ins));
  return success();
}

LogicalResult convertExpand(NodeContext &nc) {
  SmallVector<int64_t> shape;
  if (failed(nc.constInts(1, shape, "shape")))
    return failure();
  auto t = nc.inputType(0);
  FailureOr<SmallVector<int64_t>> out =
      seq::broadcastShapes({t.getShape(), ArrayRef<int64_t>(shape)});
  if (failed(out))
    return nc.error() << "cannot expand " << shapeStr(t.getShape()) << " to "
                      << shapeStr(shape);
  if (ArrayRef<int64_t>(*out) == t.getShape()) {
    nc.setOutput(0, nc.input(0));
    return success();
  }
  nc.setOutput(0, seq::BroadcastOp::create(nc.b(), nc.loc(), t.clone(*out),
                                           nc.input(0)));
  return success();
}

LogicalResult convertGather(NodeContext &nc) {
  auto dt = nc.inputType(0), it = nc.inputType(1);
  if (!isa<IntegerType>(it.getElementType()))
    return nc.error() << "indices must be integers, got "
                      << it.getElementType();
  int64_t axis = nc.attrInt("axis", 0);
  if (failed(nc.normalizeAxis(axis, dt.getRank(), "axis")))
    return failure();
  SmallVector<int64_t> out(dt.getShape().take_front(axis));
  llvm::append_range(out, it.getShape());
  llvm::append_range(out, dt.getShape().drop_front(axis + 1));
  nc.setOutput(0, seq::GatherOp::create(nc.b(), nc.loc(), dt.clone(out),
                                        nc.input(0), nc.input(1), axis));
  return success();
}

LogicalResult convertTranspose(NodeContext &nc) {
  auto t = nc.inputType(0);
  int64_t r = t.getRank();
  SmallVector<int64_t> perm;
  if (auto p = nc.attrInts("perm"))
    perm = *p;
  else
    for (int64_t i = r - 1; i >= 0; --i)
      perm.push_back(i);
  SmallVector<bool> seen(r, false);
  bool ok = static_cast<int64_t>(perm.size()) == r;
  for (int64_t p : perm) {
    ok = ok && p >= 0 && p < r && !seen[p];
    if (ok)
      seen[p] = true;
  }
  if (!ok)
    return nc.error() << "perm " << shapeStr(perm)
                      << " is not a permutation of rank " << r;
  if (llvm::equal(perm, llvm::seq<int64_t>(0, r))) {
    nc.setOutput(0, nc.input(0));
    return success();
  }
  nc.setOutput(0, nc.transpose(nc.input(0), perm));
  return success();
}

LogicalResult convertSlice(NodeContext &nc) {
  auto t = nc.inputType(0);
  int64_t r = t.getRank();
  SmallVector<int64_t> starts, ends, axes, steps;
  if (nc.opset() < 10) {
    auto s = nc.attrInts("starts"), e = nc.attrInts("ends");
    if (!s || !e)
      return nc.error() << "missing 'starts'/'ends' attributes";
    starts = *s;
    ends = *e;
    if (auto a = nc.attrInts("axes"))
      axes = *a;
  } else {
    if (nc.numInputs() < 3)
      return nc.error() << "expects at least 3 inputs";
    if (failed(nc.constInts(1, starts, "starts")) ||
        failed(nc.constInts(2, ends, "ends")) ||
        (nc.hasInput(3) && failed(nc.constInts(3, axes, "axes"))) ||
        (nc.hasInput(4) && failed(nc.constInts(4, steps, "steps"))))
      return failure();
  }
  size_t n = starts.size();
  if (axes.empty())
    for (size_t i = 0; i < n; ++i)
      axes.push_back(i);
  if (steps.empty())
    steps.assign(n, 1);
  if (ends.size() != n || axes.size() != n || steps.size() != n)
    return nc.error() << "starts/ends/axes/steps have different lengths";
  SmallVector<int64_t> offsets(r, 0), sizes(t.getShape()), strides(r, 1);
  SmallVector<bool> seen(r, false);
  SmallVector<std::pair<int64_t, SmallVector<int64_t>>> reversed;
  for (size_t i = 0; i < n; ++i) {
    int64_t a = axes[i];
    if (failed(nc.normalizeAxis(a, r, "axis")))
      return failure();
    if (seen[a])
      return nc.error() << "axis " << a << " is sliced twice";
    seen[a] = true;
    int64_t step = steps[i], dim = t.getDimSize(a);
    if (step == 0)
      return nc.error() << "step must not be 0";
    if (isDyn(dim)) {
      if (starts[i] == 0 && ends[i] >= INT32_MAX && step == 1)
        continue; // the whole dynamic dim
      return nc.error() << "slicing dynamic dimension " << a
                        << " is not supported";
    }
    int64_t s = starts[i] < 0 ? starts[i] + dim : starts[i];
    int64_t e = ends[i] < 0 ? ends[i] + dim : ends[i];
    if (step < 0) {
      // Backwards: a gather of the literal indices s, s+step, ... (below).
      s = std::clamp<int64_t>(s, 0, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
      int64_t count = s > e ? (s - e - step - 1) / (-step) : 0;
      SmallVector<int64_t> idx;
      for (int64_t k = 0; k < count; ++k)
        idx.push_back(s + k * step);
      reversed.push_back({a, idx});
      continue;
    }
    s = std::clamp<int64_t>(s, 0, dim);
    e = std::clamp<int64_t>(e, 0, dim);
    offsets[a] = s;
    strides[a] = step;
    sizes[a] = e > s ? (e - s + step - 1) / step : 0;
  }
  Value x = nc.input(0);
  if (ArrayRef<int64_t>(sizes) != t.getShape())
    x = extractSlice(nc, x, offsets, sizes, strides);
  for (auto &[a, idx] : reversed) {
    auto xt = cast<RankedTensorType>(x.getType());
    auto it = RankedTensorType::get({static_cast<int64_t>(idx.size())},
                                    nc.b().getI64Type());
    Value indices = arith::ConstantOp::create(
        nc.b(), nc.loc(), DenseElementsAttr::get(it, ArrayRef<int64_t>(idx)));
    SmallVector<int64_t> shape(xt.getShape());
    shape[a] = idx.size();
    x = seq::GatherOp::create(nc.b(), nc.loc(), xt.clone(shape), x, indices, a);
  }
  nc.setOutput(0, x);
  return success();
}

LogicalResult convertSplit(NodeContext &nc) {
  auto t = nc.inputType(0);
  int64_t axis = nc.attrInt("axis", 0);
  if (failed(nc.normalizeAxis(axis, t.getRank(), "axis")))
    return failure();
  int64_t dim = t.getDimSize(axis);
  if (isDyn(dim))
    return nc.error() << "splitting dynamic dimension " << axis
                      << " is not supported";
  unsigned numOut = nc.numOutputs();
  SmallVector<int64_t> split;
  if (nc.opset() < 13) {
    if (auto s = nc.attrInts("split"))
      split = *s;
  } else if (isRuntimeInput(nc, 1)) {
    // One case per partition of the dim into the outputs.
    SmallVector<SmallVector<int64_t>> parts;
    SmallVector<int64_t> cur;
    auto at = nc.inputType(1);
    bool fits = at.hasStaticShape() && at.getNumElements() == numOut;
    std::function<void(int64_t)> enumerate = [&](int64_t left) {
      if (parts.size() > static_cast<size_t>(kMaxSwitchCandidates))
        return;
      if (cur.size() + 1 == numOut) {
        cur.push_back(left);
        parts.push_back(cur);
        cur.pop_back();
        return;
      }
      for (int64_t s = 0; s <= left; ++s) {
        cur.push_back(s);
        enumerate(left - s);
        cur.pop_back();
      }
    };
    if (fits && numOut > 0)
      enumerate(dim);
    if (!fits || parts.empty())
      return nc.error() << "split (input 1) of type " << typeStr(at)
                        << " must hold one size per output (" << numOut << ")";
    return switchOnValues(nc, convertSplit, 1, parts, "split");
  } else if (nc.hasInput(1)) {
    if (failed(nc.constInts(1, split, "split")))
      return failure();
  }
  if (split.empty()) {
    int64_t parts = nc.attrInt("num_outputs", numOut);
    if (parts <= 0 || static_cast<unsigned>(parts) != numOut)
      return nc.error() << "num_outputs " << parts << " does not match the "
                        << numOut << " outputs";
    int64_t chunk = (dim + parts - 1) / parts;
    for (int64_t i = 0; i < parts; ++i)
      split.push_back(std::max<int64_t>(0, std::min(chunk, dim - i * chunk)));
  }
  int64_t sum = 0;
  for (int64_t s : split)
    sum += s;
  if (split.size() != numOut || sum != dim)
    return nc.error() << "split sizes " << shapeStr(split)
                      << " do not partition dimension " << axis << " of size "
                      << dim << " into " << numOut << " outputs";
  int64_t r = t.getRank(), off = 0;
  for (unsigned i = 0; i < numOut; ++i) {
    SmallVector<int64_t> offsets(r, 0), sizes(t.getShape()), strides(r, 1);
    offsets[axis] = off;
    sizes[axis] = split[i];
    off += split[i];
    if (nc.isOutputUsed(i))
      nc.setOutput(i, extractSlice(nc, nc.input(0), offsets, sizes, strides));
  }
  return success();
}

LogicalResult convertShape(NodeContext &nc) {
  auto t = nc.inputType(0);
  int64_t r = t.getRank();
  auto [start, end] = shapeAttrRange(nc, r);
  SmallVector<int64_t> dims(t.getShape().slice(start, end - start));
  if (llvm::any_of(dims, isDyn))
    return nc.error() << "shape of a tensor with dynamic dimensions ("
                      << shapeStr(t.getShape()) << ") is not supported";
  auto type = RankedTensorType::get({static_cast<int64_t>(dims.size())},
                                    nc.b().getI64Type());
  nc.setOutput(0, arith::ConstantOp::create(
                      nc.b(), nc.loc(),
                      DenseElementsAttr::get(type, ArrayRef<int64_t>(dims))));
  return success();
}

LogicalResult convertSize(NodeContext &nc) {
  auto t = nc.inputType(0);
  int64_t n = product(t.getShape());
  if (isDyn(n))
    return nc.error() << "size of a tensor with dynamic dimensions ("
                      << shapeStr(t.getShape()) << ") is not supported";
  nc.setOutput(0, nc.scalarConstant(nc.b().getI64Type(), n));
  return success();
}

/// ConstantOfShape with a constant shape operand: a splat constant.
LogicalResult convertConstantOfShape(NodeContext &nc) {
  SmallVector<int64_t> shape;
  if (failed(nc.constInts(0, shape, "shape")))
    return failure();
  if (llvm::any_of(shape, [](int64_t d) { return d < 0; }))
    return nc.error() << "negative dimension in shape " << shapeStr(shape);
  Attribute value = nc.b().getF32FloatAttr(0.0f);
  if (const onnx::AttributeProto *a = nc.attr("value")) {
    ElementsAttr t = convertTensor(a->t(), nc.loc(), "", "value");
    if (!t)
      return failure();
    auto dense = dyn_cast<DenseElementsAttr>(t);
    if (!dense || dense.getNumElements() != 1)
      return nc.error() << "'value' must be a one-element tensor";
    value = *dense.value_begin<Attribute>();
  }
  auto elt = cast<TypedAttr>(value).getType();
  auto type = RankedTensorType::get(shape, elt);
  nc.setOutput(0, arith::ConstantOp::create(
                      nc.b(), nc.loc(), DenseElementsAttr::get(type, value)));
  return success();
}

} // namespace

void registerShapeOps(OpRegistry &r) {
  r["Reshape"] = {convertReshape, 2, 2};
  r["Flatten"] = {convertFlatten, 1, 1};
  r["Squeeze"] = {convertSqueeze, 1, 2};
  r["Unsqueeze"] = {convertUnsqueeze, 1, 2};
  r["Concat"] = {convertConcat, 1, ~0u};
  r["Expand"] = {convertExpand, 2, 2};
  r["Gather"] = {convertGather, 2, 2};
  r["Transpose"] = {convertTranspose, 1, 1};
  r["Slice"] = {convertSlice, 1, 5};
  r["Split"] = {convertSplit, 1, 2};
  r["Shape"] = {convertShape, 1, 1};
  r["Size"] = {convertSize, 1, 1};
  r["ConstantOfShape"] = {convertConstantOfShape, 1, 1};
}

} // namespace seqc::import
