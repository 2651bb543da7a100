//===- RaiseRope.cpp - decomposed rotary embedding -> seq.rope ------------===//
//
// Hugging Face exports spell RoPE as `x * cos + rot(x) * sin` with
//   rotate-half:  rot(x) = concat(-x[..., h:], x[..., :h], axis = -1)
//   interleaved:  rot(x) = reshape(concat(-x[..., 1::2, None],
//                                          x[..., 0::2, None], axis = -1))
// and cos/sin tables as wide as x's last dim (any values: channel d reads
// entry d). That is exactly seq.rope with full-width tables, so the tables
// need not be constants. The ONNX RotaryEmbedding function body (and
// exporters following it) uses half tables on the two halves x1, x2 (or the
// even/odd channels):
//   concat(cos * x1 - sin * x2, sin * x1 + cos * x2)     (or interleaved)
// which is seq.rope with half tables. A rope of the first R channels
// concatenated with the rest (partial rotation) becomes rotary_dim = R.
// Every match is exact: a static 4-D x, tables that broadcast to x without
// changing its shape, the slices covering the two halves (or the even/odd
// channels) of the same x, the signs of the rotation.
//
//===----------------------------------------------------------------------===//

#include "RaiseUtils.h"
#include "seqc/Transforms/Passes.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace seqc {
namespace {
using namespace raise;

/// `v` is an extract_slice of the whole of its (static, same-rank) source
/// except the last dim, where it reads `size` elements from `offset` with
/// `stride`. Returns the source.
static Value matchLastDimSlice(Value v, int64_t offset, int64_t size,
                               int64_t stride) {
  auto slice = v.getDefiningOp<tensor::ExtractSliceOp>();
  if (!slice)
    return {};
  auto src = slice.getSourceType();
  int64_t rank = src.getRank();
  if (!src.hasStaticShape() || slice.getType().getRank() != rank)
    return {};
  ArrayRef<int64_t> offs = slice.getStaticOffsets(),
                    sizes = slice.getStaticSizes(),
                    strides = slice.getStaticStrides();
  for (int64_t i = 0; i + 1 < rank; ++i)
    if (offs[i] != 0 || sizes[i] != src.getDimSize(i) || strides[i] != 1)
      return {};
  if (offs.back() != offset || sizes.back() != size || strides.back() != stride)
    return {};
  return slice.getSource();
}

/// concat(-x[..., h:], x[..., :h]) along the last dim: returns x.
static Value matchRotateHalf(Value v) {
  auto concat = v.getDefiningOp<tensor::ConcatOp>();
  auto type = rankedType(v);
  if (!concat || concat.getInputs().size() != 2 || !type.hasStaticShape() ||
      (int64_t)concat.getDim() != type.getRank() - 1)
    return {};
  int64_t d = type.getShape().back(), h = d / 2;
  auto neg = concat.getInputs()[0].getDefiningOp<seq::NegOp>();
  if (d % 2 != 0 || !neg)
    return {};
  Value x = matchLastDimSlice(neg.getInput(), h, h, 1);
  if (!x || matchLastDimSlice(concat.getInputs()[1], 0, h, 1) != x ||
      rankedType(x) != type)
    return {};
  return x;
}

/// Strips seq.reshape ops adding a trailing unit dim and (when `negated`)
/// exactly one seq.neg, in either order.
static Value stripUnsqueezeNeg(Value v, bool negated) {
  int negs = 0;
  while (true) {
    if (auto r = v.getDefiningOp<seq::ReshapeOp>()) {
      ArrayRef<int64_t> in = rankedType(r.getInput()).getShape(),
                        out = r.getType().getShape();
      if (out.size() != in.size() + 1 || out.back() != 1 ||
          out.drop_back() != in)
        return {};
      v = r.getInput();
    } else if (auto n = v.getDefiningOp<seq::NegOp>()) {
      ++negs;
      v = n.getInput();
    } else {
      break;
    }
  }
  return negs == (negated ? 1 : 0) ? v : Value();
}

/// reshape(concat(-x[..., 1::2, None], x[..., 0::2, None], axis = -1)) back
/// to x's shape: returns x.
static Value matchRotateEveryTwo(Value v) {
  auto reshape = v.getDefiningOp<seq::ReshapeOp>();
  if (!reshape)
    return {};
  auto concat = reshape.getInput().getDefiningOp<tensor::ConcatOp>();
  auto type = rankedType(v);
  if (!concat || concat.getInputs().size() != 2 || !type.hasStaticShape())
    return {};
  auto ct = rankedType(concat.getResult());
  int64_t d = type.getShape().back(), h = d / 2;
  SmallVector<int64_t> expect(type.getShape().drop_back());
  expect.append({h, 2});
  if (d % 2 != 0 || ct.getShape() != ArrayRef<int64_t>(expect) ||
      (int64_t)concat.getDim() != ct.getRank() - 1)
    return {};
  Value odd = stripUnsqueezeNeg(concat.getInputs()[0], /*negated=*/true);
  Value even = stripUnsqueezeNeg(concat.getInputs()[1], /*negated=*/false);
  if (!odd || !even)
    return {};
  Value x = matchLastDimSlice(odd, 1, h, 2);
  if (!x || matchLastDimSlice(even, 0, h, 2) != x || rankedType(x) != type)
    return {};
  return x;
}

/// A table that broadcasts onto `x` (rank 4) without changing its shape and
/// is as wide as its last dim.
static bool isFullTable(Value table, RankedTensorType x) {
  auto t = rankedType(table);
  if (!t || t.getRank() > 4 || t.getRank() == 0 || !t.hasStaticShape() ||
      t.getElementType() != x.getElementType() ||
      t.getShape().back() != x.getShape().back())
    return false;
  int64_t lead = 4 - t.getRank();
  for (int64_t i = 0; i < t.getRank(); ++i)
    if (t.getDimSize(i) != 1 && t.getDimSize(i) != x.getDimSize(lead + i))
      return false;
  return true;
}

/// x * cos + rot(x) * sin -> seq.rope(x, cos, sin) with full tables.
struct RaiseRope : OpRewritePattern<seq::AddOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(seq::AddOp add,
                                PatternRewriter &rw) const override {
    auto type = add.getType();
    if (type.getRank() != 4 || !type.hasStaticShape() ||
        !isa<FloatType>(type.getElementType()))
      return rw.notifyMatchFailure(add, "not a static 4-D float add");
    for (int swap = 0; swap < 2; ++swap) {
      auto cosMul =
          (swap ? add.getRhs() : add.getLhs()).getDefiningOp<seq::MulOp>();
      auto sinMul =
          (swap ? add.getLhs() : add.getRhs()).getDefiningOp<seq::MulOp>();
      if (!cosMul || !sinMul || cosMul.getType() != type ||
          sinMul.getType() != type)
        continue;
      for (int i = 0; i < 4; ++i) {
        Value rot = (i & 1) ? sinMul.getRhs() : sinMul.getLhs();
        Value sin = (i & 1) ? sinMul.getLhs() : sinMul.getRhs();
        Value x = (i & 2) ? cosMul.getRhs() : cosMul.getLhs();
        Value cos = (i & 2) ? cosMul.getLhs() : cosMul.getRhs();
        bool interleaved = false;
        Value rx = matchRotateHalf(rot);
        if (!rx) {
          rx = matchRotateEveryTwo(rot);
          interleaved = true;
        }
        if (!rx || rx != x || rankedType(x) != type ||
            cos.getType() != sin.getType() || !isFullTable(cos, type))
          continue;
        // Tables as 4-D (leading unit dims) in x's layout.
        auto tt = rankedType(cos);
        SmallVector<int64_t> shape(4 - tt.getRank(), 1);
        llvm::append_range(shape, tt.getShape());
        auto t4 = RankedTensorType::get(shape, tt.getElementType());
        Location loc = add.getLoc();
        if (tt != t4) {
          cos = seq::ReshapeOp::create(rw, loc, t4, cos);
          sin = seq::ReshapeOp::create(rw, loc, t4, sin);
        }
        rw.replaceOpWithNewOp<seq::RopeOp>(
            add, type, x, cos, sin, /*position_ids=*/Value(),
            interleaved ? rw.getUnitAttr() : UnitAttr(),
            rw.getI64IntegerAttr(0),
            seq::RopeLayoutAttr::get(rw.getContext(), seq::RopeLayout::bhsd));
        return success();
      }
    }
    return rw.notifyMatchFailure(add, "not x * cos + rotate(x) * sin");
  }
};

