//===- SmallFloatCast.cpp - casts from/to 8- and 4-bit floats -------------===//
//
// LLVM has no 8-bit or 4-bit float types (they are stored as i8/i4) and MLIR
// does not lower arith.extf/truncf for most of them, so seq.cast with an
// f8E4M3FN, f8E4M3FNUZ, f8E5M2, f8E5M2FNUZ, f8E8M0FNU or f4E2M1FN side goes
// through f32 on bit patterns, in plain arith (pure, vectorizable); f64
// inputs reach f32 by rounding to odd, so that they are rounded only once:
//
//  * decoding reads a 256- (16-) entry f32 table built with APFloat;
//  * encoding rounds |x| to the format's quantum at its binade (ties to even)
//    and assembles exponent and mantissa, with ONNX's rules: `saturate`
//    clamps out-of-range values and infinities to the largest finite value,
//    otherwise they become infinity (E5M2) or NaN; NaN stays NaN; the FNUZ
//    formats have no negative zero; FLOAT4E2M1 always saturates and maps NaN
//    to -0/+0 like ml_dtypes; FLOAT8E8M0 rounds up (ONNX's default
//    round_mode).
//
// lib/Runtime/float8.c implements the same conversions in C (seq-run uses it
// to compare outputs) and is tested against ml_dtypes; the e2e lit test
// checks this lowering against the ONNX reference.
//
//===----------------------------------------------------------------------===//

#include "Common.h"
#include "Patterns.h"
#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "llvm/ADT/APFloat.h"

#include <cmath>
#include <limits>

using namespace mlir;

