//===- Common.cpp - helpers shared by the seq-to-linalg patterns ----------===//

#include "Common.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Matchers.h"

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
  auto flatType =
      RankedTensorType::get({in.getNumElements()}, in.getElementType());
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

std::string describe(Operation *op) {
  std::string s = op->getName().getStringRef().str();
  if (auto name = dyn_cast<NameLoc>(op->getLoc()))
    s += " (node '" + name.getName().str() + "')";
  return s;
}

void emitCheck(OpBuilder &b, Location loc, Value cond, const Twine &message) {
  cf::AssertOp::create(b, loc, cond, message.str());
}

void emitDataCheck(OpBuilder &b, Location loc, Value cond,
                   const Twine &message) {
  auto check = cf::AssertOp::create(b, loc, cond, message.str());
  check->setAttr(kDataCheckAttr, b.getUnitAttr());
}

Value indexConst(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

Value readIndex(OpBuilder &b, Location loc, Value t, ValueRange idx) {
  Value v = tensor::ExtractOp::create(b, loc, castToSignless(b, loc, t), idx);
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), v);
}

Value clampIndex(OpBuilder &b, Location loc, Value v, int64_t lo, int64_t hi) {
  v = arith::MaxSIOp::create(b, loc, v, indexConst(b, loc, lo));
  return arith::MinSIOp::create(b, loc, v, indexConst(b, loc, hi));
}

Value safeIndex(OpBuilder &b, Location l, Value idx, Value size) {
  idx = arith::IndexCastOp::create(b, l, b.getIndexType(), idx);
  Value zero = arith::ConstantIndexOp::create(b, l, 0);
  Value neg = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, idx, zero);
  Value wrapped = arith::AddIOp::create(b, l, idx, size);
  idx = arith::SelectOp::create(b, l, neg, wrapped, idx);
  Value last = arith::SubIOp::create(b, l, size,
                                     arith::ConstantIndexOp::create(b, l, 1));
  idx = arith::MinSIOp::create(b, l, idx, last);
  return arith::MaxSIOp::create(b, l, idx, zero);
}

void checkIndexRange(OpBuilder &b, Location loc, Operation *op, Value indices,
                     ArrayRef<Value> sizes) {
  auto type = cast<RankedTensorType>(indices.getType());
  int64_t rank = type.getRank();
  // Constant indices into static dims are checked now, not at run time.
  DenseIntElementsAttr cst;
  SmallVector<int64_t> staticSizes;
  for (Value size : sizes) {
    std::optional<int64_t> c = getConstantIntValue(size);
    if (auto dim = size.getDefiningOp<tensor::DimOp>()) {
      auto src = cast<RankedTensorType>(dim.getSource().getType());
      std::optional<int64_t> d = dim.getConstantIndex();
      if (d && !src.isDynamicDim(*d))
        c = src.getDimSize(*d);
    }
    if (c)
      staticSizes.push_back(*c);
  }
  if (matchPattern(indices, m_Constant(&cst)) &&
      staticSizes.size() == sizes.size() && rank > 0) {
    bool inRange = true;
    int64_t n = 0, last = type.getShape().back();
    for (const APInt &v : cst.getValues<APInt>()) {
      int64_t size = staticSizes[sizes.size() > 1 ? n % last : 0];
      int64_t i = v.getSExtValue();
      inRange &= i >= -size && i < size;
      ++n;
    }
    if (inRange)
      return;
  }
  MLIRContext *ctx = b.getContext();
  Type i1 = b.getI1Type();
  indices = castToSignless(b, loc, indices);
  Value init = createFilled(b, loc, RankedTensorType::get({}, i1),
                            b.getBoolAttr(true), {});
  SmallVector<AffineMap> maps{AffineMap::getMultiDimIdentityMap(rank, ctx),
                              AffineMap::get(rank, 0, {}, ctx)};
  auto all = buildGeneric(
      b, loc, TypeRange{init.getType()}, indices, init, maps,
      iterators(0, rank), [&](OpBuilder &nb, Location l, ValueRange args) {
        Value size = sizes.front();
        if (sizes.size() > 1) { // the size of the dim this position indexes
          Value pos = linalg::IndexOp::create(nb, l, rank - 1);
          for (unsigned t = 1; t < sizes.size(); ++t) {
            Value isT =
                arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq, pos,
                                      arith::ConstantIndexOp::create(nb, l, t));
            size = arith::SelectOp::create(nb, l, isT, sizes[t], size);
          }
        }
        Value i = arith::IndexCastOp::create(nb, l, nb.getIndexType(), args[0]);
        Value negSize = arith::SubIOp::create(
            nb, l, arith::ConstantIndexOp::create(nb, l, 0), size);
        Value ge =
            arith::CmpIOp::create(nb, l, arith::CmpIPredicate::sge, i, negSize);
        Value lt =
            arith::CmpIOp::create(nb, l, arith::CmpIPredicate::slt, i, size);
        Value ok = arith::AndIOp::create(nb, l, ge, lt);
        return SmallVector<Value>{arith::AndIOp::create(nb, l, args[1], ok)};
      });
  Value flag = tensor::ExtractOp::create(b, loc, all.getResult(0), {});
  emitDataCheck(b, loc, flag,
                describe(op) + ": an index is out of range (valid: -size .. "
                               "size-1 of the indexed dim)");
}

