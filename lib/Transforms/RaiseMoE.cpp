//===- RaiseMoE.cpp - exported mixtures of experts -> seq.moe -------------===//
//
// Four spellings of a mixture of experts become seq.moe_gate + seq.moe:
// batched gathered experts (below), dense one-hot/Where routing
// (RaiseDenseExperts), per-expert chains with their own weights
// (RaisePerExpertChains), and a Qwen2-MoE shared expert beside a seq.moe
// (RaiseSharedExpert).
//
// transformers' `batched_mm` experts (Qwen2/3-MoE, Mixtral, OLMoE exports)
// compute every routed (token, slot) pair with the full weights of its
// expert gathered per pair:
//
//   p = softmax(router_logits); w, e = topk(p, k)   [w /= sum(w)]
//   xs  = reshape(broadcast(x[T,1,H] -> [T,K,H]) -> [T*K,H,1])
//   u   = matmul(gather_nd(W_up[E,N,H], e[T*K,1]), xs)        [T*K,N,1]
//   h   = swiglu(u[:, :N/2], u[:, N/2:])   |   gelu(u)
//   y   = matmul(gather_nd(W_down[E,H,I], e), h[T*K,I,1])     [T*K,H,1]
//   out = reduce_sum(reshape(y * w[T*K,1] -> [T,K,H]), axis 1)
//
// i.e. T*K matrix-vector products over gathered copies of the weights. The
// pattern anchors on the final reduce_sum and rebuilds the chain as
// seq.moe_gate (when the weights come from softmax + topk) and seq.moe, which
// runs only the selected experts, one GEMM per expert. Reshapes are looked
// through; every structural fact the rewrite relies on (which values are
// the topk's, the broadcast of x along K, the order of slots, the slice
// halves) is checked, and anything else keeps its generic lowering.
//
//===----------------------------------------------------------------------===//

#include "RaiseUtils.h"
#include "seq/IR/SeqMoEOps.h"
#include "seqc/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <algorithm>

using namespace mlir;

