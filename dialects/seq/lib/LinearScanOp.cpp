//===- LinearScanOp.cpp - seq.linear_scan / seq.causal_conv verifiers -----===//

#include "seq/IR/SeqOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace mlir::seq;

static bool sameDim(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

/// "[a, b, ...]" for expected shapes (dynamic dims print as "?").
static std::string dimsString(ArrayRef<int64_t> dims) {
  std::string s = "[";
  for (auto [i, d] : llvm::enumerate(dims)) {
    if (i)
      s += ", ";
    s += ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d);
  }
  return s + "]";
}

static std::string shapeString(RankedTensorType t) {
  return dimsString(t.getShape());
}

/// `t` has the rank of `want` and each dim matches (dynamic on either side
/// matches; `allowOne[i]` also accepts 1 at dim i).
static bool shapeFits(RankedTensorType t, ArrayRef<int64_t> want,
                      ArrayRef<bool> allowOne = {}) {
  if (t.getRank() != static_cast<int64_t>(want.size()))
    return false;
  for (auto [i, d] : llvm::enumerate(t.getShape()))
    if (!sameDim(d, want[i]) && !(i < allowOne.size() && allowOne[i] && d == 1))
      return false;
  return true;
}

int64_t LinearScanOp::getGroupSize() {
  int64_t hq = cast<RankedTensorType>(getQuery().getType()).getDimSize(1);
  int64_t hkv = cast<RankedTensorType>(getKey().getType()).getDimSize(1);
  if (ShapedType::isDynamic(hq) || ShapedType::isDynamic(hkv) || hkv == 0)
    return ShapedType::kDynamic;
  return hq / hkv;
}

LogicalResult LinearScanOp::verify() {
  auto q = cast<RankedTensorType>(getQuery().getType());
  auto k = cast<RankedTensorType>(getKey().getType());
  auto v = cast<RankedTensorType>(getValue().getType());
  for (auto [name, t] : {std::pair<StringRef, RankedTensorType>{"query", q},
                         {"key", k},
                         {"value", v}}) {
    if (t.getRank() != 4)
      return emitOpError(name) << " must be 4-D [batch, heads, seq, head_dim], "
                               << "got " << t;
    if (!isa<FloatType>(t.getElementType()))
      return emitOpError(name)
             << " must have a floating-point element type, got "
             << t.getElementType();
  }
  Type elt = q.getElementType();
  if (k.getElementType() != elt || v.getElementType() != elt)
    return emitOpError("query, key and value element types differ: ")
           << elt << ", " << k.getElementType() << ", " << v.getElementType();
  int64_t b = q.getDimSize(0), hq = q.getDimSize(1), t = q.getDimSize(2),
          dk = q.getDimSize(3), hkv = k.getDimSize(1), dv = v.getDimSize(3);
  if (!shapeFits(k, {b, hkv, t, dk}))
    return emitOpError("key ")
           << shapeString(k) << " must be [batch, kv_heads, seq, head_dim] = "
           << dimsString({b, hkv, t, dk})
           << " (batch, seq and head_dim of the query)";
  if (!shapeFits(v, {b, hkv, t, dv}))
    return emitOpError("value ")
           << shapeString(v) << " must be [batch, kv_heads, seq, v_dim] = "
           << dimsString({b, hkv, t, dv}) << " (kv_heads of the key)";
  if (!ShapedType::isDynamic(hq) && !ShapedType::isDynamic(hkv) &&
      (hkv <= 0 || hq % hkv != 0))
    return emitOpError("query heads (")
           << hq << ") must be a positive multiple of key/value heads (" << hkv
           << ")";

  SmallVector<int64_t> stateShape = {b, hkv, dk, dv};
  auto out = cast<RankedTensorType>(getResult().getType());
  if (out.getElementType() != elt || !shapeFits(out, {b, hq, t, dv}))
    return emitOpError("result type ")
           << out << " must be " << dimsString({b, hq, t, dv}) << " of " << elt
           << " ([batch, q_heads, seq, v_dim])";
  auto fin = cast<RankedTensorType>(getFinalState().getType());
  if (Value s0 = getInitialState()) {
    auto st = cast<RankedTensorType>(s0.getType());
    if (!isa<FloatType>(st.getElementType()) || !shapeFits(st, stateShape))
      return emitOpError("initial_state ")
             << st << " must be a float tensor of shape "
             << dimsString(stateShape) << " ([batch, kv_heads, head_dim, "
             << "v_dim])";
    if (fin != st)
      return emitOpError("final_state type ")
             << fin << " must equal the initial_state type " << st;
  } else if (fin.getElementType() != elt || !shapeFits(fin, stateShape)) {
    return emitOpError("final_state type ")
           << fin << " must be " << dimsString(stateShape) << " of " << elt
           << " ([batch, kv_heads, head_dim, v_dim])";
  }

  if (Value g = getDecay()) {
    auto gt = cast<RankedTensorType>(g.getType());
    if (gt.getElementType() != elt)
      return emitOpError("decay element type ")
             << gt.getElementType() << " differs from the query's " << elt;
    if (!shapeFits(gt, {b, hkv, t, dk}, {false, false, false, true}))
      return emitOpError("decay ")
             << shapeString(gt) << " must be " << dimsString({b, hkv, t, dk})
             << " (per key channel) or " << dimsString({b, hkv, t, 1})
             << " (per head)";
  }
  bool delta = getRule() == LinearScanRule::delta;
  Value beta = getBeta();
  if (delta && !beta)
    return emitOpError("the delta rule needs a beta operand");
  if (!delta && beta)
    return emitOpError("beta is only allowed with the delta rule");
  if (beta) {
    auto bt = cast<RankedTensorType>(beta.getType());
    if (bt.getElementType() != elt)
      return emitOpError("beta element type ")
             << bt.getElementType() << " differs from the query's " << elt;
    if (!shapeFits(bt, {b, hkv, t, 1}, {false, true, false, false}))
      return emitOpError("beta ")
             << shapeString(bt) << " must be " << dimsString({b, hkv, t, 1})
             << " or " << dimsString({b, 1, t, 1});
  }
  if (getChunkSizeAttr().getInt() < 0)
    return emitOpError("chunk_size must be >= 0, got ")
           << getChunkSizeAttr().getInt();
  return success();
}

