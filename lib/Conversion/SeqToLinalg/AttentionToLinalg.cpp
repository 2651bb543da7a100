//===- AttentionToLinalg.cpp - seq.attention -> Einsum cascade ------------===//
//
// The naive (3-pass) cascade, with query heads split as [kv_heads, group] so
// every Einsum reads K/V through a projected permutation (GQA without
// materializing repeated K/V):
//   S[b,h,g,i,j] = sum_d Q[b,h,g,i,d] K[b,h,j,d]          (QK)
//   L = mask(softcap(scale * S))                          (elementwise)
//   P = softmax_j(L)                                      (max, exp, sum, div)
//   O[b,h,g,i,e] = sum_j P[b,h,g,i,j] V[b,h,j,e]          (PV)
// Loop orders keep the innermost loop contiguous for the vectorizer.
//
//===----------------------------------------------------------------------===//

#include "Common.h"
#include "Patterns.h"
#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;

namespace seqc::lowering {
namespace {

static AffineMap dims(MLIRContext *ctx, unsigned n, ArrayRef<unsigned> ids) {
  SmallVector<AffineExpr> e;
  for (unsigned i : ids)
    e.push_back(getAffineDimExpr(i, ctx));
  return AffineMap::get(n, 0, e, ctx);
}

/// A 6-loop contraction; `reductionLoop` is the summed loop (the others are
/// parallel).
static Value contract(OpBuilder &b, Location loc, RankedTensorType type,
                      Value lhs, Value rhs, ArrayRef<AffineMap> maps,
                      unsigned reductionLoop) {
  Value init = createFilled(b, loc, type, b.getZeroAttr(type.getElementType()),
                            {});
  SmallVector<utils::IteratorType> iters = iterators(6);
  iters[reductionLoop] = utils::IteratorType::reduction;
  return buildGeneric(b, loc, type, {lhs, rhs}, init, maps, iters,
                      [](OpBuilder &nb, Location l, ValueRange a) {
                        Value p = arith::MulFOp::create(nb, l, a[0], a[1]);
                        return SmallVector<Value>{
                            arith::AddFOp::create(nb, l, p, a[2])};
                      })
      .getResult(0);
}

struct AttentionLowering : OpRewritePattern<seq::AttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(seq::AttentionOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    auto qt = op.getQuery().getType(), kt = op.getKey().getType(),
         vt = op.getValue().getType();
    if (!qt.hasStaticShape() || !kt.hasStaticShape() || !vt.hasStaticShape())
      return rw.notifyMatchFailure(op, "dynamic shapes not supported yet");
    Type elt = qt.getElementType();
    int64_t B = qt.getDimSize(0), Hq = qt.getDimSize(1), Sq = qt.getDimSize(2),
            D = qt.getDimSize(3), Hkv = kt.getDimSize(1),
            Skv = kt.getDimSize(2), Dv = vt.getDimSize(3), G = Hq / Hkv;
    Value q = reshapeTo(rw, loc, op.getQuery(), {B, Hkv, G, Sq, D});

    // QK: loops (b, h, g, i, j, d).
    auto sType = RankedTensorType::get({B, Hkv, G, Sq, Skv}, elt);
    Value s = contract(rw, loc, sType, q, op.getKey(),
                       {dims(ctx, 6, {0, 1, 2, 3, 5}), dims(ctx, 6, {0, 1, 4, 5}),
                        dims(ctx, 6, {0, 1, 2, 3, 4})},
                       /*reductionLoop=*/5);

    // Scale, softcap, mask and causal bias in one elementwise generic.
    SmallVector<Value> ins{s};
    AffineMap id5 = AffineMap::getMultiDimIdentityMap(5, ctx);
    SmallVector<AffineMap> maps{id5};
    bool boolMask = false;
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
      ins.push_back(reshapeTo(rw, loc, mask, m5));
      maps.push_back(broadcastMap(ctx, m5, sType.getShape()));
    }
    double scale = op.getScale().convertToDouble();
    double softcap = op.getSoftcap().convertToDouble();
    bool causal = op.getCausal();
    Value logits = buildGeneric(
        rw, loc, sType, ins, createEmpty(rw, loc, sType, {}),
        [&] {
          SmallVector<AffineMap> all(maps);
          all.push_back(id5);
          return all;
        }(),
        iterators(5), [&](OpBuilder &b, Location l, ValueRange a) {
          Value x = arith::MulFOp::create(b, l, a[0], floatConst(b, l, elt, scale));
          if (softcap > 0) {
            Value c = floatConst(b, l, elt, softcap);
            x = arith::MulFOp::create(
                b, l, c, math::TanhOp::create(b, l, arith::DivFOp::create(b, l, x, c)));
          }
          Value negInf = arith::ConstantOp::create(
              b, l, b.getFloatAttr(elt, APFloat::getInf(
                                            cast<FloatType>(elt).getFloatSemantics(),
                                            true)));
          if (a.size() > 2) {
            x = boolMask ? (Value)arith::SelectOp::create(b, l, a[1], x, negInf)
                         : (Value)arith::AddFOp::create(b, l, x, a[1]);
          }
          if (causal) {
            Value i = linalg::IndexOp::create(b, l, 3);
            Value j = linalg::IndexOp::create(b, l, 4);
            Value future =
                arith::CmpIOp::create(b, l, arith::CmpIPredicate::ugt, j, i);
            x = arith::SelectOp::create(b, l, future, negInf, x);
          }
          return SmallVector<Value>{x};
        })
                       .getResult(0);

    Value p = seq::SoftmaxOp::create(rw, loc, sType, logits,
                                     rw.getI64IntegerAttr(4), UnitAttr());

    // PV: loops (b, h, g, i, j, e); e innermost reads V rows contiguously.
    auto oType = RankedTensorType::get({B, Hkv, G, Sq, Dv}, elt);
    Value o = contract(rw, loc, oType, p, op.getValue(),
                       {dims(ctx, 6, {0, 1, 2, 3, 4}), dims(ctx, 6, {0, 1, 4, 5}),
                        dims(ctx, 6, {0, 1, 2, 3, 5})},
                       /*reductionLoop=*/4);
    rw.replaceOp(op, reshapeTo(rw, loc, o, {B, Hq, Sq, Dv}));
    return success();
  }
};

} // namespace

void populateAttentionPatterns(RewritePatternSet &patterns) {
  patterns.add<AttentionLowering>(patterns.getContext());
}

} // namespace seqc::lowering
