//===- AttentionToTiledCascade.cpp - seq.attention -> 1-pass cascade ------===//
//
// The FuseMax 1-pass cascade with the K/V rank split into tiles (M1, M0):
//
//   scf.forall (b, h, g, query tile [, K/V part])       -- parallel
//     m = -inf, l = 0, acc = 0                          -- [Br], [Br], [Br,Dv]
//     scf.for kv tile t (only tiles not fully masked)   -- the single pass
//       S    = Q_t · Kᵀ_t         "qd,dk->qk"
//       L    = mask(softcap(scale * S))
//       m'   = max(m, max_k L)
//       P    = exp(L - m')
//       c    = exp(m - m')                              -- correction
//       l'   = c * l + sum_k P
//       acc' = c * acc + P · V_t  "qk,ke->qe"
//     O = acc / l          (or partial (m, l, acc) per part, merged after the
//                           forall with a log-sum-exp: split-K decode)
//
// Every buffer in the loop is tile sized, so working memory does not grow
// with the sequence length. K is transposed once ([.., D, Skv]) so both tile
// contractions have a contiguous, vectorizable innermost loop, unless the
// micro-kernel reads K's [Bc, D] tiles in place (a KV cache; stacked GQA
// tiles, below). Lengths that are not a multiple of the tile are padded;
// padded keys are masked.
//
// GQA: the G query heads that share a K/V head are stacked into one
// [Br * G, D] query tile, so every K/V tile is read (and packed by the
// micro-kernel) once per K/V head, by products G times taller.
//
// Head layout: exporters write Q/K/V as [B, S, H, D] (the projection's
// output split into heads) and swap S and H with a transpose before the
// attention, and swap them back after it for the output projection. Such
// transposes (also through a seq.rope, which is rebuilt in its bshd layout)
// are not materialized: the tiles are strided slices of the [B, S, H, D]
// values, and the output tiles are written straight into a [B, S, H, Dv]
// result that replaces the transposes after the op.
//
// Ops carrying anything this lowering does not know (attributes or operands
// added to seq.attention later) are left for the naive seq-to-linalg pattern.
//
//===----------------------------------------------------------------------===//

#include "Common.h"
#include "seq/IR/AttentionSupport.h"
#include "seq/IR/SeqKVCacheOps.h"
#include "seq/IR/SeqOps.h"
#include "seqc/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/Utils/Utils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

