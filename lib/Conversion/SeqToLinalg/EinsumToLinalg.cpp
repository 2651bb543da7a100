//===- EinsumToLinalg.cpp - seq.einsum -> one linalg.generic --------------===//
//
// The equation's subscripts are the indexing maps: output loops first, then
// the summed labels as reductions. A label repeated inside one operand reads
// its diagonal (the same loop twice); a size-1 ellipsis dim that broadcasts
// reads index 0. f16/bf16 accumulate in f32.
//
//===----------------------------------------------------------------------===//

#include "Common.h"
#include "Patterns.h"
#include "seq/IR/Einsum.h"
#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;

namespace seqc::lowering {
namespace {

struct EinsumLowering : OpRewritePattern<seq::EinsumOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(seq::EinsumOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    SmallVector<ArrayRef<int64_t>> shapes;
    for (Value v : op.getInputs())
      shapes.push_back(cast<RankedTensorType>(v.getType()).getShape());
    std::string error;
    FailureOr<seq::EinsumSpec> spec =
        seq::analyzeEinsum(op.getEquation(), shapes, error);
    if (failed(spec))
      return rw.notifyMatchFailure(op, error);
    RankedTensorType type = op.getType();
    if (!type.hasStaticShape())
      return rw.notifyMatchFailure(op, "dynamic einsum not supported yet");
    unsigned numLoops = spec->loopSizes.size();
    unsigned numOut = spec->numOutputLoops;

    SmallVector<AffineMap> maps;
    for (ArrayRef<int64_t> loops : spec->operandLoops) {
      SmallVector<AffineExpr> exprs;
      for (int64_t l : loops)
        exprs.push_back(l < 0 ? getAffineConstantExpr(0, ctx)
                              : getAffineDimExpr(l, ctx));
      maps.push_back(AffineMap::get(numLoops, 0, exprs, ctx));
    }
    SmallVector<AffineExpr> outExprs;
    for (unsigned i = 0; i < numOut; ++i)
      outExprs.push_back(getAffineDimExpr(i, ctx));
    maps.push_back(AffineMap::get(numLoops, 0, outExprs, ctx));

    // Unsigned elements compute on signless integers (see Signedness.cpp).
    Type elt = signless(type.getElementType());
    SmallVector<Value> inputs;
    for (Value v : op.getInputs())
      inputs.push_back(castToSignless(rw, loc, v));
    bool isFloat = isa<FloatType>(elt);
    bool widen = isFloat && elt.getIntOrFloatBitWidth() < 32;
    Type acc = widen ? rw.getF32Type() : elt;
    auto accType = RankedTensorType::get(type.getShape(), acc);
    Value init = createFilled(rw, loc, accType, rw.getZeroAttr(acc), {});
    Value result =
        buildGeneric(
            rw, loc, accType, inputs, init, maps,
            iterators(numOut, numLoops - numOut),
            [&](OpBuilder &b, Location l, ValueRange args) {
              SmallVector<Value> xs;
              for (Value x : args.drop_back())
                xs.push_back(widen ? (Value)arith::ExtFOp::create(b, l, acc, x)
                                   : x);
              Value prod = xs.front();
              for (Value x : ArrayRef<Value>(xs).drop_front())
                prod = isFloat ? (Value)arith::MulFOp::create(b, l, prod, x)
                               : (Value)arith::MulIOp::create(b, l, prod, x);
              Value sum =
                  isFloat
                      ? (Value)arith::AddFOp::create(b, l, prod, args.back())
                      : (Value)arith::AddIOp::create(b, l, prod, args.back());
              return SmallVector<Value>{sum};
            })
            .getResult(0);
    if (widen) {
      auto id = AffineMap::getMultiDimIdentityMap(numOut, ctx);
      Value empty = createEmpty(rw, loc, type, {});
      result = buildGeneric(rw, loc, type, result, empty, {id, id},
                            iterators(numOut),
                            [&](OpBuilder &b, Location l, ValueRange args) {
                              return SmallVector<Value>{
                                  arith::TruncFOp::create(b, l, elt, args[0])};
                            })
                   .getResult(0);
    }
    rw.replaceOp(op, castFromSignless(rw, loc, result, type));
    return success();
  }
};

} // namespace

void populateEinsumPatterns(RewritePatternSet &patterns) {
  patterns.add<EinsumLowering>(patterns.getContext());
}

} // namespace seqc::lowering
