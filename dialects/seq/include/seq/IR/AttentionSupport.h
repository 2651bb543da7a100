//===- AttentionSupport.h - which seq.attention forms a kernel takes -*- C++
//-*-===//
//
// One query on seq.attention for the fused implementations: the CPU tiled
// cascade (seq-tile-attention) and the CUDA flash-attention kernel
// (seq-gpu-mark-attention) describe what they support and ask why an op is
// outside it; everything else takes the naive (seq-to-linalg) path.
//
//===----------------------------------------------------------------------===//

#ifndef SEQ_IR_ATTENTIONSUPPORT_H
#define SEQ_IR_ATTENTIONSUPPORT_H

#include "seq/IR/SeqOps.h"

#include "llvm/ADT/STLFunctionalExtras.h"

#include <string>

namespace mlir::seq {

/// The features a fused attention implementation handles.
struct AttentionSupport {
  /// The element type shared by query, key, value and the result.
  llvm::function_ref<bool(Type)> elementType;
  /// A static mask operand of rank <= 4 (bool or of the element type).
  bool mask = false;
  /// kv_seqlen, query_offset and window_left/right.
  bool positional = false;
  /// A nonzero softcap.
  bool softcap = false;
  /// Only a positive scale.
  bool positiveScale = false;
  /// Head sizes: query/key `d`, value `dv` (null: any).
  llvm::function_ref<bool(int64_t d, int64_t dv, Type elt)> headSizes;
};

/// Why `op` is outside the forms `s` supports, or an empty string. No fused
/// implementation takes dynamic shapes, different element types, a query
/// head count that is not a multiple of the key/value heads, key and value
/// of different batch or sequence sizes, empty sequences, the scores result,
/// softmax_precision or score_mod/prob_mod regions.
inline std::string unsupportedAttentionReason(AttentionOp op,
                                              const AttentionSupport &s) {
  auto q = dyn_cast<RankedTensorType>(op.getQuery().getType());
  auto k = dyn_cast<RankedTensorType>(op.getKey().getType());
  auto v = dyn_cast<RankedTensorType>(op.getValue().getType());
  auto r = dyn_cast<RankedTensorType>(op.getResult().getType());
  if (!q || !k || !v || !r || q.getRank() != 4 || k.getRank() != 4 ||
      v.getRank() != 4 || r.getRank() != 4 || !q.hasStaticShape() ||
      !k.hasStaticShape() || !v.hasStaticShape() || !r.hasStaticShape())
    return "not static rank-4";
  Type elt = q.getElementType();
  if (!s.elementType(elt) || k.getElementType() != elt ||
      v.getElementType() != elt || r.getElementType() != elt)
    return "element type";
  if (op.getScores() || op.getSoftmaxPrecision() || op.hasModifiers())
    return "scores result, softmax_precision or modifiers";
  if (op.getMask()) {
    auto mt = dyn_cast<RankedTensorType>(op.getMask().getType());
    if (!s.mask || !mt || !mt.hasStaticShape() || mt.getRank() > 4 ||
        (!mt.getElementType().isInteger(1) && mt.getElementType() != elt))
      return "mask";
  }
  if (!s.positional && !op.isPlain())
    return "positional extras";
  if (!s.softcap && op.getSoftcap().convertToFloat() != 0)
    return "softcap";
  if (s.positiveScale && !(op.getScale().convertToFloat() > 0))
    return "scale";
  int64_t hq = q.getDimSize(1), hkv = k.getDimSize(1);
  if (hkv == 0 || hq % hkv != 0 || v.getDimSize(1) != hkv ||
      k.getDimSize(0) != q.getDimSize(0) ||
      v.getDimSize(0) != k.getDimSize(0) ||
      v.getDimSize(2) != k.getDimSize(2) || q.getDimSize(2) == 0 ||
      k.getDimSize(2) == 0 || k.getDimSize(3) != q.getDimSize(3))
    return "shape";
  if (s.headSizes && !s.headSizes(q.getDimSize(3), v.getDimSize(3), elt))
    return "head size";
  return "";
}

} // namespace mlir::seq

#endif // SEQ_IR_ATTENTIONSUPPORT_H