namespace seqc {
#define GEN_PASS_DEF_SEQTILEATTENTION
#include "seqc/Conversion/Passes.h.inc"

namespace {
using namespace lowering;

struct TileConfig {
  int64_t blockQ, blockKv, splitKv;
  bool skipMasked, headLayout, stackHeads;
};

static AffineMap dims(MLIRContext *ctx, unsigned n, ArrayRef<unsigned> ids) {
  SmallVector<AffineExpr> e;
  for (unsigned i : ids)
    e.push_back(getAffineDimExpr(i, ctx));
  return AffineMap::get(n, 0, e, ctx);
}

static Value negInfConst(OpBuilder &b, Location loc, Type elt) {
  return arith::ConstantOp::create(
      b, loc,
      b.getFloatAttr(elt, APFloat::getInf(
                              cast<FloatType>(elt).getFloatSemantics(), true)));
}

static Value idx(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// `v` padded at the high end of `dim` to `size` with `pad`.
static Value padDim(OpBuilder &b, Location loc, Value v, unsigned dim,
                    int64_t size, TypedAttr pad) {
  auto t = cast<RankedTensorType>(v.getType());
  if (t.getDimSize(dim) == size)
    return v;
  SmallVector<int64_t> shape(t.getShape());
  shape[dim] = size;
  Value padValue = arith::ConstantOp::create(b, loc, pad);
  return tensor::createPadHighOp(t.clone(shape), v, padValue, /*nofold=*/false,
                                 loc, b);
}

/// C[m,n] (+)= A[m,k] B[k,n] as a generic with loops (m, k, n): n innermost
/// gives a contiguous axpy (the same form as seq.matmul's lowering).
static Value tileMatmul(OpBuilder &b, Location loc, Value lhs, Value rhs,
                        Value init, int64_t kvLoop,
                        bool rhsTransposed = false) {
  MLIRContext *ctx = b.getContext();
  SmallVector<utils::IteratorType> iters{utils::IteratorType::parallel,
                                         utils::IteratorType::reduction,
                                         utils::IteratorType::parallel};
  auto g = buildGeneric(
      b, loc, init.getType(), {lhs, rhs}, init,
      {dims(ctx, 3, {0, 1}),
       rhsTransposed ? dims(ctx, 3, {2, 1}) : dims(ctx, 3, {1, 2}),
       dims(ctx, 3, {0, 2})},
      iters, [](OpBuilder &nb, Location l, ValueRange a) {
        Value p = arith::MulFOp::create(nb, l, a[0], a[1]);
        return SmallVector<Value>{arith::AddFOp::create(nb, l, p, a[2])};
      });
  // Which loop walks the K/V rank: read by seq-cascade-report.
  g->setAttr("seq.kv_dim", b.getI64IntegerAttr(kvLoop));
  return g.getResult(0);
}

/// A transpose exchanging dims 1 and 2 of a 4-D tensor ([B, S, H, D] <->
/// [B, H, S, D]).
static bool isHeadSwap(Operation *op) {
  auto t = dyn_cast_or_null<seq::TransposeOp>(op);
  return t && t.getPermutation() == ArrayRef<int64_t>{0, 2, 1, 3};
}

/// `v` ([B, H, S, D]) in the [B, S, H, D] layout without a copy, or null:
/// the input of a head-swapping transpose, or, for a seq.rope (this
/// attention its only user) of such a transpose, the same rope rebuilt in
/// its bshd layout on the transpose's input.
static Value lookThroughHeadSwap(OpBuilder &b, Value v) {
  Operation *def = v.getDefiningOp();
  if (isHeadSwap(def))
    return def->getOperand(0);
  auto rope = dyn_cast_or_null<seq::RopeOp>(def);
  if (!rope || rope.getLayout() != seq::RopeLayout::bhsd || !rope->hasOneUse())
    return {};
  Operation *swap = rope.getInput().getDefiningOp();
  if (!isHeadSwap(swap))
    return {};
  Value x = swap->getOperand(0);
  Location loc = rope.getLoc();
  // Without position ids the tables are 4-D in the input's layout.
  Value cos = rope.getCos(), sin = rope.getSin();
  if (!rope.getPositionIds()) {
    auto swapTable = [&](Value t) -> Value {
      auto tt = cast<RankedTensorType>(t.getType());
      auto type = tt.clone({tt.getDimSize(0), tt.getDimSize(2),
                            tt.getDimSize(1), tt.getDimSize(3)});
      if (tt.getDimSize(1) == 1 || tt.getDimSize(2) == 1)
        return seq::ReshapeOp::create(b, loc, type, t);
      return seq::TransposeOp::create(b, loc, type, t,
                                      ArrayRef<int64_t>{0, 2, 1, 3});
    };
    cos = swapTable(rope.getCos());
    sin = rope.getSin() == rope.getCos() ? cos : swapTable(rope.getSin());
  }
  // A clone keeps every other attribute (interleaved, rotary_dim, ...).
  auto bshd = cast<seq::RopeOp>(b.clone(*rope));
  bshd.getInputMutable().assign(x);
  bshd.getCosMutable().assign(cos);
  bshd.getSinMutable().assign(sin);
  bshd.getResult().setType(cast<RankedTensorType>(x.getType()));
  bshd.setLayout(seq::RopeLayout::bshd);
  return bshd.getResult();
}

struct Lowering {
  seq::AttentionOp op;
  TileConfig cfg;
  Location loc;
  MLIRContext *ctx;
  Type elt;
  int64_t B, Hq, Sq, D, Hkv, Skv, Dv, G;
  int64_t SqOut; // the op's query length (Sq is G when the heads fold in)
  int64_t Br, Bc, nQ, nKv, SqP, SkvP, parts, tilesPerPart;
  // GQA heads stacked into one query tile: the G query heads of a K/V head
  // are the rows of one [Br * G, D] tile (row r: query i0 + r / G of head
  // r % G), so each K/V tile is packed and multiplied once per K/V head, by
  // products G times taller. R is the tile's row count (Br or Br * G).
  bool stack = false;
  int64_t R;
  // K read as [Bc, D] row tiles (the contraction's B transposed, packed per
  // tile by the micro-kernel) instead of [D, Bc] tiles of a materialized Kᵀ:
  // a KV cache, and f32 stacked tiles, whose packing serves all G heads.
  bool kRows = false;
  bool causal, positional, boolMask = false, skip;
  bool qPrescaled = false;     // scale multiplied into the Q tile
  bool interior = false;       // building the loop over fully visible tiles
  int64_t offset, left, right; // query position offset, window (-1 = none)
  // kv_seqlen: keys j >= the batch row's length are padding (a KV cache read
  // up to its filled prefix). A splat constant is `kvStatic`; otherwise the
  // row's length is read at run time into `kvLen` inside the forall.
  bool hasKvLen = false;
  int64_t kvStatic = -1;
  Value kvLen;
  // A causal mask aligned on a run-time kv_seqlen: offset = kvLen - Sq,
  // known only inside the forall (`offsetV`).
  bool dynamicOffset = false;
  Value offsetV;
  // An int8 cache (seq.kv_cache_dequant of i8 rows and [.., 1] row scales)
  // read through kv_seqlen: each K/V tile is dequantized inside the tile
  // loop; the cache is never dequantized as a whole.
  seq::KVCacheDequantOp kDq, vDq;
  Value kScales, vScales; // [B, Hkv, SkvP, 1] once padded
  double scale, softcap;
  SmallVector<int64_t> m5; // mask shape as [B, Hkv, G, Sq, Skv] (broadcast)
  scf::ForallOp forall;    // the cascade, once built
  // Operands read in the [B, S, H, D] layout (see the file comment): the
  // value in that layout, or null for the op's own [B, H, S, D] operand.
  Value qBshd, kBshd, vBshd;
  // Head-swapping transposes of the result, replaced by a [B, S, Hq, Dv]
  // result when these are its only users.
  SmallVector<seq::TransposeOp> outSwaps;

  Lowering(seq::AttentionOp op, TileConfig cfg)
      : op(op), cfg(cfg), loc(op.getLoc()), ctx(op.getContext()) {}

  LogicalResult check() {
    auto qt = op.getQuery().getType(), kt = op.getKey().getType(),
         vt = op.getValue().getType();
    // Only the features handled here; anything else (per-batch kv_seqlen,
    // the scores result, half types, newer attributes) takes the naive path.
    // score_mod/prob_mod act on the whole [B, Hq, Sq, Skv] tensor, which the
    // one-pass cascade never materializes.
    seq::AttentionSupport support;
    auto wideFloat = [](Type t) {
      return isa<FloatType>(t) && t.getIntOrFloatBitWidth() >= 32;
    };
    support.elementType = wideFloat;
    support.mask = support.positional = support.softcap = true;
    if (!seq::unsupportedAttentionReason(op, support).empty())
      return failure();
    elt = qt.getElementType();
    if (Value kl = op.getKvSeqlen()) {
      hasKvLen = true;
      DenseIntElementsAttr c;
      if (matchPattern(kl, m_Constant(&c)) && c.isSplat())
        kvStatic = c.getSplatValue<APInt>().getSExtValue();
      kDq = op.getKey().getDefiningOp<seq::KVCacheDequantOp>();
      vDq = op.getValue().getDefiningOp<seq::KVCacheDequantOp>();
    }
    for (NamedAttribute a : op->getAttrs())
      if (!llvm::is_contained({"scale", "causal", "softcap", "query_offset",
                               "window_left", "window_right",
                               "operandSegmentSizes"},
                              a.getName().getValue()))
        return failure();
    if (op->getNumOperands() !=
        3u + (op.getMask() ? 1u : 0u) + (hasKvLen ? 1u : 0u))
      return failure();
    if (Value mask = op.getMask())
      boolMask =
          cast<RankedTensorType>(mask.getType()).getElementType().isInteger(1);
    B = qt.getDimSize(0), Hq = qt.getDimSize(1), Sq = qt.getDimSize(2),
    D = qt.getDimSize(3), Hkv = kt.getDimSize(1), Skv = kt.getDimSize(2),
    Dv = vt.getDimSize(3);
    G = Hq / Hkv;
    SqOut = Sq;
    causal = op.getCausal();
    offset = op.getQueryOffset();
    left = op.getWindowLeft();
    right = op.getWindowRight();
    if (hasKvLen) {
      // Bottom-right aligned on the valid keys: offset = kv_seqlen - Sq.
      // A run-time length supports the single-query (decode) case, where
      // causal adds nothing to the padding mask.
      if (kvStatic >= 0) {
        kvStatic = std::clamp<int64_t>(kvStatic, 0, kt.getDimSize(2));
        offset = kvStatic - qt.getDimSize(2);
      } else if (qt.getDimSize(2) == 1 && left < 0 && right < 0) {
        causal = false;
      } else {
        // Chunked prefill from a cache: causal (and windows) aligned at
        // kv_seqlen - Sq; tile ranges then start from the dense bounds.
        dynamicOffset = true;
        offset = 0;
      }
    }
    positional = causal || left >= 0 || right >= 0;
    // A single query (decode) whose G query heads share a K/V head and
    // see the same keys: the G heads become the rows of one query tile,
    // so each K/V tile is read once per K/V head, by an M = G product.
    if (Sq == 1 && G > 1 && !positional) {
      bool maskPerHead = false;
      if (Value mask = op.getMask()) {
        auto mt = cast<RankedTensorType>(mask.getType());
        maskPerHead = mt.getRank() == 4 && mt.getDimSize(1) != 1;
      }
      if (!maskPerHead) {
        Sq = G;
        G = 1;
      }
    }
    scale = op.getScale().convertToDouble();
    softcap = op.getSoftcap().convertToDouble();

    Br = cfg.blockQ > 0 ? std::min(cfg.blockQ, Sq) : Sq;
    Bc = cfg.blockKv > 0 ? std::min(cfg.blockKv, Skv) : Skv;
    // Decoding from a KV cache: few query rows, so per-tile work is small;
    // wider K/V tiles (dividing the cache, so that it is never padded and
    // copied) cut the tile count.
    if (hasKvLen && Sq <= 16)
      for (int64_t w : {256, 128})
        if (w > Bc && Skv % w == 0) {
          Bc = w;
          break;
        }
    nQ = llvm::divideCeil(Sq, Br), nKv = llvm::divideCeil(Skv, Bc);
    SqP = nQ * Br, SkvP = nKv * Bc;
    skip = cfg.skipMasked && (positional || hasKvLen);
    parts = cfg.splitKv;
    if (parts <= 0) // auto: split the K/V pass only for a single query tile
      parts = nQ == 1 && nKv >= 8 ? std::min<int64_t>(16, nKv / 4) : 1;
    parts = std::clamp<int64_t>(parts, 1, nKv);
    tilesPerPart = llvm::divideCeil(nKv, parts);
    parts = llvm::divideCeil(nKv, tilesPerPart); // no statically empty part
    // A mask would need its rows repeated per head; split-K keeps per-head
    // partials.
    stack = cfg.stackHeads && G > 1 && !op.getMask() && parts == 1;
    // Stacked tasks are G times bigger: fewer than 8 leave 2 threads
    // without slack for imbalance (S = 128 with 2 K/V heads: 4). Shorter
    // query tiles (still >= 64 rows once stacked) give more tasks, and
    // the same work (causal tiles are skipped at a finer grain).
    while (stack && B * Hkv * nQ < 8 && Br % 2 == 0 && (Br / 2) * G >= 64) {
      Br /= 2;
      nQ = llvm::divideCeil(Sq, Br);
      SqP = nQ * Br;
    }
    R = stack ? Br * G : Br;
    kRows = hasKvLen || (stack && elt.isF32());
    return success();
  }

  /// [first, last] absolute key positions query rows [i0, i0 + Br) may see
  /// (clamped to the real rows), as tile indices [lo, hi). Evaluated either on
  /// constants (`T` = int64_t) or as IR (`T` = Value).
  template <typename T, typename Ops>
  std::pair<T, T> tileRangeImpl(T i0, Ops ops) {
    T first = addOffset(ops, i0);
    T last = addOffset(ops, ops.min(ops.add(i0, Br - 1), Sq - 1));
    T lo = ops.cst(0), hi = ops.cst(nKv);
    if (!skip)
      return {lo, hi};
    auto tileOf = [&](T key) { // floor(key / Bc) clamped to [0, nKv]
      return ops.min(ops.max(ops.floordiv(key, Bc), ops.cst(0)), ops.cst(nKv));
    };
    if (causal)
      hi = ops.min(hi, tileOf(ops.add(last, Bc)));
    if (hasKvLen)
      hi = ops.min(hi, kvTiles(ops));
    if (right >= 0)
      hi = ops.min(hi, tileOf(ops.add(last, right + Bc)));
    if (left >= 0)
      lo = tileOf(ops.add(first, -left));
    return {lo, hi};
  }
  struct ConstOps {
    int64_t cst(int64_t v) { return v; }
    int64_t add(int64_t a, int64_t c) { return a + c; }
    int64_t min(int64_t a, int64_t c) { return std::min(a, c); }
    int64_t max(int64_t a, int64_t c) { return std::max(a, c); }
    int64_t floordiv(int64_t a, int64_t c) {
      return llvm::divideFloorSigned(a, c);
    }
  };
  struct IROps {
    OpBuilder &b;
    Location loc;
    Value cst(int64_t v) { return idx(b, loc, v); }
    Value add(Value a, int64_t c) {
      return arith::AddIOp::create(b, loc, a, cst(c));
    }
    Value min(Value a, int64_t c) { return min(a, cst(c)); }
    Value min(Value a, Value c) { return arith::MinSIOp::create(b, loc, a, c); }
    Value max(Value a, Value c) { return arith::MaxSIOp::create(b, loc, a, c); }
    Value floordiv(Value a, int64_t c) {
      return arith::FloorDivSIOp::create(b, loc, a, cst(c));
    }
  };
  /// Query row `i` plus the query offset (static, or run-time in IR).
  int64_t addOffset(ConstOps, int64_t i) { return i + offset; }
  Value addOffset(IROps ops, Value i) {
    return offsetV
               ? arith::AddIOp::create(ops.b, ops.loc, i, offsetV).getResult()
               : ops.add(i, offset);
  }
  /// Tiles holding a valid key: ceil(kv length / Bc).
  int64_t kvTiles(ConstOps) {
    return kvStatic >= 0 ? llvm::divideCeil(kvStatic, Bc) : nKv;
  }
  Value kvTiles(IROps ops) {
    return ops.floordiv(ops.add(kvLimit(ops.b), Bc - 1), Bc);
  }
  /// The number of valid keys of this batch row (index).
  Value kvLimit(OpBuilder &b) {
    return kvLen ? kvLen : idx(b, loc, kvStatic >= 0 ? kvStatic : Skv);
  }
  /// Tiles in [lo, hi) that no positional or padding constraint touches for
  /// any row of the query tile at i0: [iLo, iHi) with lo <= iLo <= iHi <= hi.
  std::pair<Value, Value> interiorRange(OpBuilder &b, Value i0, Value lo,
                                        Value hi) {
    IROps ops{b, loc};
    Value first = addOffset(ops, i0);
    Value last = addOffset(ops, ops.min(ops.add(i0, Br - 1), Sq - 1));
    Value iHi = hi, iLo = lo;
    if (causal) // every key j <= first
      iHi = ops.min(iHi, ops.floordiv(ops.add(first, 1), Bc));
    if (right >= 0) // every key j <= first + right
      iHi = ops.min(iHi, ops.floordiv(ops.add(first, right + 1), Bc));
    if (SkvP != Skv) // no padded key
      iHi = ops.min(iHi, ops.cst(Skv / Bc));
    if (hasKvLen) // no key past the valid prefix
      iHi = ops.min(iHi, ops.floordiv(kvLimit(b), Bc));
    if (left >= 0) // every key j >= last - left
      iLo = ops.max(iLo, ops.floordiv(ops.add(last, Bc - 1 - left), Bc));
    iLo = ops.min(iLo, hi);
    iHi = ops.max(iHi, iLo);
    return {iLo, iHi};
  }

  std::pair<int64_t, int64_t> tileRange(int64_t i0) {
    return tileRangeImpl<int64_t>(i0, ConstOps());
  }
  std::pair<Value, Value> tileRange(OpBuilder &b, Value i0) {
    return tileRangeImpl<Value>(i0, IROps{b, loc});
  }

  /// num / den, 0 for a row without any allowed key (den == 0), as the
  /// naive cascade gives.
  Value safeDiv(OpBuilder &b, Location l, Value num, Value den) {
    Value zero = floatConst(b, l, elt, 0.0);
    Value none =
        arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, den, zero);
    Value d =
        arith::SelectOp::create(b, l, none, floatConst(b, l, elt, 1.0), den);
    return arith::DivFOp::create(b, l, num, d);
  }

  RankedTensorType tensor(ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, elt);
  }

