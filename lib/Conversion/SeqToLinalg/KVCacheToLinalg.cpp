//===- KVCacheToLinalg.cpp - seq.kv_cache_append / kv_cache_view ----------===//
//
// A contiguous append is one tensor.insert_slice at the run-time position
// (per-row positions: one insert per batch row in an scf.for):
// bufferized in place into the cache buffer, it writes the step's rows and
// nothing else. A paged append inserts each (batch row, position) through
// the block table; a paged view gathers the first positions back into the
// contiguous [B, H, L, D] layout attention reads. Positions and block ids are
// checked at run time and clamped, so an unchecked target (CUDA drops data
// checks) still never writes outside the cache.
//
//===----------------------------------------------------------------------===//

#include "Common.h"
#include "Patterns.h"
#include "seq/IR/SeqKVCacheOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace seqc::lowering {
namespace {

struct LowerAppend : OpRewritePattern<seq::KVCacheAppendOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(seq::KVCacheAppendOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    auto update = cast<RankedTensorType>(op.getUpdate().getType());
    auto cache = cast<RankedTensorType>(op.getCache().getType());
    if (!update.hasStaticShape())
      return rw.notifyMatchFailure(op, "dynamic update shape");
    int64_t B = update.getDimSize(0), H = update.getDimSize(1),
            T = update.getDimSize(2), D = update.getDimSize(3);
    bool perRow =
        cast<RankedTensorType>(op.getPosition().getType()).getRank() == 1;
    Value pos = perRow ? Value() : readIndex(rw, loc, op.getPosition(), {});
    auto cmp = [&](arith::CmpIPredicate p, Value a, Value b) -> Value {
      return arith::CmpIOp::create(rw, loc, p, a, b);
    };
    using P = arith::CmpIPredicate;
    Value one = indexConst(rw, loc, 1);
    if (!op.isPaged() && perRow) {
      int64_t L = cache.getDimSize(2);
      if (T == L) {
        rw.replaceOpWithNewOp<linalg::CopyOp>(op, op.getUpdate(),
                                              op.getCache());
        return success();
      }
      // Row b at position[b]: one [1, H, T, D] insert per row, in place.
      auto rowType =
          RankedTensorType::get({1, H, T, D}, cache.getElementType());
      Value posV = op.getPosition(), upd = op.getUpdate();
      auto loop = scf::ForOp::create(
          rw, loc, indexConst(rw, loc, 0), indexConst(rw, loc, B), one,
          ValueRange{op.getCache()},
          [&](OpBuilder &ob, Location l, Value bIv, ValueRange args) {
            Value p = readIndex(ob, l, posV, {bIv});
            Value ok = arith::AndIOp::create(
                ob, l,
                arith::CmpIOp::create(ob, l, P::sge, p, indexConst(ob, l, 0)),
                arith::CmpIOp::create(ob, l, P::sle, p,
                                      indexConst(ob, l, L - T)));
            emitDataCheck(
                ob, l, ok,
                describe(op) + ": a row's position plus the " + Twine(T) +
                    " appended positions exceeds the cache of " + Twine(L));
            p = clampIndex(ob, l, p, 0, L - T);
            SmallVector<OpFoldResult> one4(4, ob.getIndexAttr(1));
            SmallVector<OpFoldResult> sizes{
                ob.getIndexAttr(1), ob.getIndexAttr(H), ob.getIndexAttr(T),
                ob.getIndexAttr(D)};
            Value row = tensor::ExtractSliceOp::create(
                ob, l, rowType, upd,
                ArrayRef<OpFoldResult>{bIv, ob.getIndexAttr(0),
                                       ob.getIndexAttr(0), ob.getIndexAttr(0)},
                sizes, one4);
            Value next = tensor::InsertSliceOp::create(
                ob, l, row, args[0],
                ArrayRef<OpFoldResult>{bIv, ob.getIndexAttr(0), p,
                                       ob.getIndexAttr(0)},
                sizes, one4);
            scf::YieldOp::create(ob, l, next);
          });
      rw.replaceOp(op, loop.getResults());
      return success();
    }
    if (!op.isPaged()) {
      int64_t L = cache.getDimSize(2);
      Value ok = arith::AndIOp::create(
          rw, loc, cmp(P::sge, pos, indexConst(rw, loc, 0)),
          cmp(P::sle, pos, indexConst(rw, loc, L - T)));
      emitDataCheck(rw, loc, ok,
                    describe(op) + ": the position plus the " + Twine(T) +
                        " appended positions exceeds the cache of " + Twine(L));
      pos = clampIndex(rw, loc, pos, 0, L - T);
      // An update as long as the cache replaces it: a copy into the cache
      // (an insert_slice covering its destination would fold into the
      // update and leave the cache buffer unwritten).
      if (T == L) {
        rw.replaceOpWithNewOp<linalg::CopyOp>(op, op.getUpdate(),
                                              op.getCache());
        return success();
      }
      SmallVector<OpFoldResult> offsets{rw.getIndexAttr(0), rw.getIndexAttr(0),
                                        pos, rw.getIndexAttr(0)};
      SmallVector<OpFoldResult> sizes{rw.getIndexAttr(B), rw.getIndexAttr(H),
                                      rw.getIndexAttr(T), rw.getIndexAttr(D)};
      SmallVector<OpFoldResult> strides(4, rw.getIndexAttr(1));
      rw.replaceOpWithNewOp<tensor::InsertSliceOp>(
          op, op.getUpdate(), op.getCache(), offsets, sizes, strides);
      return success();
    }
    // Paged: one [1, H, 1, D] row per (b, t), placed through the table.
    auto table = cast<RankedTensorType>(op.getBlockTable().getType());
    int64_t NB = cache.getDimSize(0), BS = cache.getDimSize(2),
            MB = table.getDimSize(1);
    if (ShapedType::isDynamic(MB))
      return rw.notifyMatchFailure(op, "dynamic block table width");
    Value last = arith::AddIOp::create(rw, loc, pos, indexConst(rw, loc, T));
    Value ok =
        arith::AndIOp::create(rw, loc, cmp(P::sge, pos, indexConst(rw, loc, 0)),
                              cmp(P::sle, last, indexConst(rw, loc, MB * BS)));
    emitDataCheck(rw, loc, ok,
                  describe(op) +
                      ": the appended positions exceed the block "
                      "table's " +
                      Twine(MB) + " blocks of " + Twine(BS));
    auto rowType = RankedTensorType::get({1, H, 1, D}, cache.getElementType());
    auto outer = scf::ForOp::create(
        rw, loc, indexConst(rw, loc, 0), indexConst(rw, loc, B), one,
        ValueRange{op.getCache()},
        [&](OpBuilder &ob, Location l, Value bIv, ValueRange bArgs) {
          auto inner = scf::ForOp::create(
              ob, l, indexConst(ob, l, 0), indexConst(ob, l, T), one, bArgs,
              [&](OpBuilder &ib, Location il, Value tIv, ValueRange tArgs) {
                Value p = arith::AddIOp::create(ib, il, pos, tIv);
                Value slot = clampIndex(
                    ib, il,
                    arith::DivSIOp::create(ib, il, p, indexConst(ib, il, BS)),
                    0, MB - 1);
                Value off = clampIndex(
                    ib, il,
                    arith::RemSIOp::create(ib, il, p, indexConst(ib, il, BS)),
                    0, BS - 1);
                Value blk = readIndex(ib, il, op.getBlockTable(), {bIv, slot});
                Value blkOk = arith::AndIOp::create(
                    ib, il,
                    arith::CmpIOp::create(ib, il, P::sge, blk,
                                          indexConst(ib, il, 0)),
                    arith::CmpIOp::create(ib, il, P::slt, blk,
                                          indexConst(ib, il, NB)));
                emitDataCheck(ib, il, blkOk,
                              describe(op) + ": a block id is outside the " +
                                  Twine(NB) + " cache blocks");
                blk = clampIndex(ib, il, blk, 0, NB - 1);
                SmallVector<OpFoldResult> one4(4, ib.getIndexAttr(1));
                SmallVector<OpFoldResult> rowSizes{
                    ib.getIndexAttr(1), ib.getIndexAttr(H), ib.getIndexAttr(1),
                    ib.getIndexAttr(D)};
                Value row = tensor::ExtractSliceOp::create(
                    ib, il, rowType, op.getUpdate(),
                    ArrayRef<OpFoldResult>{bIv, ib.getIndexAttr(0), tIv,
                                           ib.getIndexAttr(0)},
                    rowSizes, one4);
                Value next = tensor::InsertSliceOp::create(
                    ib, il, row, tArgs[0],
                    ArrayRef<OpFoldResult>{blk, ib.getIndexAttr(0), off,
                                           ib.getIndexAttr(0)},
                    rowSizes, one4);
                scf::YieldOp::create(ib, il, next);
              });
          scf::YieldOp::create(ob, l, inner.getResults());
        });
    rw.replaceOp(op, outer.getResults());
    return success();
  }
};

