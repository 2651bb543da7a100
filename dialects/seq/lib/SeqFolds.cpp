//===- SeqFolds.cpp - host evaluation of seq ops on constants -------------===//
//
// One implementation of the ops' semantics on constants, used by the op
// folders (canonicalize) and by the importer's constant folding.
//
//===----------------------------------------------------------------------===//

#include "seq/IR/SeqFolds.h"
#include "seq/IR/SeqOps.h"
#include "seq/IR/SeqSemantics.h"

#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/SmallBitVector.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>

using namespace mlir;
using namespace mlir::seq;

//===----------------------------------------------------------------------===//
// HostTensor
//===----------------------------------------------------------------------===//

int64_t mlir::seq::foldNumElements(ArrayRef<int64_t> shape) {
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

bool mlir::seq::isUnsignedInt(Type elt) {
  auto it = dyn_cast<IntegerType>(elt);
  return it && (it.isUnsigned() || it.getWidth() == 1);
}

double mlir::seq::roundFloat(Type elt, double v) {
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

int64_t mlir::seq::wrapInt(Type elt, int64_t v) {
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

static double apToDouble(APFloat x) {
  bool lost;
  x.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
  return x.convertToDouble();
}

void HostTensor::setF(int64_t k, double v) {
  if (isFloat())
    f[k] = roundFloat(elt, v);
  else
    i[k] = wrapInt(elt, static_cast<int64_t>(v));
}

void HostTensor::setI(int64_t k, int64_t v) {
  if (isFloat())
    f[k] = roundFloat(elt, static_cast<double>(v));
  else
    i[k] = wrapInt(elt, v);
}

void HostTensor::copyElt(int64_t kd, const HostTensor &src, int64_t ks) {
  if (isFloat())
    f[kd] = src.f[ks];
  else
    i[kd] = src.i[ks];
}

HostTensor HostTensor::zeros(Type elt, ArrayRef<int64_t> shape) {
  HostTensor t{elt, SmallVector<int64_t>(shape), {}, {}};
  if (t.isFloat())
    t.f.assign(foldNumElements(shape), 0.0);
  else
    t.i.assign(foldNumElements(shape), 0);
  return t;
}

std::optional<HostTensor> HostTensor::read(Attribute attr,
                                           int64_t maxElements) {
  auto elements = dyn_cast_or_null<ElementsAttr>(attr);
  if (!elements)
    return std::nullopt;
  auto type = cast<ShapedType>(elements.getType());
  if (!type.hasStaticShape() || type.getNumElements() > maxElements)
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
  if (w == 0 || (bits % 8 && bits != 1) ||
      data.size() < static_cast<size_t>(n) * w)
    return std::nullopt;
  for (int64_t k = 0; k < n; ++k) {
    uint64_t raw = 0;
    std::memcpy(&raw, data.data() + k * w, w);
    if (auto ft = dyn_cast<FloatType>(elt))
      t.f.push_back(
          apToDouble(APFloat(ft.getFloatSemantics(), APInt(bits, raw))));
    else
      t.i.push_back(wrapInt(elt, static_cast<int64_t>(raw)));
  }
  return t;
}

DenseElementsAttr HostTensor::toAttr() const {
  auto type = RankedTensorType::get(shape, elt);
  if (auto ft = dyn_cast<FloatType>(elt)) {
    SmallVector<APFloat> vals;
    vals.reserve(f.size());
    for (double d : f) {
      APFloat x(d);
      bool lost;
      x.convert(ft.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
      vals.push_back(x);
    }
    return DenseElementsAttr::get(type, vals);
  }
  unsigned w = elt.getIntOrFloatBitWidth();
  SmallVector<APInt> vals;
  vals.reserve(i.size());
  for (int64_t v : i)
    vals.push_back(APInt(w, static_cast<uint64_t>(v), /*isSigned=*/w > 1,
                         /*implicitTrunc=*/true));
  return DenseElementsAttr::get(type, vals);
}

std::vector<int64_t> mlir::seq::broadcastIndex(ArrayRef<int64_t> out,
                                               ArrayRef<int64_t> in) {
  int64_t n = foldNumElements(out);
  std::vector<int64_t> idx(n);
  size_t lead = out.size() - in.size();
  // Strides of `in` aligned to `out` (0 on broadcast dims).
  SmallVector<int64_t> strides(out.size(), 0);
  int64_t s = 1;
  for (size_t d = in.size(); d-- > 0;) {
    strides[lead + d] = in[d] == 1 ? 0 : s;
    s *= in[d];
  }
  SmallVector<int64_t> pos(out.size(), 0);
  int64_t flat = 0;
  for (int64_t k = 0; k < n; ++k) {
    idx[k] = flat;
    for (size_t d = out.size(); d-- > 0;) {
      flat += strides[d];
      if (++pos[d] < out[d])
        break;
      flat -= strides[d] * out[d];
      pos[d] = 0;
    }
  }
  return idx;
}

HostTensor mlir::seq::castHostTensor(const HostTensor &a, Type elt) {
  HostTensor r = HostTensor::zeros(elt, a.shape);
  for (int64_t k = 0, n = r.size(); k < n; ++k) {
    if (a.isFloat()) {
      double v = a.f[k];
      if (r.isFloat())
        r.setF(k, v);
      else if (elt.isInteger(1))
        r.i[k] = v != 0.0;
      else
        // Out-of-range conversions are undefined in C++; clamp first.
        r.setI(k, std::isfinite(v)
                      ? static_cast<int64_t>(std::clamp(
                            v, -9223372036854775808.0, 9.2233720368547e18))
                      : 0);
    } else {
      r.setI(k, a.i[k]);
    }
  }
  return r;
}

//===----------------------------------------------------------------------===//
// Elementwise folders
//===----------------------------------------------------------------------===//

namespace {

using FloatFn = std::function<double(double, double)>;
using IntFn = std::function<int64_t(int64_t, int64_t)>;

/// The static result shape of `op` when it is small enough to fold.
std::optional<SmallVector<int64_t>> foldShape(Operation *op) {
  auto type = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!type || !type.hasStaticShape() ||
      foldNumElements(type.getShape()) > kMaxFoldElements)
    return std::nullopt;
  return SmallVector<int64_t>(type.getShape());
}

/// Broadcasting binary op into `resultElt`; a null function for the operand
/// kind (float/integer) means "does not fold".
std::optional<HostTensor> binary(ArrayRef<int64_t> shape, const HostTensor &a,
                                 const HostTensor &b, const FloatFn &ff,
                                 const IntFn &fi, Type resultElt) {
  if (a.elt != b.elt || (a.isFloat() ? !ff : !fi))
    return std::nullopt;
  HostTensor r = HostTensor::zeros(resultElt, shape);
  auto ia = broadcastIndex(shape, a.shape), ib = broadcastIndex(shape, b.shape);
  for (int64_t k = 0, n = r.size(); k < n; ++k) {
    if (a.isFloat())
      r.setF(k, ff(a.f[ia[k]], b.f[ib[k]]));
    else
      r.setI(k, fi(a.i[ia[k]], b.i[ib[k]]));
  }
  return r;
}

std::optional<HostTensor> unary(const HostTensor &a,
                                const std::function<double(double)> &ff,
                                const std::function<int64_t(int64_t)> &fi) {
  if (a.isFloat() ? !ff : !fi)
    return std::nullopt;
  HostTensor r = HostTensor::zeros(a.elt, a.shape);
  for (int64_t k = 0, n = r.size(); k < n; ++k) {
    if (a.isFloat())
      r.setF(k, ff(a.f[k]));
    else
      r.setI(k, fi(a.i[k]));
  }
  return r;
}

/// Integer arithmetic wraps (two's complement) like the device code.
template <typename F> IntFn wrapping(F f) {
  return [f](int64_t x, int64_t y) -> int64_t {
    return static_cast<int64_t>(
        f(static_cast<uint64_t>(x), static_cast<uint64_t>(y)));
  };
}

/// seq.div and seq.rem on the int64 host values (SeqSemantics.h: no traps on
/// x/0 and MIN/-1); results are wrapped to the element type afterwards.
int64_t hostDiv(int64_t a, int64_t b) {
  return intDiv(APInt(64, a, /*isSigned=*/true), APInt(64, b, true),
                /*isUnsigned=*/false)
      .getSExtValue();
}
int64_t hostRem(int64_t a, int64_t b) {
  return intRem(APInt(64, a, /*isSigned=*/true), APInt(64, b, true),
                /*isUnsigned=*/false)
      .getSExtValue();
}

double nanMax(double x, double y) {
  return std::isnan(x) || std::isnan(y) ? NAN : std::max(x, y);
}
double nanMin(double x, double y) {
  return std::isnan(x) || std::isnan(y) ? NAN : std::min(x, y);
}

std::optional<HostTensor> evalBinary(Operation *op, ArrayRef<int64_t> shape,
                                     const HostTensor &a, const HostTensor &b) {
  Type elt = a.elt;
  Type i1 = IntegerType::get(op->getContext(), 1);
  auto cmp = [&](auto pf, auto pi) {
    return binary(
        shape, a, b, [=](double x, double y) -> double { return pf(x, y); },
        [=](int64_t x, int64_t y) -> int64_t { return pi(x, y); }, i1);
  };
  if (isa<AddOp>(op))
    return binary(shape, a, b, std::plus<double>(),
                  wrapping(std::plus<uint64_t>()), elt);
  if (isa<SubOp>(op))
    return binary(shape, a, b, std::minus<double>(),
                  wrapping(std::minus<uint64_t>()), elt);
  if (isa<MulOp>(op))
    return binary(shape, a, b, std::multiplies<double>(),
                  wrapping(std::multiplies<uint64_t>()), elt);
  if (isa<DivOp>(op))
    return binary(shape, a, b, std::divides<double>(), hostDiv, elt);
  if (isa<RemOp>(op))
    return binary(
        shape, a, b, [](double x, double y) { return std::fmod(x, y); },
        hostRem, elt);
  if (isa<PowOp>(op))
    return binary(
        shape, a, b, [](double x, double y) { return std::pow(x, y); }, nullptr,
        elt);
  if (isa<MaxOp>(op))
    return binary(
        shape, a, b, nanMax,
        [](int64_t x, int64_t y) { return std::max(x, y); }, elt);
  if (isa<MinOp>(op))
    return binary(
        shape, a, b, nanMin,
        [](int64_t x, int64_t y) { return std::min(x, y); }, elt);
  if (isa<AndOp>(op))
    return binary(shape, a, b, nullptr, std::bit_and<int64_t>(), elt);
  if (isa<OrOp>(op))
    return binary(shape, a, b, nullptr, std::bit_or<int64_t>(), elt);
  if (isa<XorOp>(op))
    return binary(shape, a, b, nullptr, std::bit_xor<int64_t>(), elt);
  if (isa<EqualOp>(op))
    return cmp(std::equal_to<double>(), std::equal_to<int64_t>());
  if (isa<LessOp>(op))
    return cmp(std::less<double>(), std::less<int64_t>());
  if (isa<LessEqualOp>(op))
    return cmp(std::less_equal<double>(), std::less_equal<int64_t>());
  if (isa<GreaterOp>(op))
    return cmp(std::greater<double>(), std::greater<int64_t>());
  if (isa<GreaterEqualOp>(op))
    return cmp(std::greater_equal<double>(), std::greater_equal<int64_t>());
  return std::nullopt;
}

std::optional<HostTensor> evalUnary(Operation *op, const HostTensor &a) {
  using F = double (*)(double);
  if (isa<NegOp>(op))
    return unary(a, std::negate<double>(), std::negate<int64_t>());
  if (isa<AbsOp>(op))
    return unary(
        a, [](double x) { return std::fabs(x); },
        [](int64_t x) { return x < 0 ? -x : x; });
  if (isa<NotOp>(op))
    return a.elt.isInteger(1)
               ? unary(a, nullptr, [](int64_t x) -> int64_t { return !x; })
               : std::nullopt;
  if (isa<IsNaNOp>(op)) {
    if (!a.isFloat())
      return std::nullopt;
    HostTensor r =
        HostTensor::zeros(IntegerType::get(op->getContext(), 1), a.shape);
    for (int64_t k = 0, n = r.size(); k < n; ++k)
      r.i[k] = std::isnan(a.f[k]);
    return r;
  }
  // Correctly rounded IEEE operations, and exp/log, which shape
  // computations use (the compiled code approximates them to a few ulp);
  // other transcendental functions stay ops.
  F f = nullptr;
  if (isa<SqrtOp>(op))
    f = [](double x) { return std::sqrt(x); };
  else if (isa<ReciprocalOp>(op))
    f = [](double x) { return 1.0 / x; };
  else if (isa<FloorOp>(op))
    f = [](double x) { return std::floor(x); };
  else if (isa<CeilOp>(op))
    f = [](double x) { return std::ceil(x); };
  else if (isa<RoundOp>(op))
    f = [](double x) { return std::nearbyint(x); };
  else if (isa<ExpOp>(op))
    f = [](double x) { return std::exp(x); };
  else if (isa<LogOp>(op))
    f = [](double x) { return std::log(x); };
  if (f && a.isFloat())
    return unary(a, f, nullptr);
  return std::nullopt;
}

} // namespace

OpFoldResult mlir::seq::foldElementwise(Operation *op,
                                        ArrayRef<Attribute> operands) {
  std::optional<SmallVector<int64_t>> shape = foldShape(op);
  if (!shape || operands.empty())
    return {};
  SmallVector<HostTensor> in;
  for (Attribute a : operands) {
    std::optional<HostTensor> t = HostTensor::read(a);
    if (!t)
      return {};
    in.push_back(std::move(*t));
  }
  std::optional<HostTensor> r;
  if (isa<SelectOp>(op)) {
    const HostTensor &c = in[0], &x = in[1], &y = in[2];
    if (c.isFloat() || x.elt != y.elt)
      return {};
    r = HostTensor::zeros(x.elt, *shape);
    auto ic = broadcastIndex(*shape, c.shape),
         ix = broadcastIndex(*shape, x.shape),
         iy = broadcastIndex(*shape, y.shape);
    for (int64_t k = 0, n = r->size(); k < n; ++k)
      r->copyElt(k, c.i[ic[k]] ? x : y, c.i[ic[k]] ? ix[k] : iy[k]);
  } else if (in.size() == 2) {
    r = evalBinary(op, *shape, in[0], in[1]);
  } else if (in.size() == 1) {
    r = evalUnary(op, in[0]);
  }
  if (!r || r->elt != getElementTypeOrSelf(op->getResult(0).getType()) ||
      ArrayRef<int64_t>(r->shape) != ArrayRef<int64_t>(*shape))
    return {};
  return r->toAttr();
}

//===----------------------------------------------------------------------===//
// Other op folders
//===----------------------------------------------------------------------===//

static bool isSmallFloat(Type t) {
  return isa<FloatType>(t) && t.getIntOrFloatBitWidth() <= 8;
}

OpFoldResult CastOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  Type from = getInput().getType().getElementType(),
       to = getType().getElementType();
  // 8-bit float saturate and NaN rules are the lowering's
  // (SmallFloatCast.cpp).
  if (isSmallFloat(from) || isSmallFloat(to) || !to.isIntOrFloat())
    return {};
  std::optional<HostTensor> in = HostTensor::read(adaptor.getInput());
  if (!in)
    return {};
  return castHostTensor(*in, to).toAttr();
}

OpFoldResult BitcastOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  auto dense = dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput());
  if (!dense || getType().getElementType().getIntOrFloatBitWidth() < 8)
    return {};
  return dense.bitcast(getType().getElementType());
}

