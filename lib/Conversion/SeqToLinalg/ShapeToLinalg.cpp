//===- ShapeToLinalg.cpp - transpose/reshape/gather/reduce -> linalg ------===//

#include "Common.h"
#include "Patterns.h"
#include "seq/IR/SeqOps.h"

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

struct ReshapeLowering : OpRewritePattern<seq::ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(seq::ReshapeOp op,
                                PatternRewriter &rw) const override {
    if (!op.getType().hasStaticShape() ||
        !op.getInput().getType().hasStaticShape())
      return rw.notifyMatchFailure(op, "dynamic reshape not supported yet");
    rw.replaceOp(op, reshapeTo(rw, op.getLoc(), op.getInput(),
                               op.getType().getShape()));
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
    int64_t axis = op.getAxis() < 0 ? op.getAxis() + data.getRank()
                                    : op.getAxis();
    int64_t q = idxType.getRank(), rank = type.getRank();
    SmallVector<AffineExpr> idxExprs;
    for (int64_t i = 0; i < q; ++i)
      idxExprs.push_back(getAffineDimExpr(axis + i, ctx));
    SmallVector<AffineMap> maps{AffineMap::get(rank, 0, idxExprs, ctx),
                                AffineMap::getMultiDimIdentityMap(rank, ctx)};
    Value init = createEmpty(rw, loc, type, {});
    Value axisSize = tensor::DimOp::create(rw, loc, op.getData(), axis);
    Value dataT = op.getData();
    auto g = buildGeneric(
        rw, loc, type, op.getIndices(), init, maps, iterators(rank),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value idx = arith::IndexCastOp::create(b, l, b.getIndexType(), args[0]);
          Value zero = arith::ConstantIndexOp::create(b, l, 0);
          Value neg = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt,
                                            idx, zero);
          Value wrapped = arith::AddIOp::create(b, l, idx, axisSize);
          idx = arith::SelectOp::create(b, l, neg, wrapped, idx);
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
    if (!in.hasStaticShape())
      return rw.notifyMatchFailure(op, "dynamic reduce not supported yet");
    llvm::SmallBitVector reduced(rank);
    for (int64_t a : op.getAxes())
      reduced.set(a < 0 ? a + rank : a);
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
    Value init = createFilled(rw, loc, keptType,
                              reduceInit(rw, kind, elt, isUnsigned), {});
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
      Value empty = createEmpty(rw, loc, keptType, {});
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
    result = reshapeTo(rw, loc, result, op.getType().getShape());
    rw.replaceOp(op, castFromSignless(rw, loc, result, op.getType()));
    return success();
  }
};

} // namespace

void populateShapePatterns(RewritePatternSet &patterns) {
  patterns.add<TransposeLowering, ReshapeLowering, GatherLowering,
               ReduceLowering>(patterns.getContext());
}

} // namespace seqc::lowering
