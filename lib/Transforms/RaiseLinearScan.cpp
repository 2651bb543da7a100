//===- RaiseLinearScan.cpp - exported SSM recurrences -> seq.linear_scan --===//
//
// Exporters unroll state-space recurrences; three forms are raised:
//
// * Mamba's selective scan (HF `slow_forward`): with dA = exp(L) and dBx
//   ([B, D, T, N]: D channels, N states) and C ([B, T, N]), for each step t
//     h_t = gather(dA, t, axis 2) * h_{t-1} + gather(dBx, t, axis 2)
//     y_t = gather(matmul(h_t, reshape(gather(C, t, axis 1))), 0, axis 2)
//   and the y_t (reshaped to [B, D, 1]) concatenated along time. Every
//   channel is a linear_scan head with a [N, 1] state: decay = L
//   (diagonal, = Δ·A), k = Δ·B, v = x (or k = dBx and v = 1 when dBx is not
//   such a product), q = C broadcast over the channels, S_{-1} = h_{-1}.
//
// * Mamba-2's chunked SSD (HF `torch_forward`): Y = Y_diag + Y_off over
//   chunks [B, c, l, H, *] of X (x·Δ), B, C with the per-head log decay
//   A ([B, H, c, l], = Δ·A), its in-chunk cumsum, the segment sums
//   exp(segsum(A)) and the inter-chunk recurrence over the chunk states.
//   All of it is the additive linear_scan with q = C, k = B, v = X,
//   decay = A (one value per head) and the chunks' initial state. The
//   exporter's chunking is not kept: on the CPU the step-by-step lowering
//   does half the FLOPs of the chunked one (no C x C scores) and measured
//   ~15% faster end to end on mamba2_mid (chunks of 64 or 128).
//
// * The causal depthwise conv1d (Conv with group = C, kernel [C, 1, K],
//   pads [K-1, *], the first L outputs kept) becomes seq.causal_conv.
//
// Every structural and constant piece is checked (equations, axes, masks,
// fill values, which values feed which op); anything else keeps its
// generic lowering.
//
//===----------------------------------------------------------------------===//

#include "RaiseUtils.h"
#include "seqc/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;

namespace seqc {
namespace {
using namespace raise;

/// The value of a one-element integer constant (rank 0 or [1]).
static std::optional<int64_t> getScalarInt(Value v) {
  DenseIntElementsAttr attr;
  if (!v || !matchPattern(v, m_Constant(&attr)) || attr.getNumElements() != 1)
    return std::nullopt;
  return (*attr.getValues<APInt>().begin()).getSExtValue();
}

/// `v` is gather(data, t, axis) with a scalar constant index; returns the
/// data and sets `t` to the index normalized to [0, dim).
static Value matchGatherStep(Value v, int64_t axis, int64_t &t) {
  auto g = v ? v.getDefiningOp<seq::GatherOp>() : nullptr;
  if (!g || g.getAxis() != axis || rankedType(g.getIndices()).getRank() != 0)
    return {};
  auto dt = rankedType(g.getData());
  std::optional<int64_t> idx = getScalarInt(g.getIndices());
  if (!dt || !idx || dt.isDynamicDim(axis))
    return {};
  int64_t n = dt.getDimSize(axis);
  t = *idx < 0 ? *idx + n : *idx;
  return t >= 0 && t < n ? g.getData() : Value();
}

/// Both operand orders of a binary op: calls `fn(a, b)` until it succeeds.
template <typename Op, typename Fn> static bool eitherOrder(Op op, Fn fn) {
  return fn(op.getLhs(), op.getRhs()) || fn(op.getRhs(), op.getLhs());
}

static bool isSplat(Value v, double value) {
  std::optional<double> s = getSplatFloat(v);
  return s && (*s == value || (std::isinf(value) && std::isinf(*s) &&
                               std::signbit(value) == std::signbit(*s)));
}

/// A constant [n, n] i1 tensor with m[i][j] = (j > i) when `strict`, else
/// (j >= i).
static bool isUpperMask(Value v, int64_t n, bool strict) {
  DenseElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)) ||
      !attr.getElementType().isInteger(1) ||
      attr.getType().getShape() != ArrayRef<int64_t>{n, n})
    return false;
  int64_t i = 0;
  for (bool b : attr.getValues<bool>()) {
    int64_t r = i / n, c = i % n;
    if (b != (strict ? c > r : c >= r))
      return false;
    ++i;
  }
  return true;
}

