//===- NormToLinalg.cpp - softmax / layer_norm / rms_norm -> linalg -------===//
//
// Each op becomes a short cascade of generics: reductions over the
// normalized dims into a statistics tensor, then one elementwise generic
// that reads the input, the statistics and the broadcast parameters.
//
//===----------------------------------------------------------------------===//

#include "Common.h"
#include "Patterns.h"
#include "seq/IR/SeqOps.h"
#include "seq/IR/SeqSemantics.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "llvm/ADT/SmallBitVector.h"

#include <numeric>

using namespace mlir;

namespace seqc::lowering {
namespace {

using CombineFn = function_ref<Value(OpBuilder &, Location, ValueRange)>;

/// The map from the full loop nest to the kept (not reduced) dims.
static AffineMap keptMap(MLIRContext *ctx, const llvm::SmallBitVector &reduced) {
  SmallVector<AffineExpr> exprs;
  for (unsigned i = 0; i < reduced.size(); ++i)
    if (!reduced.test(i))
      exprs.push_back(getAffineDimExpr(i, ctx));
  return AffineMap::get(reduced.size(), 0, exprs, ctx);
}

static RankedTensorType keptType(RankedTensorType t,
                                 const llvm::SmallBitVector &reduced) {
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < t.getRank(); ++i)
    if (!reduced.test(i))
      shape.push_back(t.getDimSize(i));
  return RankedTensorType::get(shape, t.getElementType());
}

/// tensor.empty of `type` whose dynamic dim i is dim dims[i] of `full`
/// (dynamic batch/sequence dims of the op's input).
static Value emptyFrom(OpBuilder &b, Location loc, RankedTensorType type,
                       Value full, ArrayRef<int64_t> dims) {
  SmallVector<Value> sizes;
  for (int64_t i = 0; i < type.getRank(); ++i)
    if (type.isDynamicDim(i))
      sizes.push_back(tensor::DimOp::create(b, loc, full, dims[i]));
  return tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType(),
                                 sizes);
}

/// stats = fold over the reduced dims of combine(inputs..., acc), with inputs
/// read through `inputMaps` (full loop nest) and `stats` of kept shape.
static Value reduceOver(OpBuilder &b, Location loc, RankedTensorType full,
                        const llvm::SmallBitVector &reduced, ValueRange inputs,
                        ArrayRef<AffineMap> inputMaps, TypedAttr init,
                        CombineFn combine) {
  MLIRContext *ctx = b.getContext();
  auto statsType = keptType(full, reduced);
  // inputs[0] has the full shape: the kept dims' sizes come from it.
  SmallVector<int64_t> keptDims;
  for (unsigned i = 0; i < reduced.size(); ++i)
    if (!reduced.test(i))
      keptDims.push_back(i);
  Value acc = linalg::FillOp::create(
                  b, loc, arith::ConstantOp::create(b, loc, init).getResult(),
                  emptyFrom(b, loc, statsType, inputs[0], keptDims))
                  .getResult(0);
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(keptMap(ctx, reduced));
  SmallVector<utils::IteratorType> iters;
  for (unsigned i = 0; i < reduced.size(); ++i)
    iters.push_back(reduced.test(i) ? utils::IteratorType::reduction
                                    : utils::IteratorType::parallel);
  return buildGeneric(b, loc, statsType, inputs, acc, maps, iters,
                      [&](OpBuilder &nb, Location l, ValueRange args) {
                        return SmallVector<Value>{combine(nb, l, args)};
                      })
      .getResult(0);
}

