//===- AttentionToLinalg.cpp - seq.attention -> Einsum cascade ------------===//
//
// The naive (3-pass) cascade, with query heads split as [kv_heads, group] so
// every Einsum reads K/V through a projected permutation (GQA without
// materializing repeated K/V):
//   S[b,h,g,i,j] = sum_d Q[b,h,g,i,d] K[b,h,j,d]          (QK)
//   L = allowed(b,i,j) ? mask(softcap(scale * S)) : -inf  (elementwise)
//   P = softmax_j(L), 0 for rows without an allowed key   (max, exp, sum, div)
//   O[b,h,g,i,e] = sum_j P[b,h,g,i,j] V[b,h,j,e]          (PV)
// `allowed` folds causal, sliding window and kv_seqlen padding. L, P and PV
// are computed in the op's softmax type (f32 for half inputs unless
// softmax_precision says otherwise; QK accumulates in the wider of it and the
// input type) and cast back at the end. The score_mod / prob_mod regions are
// cloned in between (on L, then on P) with heads merged to [B, Hq, Sq, Skv],
// so their seq ops lower with the others. This is the reference lowering: it
// handles every seq.attention feature (including the scores result and the
// modifier regions); faster lowerings may handle a subset and defer to it.
// Loop orders keep the innermost loop contiguous for the vectorizer.
//
//===----------------------------------------------------------------------===//

#include "Common.h"
#include "Patterns.h"
#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;

