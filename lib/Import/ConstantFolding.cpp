//===- ConstantFolding.cpp - import-time evaluation of constant nodes -----===//
//
// Exporters and ONNX function bodies compute shapes with small graphs
// (Shape -> Gather -> Concat -> Reshape, Range -> Less -> Where masks...).
// Static-shape AOT compilation needs those values as literals, so a node
// whose inputs are all known at import time (constants, or the static shape
// of any tensor for Shape/Size) is evaluated here on the host and its
// results become arith.constant ops instead of seq ops.
//
// Values are held as int64 (integer and bool types) or double (float types,
// rounded to the element type after every op so f32/f16 results match what
// the device would compute). Only small tensors are folded
// (kMaxFoldElements) so large weights are never duplicated.
//
//===----------------------------------------------------------------------===//

#include "ImporterInternal.h"

#include "seq/IR/SeqDialect.h"
#include "seq/IR/SeqFolds.h"
#include "seq/IR/SeqOps.h"
#include "seq/IR/SeqSemantics.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/SmallBitVector.h"
#include "llvm/ADT/StringSwitch.h"

#include <cmath>
#include <cstring>
#include <functional>
#include <type_traits>

using namespace mlir;

namespace seqc::import {
namespace {

using seq::broadcastIndex;
using seq::HostTensor;
using seq::kMaxFoldElements;

int64_t numel(ArrayRef<int64_t> shape) { return seq::foldNumElements(shape); }
bool tooBig(ArrayRef<int64_t> shape) { return numel(shape) > kMaxFoldElements; }

std::optional<HostTensor> readValue(Value v) {
  ElementsAttr attr;
  if (!v || !matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  return HostTensor::read(attr);
}

Value materialize(NodeContext &nc, const HostTensor &t) {
  auto type = RankedTensorType::get(t.shape, t.elt);
  DenseElementsAttr attr = t.toAttr();
  // Like initializers (Tensors.cpp): more than 16 elements go to a resource
  // blob, so IR dumps elide them and weights-sized results print compactly.
  unsigned bits = t.elt.getIntOrFloatBitWidth();
  if (t.size() > 16 && !attr.isSplat() && bits % 8 == 0) {
    ArrayRef<char> raw = attr.getRawData();
    AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
        raw, std::max<size_t>(bits / 8, alignof(uint64_t)));
    return arith::ConstantOp::create(
        nc.b(), nc.loc(),
        DenseResourceElementsAttr::get(type, "folded", std::move(blob)));
  }
  return arith::ConstantOp::create(nc.b(), nc.loc(), attr);
}

SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> s(shape.size(), 1);
  for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; --d)
    s[d] = s[d + 1] * shape[d + 1];
  return s;
}

/// Advances the row-major multi-index `idx` within `bounds` by one element.
void nextIndex(MutableArrayRef<int64_t> idx, ArrayRef<int64_t> bounds) {
  for (int64_t d = static_cast<int64_t>(idx.size()) - 1; d >= 0; --d) {
    if (++idx[d] < bounds[d])
      return;
    idx[d] = 0;
  }
}
/// Normalizes `axis` for `rank` in place; false when out of range.
bool normAxis(int64_t &axis, int64_t rank) {
  std::optional<int64_t> a = seq::normalizeAxis(axis, rank);
  if (a)
    axis = *a;
  return a.has_value();
}

