//===- RaiseUtils.h - matchers shared by the seq-raise patterns -*- C++ -*-===//

#ifndef SEQC_LIB_TRANSFORMS_RAISEUTILS_H
#define SEQC_LIB_TRANSFORMS_RAISEUTILS_H

#include "seq/IR/SeqOps.h"
#include "seq/IR/SeqSemantics.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include <optional>

namespace seqc::raise {

/// The value of a floating-point constant splat (any shape), if `v` is one.
inline std::optional<double> getSplatFloat(mlir::Value v) {
  mlir::DenseFPElementsAttr attr;
  if (!v || !mlir::matchPattern(v, mlir::m_Constant(&attr)) || !attr.isSplat())
    return std::nullopt;
  return attr.getSplatValue<llvm::APFloat>().convertToDouble();
}

/// Integer values of a constant (dense, or an 8-bit resource blob), sign- or
/// zero-extended by the element type's signedness.
inline std::optional<llvm::SmallVector<int64_t>> constIntValues(mlir::Value v) {
  mlir::Attribute attr;
  if (!v || !mlir::matchPattern(v, mlir::m_Constant(&attr)))
    return std::nullopt;
  auto type =
      mlir::cast<mlir::ShapedType>(mlir::cast<mlir::TypedAttr>(attr).getType());
  auto it = mlir::dyn_cast<mlir::IntegerType>(type.getElementType());
  if (!it)
    return std::nullopt;
  bool isUnsigned = it.isUnsigned();
  llvm::SmallVector<int64_t> out;
  if (auto dense = mlir::dyn_cast<mlir::DenseIntElementsAttr>(attr)) {
    out.reserve(type.getNumElements());
    for (const llvm::APInt &x : dense.getValues<llvm::APInt>())
      out.push_back(isUnsigned ? x.getZExtValue() : x.getSExtValue());
    return out;
  }
  if (auto res = mlir::dyn_cast<mlir::DenseResourceElementsAttr>(attr)) {
    mlir::AsmResourceBlob *blob = res.getRawHandle().getBlob();
    if (!blob || it.getWidth() != 8 ||
        blob->getData().size() != static_cast<size_t>(type.getNumElements()))
      return std::nullopt;
    out.reserve(type.getNumElements());
    for (char c : blob->getData())
      out.push_back(isUnsigned ? static_cast<uint8_t>(c)
                               : static_cast<int8_t>(c));
    return out;
  }
  return std::nullopt;
}

/// The f32 values of a constant (dense, or a resource blob), row-major;
/// `storage` holds them when they are not in the blob.
inline std::optional<llvm::ArrayRef<float>>
constFloats(mlir::Value v, llvm::SmallVectorImpl<float> &storage) {
  mlir::Attribute attr;
  if (!v || !mlir::matchPattern(v, mlir::m_Constant(&attr)))
    return std::nullopt;
  if (auto res = mlir::dyn_cast<mlir::DenseResourceElementsAttr>(attr)) {
    mlir::AsmResourceBlob *blob = res.getRawHandle().getBlob();
    if (!blob || !res.getType().getElementType().isF32())
      return std::nullopt;
    llvm::ArrayRef<char> data = blob->getData();
    if (data.size() !=
        static_cast<size_t>(res.getType().getNumElements()) * sizeof(float))
      return std::nullopt;
    return llvm::ArrayRef<float>(reinterpret_cast<const float *>(data.data()),
                                 data.size() / sizeof(float));
  }
  if (auto dense = mlir::dyn_cast<mlir::DenseFPElementsAttr>(attr)) {
    if (!dense.getElementType().isF32())
      return std::nullopt;
    storage.assign(dense.getValues<float>().begin(),
                   dense.getValues<float>().end());
    return llvm::ArrayRef<float>(storage);
  }
  return std::nullopt;
}

/// The normalized (non-negative) form of `axis` for `rank`, or -1.
inline int64_t normalizeAxis(int64_t axis, int64_t rank) {
  return mlir::seq::normalizeAxis(axis, rank).value_or(-1);
}

inline mlir::RankedTensorType rankedType(mlir::Value v) {
  return mlir::dyn_cast<mlir::RankedTensorType>(v.getType());
}

/// For a binary elementwise op whose result type equals one operand's type
/// and whose other operand is a float constant splat: that operand and the
/// splat value. Tries both operand orders when `commutative`.
inline bool matchScalarOperand(mlir::Value lhs, mlir::Value rhs,
                               mlir::Type resultType, bool commutative,
                               mlir::Value &other, double &splat) {
  for (int swap = 0; swap < (commutative ? 2 : 1); ++swap) {
    mlir::Value a = swap ? rhs : lhs, c = swap ? lhs : rhs;
    std::optional<double> value = getSplatFloat(c);
    if (value && a.getType() == resultType) {
      other = a;
      splat = *value;
      return true;
    }
  }
  return false;
}

} // namespace seqc::raise

#endif // SEQC_LIB_TRANSFORMS_RAISEUTILS_H