OpFoldResult TransposeOp::fold(FoldAdaptor adaptor) {
  ArrayRef<int64_t> perm = getPermutation();
  if (llvm::all_of(llvm::enumerate(perm),
                   [](auto p) { return p.value() == (int64_t)p.index(); }) &&
      getInput().getType() == getType())
    return getInput();
  auto out = cast<RankedTensorType>(getType());
  if (!out.hasStaticShape())
    return {};
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput());
      dense && dense.isSplat())
    return dense.resizeSplat(out);
  std::optional<HostTensor> in = HostTensor::read(adaptor.getInput());
  if (!in)
    return {};
  HostTensor r = HostTensor::zeros(in->elt, out.getShape());
  int64_t rank = in->shape.size();
  SmallVector<int64_t> inStrides(rank, 1), idx(rank, 0);
  for (int64_t d = rank - 1; d > 0; --d)
    inStrides[d - 1] = inStrides[d] * in->shape[d];
  for (int64_t k = 0, n = r.size(); k < n; ++k) {
    int64_t src = 0;
    for (int64_t d = 0; d < rank; ++d)
      src += idx[d] * inStrides[perm[d]];
    r.copyElt(k, *in, src);
    for (int64_t d = rank; d-- > 0;) {
      if (++idx[d] < out.getDimSize(d))
        break;
      idx[d] = 0;
    }
  }
  return r.toAttr();
}

