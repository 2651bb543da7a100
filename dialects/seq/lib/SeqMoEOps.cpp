//===- SeqMoEOps.cpp - Mixture-of-experts ops: routing, dispatch/combine, grouped expert matmuls ---------------------===//

#include "seq/IR/SeqMoEOps.h"

using namespace mlir;
using namespace mlir::seq;

#define GET_OP_CLASSES
#include "seq/IR/SeqMoEOps.cpp.inc"

void SeqDialect::registerMoEOps() {
  addOperations<
#define GET_OP_LIST
#include "seq/IR/SeqMoEOps.cpp.inc"
      >();
}