static Value dimValue(OpBuilder &b, Location loc, Value v, int64_t i) {
  int64_t d = cast<RankedTensorType>(v.getType()).getDimSize(i);
  if (!ShapedType::isDynamic(d))
    return arith::ConstantIndexOp::create(b, loc, d);
  return tensor::DimOp::create(b, loc, v, i);
}

void checkDimsEqual(OpBuilder &b, Location loc, Value x, int64_t i, Value y,
                    int64_t j, const Twine &message) {
  if (!cast<RankedTensorType>(x.getType()).isDynamicDim(i) &&
      !cast<RankedTensorType>(y.getType()).isDynamicDim(j))
    return;
  Value eq =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                            dimValue(b, loc, x, i), dimValue(b, loc, y, j));
  emitCheck(b, loc, eq, message);
}

void checkBroadcast(OpBuilder &b, Location loc, Operation *op,
                    ValueRange operands, ArrayRef<int64_t> loopShape,
                    int64_t dropTrailing) {
  int64_t rank = loopShape.size();
  for (int64_t i = 0; i < rank; ++i) {
    // The reference: the static loop size, else the first operand read
    // with an identity index there (the one createEmpty sizes from).
    int64_t refOperand = -1, refDim = -1;
    for (auto [k, v] : llvm::enumerate(operands)) {
      auto t = cast<RankedTensorType>(v.getType());
      int64_t j = i - (rank - (t.getRank() - dropTrailing));
      if (j < 0 || t.getDimSize(j) == 1)
        continue;
      if (!t.isDynamicDim(j) && !ShapedType::isDynamic(loopShape[i]))
        continue;
      if (!ShapedType::isDynamic(loopShape[i])) {
        Value eq = arith::CmpIOp::create(
            b, loc, arith::CmpIPredicate::eq, dimValue(b, loc, v, j),
            arith::ConstantIndexOp::create(b, loc, loopShape[i]));
        emitCheck(b, loc, eq,
                  describe(op) + ": dynamic dim " + Twine(j) + " of operand " +
                      Twine(k) + " must be " + Twine(loopShape[i]) +
                      " (dynamic dims are not broadcast at run time)");
        continue;
      }
      if (refOperand < 0) {
        refOperand = k;
        refDim = j;
        continue;
      }
      checkDimsEqual(b, loc, v, j, operands[refOperand], refDim,
                     describe(op) + ": dim " + Twine(j) + " of operand " +
                         Twine(k) + " does not match dim " + Twine(refDim) +
                         " of operand " + Twine(refOperand) +
                         " (dynamic dims must be equal at run time; a "
                         "dynamic dim of size 1 is not broadcast)");
    }
  }
}

} // namespace seqc::lowering
