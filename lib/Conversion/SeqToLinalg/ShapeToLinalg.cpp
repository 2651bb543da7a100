//===- ShapeToLinalg.cpp - transpose/reshape/gather/reduce -> linalg ------===//

#include "Common.h"
#include "Patterns.h"
#include "seq/IR/SeqOps.h"
#include "seq/IR/SeqSemantics.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "llvm/ADT/SmallBitVector.h"

using namespace mlir;

namespace seqc::lowering {
namespace {

struct TransposeLowering : OpRewritePattern<seq::TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(seq::TransposeOp op,
                                PatternRewriter &rw) const override {
    // The result's dim i is the input's dim perm[i]: read it from there.
    auto type = op.getType();
    SmallVector<Value> dyn;
    for (int64_t i = 0; i < type.getRank(); ++i)
      if (type.isDynamicDim(i))
        dyn.push_back(tensor::DimOp::create(rw, op.getLoc(), op.getInput(),
                                            op.getPermutation()[i]));
    Value init = tensor::EmptyOp::create(rw, op.getLoc(), type.getShape(),
                                   type.getElementType(), dyn);
    auto t = linalg::TransposeOp::create(rw, op.getLoc(), op.getInput(), init,
                                         op.getPermutation());
    rw.replaceOp(op, t.getResult());
    return success();
  }
};

/// The run-time sizes of a reshape's dynamic result dims, or failure. The
/// k-th dynamic result dim passes the k-th dynamic input dim through (e.g.
/// [B,S,H*D] <-> [B,S,H,D]) when the static dims between them have equal
/// products; a single dynamic result dim is otherwise the element count
/// divided by the static result dims.
static FailureOr<SmallVector<Value>>
dynamicReshapeSizes(OpBuilder &b, Location loc, Value input,
                    RankedTensorType out) {
  auto in = cast<RankedTensorType>(input.getType());
  auto segments = [](ArrayRef<int64_t> shape, SmallVector<int64_t> &dyn) {
    SmallVector<int64_t> prods{1};
    for (auto [i, d] : llvm::enumerate(shape)) {
      if (ShapedType::isDynamic(d)) {
        dyn.push_back(i);
        prods.push_back(1);
      } else {
        prods.back() *= d;
      }
    }
    return prods;
  };
  SmallVector<int64_t> inDyn, outDyn;
  SmallVector<int64_t> inProds = segments(in.getShape(), inDyn);
  SmallVector<int64_t> outProds = segments(out.getShape(), outDyn);
  SmallVector<Value> sizes;
  if (inProds == outProds) {
    for (int64_t d : inDyn)
      sizes.push_back(tensor::DimOp::create(b, loc, input, d));
    return sizes;
  }
  if (outDyn.size() != 1)
    return failure();
  Value count = arith::ConstantIndexOp::create(b, loc, 1);
  for (int64_t i = 0; i < in.getRank(); ++i)
    count = arith::MulIOp::create(b, loc, count,
                                  tensor::DimOp::create(b, loc, input, i));
  int64_t staticOut = 1;
  for (int64_t d : out.getShape())
    if (!ShapedType::isDynamic(d))
      staticOut *= d;
  if (staticOut == 0)
    return failure();
  sizes.push_back(arith::DivUIOp::create(
      b, loc, count, arith::ConstantIndexOp::create(b, loc, staticOut)));
  return sizes;
}

/// The dims of `shape` in groups of one dynamic dim or a run of static
/// dims; runs of unit dims join the previous group (the next for a leading
/// one) so that [B,1,S] and [B,S] group alike.
static SmallVector<ReassociationIndices> passThroughGroups(
    ArrayRef<int64_t> shape) {
  SmallVector<ReassociationIndices> groups;
  SmallVector<bool> dynamic;
  for (auto [i, d] : llvm::enumerate(shape)) {
    bool dyn = ShapedType::isDynamic(d);
    if (dyn || groups.empty() || dynamic.back()) {
      groups.push_back({(int64_t)i});
      dynamic.push_back(dyn);
    } else {
      groups.back().push_back(i);
    }
  }
  // Merge static groups of product 1 into a neighbour.
  SmallVector<ReassociationIndices> merged;
  SmallVector<bool> mergedDyn;
  bool pendingUnit = false;
  ReassociationIndices pending;
  for (auto [g, dyn] : llvm::zip(groups, dynamic)) {
    int64_t prod = 1;
    for (int64_t i : g)
      prod *= dyn ? 2 : shape[i];
    if (!dyn && prod == 1) {
      if (!merged.empty()) {
        llvm::append_range(merged.back(), g);
      } else {
        llvm::append_range(pending, g);
        pendingUnit = true;
      }
      continue;
    }
    ReassociationIndices cur = pending;
    llvm::append_range(cur, g);
    pending.clear();
    pendingUnit = false;
    merged.push_back(cur);
    mergedDyn.push_back(dyn);
  }
  if (pendingUnit)
    merged.push_back(pending);
  return merged;
}

static SmallVector<int64_t>
groupShape(ArrayRef<int64_t> shape, ArrayRef<ReassociationIndices> groups) {
  SmallVector<int64_t> out;
  for (const ReassociationIndices &g : groups) {
    int64_t prod = 1;
    for (int64_t i : g)
      prod = ShapedType::isDynamic(shape[i]) || ShapedType::isDynamic(prod)
                 ? ShapedType::kDynamic
                 : prod * shape[i];
    out.push_back(prod);
  }
  return out;
}

/// `input` reshaped to `out` (same element count), also with dynamic dims:
/// a collapse to one dim per group (see passThroughGroups) and an expand
/// with the run-time sizes, both views after bufferization. Else, with one
/// dynamic result dim, through 1-D.
/// `checkOp` (seq.reshape): assert at run time that the element counts of
/// a dynamic input and the target agree, naming `checkOp` on failure.
static FailureOr<Value> reshapeAny(OpBuilder &b, Location loc, Value input,
                                   RankedTensorType out,
                                   Operation *checkOp = nullptr) {
  auto in = cast<RankedTensorType>(input.getType());
  if (out.hasStaticShape() && in.hasStaticShape())
    return reshapeTo(b, loc, input, out.getShape());
  if (in.getShape() == out.getShape())
    return input;
  if (in.getRank() == 0 || out.getRank() == 0)
    return failure();
  Type elt = in.getElementType();
  SmallVector<ReassociationIndices> inGroups =
      passThroughGroups(in.getShape());
  SmallVector<ReassociationIndices> outGroups =
      passThroughGroups(out.getShape());
  SmallVector<int64_t> mid = groupShape(in.getShape(), inGroups);
  if (!inGroups.empty() && mid == groupShape(out.getShape(), outGroups) &&
      llvm::count_if(mid, ShapedType::isDynamic) ==
          llvm::count_if(in.getShape(), ShapedType::isDynamic) &&
      llvm::count_if(mid, ShapedType::isDynamic) ==
          llvm::count_if(out.getShape(), ShapedType::isDynamic)) {
    Value v = input;
    auto midType = RankedTensorType::get(mid, elt);
    if (midType != in)
      v = tensor::CollapseShapeOp::create(b, loc, midType, v, inGroups);
    if (midType == out)
      return v;
    // The dynamic dim of each group is the matching mid dim.
    SmallVector<OpFoldResult> shape;
    for (auto [k, g] : llvm::enumerate(outGroups))
      for (int64_t i : g)
        shape.push_back(
            ShapedType::isDynamic(out.getDimSize(i))
                ? OpFoldResult(tensor::DimOp::create(b, loc, v, k).getResult())
                : b.getIndexAttr(out.getDimSize(i)));
    return (Value)tensor::ExpandShapeOp::create(b, loc, out, v, outGroups,
                                                shape);
  }
  auto flatten = [&]() {
    if (in.getRank() == 1)
      return input;
    ReassociationIndices all;
    for (int64_t i = 0; i < in.getRank(); ++i)
      all.push_back(i);
    return (Value)tensor::CollapseShapeOp::create(
        b, loc, RankedTensorType::get({ShapedType::kDynamic}, elt), input,
        ArrayRef<ReassociationIndices>{all});
  };
  int64_t staticOut = 1;
  for (int64_t d : out.getShape())
    if (!ShapedType::isDynamic(d))
      staticOut *= d;
  // A dynamic input to a static target: 1-D, checked, then static.
  if (out.hasStaticShape() && checkOp) {
    Value flat = flatten();
    Value count = tensor::DimOp::create(b, loc, flat, 0);
    emitCheck(b, loc,
              arith::CmpIOp::create(
                  b, loc, arith::CmpIPredicate::eq, count,
                  arith::ConstantIndexOp::create(b, loc, staticOut)),
              describe(checkOp) + ": the run-time element count of the "
                                  "dynamic input does not match the " +
                  Twine(staticOut) + " elements of the target shape");
    Value fixed = tensor::CastOp::create(
        b, loc, RankedTensorType::get({staticOut}, elt), flat);
    return reshapeTo(b, loc, fixed, out.getShape());
  }
  if (llvm::count_if(out.getShape(), ShapedType::isDynamic) != 1)
    return failure();
  FailureOr<SmallVector<Value>> sizes =
      dynamicReshapeSizes(b, loc, input, out);
  if (failed(sizes))
    return failure();
  Value flat = flatten();
  // One dynamic target dim = count / static dims: the count must divide.
  if (checkOp && staticOut > 1) {
    Value count = tensor::DimOp::create(b, loc, flat, 0);
    Value rem = arith::RemUIOp::create(
        b, loc, count, arith::ConstantIndexOp::create(b, loc, staticOut));
    emitCheck(b, loc,
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, rem,
                                    arith::ConstantIndexOp::create(b, loc, 0)),
              describe(checkOp) + ": the run-time element count of the "
                                  "input is not a multiple of " +
                  Twine(staticOut) +
                  ", the product of the static dims of the target shape");
  }
  if (out.getRank() == 1)
    return (Value)tensor::CastOp::create(b, loc, out, flat);
  ReassociationIndices all;
  for (int64_t i = 0; i < out.getRank(); ++i)
    all.push_back(i);
  SmallVector<OpFoldResult> shape;
  unsigned k = 0;
  for (int64_t d : out.getShape())
    shape.push_back(ShapedType::isDynamic(d) ? OpFoldResult((*sizes)[k++])
                                             : b.getIndexAttr(d));
  return (Value)tensor::ExpandShapeOp::create(
      b, loc, out, flat, ArrayRef<ReassociationIndices>{all}, shape);
}

