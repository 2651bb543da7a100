//===- DistinctResults.cpp - one tensor per returned result ---------------===//
//
// An ONNX graph may name one tensor as several outputs (`y` and
// `Identity(y)`), so @main can return the same SSA value twice. One-shot
// bufferization then returns one buffer twice, which
// buffer-results-to-out-params does not handle. Copying every repeated
// result (linalg.copy into a fresh tensor) gives each output its own buffer.
//
//===----------------------------------------------------------------------===//

#include "Common.h"
#include "seqc/Conversion/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseSet.h"

using namespace mlir;

namespace seqc {
#define GEN_PASS_DEF_SEQDISTINCTRESULTS
#include "seqc/Conversion/Passes.h.inc"

namespace {
struct SeqDistinctResultsPass
    : impl::SeqDistinctResultsBase<SeqDistinctResultsPass> {
  void runOnOperation() override {
    getOperation()->walk([](func::ReturnOp ret) {
      llvm::SmallDenseSet<Value> seen;
      OpBuilder b(ret);
      for (OpOperand &operand : ret->getOpOperands()) {
        Value v = operand.get();
        auto type = dyn_cast<RankedTensorType>(v.getType());
        if (!type || seen.insert(v).second)
          continue;
        Value init =
            lowering::createEmpty(b, ret.getLoc(), type, ValueRange{v});
        operand.set(
            linalg::CopyOp::create(b, ret.getLoc(), v, init).getResult(0));
      }
    });
  }
};
} // namespace
} // namespace seqc
