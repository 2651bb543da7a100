//===- SeqKVCacheOps.cpp - KV-cache state ops: allocate, append in place, views
//for attention ---------------------===//

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

/// Shared checks of a cache operand: rank 4, static, the update's element
/// type; paged caches come with an integer [B, max_blocks] table.
static LogicalResult verifyCache(Operation *op, RankedTensorType cache,
                                 RankedTensorType rows, Value blockTable,
                                 StringRef rowsName) {
  if (cache.getRank() != 4 || rows.getRank() != 4)
    return op->emitOpError("expects rank-4 cache and ")
           << rowsName << ", got " << cache << " and " << rows;
  if (!cache.hasStaticShape())
    return op->emitOpError("expects a statically shaped cache, got ") << cache;
  if (cache.getElementType() != rows.getElementType())
    return op->emitOpError("cache element type ")
           << cache.getElementType() << " differs from the " << rowsName
           << "'s " << rows.getElementType();
  auto dimsMatch = [&](int64_t a, int64_t b) {
    return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
  };
  if (!dimsMatch(cache.getDimSize(1), rows.getDimSize(1)) ||
      !dimsMatch(cache.getDimSize(3), rows.getDimSize(3)))
    return op->emitOpError("cache ")
           << cache << " and " << rowsName << " " << rows
           << " differ in heads (dim 1) or head size (dim 3)";
  if (!blockTable) {
    if (!dimsMatch(cache.getDimSize(0), rows.getDimSize(0)))
      return op->emitOpError("cache batch ")
             << cache.getDimSize(0) << " differs from the " << rowsName << "'s "
             << rows.getDimSize(0);
    return success();
  }
  auto table = cast<RankedTensorType>(blockTable.getType());
  if (table.getRank() != 2 || !table.getElementType().isSignlessInteger())
    return op->emitOpError("expects a rank-2 integer block table, got ")
           << table;
  if (!dimsMatch(table.getDimSize(0), rows.getDimSize(0)))
    return op->emitOpError("block table rows ")
           << table.getDimSize(0) << " differ from the " << rowsName
           << "'s batch " << rows.getDimSize(0);
  return success();
}

LogicalResult KVCacheAppendOp::verify() {
  auto cache = cast<RankedTensorType>(getCache().getType());
  auto update = cast<RankedTensorType>(getUpdate().getType());
  if (getResult().getType() != cache)
    return emitOpError("result type ")
           << getResult().getType() << " differs from the cache type " << cache;
  if (failed(verifyCache(*this, cache, update, getBlockTable(), "update")))
    return failure();
  // One position for all rows, or (contiguous) one per batch row.
  auto pos = dyn_cast<RankedTensorType>(getPosition().getType());
  if (!pos || pos.getRank() > 1)
    return emitOpError("expects a rank-0 or [batch] position, got ")
           << getPosition().getType();
  if (pos.getRank() == 1) {
    if (isPaged())
      return emitOpError("a paged append takes one rank-0 position, got ")
             << pos;
    if (pos.getDimSize(0) != cache.getDimSize(0))
      return emitOpError("per-row position ")
             << pos << " differs from the cache batch " << cache.getDimSize(0);
  }
  int64_t t = update.getDimSize(2);
  if (!isPaged() && !ShapedType::isDynamic(t) && t > cache.getDimSize(2))
    return emitOpError("update of ")
           << t << " positions does not fit a cache of " << cache.getDimSize(2);
  return success();
}

LogicalResult KVCacheViewOp::verify() {
  auto cache = cast<RankedTensorType>(getCache().getType());
  auto result = cast<RankedTensorType>(getResult().getType());
  if (failed(verifyCache(*this, cache, result, getBlockTable(), "result")))
    return failure();
  auto table = cast<RankedTensorType>(getBlockTable().getType());
  int64_t len = result.getDimSize(2);
  if (!result.hasStaticShape() || table.isDynamicDim(1))
    return emitOpError("expects a static result and block table width");
  if (len > table.getDimSize(1) * cache.getDimSize(2))
    return emitOpError("view of ")
           << len << " positions exceeds the table's " << table.getDimSize(1)
           << " blocks of " << cache.getDimSize(2);
  return success();
}

/// Shared checks of int8 rows and their scales: rank-4 `values` of
/// signless i8, float `scales` of the same shape with a last dim of 1,
/// `floats` (the float side) of the values' shape.
static LogicalResult verifyQuantRows(Operation *op, RankedTensorType floats,
                                     RankedTensorType values,
                                     RankedTensorType scales,
                                     StringRef floatName) {
  if (floats.getRank() != 4)
    return op->emitOpError("expects a rank-4 ")
           << floatName << " [B, H, T, D], got " << floats;
  if (!isa<FloatType>(floats.getElementType()))
    return op->emitOpError("expects a float ")
           << floatName << ", got " << floats;
  if (!values.getElementType().isSignlessInteger(8))
    return op->emitOpError("expects i8 values, got ") << values;
  if (values.getShape() != floats.getShape())
    return op->emitOpError("values ") << values << " and " << floatName << " "
                                      << floats << " differ in shape";
  if (scales.getElementType() != floats.getElementType())
    return op->emitOpError("scale element type ")
           << scales.getElementType() << " differs from the " << floatName
           << "'s " << floats.getElementType();
  SmallVector<int64_t> rowShape(floats.getShape());
  rowShape[3] = 1;
  if (scales.getShape() != ArrayRef<int64_t>(rowShape))
    return op->emitOpError("expects scales of one element a row [B, H, T, 1] "
                           "of ")
           << floats << ", got " << scales;
  return success();
}

LogicalResult KVCacheQuantizeOp::verify() {
  return verifyQuantRows(*this, cast<RankedTensorType>(getInput().getType()),
                         cast<RankedTensorType>(getValues().getType()),
                         cast<RankedTensorType>(getScales().getType()),
                         "input");
}

LogicalResult KVCacheDequantOp::verify() {
  return verifyQuantRows(*this, cast<RankedTensorType>(getResult().getType()),
                         cast<RankedTensorType>(getValues().getType()),
                         cast<RankedTensorType>(getScales().getType()),
                         "result");
}
