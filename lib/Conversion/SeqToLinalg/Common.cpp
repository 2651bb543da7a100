//===- Common.cpp - helpers shared by the seq-to-linalg patterns ----------===//

#include "Common.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;

namespace seqc::lowering {

Value createEmpty(OpBuilder &b, Location loc, RankedTensorType type,
                  ValueRange sources) {
  SmallVector<Value> dynSizes;
  int64_t rank = type.getRank();
  for (int64_t i = 0; i < rank; ++i) {
    if (!type.isDynamicDim(i))
      continue;
    Value size;
    for (Value src : sources) {
      auto st = cast<RankedTensorType>(src.getType());
      int64_t j = i - (rank - st.getRank());
      if (j < 0 || st.getDimSize(j) == 1)
        continue;
      size = tensor::DimOp::create(b, loc, src, j);
      break;
    }
    if (!size)
      size = arith::ConstantIndexOp::create(b, loc, 1);
    dynSizes.push_back(size);
  }
  return tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType(),
                                 dynSizes);
}

Value createFilled(OpBuilder &b, Location loc, RankedTensorType type,
                   TypedAttr value, ValueRange sources) {
  Value empty = createEmpty(b, loc, type, sources);
  Value cst = arith::ConstantOp::create(b, loc, value);
  return linalg::FillOp::create(b, loc, cst, empty).getResult(0);
}

AffineMap broadcastMap(MLIRContext *ctx, ArrayRef<int64_t> operandShape,
                       ArrayRef<int64_t> loopShape) {
  SmallVector<AffineExpr> exprs;
  int64_t lead = loopShape.size() - operandShape.size();
  for (auto [i, d] : llvm::enumerate(operandShape)) {
    int64_t loop = lead + i;
    if (d == 1 && loopShape[loop] != 1)
      exprs.push_back(getAffineConstantExpr(0, ctx));
    else
      exprs.push_back(getAffineDimExpr(loop, ctx));
  }
  return AffineMap::get(loopShape.size(), 0, exprs, ctx);
}

Value floatConst(OpBuilder &b, Location loc, Type type, double value) {
  return arith::ConstantOp::create(b, loc, b.getFloatAttr(type, value));
}

Value reshapeTo(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> shape) {
  auto in = cast<RankedTensorType>(v.getType());
  if (in.getShape() == shape)
    return v;
  auto flatType = RankedTensorType::get({in.getNumElements()},
                                        in.getElementType());
  auto outType = RankedTensorType::get(shape, in.getElementType());
  // Rank-0 tensors: reassociation is empty on the rank-0 side.
  if (in.getRank() == 0)
    return tensor::ExpandShapeOp::create(b, loc, outType, v,
                                         ArrayRef<ReassociationIndices>{});
  if (shape.empty())
    return tensor::CollapseShapeOp::create(b, loc, outType, v,
                                           ArrayRef<ReassociationIndices>{});
  Value flat = v;
  if (in.getRank() != 1) {
    ReassociationIndices all;
    for (int64_t i = 0; i < in.getRank(); ++i)
      all.push_back(i);
    flat = tensor::CollapseShapeOp::create(b, loc, flatType, v,
                                           ArrayRef<ReassociationIndices>{all});
  }
  if (shape.size() == 1)
    return flat;
  ReassociationIndices all;
  for (size_t i = 0; i < shape.size(); ++i)
    all.push_back(i);
  return tensor::ExpandShapeOp::create(b, loc, outType, flat,
                                       ArrayRef<ReassociationIndices>{all});
}

SmallVector<utils::IteratorType> iterators(unsigned n, unsigned r) {
  SmallVector<utils::IteratorType> it(n, utils::IteratorType::parallel);
  it.append(r, utils::IteratorType::reduction);
  return it;
}

linalg::GenericOp buildGeneric(OpBuilder &b, Location loc, TypeRange results,
                               ValueRange inputs, ValueRange inits,
                               ArrayRef<AffineMap> maps,
                               ArrayRef<utils::IteratorType> iters,
                               BodyFn body) {
  return linalg::GenericOp::create(
      b, loc, results, inputs, inits, maps, iters,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(nb, nloc, body(nb, nloc, args));
      });
}

} // namespace seqc::lowering
