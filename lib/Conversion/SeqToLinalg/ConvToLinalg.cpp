//===- ConvToLinalg.cpp - seq.conv -> tensor.pad + one linalg.generic -----===//
//
// Grouped convolution as one contraction over the padded input:
//   out[n, g, m, o...] += x[n, g, c, o*stride + k*dilation...] * w[g, m, c,
//   k...]
// with channels split into [G, C/G] by reshapes. The accumulator starts from
// the broadcast bias (or zero).
//
//===----------------------------------------------------------------------===//

#include "Common.h"
#include "Patterns.h"
#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;

namespace seqc::lowering {
namespace {

struct ConvLowering : OpRewritePattern<seq::ConvOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(seq::ConvOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    auto xt = op.getInput().getType(), wt = op.getWeight().getType();
    auto type = op.getType();
    if (!xt.hasStaticShape() || !wt.hasStaticShape() || !type.hasStaticShape())
      return rw.notifyMatchFailure(op, "dynamic conv not supported yet");
    Type elt = type.getElementType();
    int64_t s = xt.getRank() - 2, g = op.getGroup();
    int64_t n = xt.getDimSize(0), c = xt.getDimSize(1), m = wt.getDimSize(0);
    ArrayRef<int64_t> pads = op.getPads();

    Value x = op.getInput();
    if (llvm::any_of(pads, [](int64_t p) { return p != 0; })) {
      SmallVector<int64_t> padded(xt.getShape());
      SmallVector<OpFoldResult> low(s + 2, rw.getIndexAttr(0)),
          high(s + 2, rw.getIndexAttr(0));
      for (int64_t i = 0; i < s; ++i) {
        padded[2 + i] += pads[i] + pads[s + i];
        low[2 + i] = rw.getIndexAttr(pads[i]);
        high[2 + i] = rw.getIndexAttr(pads[s + i]);
      }
      Value zero = arith::ConstantOp::create(rw, loc, rw.getZeroAttr(elt));
      x = tensor::PadOp::create(rw, loc, xt.clone(padded), x, low, high, zero);
    }
    // im2col: cols[n, g, c, k..., o...] = x[n, g, c, o * stride + k * dil].
    auto px = cast<RankedTensorType>(x.getType());
    int64_t cg = c / g, mg = m / g, kvol = 1, ovol = 1;
    SmallVector<int64_t> xShape{n, g, cg}, colShape{n, g, cg};
    for (int64_t i = 0; i < s; ++i) {
      xShape.push_back(px.getDimSize(2 + i));
      colShape.push_back(wt.getDimSize(2 + i));
      kvol *= wt.getDimSize(2 + i);
    }
    for (int64_t i = 0; i < s; ++i) {
      colShape.push_back(type.getDimSize(2 + i));
      ovol *= type.getDimSize(2 + i);
    }
    x = reshapeTo(rw, loc, x, xShape);
    auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    int64_t colLoops = 3 + 2 * s;
    SmallVector<AffineExpr> xe{d(0), d(1), d(2)};
    for (int64_t i = 0; i < s; ++i)
      xe.push_back(d(3 + s + i) * op.getStrides()[i] +
                   d(3 + i) * op.getDilations()[i]);
    auto colType = RankedTensorType::get(colShape, elt);
    Value cols =
        buildGeneric(rw, loc, colType, x, createEmpty(rw, loc, colType, {}),
                     {AffineMap::get(colLoops, 0, xe, ctx),
                      AffineMap::getMultiDimIdentityMap(colLoops, ctx)},
                     iterators(colLoops),
                     [](OpBuilder &, Location, ValueRange args) {
                       return SmallVector<Value>{args[0]};
                     })
            .getResult(0);
    cols = reshapeTo(rw, loc, cols, {n, g, cg * kvol, ovol});
    Value w = reshapeTo(rw, loc, op.getWeight(), {g, mg, cg * kvol});

    // out[n, g, m, p] += w[g, m, r] * cols[n, g, r, p], loops (n, g, m, r, p):
    // a batched matmul with the innermost loop contiguous.
    auto outType = RankedTensorType::get({n, g, mg, ovol}, elt);
    Value init;
    if (Value bias = op.getBias()) {
      Value b2 = reshapeTo(rw, loc, bias, {g, mg});
      init =
          buildGeneric(rw, loc, outType, b2, createEmpty(rw, loc, outType, {}),
                       {AffineMap::get(4, 0, {d(1), d(2)}, ctx),
                        AffineMap::getMultiDimIdentityMap(4, ctx)},
                       iterators(4),
                       [](OpBuilder &, Location, ValueRange args) {
                         return SmallVector<Value>{args[0]};
                       })
              .getResult(0);
    } else {
      init = createFilled(rw, loc, outType, rw.getZeroAttr(elt), {});
    }
    bool isFloat = isa<FloatType>(elt);
    SmallVector<utils::IteratorType> iters = iterators(5);
    iters[3] = utils::IteratorType::reduction;
    Value out =
        buildGeneric(
            rw, loc, outType, ValueRange{w, cols}, init,
            {AffineMap::get(5, 0, {d(1), d(2), d(3)}, ctx),
             AffineMap::get(5, 0, {d(0), d(1), d(3), d(4)}, ctx),
             AffineMap::get(5, 0, {d(0), d(1), d(2), d(4)}, ctx)},
            iters,
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value p =
                  isFloat
                      ? (Value)arith::MulFOp::create(b, l, args[0], args[1])
                      : (Value)arith::MulIOp::create(b, l, args[0], args[1]);
              Value r = isFloat
                            ? (Value)arith::AddFOp::create(b, l, args[2], p)
                            : (Value)arith::AddIOp::create(b, l, args[2], p);
              return SmallVector<Value>{r};
            })
            .getResult(0);
    rw.replaceOp(op, reshapeTo(rw, loc, out, type.getShape()));
    return success();
  }
};

} // namespace

void populateConvPatterns(RewritePatternSet &patterns) {
  patterns.add<ConvLowering>(patterns.getContext());
}

} // namespace seqc::lowering
