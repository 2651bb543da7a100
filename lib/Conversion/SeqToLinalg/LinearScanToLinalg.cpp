//===- LinearScanToLinalg.cpp - seq.linear_scan / causal_conv -> linalg ---===//
//
// seq.linear_scan: the [B, Hkv, Dk, Dv] state and the stacked output are
// the iter_args of scf.for loops over the sequence, with linalg.generics on
// tensors inside.
//  * Step by step (decode, the delta rule, a chunk remainder): per step t
//      S  = S * exp(g)                       (gated; in place on the state)
//      r  = Sᵀ k                             (delta rule)
//      S += k ⊗ (v or β (v - r))             (in place)
//      o  = scale · Sᵀ q   per query head group, inserted at row t.
//  * Chunked prefill (static T, chunk_size > 1): chunks of
//    C = min(chunk_size, T) steps. With Γ the in-chunk cumulative log decay,
//    each chunk is a few parallel contractions: the inter-chunk read
//    (q e^Γ)ᵀ S, the causal C x C scores q·k e^{Γ_t - Γ_s} times V, and the
//    state update e^{Γ_last} S + Σ_s (k_s e^{Γ_last - Γ_s}) v_sᵀ. The delta
//    rule first replaces V by the values it writes (WY form: a unit
//    lower-triangular C x C system, solved by forward substitution over the
//    chunk's rows). The T mod C remaining steps run step by step.
// The state is accumulated in at least f32 (f16/bf16 activations are
// extended in the generic bodies), the results are truncated at the end.
//
// seq.causal_conv concatenates the state and the input into P (tensor
// inserts), reduces P[l + k] * w[k] over the kernel in one generic, adds the
// bias and applies silu in a second; the new state is the tail of P.
//
//===----------------------------------------------------------------------===//

#include "Common.h"
#include "Patterns.h"
#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;

namespace seqc::lowering {
namespace {

/// The accumulation type: the widest of `types` and f32.
static FloatType computeType(MLIRContext *ctx, ArrayRef<Type> types) {
  FloatType ct = Float32Type::get(ctx);
  for (Type t : types)
    if (auto ft = dyn_cast<FloatType>(t); ft && ft.getWidth() > ct.getWidth())
      ct = ft;
  return ct;
}

/// Converts the scalar `v` to the float type `to` (extf / truncf / none).
static Value convertFloat(OpBuilder &b, Location l, Value v, Type to) {
  auto from = cast<FloatType>(v.getType());
  auto dst = cast<FloatType>(to);
  if (from == dst)
    return v;
  if (from.getWidth() < dst.getWidth())
    return arith::ExtFOp::create(b, l, dst, v);
  return arith::TruncFOp::create(b, l, dst, v);
}

/// Converts a whole tensor to element type `to` (a copy-free no-op when it
/// already has it).
static Value convertTensor(OpBuilder &b, Location loc, Value v, Type to) {
  auto t = cast<RankedTensorType>(v.getType());
  if (t.getElementType() == to)
    return v;
  auto rt = t.clone(to);
  Value init = createEmpty(b, loc, rt, {v});
  AffineMap id = AffineMap::getMultiDimIdentityMap(t.getRank(), b.getContext());
  return buildGeneric(b, loc, rt, {v}, {init}, {id, id}, iterators(t.getRank()),
                      [&](OpBuilder &bb, Location l, ValueRange args) {
                        return SmallVector<Value>{
                            convertFloat(bb, l, args[0], to)};
                      })
      .getResult(0);
}

static bool staticExcept(RankedTensorType t, int64_t dim) {
  for (int64_t d = 0; d < t.getRank(); ++d)
    if (d != dim && t.isDynamicDim(d))
      return false;
  return true;
}

/// The slice x[:, :, start : start + size, :] of a 4-D [B, H, T, D] tensor.
static Value sliceRange(OpBuilder &b, Location loc, Value x, Value start,
                        int64_t size) {
  auto xt = cast<RankedTensorType>(x.getType());
  SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0), b.getIndexAttr(0),
                                       start, b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes = {
      b.getIndexAttr(xt.getDimSize(0)), b.getIndexAttr(xt.getDimSize(1)),
      b.getIndexAttr(size), b.getIndexAttr(xt.getDimSize(3))};
  SmallVector<OpFoldResult> strides(4, b.getIndexAttr(1));
  auto rt = RankedTensorType::get(
      {xt.getDimSize(0), xt.getDimSize(1), size, xt.getDimSize(3)},
      xt.getElementType());
  return tensor::ExtractSliceOp::create(b, loc, rt, x, offsets, sizes, strides);
}

/// Builds the loops of one seq.linear_scan. Shapes: B batch, Hq/Hkv heads,
/// G = Hq / Hkv, Dk/Dv channels; `ct` is the accumulation type.
struct ScanBuilder {
  ScanBuilder(PatternRewriter &rw, Location loc)
      : rw(rw), loc(loc), ctx(rw.getContext()) {}
  PatternRewriter &rw;
  Location loc;
  MLIRContext *ctx;
  Value q, k, v, g, beta;
  /// exp(g) over the whole sequence, computed once before the step loop.
  Value expG;
  /// The [B, 1, T, Dk] source of a query broadcast over the heads (Mamba's
  /// C, shared by all channels), read directly instead of the broadcast.
  Value sharedQ;
  /// The same for a key broadcast over the kv heads (Mamba's B).
  Value sharedK;
  /// A diagonal log decay that is the outer product Δ ⊗ A of a per-step
  /// [B, Hkv, T, 1] and a per-channel [B, Hkv, 1, Dk] factor (Mamba's Δ·A):
  /// its exp is taken per step from the factors, not materialized.
  Value decayDt, decayA;
  int64_t b = 0, hq = 0, hkv = 0, grp = 0, dk = 0, dv = 0;
  Type elt;
  FloatType ct;
  bool delta = false, perHeadDecay = false, sharedBeta = false;
  double scale = 1.0;

