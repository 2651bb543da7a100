//===- Passes.td - seqc seq-level transformation passes ----*- tablegen -*-===//

#ifndef SEQC_TRANSFORMS_PASSES
#define SEQC_TRANSFORMS_PASSES

include "mlir/Pass/PassBase.td"

def SeqRaise : Pass<"seq-raise"> {
  let summary = "Raise decomposed exporter patterns into seq ops";
  let description = [{
    Exporters targeting older opsets spell sequence-model ops out as chains
    of elementwise ops, reductions and matmuls. This pass recognizes those
    chains and replaces them with the fused seq op when the semantics match
    exactly:

    - RMSNorm: `x * reciprocal(sqrt(mean(x * x) + eps)) * weight` (also
      `x / sqrt(...)` and `pow(x, 2)`), mean over the last axis with
      keep_dims and `eps` a constant splat -> `seq.rms_norm`.
    - Attention: `softmax(scale * Q Kᵀ (+ mask)) V` over the last axis, with
      the scale a constant (on the scores, or split over Q and Kᵀ), the
      mask a float tensor added to the scores or an i1 tensor selecting
      against -inf, and repeat-kv broadcasts of K/V folded away (GQA) ->
      `seq.attention`. The `where(is_nan(p), 0, p)` guard torch places after
      the softmax is absorbed only when no row can be fully masked (no mask,
      or a constant all-finite float mask).
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::seq::SeqDialect"];
}

#endif // SEQC_TRANSFORMS_PASSES