/// `v` is x * t or t * x with the result of x's type: returns t.
static Value mulBy(Value v, Value x) {
  auto mul = v.getDefiningOp<seq::MulOp>();
  if (!mul || mul.getType() != x.getType())
    return {};
  if (mul.getLhs() == x)
    return mul.getRhs();
  return mul.getRhs() == x ? mul.getLhs() : Value();
}

/// real = cos * x1 - sin * x2 and imag = sin * x1 + cos * x2 (products and
/// the sum in any order): sets cos and sin.
static bool matchRealImag(Value real, Value imag, Value x1, Value x2,
                          Value &cos, Value &sin) {
  auto sub = real.getDefiningOp<seq::SubOp>();
  auto add = imag.getDefiningOp<seq::AddOp>();
  if (!sub || !add)
    return false;
  cos = mulBy(sub.getLhs(), x1);
  sin = mulBy(sub.getRhs(), x2);
  if (!cos || !sin)
    return false;
  for (int swap = 0; swap < 2; ++swap) {
    Value a = swap ? add.getRhs() : add.getLhs();
    Value b = swap ? add.getLhs() : add.getRhs();
    if (mulBy(a, x1) == sin && mulBy(b, x2) == cos)
      return true;
  }
  return false;
}

/// Half tables: 4-D, each leading dim 1 or x's, last dim D / 2.
static bool isHalfTable(Value table, RankedTensorType x) {
  auto t = rankedType(table);
  if (!t || t.getRank() != 4 || !t.hasStaticShape() ||
      t.getElementType() != x.getElementType() ||
      2 * t.getShape().back() != x.getShape().back())
    return false;
  for (int64_t i = 0; i < 3; ++i)
    if (t.getDimSize(i) != 1 && t.getDimSize(i) != x.getDimSize(i))
      return false;
  return true;
}