namespace seqc {
namespace {
using namespace raise;

/// Looks through seq.reshape chains.
static Value stripReshapes(Value v) {
  while (auto r = v.getDefiningOp<seq::ReshapeOp>())
    v = r.getInput();
  return v;
}

static bool hasShape(Value v, ArrayRef<int64_t> shape) {
  auto t = rankedType(v);
  return t && t.hasStaticShape() && t.getShape() == shape;
}

/// `v` (through reshapes) is result `resultNo` of a topk over the last axis
/// of a rank-2 [T, E] input with k = K.
static seq::TopKOp matchTopK(Value v, unsigned resultNo, int64_t t, int64_t k) {
  v = stripReshapes(v);
  auto topk = v.getDefiningOp<seq::TopKOp>();
  if (!topk || cast<OpResult>(v).getResultNumber() != resultNo ||
      !topk.getLargest() || (int64_t)topk.getK() != k)
    return {};
  auto in = rankedType(topk.getInput());
  if (!in || in.getRank() != 2 || in.getDimSize(0) != t ||
      normalizeAxis(topk.getAxis(), 2) != 1 || !in.getElementType().isF32())
    return {};
  return topk;
}

/// gather_nd(W[E, A, B], idx[T*K, 1]) with idx the topk's indices: W.
static Value matchGatheredWeights(Value v, int64_t t, int64_t k,
                                  seq::TopKOp &topk) {
  auto g = v.getDefiningOp<seq::GatherNDOp>();
  if (!g || g.getBatchDims() != 0)
    return {};
  auto w = rankedType(g.getData());
  if (!w || w.getRank() != 3 || !w.hasStaticShape() ||
      !hasShape(g.getIndices(), {t * k, 1}))
    return {};
  seq::TopKOp src = matchTopK(g.getIndices(), 1, t, k);
  if (!src || (topk && src != topk))
    return {};
  topk = src;
  // Experts are the topk's candidates: every index addresses a weight.
  if (rankedType(src.getInput()).getDimSize(1) != w.getDimSize(0))
    return {};
  return g.getData();
}

/// matmul(gather_nd(W, idx), col[T*K, K_, 1]) -> [T*K, N, 1]: W and col.
static bool matchExpertMatVec(Value v, int64_t t, int64_t k, seq::TopKOp &topk,
                              Value &weights, Value &col) {
  auto mm = stripReshapes(v).getDefiningOp<seq::MatMulOp>();
  if (!mm)
    return false;
  weights = matchGatheredWeights(mm.getLhs(), t, k, topk);
  if (!weights)
    return false;
  auto w = rankedType(weights);
  if (!hasShape(mm.getRhs(), {t * k, w.getDimSize(2), 1}) ||
      !hasShape(mm.getResult(), {t * k, w.getDimSize(1), 1}))
    return false;
  col = mm.getRhs();
  return true;
}

/// The token rows [T, H] that `v` ([T*K, H, 1]) repeats K times, slot-major
/// within a token: reshape(broadcast(reshape(x -> [T, 1, H]) -> [T, K, H])).
static Value matchRepeatedTokens(Value v, int64_t t, int64_t k, int64_t h) {
  auto b = stripReshapes(v).getDefiningOp<seq::BroadcastOp>();
  if (!b || !hasShape(b.getResult(), {t, k, h}) ||
      !hasShape(b.getInput(), {t, 1, h}))
    return {};
  Value x = stripReshapes(b.getInput());
  auto xt = rankedType(x);
  if (!xt || !xt.hasStaticShape() || xt.getNumElements() != t * h ||
      xt.getShape().back() != h)
    return {};
  return x;
}

/// `v` is the static unit-stride slice [off, off + size) of the last dim of
/// `src` (every other dim whole).
static bool isColumnSlice(Value v, Value &src, int64_t off, int64_t size) {
  auto s = v.getDefiningOp<tensor::ExtractSliceOp>();
  if (!s || !s.hasUnitStride())
    return false;
  ArrayRef<int64_t> offs = s.getStaticOffsets(), sizes = s.getStaticSizes();
  auto st = rankedType(s.getSource());
  if (!st || !st.hasStaticShape() || (int64_t)offs.size() != st.getRank())
    return false;
  int64_t last = st.getRank() - 1;
  for (int64_t d = 0; d < last; ++d)
    if (offs[d] != 0 || sizes[d] != st.getDimSize(d))
      return false;
  if (offs[last] != off || sizes[last] != size)
    return false;
  if (src && src != s.getSource())
    return false;
  src = s.getSource();
  return true;
}

/// The expert activation applied to `act`: its input `u` (the up projection,
/// [..., N]) and kind, for swiglu of the [gate | up] halves of the last dim
/// or GELU.
static std::optional<seq::MoEActivation>
matchActivation(Value act, int64_t inter, Value &u) {
  if (auto sw = act.getDefiningOp<seq::SwiGLUOp>()) {
    if (!isColumnSlice(sw.getLhs(), u, 0, inter) ||
        !isColumnSlice(sw.getRhs(), u, inter, inter) ||
        sw.getResult().getType() != sw.getLhs().getType())
      return std::nullopt;
    return seq::MoEActivation::swiglu;
  }
  if (auto g = act.getDefiningOp<seq::GeluOp>()) {
    u = g.getInput();
    return g.getApproximate() == seq::GeluApproximation::tanh
               ? seq::MoEActivation::gelu_tanh
               : seq::MoEActivation::gelu;
  }
  return std::nullopt;
}

/// Routing weights `w` (through reshapes): the values of `topk`'s kind
/// (rank-2 [T, K] over the last axis), possibly divided by their sum.
static seq::TopKOp matchRoutingWeights(Value w, int64_t t, int64_t k,
                                       bool &normalize) {
  Value wsrc = stripReshapes(w);
  normalize = false;
  if (auto div = wsrc.getDefiningOp<seq::DivOp>()) {
    auto sum = div.getRhs().getDefiningOp<seq::ReduceOp>();
    if (!sum || sum.getKind() != seq::ReduceKind::sum ||
        sum.getInput() != div.getLhs() || !sum.getKeepDims() ||
        sum.getAxes().size() != 1 || normalizeAxis(sum.getAxes()[0], 2) != 1)
      return {};
    wsrc = div.getLhs();
    normalize = true;
  }
  seq::TopKOp topk = matchTopK(wsrc, 0, t, k);
  if (!topk || !hasShape(wsrc, {t, k}))
    return {};
  return topk;
}

/// combine[T, E] = reduce_sum(select(equal(idx[T,K,1], arange(E)),
/// w[T,K,1], 0), axis 1) with idx and w (possibly renormalised) of one topk:
/// that topk, and the weights `w`.
static seq::TopKOp matchOneHotCombine(Value combine, int64_t t, int64_t e,
                                      bool &normalize, Value &w) {
  auto csum = combine.getDefiningOp<seq::ReduceOp>();
  if (!csum || csum.getKind() != seq::ReduceKind::sum ||
      csum.getAxes().size() != 1 || csum.getKeepDims())
    return {};
  auto sel = csum.getInput().getDefiningOp<seq::SelectOp>();
  auto selT = sel ? rankedType(sel.getResult()) : RankedTensorType();
  if (!sel || !selT || selT.getRank() != 3 || selT.getDimSize(0) != t ||
      selT.getDimSize(2) != e || normalizeAxis(csum.getAxes()[0], 3) != 1)
    return {};
  int64_t k = selT.getDimSize(1);
  std::optional<double> zero = getSplatFloat(sel.getOperand(2));
  if (!zero || *zero != 0.0 || !hasShape(sel.getOperand(1), {t, k, 1}))
    return {};
  auto eq = sel.getOperand(0).getDefiningOp<seq::EqualOp>();
  if (!eq)
    return {};
  Value idx = eq.getLhs(), iota = eq.getRhs();
  DenseIntElementsAttr iotaAttr;
  if (!matchPattern(iota, m_Constant(&iotaAttr)))
    std::swap(idx, iota);
  if (!matchPattern(iota, m_Constant(&iotaAttr)) ||
      iotaAttr.getNumElements() != e || !hasShape(idx, {t, k, 1}))
    return {};
  for (auto [i, v] : llvm::enumerate(iotaAttr.getValues<APInt>()))
    if (v.getSExtValue() != (int64_t)i)
      return {};
  w = sel.getOperand(1);
  seq::TopKOp topk = matchRoutingWeights(w, t, k, normalize);
  if (!topk || matchTopK(idx, 1, t, k) != topk ||
      rankedType(topk.getInput()).getDimSize(1) != e)
    return {};
  return topk;
}

/// Builds seq.moe_gate (for a softmax router) + seq.moe and replaces `root`.
static void buildMoE(PatternRewriter &rewriter, Operation *root,
                     seq::TopKOp topk, bool normalize, Value normalized,
                     Value x, Value up, Value down,
                     seq::MoEActivation activation) {
  Location loc = root->getLoc();
  auto xt = rankedType(x);
  int64_t h = xt.getShape().back(), t = xt.getNumElements() / h,
          k = topk.getK();
  auto x2Type = RankedTensorType::get({t, h}, rewriter.getF32Type());
  if (x.getType() != x2Type)
    x = seq::ReshapeOp::create(rewriter, loc, x2Type, x);
  Value weights = topk.getValues(), indices = topk.getIndices();
  if (auto sm = topk.getInput().getDefiningOp<seq::SoftmaxOp>();
      sm && !sm.getLog() && normalizeAxis(sm.getAxis(), 2) == 1) {
    auto gate = seq::MoEGateOp::create(
        rewriter, loc, topk.getValues().getType(), topk.getIndices().getType(),
        sm.getInput(), k, normalize);
    weights = gate.getWeights();
    indices = gate.getIndices();
  } else if (normalize) {
    weights = normalized;
  }
  Value moe =
      seq::MoEOp::create(rewriter, loc, x2Type, x, weights, indices, up, down,
                         /*shared_up=*/Value(), /*shared_down=*/Value(),
                         /*shared_gate=*/Value(), /*constants=*/Value(),
                         static_cast<uint32_t>(activation), /*kinds=*/nullptr);
  Type resultType = root->getResult(0).getType();
  if (moe.getType() != resultType)
    moe = seq::ReshapeOp::create(rewriter, loc, resultType, moe);
  rewriter.replaceOp(root, moe);
}

struct RaiseBatchedExperts : OpRewritePattern<seq::ReduceOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(seq::ReduceOp red,
                                PatternRewriter &rewriter) const override {
    // out[T, H] = reduce_sum(p[T, K, H], axis 1).
    auto in = rankedType(red.getInput());
    if (red.getKind() != seq::ReduceKind::sum || !in || in.getRank() != 3 ||
        !in.hasStaticShape() || red.getAxes().size() != 1 ||
        normalizeAxis(red.getAxes()[0], 3) != 1 || !in.getElementType().isF32())
      return rewriter.notifyMatchFailure(red, "not a sum over MoE slots");
    int64_t t = in.getDimSize(0), k = in.getDimSize(1), h = in.getDimSize(2);
    // p = y[T*K, H] * w[T*K, 1] (either order).
    auto mul = stripReshapes(red.getInput()).getDefiningOp<seq::MulOp>();
    if (!mul || !hasShape(mul.getResult(), {t * k, h}))
      return rewriter.notifyMatchFailure(red, "no weighted expert outputs");
    Value y = mul.getLhs(), w = mul.getRhs();
    if (!hasShape(w, {t * k, 1}))
      std::swap(y, w);
    if (!hasShape(w, {t * k, 1}) || !hasShape(y, {t * k, h}))
      return rewriter.notifyMatchFailure(red, "no [T*K, 1] routing weights");

    // Routing weights: topk values, possibly renormalised by their sum.
    bool normalize;
    seq::TopKOp topk = matchRoutingWeights(w, t, k, normalize);
    if (!topk)
      return rewriter.notifyMatchFailure(red, "weights are not topk values");

    // Down projection, activation, up projection.
    Value down, hcol, up, xcol;
    if (!matchExpertMatVec(y, t, k, topk, down, hcol))
      return rewriter.notifyMatchFailure(red, "no gathered down projection");
    auto downT = rankedType(down);
    int64_t inter = downT.getDimSize(2);
    if (downT.getDimSize(1) != h)
      return rewriter.notifyMatchFailure(red, "down projection is not [E,H,I]");
    Value u;
    std::optional<seq::MoEActivation> activation =
        matchActivation(stripReshapes(hcol), inter, u);
    if (!activation || !hasShape(stripReshapes(hcol), {t * k, inter}))
      return rewriter.notifyMatchFailure(red, "unknown expert activation");
    int64_t n = *activation == seq::MoEActivation::swiglu ? 2 * inter : inter;
    if (!hasShape(u, {t * k, n}) || !matchExpertMatVec(u, t, k, topk, up, xcol))
      return rewriter.notifyMatchFailure(red, "no gathered up projection");
    auto upT = rankedType(up);
    if (upT.getDimSize(1) != n || upT.getDimSize(2) != h ||
        upT.getDimSize(0) != downT.getDimSize(0))
      return rewriter.notifyMatchFailure(red, "expert weight shapes differ");
    Value x = matchRepeatedTokens(xcol, t, k, h);
    if (!x)
      return rewriter.notifyMatchFailure(red, "expert input is not x per slot");
    buildMoE(rewriter, red, topk, normalize, stripReshapes(w), x, up, down,
             *activation);
    return success();
  }
};

/// A dense mixture that runs every expert on every token and combines with
/// one-hot routing weights (`Where(Equal(topk_indices, arange(E)), w, 0)`
/// summed over the k slots), as exporters spell a dispatch-free MoE:
///
///   c[T, E] = reduce_sum(select(equal(e[T,K,1], iota(E)), w[T,K,1], 0), 1)
///   u[E, T, N] = matmul(x[1, T, H], W_up[E, H, N])      (in x out weights)
///   y[E, T, H] = matmul(act(u), W_down[E, I, H])
///   out[T, H] = reduce_sum(y * transpose(c)[E, T, 1], axis 0)
///
/// seq.moe computes only the k selected experts of every token; the weights
/// are passed as transposed views (the lowering reads them in place).
struct RaiseDenseExperts : OpRewritePattern<seq::ReduceOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(seq::ReduceOp red,
                                PatternRewriter &rewriter) const override {
    auto in = rankedType(red.getInput());
    if (red.getKind() != seq::ReduceKind::sum || !in || in.getRank() != 3 ||
        !in.hasStaticShape() || red.getAxes().size() != 1 ||
        normalizeAxis(red.getAxes()[0], 3) != 0 || !in.getElementType().isF32())
      return rewriter.notifyMatchFailure(red, "not a sum over experts");
    int64_t e = in.getDimSize(0), t = in.getDimSize(1), h = in.getDimSize(2);
    auto mul = red.getInput().getDefiningOp<seq::MulOp>();
    if (!mul)
      return rewriter.notifyMatchFailure(red, "no weighted expert outputs");
    Value y = mul.getLhs(), c = mul.getRhs();
    if (!hasShape(c, {e, t, 1}))
      std::swap(y, c);
    if (!hasShape(c, {e, t, 1}) || !hasShape(y, {e, t, h}))
      return rewriter.notifyMatchFailure(red, "no [E, T, 1] expert weights");

    // c = transpose(reduce_sum(select(equal(idx, iota), w, 0), 1)).
    auto tr = stripReshapes(c).getDefiningOp<seq::TransposeOp>();
    if (!tr || tr.getPermutation() != ArrayRef<int64_t>{1, 0})
      return rewriter.notifyMatchFailure(red, "combine weights not [T, E]");
    bool normalize;
    Value w;
    seq::TopKOp topk = matchOneHotCombine(tr.getInput(), t, e, normalize, w);
    if (!topk)
      return rewriter.notifyMatchFailure(red, "combine is not one-hot topk");

    // y = matmul(act(matmul(x, W_up)), W_down).
    auto mmDown = y.getDefiningOp<seq::MatMulOp>();
    if (!mmDown)
      return rewriter.notifyMatchFailure(red, "no down projection");
    auto downT = rankedType(mmDown.getRhs());
    if (!downT || !downT.hasStaticShape() || downT.getRank() != 3 ||
        downT.getDimSize(0) != e || downT.getDimSize(2) != h)
      return rewriter.notifyMatchFailure(red, "down weights are not [E, I, H]");
    int64_t inter = downT.getDimSize(1);
    Value u;
    std::optional<seq::MoEActivation> activation =
        matchActivation(mmDown.getLhs(), inter, u);
    if (!activation || !hasShape(mmDown.getLhs(), {e, t, inter}))
      return rewriter.notifyMatchFailure(red, "unknown expert activation");
    int64_t n = *activation == seq::MoEActivation::swiglu ? 2 * inter : inter;
    auto mmUp = u.getDefiningOp<seq::MatMulOp>();
    if (!mmUp || !hasShape(u, {e, t, n}) || !hasShape(mmUp.getRhs(), {e, h, n}))
      return rewriter.notifyMatchFailure(red, "no up projection");
    Value x = mmUp.getLhs();
    auto xt = rankedType(x);
    if (!xt || !xt.hasStaticShape() || xt.getRank() != 3 ||
        xt.getDimSize(0) != 1 || xt.getDimSize(1) != t || xt.getDimSize(2) != h)
      return rewriter.notifyMatchFailure(red, "up projection input not x");

    // Out x in expert weights as views of the in x out ones.
    Location loc = red.getLoc();
    auto f32 = rewriter.getF32Type();
    Value up = seq::TransposeOp::create(
        rewriter, loc, RankedTensorType::get({e, n, h}, f32), mmUp.getRhs(),
        rewriter.getDenseI64ArrayAttr({0, 2, 1}));
    Value down = seq::TransposeOp::create(
        rewriter, loc, RankedTensorType::get({e, h, inter}, f32),
        mmDown.getRhs(), rewriter.getDenseI64ArrayAttr({0, 2, 1}));
    buildMoE(rewriter, red, topk, normalize, stripReshapes(w), x, up, down,
             *activation);
    return success();
  }
};

