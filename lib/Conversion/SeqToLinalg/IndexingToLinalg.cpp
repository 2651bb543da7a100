//===- IndexingToLinalg.cpp - arg/top-k/cumsum/gather/scatter lowering ----===//
//
// Gathers and arg reductions are linalg.generics that compute indices with
// linalg.index and read with tensor.extract. TopK is k selection passes
// (O(n k)) and CumSum an O(n) scan over slices, both scf.for loops around
// generics. Scatters must apply duplicate indices in order, so they are scf.for
// nests over the updates that tensor.insert into a copy of `data` (bufferized
// in place).
//
//===----------------------------------------------------------------------===//

#include "Common.h"
#include "Patterns.h"
#include "seq/IR/SeqOps.h"
#include "seq/IR/SeqSemantics.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <limits>

using namespace mlir;

namespace seqc::lowering {
namespace {

Value dimOf(OpBuilder &b, Location l, Value t, int64_t d) {
  return tensor::DimOp::create(b, l, t, d);
}

/// The lowest / highest value of `elt` (signless; `isUnsigned` selects the
/// unsigned range).
TypedAttr lowestOrHighest(OpBuilder &b, Type elt, bool lowest,
                          bool isUnsigned) {
  if (auto ft = dyn_cast<FloatType>(elt))
    return b.getFloatAttr(elt, APFloat::getInf(ft.getFloatSemantics(), lowest));
  unsigned w = elt.getIntOrFloatBitWidth();
  if (isUnsigned)
    return b.getIntegerAttr(elt, lowest ? APInt::getMinValue(w)
                                        : APInt::getMaxValue(w));
  return b.getIntegerAttr(elt, lowest ? APInt::getSignedMinValue(w)
                                      : APInt::getSignedMaxValue(w));
}

/// a > b (or a < b when !greater), a >= b / a <= b when `orEqual`.
Value compare(OpBuilder &b, Location l, Value x, Value y, bool greater,
              bool orEqual, bool isUnsigned = false) {
  if (isa<FloatType>(x.getType())) {
    auto p =
        greater
            ? (orEqual ? arith::CmpFPredicate::OGE : arith::CmpFPredicate::OGT)
            : (orEqual ? arith::CmpFPredicate::OLE : arith::CmpFPredicate::OLT);
    return arith::CmpFOp::create(b, l, p, x, y);
  }
  using P = arith::CmpIPredicate;
  P p = greater ? (orEqual ? P::sge : P::sgt) : (orEqual ? P::sle : P::slt);
  if (isUnsigned)
    p = greater ? (orEqual ? P::uge : P::ugt) : (orEqual ? P::ule : P::ult);
  return arith::CmpIOp::create(b, l, p, x, y);
}

/// (d0, ..., d(n-1)) over `numLoops` loops (getMajorSubMap(0) is null).
AffineMap leadingDims(MLIRContext *ctx, int64_t numLoops, int64_t n) {
  SmallVector<AffineExpr> exprs;
  for (int64_t i = 0; i < n; ++i)
    exprs.push_back(getAffineDimExpr(i, ctx));
  return AffineMap::get(numLoops, 0, exprs, ctx);
}

/// `axis` in [0, rank); the verifier has checked the range.
int64_t normAxis(int64_t axis, int64_t rank) {
  return *seq::normalizeAxis(axis, rank);
}

/// Loop dims with `axis` moved last: the map from those loops to the input.
AffineMap axisLastMap(MLIRContext *ctx, int64_t rank, int64_t axis) {
  SmallVector<AffineExpr> exprs;
  for (int64_t i = 0, next = 0; i < rank; ++i)
    exprs.push_back(getAffineDimExpr(i == axis ? rank - 1 : next++, ctx));
  return AffineMap::get(rank, 0, exprs, ctx);
}

template <typename OpT, bool isMax>
struct ArgReduceLowering : OpRewritePattern<OpT> {
  using OpRewritePattern<OpT>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpT op, PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    auto in = op.getInput().getType();
    if (!in.hasStaticShape())
      return rw.notifyMatchFailure(op, "dynamic shape");
    int64_t rank = in.getRank();
    int64_t axis = normAxis(op.getAxis(), rank);
    SmallVector<int64_t> kept(in.getShape());
    kept.erase(kept.begin() + axis);
    // Unsigned elements compute on signless integers (see Signedness.cpp).
    bool isU = in.getElementType().isUnsignedInteger();
    Type elt = signless(in.getElementType());
    Value x = castToSignless(rw, loc, op.getInput());
    Value accV = createFilled(rw, loc, RankedTensorType::get(kept, elt),
                              lowestOrHighest(rw, elt, isMax, isU), {});
    auto idxType = RankedTensorType::get(kept, rw.getI64Type());
    Value accI = createFilled(rw, loc, idxType, rw.getI64IntegerAttr(0), {});
    auto outMap = leadingDims(ctx, rank, rank - 1);
    bool last = op.getSelectLastIndex();
    auto g = buildGeneric(
        rw, loc, TypeRange{accV.getType(), idxType}, x, ValueRange{accV, accI},
        {axisLastMap(ctx, rank, axis), outMap, outMap}, iterators(rank - 1, 1),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value i = linalg::IndexOp::create(b, l, rank - 1);
          i = arith::IndexCastOp::create(b, l, b.getI64Type(), i);
          Value take = compare(b, l, args[0], args[1], isMax, last, isU);
          if (isa<FloatType>(elt)) {
            // NaN wins (numpy): the first NaN, or the last one with
            // select_last_index.
            auto uno = arith::CmpFPredicate::UNO;
            Value xNaN = arith::CmpFOp::create(b, l, uno, args[0], args[0]);
            Value accNaN = arith::CmpFOp::create(b, l, uno, args[1], args[1]);
            Value nan = last ? xNaN
                             : (Value)arith::AndIOp::create(
                                   b, l, xNaN,
                                   arith::XOrIOp::create(
                                       b, l, accNaN,
                                       arith::ConstantOp::create(
                                           b, l, b.getBoolAttr(true))));
            take = arith::OrIOp::create(b, l, take, nan);
          }
          return SmallVector<Value>{
              arith::SelectOp::create(b, l, take, args[0], args[1]),
              arith::SelectOp::create(b, l, take, i, args[2])};
        });
    rw.replaceOp(op,
                 reshapeTo(rw, loc, g.getResult(1), op.getType().getShape()));
    return success();
  }
};