static LogicalResult replaceWithHalfRope(PatternRewriter &rw, Operation *op,
                                         Value x, Value cos, Value sin,
                                         bool interleaved) {
  // An identity slice (ONNX's x[..., :rotary_dim] with the full head dim).
  if (auto id = x.getDefiningOp<tensor::ExtractSliceOp>())
    if (id.getSourceType() == id.getType() &&
        matchLastDimSlice(x, 0, id.getType().getShape().back(), 1))
      x = id.getSource();
  auto type = rankedType(x);
  if (!type || type.getRank() != 4 || !type.hasStaticShape() ||
      !isa<FloatType>(type.getElementType()) ||
      op->getResult(0).getType() != type || cos.getType() != sin.getType() ||
      !isHalfTable(cos, type))
    return rw.notifyMatchFailure(op, "shapes do not fit seq.rope");
  rw.replaceOpWithNewOp<seq::RopeOp>(
      op, type, x, cos, sin, /*position_ids=*/Value(),
      interleaved ? rw.getUnitAttr() : UnitAttr(), rw.getI64IntegerAttr(0),
      seq::RopeLayoutAttr::get(rw.getContext(), seq::RopeLayout::bhsd));
  return success();
}

/// real = sub(x1 * a, x2 * b) (either operand order of each product) where
/// x1 = x[..., 0 : h : stride] and x2 = x[..., secondOffset : h : stride]
/// of one x, and (real, imag) rotate (x1, x2) by matchRealImag's tables:
/// returns x and sets cos/sin, or returns null.
static Value matchRotatedPairs(seq::SubOp sub, Value real, Value imag,
                               int64_t h, int64_t secondOffset, int64_t stride,
                               Value &cos, Value &sin) {
  auto m1 = sub.getLhs().getDefiningOp<seq::MulOp>();
  auto m2 = sub.getRhs().getDefiningOp<seq::MulOp>();
  if (!m1 || !m2)
    return nullptr;
  for (int i = 0; i < 4; ++i) {
    Value x1 = (i & 1) ? m1.getRhs() : m1.getLhs();
    Value x2 = (i & 2) ? m2.getRhs() : m2.getLhs();
    Value x = matchLastDimSlice(x1, 0, h, stride);
    if (x && matchLastDimSlice(x2, secondOffset, h, stride) == x &&
        matchRealImag(real, imag, x1, x2, cos, sin))
      return x;
  }
  return nullptr;
}

/// concat(cos * x1 - sin * x2, sin * x1 + cos * x2) over the halves x1, x2
/// of x -> seq.rope(x, cos, sin) with half tables.
struct RaiseHalfTableRope : OpRewritePattern<tensor::ConcatOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tensor::ConcatOp concat,
                                PatternRewriter &rw) const override {
    auto type = concat.getResultType();
    if (concat.getInputs().size() != 2 || type.getRank() != 4 ||
        !type.hasStaticShape() || concat.getDim() != 3 ||
        type.getShape().back() % 2 != 0)
      return rw.notifyMatchFailure(concat, "not a 4-D last-dim concat");
    int64_t h = type.getShape().back() / 2;
    Value real = concat.getInputs()[0], imag = concat.getInputs()[1];
    // x1, x2: the operands of the products (real's lhs is cos * x1).
    auto sub = real.getDefiningOp<seq::SubOp>();
    if (!sub)
      return rw.notifyMatchFailure(concat, "first half is not a difference");
    Value cos, sin;
    if (Value x = matchRotatedPairs(sub, real, imag, h, /*secondOffset=*/h,
                                    /*stride=*/1, cos, sin))
      return replaceWithHalfRope(rw, concat, x, cos, sin,
                                 /*interleaved=*/false);
    return rw.notifyMatchFailure(concat, "not concat(real, imag) of halves");
  }
};