namespace seqc::lowering {
namespace {

static AffineMap dims(MLIRContext *ctx, unsigned n, ArrayRef<unsigned> ids) {
  SmallVector<AffineExpr> e;
  for (unsigned i : ids)
    e.push_back(getAffineDimExpr(i, ctx));
  return AffineMap::get(n, 0, e, ctx);
}

/// `v` converted to the float type `to` (extension or truncation).
static Value convertFloat(OpBuilder &b, Location loc, Value v, Type to) {
  unsigned from = v.getType().getIntOrFloatBitWidth();
  if (v.getType() == to)
    return v;
  if (from < to.getIntOrFloatBitWidth())
    return arith::ExtFOp::create(b, loc, to, v);
  return arith::TruncFOp::create(b, loc, to, v);
}

/// tensor.empty of `type` whose dynamic dim i is sizes[i] (dynamic batch
/// and sequence lengths).
static Value emptyWith(OpBuilder &b, Location loc, RankedTensorType type,
                       ArrayRef<Value> sizes) {
  SmallVector<Value> dyn;
  for (int64_t i = 0; i < type.getRank(); ++i)
    if (type.isDynamicDim(i))
      dyn.push_back(sizes[i]);
  return tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType(),
                                 dyn);
}

/// tensor.empty of `type` whose dynamic dim i is dim i of `like`.
static Value emptyLike(OpBuilder &b, Location loc, RankedTensorType type,
                       Value like) {
  SmallVector<Value> sizes;
  for (int64_t i = 0; i < type.getRank(); ++i)
    sizes.push_back(type.isDynamicDim(i)
                        ? (Value)tensor::DimOp::create(b, loc, like, i)
                        : Value());
  return emptyWith(b, loc, type, sizes);
}

/// A 6-loop contraction accumulating in `type`'s element type;
/// `reductionLoop` is the summed loop (the others are parallel); `sizes`
/// gives the result's dynamic dims.
static Value contract(OpBuilder &b, Location loc, RankedTensorType type,
                      Value lhs, Value rhs, ArrayRef<AffineMap> maps,
                      unsigned reductionLoop, ArrayRef<Value> sizes) {
  Type ct = type.getElementType();
  Value init =
      linalg::FillOp::create(
          b, loc,
          arith::ConstantOp::create(b, loc, b.getZeroAttr(ct)).getResult(),
          emptyWith(b, loc, type, sizes))
          .getResult(0);
  SmallVector<utils::IteratorType> iters = iterators(6);
  iters[reductionLoop] = utils::IteratorType::reduction;
  return buildGeneric(
             b, loc, type, {lhs, rhs}, init, maps, iters,
             [&](OpBuilder &nb, Location l, ValueRange a) {
               Value p =
                   arith::MulFOp::create(nb, l, convertFloat(nb, l, a[0], ct),
                                         convertFloat(nb, l, a[1], ct));
               return SmallVector<Value>{arith::AddFOp::create(nb, l, p, a[2])};
             })
      .getResult(0);
}

/// Elementwise float conversion of a whole tensor (identity when equal).
static Value convertTensor(OpBuilder &b, Location loc, Value v, Type to) {
  auto t = cast<RankedTensorType>(v.getType());
  if (t.getElementType() == to)
    return v;
  auto type = t.clone(to);
  AffineMap id = AffineMap::getMultiDimIdentityMap(t.getRank(), b.getContext());
  return buildGeneric(b, loc, type, v, emptyLike(b, loc, type, v), {id, id},
                      iterators(t.getRank()),
                      [&](OpBuilder &nb, Location l, ValueRange a) {
                        return SmallVector<Value>{
                            convertFloat(nb, l, a[0], to)};
                      })
      .getResult(0);
}

static Value fillLike(OpBuilder &b, Location loc, RankedTensorType type,
                      TypedAttr value, Value like) {
  return linalg::FillOp::create(
             b, loc, arith::ConstantOp::create(b, loc, value).getResult(),
             emptyLike(b, loc, type, like))
      .getResult(0);
}

/// Softmax over the last of 5 dims; a row whose max is -inf (no allowed
/// key) gives 0 everywhere instead of NaN.
static Value safeSoftmax(OpBuilder &b, Location loc, Value x) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(x.getType());
  Type ct = type.getElementType();
  auto rowType = RankedTensorType::get(type.getShape().drop_back(), ct);
  AffineMap id = AffineMap::getMultiDimIdentityMap(5, ctx);
  AffineMap row = dims(ctx, 5, {0, 1, 2, 3});
  SmallVector<utils::IteratorType> red = iterators(4, 1);
  auto negInf = b.getFloatAttr(
      ct, APFloat::getInf(cast<FloatType>(ct).getFloatSemantics(), true));
  Value max = buildGeneric(b, loc, rowType, x,
                           fillLike(b, loc, rowType, negInf, x), {id, row}, red,
                           [](OpBuilder &nb, Location l, ValueRange a) {
                             return SmallVector<Value>{
                                 arith::MaximumFOp::create(nb, l, a[0], a[1])};
                           })
                  .getResult(0);
  Value e =
      buildGeneric(b, loc, type, {x, max}, emptyLike(b, loc, type, x),
                   {id, row, id}, iterators(5),
                   [&](OpBuilder &nb, Location l, ValueRange a) {
                     Value ninf = arith::ConstantOp::create(nb, l, negInf);
                     Value dead = arith::CmpFOp::create(
                         nb, l, arith::CmpFPredicate::OEQ, a[1], ninf);
                     Value safe = arith::SelectOp::create(
                         nb, l, dead, floatConst(nb, l, ct, 0.0), a[1]);
                     return SmallVector<Value>{math::ExpOp::create(
                         nb, l, arith::SubFOp::create(nb, l, a[0], safe))};
                   })
          .getResult(0);
  Value sum =
      buildGeneric(
          b, loc, rowType, e, fillLike(b, loc, rowType, b.getZeroAttr(ct), x),
          {id, row}, red,
          [](OpBuilder &nb, Location l, ValueRange a) {
            return SmallVector<Value>{arith::AddFOp::create(nb, l, a[0], a[1])};
          })
          .getResult(0);
  return buildGeneric(b, loc, type, {e, sum}, emptyLike(b, loc, type, x),
                      {id, row, id}, iterators(5),
                      [&](OpBuilder &nb, Location l, ValueRange a) {
                        Value zero = floatConst(nb, l, ct, 0.0);
                        Value empty = arith::CmpFOp::create(
                            nb, l, arith::CmpFPredicate::OEQ, a[1], zero);
                        Value den = arith::SelectOp::create(
                            nb, l, empty, floatConst(nb, l, ct, 1.0), a[1]);
                        return SmallVector<Value>{
                            arith::DivFOp::create(nb, l, a[0], den)};
                      })
      .getResult(0);
}