namespace seqc::lowering {
namespace {

/// The parameters of a small float format (see float8.c).
struct SmallFloat {
  int bits;    // storage bits (8 or 4)
  int mbits;   // mantissa bits
  int bias;    // exponent bias
  int emax;    // largest exponent field of a finite value
  int mmax;    // largest mantissa at emax
  bool hasInf; // all-ones exponent, zero mantissa is infinity
  bool fnuz;   // 0x80 is the only NaN, no negative zero
  int nanBits; // NaN pattern (without sign) when not FNUZ
  bool isE8M0; // bare exponent (no sign, no mantissa)
};

std::optional<SmallFloat> describe(Type t) {
  if (isa<Float8E4M3FNType>(t))
    return SmallFloat{8, 3, 7, 15, 6, false, false, 0x7f, false};
  if (isa<Float8E4M3FNUZType>(t))
    return SmallFloat{8, 3, 8, 15, 7, false, true, 0x80, false};
  if (isa<Float8E5M2Type>(t))
    return SmallFloat{8, 2, 15, 30, 3, true, false, 0x7e, false};
  if (isa<Float8E5M2FNUZType>(t))
    return SmallFloat{8, 2, 16, 31, 3, false, true, 0x80, false};
  if (isa<Float4E2M1FNType>(t))
    return SmallFloat{4, 1, 1, 3, 1, false, false, 0, false};
  if (isa<Float8E8M0FNUType>(t))
    return SmallFloat{8, 0, 127, 254, 0, false, false, 0xff, true};
  return std::nullopt;
}

/// Builds arith on i32/f32 scalars.
struct Builder {
  OpBuilder &b;
  Location loc;
  Value i(int64_t v) {
    return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(v));
  }
  Value f(double v) {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
  }
  Value shl(Value x, int64_t s) {
    return arith::ShLIOp::create(b, loc, x, i(s));
  }
  Value shr(Value x, int64_t s) {
    return arith::ShRUIOp::create(b, loc, x, i(s));
  }
  Value band(Value x, int64_t m) {
    return arith::AndIOp::create(b, loc, x, i(m));
  }
  Value bor(Value x, Value y) { return arith::OrIOp::create(b, loc, x, y); }
  Value add(Value x, int64_t c) {
    return arith::AddIOp::create(b, loc, x, i(c));
  }
  Value sel(Value c, Value x, Value y) {
    return arith::SelectOp::create(b, loc, c, x, y);
  }
  Value cmp(arith::CmpIPredicate p, Value x, int64_t c) {
    return arith::CmpIOp::create(b, loc, p, x, i(c));
  }
  Value bitsToF32(Value x) {
    return arith::BitcastOp::create(b, loc, b.getF32Type(), x);
  }
  Value f32ToBits(Value x) {
    return arith::BitcastOp::create(b, loc, b.getI32Type(), x);
  }
};

/// The bit pattern (i32, low `bits` bits) of f32 `x` in format `s`.
Value encode(OpBuilder &ob, Location loc, Value x, const SmallFloat &s,
             bool saturate) {
  Builder b{ob, loc};
  using P = arith::CmpIPredicate;
  Value bits = b.f32ToBits(x);
  Value ea = b.band(b.shr(bits, 23), 0xff); // biased f32 exponent
  if (s.isE8M0) {
    // Round up: any fraction bit bumps the exponent (not past 0xfe when
    // saturating); NaN and infinity become 0xff.
    Value frac = b.cmp(P::ne, b.band(bits, 0x7fffff), 0);
    Value up = frac;
    if (saturate)
      up = arith::AndIOp::create(ob, loc, up, b.cmp(P::ne, ea, 0xfe));
    Value e = b.sel(up, b.add(ea, 1), ea);
    return b.sel(b.cmp(P::eq, ea, 0xff), b.i(0xff), e);
  }
  int emin = 1 - s.bias; // exponent of the smallest normal
  Value sign = b.shr(bits, 31);
  Value a = math::AbsFOp::create(ob, loc, x);
  Value isNaN = arith::CmpFOp::create(ob, loc, arith::CmpFPredicate::UNO, x, x);
  Value isInf = b.cmp(P::eq, ea, 0xff);

  // Quantum 2^qe at a's binade, never below the subnormal spacing; clamped
  // so that 2^qe and 2^-qe stay normal f32 (infinity is handled below).
  Value e = b.add(ea, -127);
  Value qe = arith::MaxSIOp::create(ob, loc, e, b.i(emin));
  qe = arith::MinSIOp::create(ob, loc, qe, b.i(126));
  qe = b.add(qe, -s.mbits);
  Value scale = b.bitsToF32(b.shl(b.add(qe, 127), 23));
  Value inv =
      b.bitsToF32(b.shl(arith::SubIOp::create(ob, loc, b.i(127), qe), 23));
  Value r = arith::MulFOp::create(
      ob, loc,
      math::RoundEvenOp::create(ob, loc,
                                arith::MulFOp::create(ob, loc, a, inv)),
      scale);

  // Assemble exponent and mantissa of r (<= max finite).
  Value rb = b.f32ToBits(r);
  Value er = b.add(b.shr(rb, 23), -127);
  Value isSub = b.cmp(P::slt, er, emin);
  Value mantSub = arith::FPToSIOp::create(
      ob, loc, ob.getI32Type(),
      arith::MulFOp::create(ob, loc, r,
                            b.f(std::ldexp(1.0, s.bias - 1 + s.mbits))));
  Value normal = b.bor(b.shl(b.add(er, s.bias), s.mbits),
                       b.band(b.shr(rb, 23 - s.mbits), (1 << s.mbits) - 1));
  Value code = b.sel(isSub, mantSub, normal);

  // Out of range: saturate, or infinity / NaN.
  double maxv =
      std::ldexp(1.0 + (double)s.mmax / (1 << s.mbits), s.emax - s.bias);
  Value over = arith::OrIOp::create(
      ob, loc, isInf,
      arith::CmpFOp::create(ob, loc, arith::CmpFPredicate::OGT, r, b.f(maxv)));
  int maxCode = (s.emax << s.mbits) | s.mmax;
  int infCode = ((1 << (s.bits - 1 - s.mbits)) - 1) << s.mbits;
  bool sat = saturate || s.bits == 4;
  int overCode = sat ? maxCode : s.hasInf ? infCode : s.nanBits;
  code = b.sel(over, b.i(overCode), code);

  // Sign; FNUZ has no -0 and its NaN carries no sign.
  Value signed_ = b.bor(code, b.shl(sign, s.bits - 1));
  if (s.fnuz) {
    Value unsignedCode = arith::OrIOp::create(ob, loc, b.cmp(P::eq, code, 0),
                                              b.cmp(P::eq, code, 0x80));
    signed_ = b.sel(unsignedCode, code, signed_);
  }
  Value nan;
  if (s.fnuz)
    nan = b.i(0x80);
  else if (s.bits == 4) // as ml_dtypes: +NaN -> 0x8 (-0), -NaN -> 0
    nan = b.sel(b.cmp(P::ne, sign, 0), b.i(0), b.i(0x8));
  else
    nan = b.bor(b.i(s.nanBits), b.shl(sign, 7));
  return b.sel(isNaN, nan, signed_);
}

/// f64 -> f32 rounding to odd: an inexact result gets an odd last mantissa
/// bit. f32 keeps at least two more mantissa bits than any small format, so
/// encoding that value with ties-to-even rounds the f64 exactly once, as the
/// ONNX spec's RNE of x asks (rounding to nearest f32 first would round twice:
/// x = 0.25 * (1 + 2^-40) must give 0.5 in FLOAT4E2M1, not the tie's 0).
Value truncToOdd(OpBuilder &ob, Location loc, Value x) {
  Builder b{ob, loc};
  Value t = arith::TruncFOp::create(ob, loc, ob.getF32Type(), x);
  Value back = arith::ExtFOp::create(ob, loc, ob.getF64Type(), t);
  // ONE is false for NaN, which stays as it is.
  Value inexact =
      arith::CmpFOp::create(ob, loc, arith::CmpFPredicate::ONE, back, x);
  Value tb = b.f32ToBits(t);
  Value even = b.cmp(arith::CmpIPredicate::eq, b.band(tb, 1), 0);
  // Bits are sign-magnitude: step the magnitude towards |x|.
  Value grewAway = arith::CmpFOp::create(ob, loc, arith::CmpFPredicate::OGT,
                                         math::AbsFOp::create(ob, loc, back),
                                         math::AbsFOp::create(ob, loc, x));
  Value odd = b.sel(grewAway, b.add(tb, -1), b.add(tb, 1));
  Value fix = arith::AndIOp::create(ob, loc, inexact, even);
  return b.bitsToF32(b.sel(fix, odd, tb));
}

/// A constant f32 table of every bit pattern of `t`.
Value decodeTable(OpBuilder &b, Location loc, FloatType t) {
  unsigned width = t.getWidth();
  SmallVector<float> values;
  for (unsigned v = 0; v < (1u << width); ++v) {
    llvm::APFloat f(t.getFloatSemantics(), llvm::APInt(width, v));
    bool losesInfo;
    f.convert(llvm::APFloat::IEEEsingle(), llvm::APFloat::rmNearestTiesToEven,
              &losesInfo);
    values.push_back(f.convertToFloat());
  }
  // E8M0's all-ones pattern is NaN (APFloat's conversion yields infinity).
  if (isa<Float8E8M0FNUType>(t))
    values.back() = std::numeric_limits<float>::quiet_NaN();
  auto type = RankedTensorType::get({(int64_t)values.size()}, b.getF32Type());
  return arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(type, ArrayRef<float>(values)));
}