struct LowerView : OpRewritePattern<seq::KVCacheViewOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(seq::KVCacheViewOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    auto cache = cast<RankedTensorType>(op.getCache().getType());
    auto type = cast<RankedTensorType>(op.getType());
    int64_t NB = cache.getDimSize(0), BS = cache.getDimSize(2);
    auto table = cast<RankedTensorType>(op.getBlockTable().getType());
    int64_t MB = table.getDimSize(1);
    Value init = createEmpty(rw, loc, type, {});
    AffineMap id = AffineMap::getMultiDimIdentityMap(4, rw.getContext());
    Value cacheV = op.getCache(), tableV = op.getBlockTable();
    auto g = buildGeneric(
        rw, loc, type, {}, init, {id}, iterators(4),
        [&](OpBuilder &nb, Location l, ValueRange) {
          Value b = linalg::IndexOp::create(nb, l, 0);
          Value h = linalg::IndexOp::create(nb, l, 1);
          Value p = linalg::IndexOp::create(nb, l, 2);
          Value d = linalg::IndexOp::create(nb, l, 3);
          Value slot = clampIndex(
              nb, l, arith::DivSIOp::create(nb, l, p, indexConst(nb, l, BS)), 0,
              MB - 1);
          Value off = arith::RemSIOp::create(nb, l, p, indexConst(nb, l, BS));
          Value blk =
              clampIndex(nb, l, readIndex(nb, l, tableV, {b, slot}), 0, NB - 1);
          return SmallVector<Value>{
              tensor::ExtractOp::create(nb, l, cacheV, {blk, h, off, d})};
        });
    rw.replaceOp(op, g.getResults());
    return success();
  }
};