struct ReshapeLowering : OpRewritePattern<seq::ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(seq::ReshapeOp op,
                                PatternRewriter &rw) const override {
    FailureOr<Value> r =
        reshapeAny(rw, op.getLoc(), op.getInput(), op.getType(), op);
    if (failed(r))
      return rw.notifyMatchFailure(
          op, "dynamic dims that do not pass through the reshape");
    rw.replaceOp(op, *r);
    return success();
  }
};

/// gather: result[o..., i..., n...] = data[o..., wrap(idx[i...]), n...].
struct GatherLowering : OpRewritePattern<seq::GatherOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(seq::GatherOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    auto data = op.getData().getType();
    auto idxType = op.getIndices().getType();
    auto type = op.getType();
    int64_t axis =
        *seq::normalizeAxis(op.getAxis(), data.getRank()); // verified
    int64_t q = idxType.getRank(), rank = type.getRank();
    SmallVector<AffineExpr> idxExprs;
    for (int64_t i = 0; i < q; ++i)
      idxExprs.push_back(getAffineDimExpr(axis + i, ctx));
    SmallVector<AffineMap> maps{AffineMap::get(rank, 0, idxExprs, ctx),
                                AffineMap::getMultiDimIdentityMap(rank, ctx)};
    // Result dims: data's before the axis, the indices', data's after it.
    SmallVector<Value> dyn;
    for (int64_t i = 0; i < rank; ++i) {
      if (!type.isDynamicDim(i))
        continue;
      if (i < axis)
        dyn.push_back(tensor::DimOp::create(rw, loc, op.getData(), i));
      else if (i < axis + q)
        dyn.push_back(tensor::DimOp::create(rw, loc, op.getIndices(), i - axis));
      else
        dyn.push_back(
            tensor::DimOp::create(rw, loc, op.getData(), i - q + 1));
    }
    Value init = tensor::EmptyOp::create(rw, loc, type.getShape(),
                                         type.getElementType(), dyn);
    Value axisSize = tensor::DimOp::create(rw, loc, op.getData(), axis);
    checkIndexRange(rw, loc, op, op.getIndices(), axisSize);
    Value dataT = op.getData();
    auto g = buildGeneric(
        rw, loc, type, op.getIndices(), init, maps, iterators(rank),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value idx = safeIndex(b, l, args[0], axisSize);
          SmallVector<Value> coords;
          for (int64_t i = 0; i < axis; ++i)
            coords.push_back(linalg::IndexOp::create(b, l, i));
          coords.push_back(idx);
          for (int64_t i = axis + q; i < rank; ++i)
            coords.push_back(linalg::IndexOp::create(b, l, i));
          return SmallVector<Value>{
              tensor::ExtractOp::create(b, l, dataT, coords)};
        });
    rw.replaceOp(op, g.getResult(0));
    return success();
  }
};