/// TopK: k selection passes (an scf.for) of one reduction generic each. In
/// the order "better value first, then lower index" pass t picks the best
/// element that comes after pass t-1's pick, so no mask is needed: O(n k).
struct TopKLowering : OpRewritePattern<seq::TopKOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(seq::TopKOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    auto in = op.getInput().getType();
    if (!in.hasStaticShape())
      return rw.notifyMatchFailure(op, "dynamic shape");
    int64_t rank = in.getRank();
    int64_t axis = normAxis(op.getAxis(), rank);
    int64_t k = op.getK();
    bool largest = op.getLargest();
    bool isU = in.getElementType().isUnsignedInteger();
    Type elt = signless(in.getElementType()), i64 = rw.getI64Type();
    Value x = castToSignless(rw, loc, op.getInput());
    SmallVector<int64_t> outer(in.getShape());
    outer.erase(outer.begin() + axis);
    auto outerV = RankedTensorType::get(outer, elt);
    auto outerI = RankedTensorType::get(outer, i64);
    // (a, ia) precedes (b, ib) in the selection order.
    auto precedes = [&](OpBuilder &b, Location l, Value a, Value ia, Value bv,
                        Value ib) {
      Value strict = compare(b, l, a, bv, largest, false, isU);
      Value eq = arith::AndIOp::create(b, l, compare(b, l, a, bv, true, true),
                                       compare(b, l, bv, a, true, true));
      Value lower =
          arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, ia, ib);
      return arith::OrIOp::create(b, l, strict,
                                  arith::AndIOp::create(b, l, eq, lower));
    };
    // The previous pick starts before every element, the running best after.
    Value prevV = createFilled(rw, loc, outerV,
                               lowestOrHighest(rw, elt, !largest, isU), {});
    Value prevI = createFilled(rw, loc, outerI, rw.getI64IntegerAttr(-1), {});
    Value vals = createEmpty(
        rw, loc, cast<RankedTensorType>(signless(op.getValues().getType())),
        {});
    Value idxs = createEmpty(rw, loc, op.getIndices().getType(), {});
    auto outMap = leadingDims(ctx, rank, rank - 1);
    SmallVector<AffineMap> maps{axisLastMap(ctx, rank, axis), outMap, outMap,
                                outMap, outMap};
    auto loop = scf::ForOp::create(
        rw, loc, indexConst(rw, loc, 0), indexConst(rw, loc, k),
        indexConst(rw, loc, 1), ValueRange{vals, idxs, prevV, prevI},
        [&](OpBuilder &b, Location l, Value t, ValueRange iter) {
          Value accV = createFilled(b, l, outerV,
                                    lowestOrHighest(b, elt, largest, isU), {});
          Value accI = createFilled(
              b, l, outerI,
              b.getI64IntegerAttr(std::numeric_limits<int64_t>::max()), {});
          auto g = buildGeneric(
              b, l, TypeRange{outerV, outerI}, ValueRange{x, iter[2], iter[3]},
              ValueRange{accV, accI}, maps, iterators(rank - 1, 1),
              [&](OpBuilder &bb, Location ll, ValueRange args) {
                Value j = arith::IndexCastOp::create(
                    bb, ll, i64, linalg::IndexOp::create(bb, ll, rank - 1));
                Value take = arith::AndIOp::create(
                    bb, ll, precedes(bb, ll, args[1], args[2], args[0], j),
                    precedes(bb, ll, args[0], j, args[3], args[4]));
                return SmallVector<Value>{
                    arith::SelectOp::create(bb, ll, take, args[0], args[3]),
                    arith::SelectOp::create(bb, ll, take, j, args[4])};
              });
          SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sizes,
              strides(rank, b.getIndexAttr(1));
          offsets[axis] = t;
          for (int64_t d = 0; d < rank; ++d)
            sizes.push_back(b.getIndexAttr(d == axis ? 1 : in.getDimSize(d)));
          Value v = tensor::InsertSliceOp::create(b, l, g.getResult(0), iter[0],
                                                  offsets, sizes, strides);
          Value i = tensor::InsertSliceOp::create(b, l, g.getResult(1), iter[1],
                                                  offsets, sizes, strides);
          // Copy the pick into the carried tensors so that each yielded
          // value stays in its iter_arg's buffer (bufferization needs it).
          Value pv = linalg::CopyOp::create(b, l, g.getResult(0), iter[2])
                         .getResult(0);
          Value pi = linalg::CopyOp::create(b, l, g.getResult(1), iter[3])
                         .getResult(0);
          scf::YieldOp::create(b, l, ValueRange{v, i, pv, pi});
        });
    rw.replaceOp(op, {castFromSignless(rw, loc, loop.getResult(0),
                                       op.getValues().getType()),
                      loop.getResult(1)});
    return success();
  }
};

