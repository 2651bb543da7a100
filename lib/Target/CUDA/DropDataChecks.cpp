//===- DropDataChecks.cpp - no host reads of tensor data on CUDA ----------===//
//
// `seq-gpu-drop-data-checks` runs first in the CUDA target's linalg
// pipeline. seq-to-linalg asserts data-dependent facts (gather/scatter
// indices in range) with a cf.assert marked `seq.data_check` whose condition
// reduces tensor data on the host; on the CUDA target that data lives on the
// device, so the check is dropped (the CPU target reports it as an error).
// The index arithmetic is clamped (safeIndex), so an out-of-range index
// still never addresses outside its tensor. Shape checks (no data read)
// are kept.
//
//===----------------------------------------------------------------------===//

#include "seqc/Target/CUDA.h"

#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

using namespace mlir;

namespace seqc {
#define GEN_PASS_DEF_SEQGPUDROPDATACHECKS
#include "seqc/Target/CUDAPasses.h.inc"

namespace {

struct DropDataChecksPass : impl::SeqGpuDropDataChecksBase<DropDataChecksPass> {
  void runOnOperation() override {
    SmallVector<cf::AssertOp> checks;
    getOperation().walk([&](cf::AssertOp op) {
      if (op->hasAttr("seq.data_check"))
        checks.push_back(op);
    });
    for (cf::AssertOp op : checks)
      op.erase(); // the reduction feeding it is dead: canonicalize drops it
  }
};

} // namespace

std::unique_ptr<Pass> createDropDataChecksPass() {
  return std::make_unique<DropDataChecksPass>();
}

} // namespace seqc
