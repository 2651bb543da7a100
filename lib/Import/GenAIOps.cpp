//===- GenAIOps.cpp - onnxruntime-genai builder ops -----------------------===//
//
// The contrib ops that onnxruntime-genai's model builder emits, composed from
// seq ops (semantics follow onnxruntime's CPU kernels):
//   * SimplifiedLayerNormalization (the builder registers it in ai.onnx) and
//     com.microsoft.SkipSimplifiedLayerNormalization -> seq.rms_norm (after
//     input + skip [+ bias], whose sum is output 3);
//   * com.microsoft.GroupQueryAttention -> optional seq.rope on Q and the new
//     K, present = Concat(past, new, axis 2) exactly like Hugging Face exports
//     (so one KV-cache pattern matches both forms), and seq.attention over the
//     present K/V with kv_seqlen = seqlens_k + 1 (bottom-right causal).
//
//===----------------------------------------------------------------------===//

#include "ImportBuilders.h"
#include "ImporterInternal.h"

#include "seq/IR/SeqDialect.h"
#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;

namespace seqc::import {
namespace {

bool isDyn(int64_t d) { return ShapedType::isDynamic(d); }

/// 1 / sqrt(mean(x^2) + eps) over the last axis, the reduced dim kept (the
/// inv_std_var output of the simplified norms).
Value invStdDev(NodeContext &nc, Value x, float eps) {
  auto t = cast<RankedTensorType>(x.getType());
  ElemBuilder e{nc, t.getElementType()};
  Value ms = reduce(nc, e.mul(x, x), seq::ReduceKind::mean, {t.getRank() - 1},
                    /*keep=*/true);
  Value s = seq::SqrtOp::create(nc.b(), nc.loc(), e.add(ms, e.c(eps)));
  return seq::ReciprocalOp::create(nc.b(), nc.loc(), s);
}

/// Checks that `scale` (input `i`) is a 1-D tensor of x's element type
/// matching x's last dim.
LogicalResult checkNormScale(NodeContext &nc, unsigned i, StringRef what) {
  auto xt = nc.inputType(0), st = nc.inputType(i);
  int64_t h = xt.getShape().back();
  if (st.getRank() != 1 || st.getElementType() != xt.getElementType() ||
      (!isDyn(h) && !isDyn(st.getDimSize(0)) && st.getDimSize(0) != h))
    return nc.error() << what << " must be a 1-D " << xt.getElementType()
                      << " tensor of the hidden size " << h << ", got "
                      << typeStr(st);
  return success();
}

/// SimplifiedLayerNormalization(X, scale) -> Y[, inv_std_var]: RMS norm
/// over [axis, rank).
LogicalResult convertSimplifiedLayerNorm(NodeContext &nc) {
  auto t = nc.inputType(0);
  if (failed(checkFloat(nc, 0)) ||
      failed(nc.sameElementType({nc.input(0), nc.input(1)})))
    return failure();
  int64_t axis = nc.attrInt("axis", -1);
  if (failed(nc.normalizeAxis(axis, t.getRank(), "axis")))
    return failure();
  float eps = nc.attrFloat("epsilon", 1e-5f);
  OpBuilder &b = nc.b();
  nc.setOutput(0, seq::RMSNormOp::create(b, nc.loc(), t, nc.input(0),
                                         nc.input(1), seq::getSI64Attr(b, axis),
                                         b.getF32FloatAttr(eps)));
  if (nc.isOutputUsed(1)) {
    if (axis != t.getRank() - 1)
      return nc.error() << "inv_std_var output is supported only for axis = "
                           "-1, got axis "
                        << axis;
    nc.setOutput(1, invStdDev(nc, nc.input(0), eps));
  }
  return success();
}

/// SkipSimplifiedLayerNormalization(input, skip, gamma[, bias]) ->
/// output[, mean, inv_std_var, input_skip_bias_sum].
LogicalResult convertSkipSimplifiedLayerNorm(NodeContext &nc) {
  auto t = nc.inputType(0);
  if (failed(checkFloat(nc, 0)))
    return failure();
  if (t.getRank() != 3 && t.getRank() != 2)
    return nc.error() << "input must be 3-D [batch, seq, hidden] or 2-D, got "
                      << shapeStr(t.getShape());
  if (failed(checkNormScale(nc, 2, "gamma")) ||
      (nc.hasInput(3) && failed(checkNormScale(nc, 3, "bias"))))
    return failure();
  if (nc.isOutputUsed(1))
    return nc.error() << "output 1 (mean) is not defined for the simplified "
                         "(RMS) norm";
  SmallVector<Value> vals{nc.input(0), nc.input(1)};
  SmallVector<int64_t> shape;
  if (failed(nc.sameElementType(vals)) || failed(nc.broadcast(vals, shape)))
    return failure();
  if (ArrayRef<int64_t>(shape) != t.getShape())
    return nc.error() << "skip " << shapeStr(nc.inputType(1).getShape())
                      << " must broadcast to the input "
                      << shapeStr(t.getShape());
  ElemBuilder e{nc, t.getElementType()};
  Value sum = e.add(nc.input(0), nc.input(1));
  if (nc.hasInput(3))
    sum = e.add(sum, nc.input(3));
  float eps = nc.attrFloat("epsilon", 1e-5f);
  OpBuilder &b = nc.b();
  nc.setOutput(0, seq::RMSNormOp::create(b, nc.loc(), t, sum, nc.input(2),
                                         seq::getSI64Attr(b, t.getRank() - 1),
                                         b.getF32FloatAttr(eps)));
  if (nc.isOutputUsed(2))
    nc.setOutput(2, invStdDev(nc, sum, eps));
  if (nc.isOutputUsed(3))
    nc.setOutput(3, sum);
  return success();
}

/// GroupQueryAttention inputs.
enum GQAInput : unsigned {
  kQuery,
  kKey,
  kValue,
  kPastKey,
  kPastValue,
  kSeqlensK,
  kTotalSeqLen,
  kCos,
  kSin,
  kPositionIds,
  kAttentionBias,
  kHeadSink,
};

/// [B, S, H*D] -> [B, S, H, D].
Value viewHeads(NodeContext &nc, Value v, int64_t heads, int64_t d) {
  auto t = cast<RankedTensorType>(v.getType());
  return nc.reshape(v, {t.getDimSize(0), t.getDimSize(1), heads, d});
}

/// Checks past_key / past_value (`i`) against the new [B, Hkv, S, D] `cur`.
LogicalResult checkPast(NodeContext &nc, unsigned i, RankedTensorType cur,
                        StringRef what) {
  auto pt = nc.inputType(i);
  bool ok = pt.getRank() == 4 && pt.getElementType() == cur.getElementType();
  for (unsigned d : {0u, 1u, 3u})
    ok = ok && (isDyn(pt.getDimSize(d)) || isDyn(cur.getDimSize(d)) ||
                pt.getDimSize(d) == cur.getDimSize(d));
  if (!ok)
    return nc.error() << what << " must be a " << cur.getElementType()
                      << " tensor [batch, kv_num_heads, past, head_size] = "
                      << shapeStr({cur.getDimSize(0), cur.getDimSize(1),
                                   ShapedType::kDynamic, cur.getDimSize(3)})
                      << ", got " << typeStr(pt);
  return success();
}

LogicalResult convertGroupQueryAttention(NodeContext &nc) {
  // Attributes: reject what this lowering does not implement.
  int64_t heads = nc.attrInt("num_heads", 0),
          kvHeads = nc.attrInt("kv_num_heads", 0);
  if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0)
    return nc.error() << "num_heads (" << heads << ") and kv_num_heads ("
                      << kvHeads
                      << ") must be positive, num_heads a multiple of "
                         "kv_num_heads";
  if (int64_t v = nc.attrInt("smooth_softmax", 0))
    return nc.error() << "smooth_softmax = " << v << " is not supported";
  if (int64_t v = nc.attrInt("qk_output", 0))
    return nc.error() << "qk_output = " << v << " is not supported";
  // local_window_size W counts the keys a query sees, itself included:
  // window_left = W - 1 (onnxruntime's CPU kernel; W = 0 is not defined).
  int64_t window = nc.attrInt("local_window_size", -1);
  if (window != -1 && window <= 0)
    return nc.error() << "local_window_size must be -1 or > 0, got " << window;
  float softcap = nc.attrFloat("softcap", 0.0f);
  if (softcap < 0.0f)
    return nc.error() << "softcap must be >= 0, got " << softcap;
  bool doRotary = nc.attrInt("do_rotary", 0) != 0;
  bool interleaved = nc.attrInt("rotary_interleaved", 0) != 0;
  if (nc.hasInput(kHeadSink))
    return nc.error() << "head_sink input is not supported";
  if (nc.hasInput(kKey) != nc.hasInput(kValue))
    return nc.error() << "key and value must be given together (or both "
                         "omitted for packed QKV)";
  if (nc.hasInput(kPastKey) != nc.hasInput(kPastValue))
    return nc.error() << "past_key and past_value must be given together";
  if (!nc.hasInput(kSeqlensK) || !nc.hasInput(kTotalSeqLen))
    return nc.error() << "seqlens_k and total_sequence_length are required";