/// Whether key j is visible to query i (loops 3 and 4) under the causal,
/// window and kv_seqlen constraints; null when nothing constrains it.
static Value buildAllowed(OpBuilder &b, Location l, seq::AttentionOp op,
                          int64_t sq, Value lens) {
  bool causal = op.getCausal();
  int64_t left = op.getWindowLeft(), right = op.getWindowRight();
  if (!causal && left < 0 && right < 0 && !lens)
    return {};
  Type i64 = b.getI64Type();
  auto c = [&](int64_t v) {
    return arith::ConstantOp::create(b, l, b.getI64IntegerAttr(v));
  };
  auto idx = [&](unsigned d) {
    return arith::IndexCastOp::create(b, l, i64,
                                      linalg::IndexOp::create(b, l, d));
  };
  Value i = idx(3), j = idx(4);
  if (lens && lens.getType() != i64)
    lens = arith::ExtSIOp::create(b, l, i64, lens);
  // Absolute query position p = i + offset.
  Value off = lens ? (Value)arith::SubIOp::create(b, l, lens, c(sq))
                   : (Value)c(op.getQueryOffset());
  Value p = arith::AddIOp::create(b, l, i, off);
  Value allowed;
  auto both = [&](Value cond) {
    allowed =
        allowed ? (Value)arith::AndIOp::create(b, l, allowed, cond) : cond;
  };
  using P = arith::CmpIPredicate;
  if (causal)
    both(arith::CmpIOp::create(b, l, P::sle, j, p));
  if (left >= 0)
    both(arith::CmpIOp::create(b, l, P::sle, arith::SubIOp::create(b, l, p, j),
                               c(left)));
  if (right >= 0)
    both(arith::CmpIOp::create(b, l, P::sle, arith::SubIOp::create(b, l, j, p),
                               c(right)));
  if (lens)
    both(arith::CmpIOp::create(b, l, P::slt, j, lens));
  return allowed;
}

/// Clones the ops of modifier `region` (block argument: [B, Hq, Sq, Skv])
/// at the rewriter's insertion point, applied to `x` ([B, Hkv, G, Sq, Skv]:
/// heads merged around it), and returns the yielded value split back.
/// `sizes` holds the run-time sizes of the dynamic dims of `x`.
static Value applyModifier(PatternRewriter &rw, Location loc, Region &region,
                           Value x, ArrayRef<ReassociationIndices> headGroups,
                           ArrayRef<Value> sizes) {
  auto xt = cast<RankedTensorType>(x.getType());
  Block &body = region.front();
  auto argType = cast<RankedTensorType>(body.getArgument(0).getType());
  Value merged =
      tensor::CollapseShapeOp::create(rw, loc, argType, x, headGroups);
  IRMapping map;
  map.map(body.getArgument(0), merged);
  for (Operation &op : body.without_terminator())
    rw.clone(op, map);
  Value y = map.lookupOrDefault(
      cast<seq::YieldOp>(body.getTerminator()).getValues()[0]);
  SmallVector<OpFoldResult> shape;
  for (int64_t i = 0; i < xt.getRank(); ++i)
    shape.push_back(xt.isDynamicDim(i) ? OpFoldResult(sizes[i])
                                       : rw.getIndexAttr(xt.getDimSize(i)));
  return tensor::ExpandShapeOp::create(rw, loc, xt, y, headGroups, shape);
}