/// The neutral element of a reduction (`elt` is signless; `isUnsigned`
/// selects unsigned max/min).
static TypedAttr reduceInit(OpBuilder &b, seq::ReduceKind kind, Type elt,
                            bool isUnsigned) {
  bool isFloat = isa<FloatType>(elt);
  switch (kind) {
  case seq::ReduceKind::sum:
  case seq::ReduceKind::mean:
    return b.getZeroAttr(elt);
  case seq::ReduceKind::prod:
    return isFloat ? (TypedAttr)b.getFloatAttr(elt, 1.0)
                   : (TypedAttr)b.getIntegerAttr(elt, 1);
  case seq::ReduceKind::max:
    if (isFloat)
      return b.getFloatAttr(
          elt, APFloat::getInf(cast<FloatType>(elt).getFloatSemantics(), true));
    return b.getIntegerAttr(
        elt, isUnsigned ? APInt::getMinValue(elt.getIntOrFloatBitWidth())
                        : APInt::getSignedMinValue(elt.getIntOrFloatBitWidth()));
  case seq::ReduceKind::min:
    if (isFloat)
      return b.getFloatAttr(
          elt, APFloat::getInf(cast<FloatType>(elt).getFloatSemantics(), false));
    return b.getIntegerAttr(
        elt, isUnsigned ? APInt::getMaxValue(elt.getIntOrFloatBitWidth())
                        : APInt::getSignedMaxValue(elt.getIntOrFloatBitWidth()));
  }
  llvm_unreachable("unknown reduce kind");
}

