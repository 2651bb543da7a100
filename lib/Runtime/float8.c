/*===- float8.c - 8- and 4-bit float conversions ----------------*- C -*-===*
 *
 * Reference conversions between float and FLOAT8E4M3FN, FLOAT8E4M3FNUZ,
 * FLOAT8E5M2, FLOAT8E5M2FNUZ, FLOAT8E8M0 and FLOAT4E2M1 bit patterns (low
 * bits of a byte); `format` is the ONNX TensorProto.DataType code. seq-run
 * decodes model outputs with them; compiled models use the equivalent arith
 * lowering in lib/Conversion/SeqToLinalg/SmallFloatCast.cpp (no calls), which
 * the e2e tests check bit for bit.
 *
 * Semantics follow ONNX Cast (its reference uses ml_dtypes): round to nearest
 * even; with `saturate`, out-of-range values and infinities become the
 * largest finite value of their sign; without it they become infinity where
 * the format has one, NaN otherwise. NaN stays NaN (FLOAT4E2M1 has no NaN and
 * maps it to -0, as ml_dtypes does; it always saturates). The FNUZ formats
 * have no negative zero: -0 becomes +0. FLOAT8E8M0 (a bare exponent) rounds
 * up, as ONNX Cast's default round_mode does.
 *
 *===----------------------------------------------------------------------===*/
#include "seqc/Runtime/seqc_runtime.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

typedef struct small_float {
  int mbits;    /* mantissa bits */
  int bias;     /* exponent bias */
  int emax;     /* largest exponent field of a finite value */
  int mmax;     /* largest mantissa of a finite value at emax */
  int has_inf;  /* all-ones exponent, zero mantissa is infinity (E5M2) */
  int fnuz;     /* 0x80 is the only NaN; no negative zero */
  int nan_bits; /* NaN pattern (sign 0) where the format is not FNUZ */
} small_float;

static int describe(int32_t format, small_float *f) {
  switch (format) {
  case SEQC_FLOAT8E4M3FN:
    *f = (small_float){3, 7, 15, 6, 0, 0, 0x7f};
    return 1;
  case SEQC_FLOAT8E4M3FNUZ:
    *f = (small_float){3, 8, 15, 7, 0, 1, 0x80};
    return 1;
  case SEQC_FLOAT8E5M2:
    *f = (small_float){2, 15, 30, 3, 1, 0, 0x7e};
    return 1;
  case SEQC_FLOAT8E5M2FNUZ:
    *f = (small_float){2, 16, 31, 3, 0, 1, 0x80};
    return 1;
  case SEQC_FLOAT4E2M1:
    *f = (small_float){1, 1, 3, 1, 0, 0, 0};
    return 1;
  }
  return 0;
}

static uint8_t e8m0_from_f32(float x, int saturate) {
  uint32_t u;
  memcpy(&u, &x, sizeof u);
  uint32_t e = (u >> 23) & 0xff;
  if (e == 0xff)
    return 0xff;
  /* Round up: any fraction bit bumps the exponent (not past 0xfe when
   * saturating). */
  if ((u & 0x7fffff) && !(saturate && e == 0xfe))
    ++e;
  return (uint8_t)e;
}

__attribute__((visibility("hidden"))) uint8_t
seqc_f32_to_small_float(float x, int32_t format, int32_t saturate) {
  if (format == SEQC_FLOAT8E8M0)
    return e8m0_from_f32(x, saturate);
  small_float f;
  if (!describe(format, &f))
    return 0;
  int bits = format == SEQC_FLOAT4E2M1 ? 4 : 8;
  uint8_t sign = signbit(x) ? (uint8_t)(1u << (bits - 1)) : 0;
  if (format == SEQC_FLOAT4E2M1)
    saturate = 1;
  if (isnan(x))
    return format == SEQC_FLOAT4E2M1 ? (sign ? 0 : 0x8) /* as ml_dtypes */
           : f.fnuz                  ? 0x80
                                     : sign | f.nan_bits;
  double maxv = ldexp(1.0 + (double)f.mmax / (1 << f.mbits), f.emax - f.bias);
  double a = fabs((double)x);
  double r = a;
  if (!isinf(a) && a != 0) {
    /* Quantum at a's binade, never below the subnormal spacing. */
    int e;
    frexp(a, &e);
    int emin = 1 - f.bias; /* exponent of the smallest normal */
    int exp2 = (e - 1 > emin ? e - 1 : emin) - f.mbits;
    r = ldexp(nearbyint(ldexp(a, -exp2)), exp2); /* ties to even */
  }
  if (r > maxv) {
    if (saturate)
      r = maxv;
    else if (f.has_inf)
      return sign | (uint8_t)(((1 << (bits - 1 - f.mbits)) - 1) << f.mbits);
    else
      return f.fnuz ? 0x80 : sign | f.nan_bits;
  }
  if (r == 0)
    return f.fnuz ? 0 : sign;
  int e;
  frexp(r, &e);
  int exponent = e - 1 + f.bias, mant;
  if (exponent <= 0) { /* subnormal */
    exponent = 0;
    mant = (int)ldexp(r, f.bias - 1 + f.mbits);
  } else {
    mant = (int)(ldexp(r, f.mbits - (e - 1)) - (1 << f.mbits));
  }
  return sign | (uint8_t)((exponent << f.mbits) | mant);
}

__attribute__((visibility("hidden"))) float
seqc_small_float_to_f32(uint8_t v, int32_t format) {
  if (format == SEQC_FLOAT8E8M0)
    return v == 0xff ? NAN : ldexpf(1.0f, (int)v - 127);
  small_float f;
  if (!describe(format, &f))
    return 0;
  int bits = format == SEQC_FLOAT4E2M1 ? 4 : 8;
  v &= (uint8_t)((1u << bits) - 1);
  int neg = (v >> (bits - 1)) & 1;
  int exponent = (v >> f.mbits) & ((1 << (bits - 1 - f.mbits)) - 1);
  int mant = v & ((1 << f.mbits) - 1);
  if (f.fnuz && v == 0x80)
    return NAN;
  if (!f.fnuz && bits == 8) {
    int allOnes = (1 << (7 - f.mbits)) - 1;
    if (exponent == allOnes && (exponent > f.emax || mant > f.mmax))
      return f.has_inf && mant == 0 ? (neg ? -INFINITY : INFINITY) : NAN;
  }
  float r = exponent == 0
                ? ldexpf((float)mant, 1 - f.bias - f.mbits)
                : ldexpf((float)(mant + (1 << f.mbits)),
                         exponent - f.bias - f.mbits);
  return neg ? -r : r;
}
