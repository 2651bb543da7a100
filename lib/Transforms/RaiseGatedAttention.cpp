//===- RaiseGatedAttention.cpp - sigmoid output gate next to attention ----===//
//
// Gated attention (Qwen3-Next style) multiplies the merged attention output
// by a sigmoid gate before the out-projection:
//   o = reshape(transpose(attention(q, k, v), [0, 2, 1, 3]), [B, S, H*Dv])
//   y = o * sigmoid(g)                      (g: [B, S, H*Dv] or [B, S, H,
//   Dv|1])
// The gate is moved into the attention's [B, H, S, Dv] layout so that it
// directly consumes the attention result (and lowers into the same loop nest
// as its epilogue):
//   y = reshape(transpose(attention(...) * sigmoid(g'), [0, 2, 1, 3]))
// with g' = transpose(reshape(g, [B, S, H, Dv|1]), [0, 2, 1, 3]). The moved
// multiply carries the unit attribute `seq.attention_gate`, the marked fused
// form of gated attention. Only exact re-layouts match: the head merge is the
// row-major [B, S, H, Dv] -> [B, S, H*Dv] reshape of that transpose, and the
// gate has the merged output's shape (or a per-head [B, S, H, 1] one).
//
//===----------------------------------------------------------------------===//

#include "RaiseUtils.h"
#include "seqc/Transforms/Passes.h"

using namespace mlir;

namespace seqc {
namespace {
using namespace raise;

constexpr llvm::StringLiteral kGateAttr = "seq.attention_gate";

struct RaiseGatedAttention : OpRewritePattern<seq::MulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(seq::MulOp op,
                                PatternRewriter &rw) const override {
    if (op->hasAttr(kGateAttr))
      return rw.notifyMatchFailure(op, "already a gate");
    for (int swap = 0; swap < 2; ++swap) {
      Value o = swap ? op.getRhs() : op.getLhs();
      auto sig =
          (swap ? op.getLhs() : op.getRhs()).getDefiningOp<seq::SigmoidOp>();
      if (!sig || o.getType() != op.getType())
        continue;
      // Head merge: [reshape of] transpose [0,2,1,3] of an attention result.
      auto merge = o.getDefiningOp<seq::ReshapeOp>();
      Value t = merge ? merge.getInput() : o;
      auto tr = t.getDefiningOp<seq::TransposeOp>();
      if (!tr || tr.getPermutation() != ArrayRef<int64_t>{0, 2, 1, 3})
        continue;
      auto attn = tr.getInput().getDefiningOp<seq::AttentionOp>();
      if (!attn || tr.getInput() != attn->getResult(0) ||
          !tr.getInput().hasOneUse() || !t.hasOneUse() ||
          (merge && !merge->hasOneUse()))
        continue;
      auto at = rankedType(attn->getResult(0));
      if (!at.hasStaticShape())
        continue;
      ArrayRef<int64_t> a = at.getShape(); // [B, H, S, Dv]
      int64_t B = a[0], H = a[1], S = a[2], Dv = a[3];
      auto ot = op.getType();
      if (merge && ot.getShape() != ArrayRef<int64_t>{B, S, H * Dv})
        continue;
      // The gate as [B, S, H, Dv] or per head [B, S, H, 1].
      Value g = sig.getInput();
      auto gt = rankedType(g);
      if (!gt.hasStaticShape() || gt.getElementType() != ot.getElementType())
        continue;
      SmallVector<int64_t> g4;
      if (gt.getShape() == ot.getShape())
        g4 = {B, S, H, Dv};
      else if (!merge && gt.getShape() == ArrayRef<int64_t>{B, S, H, 1})
        g4 = {B, S, H, 1};
      else
        continue;
      Location loc = op.getLoc();
      Type elt = ot.getElementType();
      Value gr = g;
      if (gt.getShape() != ArrayRef<int64_t>(g4))
        gr = seq::ReshapeOp::create(rw, loc, RankedTensorType::get(g4, elt), g);
      Value gh = seq::TransposeOp::create(
          rw, loc, RankedTensorType::get({B, H, S, g4[3]}, elt), gr,
          rw.getDenseI64ArrayAttr({0, 2, 1, 3}));
      Value gs = seq::SigmoidOp::create(rw, loc, gh.getType(), gh);
      auto gated = seq::MulOp::create(rw, loc, at, attn->getResult(0), gs);
      gated->setAttr(kGateAttr, rw.getUnitAttr());
      Value y = seq::TransposeOp::create(rw, loc, rankedType(t), gated,
                                         rw.getDenseI64ArrayAttr({0, 2, 1, 3}));
      if (merge)
        y = seq::ReshapeOp::create(rw, loc, ot, y);
      rw.replaceOp(op, y);
      return success();
    }
    return rw.notifyMatchFailure(op, "not merge_heads(attention) * sigmoid");
  }
};

} // namespace

void populateRaiseGatedAttentionPatterns(RewritePatternSet &patterns) {
  patterns.add<RaiseGatedAttention>(patterns.getContext());
}

} // namespace seqc