  Value filled(OpBuilder &b, ArrayRef<int64_t> shape, double v) {
    return createFilled(b, loc, tensor(shape), b.getFloatAttr(elt, v), {});
  }

  Value filledNegInf(OpBuilder &b, ArrayRef<int64_t> shape) {
    return createFilled(
        b, loc, tensor(shape),
        b.getFloatAttr(
            elt,
            APFloat::getInf(cast<FloatType>(elt).getFloatSemantics(), true)),
        {});
  }

  /// Rank-reducing slice: unit sizes in `sizes` are dropped from the result.
  Value slice(OpBuilder &b, Value src, ArrayRef<OpFoldResult> offsets,
              ArrayRef<int64_t> sizes, ArrayRef<int64_t> resultShape) {
    auto srcType = cast<RankedTensorType>(src.getType());
    SmallVector<OpFoldResult> sz, st(sizes.size(), b.getIndexAttr(1));
    for (int64_t s : sizes)
      sz.push_back(b.getIndexAttr(s));
    return tensor::ExtractSliceOp::create(
        b, loc, RankedTensorType::get(resultShape, srcType.getElementType()),
        src, offsets, sz, st);
  }

  void insert(OpBuilder &b, Value src, Value dest,
              ArrayRef<OpFoldResult> offsets, ArrayRef<int64_t> sizes) {
    SmallVector<OpFoldResult> sz, st(sizes.size(), b.getIndexAttr(1));
    for (int64_t s : sizes)
      sz.push_back(b.getIndexAttr(s));
    tensor::ParallelInsertSliceOp::create(b, loc, src, dest, offsets, sz, st);
  }

