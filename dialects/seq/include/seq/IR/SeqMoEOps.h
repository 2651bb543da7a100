//===- SeqMoEOps.h - Mixture-of-experts ops: routing, dispatch/combine, grouped
//expert matmuls -*- C++ -*-===//

#ifndef SEQ_IR_SEQMOEOPS_H
#define SEQ_IR_SEQMOEOPS_H

#include "seq/IR/SeqOps.h"

namespace mlir::seq {
/// Expert activation of seq.moe (its `activation` attribute).
enum class MoEActivation : int32_t { swiglu = 0, gelu = 1, gelu_tanh = 2 };
/// Kind of one routed expert of seq.moe (MoE++: zero/copy/constant experts
/// run no matmul). The values are the runtime's (lib/Runtime/ukernels/moe.c).
enum class MoEExpertKind : int32_t {
  ffn = 0,
  zero = 1,
  copy = 2,
  constant = 3
};

StringRef stringifyMoEActivation(MoEActivation a);
StringRef stringifyMoEExpertKind(MoEExpertKind k);
} // namespace mlir::seq

#define GET_OP_CLASSES
#include "seq/IR/SeqMoEOps.h.inc"

#endif // SEQ_IR_SEQMOEOPS_H
