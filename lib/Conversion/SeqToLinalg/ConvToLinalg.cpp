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
    auto px = cast<RankedTensorType>(x.getType());
    SmallVector<int64_t> xShape{n, g, c / g}, wShape{g, m / g, c / g},
        oShape{n, g, m / g};
    for (int64_t i = 0; i < s; ++i) {
      xShape.push_back(px.getDimSize(2 + i));
      wShape.push_back(wt.getDimSize(2 + i));
      oShape.push_back(type.getDimSize(2 + i));
    }
    x = reshapeTo(rw, loc, x, xShape);
    Value w = reshapeTo(rw, loc, op.getWeight(), wShape);

    // Loops: n, g, m, o_0..o_{s-1} | c, k_0..k_{s-1}.
    int64_t numPar = 3 + s, numLoops = numPar + 1 + s;
    auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    SmallVector<AffineExpr> xe{d(0), d(1), d(numPar)},
        we{d(1), d(2), d(numPar)}, oe{d(0), d(1), d(2)};
    for (int64_t i = 0; i < s; ++i) {
      AffineExpr o = d(3 + i), k = d(numPar + 1 + i);
      xe.push_back(o * op.getStrides()[i] + k * op.getDilations()[i]);
      we.push_back(k);
      oe.push_back(o);
    }
    auto outType = RankedTensorType::get(oShape, elt);
    Value init;
    if (Value bias = op.getBias()) {
      Value b2 = reshapeTo(rw, loc, bias, {g, m / g});
      auto bmap = AffineMap::get(numPar, 0, {d(1), d(2)}, ctx);
      init =
          buildGeneric(rw, loc, outType, b2, createEmpty(rw, loc, outType, {}),
                       {bmap, AffineMap::getMultiDimIdentityMap(numPar, ctx)},
                       iterators(numPar),
                       [](OpBuilder &, Location, ValueRange args) {
                         return SmallVector<Value>{args[0]};
                       })
              .getResult(0);
    } else {
      init = createFilled(rw, loc, outType, rw.getZeroAttr(elt), {});
    }
    bool isFloat = isa<FloatType>(elt);
    Value out =
        buildGeneric(
            rw, loc, outType, ValueRange{x, w}, init,
            {AffineMap::get(numLoops, 0, xe, ctx),
             AffineMap::get(numLoops, 0, we, ctx),
             AffineMap::get(numLoops, 0, oe, ctx)},
            iterators(numPar, 1 + s),
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
