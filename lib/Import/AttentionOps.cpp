//===- AttentionOps.cpp - ONNX-23 Attention
//--------------------------------===//

#include "ImporterInternal.h"

#include "seq/IR/SeqDialect.h"
#include "seq/IR/SeqOps.h"

#include <cmath>

using namespace mlir;

namespace seqc::import {
namespace {

bool isDyn(int64_t d) { return ShapedType::isDynamic(d); }

/// [B, S, H*D] -> [B, H, S, D].
FailureOr<Value> splitHeads(NodeContext &nc, Value v, int64_t heads,
                            StringRef what) {
  auto t = cast<RankedTensorType>(v.getType());
  int64_t hidden = t.getDimSize(2);
  if (isDyn(hidden) || hidden % heads != 0)
    return nc.error() << what << " hidden size " << shapeStr(t.getShape())
                      << " is not a (static) multiple of " << heads << " heads";
  Value r =
      nc.reshape(v, {t.getDimSize(0), t.getDimSize(1), heads, hidden / heads});
  return nc.transpose(r, {0, 2, 1, 3});
}

LogicalResult convertAttention(NodeContext &nc) {
  for (unsigned i = 1; i < 4; ++i)
    if (nc.isOutputUsed(i))
      return nc.error() << "output " << i << " ('" << nc.node().output(i)
                        << "', present KV / qk_matmul_output) is unsupported";
  if (nc.hasInput(4) || nc.hasInput(5))
    return nc.error() << "past_key/past_value (KV cache inputs) are "
                         "unsupported";
  if (nc.hasInput(6))
    return nc.error() << "nonpad_kv_seqlen is unsupported";
  if (int64_t mode = nc.attrInt("qk_matmul_output_mode", 0))
    return nc.error() << "qk_matmul_output_mode " << mode << " is unsupported";
  Value q = nc.input(0), k = nc.input(1), v = nc.input(2);
  int64_t rank = nc.inputType(0).getRank();
  if ((rank != 3 && rank != 4) || nc.inputType(1).getRank() != rank ||
      nc.inputType(2).getRank() != rank)
    return nc.error() << "Q, K and V must all be 3-D or all 4-D, got "
                      << shapeStr(nc.inputType(0).getShape()) << ", "
                      << shapeStr(nc.inputType(1).getShape()) << ", "
                      << shapeStr(nc.inputType(2).getShape());
  if (failed(nc.sameElementType({q, k, v})))
    return failure();
  Type elt = nc.inputType(0).getElementType();
  if (!isa<FloatType>(elt))
    return nc.error() << "expects floating-point Q/K/V, got " << elt;
  if (rank == 3) {
    int64_t hq = nc.attrInt("q_num_heads", 0),
            hkv = nc.attrInt("kv_num_heads", 0);
    if (hq <= 0 || hkv <= 0)
      return nc.error() << "3-D inputs need positive q_num_heads and "
                           "kv_num_heads attributes";
    FailureOr<Value> q4 = splitHeads(nc, q, hq, "Q");
    if (failed(q4))
      return failure();
    FailureOr<Value> k4 = splitHeads(nc, k, hkv, "K");
    if (failed(k4))
      return failure();
    FailureOr<Value> v4 = splitHeads(nc, v, hkv, "V");
    if (failed(v4))
      return failure();
    q = *q4, k = *k4, v = *v4;
  }
  auto qt = cast<RankedTensorType>(q.getType());
  auto kt = cast<RankedTensorType>(k.getType());
  auto vt = cast<RankedTensorType>(v.getType());
  int64_t hq = qt.getDimSize(1), hkv = kt.getDimSize(1);
  int64_t sq = qt.getDimSize(2), skv = kt.getDimSize(2);
  int64_t d = qt.getDimSize(3);
  if (!isDyn(hq) && !isDyn(hkv) && (hkv == 0 || hq % hkv != 0))
    return nc.error() << "query heads (" << hq
                      << ") must be a multiple of key/value heads (" << hkv
                      << ")";
  if (!isDyn(d) && !isDyn(kt.getDimSize(3)) && d != kt.getDimSize(3))
    return nc.error() << "Q head size " << d << " differs from K head size "
                      << kt.getDimSize(3);
  float scale;
  if (const onnx::AttributeProto *s = nc.attr("scale")) {
    scale = s->f();
  } else {
    if (isDyn(d) || d == 0)
      return nc.error() << "default scale needs a static head size";
    scale = 1.0f / std::sqrt(static_cast<float>(d));
  }
  bool causal = nc.attrInt("is_causal", 0) != 0;
  if (causal && !isDyn(sq) && !isDyn(skv) && sq != skv)
    return nc.error() << "is_causal with query length " << sq
                      << " != key length " << skv
                      << " (top-left aligned) is unsupported";
  Value mask = nc.input(3);
  if (mask) {
    Type mt = nc.inputType(3).getElementType();
    if (!mt.isInteger(1) && mt != elt)
      return nc.error() << "attn_mask must be bool or " << elt << ", got "
                        << mt;
  }
  SmallVector<int64_t> shape = {qt.getDimSize(0), hq, sq, vt.getDimSize(3)};
  OpBuilder &b = nc.b();
  float softcap = nc.attrFloat("softcap", 0.0f);
  Value out = seq::AttentionOp::create(
      b, nc.loc(), RankedTensorType::get(shape, elt), q, k, v, mask,
      b.getF32FloatAttr(scale), causal ? b.getUnitAttr() : UnitAttr(),
      b.getF32FloatAttr(softcap));
  if (rank == 3) {
    out = nc.transpose(out, {0, 2, 1, 3});
    int64_t dv = shape[3];
    out = nc.reshape(out,
                     {shape[0], sq,
                      isDyn(hq) || isDyn(dv) ? ShapedType::kDynamic : hq * dv});
  }
  nc.setOutput(0, out);
  return success();
}

} // namespace

void registerAttentionOps(OpRegistry &r) {
  r["Attention"] = {convertAttention, 3, 7};
}

} // namespace seqc::import
