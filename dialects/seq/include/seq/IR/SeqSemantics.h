//===- SeqSemantics.h - scalar and axis rules shared by seq users -*- C++
//-*-===//
//
// The few semantic rules that the verifiers, the lowering and the importer's
// constant folder must agree on, in one place: axis normalization, shape
// printing for diagnostics, and integer division/remainder without traps.
// Header-only so that including it adds no link dependency.
//
//===----------------------------------------------------------------------===//

#ifndef SEQ_IR_SEQSEMANTICS_H
#define SEQ_IR_SEQSEMANTICS_H

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/APInt.h"
#include "llvm/ADT/ArrayRef.h"

#include <optional>
#include <string>

namespace mlir::seq {

/// `axis` in [-rank, rank) as an index in [0, rank) (negative counts from
/// the end, as ONNX and numpy do); nullopt when out of range.
inline std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return std::nullopt;
  return axis < 0 ? axis + rank : axis;
}

/// True when two dims may be equal (a dynamic dim matches anything).
inline bool dimsCompatible(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

/// `[2,?,4]`: a shape as the diagnostics print it.
inline std::string shapeStr(llvm::ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      s += ",";
    s += ShapedType::isDynamic(shape[i]) ? "?" : std::to_string(shape[i]);
  }
  return s + "]";
}

/// Integer seq.div: truncating, and numpy's answers where the hardware
/// traps: x / 0 = 0 and (signed) MIN / -1 wraps to MIN (x / -1 = 0 - x).
/// The lowering (buildSafeIntDivOrRem in SeqOps.cpp) emits exactly this.
inline llvm::APInt intDiv(const llvm::APInt &x, const llvm::APInt &d,
                          bool isUnsigned) {
  if (d.isZero())
    return llvm::APInt::getZero(x.getBitWidth());
  if (!isUnsigned && d.isAllOnes())
    return -x;
  return isUnsigned ? x.udiv(d) : x.sdiv(d);
}

/// Integer seq.rem (the sign of the dividend, C fmod): x % 0 = 0 and
/// (signed) x % -1 = 0.
inline llvm::APInt intRem(const llvm::APInt &x, const llvm::APInt &d,
                          bool isUnsigned) {
  if (d.isZero() || (!isUnsigned && d.isAllOnes()))
    return llvm::APInt::getZero(x.getBitWidth());
  return isUnsigned ? x.urem(d) : x.srem(d);
}

} // namespace mlir::seq

#endif // SEQ_IR_SEQSEMANTICS_H