  // Q/K/V as [B, S, H, D].
  auto qt = nc.inputType(kQuery);
  Type elt = qt.getElementType();
  if (!isa<FloatType>(elt))
    return nc.error() << "expects a floating-point query, got " << elt;
  if (qt.getRank() != 3)
    return nc.error() << "query must be 3-D [batch, seq, hidden], got "
                      << shapeStr(qt.getShape());
  int64_t batch = qt.getDimSize(0), seqLen = qt.getDimSize(1),
          hidden = qt.getDimSize(2);
  bool packed = !nc.hasInput(kKey);
  int64_t qkvHeads = packed ? heads + 2 * kvHeads : heads;
  if (isDyn(hidden) || hidden % qkvHeads != 0)
    return nc.error() << "query hidden size " << shapeStr(qt.getShape())
                      << " is not a (static) multiple of "
                      << (packed ? "num_heads + 2 * kv_num_heads = "
                                 : "num_heads = ")
                      << qkvHeads;
  int64_t d = hidden / qkvHeads;
  Value q, k, v;
  if (packed) {
    Value qkv = viewHeads(nc, nc.input(kQuery), qkvHeads, d);
    q = sliceAxis(nc, qkv, 2, 0, heads);
    k = sliceAxis(nc, qkv, 2, heads, kvHeads);
    v = sliceAxis(nc, qkv, 2, heads + kvHeads, kvHeads);
  } else {
    auto kt = nc.inputType(kKey), vt = nc.inputType(kValue);
    if (failed(nc.sameElementType(
            {nc.input(kQuery), nc.input(kKey), nc.input(kValue)})))
      return failure();
    RankedTensorType want =
        RankedTensorType::get({batch, seqLen, kvHeads * d}, elt);
    for (auto [t, name] : {std::pair{kt, "key"}, std::pair{vt, "value"}})
      if (t.getRank() != 3 || t.getDimSize(2) != kvHeads * d ||
          (!isDyn(t.getDimSize(1)) && !isDyn(seqLen) &&
           t.getDimSize(1) != seqLen))
        return nc.error() << name << " must be " << typeStr(want) << ", got "
                          << typeStr(t);
    q = viewHeads(nc, nc.input(kQuery), heads, d);
    k = viewHeads(nc, nc.input(kKey), kvHeads, d);
    v = viewHeads(nc, nc.input(kValue), kvHeads, d);
  }

