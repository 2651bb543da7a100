//===- SeqIndexingOps.cpp - verifiers of the indexing ops -----------------===//

#include "seq/IR/Einsum.h"
#include "seq/IR/SeqOps.h"
#include "seq/IR/SeqSemantics.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;
using namespace mlir::seq;

static RankedTensorType ttype(Value v) {
  return cast<RankedTensorType>(v.getType());
}

static bool shapesCompatible(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  return a.size() == b.size() && llvm::all_of(llvm::zip(a, b), [](auto p) {
           return dimsCompatible(std::get<0>(p), std::get<1>(p));
         });
}

static LogicalResult checkShape(Operation *op, StringRef what,
                                RankedTensorType t,
                                ArrayRef<int64_t> expected) {
  if (!shapesCompatible(t.getShape(), expected))
    return op->emitOpError()
           << what << " shape " << shapeStr(t.getShape())
           << " does not match expected " << shapeStr(expected);
  return success();
}

static LogicalResult checkAxis(Operation *op, int64_t axis, int64_t rank,
                               int64_t &normalized) {
  std::optional<int64_t> a = normalizeAxis(axis, rank);
  if (!a)
    return op->emitOpError("axis ")
           << axis << " is out of range for rank " << rank;
  normalized = *a;
  return success();
}

static LogicalResult checkIndices(Operation *op, Value indices) {
  if (!isa<IntegerType>(ttype(indices).getElementType()))
    return op->emitOpError("indices must be integers, got ")
           << ttype(indices).getElementType();
  return success();
}

LogicalResult EinsumOp::verify() {
  Type elt = getType().getElementType();
  SmallVector<ArrayRef<int64_t>> shapes;
  for (Value v : getInputs()) {
    if (ttype(v).getElementType() != elt)
      return emitOpError("operand element type ")
             << ttype(v).getElementType() << " differs from result " << elt;
    shapes.push_back(ttype(v).getShape());
  }
  std::string error;
  FailureOr<EinsumSpec> spec = analyzeEinsum(getEquation(), shapes, error);
  if (failed(spec))
    return emitOpError(error);
  return checkShape(*this, "result", getType(), spec->resultShape());
}

/// Arg reductions, top-k and cumsum compare or add elements with arith ops.
static LogicalResult checkIntOrFloat(Operation *op, RankedTensorType t) {
  if (!t.getElementType().isIntOrFloat())
    return op->emitOpError("expects integer or floating-point elements, got ")
           << t.getElementType();
  return success();
}

template <typename Op> static LogicalResult verifyArgReduce(Op op) {
  auto in = ttype(op.getInput());
  if (failed(checkIntOrFloat(op, in)))
    return failure();
  int64_t axis;
  if (failed(checkAxis(op, op.getAxis(), in.getRank(), axis)))
    return failure();
  if (!op.getType().getElementType().isInteger(64))
    return op.emitOpError("result must have i64 elements");
  SmallVector<int64_t> shape(in.getShape());
  if (op.getKeepDims())
    shape[axis] = 1;
  else
    shape.erase(shape.begin() + axis);
  return checkShape(op, "result", op.getType(), shape);
}

LogicalResult ArgMaxOp::verify() { return verifyArgReduce(*this); }
LogicalResult ArgMinOp::verify() { return verifyArgReduce(*this); }

LogicalResult TopKOp::verify() {
  auto in = ttype(getInput());
  int64_t axis;
  if (failed(checkIntOrFloat(*this, in)) ||
      failed(checkAxis(*this, getAxis(), in.getRank(), axis)))
    return failure();
  int64_t k = getK(), n = in.getDimSize(axis);
  if (k < 0 || (!ShapedType::isDynamic(n) && k > n))
    return emitOpError("k = ")
           << k << " is out of range for an axis of size " << n;
  SmallVector<int64_t> shape(in.getShape());
  shape[axis] = k;
  if (ttype(getValues()).getElementType() != in.getElementType())
    return emitOpError("values must have the input's element type");
  if (!ttype(getIndices()).getElementType().isInteger(64))
    return emitOpError("indices must have i64 elements");
  if (failed(checkShape(*this, "values", ttype(getValues()), shape)))
    return failure();
  return checkShape(*this, "indices", ttype(getIndices()), shape);
}

LogicalResult CumSumOp::verify() {
  int64_t axis;
  if (failed(checkIntOrFloat(*this, getType())))
    return failure();
  return checkAxis(*this, getAxis(), getType().getRank(), axis);
}

/// GatherElements / ScatterElements: integer indices of the data's rank and
/// an axis of it.
static LogicalResult verifyElementsIndexing(Operation *op, Value data,
                                            Value indices, int64_t axis) {
  int64_t normalized;
  if (failed(checkIndices(op, indices)) ||
      failed(checkAxis(op, axis, ttype(data).getRank(), normalized)))
    return failure();
  if (ttype(indices).getRank() != ttype(data).getRank())
    return op->emitOpError("indices rank ")
           << ttype(indices).getRank() << " differs from data rank "
           << ttype(data).getRank();
  return success();
}

LogicalResult GatherElementsOp::verify() {
  auto data = ttype(getData()), idx = ttype(getIndices());
  if (failed(verifyElementsIndexing(*this, getData(), getIndices(), getAxis())))
    return failure();
  if (getType().getElementType() != data.getElementType())
    return emitOpError("result element type differs from data");
  return checkShape(*this, "result", getType(), idx.getShape());
}

