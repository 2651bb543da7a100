//===- ImportBuilders.h - Small builders shared by converters --*- C++ -*-===//
//
// Constant tensors, casts, slices and elementwise expressions that several
// op-family converters build at the node's location.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_LIB_IMPORT_IMPORTBUILDERS_H
#define SEQC_LIB_IMPORT_IMPORTBUILDERS_H

#include "ImporterInternal.h"

#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace seqc::import {

/// A constant tensor of `elt` (float or integer) with `shape` and row-major
/// `vals`; floats round to nearest-even, integers keep the low bits.
inline mlir::Value constTensor(NodeContext &nc, mlir::Type elt,
                               llvm::ArrayRef<int64_t> shape,
                               llvm::ArrayRef<double> vals) {
  auto type = mlir::RankedTensorType::get(shape, elt);
  mlir::DenseElementsAttr attr;
  if (auto ft = llvm::dyn_cast<mlir::FloatType>(elt)) {
    llvm::SmallVector<llvm::APFloat> v;
    v.reserve(vals.size());
    for (double d : vals) {
      llvm::APFloat x(d);
      bool lost;
      x.convert(ft.getFloatSemantics(), llvm::APFloat::rmNearestTiesToEven,
                &lost);
      v.push_back(x);
    }
    attr = mlir::DenseElementsAttr::get(type, v);
  } else {
    unsigned w = elt.getIntOrFloatBitWidth();
    llvm::SmallVector<llvm::APInt> v;
    v.reserve(vals.size());
    for (double d : vals)
      v.push_back(llvm::APInt(w, static_cast<uint64_t>(static_cast<int64_t>(d)),
                              /*isSigned=*/w > 1, /*implicitTrunc=*/true));
    attr = mlir::DenseElementsAttr::get(type, v);
  }
  return mlir::arith::ConstantOp::create(nc.b(), nc.loc(), attr);
}

/// An i64 constant tensor with `shape` and row-major `vals`.
inline mlir::Value i64Tensor(NodeContext &nc, llvm::ArrayRef<int64_t> shape,
                             llvm::ArrayRef<int64_t> vals) {
  auto type = mlir::RankedTensorType::get(shape, nc.b().getI64Type());
  return mlir::arith::ConstantOp::create(
      nc.b(), nc.loc(), mlir::DenseElementsAttr::get(type, vals));
}

/// An f32 constant tensor with `shape` and row-major `vals`.
inline mlir::Value f32Tensor(NodeContext &nc, llvm::ArrayRef<int64_t> shape,
                             llvm::ArrayRef<float> vals) {
  auto type = mlir::RankedTensorType::get(shape, nc.b().getF32Type());
  return mlir::arith::ConstantOp::create(
      nc.b(), nc.loc(), mlir::DenseElementsAttr::get(type, vals));
}

/// An i1 constant tensor with `shape` and row-major `vals`.
inline mlir::Value boolTensor(NodeContext &nc, llvm::ArrayRef<int64_t> shape,
                              llvm::ArrayRef<bool> vals) {
  auto type = mlir::RankedTensorType::get(shape, nc.b().getI1Type());
  return mlir::arith::ConstantOp::create(
      nc.b(), nc.loc(), mlir::DenseElementsAttr::get(type, vals));
}

/// `v` converted to element type `elt` (itself when it already has it).
inline mlir::Value castTo(NodeContext &nc, mlir::Value v, mlir::Type elt) {
  auto t = llvm::cast<mlir::RankedTensorType>(v.getType());
  if (t.getElementType() == elt)
    return v;
  return mlir::seq::CastOp::create(nc.b(), nc.loc(), t.clone(elt), v);
}