  // The static past length (0 = first prompt), or dynamic.
  int64_t past = 0;
  if (nc.hasInput(kPastKey)) {
    auto newKV = RankedTensorType::get({batch, kvHeads, seqLen, d}, elt);
    if (failed(checkPast(nc, kPastKey, newKV, "past_key")) ||
        failed(checkPast(nc, kPastValue, newKV, "past_value")))
      return failure();
    past = nc.inputType(kPastKey).getDimSize(2);
    if (past != nc.inputType(kPastValue).getDimSize(2))
      return nc.error() << "past_key and past_value differ in length: "
                        << typeStr(nc.inputType(kPastKey)) << " vs "
                        << typeStr(nc.inputType(kPastValue));
  }
  // present = Concat(past, new) needs the past to hold exactly the cached
  // tokens. A past longer than total_sequence_length - S is the shared
  // past/present buffer of onnxruntime-genai (past_present_share_buffer),
  // where the new tokens are written inside the past: not supported.
  if (std::optional<double> total = nc.constScalar(kTotalSeqLen))
    if (!isDyn(past) && !isDyn(seqLen) && *total != past + seqLen)
      return nc.error() << "total_sequence_length "
                        << static_cast<int64_t>(*total) << " != past length "
                        << past << " + sequence length " << seqLen
                        << ": a shared past/present buffer "
                           "(past_present_share_buffer) is not supported; "
                           "bind the past length to the cached tokens (seqc "
                           "--dim)";
  auto st = nc.inputType(kSeqlensK);
  if (!isa<IntegerType>(st.getElementType()) || st.getRank() != 1 ||
      (!isDyn(st.getDimSize(0)) && !isDyn(batch) && st.getDimSize(0) != batch))
    return nc.error() << "seqlens_k must be a 1-D integer tensor [batch], got "
                      << typeStr(st);

  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  Type i64 = b.getI64Type();
  // kv_seqlen = seqlens_k + 1: the valid keys of each batch, on which the
  // new queries are bottom-right aligned. A first prompt (static past 0) is
  // top-left aligned in onnxruntime: plain causal, whose padded keys only
  // padded queries can see.
  Value kvSeqlen;
  if (past != 0) {
    ElemBuilder ei{nc, st.getElementType()};
    kvSeqlen = ei.add(nc.input(kSeqlensK), ei.c(1));
  }