/// `v` is HF's segment_sum(x) for x [..., n]:
///   s = select(j >= i, 0, broadcast(reshape(x, [..., n, 1]), [..., n, n]))
///   select(j > i, -inf, cumsum(s, axis = -2))
/// Returns x.
static Value matchSegsum(Value v) {
  auto outer = v.getDefiningOp<seq::SelectOp>();
  if (!outer || !isSplat(outer.getLhs(), -INFINITY))
    return {};
  auto vt = rankedType(v);
  if (!vt || !vt.hasStaticShape() || vt.getRank() < 2)
    return {};
  int64_t r = vt.getRank(), n = vt.getDimSize(r - 1);
  if (vt.getDimSize(r - 2) != n || !isUpperMask(outer.getCond(), n, true))
    return {};
  auto cum = outer.getRhs().getDefiningOp<seq::CumSumOp>();
  if (!cum || cum.getAxis() != r - 2 || cum.getExclusive() || cum.getReverse())
    return {};
  auto inner = cum.getInput().getDefiningOp<seq::SelectOp>();
  if (!inner || !isSplat(inner.getLhs(), 0.0) ||
      !isUpperMask(inner.getCond(), n, false))
    return {};
  auto bc = inner.getRhs().getDefiningOp<seq::BroadcastOp>();
  auto rs = bc ? bc.getInput().getDefiningOp<seq::ReshapeOp>() : nullptr;
  if (!rs)
    return {};
  Value x = rs.getInput();
  auto xt = rankedType(x);
  SmallVector<int64_t> want(vt.getShape().drop_back());
  if (!xt || xt.getShape() != ArrayRef<int64_t>(want))
    return {};
  want.push_back(1);
  if (rankedType(rs.getResult()).getShape() != ArrayRef<int64_t>(want))
    return {};
  return x;
}

static seq::EinsumOp matchEinsum(Value v, StringRef eq) {
  auto e = v ? v.getDefiningOp<seq::EinsumOp>() : nullptr;
  if (!e || e.getEquation() != eq || e.getInputs().size() != 2)
    return nullptr;
  return e;
}

/// `v` is transpose(x, perm), optionally reshaped after: returns x.
static Value matchTransposed(Value v, ArrayRef<int64_t> perm,
                             bool allowReshape) {
  if (auto rs = allowReshape ? v.getDefiningOp<seq::ReshapeOp>() : nullptr)
    v = rs.getInput();
  auto tr = v.getDefiningOp<seq::TransposeOp>();
  if (!tr || tr.getPermutation() != perm)
    return {};
  return tr.getInput();
}

/// [B, c, l, H, D] chunks -> [B, H, c*l, D].
static Value headsMajor(PatternRewriter &rw, Location loc, Value x) {
  auto t = rankedType(x);
  ArrayRef<int64_t> s = t.getShape();
  Type elt = t.getElementType();
  Value flat = seq::ReshapeOp::create(
      rw, loc, RankedTensorType::get({s[0], s[1] * s[2], s[3], s[4]}, elt), x);
  return seq::TransposeOp::create(
      rw, loc, RankedTensorType::get({s[0], s[3], s[1] * s[2], s[4]}, elt),
      flat, ArrayRef<int64_t>{0, 2, 1, 3});
}

//===----------------------------------------------------------------------===//
// Mamba selective scan
//===----------------------------------------------------------------------===//

