//===- ScanToLinalg.cpp - seq.scan -> scf.for over tensors ----------------===//
//
// The scan becomes one scf.for over the sequence: states and the stacked
// outputs are iter_args, each step reads its input slices with
// tensor.extract_slice and writes its outputs with tensor.insert_slice (in
// place after bufferization); new states are copied into the carried
// buffers. The body's seq ops are moved into the loop
// unchanged; the same greedy pattern application lowers them there.
//
//===----------------------------------------------------------------------===//

#include "Common.h"
#include "Patterns.h"
#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;

namespace seqc::lowering {
namespace {

/// Offsets/sizes/strides selecting index `idx` of `axis` in `source`.
static void sliceAt(OpBuilder &b, Location loc, Value source, int64_t axis,
                    Value idx, SmallVectorImpl<OpFoldResult> &offsets,
                    SmallVectorImpl<OpFoldResult> &sizes,
                    SmallVectorImpl<OpFoldResult> &strides) {
  auto t = cast<RankedTensorType>(source.getType());
  for (int64_t d = 0; d < t.getRank(); ++d) {
    offsets.push_back(d == axis ? OpFoldResult(idx) : b.getIndexAttr(0));
    if (d == axis)
      sizes.push_back(b.getIndexAttr(1));
    else if (t.isDynamicDim(d))
      sizes.push_back(tensor::DimOp::create(b, loc, source, d).getResult());
    else
      sizes.push_back(b.getIndexAttr(t.getDimSize(d)));
    strides.push_back(b.getIndexAttr(1));
  }
}

struct ScanLowering : OpRewritePattern<seq::ScanOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(seq::ScanOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    unsigned nStates = op.getNumStates();
    Block &body = op.getBody().front();
    auto yield = cast<seq::YieldOp>(body.getTerminator());

    // Stacked outputs start as empty tensors; every dim but the scan axis
    // comes from the per-step value, which must then be static.
    Value first = op.getInputs()[0];
    Value length = tensor::DimOp::create(rw, loc, first, op.getInputAxes()[0]);
    SmallVector<Value> iterInits(op.getInits());
    for (auto [k, res] : llvm::enumerate(op.getScanOutputs())) {
      auto t = cast<RankedTensorType>(res.getType());
      SmallVector<Value> dyn;
      for (int64_t d = 0; d < t.getRank(); ++d) {
        if (!t.isDynamicDim(d))
          continue;
        if (d != op.getOutputAxes()[k])
          return rw.notifyMatchFailure(op, "dynamic per-step output dims");
        dyn.push_back(length);
      }
      iterInits.push_back(tensor::EmptyOp::create(rw, loc, t, dyn));
    }

    Value zero = arith::ConstantIndexOp::create(rw, loc, 0);
    Value one = arith::ConstantIndexOp::create(rw, loc, 1);
    Value last = arith::SubIOp::create(rw, loc, length, one);
    auto loop = scf::ForOp::create(rw, loc, zero, length, one, iterInits);
    Block *loopBody = loop.getBody();
    rw.setInsertionPointToStart(loopBody);
    Value iv = loop.getInductionVar();
    Value revIv;
    auto stepIndex = [&](bool reverse) {
      if (!reverse)
        return iv;
      if (!revIv)
        revIv = arith::SubIOp::create(rw, loc, last, iv);
      return revIv;
    };

    SmallVector<Value> bodyArgs(loop.getRegionIterArgs().take_front(nStates));
    for (auto [j, input] : llvm::enumerate(op.getInputs())) {
      SmallVector<OpFoldResult> offsets, sizes, strides;
      int64_t axis = op.getInputAxes()[j];
      sliceAt(rw, loc, input, axis, stepIndex(op.getInputReverse()[j]), offsets,
              sizes, strides);
      bodyArgs.push_back(tensor::ExtractSliceOp::create(
          rw, loc, op.getSliceType(j), input, offsets, sizes, strides));
    }

    SmallVector<Value> stepValues(yield.getValues());
    rw.inlineBlockBefore(&body, loopBody, loopBody->end(), bodyArgs);
    rw.setInsertionPoint(yield);
    // New states are copied into the carried buffers: the yield is then
    // equivalent to the iter_arg, as one-shot bufferization requires, at
    // the cost of one copy of the (small) state per step.
    SmallVector<Value> next;
    for (unsigned i = 0; i < nStates; ++i) {
      Value carried = loop.getRegionIterArgs()[i];
      Value v = stepValues[i];
      next.push_back(
          v == carried
              ? v
              : linalg::CopyOp::create(rw, loc, v, carried).getResult(0));
    }
    for (unsigned k = 0; k < op.getNumScanOutputs(); ++k) {
      Value acc = loop.getRegionIterArgs()[nStates + k];
      SmallVector<OpFoldResult> offsets, sizes, strides;
      sliceAt(rw, loc, acc, op.getOutputAxes()[k],
              stepIndex(op.getOutputReverse()[k]), offsets, sizes, strides);
      next.push_back(tensor::InsertSliceOp::create(
          rw, loc, stepValues[nStates + k], acc, offsets, sizes, strides));
    }
    rw.replaceOpWithNewOp<scf::YieldOp>(yield, next);
    rw.replaceOp(op, loop.getResults());
    return success();
  }
};

} // namespace

void populateScanPatterns(RewritePatternSet &patterns) {
  patterns.add<ScanLowering>(patterns.getContext());
}

} // namespace seqc::lowering
