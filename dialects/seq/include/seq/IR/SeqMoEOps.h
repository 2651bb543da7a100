//===- SeqMoEOps.h - Mixture-of-experts ops: routing, dispatch/combine, grouped expert matmuls -*- C++ -*-===//

#ifndef SEQ_IR_SEQMOEOPS_H
#define SEQ_IR_SEQMOEOPS_H

#include "seq/IR/SeqOps.h"

#define GET_OP_CLASSES
#include "seq/IR/SeqMoEOps.h.inc"

#endif // SEQ_IR_SEQMOEOPS_H