  /// Scale, softcap, mask, causal and padded-key masking of one S tile.
  Value logits(OpBuilder &b, Value s, Value maskTile, Value i0, Value j0) {
    SmallVector<Value> ins{s};
    AffineMap id2 = AffineMap::getMultiDimIdentityMap(2, ctx);
    SmallVector<AffineMap> maps{id2};
    if (maskTile) {
      auto mt = cast<RankedTensorType>(maskTile.getType());
      ins.push_back(maskTile);
      maps.push_back(broadcastMap(ctx, mt.getShape(), {Br, Bc}));
    }
    maps.push_back(id2);
    // Interior tiles need neither positional nor padded-key masking.
    bool padKeys = (SkvP != Skv || hasKvLen) && !interior;
    Value limit = hasKvLen ? kvLimit(b) : Value();
    bool positional = this->positional && !interior;
    if (!maskTile && !positional && !padKeys && qPrescaled)
      return s; // scale folded into Q and nothing masked: S is the logits
    auto g = buildGeneric(
        b, loc, s.getType(), ins, s, maps, iterators(2),
        [&](OpBuilder &nb, Location l, ValueRange a) {
          Value x = qPrescaled
                        ? a[0]
                        : (Value)arith::MulFOp::create(
                              nb, l, a[0], floatConst(nb, l, elt, scale));
          if (softcap > 0) {
            Value c = floatConst(nb, l, elt, softcap);
            x = arith::MulFOp::create(
                nb, l, c,
                math::TanhOp::create(nb, l,
                                     arith::DivFOp::create(nb, l, x, c)));
          }
          Value negInf = negInfConst(nb, l, elt);
          if (maskTile)
            x = boolMask
                    ? (Value)arith::SelectOp::create(nb, l, a[1], x, negInf)
                    : (Value)arith::AddFOp::create(nb, l, x, a[1]);
          if (positional || padKeys) {
            using P = arith::CmpIPredicate;
            Value j = arith::AddIOp::create(nb, l, j0,
                                            linalg::IndexOp::create(nb, l, 1));
            // Absolute query position p = i + query_offset (row r is query
            // r / G of a stacked tile).
            Value row = linalg::IndexOp::create(nb, l, 0);
            if (stack)
              row = arith::DivUIOp::create(nb, l, row, idx(nb, l, G));
            Value p = arith::AddIOp::create(
                nb, l, i0,
                arith::AddIOp::create(nb, l, row,
                                      offsetV ? offsetV : idx(nb, l, offset)));
            auto hide = [&](Value cond) {
              x = arith::SelectOp::create(nb, l, cond, negInf, x);
            };
            if (causal)
              hide(arith::CmpIOp::create(nb, l, P::sgt, j, p));
            if (left >= 0)
              hide(arith::CmpIOp::create(nb, l, P::sgt,
                                         arith::SubIOp::create(nb, l, p, j),
                                         idx(nb, l, left)));
            if (right >= 0)
              hide(arith::CmpIOp::create(nb, l, P::sgt,
                                         arith::SubIOp::create(nb, l, j, p),
                                         idx(nb, l, right)));
            if (padKeys) {
              Value out =
                  arith::CmpIOp::create(nb, l, arith::CmpIPredicate::uge, j,
                                        limit ? limit : idx(nb, l, Skv));
              x = arith::SelectOp::create(nb, l, out, negInf, x);
            }
          }
          return SmallVector<Value>{x};
        });
    return g.getResult(0);
  }

  /// An int8 [Bc, n] tile of a cache times its rows' scales, as a tile-sized
  /// float buffer (the f32 tile contractions then run as before).
  Value dequantTile(OpBuilder &b, Value tile, Value scales, ValueRange bhg,
                    Value j0) {
    auto tt = cast<RankedTensorType>(tile.getType());
    Value rowScales = slice(b, scales, {bhg[0], bhg[1], j0, b.getIndexAttr(0)},
                            {1, 1, Bc, 1}, {Bc});
    AffineMap id2 = AffineMap::getMultiDimIdentityMap(2, ctx);
    return buildGeneric(b, loc, tensor(tt.getShape()), {tile, rowScales},
                        createEmpty(b, loc, tensor(tt.getShape()), {}),
                        {id2, dims(ctx, 2, {0}), id2}, iterators(2),
                        [&](OpBuilder &nb, Location l, ValueRange a) {
                          Value x = arith::SIToFPOp::create(nb, l, elt, a[0]);
                          return SmallVector<Value>{
                              arith::MulFOp::create(nb, l, x, a[1])};
                        })
        .getResult(0);
  }

