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

#endif // SEQ_MOE_OPS_TD
