//===- SeqDialect.cpp - seq dialect registration --------------------------===//

#include "seq/IR/SeqDialect.h"
#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace mlir::seq;

#include "seq/IR/SeqDialect.cpp.inc"

void SeqDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "seq/IR/SeqOps.cpp.inc"
      >();
  registerMoEOps();
  registerKVCacheOps();
  registerQuantOps();
}

Operation *SeqDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                           Type type, Location loc) {
  if (auto typed = dyn_cast<TypedAttr>(value); typed && typed.getType() == type)
    return arith::ConstantOp::create(builder, loc, type, typed);
  return nullptr;
}
