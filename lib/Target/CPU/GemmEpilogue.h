//===- GemmEpilogue.h - elementwise consumers fused into sgemm -*- C++ -*-===//
//
// seq-lower-to-ukernels folds the elementwise linalg.generic that consumes a
// contraction's result (bias, residual, activation) into the
// `seqc_uk_sgemm_ep` call, which applies it to each finished C tile
// (lib/Runtime/ukernels/sgemm_epilogue.c).
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_TARGET_CPU_GEMMEPILOGUE_H
#define SEQC_TARGET_CPU_GEMMEPILOGUE_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <optional>

namespace seqc::target {

/// `consumer` computes out = act(C + pre terms) + post terms, elementwise
/// over C's elements, optionally times gateAct(gate) with the gate as the
/// last term (SwiGLU: up * silu(gate)). For the output and each term,
/// `dims[d]` is the dim of that memref indexed by C's dim d (-1: broadcast,
/// stride 0).
struct GemmEpilogue {
  mlir::linalg::GenericOp consumer;
  int64_t act = 0;      // SEQC_UK_ACT_* (seqc_parallel.h)
  int64_t gateAct = -1; // -1: no gate, else SEQC_UK_ACT_* of the last term
  mlir::Value out;
  llvm::SmallVector<int64_t> outDims;
  llvm::SmallVector<mlir::Value> terms; // pre terms first
  llvm::SmallVector<llvm::SmallVector<int64_t>> termDims;
  int64_t npre = 0;
  /// One pre term is `out` itself (`out += C`): the call accumulates into
  /// out instead of passing it as a term.
  bool accumulate = false;

  /// Word 0 of the runtime descriptor: act, SEQC_UK_EP_GATED and gateAct.
  int64_t descriptorWord() const;
};

/// The epilogue the contraction `op` (on memrefs, writing its whole output
/// buffer without accumulating) can absorb, if any: its only reader is the
/// next op touching that buffer, an all-parallel f32 linalg.generic that
/// reads one element of it per iteration and is otherwise a sum with
/// broadcast or same-shape operands, optionally through a known activation
/// (identified numerically), optionally plus one more operand after it,
/// optionally times a known activation of one more operand (a gate).
std::optional<GemmEpilogue> matchGemmEpilogue(mlir::linalg::GenericOp op);

/// The zero fill of `op`'s whole output that the contraction may absorb
/// (overwrite instead of accumulate): the last op before it in its block
/// that touches the output buffer.
mlir::linalg::FillOp findZeroFill(mlir::linalg::GenericOp op);

} // namespace seqc::target

#endif // SEQC_TARGET_CPU_GEMMEPILOGUE_H