  /// One step of the online softmax over K/V tile `t`.
  SmallVector<Value> tileStep(OpBuilder &b, Value t, ValueRange carried,
                              Value qTile, Value kt, Value v, Value mask,
                              ValueRange bhg, Value i0) {
    Value m = carried[0], l = carried[1], acc = carried[2];
    Value j0 = arith::MulIOp::create(b, loc, t, idx(b, loc, Bc));
    // A KV cache and stacked f32 tiles read K in place ([Bc, D] tiles);
    // otherwise Kᵀ was materialized once for contiguous [D, Bc] tiles.
    Value kTile = !kRows ? slice(b, kt, {bhg[0], bhg[1], b.getIndexAttr(0), j0},
                                 {1, 1, D, Bc}, {D, Bc})
                  : kBshd
                      ? slice(b, kt, {bhg[0], j0, bhg[1], b.getIndexAttr(0)},
                              {1, Bc, 1, D}, {Bc, D})
                      : slice(b, kt, {bhg[0], bhg[1], j0, b.getIndexAttr(0)},
                              {1, 1, Bc, D}, {Bc, D});
    Value vTile = vBshd ? slice(b, v, {bhg[0], j0, bhg[1], b.getIndexAttr(0)},
                                {1, Bc, 1, Dv}, {Bc, Dv})
                        : slice(b, v, {bhg[0], bhg[1], j0, b.getIndexAttr(0)},
                                {1, 1, Bc, Dv}, {Bc, Dv});
    if (kDq)
      kTile = dequantTile(b, kTile, kScales, bhg, j0);
    if (vDq)
      vTile = dequantTile(b, vTile, vScales, bhg, j0);
    Value maskTile;
    if (mask) {
      // Broadcast mask dims keep offset 0 and size 1.
      SmallVector<OpFoldResult> off;
      SmallVector<int64_t> sizes, shape2;
      Value ofs[5] = {bhg[0], bhg[1], bhg[2], i0, j0};
      int64_t full[5] = {1, 1, 1, Br, Bc};
      for (unsigned d = 0; d < 5; ++d) {
        bool bcast = m5[d] == 1;
        off.push_back(bcast ? OpFoldResult(b.getIndexAttr(0))
                            : OpFoldResult(ofs[d]));
        sizes.push_back(bcast ? 1 : full[d]);
      }
      shape2 = {sizes[3], sizes[4]};
      maskTile = slice(b, mask, off, sizes, shape2);
    }

    Value s = tileMatmul(b, loc, qTile, kTile, filled(b, {R, Bc}, 0.0),
                         /*kvLoop=*/2, /*rhsTransposed=*/kRows);
    Value x = logits(b, s, maskTile, i0, j0);

    AffineMap id2 = AffineMap::getMultiDimIdentityMap(2, ctx);
    AffineMap row = dims(ctx, 2, {0});
    AffineMap id1 = AffineMap::getMultiDimIdentityMap(1, ctx);
    auto redIters = iterators(1, 1);
    // Tile row max, then m' = max(m, tile max) written over m in place (so
    // the loop-carried buffers stay in place), with the correction
    // exp(m - m') read before m is overwritten. A row that has seen only
    // masked keys keeps m' = -inf; subtracting 0 instead keeps exp() at 0
    // rather than NaN.
    // The row reductions may be reassociated (vectorized across k): the max
    // is exact in any order, the sum differs by rounding only.
    auto reassoc =
        arith::FastMathFlagsAttr::get(ctx, arith::FastMathFlags::reassoc);
    Value tileMax =
        buildGeneric(b, loc, m.getType(), {x}, filledNegInf(b, {R}), {id2, row},
                     redIters,
                     [&](OpBuilder &nb, Location l, ValueRange a) {
                       return SmallVector<Value>{arith::MaximumFOp::create(
                           nb, l, a[0], a[1], reassoc)};
                     })
            .getResult(0);
    Value empty1 = createEmpty(b, loc, tensor({R}), {});
    auto stats = buildGeneric(
        b, loc, {m.getType(), m.getType(), m.getType()}, {tileMax},
        {m, empty1, empty1}, {id1, id1, id1, id1}, iterators(1),
        [&](OpBuilder &nb, Location l, ValueRange a) {
          Value mNew = arith::MaximumFOp::create(nb, l, a[1], a[0]);
          Value isInf = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OEQ,
                                              mNew, negInfConst(nb, l, elt));
          Value safe = arith::SelectOp::create(
              nb, l, isInf, floatConst(nb, l, elt, 0.0), mNew);
          Value corr = math::ExpOp::create(
              nb, l, arith::SubFOp::create(nb, l, a[1], safe));
          return SmallVector<Value>{mNew, safe, corr};
        });
    Value mNew = stats.getResult(0);
    Value mSafe = stats.getResult(1), corr = stats.getResult(2);
    Value p =
        buildGeneric(b, loc, x.getType(), {x, mSafe}, x, {id2, row, id2},
                     iterators(2),
                     [](OpBuilder &nb, Location l, ValueRange a) {
                       return SmallVector<Value>{math::ExpOp::create(
                           nb, l, arith::SubFOp::create(nb, l, a[0], a[1]))};
                     })
            .getResult(0);
    auto mul = [](OpBuilder &nb, Location l, ValueRange a) {
      return SmallVector<Value>{arith::MulFOp::create(nb, l, a[0], a[1])};
    };
    // Rescaling reads the running values through the init block argument
    // so they stay in place (an init only read via `ins` is canonicalized
    // into a fresh tensor).
    Value lScaled = buildGeneric(b, loc, l.getType(), {corr}, l, {id1, id1},
                                 iterators(1), mul)
                        .getResult(0);
    Value lNew =
        buildGeneric(b, loc, l.getType(), {p}, lScaled, {id2, row}, redIters,
                     [&](OpBuilder &nb, Location l, ValueRange a) {
                       return SmallVector<Value>{
                           arith::AddFOp::create(nb, l, a[0], a[1], reassoc)};
                     })
            .getResult(0);
    Value accScaled = buildGeneric(b, loc, acc.getType(), {corr}, acc,
                                   {row, id2}, iterators(2), mul)
                          .getResult(0);
    Value accNew = tileMatmul(b, loc, p, vTile, accScaled, /*kvLoop=*/1);
    return {mNew, lNew, accNew};
  }

