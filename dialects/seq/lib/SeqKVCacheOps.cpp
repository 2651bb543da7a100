//===- SeqKVCacheOps.cpp - KV-cache state ops: allocate, append in place, views for attention ---------------------===//

#include "seq/IR/SeqKVCacheOps.h"

using namespace mlir;
using namespace mlir::seq;

#define GET_OP_CLASSES
#include "seq/IR/SeqKVCacheOps.cpp.inc"

void SeqDialect::registerKVCacheOps() {
  addOperations<
#define GET_OP_LIST
#include "seq/IR/SeqKVCacheOps.cpp.inc"
      >();
}