std::vector<int64_t> ints(const HostTensor &t) {
  std::vector<int64_t> v;
  for (int64_t k = 0; k < t.size(); ++k)
    v.push_back(t.getI(k));
  return v;
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

template <typename T> struct OpTag {
  using type = T;
};

/// Runs the seq op's folder (SeqFolds.cpp) on constant operands: the op is
/// built with createOrFold and its constant result read back (the op, or
/// the constant, is erased again: materialize() makes the final one).
template <typename OpTy, typename... Args>
std::optional<HostTensor> evalOp(NodeContext &nc, ValueRange inputs,
                                 Args &&...args) {
  Value v = nc.b().createOrFold<OpTy>(nc.loc(), std::forward<Args>(args)...);
  std::optional<HostTensor> r;
  Attribute attr;
  if (matchPattern(v, m_Constant(&attr)))
    r = HostTensor::read(attr);
  Operation *def = v.getDefiningOp();
  if (def && !llvm::is_contained(inputs, v) && def->use_empty())
    def->erase();
  return r;
}

//===----------------------------------------------------------------------===//
// Per-op folders
//===----------------------------------------------------------------------===//

class Folder {
public:
  Folder(NodeContext &nc) : nc(nc) {}

  /// Returns the results (one per output) or nullopt when not foldable.
  std::optional<SmallVector<HostTensor>> fold();

private:
  using Result = std::optional<SmallVector<HostTensor>>;
  Result one(std::optional<HostTensor> t) {
    if (!t)
      return std::nullopt;
    return SmallVector<HostTensor>{std::move(*t)};
  }

  /// Constant inputs (null entries for absent ones).
  bool loadInputs() {
    for (unsigned k = 0; k < nc.numInputs(); ++k) {
      if (!nc.hasInput(k)) {
        in.push_back(std::nullopt);
        continue;
      }
      in.push_back(readValue(nc.input(k)));
      if (!in.back())
        return false;
    }
    return true;
  }
  bool has(unsigned k) const { return k < in.size() && in[k].has_value(); }

  /// Axes from an attribute (before `inputOpset`) or input `idx`.
  std::optional<std::vector<int64_t>> axesOf(int64_t inputOpset,
                                             unsigned idx = 1) {
    if (nc.opset() < inputOpset) {
      if (auto a = nc.attrInts("axes"))
        return std::vector<int64_t>(a->begin(), a->end());
      return std::vector<int64_t>();
    }
    if (has(idx))
      return ints(*in[idx]);
    return std::vector<int64_t>();
  }

  Result foldShape();
  Result foldSize();
  Result foldGather();
  Result foldConcat();
  Result foldSlice();
  Result foldSqueeze(bool unsqueeze);
  Result foldReshape();
  Result foldFlatten();
  Result foldRange();
  Result foldConstantOfShape();
  Result foldExpand();
  Result foldTile();
  Result foldTranspose();
  Result foldReduce(StringRef op);
  Result foldElementwise(StringRef op);
  Result reshapeTo(ArrayRef<int64_t> shape) {
    const HostTensor &x = *in[0];
    if (numel(shape) != x.size())
      return std::nullopt;
    HostTensor r = x;
    r.shape.assign(shape.begin(), shape.end());
    return one(r);
  }

  NodeContext &nc;
  SmallVector<std::optional<HostTensor>> in;
};

Folder::Result Folder::foldShape() {
  auto t = nc.inputType(0);
  if (!t || !t.hasStaticShape())
    return std::nullopt;
  int64_t r = t.getRank();
  auto [start, end] = shapeAttrRange(nc, r);
  HostTensor o = HostTensor::zeros(nc.b().getI64Type(), {end - start});
  for (int64_t k = start; k < end; ++k)
    o.i[k - start] = t.getDimSize(k);
  return one(o);
}

Folder::Result Folder::foldSize() {
  auto t = nc.inputType(0);
  if (!t || !t.hasStaticShape())
    return std::nullopt;
  HostTensor o = HostTensor::zeros(nc.b().getI64Type(), {});
  o.i[0] = t.getNumElements();
  return one(o);
}

Folder::Result Folder::foldGather() {
  const HostTensor &x = *in[0], &idx = *in[1];
  if (idx.isFloat())
    return std::nullopt;
  int64_t rank = x.shape.size();
  int64_t axis = nc.attrInt("axis", 0);
  if (!normAxis(axis, rank))
    return std::nullopt;
  SmallVector<int64_t> shape(x.shape.begin(), x.shape.begin() + axis);
  shape.append(idx.shape.begin(), idx.shape.end());
  shape.append(x.shape.begin() + axis + 1, x.shape.end());
  if (tooBig(shape))
    return std::nullopt;
  return one(evalOp<seq::GatherOp>(nc, {nc.input(0), nc.input(1)},
                                   RankedTensorType::get(shape, x.elt),
                                   nc.input(0), nc.input(1), axis));
}

Folder::Result Folder::foldConcat() {
  const HostTensor &first = *in[0];
  int64_t rank = first.shape.size();
  int64_t axis = nc.attrInt("axis", 0);
  if (!normAxis(axis, rank))
    return std::nullopt;
  SmallVector<int64_t> shape = first.shape;
  shape[axis] = 0;
  for (auto &t : in) {
    if (!t || t->elt != first.elt ||
        t->shape.size() != static_cast<size_t>(rank))
      return std::nullopt;
    for (int64_t d = 0; d < rank; ++d)
      if (d != axis && t->shape[d] != first.shape[d])
        return std::nullopt;
    shape[axis] += t->shape[axis];
  }
  if (tooBig(shape))
    return std::nullopt;
  HostTensor r = HostTensor::zeros(first.elt, shape);
  int64_t outer = numel(ArrayRef<int64_t>(shape).take_front(axis));
  int64_t inner = numel(ArrayRef<int64_t>(shape).drop_front(axis + 1));
  int64_t k = 0;
  for (int64_t o = 0; o < outer; ++o)
    for (auto &t : in) {
      int64_t chunk = t->shape[axis] * inner;
      for (int64_t q = 0; q < chunk; ++q)
        r.copyElt(k++, *t, o * chunk + q);
    }
  return one(r);
}

Folder::Result Folder::foldSlice() {
  const HostTensor &x = *in[0];
  int64_t rank = x.shape.size();
  std::vector<int64_t> starts, ends, axes, steps;
  if (nc.opset() < 10) {
    auto s = nc.attrInts("starts"), e = nc.attrInts("ends");
    if (!s || !e)
      return std::nullopt;
    starts.assign(s->begin(), s->end());
    ends.assign(e->begin(), e->end());
    if (auto a = nc.attrInts("axes"))
      axes.assign(a->begin(), a->end());
  } else {
    if (!has(1) || !has(2))
      return std::nullopt;
    starts = ints(*in[1]);
    ends = ints(*in[2]);
    if (has(3))
      axes = ints(*in[3]);
    if (has(4))
      steps = ints(*in[4]);
  }
  if (axes.empty())
    for (size_t k = 0; k < starts.size(); ++k)
      axes.push_back(k);
  if (steps.empty())
    steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() ||
      steps.size() != starts.size())
    return std::nullopt;
  SmallVector<int64_t> st(rank, 0), sp(rank, 1), cnt(x.shape);
  for (size_t k = 0; k < starts.size(); ++k) {
    int64_t a = axes[k];
    if (!normAxis(a, rank) || steps[k] == 0)
      return std::nullopt;
    int64_t dim = x.shape[a], s = starts[k], e = ends[k], step = steps[k];
    if (s < 0)
      s += dim;
    if (e < 0)
      e += dim;
    if (step > 0) {
      s = std::clamp<int64_t>(s, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
      cnt[a] = e > s ? (e - s + step - 1) / step : 0;
    } else {
      s = std::clamp<int64_t>(s, 0, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
      cnt[a] = s > e ? (s - e - step - 1) / (-step) : 0;
    }
    st[a] = s;
    sp[a] = step;
  }
  HostTensor r = HostTensor::zeros(x.elt, cnt);
  SmallVector<int64_t> xs = stridesOf(x.shape), idx(rank, 0);
  for (int64_t k = 0, n = r.size(); k < n; ++k) {
    int64_t flat = 0;
    for (int64_t d = 0; d < rank; ++d)
      flat += (st[d] + idx[d] * sp[d]) * xs[d];
    r.copyElt(k, x, flat);
    nextIndex(idx, cnt);
  }
  return one(r);
}

Folder::Result Folder::foldSqueeze(bool unsqueeze) {
  const HostTensor &x = *in[0];
  auto axes = axesOf(13);
  if (!axes)
    return std::nullopt;
  int64_t rank = x.shape.size();
  SmallVector<int64_t> shape;
  if (unsqueeze) {
    int64_t outRank = rank + axes->size();
    std::vector<bool> isNew(outRank, false);
    for (int64_t a : *axes) {
      if (!normAxis(a, outRank) || isNew[a])
        return std::nullopt;
      isNew[a] = true;
    }
    for (int64_t d = 0, s = 0; d < outRank; ++d)
      shape.push_back(isNew[d] ? 1 : x.shape[s++]);
  } else {
    std::vector<bool> drop(rank, false);
    if (axes->empty()) {
      for (int64_t d = 0; d < rank; ++d)
        drop[d] = x.shape[d] == 1;
    }
    for (int64_t a : *axes) {
      if (!normAxis(a, rank) || x.shape[a] != 1)
        return std::nullopt;
      drop[a] = true;
    }
    for (int64_t d = 0; d < rank; ++d)
      if (!drop[d])
        shape.push_back(x.shape[d]);
  }
  return reshapeTo(shape);
}

Folder::Result Folder::foldReshape() {
  const HostTensor &x = *in[0];
  std::vector<int64_t> spec = ints(*in[1]);
  bool allowZero = nc.attrInt("allowzero", 0) != 0;
  SmallVector<int64_t> shape;
  int inferred = -1;
  int64_t known = 1;
  for (size_t k = 0; k < spec.size(); ++k) {
    int64_t s = spec[k];
    if (s == 0 && !allowZero) {
      if (k >= x.shape.size())
        return std::nullopt;
      s = x.shape[k];
    }
    if (s == -1) {
      if (inferred >= 0)
        return std::nullopt;
      inferred = k;
      shape.push_back(1);
      continue;
    }
    if (s < 0)
      return std::nullopt;
    shape.push_back(s);
    known *= s;
  }
  if (inferred >= 0) {
    if (known == 0 || x.size() % known)
      return std::nullopt;
    shape[inferred] = x.size() / known;
  }
  return reshapeTo(shape);
}

Folder::Result Folder::foldFlatten() {
  const HostTensor &x = *in[0];
  int64_t rank = x.shape.size();
  int64_t axis = nc.attrInt("axis", 1);
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis > rank)
    return std::nullopt;
  ArrayRef<int64_t> s(x.shape);
  return reshapeTo({numel(s.take_front(axis)), numel(s.drop_front(axis))});
}

Folder::Result Folder::foldRange() {
  const HostTensor &s = *in[0], &l = *in[1], &d = *in[2];
  if (s.size() != 1 || l.size() != 1 || d.size() != 1 || s.elt != l.elt ||
      s.elt != d.elt)
    return std::nullopt;
  double start = s.getF(0), limit = l.getF(0), delta = d.getF(0);
  if (delta == 0)
    return std::nullopt;
  double steps = std::ceil((limit - start) / delta);
  if (!s.isFloat()) {
    __int128 is = s.i[0], il = l.i[0], id = d.i[0];
    __int128 k = id > 0 ? (il > is ? (il - is + id - 1) / id : 0)
                        : (is > il ? (is - il - id - 1) / (-id) : 0);
    steps = static_cast<double>(k);
  }
  if (!(steps <= static_cast<double>(kMaxFoldElements)))
    return std::nullopt; // NaN, infinite or too long
  int64_t n = std::max<int64_t>(static_cast<int64_t>(steps), 0);
  if (n > kMaxFoldElements)
    return std::nullopt;
  HostTensor r = HostTensor::zeros(s.elt, {n});
  for (int64_t k = 0; k < n; ++k) {
    if (r.isFloat())
      r.setF(k, start + k * delta);
    else
      r.setI(k, s.i[0] + k * d.i[0]);
  }
  return one(r);
}

Folder::Result Folder::foldConstantOfShape() {
  std::vector<int64_t> shape = ints(*in[0]);
  if (llvm::any_of(shape, [](int64_t d) { return d < 0; }))
    return std::nullopt;
  SmallVector<int64_t> s(shape.begin(), shape.end());
  if (numel(s) > kMaxFoldElements)
    return std::nullopt;
  std::optional<HostTensor> value;
  if (const onnx::AttributeProto *a = nc.attr("value")) {
    // A silent failure here is fine: the converter reports the error.
    Type elt = convertElementType(nc.ctx(), a->t().data_type());
    if (!elt)
      return std::nullopt;
    ElementsAttr attr = convertTensor(a->t(), nc.loc(), "", "value");
    if (!attr)
      return std::nullopt;
    value = HostTensor::read(attr);
  } else {
    value = HostTensor::zeros(nc.b().getF32Type(), {1});
  }
  if (!value || value->size() != 1)
    return std::nullopt;
  HostTensor r = HostTensor::zeros(value->elt, s);
  for (int64_t k = 0, n = r.size(); k < n; ++k)
    r.copyElt(k, *value, 0);
  return one(r);
}

Folder::Result Folder::foldExpand() {
  const HostTensor &x = *in[0];
  std::vector<int64_t> target = ints(*in[1]);
  SmallVector<ArrayRef<int64_t>> shapes{x.shape, target};
  FailureOr<SmallVector<int64_t>> shape = seq::broadcastShapes(shapes);
  if (failed(shape) || numel(*shape) > kMaxFoldElements)
    return std::nullopt;
  return one(evalOp<seq::BroadcastOp>(
      nc, {nc.input(0)}, RankedTensorType::get(*shape, x.elt), nc.input(0)));
}

Folder::Result Folder::foldTile() {
  const HostTensor &x = *in[0];
  std::vector<int64_t> reps = ints(*in[1]);
  int64_t rank = x.shape.size();
  if (reps.size() != static_cast<size_t>(rank))
    return std::nullopt;
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < rank; ++d) {
    if (reps[d] < 0)
      return std::nullopt;
    shape.push_back(x.shape[d] * reps[d]);
  }
  if (numel(shape) > kMaxFoldElements)
    return std::nullopt;
  HostTensor r = HostTensor::zeros(x.elt, shape);
  SmallVector<int64_t> xs = stridesOf(x.shape), idx(rank, 0);
  for (int64_t k = 0, n = r.size(); k < n; ++k) {
    int64_t flat = 0;
    for (int64_t d = 0; d < rank; ++d)
      flat += (idx[d] % x.shape[d]) * xs[d];
    r.copyElt(k, x, flat);
    nextIndex(idx, shape);
  }
  return one(r);
}

