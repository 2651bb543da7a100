//===- LinearScanToLinalg.cpp - seq.linear_scan / causal_conv -> linalg ---===//
//
// seq.linear_scan becomes one scf.for over the sequence (the decode path and
// the reference prefill): the [B, Hkv, Dk, Dv] state and the stacked output
// are iter_args. Each step reads the step-t slices of q/k/v/decay/beta and
// runs a few linalg.generics on tensors:
//   S  = S * exp(g)                       (gated; in place on the state)
//   r  = Sᵀ k                             (delta rule)
//   S += k ⊗ (v or β (v - r))             (in place)
//   o  = scale · Sᵀ q   per query head group, inserted at row t.
// The state is accumulated in at least f32 (f16/bf16 activations are
// extended in the generic bodies), the results are truncated at the end.
//
// seq.causal_conv concatenates the state and the input into P (tensor
// inserts), reduces P[l + k] * w[k] over the kernel in one generic, adds the
// bias and applies silu in a second; the new state is the tail of P.
//
//===----------------------------------------------------------------------===//

#include "Common.h"
#include "Patterns.h"
#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;

namespace seqc::lowering {
namespace {

/// The accumulation type: the widest of `types` and f32.
static FloatType computeType(MLIRContext *ctx, ArrayRef<Type> types) {
  FloatType ct = Float32Type::get(ctx);
  for (Type t : types)
    if (auto ft = dyn_cast<FloatType>(t); ft && ft.getWidth() > ct.getWidth())
      ct = ft;
  return ct;
}

/// Converts the scalar `v` to the float type `to` (extf / truncf / none).
static Value convertFloat(OpBuilder &b, Location l, Value v, Type to) {
  auto from = cast<FloatType>(v.getType());
  auto dst = cast<FloatType>(to);
  if (from == dst)
    return v;
  if (from.getWidth() < dst.getWidth())
    return arith::ExtFOp::create(b, l, dst, v);
  return arith::TruncFOp::create(b, l, dst, v);
}

/// Converts a whole tensor to element type `to` (a copy-free no-op when it
/// already has it).
static Value convertTensor(OpBuilder &b, Location loc, Value v, Type to) {
  auto t = cast<RankedTensorType>(v.getType());
  if (t.getElementType() == to)
    return v;
  auto rt = t.clone(to);
  Value init = createEmpty(b, loc, rt, {v});
  AffineMap id = AffineMap::getMultiDimIdentityMap(t.getRank(), b.getContext());
  return buildGeneric(b, loc, rt, {v}, {init}, {id, id}, iterators(t.getRank()),
                      [&](OpBuilder &bb, Location l, ValueRange args) {
                        return SmallVector<Value>{
                            convertFloat(bb, l, args[0], to)};
                      })
      .getResult(0);
}

/// The rank-reduced slice x[:, :, t, :] of a 4-D [B, H, T, D] tensor.
static Value sliceStep(OpBuilder &b, Location loc, Value x, Value t) {
  auto xt = cast<RankedTensorType>(x.getType());
  SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0), b.getIndexAttr(0), t,
                                       b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes = {
      b.getIndexAttr(xt.getDimSize(0)), b.getIndexAttr(xt.getDimSize(1)),
      b.getIndexAttr(1), b.getIndexAttr(xt.getDimSize(3))};
  SmallVector<OpFoldResult> strides(4, b.getIndexAttr(1));
  auto rt = RankedTensorType::get(
      {xt.getDimSize(0), xt.getDimSize(1), xt.getDimSize(3)},
      xt.getElementType());
  return tensor::ExtractSliceOp::create(b, loc, rt, x, offsets, sizes, strides);
}

static bool staticExcept(RankedTensorType t, int64_t dim) {
  for (int64_t d = 0; d < t.getRank(); ++d)
    if (d != dim && t.isDynamicDim(d))
      return false;
  return true;
}

struct LinearScanLowering : OpRewritePattern<seq::LinearScanOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(seq::LinearScanOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    Value q = op.getQuery(), k = op.getKey(), v = op.getValue(),
          s0 = op.getInitialState(), g = op.getDecay(), beta = op.getBeta();
    auto qt = cast<RankedTensorType>(q.getType());
    auto kt = cast<RankedTensorType>(k.getType());
    auto vt = cast<RankedTensorType>(v.getType());
    auto outType = cast<RankedTensorType>(op.getResult().getType());
    auto finType = cast<RankedTensorType>(op.getFinalState().getType());
    // Only the sequence length may be dynamic.
    for (Value x : {q, k, v, g, beta})
      if (x && !staticExcept(cast<RankedTensorType>(x.getType()), 2))
        return rw.notifyMatchFailure(op, "dynamic batch, head or channel dim");
    if (!finType.hasStaticShape() || !staticExcept(outType, 2))
      return rw.notifyMatchFailure(op, "dynamic result dims");
    int64_t b = qt.getDimSize(0), hq = qt.getDimSize(1), dk = qt.getDimSize(3),
            hkv = kt.getDimSize(1), dv = vt.getDimSize(3), grp = hq / hkv;
    Type elt = qt.getElementType();
    FloatType ct = computeType(ctx, {elt, finType.getElementType()});
    bool delta = op.getRule() == seq::LinearScanRule::delta;
    double scale = op.getScale().convertToDouble();

    auto stateType = RankedTensorType::get({b, hkv, dk, dv}, ct);
    Value state =
        s0 ? convertTensor(rw, loc, s0, ct)
           : createFilled(rw, loc, stateType, rw.getFloatAttr(ct, 0.0), {});
    Value len = tensor::DimOp::create(rw, loc, q, 2);
    SmallVector<Value> dyn;
    if (outType.isDynamicDim(2))
      dyn.push_back(len);
    Value outInit = tensor::EmptyOp::create(rw, loc, outType, dyn);

    Value zero = arith::ConstantIndexOp::create(rw, loc, 0);
    Value one = arith::ConstantIndexOp::create(rw, loc, 1);
    auto loop =
        scf::ForOp::create(rw, loc, zero, len, one, ValueRange{state, outInit});
    OpBuilder::InsertionGuard guard(rw);
    rw.setInsertionPointToStart(loop.getBody());
    Value t = loop.getInductionVar();
    Value s = loop.getRegionIterArgs()[0], acc = loop.getRegionIterArgs()[1];

    auto dim = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    auto c0 = getAffineConstantExpr(0, ctx);
    auto map = [&](unsigned n, ArrayRef<AffineExpr> e) {
      return AffineMap::get(n, 0, e, ctx);
    };
    AffineMap id4 = AffineMap::getMultiDimIdentityMap(4, ctx);
    Value kS = sliceStep(rw, loc, k, t), vS = sliceStep(rw, loc, v, t);

    // S = exp(g) * S: g is per key channel (dim 2 of S) or per head.
    if (g) {
      Value gS = sliceStep(rw, loc, g, t);
      bool perHead = cast<RankedTensorType>(g.getType()).getDimSize(3) == 1;
      AffineMap gMap = map(4, {dim(0), dim(1), perHead ? c0 : dim(2)});
      s = buildGeneric(rw, loc, stateType, {gS}, {s}, {gMap, id4}, iterators(4),
                       [&](OpBuilder &bb, Location l, ValueRange a) {
                         Value e = math::ExpOp::create(
                             bb, l, convertFloat(bb, l, a[0], ct));
                         return SmallVector<Value>{
                             arith::MulFOp::create(bb, l, a[1], e)};
                       })
              .getResult(0);
    }

    // Delta rule: r[b, h, j] = sum_i S[b, h, i, j] k[b, h, i].
    Value r, betaS;
    if (delta) {
      auto rType = RankedTensorType::get({b, hkv, dv}, ct);
      Value rInit = createFilled(rw, loc, rType, rw.getFloatAttr(ct, 0.0), {});
      r = buildGeneric(rw, loc, rType, {s, kS}, {rInit},
                       {map(4, {dim(0), dim(1), dim(3), dim(2)}),
                        map(4, {dim(0), dim(1), dim(3)}),
                        map(4, {dim(0), dim(1), dim(2)})},
                       iterators(3, 1),
                       [&](OpBuilder &bb, Location l, ValueRange a) {
                         Value p = arith::MulFOp::create(
                             bb, l, a[0], convertFloat(bb, l, a[1], ct));
                         return SmallVector<Value>{
                             arith::AddFOp::create(bb, l, a[2], p)};
                       })
              .getResult(0);
      betaS = sliceStep(rw, loc, beta, t);
    }

    // S += k ⊗ u with u = v (additive) or beta * (v - r) (delta).
    {
      SmallVector<Value> ins = {kS, vS};
      SmallVector<AffineMap> maps = {map(4, {dim(0), dim(1), dim(2)}),
                                     map(4, {dim(0), dim(1), dim(3)})};
      if (delta) {
        bool sharedBeta =
            cast<RankedTensorType>(beta.getType()).getDimSize(1) == 1;
        ins.push_back(r);
        maps.push_back(map(4, {dim(0), dim(1), dim(3)}));
        ins.push_back(betaS);
        maps.push_back(map(4, {dim(0), sharedBeta ? c0 : dim(1), c0}));
      }
      maps.push_back(id4);
      s = buildGeneric(rw, loc, stateType, ins, {s}, maps, iterators(4),
                       [&](OpBuilder &bb, Location l, ValueRange a) {
                         Value kv = convertFloat(bb, l, a[0], ct);
                         Value u = convertFloat(bb, l, a[1], ct);
                         if (delta)
                           u = arith::MulFOp::create(
                               bb, l, convertFloat(bb, l, a[3], ct),
                               arith::SubFOp::create(bb, l, u, a[2]));
                         Value p = arith::MulFOp::create(bb, l, kv, u);
                         return SmallVector<Value>{
                             arith::AddFOp::create(bb, l, a.back(), p)};
                       })
              .getResult(0);
    }

    // o[b, h, g, j] = scale * sum_i q[b, h * G + g, i] S[b, h, i, j]: the
    // query heads of a group are the expanded [Hkv, G] view of Hq.
    Value qS = sliceStep(rw, loc, q, t);
    SmallVector<ReassociationIndices> heads = {{0}, {1, 2}, {3}};
    Value qG = tensor::ExpandShapeOp::create(
        rw, loc, RankedTensorType::get({b, hkv, grp, dk}, elt), qS, heads);
    auto oType = RankedTensorType::get({b, hkv, grp, dv}, ct);
    Value oInit = createFilled(rw, loc, oType, rw.getFloatAttr(ct, 0.0), {});
    Value o = buildGeneric(rw, loc, oType, {qG, s}, {oInit},
                           {map(5, {dim(0), dim(1), dim(2), dim(4)}),
                            map(5, {dim(0), dim(1), dim(4), dim(3)}),
                            map(5, {dim(0), dim(1), dim(2), dim(3)})},
                           iterators(4, 1),
                           [&](OpBuilder &bb, Location l, ValueRange a) {
                             Value p = arith::MulFOp::create(
                                 bb, l, convertFloat(bb, l, a[0], ct), a[1]);
                             return SmallVector<Value>{
                                 arith::AddFOp::create(bb, l, a[2], p)};
                           })
                  .getResult(0);
    auto oEltType = RankedTensorType::get({b, hkv, grp, dv}, elt);
    Value oEltInit = tensor::EmptyOp::create(rw, loc, oEltType, ValueRange{});
    o = buildGeneric(rw, loc, oEltType, {o}, {oEltInit}, {id4, id4},
                     iterators(4),
                     [&](OpBuilder &bb, Location l, ValueRange a) {
                       Value sc = arith::MulFOp::create(
                           bb, l, a[0], floatConst(bb, l, ct, scale));
                       return SmallVector<Value>{convertFloat(bb, l, sc, elt)};
                     })
            .getResult(0);
    Value oRow = tensor::CollapseShapeOp::create(
        rw, loc, RankedTensorType::get({b, hq, dv}, elt), o, heads);
    SmallVector<OpFoldResult> offsets = {rw.getIndexAttr(0), rw.getIndexAttr(0),
                                         t, rw.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes = {rw.getIndexAttr(b), rw.getIndexAttr(hq),
                                       rw.getIndexAttr(1), rw.getIndexAttr(dv)};
    SmallVector<OpFoldResult> strides(4, rw.getIndexAttr(1));
    acc = tensor::InsertSliceOp::create(rw, loc, oRow, acc, offsets, sizes,
                                        strides);
    scf::YieldOp::create(rw, loc, ValueRange{s, acc});

    rw.setInsertionPointAfter(loop);
    Value fin =
        convertTensor(rw, loc, loop.getResult(0), finType.getElementType());
    rw.replaceOp(op, {loop.getResult(1), fin});
    return success();
  }
};

struct CausalConvLowering : OpRewritePattern<seq::CausalConvOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(seq::CausalConvOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    Value x = op.getInput(), w = op.getWeight(), bias = op.getBias(),
          st = op.getState();
    auto xt = cast<RankedTensorType>(x.getType());
    auto wt = cast<RankedTensorType>(w.getType());
    if (!xt.hasStaticShape() || !wt.hasStaticShape())
      return rw.notifyMatchFailure(op, "dynamic shapes");
    int64_t b = xt.getDimSize(0), c = xt.getDimSize(1), len = xt.getDimSize(2),
            kernel = wt.getDimSize(1);
    Type elt = xt.getElementType();
    FloatType ct = computeType(ctx, {elt});
    auto stateType = RankedTensorType::get({b, c, kernel - 1}, elt);
    SmallVector<OpFoldResult> strides(3, rw.getIndexAttr(1));
    auto at = [&](int64_t v) -> OpFoldResult { return rw.getIndexAttr(v); };

    // P = concat(state or zeros, x) along the length.
    auto padType = RankedTensorType::get({b, c, len + kernel - 1}, elt);
    Value padded =
        st ? tensor::EmptyOp::create(rw, loc, padType, ValueRange{}).getResult()
           : createFilled(rw, loc, padType, rw.getFloatAttr(elt, 0.0), {});
    if (st && kernel > 1)
      padded = tensor::InsertSliceOp::create(
          rw, loc, st, padded, ArrayRef<OpFoldResult>{at(0), at(0), at(0)},
          ArrayRef<OpFoldResult>{at(b), at(c), at(kernel - 1)}, strides);
    padded = tensor::InsertSliceOp::create(
        rw, loc, x, padded,
        ArrayRef<OpFoldResult>{at(0), at(0), at(kernel - 1)},
        ArrayRef<OpFoldResult>{at(b), at(c), at(len)}, strides);

    auto dim = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    auto accType = RankedTensorType::get({b, c, len}, ct);
    Value accInit =
        createFilled(rw, loc, accType, rw.getFloatAttr(ct, 0.0), {});
    Value acc =
        buildGeneric(
            rw, loc, accType, {padded, w}, {accInit},
            {AffineMap::get(4, 0, {dim(0), dim(1), dim(2) + dim(3)}, ctx),
             AffineMap::get(4, 0, {dim(1), dim(3)}, ctx),
             AffineMap::get(4, 0, {dim(0), dim(1), dim(2)}, ctx)},
            iterators(3, 1),
            [&](OpBuilder &bb, Location l, ValueRange a) {
              Value p =
                  arith::MulFOp::create(bb, l, convertFloat(bb, l, a[0], ct),
                                        convertFloat(bb, l, a[1], ct));
              return SmallVector<Value>{arith::AddFOp::create(bb, l, a[2], p)};
            })
            .getResult(0);

    bool silu = op.getActivation() == seq::CausalConvActivation::silu;
    AffineMap id3 = AffineMap::getMultiDimIdentityMap(3, ctx);
    SmallVector<Value> ins = {acc};
    SmallVector<AffineMap> maps = {id3};
    if (bias) {
      ins.push_back(bias);
      maps.push_back(AffineMap::get(3, 0, {dim(1)}, ctx));
    }
    maps.push_back(id3);
    Value yInit = tensor::EmptyOp::create(rw, loc, xt, ValueRange{});
    Value y =
        buildGeneric(
            rw, loc, xt, ins, {yInit}, maps, iterators(3),
            [&](OpBuilder &bb, Location l, ValueRange a) {
              Value z = a[0];
              if (bias)
                z = arith::AddFOp::create(bb, l, z,
                                          convertFloat(bb, l, a[1], ct));
              if (silu) {
                // z * sigmoid(z) = z / (1 + exp(-z))
                Value e =
                    math::ExpOp::create(bb, l, arith::NegFOp::create(bb, l, z));
                Value den =
                    arith::AddFOp::create(bb, l, floatConst(bb, l, ct, 1.0), e);
                z = arith::DivFOp::create(bb, l, z, den);
              }
              return SmallVector<Value>{convertFloat(bb, l, z, elt)};
            })
            .getResult(0);

    // The new state: the last K - 1 positions of P.
    Value newState =
        kernel == 1
            ? tensor::EmptyOp::create(rw, loc, stateType, ValueRange{})
                  .getResult()
            : tensor::ExtractSliceOp::create(
                  rw, loc, stateType, padded,
                  ArrayRef<OpFoldResult>{at(0), at(0), at(len)},
                  ArrayRef<OpFoldResult>{at(b), at(c), at(kernel - 1)}, strides)
                  .getResult();
    rw.replaceOp(op, {y, newState});
    return success();
  }
};

} // namespace

void populateLinearScanPatterns(RewritePatternSet &patterns) {
  patterns.add<LinearScanLowering, CausalConvLowering>(patterns.getContext());
}

} // namespace seqc::lowering