/// CumSum: an scf.for along the axis carrying the running sum (one slice
/// with the axis of size 1) and the result; each step adds the input slice
/// (one elementwise generic) and inserts the running sum before
/// (exclusive) or after the add. `reverse` walks the axis backwards.
struct CumSumLowering : OpRewritePattern<seq::CumSumOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(seq::CumSumOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    auto type = op.getType();
    if (!type.hasStaticShape())
      return rw.notifyMatchFailure(op, "dynamic shape");
    int64_t rank = type.getRank();
    int64_t axis = normAxis(op.getAxis(), rank);
    int64_t n = type.getDimSize(axis);
    Type elt = signless(type.getElementType());
    SmallVector<int64_t> sliceShape(type.getShape());
    sliceShape[axis] = 1;
    auto sliceType = RankedTensorType::get(sliceShape, elt);
    Value run = createFilled(rw, loc, sliceType, rw.getZeroAttr(elt), {});
    Value out = createEmpty(rw, loc, type.clone(elt), {});
    Value x = castToSignless(rw, loc, op.getInput());
    bool exclusive = op.getExclusive(), reverse = op.getReverse();
    auto id = AffineMap::getMultiDimIdentityMap(rank, ctx);
    auto loop = scf::ForOp::create(
        rw, loc, indexConst(rw, loc, 0), indexConst(rw, loc, n),
        indexConst(rw, loc, 1), ValueRange{out, run},
        [&](OpBuilder &b, Location l, Value iv, ValueRange iter) {
          Value pos = reverse ? (Value)arith::SubIOp::create(
                                    b, l, indexConst(b, l, n - 1), iv)
                              : iv;
          SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sizes,
              strides(rank, b.getIndexAttr(1));
          offsets[axis] = pos;
          for (int64_t d : sliceShape)
            sizes.push_back(b.getIndexAttr(d));
          Value xs = tensor::ExtractSliceOp::create(b, l, sliceType, x, offsets,
                                                    sizes, strides);
          Value acc = iter[1], res = iter[0];
          if (exclusive)
            res = tensor::InsertSliceOp::create(b, l, acc, res, offsets, sizes,
                                                strides);
          acc =
              buildGeneric(b, l, sliceType, xs, acc, {id, id}, iterators(rank),
                           [&](OpBuilder &bb, Location ll, ValueRange args) {
                             Value s = isa<FloatType>(elt)
                                           ? (Value)arith::AddFOp::create(
                                                 bb, ll, args[1], args[0])
                                           : (Value)arith::AddIOp::create(
                                                 bb, ll, args[1], args[0]);
                             return SmallVector<Value>{s};
                           })
                  .getResult(0);
          if (!exclusive)
            res = tensor::InsertSliceOp::create(b, l, acc, res, offsets, sizes,
                                                strides);
          scf::YieldOp::create(b, l, ValueRange{res, acc});
        });
    rw.replaceOp(op, castFromSignless(rw, loc, loop.getResult(0), type));
    return success();
  }
};