static Value combine(OpBuilder &b, Location l, seq::ReduceKind kind, Value x,
                     Value acc, bool isUnsigned) {
  bool isFloat = isa<FloatType>(x.getType());
  switch (kind) {
  case seq::ReduceKind::sum:
  case seq::ReduceKind::mean:
    return isFloat ? (Value)arith::AddFOp::create(b, l, x, acc)
                   : (Value)arith::AddIOp::create(b, l, x, acc);
  case seq::ReduceKind::prod:
    return isFloat ? (Value)arith::MulFOp::create(b, l, x, acc)
                   : (Value)arith::MulIOp::create(b, l, x, acc);
  case seq::ReduceKind::max:
    if (isFloat)
      return arith::MaximumFOp::create(b, l, x, acc);
    return isUnsigned ? (Value)arith::MaxUIOp::create(b, l, x, acc)
                      : (Value)arith::MaxSIOp::create(b, l, x, acc);
  case seq::ReduceKind::min:
    if (isFloat)
      return arith::MinimumFOp::create(b, l, x, acc);
    return isUnsigned ? (Value)arith::MinUIOp::create(b, l, x, acc)
                      : (Value)arith::MinSIOp::create(b, l, x, acc);
  }
  llvm_unreachable("unknown reduce kind");
}

struct ReduceLowering : OpRewritePattern<seq::ReduceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(seq::ReduceOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    auto in = op.getInput().getType();
    int64_t rank = in.getRank();
    llvm::SmallBitVector reduced(rank);
    for (int64_t a : op.getAxes())
      reduced.set(*seq::normalizeAxis(a, rank)); // verified
    // Kept dims may be dynamic; mean's divisor needs static reduced dims.
    SmallVector<Value> keptSizes;
    for (int64_t i = 0; i < rank; ++i) {
      if (!in.isDynamicDim(i))
        continue;
      if (reduced.test(i) && op.getKind() == seq::ReduceKind::mean)
        return rw.notifyMatchFailure(op, "mean over a dynamic dim");
      if (!reduced.test(i))
        keptSizes.push_back(
            tensor::DimOp::create(rw, loc, op.getInput(), i));
    }
    // Loops: kept dims first (parallel), then reduced dims.
    SmallVector<AffineExpr> inExprs(rank);
    SmallVector<int64_t> keptShape;
    int64_t count = 1, next = 0;
    for (int64_t i = 0; i < rank; ++i)
      if (!reduced.test(i)) {
        inExprs[i] = getAffineDimExpr(next++, ctx);
        keptShape.push_back(in.getDimSize(i));
      }
    int64_t numKept = next;
    for (int64_t i = 0; i < rank; ++i)
      if (reduced.test(i)) {
        inExprs[i] = getAffineDimExpr(next++, ctx);
        count *= in.getDimSize(i);
      }
    // Unsigned elements: compute on signless integers (see Signedness.cpp).
    bool isUnsigned = in.getElementType().isUnsignedInteger();
    Type elt = signless(in.getElementType());
    Value input = castToSignless(rw, loc, op.getInput());
    auto keptType = RankedTensorType::get(keptShape, elt);
    seq::ReduceKind kind = op.getKind();
    Value init =
        linalg::FillOp::create(
            rw, loc,
            arith::ConstantOp::create(rw, loc,
                                      reduceInit(rw, kind, elt, isUnsigned))
                .getResult(),
            tensor::EmptyOp::create(rw, loc, keptShape, elt, keptSizes)
                .getResult())
            .getResult(0);
    SmallVector<AffineExpr> outExprs;
    for (int64_t i = 0; i < numKept; ++i)
      outExprs.push_back(getAffineDimExpr(i, ctx));
    SmallVector<AffineMap> maps{AffineMap::get(rank, 0, inExprs, ctx),
                                AffineMap::get(rank, 0, outExprs, ctx)};
    Value result =
        buildGeneric(rw, loc, keptType, input, init, maps,
                     iterators(numKept, rank - numKept),
                     [&](OpBuilder &b, Location l, ValueRange args) {
                       return SmallVector<Value>{combine(
                           b, l, kind, args[0], args[1], isUnsigned)};
                     })
            .getResult(0);
    if (kind == seq::ReduceKind::mean) {
      auto id = AffineMap::getMultiDimIdentityMap(numKept, ctx);
      Value empty =
          tensor::EmptyOp::create(rw, loc, keptShape, elt, keptSizes);
      result = buildGeneric(
                   rw, loc, keptType, result, empty, {id, id},
                   iterators(numKept),
                   [&](OpBuilder &b, Location l, ValueRange args) {
                     Value n = isa<FloatType>(elt)
                                   ? floatConst(b, l, elt, (double)count)
                                   : (Value)arith::ConstantOp::create(
                                         b, l, b.getIntegerAttr(elt, count));
                     Value q =
                         isa<FloatType>(elt)
                             ? (Value)arith::DivFOp::create(b, l, args[0], n)
                         : isUnsigned
                             ? (Value)arith::DivUIOp::create(b, l, args[0], n)
                             : (Value)arith::DivSIOp::create(b, l, args[0], n);
                     return SmallVector<Value>{q};
                   })
                   .getResult(0);
    }
    FailureOr<Value> shaped = reshapeAny(
        rw, loc, result,
        RankedTensorType::get(op.getType().getShape(), elt));
    if (failed(shaped))
      return rw.notifyMatchFailure(op, "cannot reshape the dynamic result");
    rw.replaceOp(op, castFromSignless(rw, loc, *shaped, op.getType()));
    return success();
  }
};

} // namespace

void populateShapePatterns(RewritePatternSet &patterns) {
  patterns.add<TransposeLowering, ReshapeLowering, GatherLowering,
               ReduceLowering>(patterns.getContext());
}

} // namespace seqc::lowering
