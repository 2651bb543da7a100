//===- SeqKVCacheOps.h - KV-cache state ops: allocate, append in place, views for attention -*- C++ -*-===//

#ifndef SEQ_IR_SEQKVCACHEOPS_H
#define SEQ_IR_SEQKVCACHEOPS_H

#include "seq/IR/SeqOps.h"

#define GET_OP_CLASSES
#include "seq/IR/SeqKVCacheOps.h.inc"

#endif // SEQ_IR_SEQKVCACHEOPS_H
