//===- RaiseUtils.h - matchers shared by the seq-raise patterns -*- C++ -*-===//

#ifndef SEQC_LIB_TRANSFORMS_RAISEUTILS_H
#define SEQC_LIB_TRANSFORMS_RAISEUTILS_H

#include "seq/IR/SeqOps.h"
#include "seq/IR/SeqSemantics.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
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
