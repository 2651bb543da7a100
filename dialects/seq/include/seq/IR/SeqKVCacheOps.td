//===- SeqKVCacheOps.td - KV-cache state ops: allocate, append in place, views for attention -*- tablegen -*-===//
//
// KV-cache state ops: allocate, append in place, views for attention. A family with its own generated files
// (SeqKVCacheOps.h.inc/.cpp.inc, header seq/IR/SeqKVCacheOps.h), registered by
// SeqDialect::registerKVCacheOps().
//
//===----------------------------------------------------------------------===//

#ifndef SEQ_KVCACHE_OPS_TD
#define SEQ_KVCACHE_OPS_TD

include "seq/IR/SeqDialect.td"
include "mlir/IR/EnumAttr.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Seq_KVCacheAppendOp : Seq_Op<"kv_cache_append", [Pure,
    AllTypesMatch<["cache", "result"]>]> {
  let summary = "write a step's keys or values into a KV cache at a run-time position";
  let description = [{
    The cache holds `max_len` positions of one layer's keys (or values); a
    generation step appends the T positions it computed. Value semantics:
    the result is `cache` with `update` written at positions
    [position, position + T) and everything else unchanged. Bufferization
    writes in place when `cache` is a writable buffer (the session's own
    cache, a function argument), so a step writes only its new positions and
    copies nothing.

    Contiguous layout (no `block_table`): cache [B, H, max_len, D], update
    [B, H, T, D]. Paged layout: cache [num_blocks, H, block_size, D] and
    `block_table` [B, max_blocks] (integer); logical position t of batch row
    b lives in block `block_table[b, t / block_size]` at offset
    `t % block_size`. `position` is a rank-0 i64 tensor; positions past the
    cache fail a run-time check. A contiguous append also takes one position
    per batch row (i64 [B]: row b is written at [position[b],
    position[b] + T)), the per-row write offsets of GroupQueryAttention's
    seqlens_k (right-padded rows of different lengths).

    ```mlir
    %c = seq.kv_cache_append %k into %cache at %pos
        : tensor<1x2x1x32xf32> into tensor<1x2x512x32xf32>, tensor<i64>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$update, AnyRankedTensor:$cache,
                       TensorOf<[I64]>:$position,
                       Optional<AnyRankedTensor>:$block_table);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $update `into` $cache `at` $position (`blocks` $block_table^)? attr-dict
    `:` type($update) `into` type($cache) `,` type($position)
    (`,` type($block_table)^)?
  }];
  let builders = [
    OpBuilder<(ins "Value":$update, "Value":$cache, "Value":$position), [{
      build($_builder, $_state, update, cache, position, Value());
    }]>];
  let extraClassDeclaration = [{
    bool isPaged() { return static_cast<bool>(getBlockTable()); }
  }];
  let hasVerifier = 1;
}

def Seq_KVCacheViewOp : Seq_Op<"kv_cache_view", [Pure]> {
  let summary = "the first positions of a paged KV cache as a contiguous tensor";
  let description = [{
    Reads positions [0, L) of every batch row of a paged cache
    ([num_blocks, H, block_size, D], `block_table` [B, max_blocks]) as
    [B, H, L, D], L the result's third dim (at most max_blocks *
    block_size). A contiguous cache needs no view: attention reads it
    directly with `kv_seqlen`.

    ```mlir
    %k = seq.kv_cache_view %cache blocks %table
        : tensor<8x2x16x32xf32>, tensor<1x4xi32> -> tensor<1x2x64x32xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$cache, AnyRankedTensor:$block_table);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $cache `blocks` $block_table attr-dict `:` type($cache) `,`
    type($block_table) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Seq_KVCacheQuantizeOp : Seq_Op<"kv_cache_quantize", [Pure]> {
  let summary = "a step's key or value rows as int8 with one scale a row";
  let description = [{
    Quantizes each row of D values of `input` [B, H, T, D] (float)
    symmetrically: `scale = max|x| / 127` (0 for an all-zero row), `values =
    round(x / scale)` in [-127, 127] (0 where the scale is 0). `scales` is
    [B, H, T, 1] in the input's element type, so that it is itself a KV cache
    of rows of one element that `seq.kv_cache_append` can write. A row is
    quantized alone: appending never rescales the rows already in a cache
    (`seqc --quantize=kv8`, seq-kv-cache-quantize).

    ```mlir
    %q, %s = seq.kv_cache_quantize %k
        : tensor<1x2x1x32xf32> -> tensor<1x2x1x32xi8>, tensor<1x2x1x1xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$values, AnyRankedTensor:$scales);
  let assemblyFormat = [{
    $input attr-dict `:` type($input) `->` type($values) `,` type($scales)
  }];
  let hasVerifier = 1;
}

def Seq_KVCacheDequantOp : Seq_Op<"kv_cache_dequant", [Pure]> {
  let summary = "an int8 KV cache with row scales read as floats";
  let description = [{
    `result[b, h, t, d] = values[b, h, t, d] * scales[b, h, t, 0]`, values
    [B, H, L, D] i8 and scales [B, H, L, 1] float (the result's element
    type). Tiled attention (seq-tile-attention) reading a kv_seqlen prefix
    looks through this op and dequantizes one K/V tile at a time inside its
    tile loop; any other reader gets the whole dequantized tensor.

    ```mlir
    %k = seq.kv_cache_dequant %q scales %s
        : tensor<1x2x64x32xi8>, tensor<1x2x64x1xf32> -> tensor<1x2x64x32xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$values, AnyRankedTensor:$scales);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $values `scales` $scales attr-dict `:` type($values) `,` type($scales)
    `->` type($result)
  }];
  let hasVerifier = 1;
}

#endif // SEQ_KVCACHE_OPS_TD