/// A parallel generic over `full` reading inputs through `maps`.
static Value mapOver(OpBuilder &b, Location loc, RankedTensorType full,
                     ValueRange inputs, ArrayRef<AffineMap> inputMaps,
                     CombineFn body) {
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(AffineMap::getMultiDimIdentityMap(full.getRank(), ctx));
  SmallVector<int64_t> allDims(full.getRank());
  std::iota(allDims.begin(), allDims.end(), 0);
  Value init = emptyFrom(b, loc, full, inputs[0], allDims);
  return buildGeneric(b, loc, full, inputs, init, maps,
                      iterators(full.getRank()),
                      [&](OpBuilder &nb, Location l, ValueRange args) {
                        return SmallVector<Value>{body(nb, l, args.drop_back())};
                      })
      .getResult(0);
}

static int64_t normAxis(int64_t axis, int64_t rank) {
  return *seq::normalizeAxis(axis, rank); // verified
}

struct SoftmaxLowering : OpRewritePattern<seq::SoftmaxOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(seq::SoftmaxOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    auto type = op.getType();
    Type elt = type.getElementType();
    int64_t rank = type.getRank();
    llvm::SmallBitVector reduced(rank);
    reduced.set(normAxis(op.getAxis(), rank));
    AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
    AffineMap kept = keptMap(ctx, reduced);
    Value x = op.getInput();
    auto negInf = rw.getFloatAttr(
        elt, APFloat::getInf(cast<FloatType>(elt).getFloatSemantics(), true));
    Value max = reduceOver(rw, loc, type, reduced, x, id, negInf,
                           [](OpBuilder &b, Location l, ValueRange a) {
                             return arith::MaximumFOp::create(b, l, a[0], a[1]);
                           });
    Value e = mapOver(rw, loc, type, {x, max}, {id, kept},
                      [](OpBuilder &b, Location l, ValueRange a) {
                        return math::ExpOp::create(
                            b, l, arith::SubFOp::create(b, l, a[0], a[1]));
                      });
    Value sum = reduceOver(rw, loc, type, reduced, e, id, rw.getZeroAttr(elt),
                           [](OpBuilder &b, Location l, ValueRange a) {
                             return arith::AddFOp::create(b, l, a[0], a[1]);
                           });
    Value result;
    if (op.getLog())
      result = mapOver(rw, loc, type, {x, max, sum}, {id, kept, kept},
                       [](OpBuilder &b, Location l, ValueRange a) {
                         Value shifted = arith::SubFOp::create(b, l, a[0], a[1]);
                         return arith::SubFOp::create(
                             b, l, shifted, math::LogOp::create(b, l, a[2]));
                       });
    else
      result = mapOver(rw, loc, type, {e, sum}, {id, kept},
                       [](OpBuilder &b, Location l, ValueRange a) {
                         return arith::DivFOp::create(b, l, a[0], a[1]);
                       });
    rw.replaceOp(op, result);
    return success();
  }
};

/// Shared by layer_norm and rms_norm: reduced = dims [axis, rank), and the
/// parameter maps broadcast right-aligned onto the input.
struct NormSetup {
  llvm::SmallBitVector reduced;
  AffineMap id, kept;
  int64_t count = 1;
  bool dynamicReduced = false;
  NormSetup(MLIRContext *ctx, RankedTensorType type, int64_t axis) {
    int64_t rank = type.getRank();
    reduced.resize(rank);
    for (int64_t i = normAxis(axis, rank); i < rank; ++i) {
      reduced.set(i);
      dynamicReduced |= type.isDynamicDim(i);
      count *= type.getDimSize(i);
    }
    id = AffineMap::getMultiDimIdentityMap(rank, ctx);
    kept = keptMap(ctx, reduced);
  }
};

