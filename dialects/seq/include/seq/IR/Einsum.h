//===- Einsum.h - einsum equation analysis ----------------------*- C++ -*-===//
//
// One parser for ONNX/numpy einsum equations, shared by the importer (result
// type), the seq.einsum verifier and its lowering (indexing maps).
//
//===----------------------------------------------------------------------===//

#ifndef SEQ_IR_EINSUM_H
#define SEQ_IR_EINSUM_H

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace mlir::seq {

/// An einsum equation resolved against operand shapes. Loops are numbered
/// output dims first (in output order), then the summed labels.
struct EinsumSpec {
  /// Per operand, per dim: the loop it reads, or -1 where a size-1 ellipsis
  /// dim broadcasts against a larger loop (read at index 0).
  SmallVector<SmallVector<int64_t>> operandLoops;
  /// Size of every loop (ShapedType::kDynamic when unknown).
  SmallVector<int64_t> loopSizes;
  /// Number of leading loops that are output dims.
  unsigned numOutputLoops = 0;
  /// The result shape (= loopSizes[0, numOutputLoops)).
  SmallVector<int64_t> resultShape() const {
    return SmallVector<int64_t>(loopSizes.begin(),
                                loopSizes.begin() + numOutputLoops);
  }
};

/// Parses `equation` for operands of `shapes`. On failure returns failure and
/// sets `error` to a message naming the problem.
FailureOr<EinsumSpec> analyzeEinsum(StringRef equation,
                                    ArrayRef<ArrayRef<int64_t>> shapes,
                                    std::string &error);

} // namespace mlir::seq

#endif // SEQ_IR_EINSUM_H
