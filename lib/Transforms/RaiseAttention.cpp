//===- RaiseAttention.cpp - decomposed SDPA -> seq.attention --------------===//
//
// Exporters before ONNX opset 23 spell scaled dot-product attention as
//   S = matmul(Q * a, transpose(K) * b) (* c | / c) (+ mask)
//   P = softmax(S, axis = -1)  [where(is_nan(P), 0, P)]
//   O = matmul(P, V)
// with K/V repeated per query-head group for GQA
//   reshape([B,Hkv,S,D] -> [B,Hkv,1,S,D]) -> broadcast([B,Hkv,G,S,D])
//   -> reshape([B,Hkv*G,S,D])
// and the transpose of K sometimes taken on a [B*H, S, D] reshape. All of it
// becomes one seq.attention with scale a * b * c (or a * b / c) and K/V at
// Hkv heads. Gemma-2's softcap, tanh(S / cap) * cap before the mask, becomes
// the op's `softcap`. Every match is exact: 4-D static shapes with identical
// batch dims in both matmuls, softmax over the last axis, constant splat
// scales.
//
//===----------------------------------------------------------------------===//

#include "RaiseUtils.h"
#include "seqc/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

#include <cmath>

using namespace mlir;

namespace seqc {
namespace {
using namespace raise;

/// A value to be reshaped (row-major, a no-op when the shape already
/// matches) to `shape` once the match has succeeded.
struct Reshaped {
  Value value;
  SmallVector<int64_t> shape;
};

static Value materialize(PatternRewriter &rw, Location loc, const Reshaped &r) {
  auto type = rankedType(r.value);
  if (type.getShape() == ArrayRef<int64_t>(r.shape))
    return r.value;
  return seq::ReshapeOp::create(
      rw, loc, RankedTensorType::get(r.shape, type.getElementType()), r.value);
}

static bool isStatic4D(Value v) {
  auto t = rankedType(v);
  return t && t.getRank() == 4 && t.hasStaticShape();
}

/// Peels multiplications (and, when `allowDiv`, divisions) by constant float
/// splats that do not change the shape of `v`, folding them into `scale`.
/// Each peeled value is appended to `chain` when given.
static Value peelScale(Value v, double &scale,
                       SmallVectorImpl<Value> *chain = nullptr) {
  while (true) {
    Value other;
    double c;
    if (auto mul = v.getDefiningOp<seq::MulOp>()) {
      if (!matchScalarOperand(mul.getLhs(), mul.getRhs(), mul.getType(),
                              /*commutative=*/true, other, c))
        return v;
      scale *= c;
    } else if (auto div = v.getDefiningOp<seq::DivOp>()) {
      if (!matchScalarOperand(div.getLhs(), div.getRhs(), div.getType(),
                              /*commutative=*/false, other, c) ||
          c == 0.0)
        return v;
      scale /= c;
    } else {
      return v;
    }
    if (chain)
      chain->push_back(v);
    v = other;
  }
}

/// Gemma-2's softcap on the scores: tanh(s / c) * c (or tanh(s * (1/c)) * c,
/// any operand order) with the same constant c > 0 up to float32 rounding.
/// Returns s and sets `cap`; the multiply, tanh and division are appended to
/// `chain`. Different constants in the two places do not match.
static Value matchSoftcap(Value v, double &cap,
                          SmallVectorImpl<Value> *chain = nullptr) {
  auto mul = v.getDefiningOp<seq::MulOp>();
  Value t;
  double outer, inner;
  if (!mul || !matchScalarOperand(mul.getLhs(), mul.getRhs(), mul.getType(),
                                  /*commutative=*/true, t, outer))
    return {};
  auto tanh = t.getDefiningOp<seq::TanhOp>();
  if (!tanh || !(outer > 0.0) || tanh.getType() != mul.getType())
    return {};
  Value in = tanh.getInput(), s;
  if (auto div = in.getDefiningOp<seq::DivOp>()) {
    if (!matchScalarOperand(div.getLhs(), div.getRhs(), div.getType(),
                            /*commutative=*/false, s, inner))
      return {};
  } else if (auto m = in.getDefiningOp<seq::MulOp>()) {
    if (!matchScalarOperand(m.getLhs(), m.getRhs(), m.getType(),
                            /*commutative=*/true, s, inner) ||
        inner == 0.0)
      return {};
    inner = 1.0 / inner;
  } else {
    return {};
  }
  if (std::fabs(inner - outer) > 1e-6 * outer || s.getType() != mul.getType())
    return {};
  cap = outer;
  if (chain)
    chain->append({v, t, in});
  return s;
}

/// `kt` (static [B,H,D,S]) is K ([B,H,S,D]) with its last two dims swapped:
/// transpose [0,1,3,2], or reshape([B,H,D,S]) of transpose [0,2,1] of
/// reshape([B*H,S,D]) of anything with K's row-major layout.
static std::optional<Reshaped> matchTransposedKey(Value kt) {
  auto ktType = rankedType(kt);
  ArrayRef<int64_t> s = ktType.getShape();
  SmallVector<int64_t> keyShape{s[0], s[1], s[3], s[2]};
  if (auto t = kt.getDefiningOp<seq::TransposeOp>()) {
    if (t.getPermutation() != ArrayRef<int64_t>{0, 1, 3, 2})
      return std::nullopt;
    return Reshaped{t.getInput(), keyShape};
  }
  auto outer = kt.getDefiningOp<seq::ReshapeOp>();
  if (!outer)
    return std::nullopt;
  auto t = outer.getInput().getDefiningOp<seq::TransposeOp>();
  if (!t || t.getPermutation() != ArrayRef<int64_t>{0, 2, 1})
    return std::nullopt;
  // [N, D, S] with N = B * H: merging/splitting the leading dims keeps the
  // row-major order, so this is the batched swap of the last two dims.
  ArrayRef<int64_t> ts = rankedType(t.getResult()).getShape();
  if (ts[0] != s[0] * s[1] || ts[1] != s[2] || ts[2] != s[3])
    return std::nullopt;
  auto inner = t.getInput().getDefiningOp<seq::ReshapeOp>();
  if (!inner)
    return Reshaped{t.getInput(), keyShape};
  return Reshaped{inner.getInput(), keyShape};
}

/// Strips reshapes (which keep the row-major layout) off `v`.
static Value stripReshapes(Value v) {
  while (auto r = v.getDefiningOp<seq::ReshapeOp>())
    v = r.getInput();
  return v;
}

/// `x` (row-major layout of the static 4-D `shape` [B,Hq,S,D]) repeats every
/// head of a [B,Hkv,S,D] tensor G = Hq / Hkv times, i.e. is the layout of
/// broadcast([B,Hkv,1,S,D] -> [B,Hkv,G,S,D]). Returns the [B,Hkv,S,D] tensor.
static std::optional<Reshaped> matchRepeatKV(Value x, ArrayRef<int64_t> shape) {
  auto bcast = stripReshapes(x).getDefiningOp<seq::BroadcastOp>();
  if (!bcast)
    return std::nullopt;
  ArrayRef<int64_t> out = bcast.getType().getShape();
  auto inType = rankedType(bcast.getInput());
  if (out.size() != 5 || !inType || inType.getRank() != 5 ||
      !inType.hasStaticShape())
    return std::nullopt;
  ArrayRef<int64_t> in = inType.getShape();
  if (out[0] != shape[0] || out[1] * out[2] != shape[1] || out[3] != shape[2] ||
      out[4] != shape[3])
    return std::nullopt;
  if (in[0] != out[0] || in[1] != out[1] || in[2] != 1 || in[3] != out[3] ||
      in[4] != out[4])
    return std::nullopt;
  SmallVector<int64_t> kvShape{out[0], out[1], out[3], out[4]};
  Value src = bcast.getInput();
  // Prefer an existing value of the wanted shape behind the unsqueeze.
  for (Value v = src;;) {
    if (rankedType(v).getShape() == ArrayRef<int64_t>(kvShape))
      return Reshaped{v, kvShape};
    auto r = v.getDefiningOp<seq::ReshapeOp>();
    if (!r)
      break;
    v = r.getInput();
  }
  return Reshaped{src, kvShape};
}

/// `p` is where(is_nan(sm), 0, sm): returns sm and the ops to absorb.
static Value matchNaNGuard(Value p, seq::SelectOp &guard, seq::IsNaNOp &isNaN) {
  guard = p.getDefiningOp<seq::SelectOp>();
  if (!guard)
    return {};
  isNaN = guard.getCond().getDefiningOp<seq::IsNaNOp>();
  std::optional<double> zero = getSplatFloat(guard.getLhs());
  if (!isNaN || !zero || *zero != 0.0 || isNaN.getInput() != guard.getRhs() ||
      guard.getType() != guard.getRhs().getType())
    return {};
  return guard.getRhs();
}

/// True when `mask` is a float constant whose elements are all finite, so
/// that no row of finite scores plus the mask is entirely -inf/NaN. A
/// select between such constants (a mask built at run time from a
/// condition, as generation steps do) is all finite too.
static bool isAllFiniteConstant(Value mask) {
  if (auto sel = mask.getDefiningOp<seq::SelectOp>())
    return isAllFiniteConstant(sel.getLhs()) &&
           isAllFiniteConstant(sel.getRhs());
  ElementsAttr attr;
  if (!matchPattern(mask, m_Constant(&attr)))
    return false;
  if (auto dense = dyn_cast<DenseFPElementsAttr>(attr))
    return llvm::all_of(dense.getValues<APFloat>(),
                        [](const APFloat &f) { return f.isFinite(); });
  if (auto res = dyn_cast<DenseF32ResourceElementsAttr>(attr)) {
    std::optional<ArrayRef<float>> data = res.tryGetAsArrayRef();
    return data &&
           llvm::all_of(*data, [](float f) { return std::isfinite(f); });
  }
  if (auto res = dyn_cast<DenseF64ResourceElementsAttr>(attr)) {
    std::optional<ArrayRef<double>> data = res.tryGetAsArrayRef();
    return data &&
           llvm::all_of(*data, [](double f) { return std::isfinite(f); });
  }
  return false;
}

struct RaiseAttention : OpRewritePattern<seq::MatMulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(seq::MatMulOp pv,
                                PatternRewriter &rw) const override {
    Value p = pv.getLhs(), v = pv.getRhs();
    if (!isStatic4D(p) || !isStatic4D(v) || !isStatic4D(pv.getResult()))
      return rw.notifyMatchFailure(pv, "not a static 4-D matmul");

    // Optional NaN guard, then the softmax over the last axis.
    seq::SelectOp guard;
    seq::IsNaNOp isNaN;
    Value probs = p;
    if (Value guarded = matchNaNGuard(p, guard, isNaN)) {
      if (!guard->hasOneUse() || !isNaN->hasOneUse())
        return rw.notifyMatchFailure(pv, "NaN guard has other users");
      probs = guarded;
    } else {
      guard = {};
    }
    auto softmax = probs.getDefiningOp<seq::SoftmaxOp>();
    if (!softmax || softmax.getLog() ||
        normalizeAxis(softmax.getAxis(), 4) != 3)
      return rw.notifyMatchFailure(pv,
                                   "lhs is not a softmax over the last axis");
    for (Operation *user : softmax->getUsers())
      if (user != pv && (!guard || (user != guard && user != isNaN)))
        return rw.notifyMatchFailure(pv, "softmax has other users");

    // Optional mask: scores + mask (float) or select(mask, scores, -inf).
    Value logits = softmax.getInput(), scores = logits, mask;
    auto logitsType = rankedType(logits);
    Type elt = logitsType.getElementType();
    auto isMaskShape = [&](Value m) {
      auto mt = rankedType(m);
      return mt && mt.getRank() <= 4 && mt.hasStaticShape();
    };
    if (auto add = logits.getDefiningOp<seq::AddOp>()) {
      for (int swap = 0; swap < 2 && !mask; ++swap) {
        Value s = swap ? add.getRhs() : add.getLhs();
        Value m = swap ? add.getLhs() : add.getRhs();
        double unused = 1.0, cap;
        Value capped = matchSoftcap(s, cap);
        if (s.getType() == logitsType && isMaskShape(m) &&
            rankedType(m).getElementType() == elt &&
            peelScale(capped ? capped : s, unused)
                .getDefiningOp<seq::MatMulOp>()) {
          scores = s;
          mask = m;
        }
      }
      if (!mask)
        return rw.notifyMatchFailure(pv, "add is not scores + mask");
    } else if (auto sel = logits.getDefiningOp<seq::SelectOp>()) {
      std::optional<double> fill = getSplatFloat(sel.getRhs());
      if (!fill || !std::isinf(*fill) || *fill > 0 ||
          sel.getLhs().getType() != logitsType || !isMaskShape(sel.getCond()))
        return rw.notifyMatchFailure(pv, "select is not a -inf bool mask");
      scores = sel.getLhs();
      mask = sel.getCond();
    }
    if (mask && !logits.hasOneUse())
      return rw.notifyMatchFailure(pv, "masked scores have other users");
    // The guard can only be dropped when no row can be fully masked.
    if (guard && mask && !isAllFiniteConstant(mask))
      return rw.notifyMatchFailure(
          pv, "NaN guard with a mask that may mask a whole row");

    // Constant scale on the scores, then Q K^T.
    double scale = 1.0, softcap = 0.0;
    SmallVector<Value> chain;
    if (Value capped = matchSoftcap(scores, softcap, &chain))
      scores = capped;
    Value raw = peelScale(scores, scale, &chain);
    auto qk = raw.getDefiningOp<seq::MatMulOp>();
    if (!qk || !isStatic4D(qk.getLhs()) || !isStatic4D(qk.getRhs()))
      return rw.notifyMatchFailure(pv, "scores are not a 4-D matmul");
    chain.push_back(raw);
    if (!llvm::all_of(chain, [](Value s) { return s.hasOneUse(); }))
      return rw.notifyMatchFailure(pv, "scores have other users");
    Value q = peelScale(qk.getLhs(), scale);
    Value kt = peelScale(qk.getRhs(), scale);
    std::optional<Reshaped> key = matchTransposedKey(kt);
    if (!key)
      return rw.notifyMatchFailure(pv, "rhs of Q K^T is not a transposed K");
    // A scale may also sit on K before the transpose.
    key->value = peelScale(key->value, scale);

    // Shapes: Q [B,H,Sq,D], K [B,H,Skv,D], P [B,H,Sq,Skv], V [B,H,Skv,Dv].
    auto qType = rankedType(q), vType = rankedType(v);
    ArrayRef<int64_t> qs = qType.getShape(), ks = key->shape,
                      ps = rankedType(p).getShape(), vs = vType.getShape();
    int64_t B = qs[0], H = qs[1], Sq = qs[2], D = qs[3], Skv = ks[2];
    if (ks[0] != B || ks[1] != H || ks[3] != D ||
        ps != ArrayRef<int64_t>{B, H, Sq, Skv} || vs[0] != B || vs[1] != H ||
        vs[2] != Skv || !isa<FloatType>(elt) || qType.getElementType() != elt ||
        vType.getElementType() != elt ||
        rankedType(key->value).getElementType() != elt ||
        pv.getType().getElementType() != elt)
      return rw.notifyMatchFailure(pv, "shapes or element types do not match");
    if (mask) {
      SmallVector<int64_t> scoreShape{B, H, Sq, Skv};
      FailureOr<SmallVector<int64_t>> b =
          seq::broadcastShapes({scoreShape, rankedType(mask).getShape()});
      if (failed(b) || ArrayRef<int64_t>(*b) != ArrayRef<int64_t>(scoreShape))
        return rw.notifyMatchFailure(pv, "mask does not broadcast to scores");
    }

    // Fold repeat-kv when both K and V repeat the same kv heads.
    Reshaped k = *key, val{v, SmallVector<int64_t>(vs)};
    if (std::optional<Reshaped> kInner = matchRepeatKV(key->value, ks)) {
      std::optional<Reshaped> vInner = matchRepeatKV(v, vs);
      if (vInner && vInner->shape[1] == kInner->shape[1]) {
        k = *kInner;
        val = *vInner;
      }
    }

    Location loc = pv.getLoc();
    Value kv = materialize(rw, loc, k), vv = materialize(rw, loc, val);
    rw.replaceOpWithNewOp<seq::AttentionOp>(
        pv, pv.getType(), q, kv, vv, mask, rw.getF32FloatAttr((float)scale),
        /*causal=*/nullptr, rw.getF32FloatAttr((float)softcap));
    return success();
  }
};

/// attention(q, repeat_kv(k), repeat_kv(v)) -> attention(q, k, v). The op
/// itself maps query head h to kv head h / (Hq / Hkv), which is what the
/// repeat spells out; opset-23 exports (Attention after Unsqueeze/Expand/
/// Reshape of K and V) otherwise copy every kv head G times.
struct FoldRepeatKVIntoAttention : OpRewritePattern<seq::AttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(seq::AttentionOp op,
                                PatternRewriter &rw) const override {
    auto kt = rankedType(op.getKey()), vt = rankedType(op.getValue());
    if (!kt || !vt || kt.getRank() != 4 || vt.getRank() != 4 ||
        !kt.hasStaticShape() || !vt.hasStaticShape())
      return rw.notifyMatchFailure(op, "K/V not static rank 4");
    std::optional<Reshaped> k = matchRepeatKV(op.getKey(), kt.getShape());
    std::optional<Reshaped> v = matchRepeatKV(op.getValue(), vt.getShape());
    if (!k || !v || k->shape[1] != v->shape[1])
      return rw.notifyMatchFailure(op, "K and V are not the same repeat-kv");
    Value kv = materialize(rw, op.getLoc(), *k);
    Value vv = materialize(rw, op.getLoc(), *v);
    rw.modifyOpInPlace(op, [&] {
      op.getKeyMutable().assign(kv);
      op.getValueMutable().assign(vv);
    });
    return success();
  }
};

} // namespace

void populateRaiseAttentionPatterns(RewritePatternSet &patterns) {
  patterns.add<RaiseAttention, FoldRepeatKVIntoAttention>(
      patterns.getContext());
}

} // namespace seqc
