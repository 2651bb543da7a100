//===- RopeToLinalg.cpp - seq.rope -> linalg ------------------------------===//
//
// Rotate-half with a static head dim: one parallel generic per half of the
// rotated channels, writing its slice of the result in place. Both read the
// two halves x1 = x[.., :R/2] and x2 = x[.., R/2:R] through identity maps and
// the table at column d (d + R/2 for the second half of full tables), so the
// channel loop is unit-stride everywhere and vectorizes:
//   y[.., :R/2]  = x1 * cos - x2 * sin
//   y[.., R/2:R] = x2 * cos + x1 * sin
//   y[.., R:]    = x[.., R:]                        (a slice copy)
// Otherwise (interleaved pairs, dynamic head dim) one generic over the
// output: each element reads its own value through the identity map, its
// pair partner and the table entry with tensor.extract (data-dependent
// indices, which LLVM leaves scalar):
//   y[d] = x[d] * cos[t] + (first ? -1 : 1) * x[partner] * sin[t]   (d < R)
//   y[d] = x[d]                                                     (d >= R)
// Table entries are read with tensor.extract in both forms: the row is a
// position id (or the element's own leading indices), the column is affine.
//
//===----------------------------------------------------------------------===//

#include "Common.h"
#include "Patterns.h"
#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;

namespace seqc::lowering {
namespace {

/// The cos/sin coordinates of an element at loop indices `iv` and table
/// column `t`: [position_ids[b, s] (wrapped), t] or the table's own
/// broadcast leading dims.
SmallVector<Value> tableCoords(OpBuilder &b, Location l, seq::RopeOp op,
                               RankedTensorType tableType, Value rows,
                               ArrayRef<Value> iv, Value t) {
  auto idx = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, l, v);
  };
  bool bshd = op.getLayout() == seq::RopeLayout::bshd;
  SmallVector<Value> coords;
  if (Value pos = op.getPositionIds()) {
    auto pt = cast<RankedTensorType>(pos.getType());
    Value s = bshd ? iv[1] : iv[2];
    Value p = tensor::ExtractOp::create(
        b, l, pos,
        ValueRange{pt.getDimSize(0) == 1 ? idx(0) : iv[0],
                   pt.getDimSize(1) == 1 ? idx(0) : s});
    p = arith::IndexCastOp::create(b, l, b.getIndexType(), p);
    Value neg =
        arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, p, idx(0));
    p = arith::SelectOp::create(b, l, neg, arith::AddIOp::create(b, l, p, rows),
                                p);
    return {p, t};
  }
  for (unsigned i = 0; i < 3; ++i)
    coords.push_back(tableType.getDimSize(i) == 1 ? idx(0) : iv[i]);
  coords.push_back(t);
  return coords;
}