LogicalResult CausalConvOp::verify() {
  auto x = cast<RankedTensorType>(getInput().getType());
  auto w = cast<RankedTensorType>(getWeight().getType());
  if (x.getRank() != 3)
    return emitOpError("input must be 3-D [batch, channels, length], got ")
           << x;
  Type elt = x.getElementType();
  if (!isa<FloatType>(elt))
    return emitOpError("input must have a floating-point element type, got ")
           << elt;
  int64_t b = x.getDimSize(0), c = x.getDimSize(1);
  if (w.getElementType() != elt)
    return emitOpError("weight element type ")
           << w.getElementType() << " differs from the input's " << elt;
  if (w.getRank() != 2 || !sameDim(w.getDimSize(0), c))
    return emitOpError("weight ")
           << shapeString(w)
           << " must be [channels, kernel] with channels = " << c;
  int64_t kernel = w.getDimSize(1);
  if (ShapedType::isDynamic(kernel) || kernel < 1)
    return emitOpError("kernel size (weight dim 1) must be static and >= 1, "
                       "got ")
           << shapeString(w);
  if (Value bias = getBias()) {
    auto bt = cast<RankedTensorType>(bias.getType());
    if (bt.getElementType() != elt || !shapeFits(bt, {c}))
      return emitOpError("bias ") << bt << " must be [" << c << "] of " << elt;
  }
  SmallVector<int64_t> stateShape = {b, c, kernel - 1};
  if (Value s = getState()) {
    auto st = cast<RankedTensorType>(s.getType());
    if (st.getElementType() != elt || !shapeFits(st, stateShape))
      return emitOpError("state ")
             << st << " must be " << dimsString(stateShape) << " of " << elt
             << " ([batch, channels, kernel - 1])";
  }
  if (getResult().getType() != x)
    return emitOpError("result type ")
           << getResult().getType() << " must equal the input type " << x;
  auto ns = cast<RankedTensorType>(getNewState().getType());
  if (ns.getElementType() != elt || !shapeFits(ns, stateShape))
    return emitOpError("new_state type ")
           << ns << " must be " << dimsString(stateShape) << " of " << elt
           << " ([batch, channels, kernel - 1])";
  return success();
}
