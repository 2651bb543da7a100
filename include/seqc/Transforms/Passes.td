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
    - RoPE: `x * cos + rotate_half(x) * sin` with rotate_half the
      slice/neg/concat of the two halves of the last dim, or the interleaved
      `stack(-x[..., 1::2], x[..., ::2])` form, over a static 4-D x and
      tables as wide as x's last dim that broadcast onto x -> `seq.rope`
      with full-width tables (any values: no constant is needed). The ONNX
      RotaryEmbedding function body `concat(cos x1 - sin x2, sin x1 + cos x2)`
      (halves or even/odd channels, half tables) -> `seq.rope` with half
      tables; `concat(rope(x[..., :R]), x[..., R:])` -> `rotary_dim = R`;
      tables gathered from caches by position ids become `position_ids`,
      and the body's [B, S, H, D] transposes around the rope its layout.
    - LayerNorm: `(x - mean(x)) / sqrt(mean((x - mean(x))^2) + eps)` (or
      times `reciprocal(sqrt(...))`, `pow(d, 2)` or `d * d`), both means
      over the same trailing dims with keep_dims and `eps` a constant splat
      -> `seq.layer_norm`; a following `* weight` and `+ bias` varying only
      along the normalized dims are folded in.
    - GELU: `0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))` and
      `0.5 * x * (1 + erf(x / sqrt(2)))` in any association, constants equal
      to the reference up to float32 rounding -> `seq.gelu`.
    - SwiGLU: `g * sigmoid(g) * u` in any association -> `seq.swiglu`.
    - Gated attention: `merge_heads(attention) * sigmoid(gate)` -> the gate
      moved into the attention's [B, H, S, Dv] layout, the multiply marked
      `seq.attention_gate` and consuming the attention result directly.
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

def SeqKVCacheState : Pass<"seq-kv-cache-state", "::mlir::ModuleOp"> {
  let summary = "Turn a generation step's past/present tensors into a KV cache "
                "updated in place";
  let description = [{
    For `@main` of a generation step (imported with a run-time past length,
    the `seq.past_len` argument): every graph output that is
    `concat(past, new)` along axis 2 of a rank-4 graph input `past` becomes a
    cache. The input takes the output's full-cache type and is marked
    `seq.role = "cache"`, `seq.cache_index = i`; the concat becomes
    `seq.kv_cache_append new into cache at past_len`, and the output is
    dropped: the step writes only its new positions, in place. Attention
    reading an appended cache gets `kv_seqlen = past_len + T`, so it reads
    only the valid prefix.

    With `present-names` (a prefill graph that has no past), the outputs of
    those names, in that order, are written into new cache arguments at
    position 0. The module attribute `seq.cache_names` lists the outputs
    turned into caches, by cache index.
  }];
  let options = [
    ListOption<"presentNames", "present-names", "std::string",
               "Prefill graphs: the outputs that fill the caches, in cache "
               "order">,
    Option<"maxLen", "max-len", "int64_t", /*default=*/"0",
           "Prefill graphs: the cache capacity in positions">,
    Option<"blockSize", "block-size", "int64_t", /*default=*/"0",
           "Paged caches of blocks of this many positions (0: contiguous): "
           "each cache becomes [B * max_len / block, H, block, D] with a "
           "`seq.block_table` argument, and attention reads a gathered view">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::seq::SeqDialect"];
}

def SeqSSMState : Pass<"seq-ssm-state", "::mlir::ModuleOp"> {
  let summary = "Turn a generation step's past/present recurrent states into "
                "session-owned state updated in place";
  let description = [{
    For `@main` of a generation step: every output that is the final state
    of a `seq.linear_scan` (or the new state of a `seq.causal_conv`) whose
    initial state is a graph input of the same type makes that input the
    state: it is marked `seq.role = "state"`, `seq.state_index = i`, the
    output is dropped, and the final state is materialized into the
    argument's buffer (`bufferization.materialize_in_destination` into a
    `to_buffer` of the argument taken before any use), which the in-place
    scan makes a self-copy that folds away. Other outputs stay outputs.

    With `present-names` (a prefill graph without past states), the outputs
    of those names, in that order, are written into new state arguments.
    The module attribute `seq.state_names` lists the outputs turned into
    states, by state index. Finding none is not an error.
  }];
  let options = [
    ListOption<"presentNames", "present-names", "std::string",
               "Prefill graphs: the outputs that fill the states, in state "
               "order">
  ];
  let dependentDialects = ["::mlir::bufferization::BufferizationDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::seq::SeqDialect"];
}

// Linalg-level optimizations (lib/Transforms, after seq-to-linalg).

