//===- RaiseIntegerMatMul.cpp - dynamic int8 matmuls -> seq.quant_matmul --===//
//
// onnxruntime's dynamic quantization (quantize_dynamic) writes each MatMul as
//
//   xq, xs, xz = DynamicQuantizeLinear(x)
//   y = Cast<float>(MatMulInteger(xq, Wq, xz, wz)) * (xs * ws)   [+ bias]
//
// with Wq a constant int8/uint8 [K, N] weight, wz and ws per tensor or per
// output column. The importer spells this as elementwise seq ops and an i32
// seq.matmul on an i32 copy of the weight. Since xs * (xq - xz) is x rounded
// to xs's grid (DynamicQuantizeLinear's range always holds x, so nothing
// saturates), the chain is x * ((Wq - wz) * ws) with activations rounded to
// 8 bits: it becomes one seq.quant_matmul on the same weight integers (signed
// ones shifted to unsigned with their zero points) and ws, with
// int8_activations, which the packed kernel quantizes per row and block of
// `group` k (symmetric int8, finer than the per-tensor uint8 of the graph,
// so results differ from onnxruntime's by activation rounding only).
//
// Anything else (a non-constant B, a batched B, A not from a
// DynamicQuantizeLinear of the same tensor, a missing activation zero point,
// a scale that is not xs times a constant) keeps the exact generic integer
// lowering.
//
//===----------------------------------------------------------------------===//

#include "RaiseUtils.h"
#include "seqc/Transforms/Passes.h"

#include "seq/IR/SeqOps.h"
#include "seq/IR/SeqQuantOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <cstring>

using namespace mlir;

