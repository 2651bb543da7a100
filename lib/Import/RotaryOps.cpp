//===- RotaryOps.cpp - ONNX-23 RotaryEmbedding ----------------------------===//
//
// RotaryEmbedding(X, cos_cache, sin_cache[, position_ids]) -> seq.rope.
// 4-D X is [B, H, S, D] (layout bhsd); 3-D X is [B, S, H*D] and is viewed as
// [B, S, H, D] (layout bshd, no transpose) with `num_heads`. The caches are
// half tables ([.., rotary_dim / 2]): [B, S, R/2] become 4-D in the input's
// layout; with position_ids they stay [max_position, R/2].
//
//===----------------------------------------------------------------------===//

#include "ImporterInternal.h"

#include "seq/IR/SeqDialect.h"
#include "seq/IR/SeqOps.h"

using namespace mlir;

namespace seqc::import {
namespace {

bool isDyn(int64_t d) { return ShapedType::isDynamic(d); }

/// `a` is 1 or matches `b` (or one of them is dynamic).
bool fits(int64_t a, int64_t b) {
  return a == 1 || isDyn(a) || isDyn(b) || a == b;
}

LogicalResult convertRotaryEmbedding(NodeContext &nc) {
  Value x = nc.input(0), cos = nc.input(1), sin = nc.input(2);
  auto xt = nc.inputType(0), ct = nc.inputType(1), st = nc.inputType(2);
  Type elt = xt.getElementType();
  if (!isa<FloatType>(elt))
    return nc.error() << "expects a floating-point input, got " << elt;
  if (failed(nc.sameElementType({x, cos, sin})))
    return failure();
  if (ct.getShape() != st.getShape())
    return nc.error() << "cos_cache " << shapeStr(ct.getShape())
                      << " and sin_cache " << shapeStr(st.getShape())
                      << " differ in shape";
  int64_t rank = xt.getRank();
  if (rank != 3 && rank != 4)
    return nc.error() << "input must be 3-D [batch, seq, hidden] or 4-D "
                         "[batch, heads, seq, head_size], got "
                      << shapeStr(xt.getShape());

  // The 4-D view of the input and its layout.
  Value x4 = x;
  auto layout = seq::RopeLayout::bhsd;
  int64_t batch = xt.getDimSize(0), seqLen = xt.getDimSize(rank == 4 ? 2 : 1);
  if (rank == 3) {
    int64_t heads = nc.attrInt("num_heads", 0), hidden = xt.getDimSize(2);
    if (heads <= 0)
      return nc.error() << "3-D input needs a positive num_heads attribute";
    if (isDyn(hidden) || hidden % heads != 0)
      return nc.error() << "hidden size " << shapeStr(xt.getShape())
                        << " is not a (static) multiple of num_heads = "
                        << heads;
    x4 = nc.reshape(x, {batch, seqLen, heads, hidden / heads});
    layout = seq::RopeLayout::bshd;
  }
  int64_t headDim = cast<RankedTensorType>(x4.getType()).getDimSize(3);
  if (isDyn(headDim))
    return nc.error() << "head size must be static";
  int64_t rot = nc.attrInt("rotary_embedding_dim", 0);
  if (rot == 0)
    rot = headDim;
  if (rot < 0 || rot > headDim || rot % 2 != 0)
    return nc.error() << "rotary_embedding_dim " << rot
                      << " must be even and at most the head size " << headDim;
  if (ct.getRank() == 0 || ct.getShape().back() != rot / 2)
    return nc.error() << "cos_cache " << shapeStr(ct.getShape())
                      << " must end in rotary_embedding_dim / 2 = " << rot / 2;

  Value pos;
  if (nc.hasInput(3)) {
    pos = nc.input(3);
    auto pt = nc.inputType(3);
    if (!isa<IntegerType>(pt.getElementType()) || pt.getRank() != 2 ||
        !fits(pt.getDimSize(0), batch) || !fits(pt.getDimSize(1), seqLen))
      return nc.error() << "position_ids must be integer [batch, seq] = "
                        << shapeStr({batch, seqLen}) << ", got " << typeStr(pt);
    if (ct.getRank() != 2)
      return nc.error() << "with position_ids the caches must be 2-D "
                           "[max_position, rotary_embedding_dim / 2], got "
                        << shapeStr(ct.getShape());
  } else {
    if (ct.getRank() != 3 || !fits(ct.getDimSize(0), batch) ||
        !fits(ct.getDimSize(1), seqLen))
      return nc.error() << "without position_ids the caches must be [batch, "
                           "seq, rotary_embedding_dim / 2] = "
                        << shapeStr({batch, seqLen, rot / 2}) << ", got "
                        << shapeStr(ct.getShape());
    SmallVector<int64_t> shape{ct.getDimSize(0), 1, ct.getDimSize(1), rot / 2};
    if (layout == seq::RopeLayout::bshd)
      shape = {ct.getDimSize(0), ct.getDimSize(1), 1, rot / 2};
    cos = nc.reshape(cos, shape);
    sin = nc.reshape(sin, shape);
  }

  OpBuilder &b = nc.b();
  Value y = seq::RopeOp::create(b, nc.loc(), x4.getType(), x4, cos, sin, pos,
                                nc.attrInt("interleaved", 0) ? b.getUnitAttr()
                                                             : UnitAttr(),
                                b.getI64IntegerAttr(rot == headDim ? 0 : rot),
                                seq::RopeLayoutAttr::get(nc.ctx(), layout));
  if (rank == 3)
    y = nc.reshape(y, xt.getShape());
  nc.setOutput(0, y);
  return success();
}

} // namespace

void registerRotaryOps(OpRegistry &r) {
  r["RotaryEmbedding"] = {convertRotaryEmbedding, 3, 4};
}

} // namespace seqc::import