struct RaiseSelectiveScan : OpRewritePattern<tensor::ConcatOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tensor::ConcatOp cat,
                                PatternRewriter &rw) const override {
    auto ct = cast<RankedTensorType>(cat.getType());
    if (ct.getRank() != 3 || cat.getDim() != 2 || !ct.hasStaticShape())
      return rw.notifyMatchFailure(cat, "not a [B, D, T] time concat");
    int64_t T = ct.getDimSize(2);
    if (static_cast<int64_t>(cat.getInputs().size()) != T)
      return rw.notifyMatchFailure(cat, "not one operand per step");
    Value dA, dBx, cMat, init;
    SmallVector<Value> states(T);
    SmallVector<Operation *> stepMatmuls(T);
    for (auto [i, in] : llvm::enumerate(cat.getInputs())) {
      int64_t t = static_cast<int64_t>(i), idx;
      // reshape(gather(matmul(h_t, reshape(gather(C, t, 1))), 0, axis 2)).
      auto rs = in.getDefiningOp<seq::ReshapeOp>();
      Value mmv = rs ? matchGatherStep(rs.getInput(), 2, idx) : Value();
      auto mm = mmv ? mmv.getDefiningOp<seq::MatMulOp>() : nullptr;
      if (!mm || idx != 0)
        return rw.notifyMatchFailure(cat, "step output is not h_t . C_t");
      auto crs = mm.getRhs().getDefiningOp<seq::ReshapeOp>();
      Value c = crs ? matchGatherStep(crs.getInput(), 1, idx) : Value();
      if (!c || idx != t || (cMat && c != cMat))
        return rw.notifyMatchFailure(cat, "C_t is not C[:, t]");
      cMat = c;
      states[t] = mm.getLhs();
      stepMatmuls[t] = mm;
    }
    auto mt = rankedType(cMat);
    if (!mt || mt.getRank() != 3 || !mt.hasStaticShape())
      return rw.notifyMatchFailure(cat, "C is not [B, T, N]");
    int64_t B = mt.getDimSize(0), N = mt.getDimSize(2), D = ct.getDimSize(1);
    auto stateType = RankedTensorType::get({B, D, N}, ct.getElementType());
    // h_t = gather(dA, t) * h_{t-1} + gather(dBx, t).
    for (int64_t t = 0; t < T; ++t) {
      auto add = states[t].getDefiningOp<seq::AddOp>();
      if (!add || states[t].getType() != stateType)
        return rw.notifyMatchFailure(cat, "h_t is not an add");
      Value prev;
      bool ok = eitherOrder(add, [&](Value a, Value b) {
        int64_t ib, ia;
        Value bx = matchGatherStep(b, 2, ib);
        auto mul = a.getDefiningOp<seq::MulOp>();
        if (!bx || ib != t || (dBx && bx != dBx) || !mul)
          return false;
        return eitherOrder(mul, [&](Value g, Value h) {
          Value da = matchGatherStep(g, 2, ia);
          if (!da || ia != t || (dA && da != dA) || h.getType() != stateType)
            return false;
          dA = da;
          dBx = bx;
          prev = h;
          return true;
        });
      });
      if (!ok)
        return rw.notifyMatchFailure(cat, "h_t is not dA_t * h_{t-1} + dBx_t");
      if (t == 0)
        init = prev;
      else if (prev != states[t - 1])
        return rw.notifyMatchFailure(cat, "the steps are not chained");
    }
    auto full = RankedTensorType::get({B, D, T, N}, ct.getElementType());
    if (dA.getType() != full || dBx.getType() != full)
      return rw.notifyMatchFailure(cat, "dA/dBx are not [B, D, T, N]");
    auto ex = dA.getDefiningOp<seq::ExpOp>();
    if (!ex)
      return rw.notifyMatchFailure(cat, "dA is not exp(Δ·A)");

    Location loc = cat.getLoc();
    Type elt = ct.getElementType();
    auto colType = RankedTensorType::get({B, D, T, 1}, elt);
    // k·vᵀ = dBx: split off the per-channel factor x when there is one.
    Value k = dBx, v;
    if (auto mul = dBx.getDefiningOp<seq::MulOp>())
      eitherOrder(mul, [&](Value a, Value b) {
        if (a.getType() != full || b.getType() != colType)
          return false;
        k = a;
        v = b;
        return true;
      });
    if (!v)
      v = arith::ConstantOp::create(
          rw, loc, DenseElementsAttr::get(colType, rw.getFloatAttr(elt, 1.0)));
    // k = Δ·B with B shared by the channels: k vᵀ = B (Δ·x)ᵀ, so the key is
    // B broadcast over the heads (read in place by the lowering) and the
    // per-channel factors go to the [B, D, T, 1] value.
    else if (auto kmul = k.getDefiningOp<seq::MulOp>()) {
      auto sharedType = RankedTensorType::get({B, 1, T, N}, elt);
      eitherOrder(kmul, [&](Value dt, Value bm) {
        if (dt.getType() != colType || bm.getType() != sharedType)
          return false;
        k = seq::BroadcastOp::create(rw, loc, full, bm);
        v = seq::MulOp::create(rw, loc, colType, dt, v);
        return true;
      });
    }
    Value q = seq::ReshapeOp::create(
        rw, loc, RankedTensorType::get({B, 1, T, N}, elt), cMat);
    q = seq::BroadcastOp::create(rw, loc, full, q);
    Value s0;
    if (!isSplat(init, 0.0))
      s0 = seq::ReshapeOp::create(
          rw, loc, RankedTensorType::get({B, D, N, 1}, elt), init);
    auto scan = seq::LinearScanOp::create(
        rw, loc, colType, RankedTensorType::get({B, D, N, 1}, elt), q, k, v, s0,
        ex.getInput(), Value(), seq::LinearScanRule::additive, APFloat(1.0f),
        0);
    // The last state may be a model output (cache): read it from the scan.
    Value last = states[T - 1];
    if (!llvm::all_of(last.getUsers(),
                      [&](Operation *u) { return u == stepMatmuls[T - 1]; })) {
      Value fin =
          seq::ReshapeOp::create(rw, loc, stateType, scan.getFinalState());
      rw.replaceUsesWithIf(last, fin, [&](OpOperand &use) {
        return use.getOwner() != stepMatmuls[T - 1];
      });
    }
    rw.replaceOpWithNewOp<seq::ReshapeOp>(cat, ct, scan.getResult());
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Mamba-2 chunked SSD
//===----------------------------------------------------------------------===//

struct RaiseChunkedSSD : OpRewritePattern<seq::AddOp> {
  using OpRewritePattern::OpRewritePattern;

  /// Y_diag = einsum(G * L, X) with G = einsum(C, B), L = exp(segsum(A))
  /// permuted to [b, c, l, s, h].
  static bool matchDiag(Value yd, Value &cc, Value &bc, Value &x, Value &a) {
    auto e = matchEinsum(yd, "bclsh,bcshp->bclhp");
    if (!e)
      return false;
    auto m = e.getInputs()[0].getDefiningOp<seq::MulOp>();
    x = e.getInputs()[1];
    return m && eitherOrder(m, [&](Value gv, Value lv) {
             auto g = matchEinsum(gv, "bclhn,bcshn->bclsh");
             Value ex = matchTransposed(lv, {0, 2, 3, 4, 1}, false);
             auto exp = ex ? ex.getDefiningOp<seq::ExpOp>() : nullptr;
             if (!g || !exp || gv.getType() != lv.getType())
               return false;
             a = matchSegsum(exp.getInput());
             cc = g.getInputs()[0];
             bc = g.getInputs()[1];
             return static_cast<bool>(a);
           });
  }

  /// The cumsum of `a` along the chunk (axis 3).
  static bool isChunkCumsum(Value v, Value a) {
    auto cs = v.getDefiningOp<seq::CumSumOp>();
    return cs && cs.getInput() == a && cs.getAxis() == 3 &&
           !cs.getExclusive() && !cs.getReverse();
  }

  /// The chunk states entering each chunk: slice [:, :c] of
  /// einsum(exp(segsum(pad(Acum[..., -1]))) as [b, z, c, h], concat(S0,
  /// chunk-local states)); the local states are einsum(B * exp(Acum[-1] -
  /// Acum), X). Sets `s0` to the initial chunk state [b, 1, h, p, n].
  static bool matchStates(Value v, Value cc, Value bc, Value x, Value acum,
                          Value &s0) {
    auto sl = v.getDefiningOp<tensor::ExtractSliceOp>();
    if (!sl || !sl.hasUnitStride() ||
        llvm::any_of(sl.getStaticOffsets(), [](int64_t o) { return o != 0; }))
      return false;
    auto ns = matchEinsum(sl.getSource(), "bzch,bzhpn->bchpn");
    if (!ns)
      return false;
    auto nst = rankedType(ns.getResult());
    auto st = rankedType(v);
    int64_t c = rankedType(x).getDimSize(1);
    if (nst.getDimSize(1) != c + 1 || st.getDimSize(1) != c ||
        st.getShape().drop_front(2) != nst.getShape().drop_front(2))
      return false;
    // decay_chunk = transpose(exp(segsum(concat(0, Acum[..., last]))),
    // [0, 3, 2, 1]).
    Value dcx = matchTransposed(ns.getInputs()[0], {0, 3, 2, 1}, false);
    auto dce = dcx ? dcx.getDefiningOp<seq::ExpOp>() : nullptr;
    Value padded = dce ? matchSegsum(dce.getInput()) : Value();
    auto pad = padded ? padded.getDefiningOp<tensor::ConcatOp>() : nullptr;
    if (!pad || pad.getDim() != 2 || pad.getInputs().size() != 2 ||
        !isSplat(pad.getInputs()[0], 0.0))
      return false;
    int64_t l = rankedType(x).getDimSize(2), idx;
    if (matchGatherStep(pad.getInputs()[1], 3, idx) != acum || idx != l - 1)
      return false;
    auto cat = ns.getInputs()[1].getDefiningOp<tensor::ConcatOp>();
    if (!cat || cat.getDim() != 1 || cat.getInputs().size() != 2 ||
        rankedType(cat.getInputs()[0]).getDimSize(1) != 1)
      return false;
    s0 = cat.getInputs()[0];
    auto loc = matchEinsum(cat.getInputs()[1], "bclhn,bclhp->bchpn");
    if (!loc || loc.getInputs()[1] != x)
      return false;
    auto bd = loc.getInputs()[0].getDefiningOp<seq::MulOp>();
    return bd && eitherOrder(bd, [&](Value b, Value d) {
             if (b != bc)
               return false;
             Value e = matchTransposed(d, {0, 2, 3, 1}, true);
             auto exp = e ? e.getDefiningOp<seq::ExpOp>() : nullptr;
             auto sub =
                 exp ? exp.getInput().getDefiningOp<seq::SubOp>() : nullptr;
             if (!sub || sub.getRhs() != acum)
               return false;
             auto last = sub.getLhs().getDefiningOp<tensor::ExtractSliceOp>();
             if (!last || last.getSource() != acum || !last.hasUnitStride())
               return false;
             ArrayRef<int64_t> off = last.getStaticOffsets(),
                               sz = last.getStaticSizes();
             return off == ArrayRef<int64_t>{0, 0, 0, l - 1} && sz.back() == 1;
           });
  }

  LogicalResult matchAndRewrite(seq::AddOp add,
                                PatternRewriter &rw) const override {
    Value cc, bc, x, a, acum, s0;
    bool ok = eitherOrder(add, [&](Value yd, Value yo) {
      if (!matchDiag(yd, cc, bc, x, a))
        return false;
      // Y_off = einsum(C, states) * exp(Acum) as [b, c, l, h, 1].
      auto m = yo.getDefiningOp<seq::MulOp>();
      return m && eitherOrder(m, [&](Value cs, Value dv) {
               auto e = matchEinsum(cs, "bclhn,bchpn->bclhp");
               Value ex = matchTransposed(dv, {0, 2, 3, 1}, true);
               auto exp = ex ? ex.getDefiningOp<seq::ExpOp>() : nullptr;
               if (!e || !exp || e.getInputs()[0] != cc ||
                   !isChunkCumsum(exp.getInput(), a))
                 return false;
               acum = exp.getInput();
               return matchStates(e.getInputs()[1], cc, bc, x, acum, s0);
             });
    });
    if (!ok)
      return rw.notifyMatchFailure(add, "not the chunked SSD form");
    // Shapes: X [b, c, l, h, p], B/C [b, c, l, h, n], A [b, h, c, l].
    auto xt = rankedType(x), bt = rankedType(bc), at = rankedType(a);
    if (!xt.hasStaticShape() || xt.getRank() != 5 || bt.getRank() != 5 ||
        bt != rankedType(cc) || at.getRank() != 4 ||
        xt.getShape().take_front(4) != bt.getShape().take_front(4) ||
        at.getShape() != ArrayRef<int64_t>{xt.getDimSize(0), xt.getDimSize(3),
                                           xt.getDimSize(1),
                                           xt.getDimSize(2)} ||
        add.getType() != xt)
      return rw.notifyMatchFailure(add, "unexpected SSD shapes");
    int64_t B = xt.getDimSize(0), H = xt.getDimSize(3), P = xt.getDimSize(4),
            N = bt.getDimSize(4), T = xt.getDimSize(1) * xt.getDimSize(2);
    Type elt = xt.getElementType();
    Location loc = add.getLoc();
    Value q = headsMajor(rw, loc, cc), k = headsMajor(rw, loc, bc),
          v = headsMajor(rw, loc, x);
    Value g = seq::ReshapeOp::create(
        rw, loc, RankedTensorType::get({B, H, T, 1}, elt), a);
    // The initial state [b, 1, h, p, n] as [b, h, n, p] (none when zero).
    Value init;
    if (!isSplat(s0, 0.0)) {
      Value s = seq::ReshapeOp::create(
          rw, loc, RankedTensorType::get({B, H, P, N}, elt), s0);
      init = seq::TransposeOp::create(rw, loc,
                                      RankedTensorType::get({B, H, N, P}, elt),
                                      s, ArrayRef<int64_t>{0, 1, 3, 2});
    }
    auto scan = seq::LinearScanOp::create(
        rw, loc, RankedTensorType::get({B, H, T, P}, elt),
        RankedTensorType::get({B, H, N, P}, elt), q, k, v, init, g, Value(),
        seq::LinearScanRule::additive, APFloat(1.0f), 0);
    Value y = seq::TransposeOp::create(
        rw, loc, RankedTensorType::get({B, T, H, P}, elt), scan.getResult(),
        ArrayRef<int64_t>{0, 2, 1, 3});
    rw.replaceOpWithNewOp<seq::ReshapeOp>(add, xt, y);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Causal depthwise conv1d
//===----------------------------------------------------------------------===//

struct RaiseCausalConv : OpRewritePattern<tensor::ExtractSliceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tensor::ExtractSliceOp sl,
                                PatternRewriter &rw) const override {
    auto conv = sl.getSource().getDefiningOp<seq::ConvOp>();
    if (!conv)
      return failure();
    auto xt = rankedType(conv.getInput()), wt = rankedType(conv.getWeight());
    if (!xt || !wt || xt.getRank() != 3 || !xt.hasStaticShape() ||
        !wt.hasStaticShape())
      return rw.notifyMatchFailure(sl, "not a static 1-D conv");
    int64_t B = xt.getDimSize(0), C = xt.getDimSize(1), L = xt.getDimSize(2),
            K = wt.getDimSize(2);
    if (static_cast<int64_t>(conv.getGroup()) != C || wt.getDimSize(0) != C ||
        wt.getDimSize(1) != 1 || conv.getStrides() != ArrayRef<int64_t>{1} ||
        conv.getDilations() != ArrayRef<int64_t>{1} || K < 2 ||
        conv.getPads()[0] != K - 1)
      return rw.notifyMatchFailure(sl, "not a causal depthwise conv");
    if (!sl.hasUnitStride() ||
        sl.getStaticOffsets() != ArrayRef<int64_t>{0, 0, 0} ||
        sl.getStaticSizes() != ArrayRef<int64_t>{B, C, L} || sl.getType() != xt)
      return rw.notifyMatchFailure(sl, "not the first L outputs");
    Location loc = sl.getLoc();
    Value w = seq::ReshapeOp::create(
        rw, loc, RankedTensorType::get({C, K}, wt.getElementType()),
        conv.getWeight());
    auto cc = seq::CausalConvOp::create(
        rw, loc, xt, RankedTensorType::get({B, C, K - 1}, xt.getElementType()),
        conv.getInput(), w, conv.getBias(), Value(),
        seq::CausalConvActivation::none);
    rw.replaceOp(sl, cc.getResult());
    return success();
  }
};

} // namespace

void populateRaiseLinearScanPatterns(RewritePatternSet &patterns) {
  patterns.add<RaiseSelectiveScan, RaiseChunkedSSD, RaiseCausalConv>(
      patterns.getContext());
}

} // namespace seqc