/// One expert of a per-expert chain: y = act(x W1 [, x W3]) W2 with
/// constant in x out weights (W3: the SwiGLU up projection).
struct ChainExpert {
  Value x, w1, w3, w2;
  seq::MoEActivation act;
};

static std::optional<ChainExpert> matchChainExpert(Value y) {
  auto down = y.getDefiningOp<seq::MatMulOp>();
  if (!down)
    return std::nullopt;
  ChainExpert ex;
  ex.w2 = down.getRhs();
  Value a = down.getLhs();
  auto matmulOfX = [&](Value v, Value &w) {
    auto mm = v.getDefiningOp<seq::MatMulOp>();
    if (!mm || (ex.x && mm.getLhs() != ex.x))
      return false;
    ex.x = mm.getLhs();
    w = mm.getRhs();
    return true;
  };
  if (auto sw = a.getDefiningOp<seq::SwiGLUOp>()) {
    if (!matmulOfX(sw.getLhs(), ex.w1) || !matmulOfX(sw.getRhs(), ex.w3))
      return std::nullopt;
    ex.act = seq::MoEActivation::swiglu;
  } else if (auto g = a.getDefiningOp<seq::GeluOp>()) {
    if (!matmulOfX(g.getInput(), ex.w1))
      return std::nullopt;
    ex.act = g.getApproximate() == seq::GeluApproximation::tanh
                 ? seq::MoEActivation::gelu_tanh
                 : seq::MoEActivation::gelu;
  } else {
    return std::nullopt;
  }
  for (Value w : {ex.w1, ex.w3, ex.w2})
    if (w && !matchPattern(w, m_Constant()))
      return std::nullopt;
  return ex;
}