struct GatherElementsLowering : OpRewritePattern<seq::GatherElementsOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(seq::GatherElementsOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    auto type = op.getType();
    int64_t rank = type.getRank();
    int64_t axis = normAxis(op.getAxis(), rank);
    Value data = op.getData();
    Value axisSize = dimOf(rw, loc, data, axis);
    checkIndexRange(rw, loc, op, op.getIndices(), axisSize);
    auto id = AffineMap::getMultiDimIdentityMap(rank, ctx);
    Value init = createEmpty(rw, loc, type, op.getIndices());
    auto g = buildGeneric(
        rw, loc, type, op.getIndices(), init, {id, id}, iterators(rank),
        [&](OpBuilder &b, Location l, ValueRange args) {
          SmallVector<Value> coords;
          for (int64_t d = 0; d < rank; ++d)
            coords.push_back(d == axis
                                 ? safeIndex(b, l, args[0], axisSize)
                                 : (Value)linalg::IndexOp::create(b, l, d));
          return SmallVector<Value>{
              tensor::ExtractOp::create(b, l, data, coords)};
        });
    rw.replaceOp(op, g.getResult(0));
    return success();
  }
};

/// result[o, s] = data[o[:b], idx[o, :]..., s]: o ranges over indices[:-1].
struct GatherNDLowering : OpRewritePattern<seq::GatherNDOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(seq::GatherNDOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    auto type = op.getType();
    if (!type.hasStaticShape())
      return rw.notifyMatchFailure(op, "dynamic shape");
    Value data = op.getData(), indices = op.getIndices();
    auto it = cast<RankedTensorType>(indices.getType());
    int64_t rank = type.getRank(), q = it.getRank(), bd = op.getBatchDims();
    int64_t m = it.getDimSize(q - 1);
    SmallVector<Value> sizes;
    for (int64_t t = 0; t < m; ++t)
      sizes.push_back(dimOf(rw, loc, data, bd + t));
    if (m > 0)
      checkIndexRange(rw, loc, op, indices, sizes);
    auto id = AffineMap::getMultiDimIdentityMap(rank, ctx);
    Value init = createEmpty(rw, loc, type, {});
    auto g =
        buildGeneric(rw, loc, type, ValueRange{}, init, {id}, iterators(rank),
                     [&](OpBuilder &b, Location l, ValueRange) {
                       SmallVector<Value> outer, coords;
                       for (int64_t d = 0; d < q - 1; ++d)
                         outer.push_back(linalg::IndexOp::create(b, l, d));
                       coords.append(outer.begin(), outer.begin() + bd);
                       for (int64_t t = 0; t < m; ++t) {
                         SmallVector<Value> ic(outer);
                         ic.push_back(indexConst(b, l, t));
                         Value raw =
                             tensor::ExtractOp::create(b, l, indices, ic);
                         coords.push_back(safeIndex(b, l, raw, sizes[t]));
                       }
                       for (int64_t d = q - 1; d < rank; ++d)
                         coords.push_back(linalg::IndexOp::create(b, l, d));
                       return SmallVector<Value>{
                           tensor::ExtractOp::create(b, l, data, coords)};
                     });
    rw.replaceOp(op, g.getResult(0));
    return success();
  }
};