  LogicalResult run(RewriterBase &rw) {
    if (failed(check()))
      return failure();
    OpBuilder::InsertionGuard guard(rw);
    rw.setInsertionPoint(op);
    OpBuilder &b = rw;

    chooseLayouts(b);
    // Operands in cascade layout: Q [B,Hkv,G,SqP,D], Kᵀ [B,Hkv,D,SkvP],
    // V [B,Hkv,SkvP,Dv], mask [mB,Hkv|1,G|1,SqP|1,SkvP|1]; Q, V (and K read
    // by Kᵀ) in the [B, S, H, D] layout instead where chooseLayouts found
    // them: Q [B,SqP,Hkv,G,D], V [B,SkvP,Hkv,Dv].
    TypedAttr zeroF = b.getFloatAttr(elt, 0.0);
    Value q = qBshd
                  ? padDim(b, loc, reshapeTo(b, loc, qBshd, {B, Sq, Hkv, G, D}),
                           1, SqP, zeroF)
                  : padDim(b, loc,
                           reshapeTo(b, loc, op.getQuery(), {B, Hkv, G, Sq, D}),
                           3, SqP, zeroF);
    TypedAttr zeroI8 = b.getIntegerAttr(b.getIntegerType(8), 0);
    if (kDq)
      kScales = padDim(b, loc, kDq.getScales(), 2, SkvP, zeroF);
    if (vDq)
      vScales = padDim(b, loc, vDq.getScales(), 2, SkvP, zeroF);
    Value kt =
        hasKvLen ? (kDq ? padDim(b, loc, kDq.getValues(), 2, SkvP, zeroI8)
                        : padDim(b, loc, op.getKey(), 2, SkvP, zeroF))
        : kRows
            ? (kBshd ? padDim(b, loc, kBshd, 1, SkvP, zeroF)
                     : padDim(b, loc, op.getKey(), 2, SkvP, zeroF))
            : buildGeneric(b, loc, tensor({B, Hkv, D, Skv}),
                           {kBshd ? kBshd : op.getKey()},
                           createEmpty(b, loc, tensor({B, Hkv, D, Skv}), {}),
                           {kBshd ? dims(ctx, 4, {0, 3, 1, 2})
                                  : dims(ctx, 4, {0, 1, 3, 2}),
                            AffineMap::getMultiDimIdentityMap(4, ctx)},
                           iterators(4),
                           [](OpBuilder &, Location, ValueRange a) {
                             return SmallVector<Value>{a[0]};
                           })
                  .getResult(0);
    if (!kRows)
      kt = padDim(b, loc, kt, 3, SkvP, b.getFloatAttr(elt, 0.0));
    Value v = vDq     ? padDim(b, loc, vDq.getValues(), 2, SkvP, zeroI8)
              : vBshd ? padDim(b, loc, vBshd, 1, SkvP, zeroF)
                      : padDim(b, loc, op.getValue(), 2, SkvP, zeroF);
    Value mask;
    if (Value m = op.getMask()) {
      auto mt = cast<RankedTensorType>(m.getType());
      SmallVector<int64_t> m4(4 - mt.getRank(), 1);
      llvm::append_range(m4, mt.getShape());
      m5 = {m4[0], 1, 1, m4[2], m4[3]};
      if (m4[1] != 1) {
        m5[1] = Hkv;
        m5[2] = G;
      }
      mask = reshapeTo(b, loc, m, m5);
      TypedAttr zero = boolMask ? TypedAttr(b.getBoolAttr(false))
                                : TypedAttr(b.getFloatAttr(elt, 0.0));
      if (m5[3] != 1)
        mask = padDim(b, loc, mask, 3, SqP, zero);
      if (m5[4] != 1)
        mask = padDim(b, loc, mask, 4, SkvP, zero);
    }

    // Shared outputs of the forall.
    SmallVector<Value> outs;
    if (parts == 1) {
      outs.push_back(createEmpty(
          b, loc,
          tensor(outSwaps.empty() ? ArrayRef<int64_t>{B, Hkv, G, SqP, Dv}
                                  : ArrayRef<int64_t>{B, SqP, Hkv, G, Dv}),
          {}));
    } else {
      outs.push_back(
          createEmpty(b, loc, tensor({B, Hkv, G, parts, SqP, Dv}), {}));
      outs.push_back(createEmpty(b, loc, tensor({B, Hkv, G, parts, SqP}), {}));
      outs.push_back(createEmpty(b, loc, tensor({B, Hkv, G, parts, SqP}), {}));
    }
    SmallVector<OpFoldResult> ubs{b.getIndexAttr(B), b.getIndexAttr(Hkv),
                                  b.getIndexAttr(stack ? 1 : G),
                                  b.getIndexAttr(nQ)};
    // The K/V part goes outermost: the innermost parallel dim may be kept
    // whole by the CPU threading (and unit dims fold away), and split-K
    // exists to give decode more parallel work than (b, h, g).
    if (parts > 1)
      ubs.insert(ubs.begin(), b.getIndexAttr(parts));
    forall = scf::ForallOp::create(b, loc, ubs, outs, std::nullopt);
    int64_t visited = 0;
    for (int64_t t = 0; t < nQ; ++t) {
      auto [lo, hi] = tileRange(t * Br);
      visited += std::max<int64_t>(0, hi - lo);
    }
    forall->setAttr("seq.cascade", b.getStringAttr("online"));
    forall->setAttr("seq.block_q", b.getI64IntegerAttr(Br));
    forall->setAttr("seq.block_kv", b.getI64IntegerAttr(Bc));
    forall->setAttr("seq.split_kv", b.getI64IntegerAttr(parts));
    forall->setAttr("seq.kv_tiles_visited",
                    b.getI64IntegerAttr(visited * B * Hkv * G));
    forall->setAttr("seq.kv_tiles_dense",
                    b.getI64IntegerAttr(nQ * nKv * B * Hkv * G));

    {
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(forall.getBody());
      SmallVector<Value> ivs = forall.getInductionVars(); // b, h, g, qt[, p]
      if (parts > 1)
        std::rotate(ivs.begin(), ivs.begin() + 1, ivs.end());
      Value i0 = arith::MulIOp::create(b, loc, ivs[3], idx(b, loc, Br));
      if (hasKvLen && kvStatic < 0) {
        Value n = tensor::ExtractOp::create(b, loc, op.getKvSeqlen(),
                                            ValueRange{ivs[0]});
        n = arith::IndexCastOp::create(b, loc, b.getIndexType(), n);
        n = arith::MaxSIOp::create(b, loc, n, idx(b, loc, 0));
        kvLen = arith::MinSIOp::create(b, loc, n, idx(b, loc, Skv));
        if (dynamicOffset)
          offsetV = arith::SubIOp::create(b, loc, kvLen, idx(b, loc, SqOut));
      }
      Value qTile;
      if (!stack)
        qTile =
            qBshd ? slice(b, q, {ivs[0], i0, ivs[1], ivs[2], b.getIndexAttr(0)},
                          {1, Br, 1, 1, D}, {Br, D})
                  : slice(b, q, {ivs[0], ivs[1], ivs[2], i0, b.getIndexAttr(0)},
                          {1, 1, 1, Br, D}, {Br, D});
      // Without softcap, scale * (Q K) = (scale * Q) K: scaling the Q tile
      // once costs Br*D multiplies instead of Br*Bc per K/V tile.
      if (stack) {
        // The G heads' [Br, D] tiles as one [Br, G, D] (rows (i, g)),
        // scaled on the way, viewed as [Br * G, D].
        auto zeroA = b.getIndexAttr(0);
        Value heads = qBshd ? slice(b, q, {ivs[0], i0, ivs[1], zeroA, zeroA},
                                    {1, Br, 1, G, D}, {Br, G, D})
                            : slice(b, q, {ivs[0], ivs[1], zeroA, i0, zeroA},
                                    {1, 1, G, Br, D}, {G, Br, D});
        bool scaled = softcap <= 0;
        qTile = buildGeneric(b, loc, tensor({Br, G, D}), {heads},
                             createEmpty(b, loc, tensor({Br, G, D}), {}),
                             {qBshd ? AffineMap::getMultiDimIdentityMap(3, ctx)
                                    : dims(ctx, 3, {1, 0, 2}),
                              AffineMap::getMultiDimIdentityMap(3, ctx)},
                             iterators(3),
                             [&](OpBuilder &nb, Location l, ValueRange a) {
                               return SmallVector<Value>{
                                   scaled ? (Value)arith::MulFOp::create(
                                                nb, l, a[0],
                                                floatConst(nb, l, elt, scale))
                                          : a[0]};
                             })
                    .getResult(0);
        qTile = reshapeTo(b, loc, qTile, {R, D});
        qPrescaled = scaled;
      } else if (softcap <= 0) {
        AffineMap id2 = AffineMap::getMultiDimIdentityMap(2, ctx);
        qTile = buildGeneric(b, loc, qTile.getType(), {qTile},
                             createEmpty(b, loc, tensor({Br, D}), {}),
                             {id2, id2}, iterators(2),
                             [&](OpBuilder &nb, Location l, ValueRange a) {
                               return SmallVector<Value>{arith::MulFOp::create(
                                   nb, l, a[0], floatConst(nb, l, elt, scale))};
                             })
                    .getResult(0);
        qPrescaled = true;
      }
      // K/V tile range: tiles the positional masks hide entirely are not
      // visited; split-K takes this part's share.
      auto [lo, hi] = tileRange(b, i0);
      if (parts > 1) {
        Value pLo =
            arith::MulIOp::create(b, loc, ivs[4], idx(b, loc, tilesPerPart));
        Value pHi =
            arith::AddIOp::create(b, loc, pLo, idx(b, loc, tilesPerPart));
        lo = arith::MaxSIOp::create(b, loc, lo, pLo);
        hi = arith::MinSIOp::create(b, loc, hi, pHi);
      }
      SmallVector<Value> carried{filledNegInf(b, {R}), filled(b, {R}, 0.0),
                                 filled(b, {R, Dv}, 0.0)};
      auto tileLoop = [&](Value from, Value to, bool inner) {
        interior = inner;
        auto loop = scf::ForOp::create(
            b, loc, from, to, idx(b, loc, 1), carried,
            [&](OpBuilder &lb, Location, Value t, ValueRange c) {
              SmallVector<Value> next =
                  tileStep(lb, t, c, qTile, kt, v, mask,
                           ValueRange(ivs).take_front(3), i0);
              scf::YieldOp::create(lb, loc, next);
            });
        loop->setAttr("seq.kv_tile_loop", b.getUnitAttr());
        carried.assign(loop.getResults().begin(), loop.getResults().end());
      };
      if (skip && (positional || SkvP != Skv || hasKvLen)) {
        // [lo, hi) = [lo, iLo) + [iLo, iHi) + [iHi, hi): the middle tiles
        // are visible to every row of the query tile, so they skip the
        // positional and padding selects; only the edges of the band pay.
        auto [iLo, iHi] = interiorRange(b, i0, lo, hi);
        tileLoop(lo, iLo, false);
        tileLoop(iLo, iHi, true);
        tileLoop(iHi, hi, false);
      } else {
        tileLoop(lo, hi, false);
      }
      Value m = carried[0], l = carried[1], acc = carried[2];

      AffineMap id2 = AffineMap::getMultiDimIdentityMap(2, ctx);
      b.setInsertionPointToStart(forall.getTerminator().getBody());
      auto zero = b.getIndexAttr(0);
      SmallVector<OpFoldResult> bhg{ivs[0], ivs[1], ivs[2]};
      if (stack) {
        // O = acc / l as [Br, G, Dv] (bshd result) or [G, Br, Dv].
        b.setInsertionPoint(forall.getTerminator());
        Value acc3 = reshapeTo(b, loc, acc, {Br, G, Dv});
        Value l2 = reshapeTo(b, loc, l, {Br, G});
        bool bshdOut = !outSwaps.empty();
        SmallVector<int64_t> oShape = bshdOut ? SmallVector<int64_t>{Br, G, Dv}
                                              : SmallVector<int64_t>{G, Br, Dv};
        // Loops over the result's dims; acc3 and l2 are indexed (i, g).
        Value o = buildGeneric(
                      b, loc, tensor(oShape), {acc3, l2},
                      createEmpty(b, loc, tensor(oShape), {}),
                      {bshdOut ? AffineMap::getMultiDimIdentityMap(3, ctx)
                               : dims(ctx, 3, {1, 0, 2}),
                       bshdOut ? dims(ctx, 3, {0, 1}) : dims(ctx, 3, {1, 0}),
                       AffineMap::getMultiDimIdentityMap(3, ctx)},
                      iterators(3),
                      [&](OpBuilder &nb, Location l, ValueRange a) {
                        return SmallVector<Value>{safeDiv(nb, l, a[0], a[1])};
                      })
                      .getResult(0);
        b.setInsertionPointToStart(forall.getTerminator().getBody());
        if (bshdOut)
          insert(b, o, forall.getRegionIterArgs()[0],
                 {ivs[0], i0, ivs[1], zero, zero}, {1, Br, 1, G, Dv});
        else
          insert(b, o, forall.getRegionIterArgs()[0],
                 {ivs[0], ivs[1], zero, i0, zero}, {1, 1, G, Br, Dv});
      } else if (parts == 1) {
        b.setInsertionPoint(forall.getTerminator());
        Value o = buildGeneric(b, loc, acc.getType(), {acc, l},
                               createEmpty(b, loc, tensor({Br, Dv}), {}),
                               {id2, dims(ctx, 2, {0}), id2}, iterators(2),
                               [&](OpBuilder &nb, Location l, ValueRange a) {
                                 return SmallVector<Value>{
                                     safeDiv(nb, l, a[0], a[1])};
                               })
                      .getResult(0);
        b.setInsertionPointToStart(forall.getTerminator().getBody());
        if (outSwaps.empty())
          insert(b, o, forall.getRegionIterArgs()[0],
                 {ivs[0], ivs[1], ivs[2], i0, zero}, {1, 1, 1, Br, Dv});
        else
          insert(b, o, forall.getRegionIterArgs()[0],
                 {ivs[0], i0, ivs[1], ivs[2], zero}, {1, Br, 1, 1, Dv});
      } else {
        ArrayRef<BlockArgument> sh = forall.getRegionIterArgs();
        insert(b, acc, sh[0], {ivs[0], ivs[1], ivs[2], ivs[4], i0, zero},
               {1, 1, 1, 1, Br, Dv});
        insert(b, m, sh[1], {ivs[0], ivs[1], ivs[2], ivs[4], i0},
               {1, 1, 1, 1, Br});
        insert(b, l, sh[2], {ivs[0], ivs[1], ivs[2], ivs[4], i0},
               {1, 1, 1, 1, Br});
      }
    }

    if (!outSwaps.empty()) {
      // [B, SqP, Hkv, G, Dv] -> [B, Sq, Hq, Dv]: what the transposes gave.
      Value o = forall.getResult(0);
      if (SqP != Sq)
        o = tensor::ExtractSliceOp::create(
            b, loc, tensor({B, Sq, Hkv, G, Dv}), o,
            SmallVector<OpFoldResult>(5, b.getIndexAttr(0)),
            SmallVector<OpFoldResult>{b.getIndexAttr(B), b.getIndexAttr(Sq),
                                      b.getIndexAttr(Hkv), b.getIndexAttr(G),
                                      b.getIndexAttr(Dv)},
            SmallVector<OpFoldResult>(5, b.getIndexAttr(1)));
      o = reshapeTo(b, loc, o, {B, Sq, Hq, Dv});
      for (seq::TransposeOp t : outSwaps)
        rw.replaceOp(t, o);
      eraseWithDeadOperands(rw);
      return success();
    }
    Value o = parts == 1 ? forall.getResult(0)
                         : merge(b, forall.getResult(0), forall.getResult(1),
                                 forall.getResult(2));
    if (SqP != Sq)
      o = tensor::ExtractSliceOp::create(
          b, loc, tensor({B, Hkv, G, Sq, Dv}), o,
          SmallVector<OpFoldResult>(5, b.getIndexAttr(0)),
          SmallVector<OpFoldResult>{b.getIndexAttr(B), b.getIndexAttr(Hkv),
                                    b.getIndexAttr(G), b.getIndexAttr(Sq),
                                    b.getIndexAttr(Dv)},
          SmallVector<OpFoldResult>(5, b.getIndexAttr(1)));
    rw.replaceOp(op, reshapeTo(b, loc, o, {B, Hq, SqOut, Dv}));
    return success();
  }

