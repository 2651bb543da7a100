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
    cache fail a run-time check.

    ```mlir
    %c = seq.kv_cache_append %k into %cache at %pos
        : tensor<1x2x1x32xf32> into tensor<1x2x512x32xf32>, tensor<i64>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$update, AnyRankedTensor:$cache,
                       0DTensorOf<[I64]>:$position,
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

#endif // SEQ_KVCACHE_OPS_TD
