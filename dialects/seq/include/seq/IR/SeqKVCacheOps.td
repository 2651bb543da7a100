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

#endif // SEQ_KVCACHE_OPS_TD