/// Per-expert chains: every expert e has its own weights and runs on every
/// token, scaled by column e of a one-hot routing combine, and the terms are
/// added up (an unrolled `for e: out += c[:, e] * expert_e(x)`):
///
///   c[T, E] = reduce_sum(select(equal(topk_idx, arange(E)), w, 0), 1)
///   out = sum_e  act(x W1_e [, x W3_e]) W2_e * c[:, e:e+1]
///
/// The expert weights are stacked into one constant per projection at
/// compile time (in x out, read by seq.moe through transposed views).
struct RaisePerExpertChains : OpRewritePattern<seq::AddOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(seq::AddOp root,
                                PatternRewriter &rewriter) const override {
    auto rt = rankedType(root.getResult());
    if (!rt || rt.getRank() != 2 || !rt.hasStaticShape() ||
        !rt.getElementType().isF32())
      return rewriter.notifyMatchFailure(root, "not a [T, H] f32 sum");
    int64_t t = rt.getDimSize(0), h = rt.getDimSize(1);
    // The leaves of the add tree.
    SmallVector<Value> terms, stack{root.getResult()};
    while (!stack.empty() && terms.size() <= 4096) {
      Value v = stack.pop_back_val();
      auto add = v.getDefiningOp<seq::AddOp>();
      if (add && add.getType() == rt && add.getLhs().getType() == rt &&
          add.getRhs().getType() == rt) {
        stack.push_back(add.getRhs());
        stack.push_back(add.getLhs());
      } else {
        terms.push_back(v);
      }
    }
    if (terms.size() < 2 || !stack.empty())
      return rewriter.notifyMatchFailure(root, "not an add tree of terms");
    int64_t e = terms.size();
    // Every term: y_e * c[:, e:e+1] of one combine, every column once.
    Value combine;
    SmallVector<std::optional<ChainExpert>> experts(e);
    for (Value term : terms) {
      auto mul = term.getDefiningOp<seq::MulOp>();
      if (!mul)
        return rewriter.notifyMatchFailure(root, "term is not a product");
      Value y = mul.getLhs(), c = mul.getRhs();
      if (!hasShape(c, {t, 1}))
        std::swap(y, c);
      auto slice = c.getDefiningOp<tensor::ExtractSliceOp>();
      if (!slice || !hasShape(c, {t, 1}) || y.getType() != rt ||
          (combine && slice.getSource() != combine) ||
          !hasShape(slice.getSource(), {t, e}))
        return rewriter.notifyMatchFailure(root, "term not scaled by a column");
      combine = slice.getSource();
      Value src;
      int64_t col = slice.getStaticOffsets().back();
      if (col < 0 || col >= e || !isColumnSlice(c, src, col, 1) || experts[col])
        return rewriter.notifyMatchFailure(root, "columns not 0..E-1 once");
      experts[col] = matchChainExpert(y);
      if (!experts[col])
        return rewriter.notifyMatchFailure(root, "term is not an expert MLP");
    }
    bool normalize;
    Value w;
    seq::TopKOp topk = matchOneHotCombine(combine, t, e, normalize, w);
    if (!topk)
      return rewriter.notifyMatchFailure(root, "combine is not one-hot topk");

    // Same input, activation and weight shapes for every expert.
    const ChainExpert &first = *experts[0];
    auto w1T = rankedType(first.w1), w2T = rankedType(first.w2);
    if (!w1T || w1T.getRank() != 2 || w1T.getDimSize(0) != h || !w2T ||
        w2T.getRank() != 2 || w2T.getDimSize(1) != h ||
        w2T.getDimSize(0) != w1T.getDimSize(1) || !hasShape(first.x, {t, h}))
      return rewriter.notifyMatchFailure(root,
                                         "expert weights not [H,I],[I,H]");
    int64_t inter = w1T.getDimSize(1);
    bool swiglu = first.act == seq::MoEActivation::swiglu;
    int64_t n = swiglu ? 2 * inter : inter;
    for (const auto &ex : experts)
      if (ex->x != first.x || ex->act != first.act || ex->w1.getType() != w1T ||
          ex->w2.getType() != w2T || (swiglu && ex->w3.getType() != w1T))
        return rewriter.notifyMatchFailure(root, "experts differ in shape");

    // Stack: up [E, H, N] = [W1_e | W3_e] per row, down [E, I, H].
    std::vector<float> up(e * h * n), down(e * inter * h);
    for (int64_t i = 0; i < e; ++i) {
      SmallVector<float> s1, s3, s2;
      auto v1 = constFloats(experts[i]->w1, s1);
      auto v2 = constFloats(experts[i]->w2, s2);
      auto v3 = swiglu ? constFloats(experts[i]->w3, s3)
                       : std::optional<ArrayRef<float>>(ArrayRef<float>());
      if (!v1 || !v2 || !v3)
        return rewriter.notifyMatchFailure(root, "weights are not f32 data");
      for (int64_t r = 0; r < h; ++r) {
        float *dst = up.data() + (i * h + r) * n;
        std::copy_n(v1->data() + r * inter, inter, dst);
        if (swiglu)
          std::copy_n(v3->data() + r * inter, inter, dst + inter);
      }
      std::copy_n(v2->data(), inter * h, down.data() + i * inter * h);
    }
    Location loc = root.getLoc();
    auto f32 = rewriter.getF32Type();
    auto blob = [&](ArrayRef<int64_t> shape, ArrayRef<float> data,
                    StringRef name) -> Value {
      ArrayRef<char> bytes(reinterpret_cast<const char *>(data.data()),
                           data.size() * sizeof(float));
      auto attr = DenseResourceElementsAttr::get(
          RankedTensorType::get(shape, f32), name,
          HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, 64));
      return arith::ConstantOp::create(rewriter, loc, attr);
    };
    Value upIO = blob({e, h, n}, up, "moe_stacked_up");
    Value downIO = blob({e, inter, h}, down, "moe_stacked_down");
    Value upV = seq::TransposeOp::create(
        rewriter, loc, RankedTensorType::get({e, n, h}, f32), upIO,
        rewriter.getDenseI64ArrayAttr({0, 2, 1}));
    Value downV = seq::TransposeOp::create(
        rewriter, loc, RankedTensorType::get({e, h, inter}, f32), downIO,
        rewriter.getDenseI64ArrayAttr({0, 2, 1}));
    buildMoE(rewriter, root, topk, normalize, stripReshapes(w), first.x, upV,
             downV, first.act);
    return success();
  }
};

