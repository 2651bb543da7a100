//===- AttentionOps.cpp - ONNX Attention (23-25), FlexAttention (26) ------===//
//
// Follows the ONNX reference implementation: 3-D inputs are split into heads,
// past_key/past_value are concatenated in front of K/V (present_* outputs),
// a mask shorter than the key length is padded with "masked", causal and
// sliding-window masks are bottom-right aligned on the cache length (or on
// nonpad_kv_seqlen), and qk_matmul_output is the op's scores result.
// FlexAttention's score_mod/prob_mod graphs become the op's modifier regions.
//
//===----------------------------------------------------------------------===//

#include "ImporterInternal.h"

#include "seq/IR/SeqDialect.h"
#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;

namespace seqc::import {
namespace {

bool isDyn(int64_t d) { return ShapedType::isDynamic(d); }

/// The `scale` attribute, or 1/sqrt(head size `d`) by default; an error
/// (and nullopt) when the default needs a head size that is not static.
std::optional<float> attentionScale(NodeContext &nc, int64_t d) {
  if (const onnx::AttributeProto *s = nc.attr("scale"))
    return s->f();
  if (isDyn(d) || d == 0) {
    nc.error() << "default scale needs a static head size";
    return std::nullopt;
  }
  return 1.0f / std::sqrt(static_cast<float>(d));
}

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

/// present = concat(past, cur) along the sequence axis (2) of [B, H, S, D].
FailureOr<Value> appendPast(NodeContext &nc, unsigned pastIdx, Value cur,
                            StringRef what) {
  Value past = nc.input(pastIdx);
  auto pt = nc.inputType(pastIdx);
  auto ct = cast<RankedTensorType>(cur.getType());
  if (pt.getRank() != 4 || pt.getElementType() != ct.getElementType())
    return nc.error() << "past_" << what << " must be a 4-D "
                      << ct.getElementType() << " tensor [B, H, P, D], got "
                      << pt;
  for (unsigned d : {0u, 1u, 3u})
    if (!isDyn(pt.getDimSize(d)) && !isDyn(ct.getDimSize(d)) &&
        pt.getDimSize(d) != ct.getDimSize(d))
      return nc.error() << "past_" << what << " " << shapeStr(pt.getShape())
                        << " does not match the " << what << " heads "
                        << shapeStr(ct.getShape())
                        << " outside the sequence axis";
  return tensor::ConcatOp::create(nc.b(), nc.loc(), 2, ValueRange{past, cur})
      .getResult();
}

/// Pads the mask's last axis up to `skv` keys with "masked" (false / -inf),
/// as the reference does for masks shorter than the (cache + new) keys.
FailureOr<Value> padMask(NodeContext &nc, Value mask, int64_t skv) {
  auto mt = cast<RankedTensorType>(mask.getType());
  int64_t last = mt.getDimSize(mt.getRank() - 1);
  if (isDyn(skv) || isDyn(last) || last >= skv)
    return mask;
  SmallVector<int64_t> padShape(mt.getShape());
  padShape.back() = skv - last;
  if (llvm::any_of(padShape, isDyn))
    return nc.error() << "attn_mask " << shapeStr(mt.getShape())
                      << " shorter than " << skv
                      << " keys needs static leading dims to be padded";
  auto padType = RankedTensorType::get(padShape, mt.getElementType());
  Attribute fill;
  if (auto ft = dyn_cast<FloatType>(mt.getElementType()))
    fill = FloatAttr::get(ft, APFloat::getInf(ft.getFloatSemantics(), true));
  else
    fill = IntegerAttr::get(mt.getElementType(), 0);
  Value pad = arith::ConstantOp::create(nc.b(), nc.loc(),
                                        DenseElementsAttr::get(padType, fill));
  return tensor::ConcatOp::create(nc.b(), nc.loc(), mt.getRank() - 1,
                                  ValueRange{mask, pad})
      .getResult();
}

LogicalResult convertAttention(NodeContext &nc) {
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
  if (nc.hasInput(4) != nc.hasInput(5))
    return nc.error() << "past_key and past_value must be given together";
  bool hasPast = nc.hasInput(4);
  if (hasPast && nc.hasInput(6))
    return nc.error() << "nonpad_kv_seqlen cannot be combined with "
                         "past_key/past_value";
  int64_t mode = nc.attrInt("qk_matmul_output_mode", 0);
  if (mode < 0 || mode > 3)
    return nc.error() << "qk_matmul_output_mode must be in [0, 3], got "
                      << mode;
  int64_t left = nc.attrInt("left_window_size", -1),
          right = nc.attrInt("right_window_size", -1);
  if (left < -1 || right < -1)
    return nc.error() << "left_window_size/right_window_size must be -1 or "
                         ">= 0, got "
                      << left << "/" << right;
  if (const onnx::AttributeProto *p = nc.attr("softmax_precision")) {
    // The naive lowering runs softmax in at least f32; accept float types.
    int64_t t = p->i();
    if (t != onnx::TensorProto::FLOAT && t != onnx::TensorProto::FLOAT16 &&
        t != onnx::TensorProto::BFLOAT16 && t != onnx::TensorProto::DOUBLE)
      return nc.error() << "softmax_precision " << t
                        << " is not a floating-point TensorProto type";
  }

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
  int64_t pastLen = 0;
  if (hasPast) {
    pastLen =
        nc.inputType(4).getRank() == 4 ? nc.inputType(4).getDimSize(2) : 0;
    if (isDyn(pastLen))
      return nc.error() << "past_key needs a static sequence length, got "
                        << shapeStr(nc.inputType(4).getShape());
    FailureOr<Value> pk = appendPast(nc, 4, k, "key");
    if (failed(pk))
      return failure();
    FailureOr<Value> pv = appendPast(nc, 5, v, "value");
    if (failed(pv))
      return failure();
    k = *pk, v = *pv;
  }
  // present_key/present_value are the (cache-extended) K and V.
  if (nc.isOutputUsed(1))
    nc.setOutput(1, k);
  if (nc.isOutputUsed(2))
    nc.setOutput(2, v);

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
  std::optional<float> scale = attentionScale(nc, d);
  if (!scale)
    return failure();
  bool causal = nc.attrInt("is_causal", 0) != 0;

  Value mask = nc.input(3);
  if (mask) {
    auto mt = nc.inputType(3);
    if (!mt.getElementType().isInteger(1) && mt.getElementType() != elt)
      return nc.error() << "attn_mask must be bool or " << elt << ", got "
                        << mt.getElementType();
    if (mt.getRank() < 1 || mt.getRank() > 4)
      return nc.error() << "attn_mask must have rank 1 to 4, got "
                        << shapeStr(mt.getShape());
    FailureOr<Value> padded = padMask(nc, mask, skv);
    if (failed(padded))
      return failure();
    mask = *padded;
  }
  Value lens = nc.input(6);
  if (lens) {
    auto lt = nc.inputType(6);
    if (lt.getRank() != 1 || !lt.getElementType().isSignlessInteger())
      return nc.error() << "nonpad_kv_seqlen must be a 1-D integer tensor, "
                           "got "
                        << lt;
  }

  SmallVector<int64_t> shape = {qt.getDimSize(0), hq, sq, vt.getDimSize(3)};
  OpBuilder &b = nc.b();
  bool wantScores = nc.isOutputUsed(3);
  // The reference exposes the softcapped scores for modes 0 and 1 alike.
  int64_t scoresMode = mode <= 1 ? 1 : mode;
  Type scoresType =
      wantScores ? RankedTensorType::get({qt.getDimSize(0), hq, sq, skv}, elt)
                 : Type();
  auto attn = seq::AttentionOp::create(
      b, nc.loc(), RankedTensorType::get(shape, elt), scoresType, q, k, v, mask,
      lens, b.getF32FloatAttr(*scale), causal ? b.getUnitAttr() : UnitAttr(),
      b.getF32FloatAttr(nc.attrFloat("softcap", 0.0f)),
      pastLen ? seq::getSI64Attr(b, pastLen) : IntegerAttr(),
      left >= 0 ? seq::getSI64Attr(b, left) : IntegerAttr(),
      right >= 0 ? seq::getSI64Attr(b, right) : IntegerAttr(),
      wantScores ? b.getI64IntegerAttr(scoresMode) : IntegerAttr(),
      /*softmax_precision=*/TypeAttr());
  Value out = attn.getResult();
  if (rank == 3) {
    out = nc.transpose(out, {0, 2, 1, 3});
    int64_t dv = shape[3];
    out = nc.reshape(out,
                     {shape[0], sq,
                      isDyn(hq) || isDyn(dv) ? ShapedType::kDynamic : hq * dv});
  }
  nc.setOutput(0, out);
  if (wantScores)
    nc.setOutput(3, attn.getScores());
  return success();
}

//===----------------------------------------------------------------------===//
// FlexAttention (ai.onnx.preview, opset 26)
//===----------------------------------------------------------------------===//

/// The softmax_precision attribute as a float type, or null (with an error)
/// for a type the reference does not accept.
FailureOr<Type> softmaxPrecision(NodeContext &nc,
                                 const onnx::AttributeProto &a) {
  switch (a.i()) {
  case onnx::TensorProto::FLOAT:
  case onnx::TensorProto::FLOAT16:
  case onnx::TensorProto::BFLOAT16:
  case onnx::TensorProto::DOUBLE:
    return convertElementType(nc.ctx(), a.i());
  default:
    return nc.error() << "softmax_precision must be FLOAT, FLOAT16, BFLOAT16 "
                         "or DOUBLE, got "
                      << onnxTypeName(a.i());
  }
}

/// Imports graph attribute `name` into `region` of `attn` (one block taking
/// the [B, Hq, Sq, Skv] tensor of the softmax type, ending in seq.yield).
/// The ops are built inside the region, so they lower with the attention.
LogicalResult importModifier(NodeContext &nc, seq::AttentionOp attn,
                             Region &region, StringRef name) {
  const onnx::AttributeProto *a = nc.attr(name);
  if (!a)
    return success();
  if (!a->has_g())
    return nc.error() << "attribute '" << name << "' must be a graph";
  const onnx::GraphProto &g = a->g();
  if (g.input_size() != 1 || g.output_size() != 1)
    return nc.error() << name << " must have one input and one output, got "
                      << g.input_size() << " and " << g.output_size();
  RankedTensorType type = attn.getModifierType();
  Block *block = new Block();
  region.push_back(block);
  block->addArgument(type, nc.loc());
  OpBuilder &b = nc.b();
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(block);
  SmallVector<Value> outs;
  if (failed(importSubgraph(nc, g, {block->getArgument(0)}, outs)))
    return failure();
  Value out = outs[0];
  auto ot = cast<RankedTensorType>(out.getType());
  // The reference casts the output to the softmax type; the shape must stay.
  if (ot.getRank() != 4 ||
      !llvm::all_of(llvm::zip(ot.getShape(), type.getShape()), [](auto p) {
        auto [x, y] = p;
        return isDyn(x) || isDyn(y) || x == y;
      }))
    return nc.error() << name << " output " << typeStr(ot)
                      << " does not have the scores shape "
                      << shapeStr(type.getShape());
  if (!isa<FloatType>(ot.getElementType()))
    return nc.error() << name << " output must be floating-point, got "
                      << typeStr(ot);
  if (ot.getElementType() != type.getElementType())
    out =
        seq::CastOp::create(b, nc.loc(), ot.clone(type.getElementType()), out);
  if (out.getType() != type)
    out = tensor::CastOp::create(b, nc.loc(), type, out);
  seq::YieldOp::create(b, nc.loc(), ValueRange{out});
  return success();
}

LogicalResult convertFlexAttention(NodeContext &nc) {
  Value q = nc.input(0), k = nc.input(1), v = nc.input(2);
  auto qt = nc.inputType(0), kt = nc.inputType(1), vt = nc.inputType(2);
  if (qt.getRank() != 4 || kt.getRank() != 4 || vt.getRank() != 4)
    return nc.error() << "Q, K and V must be 4-D [B, H, S, D], got "
                      << shapeStr(qt.getShape()) << ", "
                      << shapeStr(kt.getShape()) << ", "
                      << shapeStr(vt.getShape());
  if (failed(nc.sameElementType({q, k, v})))
    return failure();
  Type elt = qt.getElementType();
  if (!isa<FloatType>(elt))
    return nc.error() << "expects floating-point Q/K/V, got " << elt;
  auto mismatch = [](int64_t x, int64_t y) {
    return !isDyn(x) && !isDyn(y) && x != y;
  };
  if (mismatch(qt.getDimSize(0), kt.getDimSize(0)) ||
      mismatch(kt.getDimSize(0), vt.getDimSize(0)))
    return nc.error() << "Q, K and V batch sizes differ: "
                      << shapeStr(qt.getShape()) << ", "
                      << shapeStr(kt.getShape()) << ", "
                      << shapeStr(vt.getShape());
  if (mismatch(kt.getDimSize(1), vt.getDimSize(1)) ||
      mismatch(kt.getDimSize(2), vt.getDimSize(2)))
    return nc.error() << "K " << shapeStr(kt.getShape()) << " and V "
                      << shapeStr(vt.getShape())
                      << " differ in heads or sequence length";
  if (mismatch(qt.getDimSize(3), kt.getDimSize(3)))
    return nc.error() << "Q head size " << qt.getDimSize(3)
                      << " differs from K head size " << kt.getDimSize(3);
  int64_t hq = qt.getDimSize(1), hkv = kt.getDimSize(1);
  if (isDyn(hq) || isDyn(hkv) || hkv == 0 || hq % hkv != 0)
    return nc.error() << "query heads (" << hq
                      << ") must be a static multiple of key/value heads ("
                      << hkv << ")";
  int64_t d = qt.getDimSize(3);
  std::optional<float> scale = attentionScale(nc, d);
  if (!scale)
    return failure();
  // Only a softmax type that differs from the op's default is recorded:
  // ops without it keep the fast lowerings.
  TypeAttr precision;
  if (const onnx::AttributeProto *p = nc.attr("softmax_precision")) {
    FailureOr<Type> t = softmaxPrecision(nc, *p);
    if (failed(t))
      return failure();
    Type dflt = elt.getIntOrFloatBitWidth() < 32 ? nc.b().getF32Type() : elt;
    if (*t != dflt)
      precision = TypeAttr::get(*t);
  }

  OpBuilder &b = nc.b();
  auto resultType = RankedTensorType::get(
      {qt.getDimSize(0), hq, qt.getDimSize(2), vt.getDimSize(3)}, elt);
  auto attn = seq::AttentionOp::create(
      b, nc.loc(), resultType, /*scores=*/Type(), q, k, v, /*mask=*/Value(),
      /*kv_seqlen=*/Value(), b.getF32FloatAttr(*scale), /*causal=*/UnitAttr(),
      b.getF32FloatAttr(0.0f), /*query_offset=*/IntegerAttr(),
      /*window_left=*/IntegerAttr(), /*window_right=*/IntegerAttr(),
      /*scores_mode=*/IntegerAttr(), precision);
  if (failed(importModifier(nc, attn, attn.getScoreMod(), "score_mod")) ||
      failed(importModifier(nc, attn, attn.getProbMod(), "prob_mod"))) {
    attn->erase();
    return failure();
  }
  nc.setOutput(0, attn.getResult());
  return success();
}

} // namespace

void registerAttentionOps(OpRegistry &r) {
  r["Attention"] = {convertAttention, 3, 7};
  r["ai.onnx.preview.FlexAttention"] = {convertFlexAttention, 3, 3};
}

} // namespace seqc::import