Folder::Result Folder::foldTranspose() {
  const HostTensor &x = *in[0];
  int64_t rank = x.shape.size();
  SmallVector<int64_t> perm;
  if (auto p = nc.attrInts("perm"))
    perm = *p;
  else
    for (int64_t d = rank - 1; d >= 0; --d)
      perm.push_back(d);
  if (static_cast<int64_t>(perm.size()) != rank)
    return std::nullopt;
  SmallVector<int64_t> shape;
  llvm::SmallBitVector seen(rank);
  for (int64_t p : perm) {
    if (p < 0 || p >= rank || seen.test(p))
      return std::nullopt;
    seen.set(p);
    shape.push_back(x.shape[p]);
  }
  return one(evalOp<seq::TransposeOp>(nc, {nc.input(0)},
                                      RankedTensorType::get(shape, x.elt),
                                      nc.input(0), perm));
}

/// Reduce*: the ops the converter emits (NormOps.cpp: an elementwise
/// pre-map, a seq.reduce, a post-map), each evaluated by its seq folder.
Folder::Result Folder::foldReduce(StringRef op) {
  const HostTensor &x = *in[0];
  int64_t rank = x.shape.size();
  auto axes = axesOf(op == "ReduceSum" ? 13 : 18);
  if (!axes)
    return std::nullopt;
  if (axes->empty()) {
    if (nc.attrInt("noop_with_empty_axes", 0))
      return one(x);
    for (int64_t d = 0; d < rank; ++d)
      axes->push_back(d);
  }
  llvm::SmallBitVector red(rank);
  for (int64_t &a : *axes) {
    if (!normAxis(a, rank) || red.test(a))
      return std::nullopt;
    red.set(a);
  }
  llvm::sort(*axes);
  bool keep = nc.attrInt("keepdims", 1) != 0;
  SmallVector<int64_t> outShape;
  for (int64_t d = 0; d < rank; ++d)
    if (!red.test(d) || keep)
      outShape.push_back(red.test(d) ? 1 : x.shape[d]);
  bool isL2 = op == "ReduceL2";
  bool isLog = op == "ReduceLogSum" || op == "ReduceLogSumExp";
  if ((isL2 || isLog) && !x.isFloat())
    return std::nullopt; // the converter reports these
  auto kind = llvm::StringSwitch<seq::ReduceKind>(op)
                  .Case("ReduceMean", seq::ReduceKind::mean)
                  .Case("ReduceMax", seq::ReduceKind::max)
                  .Case("ReduceMin", seq::ReduceKind::min)
                  .Case("ReduceProd", seq::ReduceKind::prod)
                  .Default(seq::ReduceKind::sum);
  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  // Every op created here (folded constants included) is erased at the end
  // when unused: the caller materializes the result itself.
  SmallVector<Operation *> made;
  auto track = [&](Value v) {
    if (Operation *def = v.getDefiningOp();
        def && v != nc.input(0) && !llvm::is_contained(made, def))
      made.push_back(def);
    return v;
  };
  Value v = nc.input(0);
  if (op == "ReduceSumSquare" || isL2)
    v = track(b.createOrFold<seq::MulOp>(loc, v, v));
  else if (op == "ReduceL1")
    v = track(b.createOrFold<seq::AbsOp>(loc, v));
  else if (op == "ReduceLogSumExp")
    v = track(b.createOrFold<seq::ExpOp>(loc, v));
  v = track(b.createOrFold<seq::ReduceOp>(
      loc, cast<RankedTensorType>(v.getType()).clone(outShape), v,
      seq::ReduceKindAttr::get(nc.ctx(), kind), b.getDenseI64ArrayAttr(*axes),
      keep ? b.getUnitAttr() : UnitAttr()));
  if (isL2)
    v = track(b.createOrFold<seq::SqrtOp>(loc, v));
  else if (isLog)
    v = track(b.createOrFold<seq::LogOp>(loc, v));
  std::optional<HostTensor> r;
  Attribute attr;
  if (matchPattern(v, m_Constant(&attr)))
    r = HostTensor::read(attr);
  for (Operation *def : llvm::reverse(made))
    if (def->use_empty())
      def->erase();
  return one(r);
}