struct SmallFloatCastLowering : OpRewritePattern<seq::CastOp> {
  SmallFloatCastLowering(MLIRContext *ctx)
      : OpRewritePattern(ctx, /*benefit=*/2) {}

  LogicalResult matchAndRewrite(seq::CastOp op,
                                PatternRewriter &rw) const override {
    Type from = op.getInput().getType().getElementType();
    Type to = op.getType().getElementType();
    std::optional<SmallFloat> fromFmt = describe(from), toFmt = describe(to);
    if (!fromFmt && !toFmt)
      return failure();
    Location loc = op.getLoc();
    Type f32 = rw.getF32Type();
    bool saturate = op.getSaturate();
    Value table =
        fromFmt ? decodeTable(rw, loc, cast<FloatType>(from)) : Value();

    auto resultType = op.getType();
    auto signlessResult = cast<RankedTensorType>(signless(resultType));
    Value input = castToSignless(rw, loc, op.getInput());
    Value init = createEmpty(rw, loc, signlessResult, input);
    auto id = AffineMap::getMultiDimIdentityMap(resultType.getRank(),
                                                rw.getContext());
    auto body = [&](OpBuilder &b, Location l,
                    ValueRange args) -> SmallVector<Value> {
      Value x = args[0];
      Type cur = from;
      if (fromFmt) {
        Value bits =
            arith::BitcastOp::create(b, l, b.getIntegerType(fromFmt->bits), x);
        Value idx = arith::IndexCastUIOp::create(b, l, b.getIndexType(), bits);
        x = tensor::ExtractOp::create(b, l, table, idx);
        cur = f32;
      }
      if (!toFmt)
        return {seq::buildCastScalar(b, l, x, cur, to)};
      x = cur.isF64() ? truncToOdd(b, l, x)
                      : seq::buildCastScalar(b, l, x, cur, f32);
      Value code = encode(b, l, x, *toFmt, saturate);
      code = arith::TruncIOp::create(b, l, b.getIntegerType(toFmt->bits), code);
      return {arith::BitcastOp::create(b, l, to, code)};
    };
    Value result = buildGeneric(rw, loc, signlessResult, input, init, {id, id},
                                iterators(resultType.getRank()), body)
                       .getResult(0);
    rw.replaceOp(op, castFromSignless(rw, loc, result, resultType));
    return success();
  }
};

} // namespace

void populateSmallFloatCastPatterns(RewritePatternSet &patterns) {
  patterns.add<SmallFloatCastLowering>(patterns.getContext());
}

} // namespace seqc::lowering
