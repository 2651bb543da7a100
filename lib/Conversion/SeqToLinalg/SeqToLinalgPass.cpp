//===- SeqToLinalgPass.cpp - the seq-to-linalg pass -----------------------===//

#include "Patterns.h"
#include "seq/IR/SeqDialect.h"
#include "seqc/Conversion/Passes.h"

#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

namespace seqc {
#define GEN_PASS_DEF_SEQTOLINALG
#include "seqc/Conversion/Passes.h.inc"

void populateSeqToLinalgPatterns(RewritePatternSet &patterns) {
  lowering::populateElementwisePatterns(patterns);
  lowering::populateShapePatterns(patterns);
  lowering::populateContractionPatterns(patterns);
  lowering::populateNormPatterns(patterns);
  lowering::populateAttentionPatterns(patterns);
  lowering::populateRopePatterns(patterns);
  lowering::populateScanPatterns(patterns);
  lowering::populateEinsumPatterns(patterns);
  lowering::populateIndexingPatterns(patterns);
  lowering::populateConvPatterns(patterns);
  lowering::populateLinearScanPatterns(patterns);
  lowering::populateResizePatterns(patterns);
  lowering::populateKVCachePatterns(patterns);
}

namespace {
struct SeqToLinalgPass : impl::SeqToLinalgBase<SeqToLinalgPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateSeqToLinalgPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    // Anything left is an op (or a form of it) the CPU backend cannot run.
    WalkResult r = getOperation()->walk([](Operation *op) {
      if (isa<seq::SeqDialect>(op->getDialect())) {
        op->emitError("cannot lower '")
            << op->getName() << "' to linalg (unsupported form)";
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (r.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
} // namespace seqc