  /// Which operands are read, and the result written, in the [B, S, H, D]
  /// layout (see the file comment). Decode's folded heads (Sq = G) and
  /// split-K keep the [B, H, S, D] forms; a KV cache is read as it is.
  void chooseLayouts(OpBuilder &b) {
    if (!cfg.headLayout || SqOut != Sq)
      return;
    qBshd = lookThroughHeadSwap(b, op.getQuery());
    if (!hasKvLen) {
      kBshd = lookThroughHeadSwap(b, op.getKey());
      vBshd = lookThroughHeadSwap(b, op.getValue());
    }
    if (parts != 1 || op->use_empty() ||
        !llvm::all_of(op->getUsers(), isHeadSwap))
      return;
    for (Operation *user : op->getUsers())
      outSwaps.push_back(cast<seq::TransposeOp>(user));
  }

  /// Erases the op (its result no longer used) and the head swaps and ropes
  /// feeding it that nothing else reads any more.
  void eraseWithDeadOperands(RewriterBase &rw) {
    SmallVector<Operation *> work;
    for (Value v : op->getOperands())
      work.push_back(v.getDefiningOp());
    rw.eraseOp(op);
    while (!work.empty()) {
      Operation *d = work.pop_back_val();
      if (!d || !isa<seq::TransposeOp, seq::RopeOp>(d) || !d->use_empty())
        continue;
      for (Value v : d->getOperands())
        work.push_back(v.getDefiningOp());
      rw.eraseOp(d);
    }
  }

