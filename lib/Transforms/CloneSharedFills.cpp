//===- CloneSharedFills.cpp - one linalg.fill per user --------------------===//
//
// Runs right before bufferization. A fill with several users bufferizes to
// one filled buffer plus a memref.copy per user; a fill per user costs the
// same writes, needs no source buffer, and lets seq-lower-to-ukernels fold a
// zero fill into the contraction call.
//
//===----------------------------------------------------------------------===//

#include "seqc/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "llvm/ADT/SmallVector.h"

using namespace mlir;

namespace seqc {
#define GEN_PASS_DEF_SEQCLONESHAREDFILLS
#include "seqc/Transforms/Passes.h.inc"

namespace {
struct SeqCloneSharedFillsPass
    : impl::SeqCloneSharedFillsBase<SeqCloneSharedFillsPass> {
  void runOnOperation() override {
    SmallVector<linalg::FillOp> shared;
    getOperation()->walk([&](linalg::FillOp fill) {
      if (fill.hasPureTensorSemantics() && fill->getNumResults() == 1 &&
          !fill->getResult(0).hasOneUse() && !fill->getResult(0).use_empty())
        shared.push_back(fill);
    });
    for (linalg::FillOp fill : shared) {
      Value result = fill->getResult(0);
      // Only destinations (outs) get a clone: a read-only use inside a loop
      // would otherwise refill per iteration what it could read once.
      SmallVector<OpOperand *> inits;
      for (OpOperand &use : result.getUses()) {
        auto dps = dyn_cast<DestinationStyleOpInterface>(use.getOwner());
        if (dps && dps.isDpsInit(&use))
          inits.push_back(&use);
      }
      // One destination may keep the original when nothing else reads it.
      bool keepOne = inits.size() == llvm::range_size(result.getUses());
      for (OpOperand *use : llvm::drop_begin(inits, keepOne ? 1 : 0)) {
        OpBuilder b(use->getOwner());
        Operation *clone = b.clone(*fill);
        use->set(clone->getResult(0));
      }
    }
  }
};
} // namespace
} // namespace seqc
