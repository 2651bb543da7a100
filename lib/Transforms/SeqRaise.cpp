//===- SeqRaise.cpp - the seq-raise pass ----------------------------------===//

#include "seqc/Transforms/Passes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

namespace seqc {
#define GEN_PASS_DEF_SEQRAISE
#include "seqc/Transforms/Passes.h.inc"

void populateSeqRaisePatterns(RewritePatternSet &patterns) {
  populateRaiseRMSNormPatterns(patterns);
  populateRaiseAttentionPatterns(patterns);
}

namespace {
struct SeqRaisePass : impl::SeqRaiseBase<SeqRaisePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateSeqRaisePatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
} // namespace seqc