struct AttentionLowering : OpRewritePattern<seq::AttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(seq::AttentionOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    auto qt = op.getQuery().getType(), kt = op.getKey().getType(),
         vt = op.getValue().getType();
    // Batch and sequence dims may be dynamic; heads and head sizes, a mask
    // and (with kv_seqlen) the query length may not.
    for (auto t : {qt, kt, vt})
      if (t.isDynamicDim(1) || t.isDynamicDim(3))
        return rw.notifyMatchFailure(op, "dynamic head count or size");
    bool dynamic =
        !qt.hasStaticShape() || !kt.hasStaticShape() || !vt.hasStaticShape();
    // The mask is reshaped to its broadcast [B, Hkv, G, Sq, Skv] form, which
    // needs its static shape (with static Q/K/V too).
    if (op.getMask() &&
        !cast<RankedTensorType>(op.getMask().getType()).hasStaticShape())
      return rw.notifyMatchFailure(op, "dynamic mask");
    if (qt.isDynamicDim(2) && op.getKvSeqlen())
      return rw.notifyMatchFailure(op, "dynamic query length with kv_seqlen");
    Type elt = qt.getElementType();
    // Scores, softmax and PV in the softmax type (f32 for half types by
    // default); QK accumulates in the wider of it and the input type.
    Type ct = op.getSoftmaxType();
    Type acc =
        elt.getIntOrFloatBitWidth() > ct.getIntOrFloatBitWidth() ? elt : ct;
    int64_t B = qt.getDimSize(0), Hq = qt.getDimSize(1), Sq = qt.getDimSize(2),
            D = qt.getDimSize(3), Hkv = kt.getDimSize(1),
            Skv = kt.getDimSize(2), Dv = vt.getDimSize(3), G = Hq / Hkv;
    // Run-time sizes of the loops b, i and j (null when static).
    auto dimOf = [&](Value v, int64_t i) -> Value {
      auto t = cast<RankedTensorType>(v.getType());
      return t.isDynamicDim(i) ? (Value)tensor::DimOp::create(rw, loc, v, i)
                               : Value();
    };
    Value bSize = dimOf(op.getQuery(), 0), sqSize = dimOf(op.getQuery(), 2),
          skvSize = dimOf(op.getKey(), 2);
    if (!bSize && ShapedType::isDynamic(B))
      bSize = dimOf(op.getKey(), 0);
    if (ShapedType::isDynamic(B) && !qt.isDynamicDim(0))
      B = qt.getDimSize(0);
    // Heads split as [Hkv, G]: dynamic dims stay in their own groups.
    SmallVector<ReassociationIndices> headGroups{{0}, {1, 2}, {3}, {4}};
    Value q;
    if (dynamic) {
      auto q5 = RankedTensorType::get({B, Hkv, G, Sq, D}, elt);
      SmallVector<OpFoldResult> shape{
          bSize ? OpFoldResult(bSize) : rw.getIndexAttr(B),
          rw.getIndexAttr(Hkv), rw.getIndexAttr(G),
          sqSize ? OpFoldResult(sqSize) : rw.getIndexAttr(Sq),
          rw.getIndexAttr(D)};
      q = tensor::ExpandShapeOp::create(rw, loc, q5, op.getQuery(), headGroups,
                                        shape);
    } else {
      q = reshapeTo(rw, loc, op.getQuery(), {B, Hkv, G, Sq, D});
    }

    // QK: loops (b, h, g, i, j, d).
    auto sType = RankedTensorType::get({B, Hkv, G, Sq, Skv}, ct);
    Value s = contract(
        rw, loc, sType.clone(acc), q, op.getKey(),
        {dims(ctx, 6, {0, 1, 2, 3, 5}), dims(ctx, 6, {0, 1, 4, 5}),
         dims(ctx, 6, {0, 1, 2, 3, 4})},
        /*reductionLoop=*/5, {bSize, Value(), Value(), sqSize, skvSize});
    // Loop 4 walks K/V: the seed of seq-cascade-report's pass analysis.
    s.getDefiningOp()->setAttr("seq.kv_dim", rw.getI64IntegerAttr(4));

    // Scale, softcap, mask and positional constraints in one elementwise
    // generic; a second result captures the early scores stages (modes 0/1).
    SmallVector<Value> ins{s};
    AffineMap id5 = AffineMap::getMultiDimIdentityMap(5, ctx);
    SmallVector<AffineMap> maps{id5};
    bool boolMask = false;
    int maskArg = -1, lensArg = -1;
    if (Value mask = op.getMask()) {
      auto mt = cast<RankedTensorType>(mask.getType());
      boolMask = mt.getElementType().isInteger(1);
      SmallVector<int64_t> m4(4 - mt.getRank(), 1);
      llvm::append_range(m4, mt.getShape());
      SmallVector<int64_t> m5{m4[0], 1, 1, m4[2], m4[3]};
      if (m4[1] != 1) {
        m5[1] = Hkv;
        m5[2] = G;
      }
      maskArg = ins.size();
      ins.push_back(reshapeTo(rw, loc, mask, m5));
      maps.push_back(broadcastMap(ctx, m5, sType.getShape()));
    }
    if (Value lens = op.getKvSeqlen()) {
      lensArg = ins.size();
      ins.push_back(lens);
      maps.push_back(dims(ctx, 5, {0}));
    }
    std::optional<int64_t> mode = op.getScoresMode();
    bool early = mode && *mode <= 1;
    SmallVector<Type> outTypes{sType};
    SmallVector<Value> inits{emptyLike(rw, loc, sType, s)};
    maps.push_back(id5);
    if (early) {
      outTypes.push_back(sType);
      inits.push_back(emptyLike(rw, loc, sType, s));
      maps.push_back(id5);
    }
    double scale = op.getScale().convertToDouble();
    double softcap = op.getSoftcap().convertToDouble();
    linalg::GenericOp logitsOp = buildGeneric(
        rw, loc, outTypes, ins, inits, maps, iterators(5),
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value x = convertFloat(
              b, l,
              arith::MulFOp::create(b, l, a[0], floatConst(b, l, acc, scale)),
              ct);
          Value stage0 = x;
          if (softcap > 0) {
            Value c = floatConst(b, l, ct, softcap);
            x = arith::MulFOp::create(
                b, l, c,
                math::TanhOp::create(b, l, arith::DivFOp::create(b, l, x, c)));
          }
          Value captured = mode && *mode == 0 ? stage0 : x;
          Value negInf = arith::ConstantOp::create(
              b, l,
              b.getFloatAttr(
                  ct, APFloat::getInf(cast<FloatType>(ct).getFloatSemantics(),
                                      true)));
          if (maskArg >= 0) {
            Value m = a[maskArg];
            x = boolMask ? (Value)arith::SelectOp::create(b, l, m, x, negInf)
                         : (Value)arith::AddFOp::create(
                               b, l, x, convertFloat(b, l, m, ct));
          }
          if (Value allowed = buildAllowed(b, l, op, Sq,
                                           lensArg >= 0 ? a[lensArg] : Value()))
            x = arith::SelectOp::create(b, l, allowed, x, negInf);
          SmallVector<Value> res{x};
          if (early)
            res.push_back(captured);
          return res;
        });
    Value logits = logitsOp.getResult(0);
    SmallVector<Value> sizes5{bSize, Value(), Value(), sqSize, skvSize};
    if (!op.getScoreMod().empty())
      logits =
          applyModifier(rw, loc, op.getScoreMod(), logits, headGroups, sizes5);

    Value p = safeSoftmax(rw, loc, logits);
    if (!op.getProbMod().empty())
      p = applyModifier(rw, loc, op.getProbMod(), p, headGroups, sizes5);

    // PV: loops (b, h, g, i, j, e); e innermost reads V rows contiguously.
    auto oType = RankedTensorType::get({B, Hkv, G, Sq, Dv}, ct);
    Value o =
        contract(rw, loc, oType, p, op.getValue(),
                 {dims(ctx, 6, {0, 1, 2, 3, 4}), dims(ctx, 6, {0, 1, 4, 5}),
                  dims(ctx, 6, {0, 1, 2, 3, 5})},
                 /*reductionLoop=*/4, {bSize, Value(), Value(), sqSize});
    o = convertTensor(rw, loc, o, elt);
    auto mergeHeads = [&](Value v, ArrayRef<int64_t> shape) -> Value {
      if (!dynamic)
        return reshapeTo(rw, loc, v, shape);
      return tensor::CollapseShapeOp::create(
          rw, loc, RankedTensorType::get(shape, elt), v, headGroups);
    };
    SmallVector<Value> results{mergeHeads(o, {B, Hq, Sq, Dv})};
    if (mode) {
      Value scores = early ? logitsOp.getResult(1) : *mode == 2 ? logits : p;
      scores = convertTensor(rw, loc, scores, elt);
      results.push_back(mergeHeads(scores, {B, Hq, Sq, Skv}));
    }
    rw.replaceOp(op, results);
    return success();
  }
};

} // namespace

void populateAttentionPatterns(RewritePatternSet &patterns) {
  patterns.add<AttentionLowering>(patterns.getContext());
}

} // namespace seqc::lowering
