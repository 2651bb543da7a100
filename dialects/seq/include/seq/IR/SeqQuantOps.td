//===- SeqQuantOps.td - Quantized weights and the matmuls that read them -*- tablegen -*-===//
//
// Quantized weights and the matmuls that read them. A family with its own generated files
// (SeqQuantOps.h.inc/.cpp.inc, header seq/IR/SeqQuantOps.h), registered by
// SeqDialect::registerQuantOps().
//
//===----------------------------------------------------------------------===//

#ifndef SEQ_QUANT_OPS_TD
#define SEQ_QUANT_OPS_TD

include "seq/IR/SeqDialect.td"
include "mlir/IR/EnumAttr.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

#endif // SEQ_QUANT_OPS_TD