  /// Log-sum-exp merge of the split-K partials (acc, m, l) over the parts
  /// dim: M = max_p m_p, w_p = exp(m_p - M), O = sum_p w_p acc_p / sum_p w_p
  /// l_p.
  Value merge(OpBuilder &b, Value acc, Value m, Value l) {
    SmallVector<int64_t> stat{B, Hkv, G, SqP};
    // Loops (b, h, g, i, p).
    AffineMap mp5 = dims(ctx, 5, {0, 1, 2, 4, 3}),
              m4 = dims(ctx, 5, {0, 1, 2, 3});
    auto red5 = iterators(4, 1);
    Value M = buildGeneric(b, loc, tensor(stat), {m}, filledNegInf(b, stat),
                           {mp5, m4}, red5,
                           [](OpBuilder &nb, Location l, ValueRange a) {
                             return SmallVector<Value>{
                                 arith::MaximumFOp::create(nb, l, a[0], a[1])};
                           })
                  .getResult(0);
    // Weights w[b,h,g,p,i] (loops (b,h,g,p,i)).
    AffineMap id5 = AffineMap::getMultiDimIdentityMap(5, ctx);
    Value w = buildGeneric(
                  b, loc, m.getType(), {m, M},
                  createEmpty(b, loc, cast<RankedTensorType>(m.getType()), {}),
                  {id5, dims(ctx, 5, {0, 1, 2, 4}), id5}, iterators(5),
                  [&](OpBuilder &nb, Location l, ValueRange a) {
                    Value isInf =
                        arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OEQ,
                                              a[1], negInfConst(nb, l, elt));
                    Value safe = arith::SelectOp::create(
                        nb, l, isInf, floatConst(nb, l, elt, 0.0), a[1]);
                    return SmallVector<Value>{math::ExpOp::create(
                        nb, l, arith::SubFOp::create(nb, l, a[0], safe))};
                  })
                  .getResult(0);
    Value L = buildGeneric(b, loc, tensor(stat), {w, l}, filled(b, stat, 0.0),
                           {mp5, mp5, m4}, red5,
                           [](OpBuilder &nb, Location l, ValueRange a) {
                             Value p = arith::MulFOp::create(nb, l, a[0], a[1]);
                             return SmallVector<Value>{
                                 arith::AddFOp::create(nb, l, p, a[2])};
                           })
                  .getResult(0);
    // Loops (b, h, g, p, i, e), e innermost.
    auto iters6 = iterators(6);
    iters6[3] = utils::IteratorType::reduction;
    SmallVector<int64_t> oShape{B, Hkv, G, SqP, Dv};
    Value num =
        buildGeneric(
            b, loc, tensor(oShape), {acc, w}, filled(b, oShape, 0.0),
            {AffineMap::getMultiDimIdentityMap(6, ctx),
             dims(ctx, 6, {0, 1, 2, 3, 4}), dims(ctx, 6, {0, 1, 2, 4, 5})},
            iters6,
            [](OpBuilder &nb, Location l, ValueRange a) {
              Value p = arith::MulFOp::create(nb, l, a[0], a[1]);
              return SmallVector<Value>{arith::AddFOp::create(nb, l, p, a[2])};
            })
            .getResult(0);
    AffineMap id5o = AffineMap::getMultiDimIdentityMap(5, ctx);
    return buildGeneric(b, loc, tensor(oShape), {num, L},
                        createEmpty(b, loc, tensor(oShape), {}),
                        {id5o, dims(ctx, 5, {0, 1, 2, 3}), id5o}, iterators(5),
                        [&](OpBuilder &nb, Location l, ValueRange a) {
                          return SmallVector<Value>{safeDiv(nb, l, a[0], a[1])};
                        })
        .getResult(0);
  }
};

struct SeqTileAttentionPass : impl::SeqTileAttentionBase<SeqTileAttentionPass> {
  using SeqTileAttentionBase::SeqTileAttentionBase;
  void runOnOperation() override {
    TileConfig cfg{blockQ,     blockKv,    splitKv,
                   skipMasked, headLayout, stackHeads};
    SmallVector<seq::AttentionOp> ops;
    getOperation()->walk([&](seq::AttentionOp op) { ops.push_back(op); });
    IRRewriter rw(&getContext());
    SmallVector<Operation *> cascades;
    for (seq::AttentionOp op : ops) {
      // A failed match leaves the op for seq-to-linalg's naive cascade.
      Lowering lowering(op, cfg);
      if (succeeded(lowering.run(rw)))
        cascades.push_back(lowering.forall);
    }
    if (!approxExp)
      return;
    // exp is the cascade's hottest non-matmul op; the polynomial form
    // (f32: a few ulp) vectorizes where a libm call does not.
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(
        patterns, [](StringRef name) { return name == "math.exp"; });
    FrozenRewritePatternSet frozen(std::move(patterns));
    for (Operation *forall : cascades)
      if (failed(applyPatternsGreedily(forall->getRegion(0), frozen)))
        return signalPassFailure();
  }
};
} // namespace
} // namespace seqc