  if (doRotary) {
    if (!nc.hasInput(kCos) || !nc.hasInput(kSin))
      return nc.error() << "do_rotary = 1 needs cos_cache and sin_cache";
    auto ct = nc.inputType(kCos);
    if (ct != nc.inputType(kSin) || ct.getRank() != 2 ||
        ct.getElementType() != elt || isDyn(ct.getDimSize(1)) ||
        2 * ct.getDimSize(1) > d)
      return nc.error() << "cos_cache/sin_cache must both be " << elt
                        << " [max_position, rotary_dim / 2] with rotary_dim "
                           "at most the head size "
                        << d << ", got " << typeStr(ct) << " and "
                        << typeStr(nc.inputType(kSin));
    int64_t rot = 2 * ct.getDimSize(1);
    Value pos;
    if (nc.hasInput(kPositionIds)) {
      pos = nc.input(kPositionIds);
      auto pt = nc.inputType(kPositionIds);
      if (!isa<IntegerType>(pt.getElementType()) || pt.getRank() != 2)
        return nc.error() << "position_ids must be a 2-D integer tensor "
                             "[batch, seq], got "
                          << typeStr(pt);
      if (past == 0) {
        // onnxruntime reads a first prompt's position_ids as one offset:
        // position_ids[0, 0] + s for every batch.
        if (isDyn(seqLen) || pt.getDimSize(0) == 0 || pt.getDimSize(1) == 0)
          return nc.error() << "position_ids of a first prompt need a static "
                               "sequence length and a non-empty tensor, got "
                            << typeStr(pt);
        ElemBuilder e{nc, pt.getElementType()};
        Value first = sliceAxis(nc, sliceAxis(nc, pos, 0, 0, 1), 1, 0, 1);
        pos = e.add(first, iota(nc, 2, 1, seqLen, pt.getElementType()));
      }
    } else if (past == 0) {
      pos = iota(nc, 2, 1, seqLen);
    } else {
      // The new tokens sit at seqlens_k + 1 - S + s.
      if (isDyn(seqLen))
        return nc.error() << "rotary with a past needs a static sequence "
                             "length (seqc --dim)";
      Value sk = castTo(nc, nc.input(kSeqlensK), i64);
      sk = nc.reshape(sk, {st.getDimSize(0), 1});
      ElemBuilder e{nc, i64};
      pos = e.add(e.add(sk, e.c(1 - seqLen)), iota(nc, 2, 1, seqLen));
    }
    auto rope = [&](Value x) -> Value {
      return seq::RopeOp::create(
          b, loc, x.getType(), x, nc.input(kCos), nc.input(kSin), pos,
          interleaved ? b.getUnitAttr() : UnitAttr(),
          b.getI64IntegerAttr(rot == d ? 0 : rot),
          seq::RopeLayoutAttr::get(nc.ctx(), seq::RopeLayout::bshd));
    };
    q = rope(q);
    k = rope(k);
  }

