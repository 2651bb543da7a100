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
#include "seq/IR/SeqOps.h"
#include "seq/IR/SeqSemantics.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/StringSwitch.h"

#include <cmath>
#include <cstring>
#include <functional>
#include <type_traits>

using namespace mlir;

namespace seqc::import {
namespace {

constexpr int64_t kMaxFoldElements = 1 << 20;

struct HostTensor {
  Type elt;
  SmallVector<int64_t> shape;
  std::vector<int64_t> i; // integer and bool element types
  std::vector<double> f;  // float element types

  bool isFloat() const { return isa<FloatType>(elt); }
  int64_t size() const {
    return isFloat() ? static_cast<int64_t>(f.size())
                     : static_cast<int64_t>(i.size());
  }
  double getF(int64_t k) const {
    return isFloat() ? f[k] : static_cast<double>(i[k]);
  }
  int64_t getI(int64_t k) const {
    return isFloat() ? static_cast<int64_t>(f[k]) : i[k];
  }
};

/// Element count, saturated at kMaxFoldElements + 1 (negative dims count as
/// too many): anything over the limit is never folded, and the saturation
/// keeps huge literal shapes from overflowing.
int64_t numel(ArrayRef<int64_t> shape) {
  if (llvm::is_contained(shape, 0))
    return 0;
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0 || n > kMaxFoldElements / d)
      return kMaxFoldElements + 1;
    n *= d;
  }
  return n;
}
bool tooBig(ArrayRef<int64_t> shape) { return numel(shape) > kMaxFoldElements; }

bool isUnsignedInt(Type elt) {
  auto it = dyn_cast<IntegerType>(elt);
  return it && (it.isUnsigned() || it.getWidth() == 1);
}

/// Rounds `v` to the precision of float type `elt`.
double roundFloat(Type elt, double v) {
  auto ft = cast<FloatType>(elt);
  if (ft.isF64())
    return v;
  if (ft.isF32())
    return static_cast<double>(static_cast<float>(v));
  APFloat x(v);
  bool lost;
  x.convert(ft.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
  x.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
  return x.convertToDouble();
}

/// Wraps `v` to the width (and signedness) of integer type `elt`.
int64_t wrapInt(Type elt, int64_t v) {
  unsigned w = cast<IntegerType>(elt).getWidth();
  if (w == 1)
    return v != 0;
  if (w >= 64)
    return v;
  uint64_t mask = (uint64_t(1) << w) - 1;
  uint64_t u = static_cast<uint64_t>(v) & mask;
  if (!isUnsignedInt(elt) && (u >> (w - 1)))
    u |= ~mask;
  return static_cast<int64_t>(u);
}

double apToDouble(APFloat x) {
  bool lost;
  x.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
  return x.convertToDouble();
}

std::optional<HostTensor> readAttr(ElementsAttr attr) {
  auto type = cast<ShapedType>(attr.getType());
  if (!type.hasStaticShape() || type.getNumElements() > kMaxFoldElements)
    return std::nullopt;
  HostTensor t{
      type.getElementType(), SmallVector<int64_t>(type.getShape()), {}, {}};
  Type elt = t.elt;
  if (!isa<FloatType, IntegerType>(elt))
    return std::nullopt;
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    if (t.isFloat()) {
      for (APFloat x : dense.getValues<APFloat>())
        t.f.push_back(apToDouble(x));
    } else {
      bool zext = isUnsignedInt(elt);
      for (APInt x : dense.getValues<APInt>())
        t.i.push_back(zext ? static_cast<int64_t>(x.getZExtValue())
                           : x.getSExtValue());
    }
    return t;
  }
  auto res = dyn_cast<DenseResourceElementsAttr>(attr);
  if (!res)
    return std::nullopt;
  AsmResourceBlob *blob = res.getRawHandle().getBlob();
  if (!blob)
    return std::nullopt;
  ArrayRef<char> data = blob->getData();
  unsigned bits = elt.getIntOrFloatBitWidth();
  size_t w = bits == 1 ? 1 : bits / 8;
  int64_t n = type.getNumElements();
  if (w == 0 || data.size() < static_cast<size_t>(n) * w)
    return std::nullopt;
  for (int64_t k = 0; k < n; ++k) {
    uint64_t raw = 0;
    std::memcpy(&raw, data.data() + k * w, w);
    if (auto ft = dyn_cast<FloatType>(elt)) {
      t.f.push_back(
          apToDouble(APFloat(ft.getFloatSemantics(), APInt(bits, raw))));
    } else {
      t.i.push_back(wrapInt(elt, static_cast<int64_t>(raw)));
    }
  }
  return t;
}