/// A shared expert beside the routed ones (Qwen2-MoE):
///
///   out = moe(x) + sigmoid(x g[H,1]) * act(x Wg[H,I] [, x Wu[H,I]]) Wd[I,H]
///
/// with constant in x out weights and the moe's activation: folded into the
/// seq.moe as its shared expert (weights as transposed views, [Wg | Wu]
/// stacked at compile time).
struct RaiseSharedExpert : OpRewritePattern<seq::AddOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(seq::AddOp add,
                                PatternRewriter &rewriter) const override {
    seq::MoEOp moe;
    Value other;
    for (auto [a, b] : {std::pair{add.getLhs(), add.getRhs()},
                        std::pair{add.getRhs(), add.getLhs()}}) {
      moe = a.getDefiningOp<seq::MoEOp>();
      other = b;
      if (moe)
        break;
    }
    if (!moe || moe.getSharedUp() || !moe->hasOneUse() ||
        add.getType() != moe.getType() || other.getType() != moe.getType())
      return rewriter.notifyMatchFailure(add, "not moe + shared expert");
    auto xt = rankedType(moe.getInput());
    int64_t t = xt.getDimSize(0), h = xt.getDimSize(1);
    if (ShapedType::isDynamic(t))
      return rewriter.notifyMatchFailure(add, "dynamic token count");
    // Optional sigmoid gate: sigmoid(x g) * mlp (either order).
    Value mlp = other, gateW;
    Value x = stripReshapes(moe.getInput());
    if (auto mul = other.getDefiningOp<seq::MulOp>()) {
      for (auto [g, m] : {std::pair{mul.getLhs(), mul.getRhs()},
                          std::pair{mul.getRhs(), mul.getLhs()}}) {
        auto sig = g.getDefiningOp<seq::SigmoidOp>();
        auto mm = sig ? sig.getInput().getDefiningOp<seq::MatMulOp>()
                      : seq::MatMulOp();
        if (mm && hasShape(g, {t, 1}) && hasShape(mm.getRhs(), {h, 1}) &&
            stripReshapes(mm.getLhs()) == x &&
            matchPattern(mm.getRhs(), m_Constant())) {
          gateW = mm.getRhs();
          mlp = m;
          break;
        }
      }
      if (!gateW)
        return rewriter.notifyMatchFailure(add, "unknown shared gate");
    }
    std::optional<ChainExpert> ex = matchChainExpert(mlp);
    if (!ex || ex->act != moe.getActivationKind() ||
        stripReshapes(ex->x) != x || mlp.getType() != moe.getType())
      return rewriter.notifyMatchFailure(add, "no shared expert MLP");
    auto w1T = rankedType(ex->w1), w2T = rankedType(ex->w2);
    bool swiglu = ex->act == seq::MoEActivation::swiglu;
    if (!w1T || w1T.getRank() != 2 || w1T.getDimSize(0) != h || !w2T ||
        w2T.getRank() != 2 || w2T.getDimSize(0) != w1T.getDimSize(1) ||
        w2T.getDimSize(1) != h || (swiglu && ex->w3.getType() != w1T))
      return rewriter.notifyMatchFailure(add, "shared weights not [H,I],[I,H]");
    int64_t inter = w1T.getDimSize(1), n = swiglu ? 2 * inter : inter;

    Location loc = add.getLoc();
    auto f32 = rewriter.getF32Type();
    auto view = [&](Value v, ArrayRef<int64_t> shape) -> Value {
      return seq::TransposeOp::create(rewriter, loc,
                                      RankedTensorType::get(shape, f32), v,
                                      rewriter.getDenseI64ArrayAttr({1, 0}));
    };
    Value upIO = ex->w1;
    if (swiglu) {
      SmallVector<float> s1, s3;
      auto v1 = constFloats(ex->w1, s1), v3 = constFloats(ex->w3, s3);
      if (!v1 || !v3)
        return rewriter.notifyMatchFailure(add, "weights are not f32 data");
      std::vector<float> up(h * n);
      for (int64_t r = 0; r < h; ++r) {
        std::copy_n(v1->data() + r * inter, inter, up.data() + r * n);
        std::copy_n(v3->data() + r * inter, inter, up.data() + r * n + inter);
      }
      ArrayRef<char> bytes(reinterpret_cast<const char *>(up.data()),
                           up.size() * sizeof(float));
      upIO = arith::ConstantOp::create(
          rewriter, loc,
          DenseResourceElementsAttr::get(
              RankedTensorType::get({h, n}, f32), "moe_shared_up",
              HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, 64)));
    }
    Value sharedUp = view(upIO, {n, h});
    Value sharedDown = view(ex->w2, {h, inter});
    Value sharedGate = gateW ? view(gateW, {1, h}) : Value();
    auto fused = seq::MoEOp::create(
        rewriter, loc, moe.getType(), moe.getInput(), moe.getWeights(),
        moe.getIndices(), moe.getUpWeights(), moe.getDownWeights(), sharedUp,
        sharedDown, sharedGate, moe.getConstants(), moe.getActivation(),
        moe.getKindsAttr());
    rewriter.replaceOp(add, fused.getResult());
    rewriter.eraseOp(moe);
    return success();
  }
};
} // namespace

void populateRaiseMoEPatterns(RewritePatternSet &patterns) {
  patterns.add<RaiseBatchedExperts, RaiseDenseExperts, RaisePerExpertChains,
               RaiseSharedExpert>(patterns.getContext());
}
} // namespace seqc