  // [B, S, H, D] -> [B, H, S, D]; present = Concat(past, new) on axis 2,
  // also for an empty past: the KV-cache raising finds the cache by it.
  q = nc.transpose(q, {0, 2, 1, 3});
  k = nc.transpose(k, {0, 2, 1, 3});
  v = nc.transpose(v, {0, 2, 1, 3});
  if (nc.hasInput(kPastKey)) {
    k = tensor::ConcatOp::create(b, loc, 2, ValueRange{nc.input(kPastKey), k});
    v = tensor::ConcatOp::create(b, loc, 2,
                                 ValueRange{nc.input(kPastValue), v});
  }

  Value mask;
  if (nc.hasInput(kAttentionBias)) {
    mask = nc.input(kAttentionBias);
    auto mt = nc.inputType(kAttentionBias);
    if (mt.getElementType() != elt || mt.getRank() != 4)
      return nc.error() << "attention_bias must be a 4-D " << elt
                        << " tensor [batch or 1, num_heads or 1, seq, "
                           "total_seq], got "
                        << typeStr(mt);
  }

  float scale = nc.attrFloat("scale", 0.0f);
  if (scale == 0.0f)
    scale = 1.0f / std::sqrt(static_cast<float>(d));
  auto outType = RankedTensorType::get({batch, heads, seqLen, d}, elt);
  Value attn = seq::AttentionOp::create(
                   b, loc, outType, /*scores=*/Type(), q, k, v, mask, kvSeqlen,
                   b.getF32FloatAttr(scale), b.getUnitAttr(),
                   b.getF32FloatAttr(softcap), seq::getSI64Attr(b, 0),
                   seq::getSI64Attr(b, window > 0 ? window - 1 : -1),
                   seq::getSI64Attr(b, -1), /*scores_mode=*/nullptr,
                   /*softmax_precision=*/nullptr)
                   .getResult();
  Value out = nc.transpose(attn, {0, 2, 1, 3});
  nc.setOutput(0, nc.reshape(out, {batch, seqLen, heads * d}));
  nc.setOutput(1, k);
  nc.setOutput(2, v);
  return success();
}

} // namespace

void registerGenAIOps(OpRegistry &r) {
  // The model builder writes SimplifiedLayerNormalization in the default
  // domain (onnxruntime registers it there); accept com.microsoft too.
  r["SimplifiedLayerNormalization"] = {convertSimplifiedLayerNorm, 2, 2};
  r["com.microsoft.SimplifiedLayerNormalization"] = {convertSimplifiedLayerNorm,
                                                     2, 2};
  r["com.microsoft.SkipSimplifiedLayerNormalization"] = {
      convertSkipSimplifiedLayerNorm, 3, 4};
  // key/value are empty for packed QKV: the converter checks the rest.
  r["com.microsoft.GroupQueryAttention"] = {convertGroupQueryAttention, 1, 12};
}

} // namespace seqc::import