  AffineExpr dim(unsigned i) { return getAffineDimExpr(i, ctx); }
  AffineExpr zero() { return getAffineConstantExpr(0, ctx); }
  AffineMap map(unsigned n, ArrayRef<AffineExpr> e) {
    return AffineMap::get(n, 0, e, ctx);
  }
  AffineMap id(unsigned n) { return AffineMap::getMultiDimIdentityMap(n, ctx); }
  RankedTensorType stateType() {
    return RankedTensorType::get({b, hkv, dk, dv}, ct);
  }
  Value zeros(ArrayRef<int64_t> shape) {
    return createFilled(rw, loc, RankedTensorType::get(shape, ct),
                        rw.getFloatAttr(ct, 0.0), {});
  }
  /// Zeros for a temporary written inside the per-head parallel loop. The
  /// marker attribute keeps CSE from merging them with an identical fill
  /// outside the loop (e.g. an RMSNorm accumulator of the same shape), whose
  /// single buffer every head would then write: a data race.
  Value privateZeros(ArrayRef<int64_t> shape) {
    auto type = RankedTensorType::get(shape, ct);
    auto empty = tensor::EmptyOp::create(rw, loc, type, ValueRange{});
    auto fill = linalg::FillOp::create(rw, loc, floatConst(rw, loc, ct, 0.0),
                                       empty.getResult());
    empty->setAttr("seq.scan_private", rw.getUnitAttr());
    fill->setAttr("seq.scan_private", rw.getUnitAttr());
    return fill.getResult(0);
  }
  Value cvt(OpBuilder &bb, Location l, Value x) {
    return convertFloat(bb, l, x, ct);
  }
  /// Indices of the log-decay cumsum at step `t` and key channel `d` (one
  /// value per head when the decay is per head).
  SmallVector<AffineExpr> decayIndex(AffineExpr t, AffineExpr d) {
    return {dim(0), dim(1), t, perHeadDecay ? zero() : d};
  }
  /// The in-chunk term x[t, i] y[s, i] (e^{gam[t, i] - gam[s, i]} when
  /// gated): a[0] = x, a[1] = y, a[2] = gam at t, a[3] = gam at s.
  Value decayedPair(OpBuilder &bb, Location l, ValueRange a) {
    Value p = arith::MulFOp::create(bb, l, cvt(bb, l, a[0]), cvt(bb, l, a[1]));
    if (!g)
      return p;
    Value d = arith::SubFOp::create(bb, l, a[2], a[3]);
    return arith::MulFOp::create(bb, l, p, math::ExpOp::create(bb, l, d));
  }
  /// Body of acc += x[.., i] (e^{gam[.., i]} when gated) S[i, ..]: a[0] = x,
  /// a[1] = S, a[2] = gam (gated only), a.back() = the accumulator.
  SmallVector<Value> decayedProduct(OpBuilder &bb, Location l, ValueRange a) {
    Value x = cvt(bb, l, a[0]);
    if (g)
      x = arith::MulFOp::create(bb, l, x, math::ExpOp::create(bb, l, a[2]));
    Value p = arith::MulFOp::create(bb, l, x, a[1]);
    return {arith::AddFOp::create(bb, l, a.back(), p)};
  }
  /// Scales the [B, Hkv, G, N, Dv] accumulator by `scale`, converts it to the
  /// output element type and inserts it as rows [start, start + N). The
  /// generic writes into those rows of `acc` themselves (an extract/insert
  /// pair on the same rows bufferizes in place): no chunk-sized temporary
  /// and no copy at each chunk boundary.
  Value storeRows(Value o, Value acc, Value start, int64_t n) {
    auto eltType = RankedTensorType::get({b, hkv, grp, n, dv}, elt);
    SmallVector<OpFoldResult> offsets = {rw.getIndexAttr(0), rw.getIndexAttr(0),
                                         start, rw.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes = {rw.getIndexAttr(b), rw.getIndexAttr(hq),
                                       rw.getIndexAttr(n), rw.getIndexAttr(dv)};
    SmallVector<OpFoldResult> strides(4, rw.getIndexAttr(1));
    SmallVector<ReassociationIndices> heads = {{0}, {1, 2}, {3}, {4}};
    auto rowsType = RankedTensorType::get({b, hq, n, dv}, elt);
    Value dst = tensor::ExtractSliceOp::create(rw, loc, rowsType, acc, offsets,
                                               sizes, strides);
    Value init =
        tensor::ExpandShapeOp::create(rw, loc, eltType, dst, heads).getResult();
    o = buildGeneric(rw, loc, eltType, {o}, {init}, {id(5), id(5)},
                     iterators(5),
                     [&](OpBuilder &bb, Location l, ValueRange a) {
                       Value sc = arith::MulFOp::create(
                           bb, l, a[0], floatConst(bb, l, ct, scale));
                       return SmallVector<Value>{convertFloat(bb, l, sc, elt)};
                     })
            .getResult(0);
    Value rows = tensor::CollapseShapeOp::create(rw, loc, rowsType, o, heads);
    return tensor::InsertSliceOp::create(rw, loc, rows, acc, offsets, sizes,
                                         strides);
  }
  /// q rows [start, start + n) as [B, Hkv, G, n, Dk]: the query heads of a
  /// group are the expanded [Hkv, G] view of Hq.
  Value groupedQuery(Value start, int64_t n) {
    Value rows = sliceRange(rw, loc, q, start, n);
    return tensor::ExpandShapeOp::create(
        rw, loc, RankedTensorType::get({b, hkv, grp, n, dk}, elt), rows,
        SmallVector<ReassociationIndices>{{0}, {1, 2}, {3}, {4}});
  }

  /// Marks a scan loop for the seq-cascade-report scan rows: its form
  /// (step / chunked / step-remainder), the steps it covers (-1: dynamic),
  /// the chunk length and the shapes.
  void tag(Operation *loop, StringRef form, int64_t steps, int64_t chunk) {
    loop->setAttr("seq.scan", rw.getStringAttr(form));
    auto i64 = [&](int64_t v) { return rw.getI64IntegerAttr(v); };
    loop->setAttr("seq.scan_steps", i64(steps));
    loop->setAttr("seq.scan_chunk", i64(chunk));
    loop->setAttr("seq.scan_heads", i64(b * hkv));
    loop->setAttr("seq.scan_group", i64(grp));
    loop->setAttr("seq.scan_dk", i64(dk));
    loop->setAttr("seq.scan_dv", i64(dv));
    loop->setAttr("seq.scan_state_bytes",
                  i64(b * hkv * dk * dv * (ct.getWidth() / 8)));
  }

  /// The whole sequence with the time loop inside a parallel loop over the
  /// (batch, kv head) pairs: each head runs its own recurrence on its
  /// [Dk, Dv] state slice (in place in the carried state) and writes its
  /// query heads' output rows. Small states (Mamba: Dk = 16, Dv = 1, a head
  /// per channel) stay in cache for all steps and one parallel region
  /// replaces a few per step. The readout sums with math.fma: a per-step
  /// matmul call would cost more than the step itself.
  std::pair<Value, Value> perHeadScan(Value state, Value acc, Value len,
                                      OpFoldResult lenF) {
    auto at = [&](int64_t v) -> OpFoldResult { return rw.getIndexAttr(v); };
    SmallVector<OpFoldResult> ubs = {at(b), at(hkv)};
    auto forall = scf::ForallOp::create(rw, loc, ubs, ValueRange{state, acc},
                                        std::nullopt);
    tag(forall, "step", getConstantIntValue(lenF).value_or(-1), 1);
    OpBuilder::InsertionGuard guard(rw);
    rw.setInsertionPointToStart(forall.getBody());
    Value bi = forall.getInductionVars()[0], hi = forall.getInductionVars()[1];
    ArrayRef<BlockArgument> sh = forall.getRegionIterArgs();
    Value qh0 = arith::MulIOp::create(
        rw, loc, hi, arith::ConstantIndexOp::create(rw, loc, grp));
    // The [headSize, sizes...] slice of x at (bi, head, offsets...), the
    // head dim dropped when it is a single kv head.
    auto headSlice = [&](Value x, OpFoldResult head, int64_t headSize,
                         ArrayRef<OpFoldResult> offs,
                         ArrayRef<OpFoldResult> sizes,
                         bool keepHead = false) -> Value {
      auto xt = cast<RankedTensorType>(x.getType());
      SmallVector<OpFoldResult> o = {bi, head}, z = {at(1), at(headSize)};
      llvm::append_range(o, offs);
      llvm::append_range(z, sizes);
      SmallVector<int64_t> shape;
      if (keepHead)
        shape.push_back(headSize);
      for (OpFoldResult f : sizes)
        shape.push_back(getConstantIntValue(f).value_or(ShapedType::kDynamic));
      auto rt = RankedTensorType::get(shape, xt.getElementType());
      return tensor::ExtractSliceOp::create(
          rw, loc, rt, x, o, z, SmallVector<OpFoldResult>(4, at(1)));
    };
    Value s0 = headSlice(sh[0], hi, 1, {at(0), at(0)}, {at(dk), at(dv)});
    Value o0 = headSlice(sh[1], qh0, grp, {at(0), at(0)}, {lenF, at(dv)}, true);
    Value qh =
        sharedQ
            ? headSlice(sharedQ, at(0), 1, {at(0), at(0)}, {lenF, at(dk)}, true)
            : headSlice(q, qh0, grp, {at(0), at(0)}, {lenF, at(dk)}, true);
    Value kh =
        headSlice(sharedK ? sharedK : k, sharedK ? at(0) : OpFoldResult(hi), 1,
                  {at(0), at(0)}, {lenF, at(dk)});
    Value vh = headSlice(v, hi, 1, {at(0), at(0)}, {lenF, at(dv)});
    int64_t dg = perHeadDecay ? 1 : dk;
    Value ah =
        expG ? headSlice(expG, hi, 1, {at(0), at(0)}, {lenF, at(dg)}) : Value();
    Value dth = decayDt
                    ? headSlice(decayDt, hi, 1, {at(0), at(0)}, {lenF, at(1)})
                    : Value();
    Value arow = decayA
                     ? headSlice(decayA, hi, 1, {at(0), at(0)}, {at(1), at(dk)})
                     : Value();
    Value bh = delta ? headSlice(beta, sharedBeta ? at(0) : OpFoldResult(hi), 1,
                                 {at(0), at(0)}, {lenF, at(1)})
                     : Value();

    // Per-step temporaries are carried through the time loop (bufferized
    // in place) instead of allocated every step: the runtime's allocator is
    // shared by the threads.
    SmallVector<Value> inits = {s0, o0};
    if (delta)
      inits.push_back(privateZeros({1, dv}));
    auto loop = scf::ForOp::create(
        rw, loc, arith::ConstantIndexOp::create(rw, loc, 0), len,
        arith::ConstantIndexOp::create(rw, loc, 1), inits);
    {
      OpBuilder::InsertionGuard inner(rw);
      rw.setInsertionPointToStart(loop.getBody());
      Value t = loop.getInductionVar(), s = loop.getRegionIterArgs()[0],
            rows = loop.getRegionIterArgs()[1];
      Value zeroF = floatConst(rw, loc, ct, 0.0);
      // Row t of a [T, D] head tensor as [1, D].
      auto row = [&](Value x, int64_t d) -> Value {
        auto xt = cast<RankedTensorType>(x.getType());
        return tensor::ExtractSliceOp::create(
            rw, loc, RankedTensorType::get({1, d}, xt.getElementType()), x,
            ArrayRef<OpFoldResult>{t, at(0)},
            ArrayRef<OpFoldResult>{at(1), at(d)},
            ArrayRef<OpFoldResult>{at(1), at(1)});
      };
      Value kt = row(kh, dk), vt = row(vh, dv);
      Value atv = expG ? row(ah, dg) : Value();
      auto st = RankedTensorType::get({dk, dv}, ct);
      AffineMap id2 = id(2);
      // Reductions over i with the output channel j innermost: contiguous
      // and vectorizable without reassociating the sum.
      SmallVector<utils::IteratorType> innerParallel = {
          utils::IteratorType::parallel, utils::IteratorType::reduction,
          utils::IteratorType::parallel};
      AffineMap kMap = map(2, {zero(), dim(0)}),
                vMap = map(2, {zero(), dim(1)});
      AffineMap aMap = map(2, {zero(), perHeadDecay ? zero() : dim(0)});
      // Delta rule: decay first, then r = Sᵀk and S += k ⊗ β(v - r).
      Value r, bt;
      if (delta) {
        if (g)
          s = buildGeneric(rw, loc, st, {atv}, {s}, {aMap, id2}, iterators(2),
                           [&](OpBuilder &bb, Location l, ValueRange a) {
                             return SmallVector<Value>{
                                 arith::MulFOp::create(bb, l, a[1], a[0])};
                           })
                  .getResult(0);
        // r[0, j] = sum_i S[i, j] k[i] (loops 0, i, j).
        Value rInit =
            linalg::FillOp::create(rw, loc, zeroF, loop.getRegionIterArgs()[2])
                .getResult(0);
        r = buildGeneric(rw, loc, RankedTensorType::get({1, dv}, ct), {s, kt},
                         {rInit},
                         {map(3, {dim(1), dim(2)}), map(3, {zero(), dim(1)}),
                          map(3, {dim(0), dim(2)})},
                         innerParallel,
                         [&](OpBuilder &bb, Location l, ValueRange a) {
                           return SmallVector<Value>{math::FmaOp::create(
                               bb, l, a[0], cvt(bb, l, a[1]), a[2])};
                         })
                .getResult(0);
        bt = row(bh, 1);
      }
      SmallVector<Value> ins = {kt, vt};
      SmallVector<AffineMap> maps = {kMap, vMap};
      if (delta) {
        ins.append({r, bt});
        maps.append({vMap, map(2, {zero(), zero()})});
      }
      bool fuseDecay = g && !delta;
      if (fuseDecay && dth) {
        // exp(Δ_t A[i]) from the factors (loops i, j).
        ins.append({row(dth, 1), arow});
        maps.append({map(2, {zero(), zero()}), kMap});
      } else if (fuseDecay) {
        ins.push_back(atv);
        maps.push_back(aMap);
      }
      maps.push_back(id2);
      s = buildGeneric(rw, loc, st, ins, {s}, maps, iterators(2),
                       [&](OpBuilder &bb, Location l, ValueRange a) {
                         Value kv = cvt(bb, l, a[0]), u = cvt(bb, l, a[1]);
                         if (delta)
                           u = arith::MulFOp::create(
                               bb, l, cvt(bb, l, a[3]),
                               arith::SubFOp::create(bb, l, u, a[2]));
                         Value old = a.back();
                         if (fuseDecay && dth) {
                           Value lg = arith::MulFOp::create(
                               bb, l, cvt(bb, l, a[2]), cvt(bb, l, a[3]));
                           old = arith::MulFOp::create(
                               bb, l, old, math::ExpOp::create(bb, l, lg));
                         } else if (fuseDecay) {
                           old = arith::MulFOp::create(bb, l, old, a[2]);
                         }
                         return SmallVector<Value>{
                             math::FmaOp::create(bb, l, kv, u, old)};
                       })
              .getResult(0);
      // o[g, j] = sum_i q[g, t, i] S[i, j] (loops g, i, j).
      Value qt = tensor::ExtractSliceOp::create(
          rw, loc, RankedTensorType::get({grp, dk}, elt), qh,
          ArrayRef<OpFoldResult>{at(0), t, at(0)},
          ArrayRef<OpFoldResult>{at(grp), at(1), at(dk)},
          ArrayRef<OpFoldResult>{at(1), at(1), at(1)});
      SmallVector<AffineMap> readMaps = {map(3, {dim(0), dim(1)}),
                                         map(3, {dim(1), dim(2)}),
                                         map(3, {dim(0), dim(2)})};
      auto rowType = RankedTensorType::get({grp, dv}, elt);
      Value o;
      if (elt == ct) {
        // Accumulate (scale · q)ᵀ S straight into row t of the output.
        Value row0 = tensor::ExtractSliceOp::create(
            rw, loc, rowType, rows, ArrayRef<OpFoldResult>{at(0), t, at(0)},
            ArrayRef<OpFoldResult>{at(grp), at(1), at(dv)},
            ArrayRef<OpFoldResult>{at(1), at(1), at(1)});
        Value init = linalg::FillOp::create(rw, loc, zeroF, row0).getResult(0);
        o = buildGeneric(rw, loc, rowType, {qt, s}, {init}, readMaps,
                         innerParallel,
                         [&](OpBuilder &bb, Location l, ValueRange a) {
                           Value qs = arith::MulFOp::create(
                               bb, l, a[0], floatConst(bb, l, ct, scale));
                           return SmallVector<Value>{
                               math::FmaOp::create(bb, l, qs, a[1], a[2])};
                         })
                .getResult(0);
      } else {
        o = buildGeneric(rw, loc, RankedTensorType::get({grp, dv}, ct), {qt, s},
                         {privateZeros({grp, dv})}, readMaps, innerParallel,
                         [&](OpBuilder &bb, Location l, ValueRange a) {
                           return SmallVector<Value>{math::FmaOp::create(
                               bb, l, cvt(bb, l, a[0]), a[1], a[2])};
                         })
                .getResult(0);
        // Row t of the output: scale, convert, insert.
        o = buildGeneric(
                rw, loc, rowType, {o},
                {tensor::EmptyOp::create(rw, loc, rowType, ValueRange{})},
                {id2, id2}, iterators(2),
                [&](OpBuilder &bb, Location l, ValueRange a) {
                  Value sc = arith::MulFOp::create(
                      bb, l, a[0], floatConst(bb, l, ct, scale));
                  return SmallVector<Value>{convertFloat(bb, l, sc, elt)};
                })
                .getResult(0);
      }
      rows = tensor::InsertSliceOp::create(
          rw, loc, o, rows, ArrayRef<OpFoldResult>{at(0), t, at(0)},
          ArrayRef<OpFoldResult>{at(grp), at(1), at(dv)},
          ArrayRef<OpFoldResult>{at(1), at(1), at(1)});
      SmallVector<Value> yields = {s, rows};
      if (delta)
        yields.push_back(r);
      scf::YieldOp::create(rw, loc, yields);
    }
    rw.setInsertionPointToStart(forall.getTerminator().getBody());
    SmallVector<OpFoldResult> ones(4, at(1));
    tensor::ParallelInsertSliceOp::create(
        rw, loc, loop.getResult(0), sh[0],
        ArrayRef<OpFoldResult>{bi, hi, at(0), at(0)},
        ArrayRef<OpFoldResult>{at(1), at(1), at(dk), at(dv)}, ones);
    tensor::ParallelInsertSliceOp::create(
        rw, loc, loop.getResult(1), sh[1],
        ArrayRef<OpFoldResult>{bi, qh0, at(0), at(0)},
        ArrayRef<OpFoldResult>{at(1), at(grp), lenF, at(dv)}, ones);
    return {forall.getResult(0), forall.getResult(1)};
  }

  /// One time step t: returns the new state and output accumulator.
  std::pair<Value, Value> step(Value t, Value s, Value acc) {
    auto st = stateType();
    AffineMap id4 = id(4);
    Value kS = sliceRange(rw, loc, k, t, 1), vS = sliceRange(rw, loc, v, t, 1);
    // A = exp(g) (precomputed) is per key channel (dim 2 of S) or per head.
    Value aS = g ? sliceRange(rw, loc, expG, t, 1) : Value();
    AffineMap aMap =
        map(4, {dim(0), dim(1), zero(), perHeadDecay ? zero() : dim(2)});
    // The delta rule reads the decayed S before its update: decay first.
    if (g && delta) {
      s = buildGeneric(rw, loc, st, {aS}, {s}, {aMap, id4}, iterators(4),
                       [&](OpBuilder &bb, Location l, ValueRange a) {
                         return SmallVector<Value>{
                             arith::MulFOp::create(bb, l, a[1], a[0])};
                       })
              .getResult(0);
    }
    // Delta rule: r[b, h, j] = sum_i S[b, h, i, j] k[b, h, i].
    Value r, betaS;
    if (delta) {
      r = buildGeneric(rw, loc, RankedTensorType::get({b, hkv, dv}, ct),
                       {s, kS}, {zeros({b, hkv, dv})},
                       {map(4, {dim(0), dim(1), dim(3), dim(2)}),
                        map(4, {dim(0), dim(1), zero(), dim(3)}),
                        map(4, {dim(0), dim(1), dim(2)})},
                       iterators(3, 1),
                       [&](OpBuilder &bb, Location l, ValueRange a) {
                         Value p = arith::MulFOp::create(bb, l, a[0],
                                                         cvt(bb, l, a[1]));
                         return SmallVector<Value>{
                             arith::AddFOp::create(bb, l, a[2], p)};
                       })
              .getResult(0);
      betaS = sliceRange(rw, loc, beta, t, 1);
    }
    // S += k ⊗ u with u = v (additive) or beta * (v - r) (delta).
    SmallVector<Value> ins = {kS, vS};
    SmallVector<AffineMap> maps = {map(4, {dim(0), dim(1), zero(), dim(2)}),
                                   map(4, {dim(0), dim(1), zero(), dim(3)})};
    if (delta) {
      ins.push_back(r);
      maps.push_back(map(4, {dim(0), dim(1), dim(3)}));
      ins.push_back(betaS);
      maps.push_back(
          map(4, {dim(0), sharedBeta ? zero() : dim(1), zero(), zero()}));
    }
    // Additive rule: the decay is fused into the update (one pass over S).
    bool fuseDecay = g && !delta;
    if (fuseDecay) {
      ins.push_back(aS);
      maps.push_back(aMap);
    }
    maps.push_back(id4);
    s = buildGeneric(rw, loc, st, ins, {s}, maps, iterators(4),
                     [&](OpBuilder &bb, Location l, ValueRange a) {
                       Value kv = cvt(bb, l, a[0]), u = cvt(bb, l, a[1]);
                       if (delta)
                         u = arith::MulFOp::create(
                             bb, l, cvt(bb, l, a[3]),
                             arith::SubFOp::create(bb, l, u, a[2]));
                       Value p = arith::MulFOp::create(bb, l, kv, u);
                       Value old = a.back();
                       if (fuseDecay)
                         old = arith::MulFOp::create(bb, l, old, a[2]);
                       return SmallVector<Value>{
                           arith::AddFOp::create(bb, l, old, p)};
                     })
            .getResult(0);
    // o[b, h, g, j] = sum_i q[b, h, g, 0, i] S[b, h, i, j].
    Value o =
        buildGeneric(
            rw, loc, RankedTensorType::get({b, hkv, grp, dv}, ct),
            {groupedQuery(t, 1), s}, {zeros({b, hkv, grp, dv})},
            {map(5, {dim(0), dim(1), dim(2), zero(), dim(4)}),
             map(5, {dim(0), dim(1), dim(4), dim(3)}),
             map(5, {dim(0), dim(1), dim(2), dim(3)})},
            iterators(4, 1),
            [&](OpBuilder &bb, Location l, ValueRange a) {
              Value p = arith::MulFOp::create(bb, l, cvt(bb, l, a[0]), a[1]);
              return SmallVector<Value>{arith::AddFOp::create(bb, l, a[2], p)};
            })
            .getResult(0);
    o = tensor::ExpandShapeOp::create(
        rw, loc, RankedTensorType::get({b, hkv, grp, 1, dv}, ct), o,
        SmallVector<ReassociationIndices>{{0}, {1}, {2}, {3, 4}});
    return {s, storeRows(o, acc, t, 1)};
  }

  /// The values the delta rule writes in a chunk of `n` steps from `start`:
  /// S_t = S_{t-1} + k_t u_tᵀ (after the decay) with
  ///   u_s = β_s (v_s - (e^{Γ_s} ⊙ k_s)ᵀ S_0
  ///              - Σ_{r<s} (Σ_i k_s[i] k_r[i] e^{Γ_s[i] - Γ_r[i]}) u_r),
  /// a unit lower-triangular system solved by forward substitution over
  /// the chunk's rows (each row a [B, Hkv, Dv] update).
  Value deltaValues(Value start, int64_t n, Value kC, Value vC, Value gam,
                    Value s) {
    auto uType = RankedTensorType::get({b, hkv, n, dv}, ct);
    // r0[b,h,s,j] = sum_i k[s,i] e^{gam[s,i]} S[i,j] (loops b, h, s, j, i).
    SmallVector<Value> ins = {kC, s};
    SmallVector<AffineMap> maps = {map(5, {dim(0), dim(1), dim(2), dim(4)}),
                                   map(5, {dim(0), dim(1), dim(4), dim(3)})};
    if (g) {
      ins.push_back(gam);
      maps.push_back(map(5, decayIndex(dim(2), dim(4))));
    }
    maps.push_back(map(5, {dim(0), dim(1), dim(2), dim(3)}));
    Value r0 = buildGeneric(rw, loc, uType, ins, {zeros({b, hkv, n, dv})}, maps,
                            iterators(4, 1),
                            [&](OpBuilder &bb, Location l, ValueRange a) {
                              return decayedProduct(bb, l, a);
                            })
                   .getResult(0);
    // rhs = β (v - r0)
    Value betaC = sliceRange(rw, loc, beta, start, n);
    AffineMap betaMap =
        map(4, {dim(0), sharedBeta ? zero() : dim(1), dim(2), zero()});
    Value rhs =
        buildGeneric(rw, loc, uType, {vC, r0, betaC},
                     {tensor::EmptyOp::create(rw, loc, uType, ValueRange{})},
                     {id(4), id(4), betaMap, id(4)}, iterators(4),
                     [&](OpBuilder &bb, Location l, ValueRange a) {
                       Value d =
                           arith::SubFOp::create(bb, l, cvt(bb, l, a[0]), a[1]);
                       return SmallVector<Value>{
                           arith::MulFOp::create(bb, l, cvt(bb, l, a[2]), d)};
                     })
            .getResult(0);
    // w[b,h,s,r] = sum_i k[s,i] k[r,i] e^{gam[s,i] - gam[r,i]} for r < s,
    // else 0 (loops b, h, s, r, i).
    ins = {kC, kC};
    maps = {map(5, {dim(0), dim(1), dim(2), dim(4)}),
            map(5, {dim(0), dim(1), dim(3), dim(4)})};
    if (g) {
      ins.push_back(gam);
      maps.push_back(map(5, decayIndex(dim(2), dim(4))));
      ins.push_back(gam);
      maps.push_back(map(5, decayIndex(dim(3), dim(4))));
    }
    maps.push_back(map(5, {dim(0), dim(1), dim(2), dim(3)}));
    Value w =
        buildGeneric(rw, loc, RankedTensorType::get({b, hkv, n, n}, ct), ins,
                     {zeros({b, hkv, n, n})}, maps, iterators(4, 1),
                     [&](OpBuilder &bb, Location l, ValueRange a) {
                       Value p = decayedPair(bb, l, a);
                       Value row = linalg::IndexOp::create(bb, l, 2);
                       Value col = linalg::IndexOp::create(bb, l, 3);
                       Value in = arith::CmpIOp::create(
                           bb, l, arith::CmpIPredicate::ult, col, row);
                       Value sum = arith::AddFOp::create(bb, l, a.back(), p);
                       return SmallVector<Value>{
                           arith::SelectOp::create(bb, l, in, sum, a.back())};
                     })
            .getResult(0);
    // Forward substitution: u_s = rhs_s - β_s Σ_r w[s,r] u_r, row by row
    // (w is zero for r >= s, so the rows not yet solved do not contribute).
    auto loop = scf::ForOp::create(
        rw, loc, arith::ConstantIndexOp::create(rw, loc, 0),
        arith::ConstantIndexOp::create(rw, loc, n),
        arith::ConstantIndexOp::create(rw, loc, 1), ValueRange{rhs});
    OpBuilder::InsertionGuard guard(rw);
    rw.setInsertionPointToStart(loop.getBody());
    Value row = loop.getInductionVar(), u = loop.getRegionIterArgs()[0];
    Value wRow = sliceRange(rw, loc, w, row, 1);
    Value uRow = sliceRange(rw, loc, u, row, 1);
    Value bRow = sliceRange(rw, loc, betaC, row, 1);
    auto rowType = RankedTensorType::get({b, hkv, 1, dv}, ct);
    // (loops b, h, 0, j, r)
    Value mix =
        buildGeneric(rw, loc, rowType, {wRow, u}, {zeros({b, hkv, 1, dv})},
                     {map(5, {dim(0), dim(1), dim(2), dim(4)}),
                      map(5, {dim(0), dim(1), dim(4), dim(3)}),
                      map(5, {dim(0), dim(1), dim(2), dim(3)})},
                     iterators(4, 1),
                     [&](OpBuilder &bb, Location l, ValueRange a) {
                       Value p = arith::MulFOp::create(bb, l, a[0], a[1]);
                       return SmallVector<Value>{
                           arith::AddFOp::create(bb, l, a[2], p)};
                     })
            .getResult(0);
    Value solved =
        buildGeneric(
            rw, loc, rowType, {uRow, mix, bRow},
            {tensor::EmptyOp::create(rw, loc, rowType, ValueRange{})},
            {id(4), id(4), betaMap, id(4)}, iterators(4),
            [&](OpBuilder &bb, Location l, ValueRange a) {
              Value p = arith::MulFOp::create(bb, l, cvt(bb, l, a[2]), a[1]);
              return SmallVector<Value>{arith::SubFOp::create(bb, l, a[0], p)};
            })
            .getResult(0);
    SmallVector<OpFoldResult> offsets = {rw.getIndexAttr(0), rw.getIndexAttr(0),
                                         row, rw.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes = {rw.getIndexAttr(b), rw.getIndexAttr(hkv),
                                       rw.getIndexAttr(1), rw.getIndexAttr(dv)};
    SmallVector<OpFoldResult> strides(4, rw.getIndexAttr(1));
    u = tensor::InsertSliceOp::create(rw, loc, solved, u, offsets, sizes,
                                      strides);
    scf::YieldOp::create(rw, loc, ValueRange{u});
    return loop.getResult(0);
  }

  /// acc[...] += Σ x * y over the last loop of `maps` (a pure mulf/addf
  /// contraction, which the micro-kernel lowering turns into one sgemm).
  Value contract(Value x, Value y, Value acc, ArrayRef<AffineMap> maps) {
    unsigned n = maps[0].getNumDims();
    return buildGeneric(rw, loc, acc.getType(), {x, y}, {acc}, maps,
                        iterators(n - 1, 1),
                        [&](OpBuilder &bb, Location l, ValueRange a) {
                          Value p = arith::MulFOp::create(
                              bb, l, cvt(bb, l, a[0]), cvt(bb, l, a[1]));
                          return SmallVector<Value>{
                              arith::AddFOp::create(bb, l, a[2], p)};
                        })
        .getResult(0);
  }

  /// One chunk of the additive rule with one decay value per head (Mamba-2,
  /// RetNet, Lightning) or none. The decay factors e^{Γ_t - Γ_s} do not
  /// depend on the contracted channel, so they are applied outside the
  /// contractions, which stay plain matmuls (sgemm micro-kernels):
  ///   o  = e^{Γ_t} (q S) + (mask ⊙ e^{Γ_t - Γ_s} ⊙ q kᵀ) v
  ///   S' = e^{Γ_{n-1}} S + (k ⊙ e^{Γ_{n-1} - Γ_s})ᵀ v
  /// The exps are O(n^2) per head and chunk (the generic chunk recomputes
  /// them for every channel of every contraction).
  std::pair<Value, Value> chunkPerHead(Value start, int64_t n, Value s,
                                       Value acc) {
    auto st = stateType();
    Value kC = sliceRange(rw, loc, k, start, n);
    Value vC = sliceRange(rw, loc, v, start, n);
    Value qC = groupedQuery(start, n);
    // gam[b, h, t] = sum_{s <= t} g[b, h, s] (loops b, h, t, 0, s).
    Value gam;
    if (g) {
      Value gC = sliceRange(rw, loc, g, start, n);
      gam = buildGeneric(rw, loc, RankedTensorType::get({b, hkv, n, 1}, ct),
                         {gC}, {zeros({b, hkv, n, 1})},
                         {map(5, {dim(0), dim(1), dim(4), dim(3)}),
                          map(5, {dim(0), dim(1), dim(2), dim(3)})},
                         iterators(4, 1),
                         [&](OpBuilder &bb, Location l, ValueRange a) {
                           Value t = linalg::IndexOp::create(bb, l, 2);
                           Value u = linalg::IndexOp::create(bb, l, 4);
                           Value in = arith::CmpIOp::create(
                               bb, l, arith::CmpIPredicate::ule, u, t);
                           Value sum = arith::AddFOp::create(bb, l, a[1],
                                                             cvt(bb, l, a[0]));
                           return SmallVector<Value>{
                               arith::SelectOp::create(bb, l, in, sum, a[1])};
                         })
                .getResult(0);
    }
    auto gamAt = [&](unsigned nd, AffineExpr t) {
      return map(nd, {dim(0), dim(1), t, zero()});
    };
    // o[b,h,g,t,j] = sum_i q[t,i] S[i,j] (loops b, h, g, t, j, i), then
    // scaled by e^{gam[t]}.
    auto oType = RankedTensorType::get({b, hkv, grp, n, dv}, ct);
    Value o = contract(qC, s, zeros({b, hkv, grp, n, dv}),
                       {map(6, {dim(0), dim(1), dim(2), dim(3), dim(5)}),
                        map(6, {dim(0), dim(1), dim(5), dim(4)}),
                        map(6, {dim(0), dim(1), dim(2), dim(3), dim(4)})});
    if (g)
      o = buildGeneric(rw, loc, oType, {gam}, {o}, {gamAt(5, dim(3)), id(5)},
                       iterators(5),
                       [&](OpBuilder &bb, Location l, ValueRange a) {
                         Value e = math::ExpOp::create(bb, l, a[0]);
                         return SmallVector<Value>{
                             arith::MulFOp::create(bb, l, a[1], e)};
                       })
              .getResult(0);
    // scores[b,h,g,t,s] = sum_i q[t,i] k[s,i] (loops b, h, g, t, s, i), then
    // masked to s <= t and decayed by e^{gam[t] - gam[s]}.
    auto scType = RankedTensorType::get({b, hkv, grp, n, n}, ct);
    Value scores = contract(qC, kC, zeros({b, hkv, grp, n, n}),
                            {map(6, {dim(0), dim(1), dim(2), dim(3), dim(5)}),
                             map(6, {dim(0), dim(1), dim(4), dim(5)}),
                             map(6, {dim(0), dim(1), dim(2), dim(3), dim(4)})});
    SmallVector<Value> ins;
    SmallVector<AffineMap> maps;
    if (g) {
      ins = {gam, gam};
      maps = {gamAt(5, dim(3)), gamAt(5, dim(4))};
    }
    maps.push_back(id(5));
    scores = buildGeneric(rw, loc, scType, ins, {scores}, maps, iterators(5),
                          [&](OpBuilder &bb, Location l, ValueRange a) {
                            Value x = a.back();
                            if (g) {
                              Value d =
                                  arith::SubFOp::create(bb, l, a[0], a[1]);
                              x = arith::MulFOp::create(
                                  bb, l, x, math::ExpOp::create(bb, l, d));
                            }
                            Value t = linalg::IndexOp::create(bb, l, 3);
                            Value u = linalg::IndexOp::create(bb, l, 4);
                            Value in = arith::CmpIOp::create(
                                bb, l, arith::CmpIPredicate::ule, u, t);
                            return SmallVector<Value>{arith::SelectOp::create(
                                bb, l, in, x, floatConst(bb, l, ct, 0.0))};
                          })
                 .getResult(0);
    // o[b,h,g,t,j] += sum_s scores[t,s] v[s,j] (loops b, h, g, t, j, s).
    o = contract(scores, vC, o,
                 {map(6, {dim(0), dim(1), dim(2), dim(3), dim(5)}),
                  map(6, {dim(0), dim(1), dim(5), dim(4)}),
                  map(6, {dim(0), dim(1), dim(2), dim(3), dim(4)})});
    // Reads of S above come before these in-place updates of it.
    Value kd = kC;
    if (g) {
      AffineExpr last = getAffineConstantExpr(n - 1, ctx);
      // kd[b,h,s,i] = k[s,i] e^{gam[n-1] - gam[s]}
      auto kdType = RankedTensorType::get({b, hkv, n, dk}, ct);
      kd = buildGeneric(
               rw, loc, kdType, {kC, gam, gam},
               {tensor::EmptyOp::create(rw, loc, kdType, ValueRange{})},
               {id(4), gamAt(4, last), gamAt(4, dim(2)), id(4)}, iterators(4),
               [&](OpBuilder &bb, Location l, ValueRange a) {
                 Value d = arith::SubFOp::create(bb, l, a[1], a[2]);
                 return SmallVector<Value>{arith::MulFOp::create(
                     bb, l, cvt(bb, l, a[0]), math::ExpOp::create(bb, l, d))};
               })
               .getResult(0);
      // S = e^{gam[n-1]} S
      s = buildGeneric(rw, loc, st, {gam}, {s}, {gamAt(4, last), id(4)},
                       iterators(4),
                       [&](OpBuilder &bb, Location l, ValueRange a) {
                         Value e = math::ExpOp::create(bb, l, a[0]);
                         return SmallVector<Value>{
                             arith::MulFOp::create(bb, l, a[1], e)};
                       })
              .getResult(0);
    }
    // S[i,j] += sum_s kd[s,i] v[s,j] (loops b, h, i, j, s).
    s = contract(kd, vC, s,
                 {map(5, {dim(0), dim(1), dim(4), dim(2)}),
                  map(5, {dim(0), dim(1), dim(4), dim(3)}),
                  map(5, {dim(0), dim(1), dim(2), dim(3)})});
    return {s, storeRows(o, acc, start, n)};
  }

  /// One chunk of `n` steps from `start`, in parallel form (the delta rule
  /// first solves for the values it writes, see deltaValues).
  /// With the in-chunk cumulative log decay Γ_t = Σ_{s<=t} g_s:
  ///   o_t = Σ_i q_t[i] e^{Γ_t[i]} S[i] + Σ_{s<=t} (Σ_i q_t[i] k_s[i]
  ///         e^{Γ_t[i] - Γ_s[i]}) v_s
  ///   S'  = e^{Γ_{n-1}} ⊙ S + Σ_s (k_s ⊙ e^{Γ_{n-1} - Γ_s}) v_sᵀ
  std::pair<Value, Value> chunk(Value start, int64_t n, Value s, Value acc) {
    auto st = stateType();
    Value kC = sliceRange(rw, loc, k, start, n);
    Value vC = sliceRange(rw, loc, v, start, n);
    Value qC = groupedQuery(start, n);
    int64_t dg = perHeadDecay ? 1 : dk;
    // gam[b, h, t, d] = sum_{s <= t} g[b, h, s, d]
    Value gam;
    if (g) {
      Value gC = sliceRange(rw, loc, g, start, n);
      gam = buildGeneric(rw, loc, RankedTensorType::get({b, hkv, n, dg}, ct),
                         {gC}, {zeros({b, hkv, n, dg})},
                         {map(5, {dim(0), dim(1), dim(4), dim(3)}),
                          map(5, {dim(0), dim(1), dim(2), dim(3)})},
                         iterators(4, 1),
                         [&](OpBuilder &bb, Location l, ValueRange a) {
                           Value t = linalg::IndexOp::create(bb, l, 2);
                           Value u = linalg::IndexOp::create(bb, l, 4);
                           Value in = arith::CmpIOp::create(
                               bb, l, arith::CmpIPredicate::ule, u, t);
                           Value sum = arith::AddFOp::create(bb, l, a[1],
                                                             cvt(bb, l, a[0]));
                           return SmallVector<Value>{
                               arith::SelectOp::create(bb, l, in, sum, a[1])};
                         })
                .getResult(0);
    }
    // The delta rule is the additive one with v replaced by the written
    // values u (WY form), solved before S is updated.
    if (delta)
      vC = deltaValues(start, n, kC, vC, gam, s);
    // Inter-chunk part: oi[b,h,g,t,j] = sum_i q[t,i] e^{gam[t,i]} S[i,j]
    // (loops b, h, g, t, j, i).
    SmallVector<Value> ins = {qC, s};
    SmallVector<AffineMap> maps = {
        map(6, {dim(0), dim(1), dim(2), dim(3), dim(5)}),
        map(6, {dim(0), dim(1), dim(5), dim(4)})};
    if (g) {
      ins.push_back(gam);
      maps.push_back(map(6, decayIndex(dim(3), dim(5))));
    }
    maps.push_back(map(6, {dim(0), dim(1), dim(2), dim(3), dim(4)}));
    auto oType = RankedTensorType::get({b, hkv, grp, n, dv}, ct);
    Value o = buildGeneric(rw, loc, oType, ins, {zeros({b, hkv, grp, n, dv})},
                           maps, iterators(5, 1),
                           [&](OpBuilder &bb, Location l, ValueRange a) {
                             return decayedProduct(bb, l, a);
                           })
                  .getResult(0);
    // Intra-chunk scores: a[b,h,g,t,s] = sum_i q[t,i] k[s,i] e^{gam[t,i] -
    // gam[s,i]} for s <= t, else 0 (loops b, h, g, t, s, i).
    ins = {qC, kC};
    maps = {map(6, {dim(0), dim(1), dim(2), dim(3), dim(5)}),
            map(6, {dim(0), dim(1), dim(4), dim(5)})};
    if (g) {
      ins.push_back(gam);
      maps.push_back(map(6, decayIndex(dim(3), dim(5))));
      ins.push_back(gam);
      maps.push_back(map(6, decayIndex(dim(4), dim(5))));
    }
    maps.push_back(map(6, {dim(0), dim(1), dim(2), dim(3), dim(4)}));
    Value scores =
        buildGeneric(rw, loc, RankedTensorType::get({b, hkv, grp, n, n}, ct),
                     ins, {zeros({b, hkv, grp, n, n})}, maps, iterators(5, 1),
                     [&](OpBuilder &bb, Location l, ValueRange a) {
                       Value p = decayedPair(bb, l, a);
                       Value t = linalg::IndexOp::create(bb, l, 3);
                       Value u = linalg::IndexOp::create(bb, l, 4);
                       Value in = arith::CmpIOp::create(
                           bb, l, arith::CmpIPredicate::ule, u, t);
                       Value sum = arith::AddFOp::create(bb, l, a.back(), p);
                       return SmallVector<Value>{
                           arith::SelectOp::create(bb, l, in, sum, a.back())};
                     })
            .getResult(0);
    // o[b,h,g,t,j] += sum_s a[t,s] v[s,j] (loops b, h, g, t, j, s).
    o = buildGeneric(
            rw, loc, oType, {scores, vC}, {o},
            {map(6, {dim(0), dim(1), dim(2), dim(3), dim(5)}),
             map(6, {dim(0), dim(1), dim(5), dim(4)}),
             map(6, {dim(0), dim(1), dim(2), dim(3), dim(4)})},
            iterators(5, 1),
            [&](OpBuilder &bb, Location l, ValueRange a) {
              Value p = arith::MulFOp::create(bb, l, a[0], cvt(bb, l, a[1]));
              return SmallVector<Value>{arith::AddFOp::create(bb, l, a[2], p)};
            })
            .getResult(0);
    // Reads of S above come before these in-place updates of it.
    if (g) {
      // S = e^{gam[n-1]} ⊙ S
      s = buildGeneric(
              rw, loc, st, {gam}, {s},
              {map(4, decayIndex(getAffineConstantExpr(n - 1, ctx), dim(2))),
               id(4)},
              iterators(4),
              [&](OpBuilder &bb, Location l, ValueRange a) {
                Value e = math::ExpOp::create(bb, l, a[0]);
                return SmallVector<Value>{
                    arith::MulFOp::create(bb, l, a[1], e)};
              })
              .getResult(0);
    }
    // S[i,j] += sum_s k[s,i] e^{gam[n-1,i] - gam[s,i]} v[s,j]
    // (loops b, h, i, j, s).
    ins = {kC, vC};
    maps = {map(5, {dim(0), dim(1), dim(4), dim(2)}),
            map(5, {dim(0), dim(1), dim(4), dim(3)})};
    if (g) {
      ins.push_back(gam);
      maps.push_back(
          map(5, decayIndex(getAffineConstantExpr(n - 1, ctx), dim(2))));
      ins.push_back(gam);
      maps.push_back(map(5, decayIndex(dim(4), dim(2))));
    }
    maps.push_back(map(5, {dim(0), dim(1), dim(2), dim(3)}));
    s = buildGeneric(rw, loc, st, ins, {s}, maps, iterators(4, 1),
                     [&](OpBuilder &bb, Location l, ValueRange a) {
                       Value p = decayedPair(bb, l, a);
                       return SmallVector<Value>{
                           arith::AddFOp::create(bb, l, a.back(), p)};
                     })
            .getResult(0);
    return {s, storeRows(o, acc, start, n)};
  }
};

/// If `q` ([B, H, T, D]) is a copy of a [B, 1, T, D] tensor broadcast over
/// the heads (seq.broadcast, or its linalg.generic lowering), that tensor.
static Value headBroadcastSource(Value q) {
  auto qt = cast<RankedTensorType>(q.getType());
  auto fits = [&](Value src) {
    auto st = dyn_cast<RankedTensorType>(src.getType());
    return st && st.getRank() == 4 && st.getDimSize(0) == qt.getDimSize(0) &&
           st.getDimSize(1) == 1 &&
           st.getShape().drop_front(2) == qt.getShape().drop_front(2) &&
           st.getElementType() == qt.getElementType();
  };
  if (auto bc = q.getDefiningOp<seq::BroadcastOp>())
    return fits(bc.getInput()) ? bc.getInput() : Value();
  auto gen = q.getDefiningOp<linalg::GenericOp>();
  if (!gen || gen.getNumDpsInputs() != 1 || gen.getNumDpsInits() != 1 ||
      gen.getNumReductionLoops() != 0)
    return {};
  Block &body = gen.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  if (body.getOperations().size() != 1 ||
      yield.getValues()[0] != body.getArgument(0))
    return {};
  MLIRContext *ctx = q.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  AffineExpr zero = getAffineConstantExpr(0, ctx);
  SmallVector<AffineMap> maps = gen.getIndexingMapsArray();
  Value src = gen.getDpsInputOperand(0)->get();
  bool batchOne = qt.getDimSize(0) == 1;
  auto bcast = AffineMap::get(4, 0, {d(0), zero, d(2), d(3)}, ctx);
  auto bcast0 = AffineMap::get(4, 0, {zero, zero, d(2), d(3)}, ctx);
  if (!maps[1].isIdentity() ||
      !(maps[0] == bcast || (batchOne && maps[0] == bcast0)))
    return {};
  return fits(src) ? src : Value();
}

/// If `g` ([B, H, T, D]) is the elementwise product of a [B, H, T, 1] and a
/// [B, H, 1, D] tensor (seq.mul, or its linalg.generic lowering): both.
static std::pair<Value, Value> outerProductFactors(Value g) {
  auto gt = cast<RankedTensorType>(g.getType());
  int64_t b = gt.getDimSize(0), h = gt.getDimSize(1), t = gt.getDimSize(2),
          d = gt.getDimSize(3);
  auto isDt = [&](Value x) {
    auto xt = cast<RankedTensorType>(x.getType());
    return xt.getShape() == ArrayRef<int64_t>{b, h, t, 1} &&
           xt.getElementType() == gt.getElementType();
  };
  auto isA = [&](Value x) {
    auto xt = cast<RankedTensorType>(x.getType());
    return xt.getShape() == ArrayRef<int64_t>{b, h, 1, d} &&
           xt.getElementType() == gt.getElementType();
  };
  Value x, y;
  if (auto mul = g.getDefiningOp<seq::MulOp>()) {
    x = mul.getLhs();
    y = mul.getRhs();
  } else if (auto gen = g.getDefiningOp<linalg::GenericOp>()) {
    if (gen.getNumDpsInputs() != 2 || gen.getNumDpsInits() != 1 ||
        gen.getNumReductionLoops() != 0 ||
        !gen.getIndexingMapsArray()[2].isIdentity())
      return {};
    Block &body = gen.getRegion().front();
    auto yield = cast<linalg::YieldOp>(body.getTerminator());
    auto m = yield.getValues()[0].getDefiningOp<arith::MulFOp>();
    if (body.getOperations().size() != 2 || !m ||
        !((m.getLhs() == body.getArgument(0) &&
           m.getRhs() == body.getArgument(1)) ||
          (m.getLhs() == body.getArgument(1) &&
           m.getRhs() == body.getArgument(0))))
      return {};
    // Each input indexed by the loops of its non-unit dims, 0 elsewhere.
    for (OpOperand *in : gen.getDpsInputOperands()) {
      AffineMap im = gen.getMatchingIndexingMap(in);
      auto it = cast<RankedTensorType>(in->get().getType());
      for (unsigned r = 0; r < 4; ++r) {
        AffineExpr e = im.getResult(r);
        bool ok = it.getDimSize(r) == 1
                      ? isa<AffineConstantExpr>(e) ||
                            e == getAffineDimExpr(r, g.getContext())
                      : e == getAffineDimExpr(r, g.getContext());
        if (!ok)
          return {};
      }
    }
    x = gen.getDpsInputOperand(0)->get();
    y = gen.getDpsInputOperand(1)->get();
  } else {
    return {};
  }
  if (isDt(x) && isA(y))
    return {x, y};
  if (isDt(y) && isA(x))
    return {y, x};
  return {};
}

struct LinearScanLowering : OpRewritePattern<seq::LinearScanOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(seq::LinearScanOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    Value q = op.getQuery(), k = op.getKey(), v = op.getValue(),
          s0 = op.getInitialState(), g = op.getDecay(), beta = op.getBeta();
    auto qt = cast<RankedTensorType>(q.getType());
    auto kt = cast<RankedTensorType>(k.getType());
    auto vt = cast<RankedTensorType>(v.getType());
    auto outType = cast<RankedTensorType>(op.getResult().getType());
    auto finType = cast<RankedTensorType>(op.getFinalState().getType());
    // Only the sequence length may be dynamic.
    for (Value x : {q, k, v, g, beta})
      if (x && !staticExcept(cast<RankedTensorType>(x.getType()), 2))
        return rw.notifyMatchFailure(op, "dynamic batch, head or channel dim");
    if (!finType.hasStaticShape() || !staticExcept(outType, 2))
      return rw.notifyMatchFailure(op, "dynamic result dims");
    ScanBuilder sb(rw, loc);
    sb.q = q;
    sb.k = k;
    sb.v = v;
    sb.g = g;
    sb.beta = beta;
    sb.b = qt.getDimSize(0);
    sb.hq = qt.getDimSize(1);
    sb.dk = qt.getDimSize(3);
    sb.hkv = kt.getDimSize(1);
    sb.dv = vt.getDimSize(3);
    sb.grp = sb.hq / sb.hkv;
    sb.elt = qt.getElementType();
    sb.ct = computeType(rw.getContext(), {sb.elt, finType.getElementType()});
    sb.delta = op.getRule() == seq::LinearScanRule::delta;
    sb.perHeadDecay =
        g && cast<RankedTensorType>(g.getType()).getDimSize(3) == 1;
    sb.sharedBeta =
        beta && cast<RankedTensorType>(beta.getType()).getDimSize(1) == 1;
    sb.scale = op.getScale().convertToDouble();
    if (sb.grp == 1)
      sb.sharedQ = headBroadcastSource(q);
    sb.sharedK = headBroadcastSource(k);

    Value state = s0 ? convertTensor(rw, loc, s0, sb.ct)
                     : sb.zeros({sb.b, sb.hkv, sb.dk, sb.dv});
    Value len = tensor::DimOp::create(rw, loc, q, 2);
    SmallVector<Value> dyn;
    if (outType.isDynamicDim(2))
      dyn.push_back(len);
    Value acc = tensor::EmptyOp::create(rw, loc, outType, dyn);
    Value zero = arith::ConstantIndexOp::create(rw, loc, 0);
    Value one = arith::ConstantIndexOp::create(rw, loc, 1);

    // Chunked prefill (static length): chunks of min(chunk_size, T) steps,
    // the remainder step by step.
    Value seqStart = zero;
    int64_t t = qt.getDimSize(2);
    int64_t c = std::min<int64_t>(op.getChunkSizeAttr().getInt(), t);
    if (!ShapedType::isDynamic(t) && c > 1) {
      int64_t full = t / c * c;
      auto loop = scf::ForOp::create(
          rw, loc, zero, arith::ConstantIndexOp::create(rw, loc, full),
          arith::ConstantIndexOp::create(rw, loc, c), ValueRange{state, acc});
      sb.tag(loop, "chunked", full, c);
      {
        OpBuilder::InsertionGuard guard(rw);
        rw.setInsertionPointToStart(loop.getBody());
        Value iv = loop.getInductionVar(), s0 = loop.getRegionIterArgs()[0],
              a0 = loop.getRegionIterArgs()[1];
        auto [s, a] = !sb.delta && (!g || sb.perHeadDecay)
                          ? sb.chunkPerHead(iv, c, s0, a0)
                          : sb.chunk(iv, c, s0, a0);
        scf::YieldOp::create(rw, loc, ValueRange{s, a});
      }
      state = loop.getResult(0);
      acc = loop.getResult(1);
      seqStart = arith::ConstantIndexOp::create(rw, loc, full);
    }

    // Step by step (decode, the chunk remainder, dynamic lengths).
    if (!ShapedType::isDynamic(t) && c > 1 && t % c == 0) {
      Value fin = convertTensor(rw, loc, state, finType.getElementType());
      rw.replaceOp(op, ValueRange{acc, fin});
      return success();
    }
    // Δ ⊗ A decays of the additive rule: exp per step from the factors.
    if (g && !sb.perHeadDecay && !sb.delta && !(c > 1))
      std::tie(sb.decayDt, sb.decayA) = outerProductFactors(g);
    // exp(g) once for all steps (vectorizes; not per step and state entry).
    if (g && !sb.decayDt) {
      auto gt = cast<RankedTensorType>(g.getType());
      auto et = gt.clone(sb.ct);
      SmallVector<Value> dyn;
      if (gt.isDynamicDim(2))
        dyn.push_back(tensor::DimOp::create(rw, loc, g, 2));
      AffineMap id4 = AffineMap::getMultiDimIdentityMap(4, rw.getContext());
      sb.expG =
          buildGeneric(rw, loc, et, {g},
                       {tensor::EmptyOp::create(rw, loc, et, dyn).getResult()},
                       {id4, id4}, iterators(4),
                       [&](OpBuilder &bb, Location l, ValueRange a) {
                         return SmallVector<Value>{math::ExpOp::create(
                             bb, l, convertFloat(bb, l, a[0], sb.ct))};
                       })
              .getResult(0);
      sb.expG.getDefiningOp()->setAttr("seq.scan_prologue", rw.getUnitAttr());
    }
    // No chunking: the time loop inside a parallel loop over the heads.
    if (!(c > 1)) {
      OpFoldResult lenF =
          ShapedType::isDynamic(t) ? OpFoldResult(len) : rw.getIndexAttr(t);
      auto [fin, out] = sb.perHeadScan(state, acc, len, lenF);
      rw.replaceOp(op,
                   ValueRange{out, convertTensor(rw, loc, fin,
                                                 finType.getElementType())});
      return success();
    }
    auto loop =
        scf::ForOp::create(rw, loc, seqStart, len, one, ValueRange{state, acc});
    sb.tag(loop, "step-remainder", t % c, 1);
    {
      OpBuilder::InsertionGuard guard(rw);
      rw.setInsertionPointToStart(loop.getBody());
      auto [s, a] = sb.step(loop.getInductionVar(), loop.getRegionIterArgs()[0],
                            loop.getRegionIterArgs()[1]);
      scf::YieldOp::create(rw, loc, ValueRange{s, a});
    }
    Value fin =
        convertTensor(rw, loc, loop.getResult(0), finType.getElementType());
    rw.replaceOp(op, ValueRange{loop.getResult(1), fin});
    return success();
  }
};

struct CausalConvLowering : OpRewritePattern<seq::CausalConvOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(seq::CausalConvOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    Value x = op.getInput(), w = op.getWeight(), bias = op.getBias(),
          st = op.getState();
    auto xt = cast<RankedTensorType>(x.getType());
    auto wt = cast<RankedTensorType>(w.getType());
    if (!xt.hasStaticShape() || !wt.hasStaticShape())
      return rw.notifyMatchFailure(op, "dynamic shapes");
    int64_t b = xt.getDimSize(0), c = xt.getDimSize(1), len = xt.getDimSize(2),
            kernel = wt.getDimSize(1);
    Type elt = xt.getElementType();
    FloatType ct = computeType(ctx, {elt});
    auto stateType = RankedTensorType::get({b, c, kernel - 1}, elt);
    SmallVector<OpFoldResult> strides(3, rw.getIndexAttr(1));
    auto at = [&](int64_t v) -> OpFoldResult { return rw.getIndexAttr(v); };

    // P = concat(state or zeros, x) along the length.
    auto padType = RankedTensorType::get({b, c, len + kernel - 1}, elt);
    Value padded =
        st ? tensor::EmptyOp::create(rw, loc, padType, ValueRange{}).getResult()
           : createFilled(rw, loc, padType, rw.getFloatAttr(elt, 0.0), {});
    if (st && kernel > 1)
      padded = tensor::InsertSliceOp::create(
          rw, loc, st, padded, ArrayRef<OpFoldResult>{at(0), at(0), at(0)},
          ArrayRef<OpFoldResult>{at(b), at(c), at(kernel - 1)}, strides);
    padded = tensor::InsertSliceOp::create(
        rw, loc, x, padded,
        ArrayRef<OpFoldResult>{at(0), at(0), at(kernel - 1)},
        ArrayRef<OpFoldResult>{at(b), at(c), at(len)}, strides);

    auto dim = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    auto accType = RankedTensorType::get({b, c, len}, ct);
    Value accInit =
        createFilled(rw, loc, accType, rw.getFloatAttr(ct, 0.0), {});
    Value acc =
        buildGeneric(
            rw, loc, accType, {padded, w}, {accInit},
            {AffineMap::get(4, 0, {dim(0), dim(1), dim(2) + dim(3)}, ctx),
             AffineMap::get(4, 0, {dim(1), dim(3)}, ctx),
             AffineMap::get(4, 0, {dim(0), dim(1), dim(2)}, ctx)},
            iterators(3, 1),
            [&](OpBuilder &bb, Location l, ValueRange a) {
              Value p =
                  arith::MulFOp::create(bb, l, convertFloat(bb, l, a[0], ct),
                                        convertFloat(bb, l, a[1], ct));
              return SmallVector<Value>{arith::AddFOp::create(bb, l, a[2], p)};
            })
            .getResult(0);

    bool silu = op.getActivation() == seq::CausalConvActivation::silu;
    AffineMap id3 = AffineMap::getMultiDimIdentityMap(3, ctx);
    SmallVector<Value> ins = {acc};
    SmallVector<AffineMap> maps = {id3};
    if (bias) {
      ins.push_back(bias);
      maps.push_back(AffineMap::get(3, 0, {dim(1)}, ctx));
    }
    maps.push_back(id3);
    Value yInit = tensor::EmptyOp::create(rw, loc, xt, ValueRange{});
    Value y =
        buildGeneric(
            rw, loc, xt, ins, {yInit}, maps, iterators(3),
            [&](OpBuilder &bb, Location l, ValueRange a) {
              Value z = a[0];
              if (bias)
                z = arith::AddFOp::create(bb, l, z,
                                          convertFloat(bb, l, a[1], ct));
              if (silu) {
                // z * sigmoid(z) = z / (1 + exp(-z))
                Value e =
                    math::ExpOp::create(bb, l, arith::NegFOp::create(bb, l, z));
                Value den =
                    arith::AddFOp::create(bb, l, floatConst(bb, l, ct, 1.0), e);
                z = arith::DivFOp::create(bb, l, z, den);
              }
              return SmallVector<Value>{convertFloat(bb, l, z, elt)};
            })
            .getResult(0);

    // The new state: the last K - 1 positions of P.
    Value newState =
        kernel == 1
            ? tensor::EmptyOp::create(rw, loc, stateType, ValueRange{})
                  .getResult()
            : tensor::ExtractSliceOp::create(
                  rw, loc, stateType, padded,
                  ArrayRef<OpFoldResult>{at(0), at(0), at(len)},
                  ArrayRef<OpFoldResult>{at(b), at(c), at(kernel - 1)}, strides)
                  .getResult();
    rw.replaceOp(op, {y, newState});
    return success();
  }
};

} // namespace

void populateLinearScanPatterns(RewritePatternSet &patterns) {
  patterns.add<LinearScanLowering, CausalConvLowering>(patterns.getContext());
}

} // namespace seqc::lowering