Value combineScatter(OpBuilder &b, Location l, seq::ScatterReduction r,
                     Value old, Value upd, bool isU) {
  bool f = isa<FloatType>(old.getType());
  switch (r) {
  case seq::ScatterReduction::none:
    return upd;
  case seq::ScatterReduction::add:
    return f ? (Value)arith::AddFOp::create(b, l, old, upd)
             : (Value)arith::AddIOp::create(b, l, old, upd);
  case seq::ScatterReduction::mul:
    return f ? (Value)arith::MulFOp::create(b, l, old, upd)
             : (Value)arith::MulIOp::create(b, l, old, upd);
  case seq::ScatterReduction::max:
    if (f)
      return arith::MaximumFOp::create(b, l, old, upd);
    return isU ? (Value)arith::MaxUIOp::create(b, l, old, upd)
               : (Value)arith::MaxSIOp::create(b, l, old, upd);
  case seq::ScatterReduction::min:
    if (f)
      return arith::MinimumFOp::create(b, l, old, upd);
    return isU ? (Value)arith::MinUIOp::create(b, l, old, upd)
               : (Value)arith::MinSIOp::create(b, l, old, upd);
  }
  llvm_unreachable("unknown scatter reduction");
}

/// A fresh copy of `data` (so the in-place scatter never writes an input).
Value copyOf(OpBuilder &b, Location l, Value data) {
  auto t = cast<RankedTensorType>(data.getType());
  Value empty = createEmpty(b, l, t, data);
  return linalg::CopyOp::create(b, l, data, empty).getResult(0);
}