/// ONNX elementwise ops are the seq ops' folders (SeqFolds.cpp) on the
/// constant inputs; only Mod's Python sign rule, Sign and Relu, which have
/// no seq op, are evaluated here.
Folder::Result Folder::foldElementwise(StringRef op) {
  const HostTensor &a = *in[0];
  SmallVector<Value> inputs;
  for (unsigned k = 0; k < nc.numInputs(); ++k)
    inputs.push_back(nc.input(k));
  // Binary seq ops need one element type and broadcast-compatible shapes
  // (their builders infer the result type).
  auto compatible = [&](Value x, Value y, bool sameElt = true) {
    auto xt = cast<RankedTensorType>(x.getType()),
         yt = cast<RankedTensorType>(y.getType());
    SmallVector<ArrayRef<int64_t>> shapes{xt.getShape(), yt.getShape()};
    return (!sameElt || xt.getElementType() == yt.getElementType()) &&
           succeeded(seq::broadcastShapes(shapes));
  };
  auto bin = [&](auto tag, Value x, Value y) -> std::optional<HostTensor> {
    using OpTy = typename decltype(tag)::type;
    if (!compatible(x, y))
      return std::nullopt;
    return evalOp<OpTy>(nc, inputs, x, y);
  };
  auto unaryOp = [&](auto tag) -> std::optional<HostTensor> {
    using OpTy = typename decltype(tag)::type;
    return evalOp<OpTy>(nc, inputs, inputs[0]);
  };
#define SEQ_TAG(OpTy) OpTag<seq::OpTy>()
  Value x = inputs[0], y = inputs.size() > 1 ? inputs[1] : Value();
  if (op == "Add")
    return one(bin(SEQ_TAG(AddOp), x, y));
  if (op == "Sub")
    return one(bin(SEQ_TAG(SubOp), x, y));
  if (op == "Mul")
    return one(bin(SEQ_TAG(MulOp), x, y));
  if (op == "Div")
    return one(bin(SEQ_TAG(DivOp), x, y));
  if (op == "Pow")
    return one(bin(SEQ_TAG(PowOp), x, y));
  if (op == "Equal")
    return one(bin(SEQ_TAG(EqualOp), x, y));
  if (op == "Less")
    return one(bin(SEQ_TAG(LessOp), x, y));
  if (op == "LessOrEqual")
    return one(bin(SEQ_TAG(LessEqualOp), x, y));
  if (op == "Greater")
    return one(bin(SEQ_TAG(GreaterOp), x, y));
  if (op == "GreaterOrEqual")
    return one(bin(SEQ_TAG(GreaterEqualOp), x, y));
  if (op == "And")
    return one(bin(SEQ_TAG(AndOp), x, y));
  if (op == "Or")
    return one(bin(SEQ_TAG(OrOp), x, y));
  if (op == "Xor")
    return one(bin(SEQ_TAG(XorOp), x, y));
  if (op == "Mod") {
    std::optional<HostTensor> r = bin(SEQ_TAG(RemOp), x, y);
    // fmod=0 on integers: the remainder takes the divisor's sign (Python).
    if (!r || r->isFloat() || nc.attrInt("fmod", 0) != 0)
      return one(r);
    const HostTensor &b = *in[1];
    std::vector<int64_t> ib = broadcastIndex(r->shape, b.shape);
    for (int64_t k = 0, n = r->size(); k < n; ++k) {
      int64_t d = b.i[ib[k]], v = r->i[k];
      if (v != 0 && ((v < 0) != (d < 0)))
        r->setI(k, v + d);
    }
    return one(r);
  }
  if (op == "Max" || op == "Min" || op == "Sum") {
    // Variadic: fold pairwise, each partial result as a constant operand.
    std::optional<HostTensor> acc = a;
    Value accV = x;
    for (size_t k = 1; k < inputs.size() && acc; ++k) {
      if (!in[k])
        return std::nullopt;
      if (k > 1)
        accV = arith::ConstantOp::create(nc.b(), nc.loc(), acc->toAttr());
      if (op == "Sum")
        acc = bin(SEQ_TAG(AddOp), accV, inputs[k]);
      else if (op == "Max")
        acc = bin(SEQ_TAG(MaxOp), accV, inputs[k]);
      else
        acc = bin(SEQ_TAG(MinOp), accV, inputs[k]);
      if (k > 1)
        accV.getDefiningOp()->erase();
    }
    return one(acc);
  }
  if (op == "Where") {
    if (!compatible(inputs[1], inputs[2]) || !compatible(x, y, false) ||
        !compatible(x, inputs[2], false) || !a.elt.isInteger(1))
      return std::nullopt;
    return one(evalOp<seq::SelectOp>(nc, inputs, x, y, inputs[2]));
  }
  if (op == "Identity")
    return one(a);
  if (op == "Cast" || op == "CastLike") {
    Type elt;
    if (op == "CastLike") {
      elt = in[1]->elt;
    } else if (const onnx::AttributeProto *to = nc.attr("to")) {
      elt = convertElementType(nc.ctx(), to->i());
    }
    if (!elt)
      return std::nullopt;
    auto type = RankedTensorType::get(a.shape, elt);
    return one(evalOp<seq::CastOp>(nc, inputs, type, x,
                                   nc.attrInt("saturate", 1) != 0));
  }
  if (op == "Neg")
    return one(unaryOp(SEQ_TAG(NegOp)));
  if (op == "Abs")
    return one(unaryOp(SEQ_TAG(AbsOp)));
  if (op == "Not")
    return one(unaryOp(SEQ_TAG(NotOp)));
  if (op == "Sqrt")
    return one(unaryOp(SEQ_TAG(SqrtOp)));
  if (op == "Reciprocal")
    return one(unaryOp(SEQ_TAG(ReciprocalOp)));
  if (op == "Exp")
    return one(unaryOp(SEQ_TAG(ExpOp)));
  if (op == "Log")
    return one(unaryOp(SEQ_TAG(LogOp)));
  if (op == "Floor")
    return one(unaryOp(SEQ_TAG(FloorOp)));
  if (op == "Ceil")
    return one(unaryOp(SEQ_TAG(CeilOp)));
  if (op == "Round")
    return one(unaryOp(SEQ_TAG(RoundOp)));
#undef SEQ_TAG
  if (op == "Sign" || op == "Relu") {
    HostTensor r = HostTensor::zeros(a.elt, a.shape);
    for (int64_t k = 0, n = r.size(); k < n; ++k) {
      if (a.isFloat()) {
        double v = a.f[k];
        r.setF(k, op == "Relu" ? (v > 0 ? v : 0.0) : double((v > 0) - (v < 0)));
      } else {
        int64_t v = a.i[k];
        r.setI(k, op == "Relu" ? (v > 0 ? v : 0) : (v > 0) - (v < 0));
      }
    }
    return one(r);
  }
  return std::nullopt;
}

