//===- CostReport.h - pieces of the seq-cascade-report table ----*- C++ -*-===//

#ifndef SEQC_LIB_TRANSFORMS_COSTREPORT_H
#define SEQC_LIB_TRANSFORMS_COSTREPORT_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cstdint>
#include <string>

namespace seqc {

/// Bytes of a static tensor type (0 otherwise).
inline int64_t bytesOf(mlir::Type t) {
  auto rt = mlir::dyn_cast<mlir::RankedTensorType>(t);
  if (!rt || !rt.hasStaticShape())
    return 0;
  unsigned bits = rt.getElementType().getIntOrFloatBitWidth();
  return rt.getNumElements() * std::max(1u, bits / 8);
}

/// Float work of one execution of a linalg op: (flops, transcendentals).
inline std::pair<int64_t, int64_t> opWork(mlir::linalg::LinalgOp op) {
  llvm::SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t points = 1;
  for (int64_t r : ranges)
    points *= mlir::ShapedType::isDynamic(r) ? 1 : r;
  int64_t flops = 0, trans = 0;
  for (mlir::Operation &inner : op->getRegion(0).front()) {
    if (inner.getNumResults() != 1 ||
        !mlir::isa<mlir::FloatType>(inner.getResult(0).getType()))
      continue;
    if (mlir::isa<mlir::math::FmaOp>(inner))
      flops += 2;
    else if (mlir::isa<mlir::math::ExpOp, mlir::math::Exp2Op,
                       mlir::math::TanhOp, mlir::math::LogOp,
                       mlir::math::ErfOp>(inner))
      ++trans; // an exp expanded into a polynomial counts as its flops
    else if (mlir::isa<mlir::arith::AddFOp, mlir::arith::SubFOp,
                       mlir::arith::MulFOp, mlir::arith::DivFOp,
                       mlir::arith::MaximumFOp, mlir::arith::MaxNumFOp,
                       mlir::arith::MinimumFOp, mlir::arith::MinNumFOp,
                       mlir::arith::NegFOp>(inner))
      ++flops;
  }
  return {points * flops, points * trans};
}

/// `v` with a K/M/G/T suffix and two decimals from 1000 on; "-" when
/// negative (unknown).
inline std::string humanCount(double v) {
  if (v < 0)
    return "-";
  const char *units[] = {"", "K", "M", "G", "T"};
  int u = 0;
  while (v >= 1000.0 && u < 4) {
    v /= 1000.0;
    ++u;
  }
  return u == 0 ? std::to_string(static_cast<int64_t>(v))
                : llvm::formatv("{0:f2}{1}", v, units[u]).str();
}

/// The seq.moe rows (MoECostReport.cpp).
std::string moeCostReport(mlir::Operation *root);
/// The seq.linear_scan rows (ScanCostReport.cpp).
std::string scanCostReport(mlir::Operation *root);

} // namespace seqc

#endif