/// `size` elements of `v` starting at `offset` along `axis`.
inline mlir::Value sliceAxis(NodeContext &nc, mlir::Value v, int64_t axis,
                             int64_t offset, int64_t size) {
  auto t = llvm::cast<mlir::RankedTensorType>(v.getType());
  mlir::OpBuilder &b = nc.b();
  llvm::SmallVector<mlir::OpFoldResult> offs, szs, strs;
  llvm::SmallVector<int64_t> shape(t.getShape());
  shape[axis] = size;
  for (int64_t d = 0; d < t.getRank(); ++d) {
    offs.push_back(b.getIndexAttr(d == axis ? offset : 0));
    szs.push_back(b.getIndexAttr(shape[d]));
    strs.push_back(b.getIndexAttr(1));
  }
  return mlir::tensor::ExtractSliceOp::create(b, nc.loc(), t.clone(shape), v,
                                              offs, szs, strs);
}

/// Fails with an error unless input `i` has a floating-point element type.
inline mlir::LogicalResult checkFloat(NodeContext &nc, unsigned i) {
  Type elt = nc.inputType(i).getElementType();
  if (!llvm::isa<mlir::FloatType>(elt))
    return nc.error() << "expects a floating-point input " << i << ", got "
                      << elt;
  return mlir::success();
}

/// Fails with an error unless input `i` has a static shape.
inline mlir::LogicalResult requireStatic(NodeContext &nc, unsigned i) {
  auto t = nc.inputType(i);
  if (!t.hasStaticShape())
    return nc.error() << "input " << i << " of shape " << shapeStr(t.getShape())
                      << " must have a static shape";
  return mlir::success();
}

/// The integer list attribute `name`, or `n` copies of `dflt` when it is
/// absent or empty.
inline llvm::SmallVector<int64_t>
attrIntsOr(NodeContext &nc, llvm::StringRef name, int64_t n, int64_t dflt) {
  llvm::SmallVector<int64_t> v =
      nc.attrInts(name).value_or(llvm::SmallVector<int64_t>());
  if (v.empty())
    v.assign(n, dflt);
  return v;
}

/// seq.reduce of `kind` over `axes` of `v` (reduced dims kept as 1 when
/// `keep`).
inline mlir::Value reduce(NodeContext &nc, mlir::Value v,
                          mlir::seq::ReduceKind kind,
                          llvm::ArrayRef<int64_t> axes, bool keep = false) {
  auto t = llvm::cast<mlir::RankedTensorType>(v.getType());
  llvm::SmallVector<int64_t> shape;
  for (int64_t d = 0; d < t.getRank(); ++d) {
    if (!llvm::is_contained(axes, d))
      shape.push_back(t.getDimSize(d));
    else if (keep)
      shape.push_back(1);
  }
  mlir::OpBuilder &b = nc.b();
  return mlir::seq::ReduceOp::create(
      b, nc.loc(), t.clone(shape), v,
      mlir::seq::ReduceKindAttr::get(nc.ctx(), kind),
      b.getDenseI64ArrayAttr(axes), keep ? b.getUnitAttr() : nullptr);
}

/// The element type named by the required `to` attribute (Cast, BitCast).
inline mlir::FailureOr<mlir::Type> attrToType(NodeContext &nc) {
  const onnx::AttributeProto *to = nc.attr("to");
  if (!to)
    return nc.error() << "missing required attribute 'to'";
  Type elt = convertElementType(nc.ctx(), to->i());
  if (!elt)
    return nc.error() << "unsupported target type " << onnxTypeName(to->i());
  return elt;
}

/// A zero (splat) constant of `elt` with `shape`.
inline mlir::Value zeros(NodeContext &nc, mlir::Type elt,
                         llvm::ArrayRef<int64_t> shape) {
  auto t = mlir::RankedTensorType::get(shape, elt);
  mlir::Attribute a;
  if (auto ft = llvm::dyn_cast<mlir::FloatType>(elt))
    a = mlir::FloatAttr::get(ft, 0.0);
  else
    a = mlir::IntegerAttr::get(elt, 0);
  return mlir::arith::ConstantOp::create(nc.b(), nc.loc(),
                                         mlir::DenseElementsAttr::get(t, a));
}

