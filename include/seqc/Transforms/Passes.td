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

def SeqCascadeReport : Pass<"seq-cascade-report", "::mlir::ModuleOp"> {
  let summary = "Print passes over K/V, buffers, FLOPs and bytes of each "
                "attention cascade";
  let description = [{
    Runs on linalg-on-tensors IR produced from seq.attention (the naive
    cascade of `seq-to-linalg` or the tiled cascade of `seq-tile-attention`)
    and prints one table row per cascade to stdout: passes over the K/V rank
    derived from the dependence structure (a full K/V reduction feeding an op
    that iterates K/V again starts a new pass; a K/V tile loop is one pass),
    passes over each on-chip tile, working-set bytes, K/V-sized intermediates
    crossing passes, FLOPs, exponentials, bytes moved and K/V tiles visited
    out of the dense count. The IR is left unchanged.
  }];
}

#endif // SEQC_TRANSFORMS_PASSES