std::optional<SmallVector<HostTensor>> Folder::fold() {
  StringRef op = nc.node().op_type();
  if (op == "Shape")
    return foldShape();
  if (op == "Size")
    return foldSize();
  if (!loadInputs() || in.empty() || !in[0])
    return std::nullopt;
  if (op == "Gather")
    return foldGather();
  if (op == "Concat")
    return foldConcat();
  if (op == "Slice")
    return foldSlice();
  if (op == "Squeeze" || op == "Unsqueeze")
    return foldSqueeze(op == "Unsqueeze");
  if (op == "Reshape")
    return foldReshape();
  if (op == "Flatten")
    return foldFlatten();
  if (op == "Range")
    return foldRange();
  if (op == "ConstantOfShape")
    return foldConstantOfShape();
  if (op == "Expand")
    return foldExpand();
  if (op == "Tile")
    return foldTile();
  if (op == "Transpose")
    return foldTranspose();
  if (op.starts_with("Reduce"))
    return foldReduce(op);
  return foldElementwise(op);
}

} // namespace

bool isFoldableOp(llvm::StringRef op) {
  return llvm::StringSwitch<bool>(op)
      .Cases({"Shape", "Size", "Gather", "Concat", "Slice", "Squeeze",
              "Unsqueeze", "Reshape", "Flatten", "Range"},
             true)
      .Cases({"ConstantOfShape", "Expand", "Tile", "Transpose", "ReduceSum",
              "ReduceProd", "ReduceMax", "ReduceMin", "ReduceMean"},
             true)
      .Cases({"ReduceSumSquare", "ReduceL1", "ReduceL2", "ReduceLogSum",
              "ReduceLogSumExp", "Add", "Sub", "Mul", "Div", "Mod", "Pow"},
             true)
      .Cases({"Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual",
              "And", "Or", "Xor", "Max", "Min", "Sum", "Where"},
             true)
      .Cases({"Identity", "Cast", "CastLike", "Neg", "Abs", "Sign", "Relu",
              "Not", "Sqrt", "Reciprocal", "Exp", "Log", "Floor", "Ceil",
              "Round"},
             true)
      .Default(false);
}

bool foldNode(NodeContext &nc) {
  if (!isFoldableOp(nc.node().op_type()))
    return false;
  Folder folder(nc);
  std::optional<SmallVector<HostTensor>> results = folder.fold();
  if (!results || results->size() != nc.numOutputs())
    return false;
  for (const HostTensor &t : *results)
    if (t.size() > kMaxFoldElements || t.size() != numel(t.shape))
      return false;
  for (auto [k, t] : llvm::enumerate(*results))
    nc.setOutput(k, materialize(nc, t));
  return true;
}

} // namespace seqc::import
