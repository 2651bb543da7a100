//===- SeqRecurrenceOps.td - linear_scan, causal_conv ------*- tablegen -*-===//
//
// Linear recurrences with a matrix state per head (linear attention, GLA,
// RetNet, DeltaNet, Gated DeltaNet) and the stateful causal depthwise
// convolution that precedes them in Mamba / Gated DeltaNet blocks. Both
// carry an explicit state in and out, so one op serves prefill (T > 1) and
// decode (T = 1). Included from SeqOps.td.
//
//===----------------------------------------------------------------------===//

#ifndef SEQ_RECURRENCE_OPS_TD
#define SEQ_RECURRENCE_OPS_TD

def Seq_LinearScanRule : I32EnumAttr<"LinearScanRule",
    "linear_scan state update rule", [
    I32EnumAttrCase<"additive", 0>, I32EnumAttrCase<"delta", 1>]> {
  let cppNamespace = "::mlir::seq";
}

def Seq_LinearScanOp : Seq_Op<"linear_scan", [Pure,
    AttrSizedOperandSegments]> {
  let summary = "per-head linear recurrence with a [Dk, Dv] matrix state";
  let description = [{
    Q is [B, Hq, T, Dk], K is [B, Hkv, T, Dk], V is [B, Hkv, T, Dv] with Hq a
    multiple of Hkv: query head h reads the state of kv head h / (Hq / Hkv)
    (GQA; MQA is Hkv = 1). Per kv head, with S_{-1} = `initial_state`
    ([B, Hkv, Dk, Dv], zeros when absent) and for t in [0, T):

      A_t  = exp(decay_t)                  (1 without `decay`)
      S'   = A_t ⊙ S_{t-1}                 (A_t scales row i of S by
                                            A_t[i], or all of S when
                                            decay's last dim is 1)
      additive: S_t = S' + k_t v_tᵀ
      delta:    S_t = S' + β_t k_t (v_t - S'ᵀ k_t)ᵀ
                    = S' (I - β_t k_t k_tᵀ)ᵀ + β_t k_t v_tᵀ
      o_t  = scale · S_tᵀ q_t

    `decay` is a log-space gate [B, Hkv, T, Dk] (diagonal: per key
    channel, GLA / RWKV-6) or [B, Hkv, T, 1] (scalar per head, RetNet /
    Mamba-2 / Gated DeltaNet). `beta` ([B, Hkv or 1, T, 1]) is the delta
    rule's update rate and exists iff `rule` is `delta`.

    Results: the output [B, Hq, T, Dv] (Q's element type) and the final
    state S_{T-1} (the initial state's type, or [B, Hkv, Dk, Dv] of Q's
    element type without one). The state is accumulated in at least f32.
    `chunk_size` (0: sequential) is a hint for a chunk-parallel prefill; it
    does not change the results beyond rounding.

    ```mlir
    %o, %s = seq.linear_scan delta %q, %k, %v state %s0 decay %g beta %b
        scale = 0.353553385 : (tensor<2x8x4x8xf32>, tensor<2x4x4x8xf32>,
        tensor<2x4x4x8xf32>, tensor<2x4x8x8xf32>, tensor<2x4x4x8xf32>,
        tensor<2x4x4x1xf32>) -> (tensor<2x8x4x8xf32>, tensor<2x4x8x8xf32>)
    ```
  }];
  let arguments = (ins AnyRankedTensor:$query, AnyRankedTensor:$key,
                       AnyRankedTensor:$value,
                       Optional<AnyRankedTensor>:$initial_state,
                       Optional<AnyRankedTensor>:$decay,
                       Optional<AnyRankedTensor>:$beta,
                       Seq_LinearScanRule:$rule, F32Attr:$scale,
                       DefaultValuedAttr<I64Attr, "0">:$chunk_size);
  let results = (outs AnyRankedTensor:$result, AnyRankedTensor:$final_state);
  let assemblyFormat = [{
    $rule $query `,` $key `,` $value (`state` $initial_state^)?
    (`decay` $decay^)? (`beta` $beta^)? `scale` `=` $scale
    (`chunk_size` `=` $chunk_size^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Query heads per kv head (Hq / Hkv).
    int64_t getGroupSize();
  }];
}

def Seq_CausalConvActivation : I32EnumAttr<"CausalConvActivation",
    "causal_conv fused activation", [
    I32EnumAttrCase<"none", 0>, I32EnumAttrCase<"silu", 1>]> {
  let cppNamespace = "::mlir::seq";
}

def Seq_CausalConvOp : Seq_Op<"causal_conv", [Pure,
    AttrSizedOperandSegments]> {
  let summary = "causal depthwise 1-D convolution with a carried state";
  let description = [{
    `input` is [B, C, L], `weight` [C, K] (one kernel per channel), `bias`
    [C], `state` [B, C, K - 1] (the K - 1 positions before the input; zeros
    when absent). With P = concat(state, input) along the last dim:

      y[b, c, l] = act(bias[c] + sum_k P[b, c, l + k] * weight[c, k])
      new_state  = P[:, :, L : L + K - 1]

    `act` is the identity or `silu` (x · sigmoid(x)). Results: y (the
    input's type) and new_state ([B, C, K - 1]). Accumulates in at least
    f32.

    ```mlir
    %y, %s = seq.causal_conv %x, %w bias %b state %s0 activation = silu
        : (tensor<2x4x8xf32>, tensor<4x3xf32>, tensor<4xf32>,
           tensor<2x4x2xf32>) -> (tensor<2x4x8xf32>, tensor<2x4x2xf32>)
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$weight,
                       Optional<AnyRankedTensor>:$bias,
                       Optional<AnyRankedTensor>:$state,
                       DefaultValuedAttr<Seq_CausalConvActivation,
                           "::mlir::seq::CausalConvActivation::none">:$activation);
  let results = (outs AnyRankedTensor:$result, AnyRankedTensor:$new_state);
  let assemblyFormat = [{
    $input `,` $weight (`bias` $bias^)? (`state` $state^)?
    (`activation` `=` $activation^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

#endif // SEQ_RECURRENCE_OPS_TD