OpFoldResult BroadcastOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  auto out = cast<RankedTensorType>(getType());
  if (!out.hasStaticShape())
    return {};
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput());
      dense && dense.isSplat())
    return dense.resizeSplat(out);
  if (foldNumElements(out.getShape()) > kMaxFoldElements)
    return {};
  std::optional<HostTensor> in = HostTensor::read(adaptor.getInput());
  if (!in)
    return {};
  HostTensor r = HostTensor::zeros(in->elt, out.getShape());
  std::vector<int64_t> idx = broadcastIndex(out.getShape(), in->shape);
  for (int64_t k = 0, n = r.size(); k < n; ++k)
    r.copyElt(k, *in, idx[k]);
  return r.toAttr();
}

OpFoldResult GatherOp::fold(FoldAdaptor adaptor) {
  auto out = cast<RankedTensorType>(getType());
  if (!out.hasStaticShape() ||
      foldNumElements(out.getShape()) > kMaxFoldElements)
    return {};
  std::optional<HostTensor> data = HostTensor::read(adaptor.getData());
  std::optional<HostTensor> indices = HostTensor::read(adaptor.getIndices());
  if (!data || !indices)
    return {};
  int64_t rank = data->shape.size();
  int64_t axis = *normalizeAxis(getAxis(), rank); // verified
  int64_t outer = 1, inner = 1, dim = data->shape[axis];
  for (int64_t d = 0; d < axis; ++d)
    outer *= data->shape[d];
  for (int64_t d = axis + 1; d < rank; ++d)
    inner *= data->shape[d];
  int64_t nIdx = indices->size();
  HostTensor r = HostTensor::zeros(data->elt, out.getShape());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < nIdx; ++j) {
      int64_t ix = indices->i[j];
      // Negative indices count from the end; out of range stays an op (the
      // compiled code reports it at run time).
      if (ix < -dim || ix >= dim)
        return {};
      if (ix < 0)
        ix += dim;
      for (int64_t k = 0; k < inner; ++k)
        r.copyElt((o * nIdx + j) * inner + k, *data,
                  (o * dim + ix) * inner + k);
    }
  return r.toAttr();
}

