//===- SeqMoEOps.td - Mixture-of-experts ops: routing, dispatch/combine, grouped expert matmuls -*- tablegen -*-===//
//
// Mixture-of-experts ops: routing, dispatch/combine, grouped expert matmuls. A family with its own generated files
// (SeqMoEOps.h.inc/.cpp.inc, header seq/IR/SeqMoEOps.h), registered by
// SeqDialect::registerMoEOps().
//
//===----------------------------------------------------------------------===//

#ifndef SEQ_MOE_OPS_TD
#define SEQ_MOE_OPS_TD

include "seq/IR/SeqDialect.td"
include "mlir/IR/EnumAttr.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Seq_MoEGateOp : Seq_Op<"moe_gate", [Pure]> {
  let summary = "top-k softmax gating of a mixture of experts";
  let description = [{
    `logits` [T, E] are the router's scores of T tokens for E experts.
    `weights` [T, k] = the k largest of softmax(logits) along E (sorted
    descending, equal values keep the lower expert first), `indices` [T, k]
    (i64) their experts. With `normalize` the k weights of a token are divided
    by their sum (Mixtral, Qwen3-MoE with norm_topk_prob, OLMoE).

    ```mlir
    %w, %i = seq.moe_gate %logits k = 2 normalize
        : tensor<128x16xf32> -> tensor<128x2xf32>, tensor<128x2xi64>
    ```
  }];
  let arguments = (ins RankedTensorOf<[F32]>:$logits, I64Attr:$k,
                       UnitAttr:$normalize);
  let results = (outs RankedTensorOf<[F32]>:$weights,
                      RankedTensorOf<[I64]>:$indices);
  let assemblyFormat = [{
    $logits `k` `=` $k (`normalize` $normalize^)? attr-dict `:`
    type($logits) `->` type($weights) `,` type($indices)
  }];
  let hasVerifier = 1;
}

def Seq_MoEOp : Seq_Op<"moe", [Pure, AttrSizedOperandSegments]> {
  let summary = "routed experts (+ optional shared expert) of a mixture of experts";
  let description = [{
    `input` [T, H]: T tokens. `weights` [T, K] and `indices` [T, K] (integer)
    route token t to experts indices[t, j] with weights weights[t, j] (e.g.
    from `seq.moe_gate`). The result [T, H] is

      sum_j weights[t, j] * expert_{indices[t, j]}(input[t])
        (+ sigmoid(shared_gate . input[t]) * shared(input[t]))

    Experts 0..E-1 have the kinds `kinds` (default: every expert is `ffn`):
    - `ffn`: the next slot f of `up_weights` [F, N, H] and `down_weights`
      [F, H, I] (torch Linear layout, out x in): down_f(act(up_f x)), where
      `activation = swiglu` splits up_f x into [gate | up] halves (N = 2 I)
      and computes silu(gate) * up, and `gelu` / `gelu_tanh` (N = I) apply
      GELU;
    - `zero`: 0 (MoE++ "discard"), `copy`: x ("skip"), `constant`: the next
      row of `constants` [C, H] ("replace"); these run no matmul.
    The optional shared expert (Qwen2-MoE) has `shared_up` [Ns, H],
    `shared_down` [H, Is] with the same activation, and, if present, the
    sigmoid gate `shared_gate` [1, H]; it runs on every token.

    ```mlir
    %y = seq.moe %x, %w, %i experts(%up, %down) activation = swiglu
        : (tensor<128x512xf32>, tensor<128x2xf32>, tensor<128x2xi64>,
           tensor<16x1024x512xf32>, tensor<16x512x512xf32>) -> tensor<128x512xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[F32]>:$input,
                       RankedTensorOf<[F32]>:$weights,
                       RankedTensorOf<[AnyInteger]>:$indices,
                       RankedTensorOf<[F32]>:$up_weights,
                       RankedTensorOf<[F32]>:$down_weights,
                       Optional<RankedTensorOf<[F32]>>:$shared_up,
                       Optional<RankedTensorOf<[F32]>>:$shared_down,
                       Optional<RankedTensorOf<[F32]>>:$shared_gate,
                       Optional<RankedTensorOf<[F32]>>:$constants,
                       I32Attr:$activation,
                       OptionalAttr<DenseI32ArrayAttr>:$kinds);
  let results = (outs RankedTensorOf<[F32]>:$result);
  let assemblyFormat = [{
    $input `,` $weights `,` $indices `experts` `(` $up_weights `,` $down_weights `)`
    (`shared` `(` $shared_up^ `,` $shared_down (`gate` $shared_gate^)? `)`)?
    (`constants` `(` $constants^ `)`)?
    custom<MoEAttrs>($activation, $kinds) attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    MoEActivation getActivationKind() {
      return static_cast<MoEActivation>(getActivation());
    }
    /// The kind of every routed expert (all `ffn` without `kinds`).
    SmallVector<MoEExpertKind> getExpertKinds();
    /// Number of routed experts E (the range of `indices`).
    int64_t getNumExperts();
  }];
}

#endif // SEQ_MOE_OPS_TD
