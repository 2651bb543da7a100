//===- FuseElementwise.cpp - producer fusion into parallel consumers ------===//

#include "seqc/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

namespace seqc {
#define GEN_PASS_DEF_SEQFUSEELEMENTWISE
#include "seqc/Transforms/Passes.h.inc"

namespace {
struct FuseElementwisePass : impl::SeqFuseElementwiseBase<FuseElementwisePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    linalg::populateElementwiseOpsFusionPatterns(
        patterns, [](OpOperand *fused) {
          auto consumer = dyn_cast<linalg::LinalgOp>(fused->getOwner());
          // A K/V tile loop (seq-tile-attention) is a hand-fused cascade
          // whose loop-carried buffers are updated in place; fusing there
          // only recomputes and breaks the in-place chain.
          for (Operation *p = fused->getOwner(); p; p = p->getParentOp())
            if (p->hasAttr("seq.kv_tile_loop"))
              return false;
          if (!consumer || consumer.getNumReductionLoops() != 0)
            return false;
          // A producer with several users would be recomputed in each of
          // them (e.g. the residual stream re-added inside every norm and
          // projection input); materializing it once is cheaper.
          Operation *producer = fused->get().getDefiningOp();
          return producer && producer->hasOneUse();
        });
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
} // namespace seqc
