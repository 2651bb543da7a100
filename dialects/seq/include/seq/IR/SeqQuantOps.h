//===- SeqQuantOps.h - Quantized weights and the matmuls that read them -*- C++ -*-===//

#ifndef SEQ_IR_SEQQUANTOPS_H
#define SEQ_IR_SEQQUANTOPS_H

#include "seq/IR/SeqOps.h"

#define GET_OP_CLASSES
#include "seq/IR/SeqQuantOps.h.inc"

#endif // SEQ_IR_SEQQUANTOPS_H