/// (b, h, t, 0): a row's scale inside a (b, h, t, d) loop nest.
AffineMap rowScaleMap(MLIRContext *ctx) {
  return AffineMap::get(4, 0,
                        {getAffineDimExpr(0, ctx), getAffineDimExpr(1, ctx),
                         getAffineDimExpr(2, ctx),
                         getAffineConstantExpr(0, ctx)},
                        ctx);
}

/// Symmetric int8 rows: scale = max|x| / 127, values = round(x / scale).
struct LowerQuantize : OpRewritePattern<seq::KVCacheQuantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(seq::KVCacheQuantizeOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    auto inType = cast<RankedTensorType>(op.getInput().getType());
    auto valType = cast<RankedTensorType>(op.getValues().getType());
    auto scaleType = cast<RankedTensorType>(op.getScales().getType());
    if (!inType.hasStaticShape())
      return rw.notifyMatchFailure(op, "dynamic shape");
    Type elt = inType.getElementType();
    MLIRContext *ctx = rw.getContext();
    AffineMap id = AffineMap::getMultiDimIdentityMap(4, ctx);
    AffineMap row = rowScaleMap(ctx);
    Value amax = buildGeneric(rw, loc, scaleType, {op.getInput()},
                              createFilled(rw, loc, scaleType,
                                           rw.getFloatAttr(elt, 0.0), {}),
                              {id, row}, iterators(3, 1),
                              [](OpBuilder &nb, Location l, ValueRange a) {
                                Value m = math::AbsFOp::create(nb, l, a[0]);
                                return SmallVector<Value>{
                                    arith::MaximumFOp::create(nb, l, m, a[1])};
                              })
                     .getResult(0);
    AffineMap id4 = AffineMap::getMultiDimIdentityMap(4, ctx);
    Value scales =
        buildGeneric(rw, loc, scaleType, {amax},
                     createEmpty(rw, loc, scaleType, {}), {id4, id4},
                     iterators(4),
                     [&](OpBuilder &nb, Location l, ValueRange a) {
                       return SmallVector<Value>{arith::DivFOp::create(
                           nb, l, a[0], floatConst(nb, l, elt, 127.0))};
                     })
            .getResult(0);
    Value values =
        buildGeneric(
            rw, loc, valType, {op.getInput(), scales},
            createEmpty(rw, loc, valType, {}), {id, row, id}, iterators(4),
            [&](OpBuilder &nb, Location l, ValueRange a) {
              Value zero = floatConst(nb, l, elt, 0.0);
              Value r = math::RoundEvenOp::create(
                  nb, l, arith::DivFOp::create(nb, l, a[0], a[1]));
              r = arith::MaximumFOp::create(nb, l, r,
                                            floatConst(nb, l, elt, -127.0));
              r = arith::MinimumFOp::create(nb, l, r,
                                            floatConst(nb, l, elt, 127.0));
              // An all-zero row (scale 0) stores zeros, not 0/0.
              Value none = arith::CmpFOp::create(
                  nb, l, arith::CmpFPredicate::OEQ, a[1], zero);
              r = arith::SelectOp::create(nb, l, none, zero, r);
              return SmallVector<Value>{
                  arith::FPToSIOp::create(nb, l, valType.getElementType(), r)};
            })
            .getResult(0);
    rw.replaceOp(op, {values, scales});
    return success();
  }
};

