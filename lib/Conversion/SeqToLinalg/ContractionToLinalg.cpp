//===- ContractionToLinalg.cpp - seq.matmul -> Einsum linalg.generic ------===//

#include "Common.h"
#include "Patterns.h"
#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;

namespace seqc::lowering {
namespace {

/// matmul as the Einsum `...mk,...kn->...mn`: loops (batch..., m, k, n),
/// batch dims broadcast through the operand maps. n innermost makes the
/// inner loop a contiguous, dependence-free axpy that LLVM vectorizes.
struct MatMulLowering : OpRewritePattern<seq::MatMulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(seq::MatMulOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    auto type = cast<RankedTensorType>(op.getType());
    int64_t nb = type.getRank() - 2, loops = nb + 3;
    ArrayRef<int64_t> batch = type.getShape().take_front(nb);
    auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    auto operandMap = [&](Value v, AffineExpr row, AffineExpr col) {
      ArrayRef<int64_t> shape = cast<RankedTensorType>(v.getType()).getShape();
      AffineMap bmap = broadcastMap(ctx, shape.drop_back(2), batch);
      SmallVector<AffineExpr> exprs(bmap.getResults());
      exprs.push_back(row);
      exprs.push_back(col);
      return AffineMap::get(loops, 0, exprs, ctx);
    };
    SmallVector<AffineExpr> outExprs;
    for (int64_t i = 0; i < nb + 1; ++i)
      outExprs.push_back(d(i));
    outExprs.push_back(d(nb + 2));
    SmallVector<AffineMap> maps{operandMap(op.getLhs(), d(nb), d(nb + 1)),
                                operandMap(op.getRhs(), d(nb + 1), d(nb + 2)),
                                AffineMap::get(loops, 0, outExprs, ctx)};
    SmallVector<utils::IteratorType> iters = iterators(nb + 1, 1);
    iters.push_back(utils::IteratorType::parallel);
    // Unsigned elements: wrapping mul/add are sign-agnostic; compute on
    // signless integers (see Signedness.cpp).
    Value lhs = castToSignless(rw, loc, op.getLhs());
    Value rhs = castToSignless(rw, loc, op.getRhs());
    // Dynamic K and batch dims are read as equal: check that they are.
    auto lt = cast<RankedTensorType>(lhs.getType());
    auto rt = cast<RankedTensorType>(rhs.getType());
    checkDimsEqual(rw, loc, lhs, lt.getRank() - 1, rhs, rt.getRank() - 2,
                   describe(op) + ": the contraction dim (last of lhs) does "
                                  "not match the second-to-last dim of rhs");
    checkBroadcast(rw, loc, op, {lhs, rhs}, batch, /*dropTrailing=*/2);
    auto computeType = cast<RankedTensorType>(signless(type));
    Type elt = computeType.getElementType();
    // Dynamic sizes: batch dims broadcast from either operand, M from lhs,
    // N from rhs (createEmpty's right-aligned broadcast would read N from
    // lhs's K).
    SmallVector<Value> dyn;
    int64_t rank = computeType.getRank();
    for (int64_t i = 0; i < rank; ++i) {
      if (!computeType.isDynamicDim(i))
        continue;
      if (i == rank - 1) {
        auto rt = cast<RankedTensorType>(rhs.getType());
        dyn.push_back(tensor::DimOp::create(rw, loc, rhs, rt.getRank() - 1));
        continue;
      }
      Value size;
      for (Value src : {lhs, rhs}) {
        auto st = cast<RankedTensorType>(src.getType());
        int64_t j = i - (rank - st.getRank());
        if (i == rank - 2 && src != lhs)
          continue;
        if (j < 0 || st.getDimSize(j) == 1)
          continue;
        size = tensor::DimOp::create(rw, loc, src, j);
        break;
      }
      dyn.push_back(size ? size
                         : (Value)arith::ConstantIndexOp::create(rw, loc, 1));
    }
    Value init =
        linalg::FillOp::create(
            rw, loc,
            arith::ConstantOp::create(rw, loc, rw.getZeroAttr(elt)).getResult(),
            tensor::EmptyOp::create(rw, loc, computeType.getShape(), elt, dyn)
                .getResult())
            .getResult(0);
    bool isFloat = isa<FloatType>(elt);
    auto g = buildGeneric(
        rw, loc, computeType, {lhs, rhs}, init, maps,
        iters, [&](OpBuilder &b, Location l, ValueRange a) {
          Value prod = isFloat ? (Value)arith::MulFOp::create(b, l, a[0], a[1])
                               : (Value)arith::MulIOp::create(b, l, a[0], a[1]);
          Value sum = isFloat ? (Value)arith::AddFOp::create(b, l, prod, a[2])
                              : (Value)arith::AddIOp::create(b, l, prod, a[2]);
          return SmallVector<Value>{sum};
        });
    rw.replaceOp(op, castFromSignless(rw, loc, g.getResult(0), type));
    return success();
  }
};

} // namespace

void populateContractionPatterns(RewritePatternSet &patterns) {
  patterns.add<MatMulLowering>(patterns.getContext());
}

} // namespace seqc::lowering
