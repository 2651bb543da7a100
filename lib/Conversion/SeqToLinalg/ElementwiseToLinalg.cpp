//===- ElementwiseToLinalg.cpp - elementwise seq ops -> linalg.generic ----===//
//
// One pattern serves every op implementing ElementwiseOpInterface: operands
// are read through numpy-broadcasting indexing maps and the op supplies its
// scalar body.
//
//===----------------------------------------------------------------------===//

#include "Common.h"
#include "Patterns.h"
#include "seq/IR/SeqOps.h"

using namespace mlir;

namespace seqc::lowering {
namespace {

/// Lowers `result = f(broadcast(operands...))` to a parallel linalg.generic.
static Value lowerBroadcastingMap(
    PatternRewriter &rw, Operation *op, RankedTensorType resultType,
    ValueRange operands,
    function_ref<Value(OpBuilder &, Location, ValueRange)> scalar) {
  MLIRContext *ctx = rw.getContext();
  Location loc = op->getLoc();
  ArrayRef<int64_t> shape = resultType.getShape();
  checkBroadcast(rw, loc, op, operands, shape);
  SmallVector<AffineMap> maps;
  for (Value v : operands)
    maps.push_back(broadcastMap(
        ctx, cast<RankedTensorType>(v.getType()).getShape(), shape));
  maps.push_back(AffineMap::getMultiDimIdentityMap(shape.size(), ctx));
  Value init = createEmpty(rw, loc, resultType, operands);
  return buildGeneric(rw, loc, resultType, operands, init, maps,
                      iterators(shape.size()),
                      [&](OpBuilder &b, Location l, ValueRange args) {
                        return SmallVector<Value>{
                            scalar(b, l, args.drop_back())};
                      })
      .getResult(0);
}

struct ElementwiseLowering
    : OpInterfaceRewritePattern<seq::ElementwiseOpInterface> {
  using OpInterfaceRewritePattern::OpInterfaceRewritePattern;
  LogicalResult matchAndRewrite(seq::ElementwiseOpInterface op,
                                PatternRewriter &rw) const override {
    // Unsigned element types: compute on signless tensors; buildScalar
    // still gets the op's own result element type.
    auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
    SmallVector<Value> operands;
    for (Value v : op->getOperands())
      operands.push_back(castToSignless(rw, op->getLoc(), v));
    Value result = lowerBroadcastingMap(
        rw, op, cast<RankedTensorType>(signless(resultType)),
        operands, [&](OpBuilder &b, Location l, ValueRange args) {
          return op.buildScalar(b, l, args, resultType.getElementType());
        });
    rw.replaceOp(op, castFromSignless(rw, op->getLoc(), result, resultType));
    return success();
  }
};

struct BroadcastLowering : OpRewritePattern<seq::BroadcastOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(seq::BroadcastOp op,
                                PatternRewriter &rw) const override {
    Value result = lowerBroadcastingMap(
        rw, op, op.getType(), op.getInput(),
        [](OpBuilder &, Location, ValueRange args) { return args[0]; });
    rw.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateElementwisePatterns(RewritePatternSet &patterns) {
  patterns.add<ElementwiseLowering, BroadcastLowering>(patterns.getContext());
  populateSmallFloatCastPatterns(patterns);
}

} // namespace seqc::lowering