/// reshape(concat(real[..., None], imag[..., None])) over the even/odd
/// channels x1, x2 of x -> seq.rope(x, cos, sin, interleaved).
struct RaiseHalfTableInterleavedRope : OpRewritePattern<seq::ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(seq::ReshapeOp op,
                                PatternRewriter &rw) const override {
    auto type = op.getType();
    auto concat = op.getInput().getDefiningOp<tensor::ConcatOp>();
    if (!concat || concat.getInputs().size() != 2 || type.getRank() != 4 ||
        !type.hasStaticShape() || type.getShape().back() % 2 != 0)
      return rw.notifyMatchFailure(op, "not a reshape of a concat");
    int64_t h = type.getShape().back() / 2;
    SmallVector<int64_t> expect(type.getShape().drop_back());
    expect.append({h, 2});
    if (concat.getResultType().getShape() != ArrayRef<int64_t>(expect) ||
        concat.getDim() != 4)
      return rw.notifyMatchFailure(op, "not a stack of channel pairs");
    Value real = stripUnsqueezeNeg(concat.getInputs()[0], false);
    Value imag = stripUnsqueezeNeg(concat.getInputs()[1], false);
    auto sub = real ? real.getDefiningOp<seq::SubOp>() : seq::SubOp();
    if (!sub || !imag)
      return rw.notifyMatchFailure(op, "not (real, imag) pairs");
    Value cos, sin;
    if (Value x = matchRotatedPairs(sub, real, imag, h, /*secondOffset=*/1,
                                    /*stride=*/2, cos, sin))
      return replaceWithHalfRope(rw, op, x, cos, sin, /*interleaved=*/true);
    return rw.notifyMatchFailure(op, "not interleaved real/imag of x");
  }
};

/// concat(rope(x[..., :R]), x[..., R:]) -> rope(x, rotary_dim = R).
struct FoldPartialRope : OpRewritePattern<tensor::ConcatOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tensor::ConcatOp concat,
                                PatternRewriter &rw) const override {
    auto type = concat.getResultType();
    if (concat.getInputs().size() != 2 || type.getRank() != 4 ||
        !type.hasStaticShape() || concat.getDim() != 3)
      return rw.notifyMatchFailure(concat, "not a 4-D last-dim concat");
    auto rope = concat.getInputs()[0].getDefiningOp<seq::RopeOp>();
    if (!rope || rope.getPositionIds() || rope.getRotaryDim() != 0)
      return rw.notifyMatchFailure(concat, "not a full rope first");
    int64_t d = type.getShape().back(), r = rope.getType().getShape().back();
    Value x = matchLastDimSlice(rope.getInput(), 0, r, 1);
    if (!x || matchLastDimSlice(concat.getInputs()[1], r, d - r, 1) != x ||
        x.getType() != type)
      return rw.notifyMatchFailure(concat, "not rope(x[:R]) ++ x[R:]");
    rw.replaceOpWithNewOp<seq::RopeOp>(
        concat, type, x, rope.getCos(), rope.getSin(), Value(),
        rope.getInterleavedAttr(), rw.getI64IntegerAttr(r),
        rope.getLayoutAttr());
    return success();
  }
};

/// `table` is reshape(gather(cache [P, T], ids [B', S'], axis 0)) with the
/// [B', S', T] rows given a unit dim at 1 ([B', 1, S', T]: layout bhsd) or 2
/// ([B', S', 1, T]: bshd). Returns the cache and sets ids and layout.
static Value matchGatheredTable(Value table, Value &ids,
                                seq::RopeLayout &layout) {
  auto r = table.getDefiningOp<seq::ReshapeOp>();
  auto g = r ? r.getInput().getDefiningOp<seq::GatherOp>() : seq::GatherOp();
  if (!g || g.getAxis() != 0)
    return {};
  auto cache = rankedType(g.getData()), pos = rankedType(g.getIndices());
  if (cache.getRank() != 2 || pos.getRank() != 2 || !pos.hasStaticShape())
    return {};
  ArrayRef<int64_t> rows = g.getType().getShape(), out = r.getType().getShape();
  if (out == ArrayRef<int64_t>{rows[0], 1, rows[1], rows[2]})
    layout = seq::RopeLayout::bhsd;
  else if (out == ArrayRef<int64_t>{rows[0], rows[1], 1, rows[2]})
    layout = seq::RopeLayout::bshd;
  else
    return {};
  ids = g.getIndices();
  return g.getData();
}

