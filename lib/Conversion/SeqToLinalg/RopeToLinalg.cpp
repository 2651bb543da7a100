//===- RopeToLinalg.cpp - seq.rope -> linalg ------------------------------===//
//
// One parallel generic over the output. Each element reads its own input
// value through the identity map; its pair partner and the cos/sin entries
// are data-dependent (partner d +- R/2 or d +- 1, a position id) and are read
// with tensor.extract in the body:
//   y[d] = x[d] * cos[t] + (first ? -1 : 1) * x[partner] * sin[t]   (d < R)
//   y[d] = x[d]                                                     (d >= R)
//
//===----------------------------------------------------------------------===//

#include "Common.h"
#include "Patterns.h"
#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;

namespace seqc::lowering {
namespace {

struct RopeLowering : OpRewritePattern<seq::RopeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(seq::RopeOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    auto type = op.getType();
    int64_t rot = op.getRotaryDimOrHeadDim();
    auto tableType = cast<RankedTensorType>(op.getCos().getType());
    int64_t tdim = tableType.getShape().back();
    if (ShapedType::isDynamic(rot) || ShapedType::isDynamic(tdim))
      return rw.notifyMatchFailure(op, "dynamic head or table dim");
    bool full = tdim == rot, interleaved = op.getInterleaved();
    bool bshd = op.getLayout() == seq::RopeLayout::bshd;
    Value x = op.getInput(), cos = op.getCos(), sin = op.getSin(),
          pos = op.getPositionIds();
    // Row count of a position-indexed table (negative ids wrap).
    Value rows;
    if (pos)
      rows = tensor::DimOp::create(rw, loc, cos, 0);

    Value init = createEmpty(rw, loc, type, {x});
    AffineMap id = AffineMap::getMultiDimIdentityMap(4, ctx);
    auto body = [&](OpBuilder &b, Location l, ValueRange args) {
      auto idx = [&](int64_t v) -> Value {
        return arith::ConstantIndexOp::create(b, l, v);
      };
      SmallVector<Value> iv;
      for (unsigned i = 0; i < 4; ++i)
        iv.push_back(linalg::IndexOp::create(b, l, i));
      Value d = iv[3], xd = args[0];
      Value inRot =
          arith::CmpIOp::create(b, l, arith::CmpIPredicate::ult, d, idx(rot));
      Value first, partner, t;
      if (interleaved) {
        Value odd = arith::AndIOp::create(b, l, d, idx(1));
        first =
            arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, odd, idx(0));
        partner = arith::SelectOp::create(
            b, l, first, arith::AddIOp::create(b, l, d, idx(1)),
            arith::SubIOp::create(b, l, d, idx(1)));
        t = full ? d : arith::ShRUIOp::create(b, l, d, idx(1)).getResult();
      } else {
        int64_t half = rot / 2;
        first = arith::CmpIOp::create(b, l, arith::CmpIPredicate::ult, d,
                                      idx(half));
        Value back = arith::SubIOp::create(b, l, d, idx(half));
        partner = arith::SelectOp::create(
            b, l, first, arith::AddIOp::create(b, l, d, idx(half)), back);
        t = full ? d
                 : arith::SelectOp::create(b, l, first, d, back).getResult();
      }
      // Channels past R pass through; keep their reads in bounds.
      partner = arith::SelectOp::create(b, l, inRot, partner, d);
      t = arith::SelectOp::create(b, l, inRot, t, idx(0));
      Value xp = tensor::ExtractOp::create(
          b, l, x, ValueRange{iv[0], iv[1], iv[2], partner});

      SmallVector<Value> coords;
      if (pos) {
        auto pt = cast<RankedTensorType>(pos.getType());
        Value s = bshd ? iv[1] : iv[2];
        Value p = tensor::ExtractOp::create(
            b, l, pos,
            ValueRange{pt.getDimSize(0) == 1 ? idx(0) : iv[0],
                       pt.getDimSize(1) == 1 ? idx(0) : s});
        p = arith::IndexCastOp::create(b, l, b.getIndexType(), p);
        Value neg =
            arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, p, idx(0));
        p = arith::SelectOp::create(b, l, neg,
                                    arith::AddIOp::create(b, l, p, rows), p);
        coords = {p, t};
      } else {
        for (unsigned i = 0; i < 3; ++i)
          coords.push_back(tableType.getDimSize(i) == 1 ? idx(0) : iv[i]);
        coords.push_back(t);
      }
      Value c = tensor::ExtractOp::create(b, l, cos, coords);
      Value s = tensor::ExtractOp::create(b, l, sin, coords);
      Value prod = arith::MulFOp::create(b, l, xp, s);
      Value term = arith::SelectOp::create(
          b, l, first, arith::NegFOp::create(b, l, prod), prod);
      Value y =
          arith::AddFOp::create(b, l, arith::MulFOp::create(b, l, xd, c), term);
      return SmallVector<Value>{arith::SelectOp::create(b, l, inRot, y, xd)};
    };
    Value result =
        buildGeneric(rw, loc, type, {x}, {init}, {id, id}, iterators(4), body)
            .getResult(0);
    rw.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateRopePatterns(RewritePatternSet &patterns) {
  patterns.add<RopeLowering>(patterns.getContext());
}

} // namespace seqc::lowering
