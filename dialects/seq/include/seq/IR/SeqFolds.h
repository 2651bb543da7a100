//===- SeqFolds.h - host evaluation of seq ops on constants -----*- C++ -*-===//
//
// The op folders (fold() of the elementwise ops, cast, bitcast, transpose,
// broadcast, gather and reduce) evaluate constant operands on the host with
// the numerics of the compiled code: floats computed in double and rounded to
// the element type after every op, integers wrapping at their width, integer
// div/rem as in SeqSemantics.h. The importer folds constant ONNX nodes
// through the same ops (createOrFold) and evaluates the ONNX-only shape
// computations (Shape, Slice, Range...) on the same HostTensor, so these
// rules exist once.
//
//===----------------------------------------------------------------------===//

#ifndef SEQ_IR_SEQFOLDS_H
#define SEQ_IR_SEQFOLDS_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/OpDefinition.h"

#include <optional>
#include <vector>

namespace mlir::seq {

/// Largest tensor (elements) a folder reads or materializes: bigger results
/// stay ops, so folding never duplicates large weights.
constexpr int64_t kMaxFoldElements = 1 << 20;

/// Element count, saturated at kMaxFoldElements + 1 (dynamic or negative dims
/// count as too many), so huge literal shapes cannot overflow.
int64_t foldNumElements(ArrayRef<int64_t> shape);

/// A constant on the host: integer and bool elements as int64 (unsigned
/// types zero-extended), float elements as double.
struct HostTensor {
  Type elt;
  SmallVector<int64_t> shape;
  std::vector<int64_t> i; // integer and bool element types
  std::vector<double> f;  // float element types

  bool isFloat() const { return isa<FloatType>(elt); }
  int64_t size() const {
    return isFloat() ? static_cast<int64_t>(f.size())
                     : static_cast<int64_t>(i.size());
  }
  double getF(int64_t k) const {
    return isFloat() ? f[k] : static_cast<double>(i[k]);
  }
  int64_t getI(int64_t k) const {
    return isFloat() ? static_cast<int64_t>(f[k]) : i[k];
  }
  /// Sets element `k` from a double/int with the element type's rounding
  /// (floats) or wrapping (integers).
  void setF(int64_t k, double v);
  void setI(int64_t k, int64_t v);
  /// Copies element `ks` of `src` (same element type) into element `kd`.
  void copyElt(int64_t kd, const HostTensor &src, int64_t ks);

  /// Zeros of `elt` with `shape`.
  static HostTensor zeros(Type elt, ArrayRef<int64_t> shape);
  /// A dense or dense_resource constant of integer/float elements, static
  /// and at most `maxElements`; nullopt otherwise.
  static std::optional<HostTensor> read(Attribute attr,
                                        int64_t maxElements = kMaxFoldElements);
  /// The values as a DenseElementsAttr of `elt` and `shape`.
  DenseElementsAttr toAttr() const;
};

/// Rounds `v` to the precision of float type `elt`.
double roundFloat(Type elt, double v);
/// Wraps `v` to the width (and signedness) of integer type `elt`.
int64_t wrapInt(Type elt, int64_t v);
/// Unsigned integer or i1 (both read zero-extended).
bool isUnsignedInt(Type elt);
/// For each element of a row-major tensor of shape `out`, the flat index into
/// a tensor of shape `in` broadcast (numpy, right-aligned) to `out`.
std::vector<int64_t> broadcastIndex(ArrayRef<int64_t> out,
                                    ArrayRef<int64_t> in);
/// ONNX Cast of host values (integers wrap, floats truncate toward zero when
/// converted to integers, non-finite values become 0); 8-bit and smaller
/// floats are not handled (their saturate/NaN rules live in the lowering).
HostTensor castHostTensor(const HostTensor &a, Type elt);

/// fold() of every elementwise op: the constant result when all `operands`
/// are constant (null otherwise) and the result is static and small enough.
OpFoldResult foldElementwise(Operation *op, ArrayRef<Attribute> operands);

} // namespace mlir::seq

#endif // SEQ_IR_SEQFOLDS_H