/// The whole dequantized tensor (tiled attention reads tiles instead).
struct LowerDequant : OpRewritePattern<seq::KVCacheDequantOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(seq::KVCacheDequantOp op,
                                PatternRewriter &rw) const override {
    auto type = cast<RankedTensorType>(op.getType());
    if (!type.hasStaticShape())
      return rw.notifyMatchFailure(op, "dynamic shape");
    MLIRContext *ctx = rw.getContext();
    AffineMap id = AffineMap::getMultiDimIdentityMap(4, ctx);
    Type elt = type.getElementType();
    auto g = buildGeneric(
        rw, op.getLoc(), type, {op.getValues(), op.getScales()},
        createEmpty(rw, op.getLoc(), type, {}), {id, rowScaleMap(ctx), id},
        iterators(4), [&](OpBuilder &nb, Location l, ValueRange a) {
          Value x = arith::SIToFPOp::create(nb, l, elt, a[0]);
          return SmallVector<Value>{arith::MulFOp::create(nb, l, x, a[1])};
        });
    rw.replaceOp(op, g.getResults());
    return success();
  }
};

} // namespace

void populateKVCachePatterns(RewritePatternSet &patterns) {
  patterns.add<LowerAppend, LowerView, LowerQuantize, LowerDequant>(
      patterns.getContext());
}

} // namespace seqc::lowering
