//===- KVCacheScatter.h - opset-24 TensorScatter static caches -*- C++ -*-===//
//
// Part of seq-kv-cache-state (KVCacheState.cpp): the opset-24 form of a KV
// cache, a fixed-size buffer updated by TensorScatter.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_TRANSFORMS_KVCACHESCATTER_H
#define SEQC_TRANSFORMS_KVCACHESCATTER_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace seqc {

/// Raises @main's outputs `present = TensorScatter(past, new, write_indices)`
/// (linear mode, sequence axis 2, imported as seq.scatter_elements) into
/// seq.kv_cache_append of `new` into the cache `past` at a new run-time
/// position argument (`seq.role = "pos"`, returned in `pos`). The
/// write_indices and nonpad_kv_seqlen arguments become that position and
/// position + T (broadcast over the batch) and are removed: the runtime
/// supplies them. `markCache(argIndex, resultIndex)` is called for each
/// cache before any argument is removed. Returns failure (with an error
/// naming the op) when a scatter into a graph input is not such a write;
/// succeeds without changes when there is no scatter into a graph input.
mlir::LogicalResult
raiseScatterCaches(mlir::func::FuncOp fn, mlir::Value &pos,
                   llvm::function_ref<void(unsigned, unsigned)> markCache);

} // namespace seqc

#endif // SEQC_TRANSFORMS_KVCACHESCATTER_H