def SeqFuseElementwise : Pass<"seq-fuse-elementwise"> {
  let summary = "Fuse elementwise linalg producers into parallel consumers";
  let description = [{
    Like upstream `linalg-fuse-elementwise-ops`, but never fuses a producer
    into a consumer with reduction loops: there the producer would be
    recomputed once per reduction step (e.g. a GELU recomputed for every
    output column of the following matmul), and never fuses a producer that
    has several users (it would be recomputed in each of them: on gpt2 that
    cost 25% of the run).
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def SeqFuseProjections : Pass<"seq-fuse-projections"> {
  let summary = "One matmul for projections of the same input (q, k, v)";
  let description = [{
    `seq.matmul`s that multiply the same value by 2-D f32 constants of the
    same K (a llama attention's separate q, k and v projections) become one
    matmul by the constants concatenated along N at compile time, and each
    result a `tensor.extract_slice` of its columns: one GEMM packs the input
    once, and the narrow k/v products (N = 128 on llama_mid) run at the
    wide product's rate. Projections whose results meet in one op (SwiGLU's
    gate and up) are left alone: seq-lower-to-ukernels makes that op the up
    product's gated epilogue instead. Bias adds by 1-D constants are
    concatenated too. In the default pipeline but off (measured no faster
    on llama_mid): `enable=true` or $SEQC_FUSE_PROJECTIONS=1 turns it on,
    $SEQC_FUSE_PROJECTIONS=0 off.
  }];
  let options = [
    Option<"enable", "enable", "bool", /*default=*/"false",
           "Fuse (without $SEQC_FUSE_PROJECTIONS, which overrides it)">,
  ];
  let dependentDialects = ["::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect"];
}

def SeqCloneSharedFills : Pass<"seq-clone-shared-fills"> {
  let summary = "Give every user of a shared linalg.fill its own fill";
  let description = [{
    CSE merges identical `linalg.fill`s (e.g. the zero init of every
    projection matmul), so one filled tensor becomes the `outs` of several
    contractions. Bufferization then fills one buffer and copies it into each
    destination, and the copy keeps seq-lower-to-ukernels from folding the
    zero fill into the micro-kernel call. Cloning the fill next to each
    extra user replaces every copy with a (cheap, often folded) fill.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def SeqApproximateMath : Pass<"seq-approximate-math"> {
  let summary = "Replace f32 transcendental math ops with polynomial "
                "approximations";
  let description = [{
    Without this, `math.exp`/`tanh`/`erf`/`log` lower to scalar libm calls,
    which keep LLVM from vectorizing the elementwise loops around them
    (softmax, SiLU/sigmoid, GELU). MLIR's polynomial approximations are plain
    arithmetic (accurate to a few ulp), so those loops vectorize. Only f32
    ops are rewritten; f64 keeps libm.
  }];
  let options = [
    ListOption<"ops", "ops", "std::string",
               "Math op mnemonics to approximate (default: exp, expm1, "
               "tanh, erf, log, log1p, log2)">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::vector::VectorDialect"];
}

def SeqReassociateReductions : Pass<"seq-reassociate-reductions"> {
  let summary = "Mark float ops in linalg reduction bodies reassociable";
  let description = [{
    Adds `fastmath<reassoc, contract>` to the addf/mulf/max/min ops inside
    linalg ops with reduction loops, so that LLVM's loop vectorizer can
    vectorize the resulting reduction loops (sums and maxima of norms,
    softmax, the attention cascade). Results change only by rounding.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def SeqKVCacheQuantize : Pass<"seq-kv-cache-quantize", "::mlir::ModuleOp"> {
  let summary = "Store the KV caches of a generation step (seq-kv-cache-state) "
                "as int8 with one f32 scale per (batch, head, position) row";
  let description = [{
    After seq-kv-cache-state, every float cache argument of @main becomes an
    i8 cache plus a companion cache of per-row scales (`seqc
    --quantize=kv8`). Caches read by anything but seq.kv_cache_append, and
    caches that are not rank-4 f32, are errors.
  }];
  let dependentDialects = ["::mlir::seq::SeqDialect"];
}

def SeqQuantizeWeights : Pass<"seq-quantize-weights", "::mlir::ModuleOp"> {
  let summary = "Quantize constant matmul weights (seq.matmul -> "
                "seq.quant_matmul)";
  let description = [{
    Every seq.matmul with a constant f32 [K, N] weight of at least
    `min-elements` elements becomes seq.quant_matmul with the weight in
    blocks of `group` k per scale, `bits`-bit integers and (with `asym`) a
    zero point per block, the scales in f32 or (with `f16-scales`) f16
    (`seqc --quantize=w8|w4[:group=N][:sym|:asym][:scale=f16]`).
  }];
  let options = [
    Option<"bits", "bits", "int64_t", "4", "4 or 8">,
    Option<"group", "group", "int64_t", "32",
           "block of k per scale (power of 2)">,
    Option<"asym", "asym", "bool", "true",
           "asymmetric (zero point per block)">,
    Option<"f16Scales", "f16-scales", "bool", "false",
           "store the scales in f16">,
    Option<"minElements", "min-elements", "int64_t", "4096",
           "leave weights with fewer elements in f32">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def SeqRaiseQdqMatMul : Pass<"seq-raise-qdq-matmul", "::mlir::ModuleOp"> {
  let summary = "Blocked DequantizeLinear(constant int4/int8) -> MatMul as "
                "seq.quant_matmul";
  let description = [{
    The import of a blocked DequantizeLinear of constant int4/int8 weights
    feeding a MatMul, `matmul(x, (cast(Q) - cast(gather(Z))) * gather(S))`
    (or without Z) with blocks of B rows of the [K, N] weight, becomes
    seq.quant_matmul with the same integers (shifted to unsigned) and
    scales; anything else is left alone.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

#endif // SEQC_TRANSFORMS_PASSES
