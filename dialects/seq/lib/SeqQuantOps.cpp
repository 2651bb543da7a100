//===- SeqQuantOps.cpp - Quantized weights and the matmuls that read them ---------------------===//

#include "seq/IR/SeqQuantOps.h"

using namespace mlir;
using namespace mlir::seq;

#define GET_OP_CLASSES
#include "seq/IR/SeqQuantOps.cpp.inc"

void SeqDialect::registerQuantOps() {
  addOperations<
#define GET_OP_LIST
#include "seq/IR/SeqQuantOps.cpp.inc"
      >();
}