/// A constant of rank `rank` (of `elt`, i64 by default), 1 everywhere but `n`
/// at `axis`, holding 0..n-1 along `axis`.
inline mlir::Value iota(NodeContext &nc, int64_t rank, int64_t axis, int64_t n,
                        mlir::Type elt = {}) {
  mlir::OpBuilder &b = nc.b();
  if (!elt)
    elt = b.getI64Type();
  llvm::SmallVector<int64_t> shape(rank, 1);
  shape[axis] = n;
  llvm::SmallVector<llvm::APInt> vals;
  for (int64_t i = 0; i < n; ++i)
    vals.push_back(llvm::APInt(elt.getIntOrFloatBitWidth(), i));
  auto type = mlir::RankedTensorType::get(shape, elt);
  return mlir::arith::ConstantOp::create(
      b, nc.loc(), mlir::DenseElementsAttr::get(type, vals));
}

/// Fails with an error unless the weight (input 1) is static, of the input's
/// rank and element type (Conv, ConvTranspose).
inline mlir::LogicalResult checkConvWeight(NodeContext &nc) {
  auto xt = nc.inputType(0), wt = nc.inputType(1);
  if (wt.getRank() != xt.getRank() || !wt.hasStaticShape() ||
      wt.getElementType() != xt.getElementType())
    return nc.error() << "weight of type " << typeStr(wt)
                      << " does not match input " << typeStr(xt);
  return mlir::success();
}

/// Fails with an error unless the optional bias input `i` is absent or a
/// [m] tensor of `elt` (Conv, ConvTranspose).
inline mlir::LogicalResult checkBias(NodeContext &nc, unsigned i, int64_t m,
                                     mlir::Type elt) {
  if (nc.input(i) &&
      (nc.inputType(i).getShape() != llvm::ArrayRef<int64_t>{m} ||
       nc.inputType(i).getElementType() != elt))
    return nc.error() << "bias of type " << typeStr(nc.inputType(i))
                      << " should be [" << m << "]";
  return mlir::success();
}

/// Builds elementwise seq ops at the node's location, with scalar constants
/// of element type `elt`.
struct ElemBuilder {
  NodeContext &nc;
  mlir::Type elt;

  mlir::Value c(double v) { return nc.scalarConstant(elt, v); }
  mlir::Value add(mlir::Value x, mlir::Value y) {
    return mlir::seq::AddOp::create(nc.b(), nc.loc(), x, y);
  }
  mlir::Value sub(mlir::Value x, mlir::Value y) {
    return mlir::seq::SubOp::create(nc.b(), nc.loc(), x, y);
  }
  mlir::Value mul(mlir::Value x, mlir::Value y) {
    return mlir::seq::MulOp::create(nc.b(), nc.loc(), x, y);
  }
  mlir::Value div(mlir::Value x, mlir::Value y) {
    return mlir::seq::DivOp::create(nc.b(), nc.loc(), x, y);
  }
  mlir::Value max(mlir::Value x, mlir::Value y) {
    return mlir::seq::MaxOp::create(nc.b(), nc.loc(), x, y);
  }
  mlir::Value min(mlir::Value x, mlir::Value y) {
    return mlir::seq::MinOp::create(nc.b(), nc.loc(), x, y);
  }
  mlir::Value exp(mlir::Value x) {
    return mlir::seq::ExpOp::create(nc.b(), nc.loc(), x);
  }
  mlir::Value floor(mlir::Value x) {
    return mlir::seq::FloorOp::create(nc.b(), nc.loc(), x);
  }
  mlir::Value less(mlir::Value x, mlir::Value y) {
    return mlir::seq::LessOp::create(nc.b(), nc.loc(), x, y);
  }
  mlir::Value greater(mlir::Value x, mlir::Value y) {
    return mlir::seq::GreaterOp::create(nc.b(), nc.loc(), x, y);
  }
  mlir::Value select(mlir::Value cond, mlir::Value x, mlir::Value y) {
    return mlir::seq::SelectOp::create(nc.b(), nc.loc(), cond, x, y);
  }
};

} // namespace seqc::import

#endif // SEQC_LIB_IMPORT_IMPORTBUILDERS_H