std::optional<HostTensor> readValue(Value v) {
  ElementsAttr attr;
  if (!v || !matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  return readAttr(attr);
}

Value materialize(NodeContext &nc, const HostTensor &t) {
  auto type = RankedTensorType::get(t.shape, t.elt);
  DenseElementsAttr attr;
  if (auto ft = dyn_cast<FloatType>(t.elt)) {
    SmallVector<APFloat> vals;
    vals.reserve(t.f.size());
    for (double d : t.f) {
      APFloat x(d);
      bool lost;
      x.convert(ft.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
      vals.push_back(x);
    }
    attr = DenseElementsAttr::get(type, vals);
  } else {
    unsigned w = t.elt.getIntOrFloatBitWidth();
    SmallVector<APInt> vals;
    vals.reserve(t.i.size());
    for (int64_t v : t.i)
      vals.push_back(APInt(w, static_cast<uint64_t>(v), /*isSigned=*/w > 1));
    attr = DenseElementsAttr::get(type, vals);
  }
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

/// An empty tensor of `elt` with `shape`.
HostTensor make(Type elt, ArrayRef<int64_t> shape) {
  HostTensor t{elt, SmallVector<int64_t>(shape), {}, {}};
  if (t.isFloat())
    t.f.assign(numel(shape), 0.0);
  else
    t.i.assign(numel(shape), 0);
  return t;
}

/// Sets element `k` of `t` from a double/int, applying the type's rounding.
void setF(HostTensor &t, int64_t k, double v) {
  if (t.isFloat())
    t.f[k] = roundFloat(t.elt, v);
  else
    t.i[k] = wrapInt(t.elt, static_cast<int64_t>(v));
}
void setI(HostTensor &t, int64_t k, int64_t v) {
  if (t.isFloat())
    t.f[k] = roundFloat(t.elt, static_cast<double>(v));
  else
    t.i[k] = wrapInt(t.elt, v);
}
/// Copies element `src[ks]` into `dst[kd]` (same element type).
void copyElt(HostTensor &dst, int64_t kd, const HostTensor &src, int64_t ks) {
  if (dst.isFloat())
    dst.f[kd] = src.f[ks];
  else
    dst.i[kd] = src.i[ks];
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
/// For each element of `out` (row-major), the flat index into a tensor of
/// shape `in` broadcast (numpy, right-aligned) to `out`.
std::vector<int64_t> broadcastIndex(ArrayRef<int64_t> out,
                                    ArrayRef<int64_t> in) {
  int64_t n = numel(out), r = out.size(), off = r - in.size();
  SmallVector<int64_t> inStrides = stridesOf(in);
  SmallVector<int64_t> idx(r, 0);
  std::vector<int64_t> map(n);
  for (int64_t k = 0; k < n; ++k) {
    int64_t flat = 0;
    for (int64_t d = off; d < r; ++d)
      if (in[d - off] != 1)
        flat += idx[d] * inStrides[d - off];
    map[k] = flat;
    nextIndex(idx, out);
  }
  return map;
}

std::optional<SmallVector<int64_t>>
broadcastShape(ArrayRef<const HostTensor *> ts) {
  SmallVector<ArrayRef<int64_t>> shapes;
  for (const HostTensor *t : ts)
    shapes.push_back(t->shape);
  FailureOr<SmallVector<int64_t>> r = seq::broadcastShapes(shapes);
  if (failed(r) || llvm::any_of(*r, ShapedType::isDynamic))
    return std::nullopt;
  return *r;
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

using FloatFn = std::function<double(double, double)>;
using IntFn = std::function<int64_t(int64_t, int64_t)>;

/// Broadcasting binary op; `resultElt` null means the operand type.
std::optional<HostTensor> binary(const HostTensor &a, const HostTensor &b,
                                 const FloatFn &ff, const IntFn &fi,
                                 Type resultElt = {}) {
  if (a.elt != b.elt)
    return std::nullopt;
  auto shape = broadcastShape({&a, &b});
  if (!shape || tooBig(*shape))
    return std::nullopt;
  HostTensor r = make(resultElt ? resultElt : a.elt, *shape);
  auto ia = broadcastIndex(*shape, a.shape),
       ib = broadcastIndex(*shape, b.shape);
  for (int64_t k = 0, n = r.size(); k < n; ++k) {
    if (a.isFloat()) {
      if (!ff)
        return std::nullopt;
      setF(r, k, ff(a.f[ia[k]], b.f[ib[k]]));
    } else {
      if (!fi)
        return std::nullopt;
      setI(r, k, fi(a.i[ia[k]], b.i[ib[k]]));
    }
  }
  return r;
}

std::optional<HostTensor> unary(const HostTensor &a,
                                const std::function<double(double)> &ff,
                                const std::function<int64_t(int64_t)> &fi) {
  HostTensor r = make(a.elt, a.shape);
  for (int64_t k = 0, n = r.size(); k < n; ++k) {
    if (a.isFloat()) {
      if (!ff)
        return std::nullopt;
      setF(r, k, ff(a.f[k]));
    } else {
      if (!fi)
        return std::nullopt;
      setI(r, k, fi(a.i[k]));
    }
  }
  return r;
}

HostTensor castTo(const HostTensor &a, Type elt) {
  HostTensor r = make(elt, a.shape);
  for (int64_t k = 0, n = r.size(); k < n; ++k) {
    if (a.isFloat()) {
      double v = a.f[k];
      if (r.isFloat())
        setF(r, k, v);
      else if (elt.isInteger(1))
        r.i[k] = v != 0.0;
      else
        // Out-of-range conversions are undefined in C++; clamp first.
        setI(r, k,
             std::isfinite(v)
                 ? static_cast<int64_t>(std::clamp(v, -9223372036854775808.0,
                                                   9.2233720368547e18))
                 : 0);
    } else {
      setI(r, k, a.i[k]);
    }
  }
  return r;
}

/// seq.div and seq.rem (SeqSemantics.h: no traps on x/0 and MIN/-1) on the
/// int64 host values; results are wrapped to the element type afterwards.
int64_t truncDiv(int64_t a, int64_t b) {
  return seq::intDiv(APInt(64, a, /*isSigned=*/true),
                     APInt(64, b, /*isSigned=*/true), /*isUnsigned=*/false)
      .getSExtValue();
}
int64_t truncRem(int64_t a, int64_t b) {
  return seq::intRem(APInt(64, a, /*isSigned=*/true),
                     APInt(64, b, /*isSigned=*/true), /*isUnsigned=*/false)
      .getSExtValue();
}

/// ONNX Mod with fmod=0: the remainder takes the divisor's sign (Python).
int64_t pyMod(int64_t a, int64_t b) {
  int64_t r = truncRem(a, b);
  if (r != 0 && ((r < 0) != (b < 0)))
    r += b;
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
  HostTensor o = make(nc.b().getI64Type(), {end - start});
  for (int64_t k = start; k < end; ++k)
    o.i[k - start] = t.getDimSize(k);
  return one(o);
}

Folder::Result Folder::foldSize() {
  auto t = nc.inputType(0);
  if (!t || !t.hasStaticShape())
    return std::nullopt;
  HostTensor o = make(nc.b().getI64Type(), {});
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
  int64_t outer = numel(ArrayRef<int64_t>(x.shape).take_front(axis));
  int64_t inner = numel(ArrayRef<int64_t>(x.shape).drop_front(axis + 1));
  int64_t dim = x.shape[axis], ni = idx.size();
  HostTensor r = make(x.elt, shape);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < ni; ++j) {
      int64_t g = idx.i[j];
      if (g < 0)
        g += dim;
      if (g < 0 || g >= dim)
        return std::nullopt;
      for (int64_t q = 0; q < inner; ++q)
        copyElt(r, (o * ni + j) * inner + q, x, (o * dim + g) * inner + q);
    }
  return one(r);
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
  HostTensor r = make(first.elt, shape);
  int64_t outer = numel(ArrayRef<int64_t>(shape).take_front(axis));
  int64_t inner = numel(ArrayRef<int64_t>(shape).drop_front(axis + 1));
  int64_t k = 0;
  for (int64_t o = 0; o < outer; ++o)
    for (auto &t : in) {
      int64_t chunk = t->shape[axis] * inner;
      for (int64_t q = 0; q < chunk; ++q)
        copyElt(r, k++, *t, o * chunk + q);
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
  HostTensor r = make(x.elt, cnt);
  SmallVector<int64_t> xs = stridesOf(x.shape), idx(rank, 0);
  for (int64_t k = 0, n = r.size(); k < n; ++k) {
    int64_t flat = 0;
    for (int64_t d = 0; d < rank; ++d)
      flat += (st[d] + idx[d] * sp[d]) * xs[d];
    copyElt(r, k, x, flat);
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
  HostTensor r = make(s.elt, {n});
  for (int64_t k = 0; k < n; ++k) {
    if (r.isFloat())
      setF(r, k, start + k * delta);
    else
      setI(r, k, s.i[0] + k * d.i[0]);
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
    value = readAttr(attr);
  } else {
    value = make(nc.b().getF32Type(), {1});
  }
  if (!value || value->size() != 1)
    return std::nullopt;
  HostTensor r = make(value->elt, s);
  for (int64_t k = 0, n = r.size(); k < n; ++k)
    copyElt(r, k, *value, 0);
  return one(r);
}

Folder::Result Folder::foldExpand() {
  const HostTensor &x = *in[0];
  std::vector<int64_t> target = ints(*in[1]);
  SmallVector<ArrayRef<int64_t>> shapes{x.shape, target};
  FailureOr<SmallVector<int64_t>> shape = seq::broadcastShapes(shapes);
  if (failed(shape) || numel(*shape) > kMaxFoldElements)
    return std::nullopt;
  HostTensor r = make(x.elt, *shape);
  auto map = broadcastIndex(*shape, x.shape);
  for (int64_t k = 0, n = r.size(); k < n; ++k)
    copyElt(r, k, x, map[k]);
  return one(r);
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
  HostTensor r = make(x.elt, shape);
  SmallVector<int64_t> xs = stridesOf(x.shape), idx(rank, 0);
  for (int64_t k = 0, n = r.size(); k < n; ++k) {
    int64_t flat = 0;
    for (int64_t d = 0; d < rank; ++d)
      flat += (idx[d] % x.shape[d]) * xs[d];
    copyElt(r, k, x, flat);
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
  SmallVector<int64_t> shape, xs = stridesOf(x.shape), idx(rank, 0);
  for (int64_t p : perm) {
    if (p < 0 || p >= rank)
      return std::nullopt;
    shape.push_back(x.shape[p]);
  }
  HostTensor r = make(x.elt, shape);
  for (int64_t k = 0, n = r.size(); k < n; ++k) {
    int64_t flat = 0;
    for (int64_t d = 0; d < rank; ++d)
      flat += idx[d] * xs[perm[d]];
    copyElt(r, k, x, flat);
    nextIndex(idx, shape);
  }
  return one(r);
}

Folder::Result Folder::foldReduce(StringRef op) {
  const HostTensor &x = *in[0];
  int64_t rank = x.shape.size();
  int64_t axesOpset = op == "ReduceSum" ? 13 : 18;
  auto axes = axesOf(axesOpset);
  if (!axes)
    return std::nullopt;
  std::vector<bool> red(rank, false);
  if (axes->empty()) {
    if (nc.attrInt("noop_with_empty_axes", 0))
      return one(x);
    red.assign(rank, true);
  }
  for (int64_t a : *axes) {
    if (!normAxis(a, rank))
      return std::nullopt;
    red[a] = true;
  }
  bool keep = nc.attrInt("keepdims", 1) != 0;
  SmallVector<int64_t> keptShape, outShape;
  for (int64_t d = 0; d < rank; ++d) {
    keptShape.push_back(red[d] ? 1 : x.shape[d]);
    if (!red[d] || keep)
      outShape.push_back(keptShape.back());
  }
  bool isMax = op == "ReduceMax", isMin = op == "ReduceMin";
  bool isProd = op == "ReduceProd", isMean = op == "ReduceMean";
  bool isSq = op == "ReduceSumSquare", isL1 = op == "ReduceL1";
  bool isL2 = op == "ReduceL2", isLogSum = op == "ReduceLogSum";
  bool isLSE = op == "ReduceLogSumExp";
  if ((isMax || isMin) && x.size() == 0)
    return std::nullopt; // identity depends on the type; leave it to seq
  int64_t n = numel(keptShape);
  std::vector<double> accF(n, isProd ? 1.0 : 0.0);
  std::vector<int64_t> accI(n, isProd ? 1 : 0);
  std::vector<bool> seen(n, false);
  SmallVector<int64_t> os = stridesOf(keptShape), idx(rank, 0);
  for (int64_t k = 0, m = x.size(); k < m; ++k) {
    int64_t o = 0;
    for (int64_t d = 0; d < rank; ++d)
      if (!red[d])
        o += idx[d] * os[d];
    // One combiner for both kinds of values; integers have no L2, LogSum or
    // LogSumExp (left to seq).
    auto combine = [&](auto &acc, auto v) -> bool {
      constexpr bool isFloat = std::is_floating_point_v<decltype(v)>;
      if (isMax)
        acc = seen[o] ? std::max(acc, v) : v;
      else if (isMin)
        acc = seen[o] ? std::min(acc, v) : v;
      else if (isProd)
        acc *= v;
      else if (isSq || (isFloat && isL2))
        acc += v * v;
      else if (isL1)
        acc += v < 0 ? -v : v;
      else if (isFloat && isLSE)
        acc += std::exp(static_cast<double>(v));
      else if (isFloat || op == "ReduceSum" || isMean)
        acc += v;
      else
        return false;
      return true;
    };
    if (!(x.isFloat() ? combine(accF[o], x.f[k]) : combine(accI[o], x.i[k])))
      return std::nullopt;
    seen[o] = true;
    nextIndex(idx, x.shape);
  }
  int64_t count = n ? x.size() / n : 0;
  HostTensor r = make(x.elt, outShape);
  for (int64_t k = 0; k < n; ++k) {
    if (x.isFloat()) {
      double v = accF[k];
      if (isMean)
        v = count ? v / count : NAN;
      else if (isL2)
        v = std::sqrt(v);
      else if (isLogSum || isLSE)
        v = std::log(v);
      setF(r, k, v);
    } else {
      int64_t v = accI[k];
      if (isMean)
        v = count ? v / count : 0;
      setI(r, k, v);
    }
  }
  return one(r);
}

Folder::Result Folder::foldElementwise(StringRef op) {
  const HostTensor &a = *in[0];
  Type i1 = nc.b().getI1Type();
  auto cmp = [&](auto pf, auto pi) {
    return binary(
        a, *in[1], [=](double x, double y) -> double { return pf(x, y); },
        [=](int64_t x, int64_t y) -> int64_t { return pi(x, y); }, i1);
  };
  // Integer arithmetic wraps (two's complement) like the device code.
  auto wrapping = [](auto f) {
    return [f](int64_t x, int64_t y) -> int64_t {
      return static_cast<int64_t>(
          f(static_cast<uint64_t>(x), static_cast<uint64_t>(y)));
    };
  };
  if (op == "Add")
    return one(binary(a, *in[1], std::plus<double>(),
                      wrapping(std::plus<uint64_t>())));
  if (op == "Sub")
    return one(binary(a, *in[1], std::minus<double>(),
                      wrapping(std::minus<uint64_t>())));
  if (op == "Mul")
    return one(binary(a, *in[1], std::multiplies<double>(),
                      wrapping(std::multiplies<uint64_t>())));
  if (op == "Div")
    return one(binary(a, *in[1], std::divides<double>(), truncDiv));
  if (op == "Mod") {
    bool fmod = nc.attrInt("fmod", 0) != 0;
    return one(binary(
        a, *in[1], [](double x, double y) { return std::fmod(x, y); },
        [fmod](int64_t x, int64_t y) -> int64_t {
          return fmod ? truncRem(x, y) : pyMod(x, y);
        }));
  }
  if (op == "Pow")
    return in[1]->elt == a.elt
               ? one(binary(
                     a, *in[1],
                     [](double x, double y) { return std::pow(x, y); },
                     nullptr))
               : std::nullopt;
  if (op == "Equal")
    return one(cmp(std::equal_to<double>(), std::equal_to<int64_t>()));
  if (op == "Less")
    return one(cmp(std::less<double>(), std::less<int64_t>()));
  if (op == "LessOrEqual")
    return one(cmp(std::less_equal<double>(), std::less_equal<int64_t>()));
  if (op == "Greater")
    return one(cmp(std::greater<double>(), std::greater<int64_t>()));
  if (op == "GreaterOrEqual")
    return one(
        cmp(std::greater_equal<double>(), std::greater_equal<int64_t>()));
  if (op == "And" || op == "Or" || op == "Xor") {
    if (a.isFloat())
      return std::nullopt;
    return one(binary(a, *in[1], nullptr, [op](int64_t x, int64_t y) {
      return op == "And" ? (x & y) : op == "Or" ? (x | y) : (x ^ y);
    }));
  }
  if (op == "Max" || op == "Min" || op == "Sum") {
    std::optional<HostTensor> acc = a;
    for (size_t k = 1; k < in.size() && acc; ++k) {
      if (!in[k])
        return std::nullopt;
      if (op == "Sum")
        acc = binary(*acc, *in[k], std::plus<double>(), std::plus<int64_t>());
      else if (op == "Max")
        acc = binary(
            *acc, *in[k],
            [](double x, double y) {
              return std::isnan(x) || std::isnan(y) ? NAN : std::max(x, y);
            },
            [](int64_t x, int64_t y) { return std::max(x, y); });
      else
        acc = binary(
            *acc, *in[k],
            [](double x, double y) {
              return std::isnan(x) || std::isnan(y) ? NAN : std::min(x, y);
            },
            [](int64_t x, int64_t y) { return std::min(x, y); });
    }
    return one(acc);
  }
  if (op == "Where") {
    const HostTensor &c = a, &x = *in[1], &y = *in[2];
    if (c.isFloat() || x.elt != y.elt)
      return std::nullopt;
    auto shape = broadcastShape({&c, &x, &y});
    if (!shape || tooBig(*shape))
      return std::nullopt;
    HostTensor r = make(x.elt, *shape);
    auto ic = broadcastIndex(*shape, c.shape),
         ix = broadcastIndex(*shape, x.shape),
         iy = broadcastIndex(*shape, y.shape);
    for (int64_t k = 0, n = r.size(); k < n; ++k) {
      if (c.i[ic[k]])
        copyElt(r, k, x, ix[k]);
      else
        copyElt(r, k, y, iy[k]);
    }
    return one(r);
  }
  if (op == "Identity")
    return one(a);
  // Casts from/to 8- and 4-bit floats are left to the compiled code, which
  // implements ONNX's saturate and NaN rules (SmallFloatCast.cpp).
  auto smallFloat = [](Type t) {
    return isa<FloatType>(t) && t.getIntOrFloatBitWidth() <= 8;
  };
  if (op == "Cast") {
    const onnx::AttributeProto *to = nc.attr("to");
    Type elt = to ? convertElementType(nc.ctx(), to->i()) : Type();
    if (!elt || smallFloat(elt) || smallFloat(a.elt))
      return std::nullopt;
    return one(castTo(a, elt));
  }
  if (op == "CastLike") {
    if (smallFloat(in[1]->elt) || smallFloat(a.elt))
      return std::nullopt;
    return one(castTo(a, in[1]->elt));
  }
  if (op == "Neg")
    return one(unary(a, std::negate<double>(), std::negate<int64_t>()));
  if (op == "Abs")
    return one(unary(
        a, [](double x) { return std::fabs(x); },
        [](int64_t x) { return x < 0 ? -x : x; }));
  if (op == "Sign")
    return one(unary(
        a, [](double x) { return double((x > 0) - (x < 0)); },
        [](int64_t x) -> int64_t { return (x > 0) - (x < 0); }));
  if (op == "Relu")
    return one(unary(
        a, [](double x) { return x > 0 ? x : 0.0; },
        [](int64_t x) -> int64_t { return x > 0 ? x : 0; }));
  if (op == "Not") {
    if (!a.elt.isInteger(1))
      return std::nullopt;
    return one(unary(a, nullptr, [](int64_t x) -> int64_t { return !x; }));
  }
  using F = double (*)(double);
  F f = llvm::StringSwitch<F>(op)
            .Case("Sqrt", [](double x) { return std::sqrt(x); })
            .Case("Reciprocal", [](double x) { return 1.0 / x; })
            .Case("Exp", [](double x) { return std::exp(x); })
            .Case("Log", [](double x) { return std::log(x); })
            .Case("Floor", [](double x) { return std::floor(x); })
            .Case("Ceil", [](double x) { return std::ceil(x); })
            .Case("Round", [](double x) { return std::nearbyint(x); })
            .Default(nullptr);
  if (f && a.isFloat())
    return one(unary(a, f, nullptr));
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
