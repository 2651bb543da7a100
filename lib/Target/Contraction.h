//===- Contraction.h - the contraction matcher of the backends --*- C++ -*-===//
//
// One matcher for "C (+)= A * B" in linalg form, shared by the CPU
// micro-kernel lowering (seq-lower-to-ukernels) and the CUDA tensor-core
// kernels (seq-gpu-tensor-core-matmul): the body is a float multiply-add and
// the loop roles are upstream's linalg::inferContractionDims.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_TARGET_CONTRACTION_H
#define SEQC_TARGET_CONTRACTION_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"

#include <optional>

namespace seqc::target {

/// True if the body of `op` (two inputs, one init) is
/// `yield(addf(mulf(in0, in1), out))` up to commutation.
inline bool isMulAddBody(mlir::linalg::LinalgOp op) {
  using namespace mlir;
  Block *body = op.getBlock();
  if (!body || body->getNumArguments() != 3 ||
      body->getOperations().size() != 3)
    return false;
  auto yield = dyn_cast<linalg::YieldOp>(body->getTerminator());
  if (!yield || yield.getValues().size() != 1)
    return false;
  auto add = yield.getValues()[0].getDefiningOp<arith::AddFOp>();
  if (!add)
    return false;
  Value acc = body->getArgument(2);
  Value other = add.getLhs() == acc   ? add.getRhs()
                : add.getRhs() == acc ? add.getLhs()
                                      : Value();
  auto mul = other ? other.getDefiningOp<arith::MulFOp>() : nullptr;
  if (!mul)
    return false;
  Value a = body->getArgument(0), b = body->getArgument(1);
  return (mul.getLhs() == a && mul.getRhs() == b) ||
         (mul.getLhs() == b && mul.getRhs() == a);
}

/// The loop roles of a float multiply-add contraction with exactly one
/// reduction loop k (indexing A and B, not C) and at least one m (A and C,
/// not B) and one n (B and C, not A) loop; batch loops index all three.
/// nullopt for anything else.
inline std::optional<mlir::linalg::ContractionDimensions>
matchMulAddContraction(mlir::linalg::LinalgOp op) {
  using namespace mlir;
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      op.getNumReductionLoops() != 1 || !isMulAddBody(op))
    return std::nullopt;
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims) || dims->k.size() != 1 || dims->m.empty() || dims->n.empty())
    return std::nullopt;
  // k must not index C (a reduction into a dim of the result).
  AffineMap mc = op.getIndexingMapsArray()[2];
  if (mc.isFunctionOfDim(dims->k.front()))
    return std::nullopt;
  return *dims;
}

} // namespace seqc::target

#endif // SEQC_TARGET_CONTRACTION_H
