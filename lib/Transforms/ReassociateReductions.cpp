//===- ReassociateReductions.cpp - let LLVM vectorize float reductions ----===//
//
// LLVM only vectorizes a floating-point reduction loop (the sums and maxima
// of norms, softmax and the attention cascade) when the reduction op may be
// reassociated. Without it every such loop stays scalar: on small models
// these loops were a third of the run. The reduction bodies of linalg ops
// get `fastmath<reassoc, contract>`; the results then differ from the
// sequential sum only by rounding (well inside ONNX's tolerances), the same
// freedom onnxruntime's vectorized kernels take.
//
//===----------------------------------------------------------------------===//

#include "seqc/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"

using namespace mlir;

namespace seqc {
#define GEN_PASS_DEF_SEQREASSOCIATEREDUCTIONS
#include "seqc/Transforms/Passes.h.inc"

namespace {
struct SeqReassociateReductionsPass
    : impl::SeqReassociateReductionsBase<SeqReassociateReductionsPass> {
  void runOnOperation() override {
    auto flags = arith::FastMathFlags::reassoc | arith::FastMathFlags::contract;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (op.getNumReductionLoops() == 0)
        return;
      op->walk([&](arith::ArithFastMathInterface fm) {
        if (isa<arith::AddFOp, arith::MulFOp, arith::MaximumFOp,
                arith::MinimumFOp, arith::MaxNumFOp, arith::MinNumFOp>(
                fm.getOperation()))
          fm->setAttr(
              fm.getFastMathAttrName(),
              arith::FastMathFlagsAttr::get(
                  &getContext(), fm.getFastMathFlagsAttr().getValue() | flags));
      });
    });
  }
};
} // namespace
} // namespace seqc