/// Loops over `shape` (read from `src`) carrying the scattered tensor;
/// `coordsFn(b, l, ivs)` returns the destination of update `ivs`.
template <typename CoordsFn>
Value scatterLoop(OpBuilder &b, Location l, Value data, Value updates,
                  seq::ScatterReduction r, CoordsFn coordsFn) {
  // Unsigned elements compute on signless integers (see Signedness.cpp).
  Type original = data.getType();
  bool isU =
      cast<RankedTensorType>(original).getElementType().isUnsignedInteger();
  data = castToSignless(b, l, data);
  updates = castToSignless(b, l, updates);
  auto ut = cast<RankedTensorType>(updates.getType());
  SmallVector<Value> lbs, ubs, steps;
  for (int64_t d = 0; d < ut.getRank(); ++d) {
    lbs.push_back(indexConst(b, l, 0));
    ubs.push_back(dimOf(b, l, updates, d));
    steps.push_back(indexConst(b, l, 1));
  }
  scf::LoopNest nest = scf::buildLoopNest(
      b, l, lbs, ubs, steps, ValueRange{copyOf(b, l, data)},
      [&](OpBuilder &nb, Location nl, ValueRange ivs, ValueRange iter) {
        SmallVector<Value> coords = coordsFn(nb, nl, ivs);
        Value upd = tensor::ExtractOp::create(nb, nl, updates, ivs);
        Value v = upd;
        if (r != seq::ScatterReduction::none)
          v = combineScatter(nb, nl, r,
                             tensor::ExtractOp::create(nb, nl, iter[0], coords),
                             upd, isU);
        return scf::ValueVector{
            tensor::InsertOp::create(nb, nl, v, iter[0], coords)};
      });
  return castFromSignless(b, l, nest.results.front(), original);
}

struct ScatterElementsLowering : OpRewritePattern<seq::ScatterElementsOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(seq::ScatterElementsOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    int64_t rank = op.getType().getRank();
    int64_t axis = normAxis(op.getAxis(), rank);
    Value axisSize = dimOf(rw, loc, op.getData(), axis);
    Value indices = op.getIndices();
    checkIndexRange(rw, loc, op, indices, axisSize);
    Value r = scatterLoop(
        rw, loc, op.getData(), op.getUpdates(), op.getReduction(),
        [&](OpBuilder &b, Location l, ValueRange ivs) {
          SmallVector<Value> coords(ivs);
          coords[axis] = safeIndex(
              b, l, tensor::ExtractOp::create(b, l, indices, ivs), axisSize);
          return coords;
        });
    rw.replaceOp(op, r);
    return success();
  }
};

struct ScatterNDLowering : OpRewritePattern<seq::ScatterNDOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(seq::ScatterNDOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    Value indices = op.getIndices();
    auto it = cast<RankedTensorType>(indices.getType());
    int64_t q = it.getRank(), m = it.getDimSize(q - 1);
    SmallVector<Value> sizes;
    for (int64_t t = 0; t < m; ++t)
      sizes.push_back(dimOf(rw, loc, op.getData(), t));
    if (m > 0)
      checkIndexRange(rw, loc, op, indices, sizes);
    Value r = scatterLoop(
        rw, loc, op.getData(), op.getUpdates(), op.getReduction(),
        [&](OpBuilder &b, Location l, ValueRange ivs) {
          SmallVector<Value> outer(ivs.take_front(q - 1)), coords;
          for (int64_t t = 0; t < m; ++t) {
            SmallVector<Value> ic(outer);
            ic.push_back(indexConst(b, l, t));
            coords.push_back(safeIndex(
                b, l, tensor::ExtractOp::create(b, l, indices, ic), sizes[t]));
          }
          llvm::append_range(coords, ivs.drop_front(q - 1));
          return coords;
        });
    rw.replaceOp(op, r);
    return success();
  }
};

} // namespace

void populateIndexingPatterns(RewritePatternSet &patterns) {
  patterns.add<ArgReduceLowering<seq::ArgMaxOp, true>,
               ArgReduceLowering<seq::ArgMinOp, false>, TopKLowering,
               CumSumLowering, GatherElementsLowering, GatherNDLowering,
               ScatterElementsLowering, ScatterNDLowering>(
      patterns.getContext());
}

} // namespace seqc::lowering