/// The rotate-half form over all channels (R == D) as one generic on the
/// [.., 2, R/2] view (see the file comment).
Value lowerRotateHalf(PatternRewriter &rw, seq::RopeOp op, int64_t rot,
                      bool full, Value rows) {
  Location loc = op.getLoc();
  MLIRContext *ctx = rw.getContext();
  auto type = op.getType();
  auto tableType = cast<RankedTensorType>(op.getCos().getType());
  int64_t half = rot / 2;
  Value x = op.getInput(), cos = op.getCos(), sin = op.getSin(),
        pos = op.getPositionIds();
  // [.., R] <-> [.., 2, R/2] (the last dim split in halves).
  auto halves = [&](Value v) -> Value {
    auto t = cast<RankedTensorType>(v.getType());
    SmallVector<int64_t> shape(t.getShape());
    shape.back() = 2;
    shape.push_back(half);
    SmallVector<ReassociationIndices> re;
    for (int64_t i = 0; i + 1 < t.getRank(); ++i)
      re.push_back({i});
    re.push_back({t.getRank() - 1, t.getRank()});
    return tensor::ExpandShapeOp::create(
        rw, loc, RankedTensorType::get(shape, t.getElementType()), v, re);
  };

  // With position ids the table rows are gathered once into [PB, PS, T]
  // (PB, PS: the ids' dims), so the channel loop reads them through an affine
  // map instead of a data-dependent row that LLVM cannot hoist past the
  // stores.
  bool bshd = op.getLayout() == seq::RopeLayout::bshd;
  AffineExpr zero = getAffineConstantExpr(0, ctx);
  SmallVector<AffineExpr> texprs;
  if (pos) {
    auto pt = cast<RankedTensorType>(pos.getType());
    auto gt = RankedTensorType::get(
        {pt.getDimSize(0), pt.getDimSize(1), tableType.getShape().back()},
        tableType.getElementType());
    SmallVector<Value> dyn;
    for (unsigned i = 0; i < 2; ++i)
      if (gt.isDynamicDim(i))
        dyn.push_back(tensor::DimOp::create(rw, loc, pos, i));
    Value init = tensor::EmptyOp::create(rw, loc, gt, dyn);
    auto gather = [&](OpBuilder &b, Location l, ValueRange) {
      SmallVector<Value> iv;
      for (unsigned i = 0; i < 3; ++i)
        iv.push_back(linalg::IndexOp::create(b, l, i));
      // tableCoords reads position_ids[iv[0], iv[1] (bshd) or iv[2]].
      SmallVector<Value> rowIv = {iv[0], iv[1], iv[1], iv[2]};
      SmallVector<Value> coords =
          tableCoords(b, l, op, tableType, rows, rowIv, iv[2]);
      return SmallVector<Value>{tensor::ExtractOp::create(b, l, cos, coords),
                                tensor::ExtractOp::create(b, l, sin, coords)};
    };
    AffineMap id3 = AffineMap::getMultiDimIdentityMap(3, ctx);
    auto g = buildGeneric(rw, loc, {gt, gt}, {}, {init, init}, {id3, id3},
                          iterators(3), gather);
    cos = g.getResult(0);
    sin = g.getResult(1);
    texprs = {pt.getDimSize(0) == 1 ? zero : getAffineDimExpr(0, ctx),
              pt.getDimSize(1) == 1 ? zero
                                    : getAffineDimExpr(bshd ? 1 : 2, ctx)};
  } else {
    for (unsigned i = 0; i < 3; ++i)
      texprs.push_back(tableType.getDimSize(i) == 1 ? zero
                                                    : getAffineDimExpr(i, ctx));
  }
  // Full tables: half k reads columns k*R/2.. (split like x); half tables:
  // both halves read the same R/2 columns.
  if (full) {
    cos = halves(cos);
    sin = halves(sin);
    texprs.push_back(getAffineDimExpr(3, ctx));
  }
  texprs.push_back(getAffineDimExpr(4, ctx));
  AffineMap tmap = AffineMap::get(5, 0, texprs, ctx);

  // Loops (d0, d1, d2, k, j): channel k*R/2 + j; its partner is channel
  // (1-k)*R/2 + j.
  Value xh = halves(x);
  auto ht = cast<RankedTensorType>(xh.getType());
  Value init = createEmpty(rw, loc, ht, {xh});
  AffineMap id = AffineMap::getMultiDimIdentityMap(5, ctx);
  SmallVector<AffineExpr> pexprs(id.getResults());
  pexprs[3] = 1 - getAffineDimExpr(3, ctx);
  AffineMap partnerMap = AffineMap::get(5, 0, pexprs, ctx);
  auto body = [&](OpBuilder &b, Location l, ValueRange args) {
    Value k = linalg::IndexOp::create(b, l, 3);
    Value first =
        arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, k,
                              arith::ConstantIndexOp::create(b, l, 0));
    Value ps = arith::MulFOp::create(b, l, args[1], args[3]);
    Value term = arith::SelectOp::create(b, l, first,
                                         arith::NegFOp::create(b, l, ps), ps);
    Value xc = arith::MulFOp::create(b, l, args[0], args[2]);
    return SmallVector<Value>{arith::AddFOp::create(b, l, xc, term)};
  };
  Value y = buildGeneric(rw, loc, ht, {xh, xh, cos, sin}, {init},
                         {id, partnerMap, tmap, tmap, id}, iterators(5), body)
                .getResult(0);
  SmallVector<ReassociationIndices> re = {{0}, {1}, {2}, {3, 4}};
  return tensor::CollapseShapeOp::create(rw, loc, type, y, re);
}

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
    Value x = op.getInput(), cos = op.getCos(), sin = op.getSin(),
          pos = op.getPositionIds();
    // Row count of a position-indexed table (negative ids wrap).
    Value rows;
    if (pos)
      rows = tensor::DimOp::create(rw, loc, cos, 0);

    if (!interleaved && rot == type.getShape().back()) {
      rw.replaceOp(op, lowerRotateHalf(rw, op, rot, full, rows));
      return success();
    }

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

      SmallVector<Value> coords = tableCoords(b, l, op, tableType, rows, iv, t);
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