OpFoldResult ReduceOp::fold(FoldAdaptor adaptor) {
  auto out = cast<RankedTensorType>(getType());
  if (!out.hasStaticShape())
    return {};
  std::optional<HostTensor> in = HostTensor::read(adaptor.getInput());
  if (!in)
    return {};
  int64_t rank = in->shape.size();
  llvm::SmallBitVector reduced(rank);
  for (int64_t a : getAxes())
    reduced.set(*normalizeAxis(a, rank)); // verified
  // Output index of each input element: the kept dims, row-major.
  SmallVector<int64_t> keptStrides(rank, 0);
  int64_t s = 1, count = 1;
  for (int64_t d = rank; d-- > 0;) {
    if (reduced.test(d)) {
      count *= in->shape[d];
      continue;
    }
    keptStrides[d] = s;
    s *= in->shape[d];
  }
  if (s != out.getNumElements())
    return {};
  ReduceKind kind = getKind();
  bool isFloat = in->isFloat();
  std::vector<double> accF(s, 0.0);
  std::vector<int64_t> accI(s, 0);
  std::vector<bool> seen(s, false);
  SmallVector<int64_t> idx(rank, 0);
  for (int64_t k = 0, n = in->size(); k < n; ++k) {
    int64_t o = 0;
    for (int64_t d = 0; d < rank; ++d)
      o += idx[d] * keptStrides[d];
    if (isFloat) {
      double x = in->f[k], &acc = accF[o];
      switch (kind) {
      case ReduceKind::sum:
      case ReduceKind::mean:
        acc += x;
        break;
      case ReduceKind::prod:
        acc = seen[o] ? acc * x : x;
        break;
      case ReduceKind::max:
        acc = seen[o] ? nanMax(acc, x) : x;
        break;
      case ReduceKind::min:
        acc = seen[o] ? nanMin(acc, x) : x;
        break;
      }
    } else {
      int64_t x = in->i[k], &acc = accI[o];
      switch (kind) {
      case ReduceKind::sum:
      case ReduceKind::mean:
        acc = static_cast<int64_t>(static_cast<uint64_t>(acc) +
                                   static_cast<uint64_t>(x));
        break;
      case ReduceKind::prod:
        acc = seen[o] ? static_cast<int64_t>(static_cast<uint64_t>(acc) *
                                             static_cast<uint64_t>(x))
                      : x;
        break;
      case ReduceKind::max:
        acc = seen[o] ? std::max(acc, x) : x;
        break;
      case ReduceKind::min:
        acc = seen[o] ? std::min(acc, x) : x;
        break;
      }
    }
    seen[o] = true;
    for (int64_t d = rank; d-- > 0;) {
      if (++idx[d] < in->shape[d])
        break;
      idx[d] = 0;
    }
  }
  // An empty max/min has no identity: leave it to the compiled code.
  if (count == 0 && (kind == ReduceKind::max || kind == ReduceKind::min))
    return {};
  HostTensor r = HostTensor::zeros(in->elt, out.getShape());
  for (int64_t o = 0; o < s; ++o) {
    if (isFloat) {
      double v = !seen[o] && kind == ReduceKind::prod ? 1.0 : accF[o];
      r.setF(o, kind == ReduceKind::mean ? (count ? v / count : NAN) : v);
    } else {
      int64_t v = !seen[o] && kind == ReduceKind::prod ? 1 : accI[o];
      r.setI(o, kind == ReduceKind::mean ? (count ? v / count : 0) : v);
    }
  }
  return r.toAttr();
}