namespace seqc {
namespace {
using namespace raise;

/// f32 values of a constant (dense or resource blob).
std::optional<SmallVector<float>> constFloats(Value v) {
  Attribute attr;
  if (!v || !matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  if (auto dense = dyn_cast<DenseFPElementsAttr>(attr)) {
    if (!dense.getElementType().isF32())
      return std::nullopt;
    return llvm::to_vector(dense.getValues<float>());
  }
  if (auto res = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = res.getRawHandle().getBlob();
    if (!blob || !res.getType().getElementType().isF32() ||
        blob->getData().size() !=
            static_cast<size_t>(res.getType().getNumElements()) * 4)
      return std::nullopt;
    ArrayRef<char> d = blob->getData();
    SmallVector<float> out(d.size() / 4);
    std::memcpy(out.data(), d.data(), d.size());
    return out;
  }
  return std::nullopt;
}

/// Per tensor (one element) or per output column: a shape that broadcasts
/// to [..., N] with every dim but the last 1 and the last N.
bool perTensorOrColumn(Value v, int64_t n) {
  auto t = rankedType(v);
  if (!t || !t.hasStaticShape())
    return false;
  if (t.getNumElements() == 1)
    return true;
  if (t.getRank() == 0 || t.getShape().back() != n)
    return false;
  return llvm::all_of(t.getShape().drop_back(),
                      [](int64_t d) { return d == 1; });
}

/// The source of an integer widening `seq.cast` to i32, if `v` is one.
Value widenedFrom(Value v, unsigned srcBits) {
  auto c = v.getDefiningOp<seq::CastOp>();
  if (!c)
    return {};
  auto src = rankedType(c.getInput());
  if (!src || !src.getElementType().isInteger(srcBits))
    return {};
  return c.getInput();
}

bool isSplat(Value v, double value) {
  std::optional<double> s = getSplatFloat(v);
  return s && *s == value;
}

/// `v` is `op(x, splat)` for the binary seq op OpTy: returns x.
template <typename OpTy> Value withSplat(Value v, double splat) {
  auto op = v.getDefiningOp<OpTy>();
  if (!op || !isSplat(op.getRhs(), splat))
    return {};
  return op.getLhs();
}

/// An integer constant widened to i32: `cast<i32>(C)` with C an 8-bit
/// constant, or the constant that cast folded into. Returns C (or `v`).
Value widenedConstant(Value v) {
  Value src = widenedFrom(v, 8);
  if (!src)
    src = v;
  auto t = rankedType(src);
  if (!t || !isa<IntegerType>(t.getElementType()) ||
      !matchPattern(src, m_Constant()))
    return {};
  return src;
}

/// `v` is `cast<ui8>(min(max(f, 0), 255))`: returns f.
Value clampToU8(Value v) {
  auto c = v.getDefiningOp<seq::CastOp>();
  auto t = c ? rankedType(c.getResult()) : RankedTensorType();
  if (!t || !t.getElementType().isUnsignedInteger(8))
    return {};
  Value lo = withSplat<seq::MinOp>(c.getInput(), 255.0);
  return lo ? withSplat<seq::MaxOp>(lo, 0.0) : Value();
}

/// `v` is `reduce <kind>(x)` over all of x's axes.
Value reducedAll(Value v, seq::ReduceKind kind) {
  auto r = v.getDefiningOp<seq::ReduceOp>();
  if (!r || r.getKind() != kind)
    return {};
  auto in = rankedType(r.getInput());
  if (!in || static_cast<int64_t>(r.getAxes().size()) != in.getRank())
    return {};
  return r.getInput();
}

/// The import of DynamicQuantizeLinear(x) (lib/Import/QuantizeOps.cpp) whose
/// quantized output is `q` and zero point `zp`: returns x and sets `scale`
///   hi = max(reduce_max(x), 0), lo = min(reduce_min(x), 0)
///   scale = (hi - lo) / 255, zpf = round(-(lo / scale))
///   q = u8(clamp(round(x / scale) + zpf)), zp = u8(clamp(zpf)).
Value matchDynamicQuantize(Value q, Value zp, Value &scale) {
  Value qf = clampToU8(q), zpf = clampToU8(zp);
  if (!qf || !zpf)
    return {};
  auto add = qf.getDefiningOp<seq::AddOp>();
  if (!add || add.getRhs() != zpf)
    return {};
  auto round = add.getLhs().getDefiningOp<seq::RoundOp>();
  auto div = round ? round.getInput().getDefiningOp<seq::DivOp>() : nullptr;
  if (!div)
    return {};
  Value x = div.getLhs();
  scale = div.getRhs();
  // zpf = round(neg(lo / scale))
  auto zr = zpf.getDefiningOp<seq::RoundOp>();
  auto neg = zr ? zr.getInput().getDefiningOp<seq::NegOp>() : nullptr;
  auto zdiv = neg ? neg.getInput().getDefiningOp<seq::DivOp>() : nullptr;
  if (!zdiv || zdiv.getRhs() != scale)
    return {};
  Value lo = zdiv.getLhs();
  // scale = (hi - lo) / 255
  Value range = withSplat<seq::DivOp>(scale, 255.0);
  auto sub = range ? range.getDefiningOp<seq::SubOp>() : nullptr;
  if (!sub || sub.getRhs() != lo)
    return {};
  Value hiIn = withSplat<seq::MaxOp>(sub.getLhs(), 0.0);
  Value loIn = withSplat<seq::MinOp>(lo, 0.0);
  if (!hiIn || !loIn || reducedAll(hiIn, seq::ReduceKind::max) != x ||
      reducedAll(loIn, seq::ReduceKind::min) != x)
    return {};
  auto xt = rankedType(x);
  if (!xt || !xt.getElementType().isF32())
    return {};
  return x;
}

struct RaiseIntegerMatMul : OpRewritePattern<seq::MulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(seq::MulOp mul,
                                PatternRewriter &rewriter) const override {
    auto rt = rankedType(mul.getResult());
    if (!rt || !rt.getElementType().isF32() || !rt.hasStaticShape())
      return failure();
    seq::MatMulOp mm;
    Value outScale;
    for (int i = 0; i < 2 && !mm; ++i) {
      auto c = mul->getOperand(i).getDefiningOp<seq::CastOp>();
      mm = c ? c.getInput().getDefiningOp<seq::MatMulOp>() : nullptr;
      outScale = mul->getOperand(1 - i);
    }
    if (!mm)
      return rewriter.notifyMatchFailure(mul, "not a scaled integer matmul");
    auto mt = rankedType(mm.getResult());
    if (!mt || !mt.getElementType().isInteger(32) ||
        mt.getShape() != rt.getShape())
      return failure();

    // B: cast<i32>(Wq) [- cast<i32>(wz)], Wq a constant 8-bit [K, N] (the
    // casts may have been folded into i32 constants: the integer values
    // matter, not their storage type).
    Value wq, wz;
    if (auto sub = mm.getRhs().getDefiningOp<seq::SubOp>()) {
      wq = widenedConstant(sub.getLhs());
      wz = widenedConstant(sub.getRhs());
      if (!wz)
        return failure();
    } else {
      wq = widenedConstant(mm.getRhs());
    }
    auto wt = wq ? rankedType(wq) : RankedTensorType();
    if (!wt || wt.getRank() != 2 || !wt.hasStaticShape())
      return rewriter.notifyMatchFailure(mul, "B is not a constant 2-D "
                                              "integer tensor");
    int64_t k = wt.getDimSize(0), n = wt.getDimSize(1);
    if (k == 0 || n == 0 || (wz && !perTensorOrColumn(wz, n)))
      return failure();

    // A: cast<i32>(xq) - cast<i32>(xz) from one DynamicQuantizeLinear(x).
    auto asub = mm.getLhs().getDefiningOp<seq::SubOp>();
    if (!asub)
      return rewriter.notifyMatchFailure(mul, "A has no zero point");
    Value xq = widenedFrom(asub.getLhs(), 8),
          xz = widenedFrom(asub.getRhs(), 8);
    Value xScale;
    Value x = xq && xz ? matchDynamicQuantize(xq, xz, xScale) : Value();
    if (!x)
      return rewriter.notifyMatchFailure(
          mul, "A is not a DynamicQuantizeLinear output");
    auto xt = rankedType(x);
    if (xt.getRank() < 2 || xt.getShape().back() != k)
      return failure();

    // Output scale: xs * ws (either order), ws a constant f32 per tensor or
    // per column.
    auto smul = outScale.getDefiningOp<seq::MulOp>();
    if (!smul)
      return failure();
    Value ws = smul.getLhs() == xScale   ? smul.getRhs()
               : smul.getRhs() == xScale ? smul.getLhs()
                                         : Value();
    if (!ws || !perTensorOrColumn(ws, n))
      return rewriter.notifyMatchFailure(mul, "scale is not xs * constant");

    std::optional<SmallVector<int64_t>> q = raise::constIntValues(wq);
    std::optional<SmallVector<float>> s = constFloats(ws);
    std::optional<SmallVector<int64_t>> z =
        wz ? raise::constIntValues(wz) : SmallVector<int64_t>{0};
    if (!q || !s || !z)
      return rewriter.notifyMatchFailure(mul, "B, its scale or zero point "
                                              "is not a constant");

    // One block of up to 128 k per scale: the blocks only set the
    // granularity of the kernel's activation quantization.
    int64_t group = std::clamp<int64_t>(
        llvm::PowerOf2Ceil(std::max<int64_t>(k, 1)), 16, 128);
    int64_t blocks = (k + group - 1) / group;
    // Unsigned bytes: int8 values (and zero points) shift by 128.
    auto [lo, hi] = std::minmax_element(q->begin(), q->end());
    auto [zlo, zhi] = std::minmax_element(z->begin(), z->end());
    int64_t vmin = std::min(*lo, *zlo), vmax = std::max(*hi, *zhi);
    int64_t shift = vmin >= 0 && vmax <= 255 ? 0 : 128;
    if (vmin + shift < 0 || vmax + shift > 255)
      return rewriter.notifyMatchFailure(mul, "B is not 8-bit");
    auto col = [&](ArrayRef<int64_t> v, int64_t c) {
      return v.size() == 1 ? v[0] : v[c];
    };
    std::vector<char> wb(n * blocks * group, 0), zb(n * blocks);
    std::vector<float> sb(n * blocks);
    bool symmetric = true;
    for (int64_t c = 0; c < n; ++c) {
      int64_t zp = col(*z, c) + shift;
      symmetric &= zp == 128;
      float sc = s->size() == 1 ? (*s)[0] : (*s)[c];
      for (int64_t g = 0; g < blocks; ++g) {
        zb[c * blocks + g] = static_cast<char>(zp);
        sb[c * blocks + g] = sc;
      }
      char *dst = wb.data() + c * blocks * group;
      for (int64_t i = 0; i < k; ++i)
        dst[i] = static_cast<char>((*q)[i * n + c] + shift);
    }

    Location loc = mul.getLoc();
    auto u8 = rewriter.getIntegerType(8, /*isSigned=*/false);
    auto blobConst = [&](RankedTensorType t, StringRef name,
                         ArrayRef<char> bytes, size_t align) -> Value {
      AsmResourceBlob blob =
          HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, align);
      return arith::ConstantOp::create(
          rewriter, loc,
          DenseResourceElementsAttr::get(t, name, std::move(blob)));
    };
    Value w = blobConst(RankedTensorType::get({n, blocks, group}, u8), "mmi_w",
                        wb, 64);
    Value scales = blobConst(
        RankedTensorType::get({n, blocks}, rewriter.getF32Type()), "mmi_scales",
        ArrayRef<char>(reinterpret_cast<const char *>(sb.data()),
                       sb.size() * sizeof(float)),
        alignof(float));
    Value zps = symmetric ? Value()
                          : blobConst(RankedTensorType::get({n, blocks}, u8),
                                      "mmi_zp", zb, 8);
    rewriter.replaceOp(
        mul, seq::QuantMatMulOp::create(rewriter, loc, rt, x, w, scales, zps,
                                        rewriter.getI64IntegerAttr(8),
                                        rewriter.getI64IntegerAttr(group),
                                        rewriter.getUnitAttr()));
    return success();
  }
};

} // namespace

void populateRaiseIntegerMatMulPatterns(RewritePatternSet &patterns) {
  patterns.add<RaiseIntegerMatMul>(patterns.getContext());
}

} // namespace seqc