LogicalResult GatherNDOp::verify() {
  auto data = ttype(getData()), idx = ttype(getIndices());
  if (failed(checkIndices(*this, getIndices())))
    return failure();
  int64_t r = data.getRank(), q = idx.getRank(), b = getBatchDims();
  if (q < 1 || idx.isDynamicDim(q - 1))
    return emitOpError("indices need a static last dim");
  int64_t m = idx.getDimSize(q - 1);
  if (b < 0 || b >= std::min(r, q) || b + m > r)
    return emitOpError("batch_dims = ")
           << b << " and index tuples of length " << m
           << " do not fit data of rank " << r << " and indices of rank " << q;
  for (int64_t i = 0; i < b; ++i)
    if (!dimsCompatible(data.getDimSize(i), idx.getDimSize(i)))
      return emitOpError("batch dim ") << i << " differs between data and "
                                       << "indices";
  SmallVector<int64_t> shape(idx.getShape().drop_back());
  llvm::append_range(shape, data.getShape().drop_front(b + m));
  if (getType().getElementType() != data.getElementType())
    return emitOpError("result element type differs from data");
  return checkShape(*this, "result", getType(), shape);
}

LogicalResult ScatterElementsOp::verify() {
  auto data = ttype(getData()), idx = ttype(getIndices()),
       upd = ttype(getUpdates());
  if (failed(verifyElementsIndexing(*this, getData(), getIndices(), getAxis())))
    return failure();
  if (failed(checkShape(*this, "updates", upd, idx.getShape())))
    return failure();
  if (upd.getElementType() != data.getElementType() || getType() != data)
    return emitOpError("data, updates and result types must agree");
  return success();
}

LogicalResult ScatterNDOp::verify() {
  auto data = ttype(getData()), idx = ttype(getIndices()),
       upd = ttype(getUpdates());
  if (failed(checkIndices(*this, getIndices())))
    return failure();
  int64_t q = idx.getRank();
  if (q < 1 || idx.isDynamicDim(q - 1))
    return emitOpError("indices need a static last dim");
  int64_t m = idx.getDimSize(q - 1);
  if (m > data.getRank())
    return emitOpError("index tuples of length ")
           << m << " exceed data rank " << data.getRank();
  SmallVector<int64_t> shape(idx.getShape().drop_back());
  llvm::append_range(shape, data.getShape().drop_front(m));
  if (failed(checkShape(*this, "updates", upd, shape)))
    return failure();
  if (upd.getElementType() != data.getElementType() || getType() != data)
    return emitOpError("data, updates and result types must agree");
  return success();
}

LogicalResult ConvOp::verify() {
  auto in = ttype(getInput()), w = ttype(getWeight());
  int64_t rank = in.getRank(), s = rank - 2;
  if (s < 1 || w.getRank() != rank)
    return emitOpError("input and weight must have the same rank >= 3, got ")
           << shapeStr(in.getShape()) << " and " << shapeStr(w.getShape());
  if ((int64_t)getStrides().size() != s ||
      (int64_t)getDilations().size() != s || (int64_t)getPads().size() != 2 * s)
    return emitOpError("expects ")
           << s << " strides and dilations and " << 2 * s << " pads";
  if (llvm::any_of(getStrides(), [](int64_t x) { return x < 1; }) ||
      llvm::any_of(getDilations(), [](int64_t x) { return x < 1; }) ||
      llvm::any_of(getPads(), [](int64_t x) { return x < 0; }))
    return emitOpError("strides and dilations must be >= 1 and pads >= 0");
  int64_t g = getGroup(), c = in.getDimSize(1), m = w.getDimSize(0);
  if (ShapedType::isDynamic(c) || ShapedType::isDynamic(m))
    return emitOpError("needs static channel counts, got input ")
           << shapeStr(in.getShape()) << " and weight "
           << shapeStr(w.getShape());
  if (g < 1 || c % g || m % g || !dimsCompatible(w.getDimSize(1), c / g))
    return emitOpError("group ") << g << " does not fit input channels " << c
                                 << " and weight " << shapeStr(w.getShape());
  Type elt = in.getElementType();
  if (w.getElementType() != elt || getType().getElementType() != elt ||
      (getBias() && ttype(getBias()).getElementType() != elt))
    return emitOpError("operand and result element types must agree");
  if (getBias() && failed(checkShape(*this, "bias", ttype(getBias()), {m})))
    return failure();
  SmallVector<int64_t> shape{in.getDimSize(0), m};
  for (int64_t i = 0; i < s; ++i) {
    int64_t x = in.getDimSize(2 + i), k = w.getDimSize(2 + i);
    if (ShapedType::isDynamic(x) || ShapedType::isDynamic(k)) {
      shape.push_back(ShapedType::kDynamic);
      continue;
    }
    int64_t span =
        x + getPads()[i] + getPads()[s + i] - getDilations()[i] * (k - 1) - 1;
    if (span < 0)
      return emitOpError("kernel does not fit spatial dim ") << i;
    shape.push_back(span / getStrides()[i] + 1);
  }
  return checkShape(*this, "result", getType(), shape);
}