struct LayerNormLowering : OpRewritePattern<seq::LayerNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(seq::LayerNormOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    auto type = op.getType();
    Type elt = type.getElementType();
    NormSetup s(ctx, type, op.getAxis());
    // Batch/sequence dims may be dynamic; the normalized ones set 1/n.
    if (s.dynamicReduced)
      return rw.notifyMatchFailure(op, "dynamic normalized dims");
    Value x = op.getInput();
    double eps = op.getEpsilon().convertToDouble();
    double invCount = 1.0 / (double)s.count;
    auto add = [](OpBuilder &b, Location l, ValueRange a) -> Value {
      return arith::AddFOp::create(b, l, a[0], a[1]);
    };
    Value sum = reduceOver(rw, loc, type, s.reduced, x, s.id,
                           rw.getZeroAttr(elt), add);
    // mean = sum / n; var = sum((x - mean)^2) / n
    Value sq = reduceOver(
        rw, loc, type, s.reduced, {x, sum}, {s.id, s.kept}, rw.getZeroAttr(elt),
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value mean = arith::MulFOp::create(b, l, a[1],
                                             floatConst(b, l, elt, invCount));
          Value c = arith::SubFOp::create(b, l, a[0], mean);
          return arith::AddFOp::create(
              b, l, arith::MulFOp::create(b, l, c, c), a[2]);
        });
    SmallVector<Value> ins{x, sum, sq, op.getScale()};
    SmallVector<AffineMap> maps{
        s.id, s.kept, s.kept,
        broadcastMap(ctx, op.getScale().getType().getShape(), type.getShape())};
    if (Value bias = op.getBias()) {
      ins.push_back(bias);
      maps.push_back(broadcastMap(
          ctx, cast<RankedTensorType>(bias.getType()).getShape(),
          type.getShape()));
    }
    Value y = mapOver(
        rw, loc, type, ins, maps,
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value inv = floatConst(b, l, elt, invCount);
          Value mean = arith::MulFOp::create(b, l, a[1], inv);
          Value var = arith::MulFOp::create(b, l, a[2], inv);
          Value rstd = math::RsqrtOp::create(
              b, l, arith::AddFOp::create(b, l, var, floatConst(b, l, elt, eps)));
          Value n = arith::MulFOp::create(
              b, l, arith::SubFOp::create(b, l, a[0], mean), rstd);
          Value r = arith::MulFOp::create(b, l, n, a[3]);
          if (a.size() > 4)
            r = arith::AddFOp::create(b, l, r, a[4]);
          return r;
        });
    rw.replaceOp(op, y);
    return success();
  }
};

struct RMSNormLowering : OpRewritePattern<seq::RMSNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(seq::RMSNormOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    auto type = op.getType();
    Type elt = type.getElementType();
    NormSetup s(ctx, type, op.getAxis());
    // Batch/sequence dims may be dynamic; the normalized ones set 1/n.
    if (s.dynamicReduced)
      return rw.notifyMatchFailure(op, "dynamic normalized dims");
    double eps = op.getEpsilon().convertToDouble();
    double invCount = 1.0 / (double)s.count;
    Value x = op.getInput();
    Value sq = reduceOver(rw, loc, type, s.reduced, x, s.id,
                          rw.getZeroAttr(elt),
                          [](OpBuilder &b, Location l, ValueRange a) -> Value {
                            return arith::AddFOp::create(
                                b, l, arith::MulFOp::create(b, l, a[0], a[0]),
                                a[1]);
                          });
    Value y = mapOver(
        rw, loc, type, {x, sq, op.getScale()},
        {s.id, s.kept,
         broadcastMap(ctx, op.getScale().getType().getShape(), type.getShape())},
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value ms = arith::MulFOp::create(b, l, a[1],
                                           floatConst(b, l, elt, invCount));
          Value rstd = math::RsqrtOp::create(
              b, l, arith::AddFOp::create(b, l, ms, floatConst(b, l, elt, eps)));
          return arith::MulFOp::create(
              b, l, arith::MulFOp::create(b, l, a[0], rstd), a[2]);
        });
    rw.replaceOp(op, y);
    return success();
  }
};

} // namespace

void populateNormPatterns(RewritePatternSet &patterns) {
  patterns.add<SoftmaxLowering, LayerNormLowering, RMSNormLowering>(
      patterns.getContext());
}

} // namespace seqc::lowering