/// rope(x, rows(cos_cache, ids), rows(sin_cache, ids)) ->
/// rope(x, cos_cache, sin_cache, positions ids): the op gathers the rows.
struct FoldRopePositions : OpRewritePattern<seq::RopeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(seq::RopeOp op,
                                PatternRewriter &rw) const override {
    if (op.getPositionIds())
      return rw.notifyMatchFailure(op, "already indexed by position");
    Value cosIds, sinIds;
    seq::RopeLayout cosLayout, sinLayout;
    Value cos = matchGatheredTable(op.getCos(), cosIds, cosLayout);
    Value sin = matchGatheredTable(op.getSin(), sinIds, sinLayout);
    if (!cos || !sin || cosIds != sinIds || cosLayout != sinLayout ||
        cos.getType() != sin.getType())
      return rw.notifyMatchFailure(op, "tables are not rows of caches");
    rw.replaceOpWithNewOp<seq::RopeOp>(
        op, op.getType(), op.getInput(), cos, sin, cosIds,
        op.getInterleavedAttr(), op.getRotaryDimAttr(),
        seq::RopeLayoutAttr::get(rw.getContext(), cosLayout));
    return success();
  }
};

/// transpose(rope(transpose(x, P)), P) with P = [0, 2, 1, 3] (the ONNX body
/// rotating in [B, S, H, D]) -> rope(x) in the other layout, its 4-D
/// tables transposed alike.
struct FoldRopeTranspose : OpRewritePattern<seq::TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(seq::TransposeOp op,
                                PatternRewriter &rw) const override {
    static constexpr int64_t kSwapHS[] = {0, 2, 1, 3};
    ArrayRef<int64_t> swapHS(kSwapHS);
    auto rope = op.getInput().getDefiningOp<seq::RopeOp>();
    if (op.getPermutation() != swapHS || !rope || !rope->hasOneUse())
      return rw.notifyMatchFailure(op, "not a head/sequence swap of a rope");
    auto in = rope.getInput().getDefiningOp<seq::TransposeOp>();
    if (!in || in.getPermutation() != swapHS ||
        in.getInput().getType() != op.getType())
      return rw.notifyMatchFailure(op, "rope input is not swapped back");
    Value cos = rope.getCos(), sin = rope.getSin();
    Location loc = op.getLoc();
    Value ids;
    seq::RopeLayout unused;
    if (!rope.getPositionIds() && matchGatheredTable(cos, ids, unused) &&
        matchGatheredTable(sin, ids, unused))
      return rw.notifyMatchFailure(op, "fold the position ids first");
    if (!rope.getPositionIds()) {
      auto t = rankedType(cos);
      SmallVector<int64_t> shape{t.getDimSize(0), t.getDimSize(2),
                                 t.getDimSize(1), t.getDimSize(3)};
      auto tt = RankedTensorType::get(shape, t.getElementType());
      bool same = cos == sin;
      cos = seq::TransposeOp::create(rw, loc, tt, cos,
                                     rw.getDenseI64ArrayAttr(swapHS));
      sin = same ? cos
                 : seq::TransposeOp::create(rw, loc, tt, sin,
                                            rw.getDenseI64ArrayAttr(swapHS))
                       .getResult();
    }
    // The layout only names where position ids index; keep it otherwise.
    auto layout = rope.getLayout();
    if (rope.getPositionIds())
      layout = layout == seq::RopeLayout::bhsd ? seq::RopeLayout::bshd
                                               : seq::RopeLayout::bhsd;
    rw.replaceOpWithNewOp<seq::RopeOp>(
        op, op.getType(), in.getInput(), cos, sin, rope.getPositionIds(),
        rope.getInterleavedAttr(), rope.getRotaryDimAttr(),
        seq::RopeLayoutAttr::get(rw.getContext(), layout));
    return success();
  }
};

} // namespace

void populateRaiseRopePatterns(RewritePatternSet &patterns) {
  patterns.add<RaiseRope, RaiseHalfTableRope, RaiseHalfTableInterleavedRope,
               FoldPartialRope, FoldRopePositions, FoldRopeTranspose>(
      patterns.getContext());
}

} // namespace seqc
