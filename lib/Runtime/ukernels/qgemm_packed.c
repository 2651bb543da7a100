/*===- qgemm_packed.c - int8-activation GEMM on compile-time packed weights -*-
 * C -*-===*
 *
 * seqc_uk_qgemm_packed is what seq.quant_matmul {int8_activations} lowers to
 * when its weight is a constant: the compiler repacks the weight into tiles
 * of QP_TILE = 16 output columns so that one 64-byte load feeds AVX-512 VNNI
 * (vpdpbusd) directly, 16 columns x 4 consecutive k per instruction:
 *
 *   w:  [tiles][blocks][steps][64 bytes]; byte 4*j + t of a step is column
 *       tile*16 + j; 4 bits: 8 k per step, low nibble k0 + t, high nibble
 *       k0 + 4 + t; 8 bits: 4 k per step, k0 + t. Columns past N and k past
 *       K are zero.
 *   scales: [tiles][blocks][16] f32, or f16 with SEQC_QGEMM_F16_SCALES
 *       (widened with vcvtph2ps in the SIMD kernels); zero points:
 *       [tiles][blocks][16] f32, or absent (2^(bits-1)).
 *
 * Activations are quantized here per row and block of `group` k to int8
 * (scale max|x| / 127), as onnxruntime does for MatMulNBits accuracy_level 4:
 * the integer dot products of a block are exact, and each block's sum is
 * scaled by weight scale x activation scale in f32, less zero point x the
 * block's activation sum.
 *
 * Kernels: AVX-512 VNNI (vpdpbusd), AVX2 (vpmaddubsw/vpmaddwd) and portable
 * C, all with the same integer block dot products, so they agree up to f32
 * rounding of the block sums. Chosen like sgemm's (SEQC_UKERNEL=generic|
 * avx2|avx512; avx512 without VNNI runs the AVX2 kernel).
 *
 * SEQC_QGEMM_MLAS_ORDER (4 bits, group 32; MatMulNBits accuracy_level 4):
 * the VNNI and portable kernels add in the order of onnxruntime's MLAS
 * AVX-512 VNNI blklen-32 kernel, so the result is onnxruntime's bit for bit
 * (the op's reference is that kernel). Per column, 16 f32 lanes per 4 blocks
 * (128 k): lane 4j + e holds the integer dot product of the 8 k {b..b+3,
 * b+8..b+11}, b = 64(e/2) + 16j + 4(e%2), and adds it times
 * (w scale x a scale) of its block with one FMA. Then lanes i + (i + 8);
 * blocks past the last multiple of 4 add per 4 k into those 8 lanes (lane l:
 * k 4l..4l+3 of the block); the 8 lanes fold as ((h0+h1)+h2)+h3 +
 * (((h4+h5)+h6)+h7), or, for the last N % 4 columns (MLAS's one-column
 * path), as ((h0+h4)+(h2+h6)) + ((h1+h5)+(h3+h7)). The zero point comes
 * last, as MLAS's separate GEMM over blocks: z = sum_b fma(a scale x sum(q_a),
 * -(w scale x zp), z) in block order, C = folded + z. In seqc's tile layout a
 * lane is a group of steps and nibble halves: block B of a 4-block chunk,
 * steps {2p, 2p+1}, nibble half h is lane 4(2(B%2) + p) + 2(B/2) + h. The
 * AVX2 kernel ignores the flag (onnxruntime's AVX2 kernel has another order).
 *
 *===----------------------------------------------------------------------===*/

#include "qgemm_kernels.h"

#include "seqc/Runtime/seqc_parallel.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

#define QP_TILE 16
#define QP_ROWS 4

typedef struct qp_problem {
  int64_t m, n, k, bits, group, blocks, kpad, tiles;
  int64_t tile_bytes; /* bytes of one tile's block: 16 * group * bits / 8 */
  const int8_t *xq;   /* m x kpad */
  const float *xs;    /* m x blocks: activation scale */
  const float *xsum;  /* m x blocks: sum of xq */
  const uint8_t *w;
  const float *scales, *zp;
  const uint16_t *scales16; /* instead of scales: SEQC_QGEMM_F16_SCALES */
  float *c;
  int64_t ldc;
  int mlas; /* SEQC_QGEMM_MLAS_ORDER (bits 4, group 32) */
} qp_problem;

typedef void (*qp_fn)(const qp_problem *p, int64_t r0, int64_t rows, int64_t t0,
                      int64_t t1);

/*===----------------------------------------------------------------------===*
 * Portable kernel
 *===----------------------------------------------------------------------===*/

static void qp_generic(const qp_problem *p, int64_t r0, int64_t rows,
                       int64_t t0, int64_t t1) {
  int64_t steps = p->bits == 4 ? p->group / 8 : p->group / 4;
  for (int64_t t = t0; t < t1; ++t)
    for (int64_t r = r0; r < r0 + rows; ++r) {
      float acc[QP_TILE] = {0};
      for (int64_t g = 0; g < p->blocks; ++g) {
        const uint8_t *wp = p->w + (t * p->blocks + g) * p->tile_bytes;
        const int8_t *x = p->xq + r * p->kpad + g * p->group;
        int32_t dot[QP_TILE] = {0};
        for (int64_t s = 0; s < steps; ++s)
          for (int j = 0; j < QP_TILE; ++j)
            for (int u = 0; u < 4; ++u) {
              uint8_t b = wp[s * 64 + 4 * j + u];
              if (p->bits == 4)
                dot[j] += (b & 15) * x[8 * s + u] + (b >> 4) * x[8 * s + 4 + u];
              else
                dot[j] += b * x[4 * s + u];
            }
        int64_t so = (t * p->blocks + g) * QP_TILE;
        const float *zp = p->zp ? p->zp + (t * p->blocks + g) * QP_TILE : NULL;
        float xs = p->xs[r * p->blocks + g], xsum = p->xsum[r * p->blocks + g];
        float mid = (float)(1 << (p->bits - 1));
        for (int j = 0; j < QP_TILE; ++j) {
          float sc = p->scales16 ? qg_half_to_float(p->scales16[so + j])
                                 : p->scales[so + j];
          acc[j] += ((float)dot[j] - (zp ? zp[j] : mid) * xsum) * (sc * xs);
        }
      }
      int64_t nv = p->n - t * QP_TILE < QP_TILE ? p->n - t * QP_TILE : QP_TILE;
      for (int64_t j = 0; j < nv; ++j)
        p->c[r * p->ldc + t * QP_TILE + j] = acc[j];
    }
}

/* MLAS's lane of (block B of a 4-block chunk, step pair sp, nibble half h). */
static inline int qp_mlas_lane(int B, int sp, int h) {
  return 4 * (2 * (B % 2) + sp) + 2 * (B / 2) + h;
}

/* Column c of n folds like MLAS's 4-column kernel, or its one-column one. */
static inline float qp_mlas_fold(const float *h, int64_t c, int64_t n) {
  if (c < n - n % 4)
    return (((h[0] + h[1]) + h[2]) + h[3]) + (((h[4] + h[5]) + h[6]) + h[7]);
  return ((h[0] + h[4]) + (h[2] + h[6])) + ((h[1] + h[5]) + (h[3] + h[7]));
}

/* SEQC_QGEMM_MLAS_ORDER, portable (bits 4, group 32; order above). */
static void qp_generic_mlas(const qp_problem *p, int64_t r0, int64_t rows,
                            int64_t t0, int64_t t1) {
  int64_t full = p->blocks / 4 * 4;
  for (int64_t t = t0; t < t1; ++t)
    for (int64_t r = r0; r < r0 + rows; ++r) {
      float acc[16][QP_TILE] = {{0}}, h[QP_TILE][8];
      for (int64_t g = 0; g < p->blocks; ++g) {
        const uint8_t *wp = p->w + (t * p->blocks + g) * p->tile_bytes;
        const int8_t *x = p->xq + r * p->kpad + g * 32;
        int64_t so = (t * p->blocks + g) * QP_TILE;
        float xs = p->xs[r * p->blocks + g];
        if (g == full) /* the 16 lanes fold to 8 before the last blocks */
          for (int j = 0; j < QP_TILE; ++j)
            for (int l = 0; l < 8; ++l)
              h[j][l] = acc[l][j] + acc[l + 8][j];
        for (int j = 0; j < QP_TILE; ++j) {
          float sc = p->scales16 ? qg_half_to_float(p->scales16[so + j])
                                 : p->scales[so + j];
          float sab = sc * xs;
          /* dot[q]: k 4q..4q+3 of the block (step q / 2, nibble half q % 2) */
          int32_t dot[8] = {0};
          for (int q = 0; q < 8; ++q)
            for (int u = 0; u < 4; ++u) {
              uint8_t b = wp[(q / 2) * 64 + 4 * j + u];
              dot[q] += (q % 2 ? b >> 4 : b & 15) * x[4 * q + u];
            }
          if (g < full)
            for (int sp = 0; sp < 2; ++sp)
              for (int hh = 0; hh < 2; ++hh) {
                float *a = &acc[qp_mlas_lane((int)(g % 4), sp, hh)][j];
                *a = fmaf((float)(dot[4 * sp + hh] + dot[4 * sp + 2 + hh]), sab,
                          *a);
              }
          else
            for (int q = 0; q < 8; ++q)
              h[j][q] = fmaf((float)dot[q], sab, h[j][q]);
        }
      }
      if (full == p->blocks)
        for (int j = 0; j < QP_TILE; ++j)
          for (int l = 0; l < 8; ++l)
            h[j][l] = acc[l][j] + acc[l + 8][j];
      int64_t nv = p->n - t * QP_TILE < QP_TILE ? p->n - t * QP_TILE : QP_TILE;
      for (int64_t j = 0; j < nv; ++j) {
        float z = 0.0f;
        for (int64_t g = 0; g < p->blocks; ++g) {
          int64_t o = (t * p->blocks + g) * QP_TILE + j, rb = r * p->blocks + g;
          float sc =
              p->scales16 ? qg_half_to_float(p->scales16[o]) : p->scales[o];
          float zp = p->zp ? p->zp[o] : 8.0f;
          z = fmaf(p->xs[rb] * p->xsum[rb], -(sc * zp), z);
        }
        p->c[r * p->ldc + t * QP_TILE + j] =
            qp_mlas_fold(h[j], t * QP_TILE + j, p->n) + z;
      }
    }
}

/*===----------------------------------------------------------------------===*
 * AVX-512 VNNI kernel: T tiles x R rows per pass
 *===----------------------------------------------------------------------===*/

#if defined(__x86_64__)
#define VNNI __attribute__((target("avx512f,avx512bw,avx512vnni")))
#define VINLINE static inline __attribute__((always_inline)) VNNI

VINLINE void qp_step(const qp_problem *p, int64_t r0, int64_t t, const int R,
                     const int T) {
  __m512 acc[4][QP_ROWS];
  for (int i = 0; i < T; ++i)
    for (int r = 0; r < R; ++r)
      acc[i][r] = _mm512_setzero_ps();
  const __m512i nib = _mm512_set1_epi8(15);
  const __m512 mid = _mm512_set1_ps((float)(1 << (p->bits - 1)));
  const int64_t kpad = p->kpad, blocks = p->blocks;
  for (int64_t g = 0; g < blocks; ++g) {
    __m512i d0[4][QP_ROWS], d1[4][QP_ROWS];
    for (int i = 0; i < T; ++i)
      for (int r = 0; r < R; ++r)
        d0[i][r] = d1[i][r] = _mm512_setzero_si512();
    const int8_t *x = p->xq + r0 * kpad + g * p->group;
    if (p->bits == 4) {
      for (int64_t s = 0; s < p->group / 8; ++s) {
        for (int i = 0; i < T; ++i) {
          const uint8_t *wp =
              p->w + ((t + i) * blocks + g) * p->tile_bytes + s * 64;
          __m512i v = _mm512_loadu_si512((const void *)wp);
          /* High nibbles stay in place (16 x their value): d1 sums 16 x
           * the dot product exactly and is shifted back once per block,
           * one instruction less per step. */
          __m512i lo = _mm512_and_si512(v, nib);
          __m512i hi = _mm512_andnot_si512(nib, v);
          for (int r = 0; r < R; ++r) {
            const int8_t *xr = x + r * kpad + 8 * s;
            int32_t x0, x1;
            memcpy(&x0, xr, 4);
            memcpy(&x1, xr + 4, 4);
            d0[i][r] = _mm512_dpbusd_epi32(d0[i][r], lo, _mm512_set1_epi32(x0));
            d1[i][r] = _mm512_dpbusd_epi32(d1[i][r], hi, _mm512_set1_epi32(x1));
          }
        }
      }
    } else {
      for (int64_t s = 0; s < p->group / 4; s += 2) {
        for (int i = 0; i < T; ++i) {
          const uint8_t *wp =
              p->w + ((t + i) * blocks + g) * p->tile_bytes + s * 64;
          __m512i v0 = _mm512_loadu_si512((const void *)wp);
          __m512i v1 = _mm512_loadu_si512((const void *)(wp + 64));
          for (int r = 0; r < R; ++r) {
            const int8_t *xr = x + r * kpad + 4 * s;
            int32_t x0, x1;
            memcpy(&x0, xr, 4);
            memcpy(&x1, xr + 4, 4);
            d0[i][r] = _mm512_dpbusd_epi32(d0[i][r], v0, _mm512_set1_epi32(x0));
            d1[i][r] = _mm512_dpbusd_epi32(d1[i][r], v1, _mm512_set1_epi32(x1));
          }
        }
      }
    }
    for (int i = 0; i < T; ++i) {
      int64_t off = ((t + i) * blocks + g) * QP_TILE;
      __m512 ws = p->scales16 ? _mm512_cvtph_ps(_mm256_loadu_si256(
                                    (const __m256i *)(p->scales16 + off)))
                              : _mm512_loadu_ps(p->scales + off);
      __m512 zp = p->zp ? _mm512_loadu_ps(p->zp + off) : mid;
      for (int r = 0; r < R; ++r) {
        int64_t rb = (r0 + r) * blocks + g;
        __m512i d =
            p->bits == 4
                ? _mm512_add_epi32(d0[i][r], _mm512_srai_epi32(d1[i][r], 4))
                : _mm512_add_epi32(d0[i][r], d1[i][r]);
        __m512 f = _mm512_cvtepi32_ps(d);
        f = _mm512_fnmadd_ps(zp, _mm512_set1_ps(p->xsum[rb]), f);
        acc[i][r] = _mm512_fmadd_ps(
            f, _mm512_mul_ps(ws, _mm512_set1_ps(p->xs[rb])), acc[i][r]);
      }
    }
  }
  for (int i = 0; i < T; ++i) {
    int64_t n0 = (t + i) * QP_TILE;
    int64_t nv = p->n - n0 < QP_TILE ? p->n - n0 : QP_TILE;
    __mmask16 mask = (__mmask16)((1u << nv) - 1);
    for (int r = 0; r < R; ++r)
      _mm512_mask_storeu_ps(p->c + (r0 + r) * p->ldc + n0, mask, acc[i][r]);
  }
}

/* SEQC_QGEMM_MLAS_ORDER: one tile, one row; acc[lane] holds MLAS's lane
 * `lane` for the tile's 16 columns (order in the file comment). */
VINLINE void qp_mlas_step(const qp_problem *p, int64_t r, int64_t t) {
  const __m512i nib = _mm512_set1_epi8(15);
  const int64_t blocks = p->blocks, full = blocks / 4 * 4;
  const int8_t *x = p->xq + r * p->kpad;
  const __m512 mid = _mm512_set1_ps(8.0f);
  __m512 acc[16], z = _mm512_setzero_ps();
  for (int l = 0; l < 16; ++l)
    acc[l] = _mm512_setzero_ps();
  /* The zero-point sum runs in block order alongside (its own chain, so the
   * same sum as MLAS's separate pass): z -= (a scale x sum q_a) x (w scale x
   * zp), i.e. fma(., -(w scale x zp), z) exactly. */
#define QP_MLAS_ZSUM(g, ws)                                                    \
  z = _mm512_fnmadd_ps(                                                        \
      _mm512_set1_ps(p->xs[r * blocks + (g)] * p->xsum[r * blocks + (g)]),     \
      _mm512_mul_ps(ws, p->zp ? _mm512_loadu_ps(p->zp + off) : mid), z)
  for (int64_t g0 = 0; g0 < full; g0 += 4) {
#pragma clang loop unroll(full)
    for (int B = 0; B < 4; ++B) {
      int64_t g = g0 + B;
      const uint8_t *wp = p->w + (t * blocks + g) * p->tile_bytes;
      __m512i d[2][2];
      for (int sp = 0; sp < 2; ++sp)
        d[sp][0] = d[sp][1] = _mm512_setzero_si512();
#pragma clang loop unroll(full)
      for (int s = 0; s < 4; ++s) {
        __m512i v = _mm512_loadu_si512((const void *)(wp + s * 64));
        int32_t x0, x1;
        memcpy(&x0, x + g * 32 + 8 * s, 4);
        memcpy(&x1, x + g * 32 + 8 * s + 4, 4);
        /* high nibbles in place (16 x), shifted back before conversion */
        d[s / 2][0] = _mm512_dpbusd_epi32(d[s / 2][0], _mm512_and_si512(v, nib),
                                          _mm512_set1_epi32(x0));
        d[s / 2][1] = _mm512_dpbusd_epi32(
            d[s / 2][1], _mm512_andnot_si512(nib, v), _mm512_set1_epi32(x1));
      }
      int64_t off = (t * blocks + g) * QP_TILE;
      __m512 ws = p->scales16 ? _mm512_cvtph_ps(_mm256_loadu_si256(
                                    (const __m256i *)(p->scales16 + off)))
                              : _mm512_loadu_ps(p->scales + off);
      __m512 sab = _mm512_mul_ps(ws, _mm512_set1_ps(p->xs[r * blocks + g]));
      QP_MLAS_ZSUM(g, ws);
      for (int sp = 0; sp < 2; ++sp) {
        int l0 = qp_mlas_lane(B, sp, 0), l1 = qp_mlas_lane(B, sp, 1);
        acc[l0] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d[sp][0]), sab, acc[l0]);
        acc[l1] = _mm512_fmadd_ps(
            _mm512_cvtepi32_ps(_mm512_srai_epi32(d[sp][1], 4)), sab, acc[l1]);
      }
    }
  }
  __m512 h[8];
  for (int l = 0; l < 8; ++l)
    h[l] = _mm512_add_ps(acc[l], acc[l + 8]);
  for (int64_t g = full; g < blocks; ++g) {
    const uint8_t *wp = p->w + (t * blocks + g) * p->tile_bytes;
    int64_t off = (t * blocks + g) * QP_TILE;
    __m512 ws = p->scales16 ? _mm512_cvtph_ps(_mm256_loadu_si256(
                                  (const __m256i *)(p->scales16 + off)))
                            : _mm512_loadu_ps(p->scales + off);
    __m512 sab = _mm512_mul_ps(ws, _mm512_set1_ps(p->xs[r * blocks + g]));
    QP_MLAS_ZSUM(g, ws);
    for (int q = 0; q < 8; ++q) {
      __m512i v = _mm512_loadu_si512((const void *)(wp + (q / 2) * 64));
      __m512i w = q % 2 ? _mm512_srli_epi16(_mm512_andnot_si512(nib, v), 4)
                        : _mm512_and_si512(v, nib);
      int32_t xq;
      memcpy(&xq, x + g * 32 + 4 * q, 4);
      __m512i d =
          _mm512_dpbusd_epi32(_mm512_setzero_si512(), w, _mm512_set1_epi32(xq));
      h[q] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d), sab, h[q]);
    }
  }
  __m512 sum = _mm512_add_ps(
      _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(h[0], h[1]), h[2]), h[3]),
      _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(h[4], h[5]), h[6]), h[7]));
  int64_t n0 = t * QP_TILE;
  int64_t nv = p->n - n0 < QP_TILE ? p->n - n0 : QP_TILE;
  int64_t tail = p->n - p->n % 4; /* first column of MLAS's one-column path */
  if (n0 + nv > tail) {
    __m512 one = _mm512_add_ps(
        _mm512_add_ps(_mm512_add_ps(h[0], h[4]), _mm512_add_ps(h[2], h[6])),
        _mm512_add_ps(_mm512_add_ps(h[1], h[5]), _mm512_add_ps(h[3], h[7])));
    int64_t from = tail > n0 ? tail - n0 : 0;
    __mmask16 m = (__mmask16)(0xffffu << from);
    sum = _mm512_mask_mov_ps(sum, m, one);
  }
#undef QP_MLAS_ZSUM
  __mmask16 mask = (__mmask16)((1u << nv) - 1);
  _mm512_mask_storeu_ps(p->c + r * p->ldc + n0, mask, _mm512_add_ps(sum, z));
}

static VNNI void qp_vnni_mlas(const qp_problem *p, int64_t r0, int64_t rows,
                              int64_t t0, int64_t t1) {
  for (int64_t t = t0; t < t1; ++t)
    for (int64_t r = r0; r < r0 + rows; ++r)
      qp_mlas_step(p, r, t);
}

#define QP_ROWS_FN(R, T)                                                       \
  static VNNI void qp_vnni_r##R(const qp_problem *p, int64_t r0, int64_t t0,   \
                                int64_t t1) {                                  \
    int64_t t = t0;                                                            \
    for (; t + T <= t1; t += T)                                                \
      qp_step(p, r0, t, R, T);                                                 \
    for (; T > 2 && t + 2 <= t1; t += 2)                                       \
      qp_step(p, r0, t, R, 2);                                                 \
    for (; t < t1; ++t)                                                        \
      qp_step(p, r0, t, R, 1);                                                 \
  }
/* One row (decode): 4 tiles per pass, 8 independent vpdpbusd chains. */
QP_ROWS_FN(1, 4)
QP_ROWS_FN(2, 2)
QP_ROWS_FN(3, 1)
QP_ROWS_FN(4, 1)

static VNNI void qp_vnni(const qp_problem *p, int64_t r0, int64_t rows,
                         int64_t t0, int64_t t1) {
  switch (rows) {
  case 1:
    return qp_vnni_r1(p, r0, t0, t1);
  case 2:
    return qp_vnni_r2(p, r0, t0, t1);
  case 3:
    return qp_vnni_r3(p, r0, t0, t1);
  default:
    return qp_vnni_r4(p, r0, t0, t1);
  }
}

/*===----------------------------------------------------------------------===*
 * AVX2 kernel: vpmaddubsw + vpmaddwd on 8-column halves of a tile
 *===----------------------------------------------------------------------===*/

#define AVX2T __attribute__((target("avx2,fma,f16c")))
#define AINLINE static inline __attribute__((always_inline)) AVX2T

/* 4 bits: u8 nibbles x s8 activations, pair sums <= 2 * 15 * 127, so two
 * vpmaddubsw results add in int16 safely. 8 bits: the weight is shifted to
 * s8 (q - 128): |q - 128| is the unsigned operand and the weight's sign
 * moves onto the activation (|x| <= 127, so negating it cannot overflow),
 * pair sums <= 2 * 128 * 127; the shift comes back as 128 * sum(x). */
AINLINE void qp2_step(const qp_problem *p, int64_t r0, int64_t t, const int R) {
  __m256 acc[2][2];
  for (int h = 0; h < 2; ++h)
    for (int r = 0; r < R; ++r)
      acc[h][r] = _mm256_setzero_ps();
  const __m256i nib = _mm256_set1_epi8(15), ones = _mm256_set1_epi16(1);
  const __m256i bias = _mm256_set1_epi8((char)0x80);
  const int64_t kpad = p->kpad, blocks = p->blocks;
  for (int64_t g = 0; g < blocks; ++g) {
    __m256i d[2][2];
    for (int h = 0; h < 2; ++h)
      for (int r = 0; r < R; ++r)
        d[h][r] = _mm256_setzero_si256();
    const int8_t *x = p->xq + r0 * kpad + g * p->group;
    const uint8_t *wg = p->w + (t * blocks + g) * p->tile_bytes;
    if (p->bits == 4) {
      for (int64_t s = 0; s < p->group / 8; ++s)
        for (int h = 0; h < 2; ++h) {
          __m256i v =
              _mm256_loadu_si256((const __m256i *)(wg + s * 64 + 32 * h));
          __m256i lo = _mm256_and_si256(v, nib);
          __m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), nib);
          for (int r = 0; r < R; ++r) {
            int32_t x0, x1;
            memcpy(&x0, x + r * kpad + 8 * s, 4);
            memcpy(&x1, x + r * kpad + 8 * s + 4, 4);
            __m256i p16 = _mm256_add_epi16(
                _mm256_maddubs_epi16(lo, _mm256_set1_epi32(x0)),
                _mm256_maddubs_epi16(hi, _mm256_set1_epi32(x1)));
            d[h][r] = _mm256_add_epi32(d[h][r], _mm256_madd_epi16(p16, ones));
          }
        }
    } else {
      for (int64_t s = 0; s < p->group / 4; ++s)
        for (int h = 0; h < 2; ++h) {
          __m256i v = _mm256_xor_si256(
              _mm256_loadu_si256((const __m256i *)(wg + s * 64 + 32 * h)),
              bias);
          __m256i av = _mm256_abs_epi8(v); /* |q - 128| <= 128 as u8 */
          for (int r = 0; r < R; ++r) {
            int32_t x0;
            memcpy(&x0, x + r * kpad + 4 * s, 4);
            __m256i p16 = _mm256_maddubs_epi16(
                av, _mm256_sign_epi8(_mm256_set1_epi32(x0), v));
            d[h][r] = _mm256_add_epi32(d[h][r], _mm256_madd_epi16(p16, ones));
          }
        }
    }
    const __m256 mid = _mm256_set1_ps((float)(1 << (p->bits - 1)));
    for (int h = 0; h < 2; ++h) {
      int64_t off = (t * blocks + g) * QP_TILE + 8 * h;
      __m256 ws = p->scales16 ? _mm256_cvtph_ps(_mm_loadu_si128(
                                    (const __m128i *)(p->scales16 + off)))
                              : _mm256_loadu_ps(p->scales + off);
      __m256 zp = p->zp ? _mm256_loadu_ps(p->zp + off) : mid;
      /* 4 bits: dot - zp * sum(x); 8 bits: dot' + (128 - zp) * sum(x). */
      __m256 zc = p->bits == 4 ? zp : _mm256_sub_ps(zp, _mm256_set1_ps(128.0f));
      for (int r = 0; r < R; ++r) {
        int64_t rb = (r0 + r) * blocks + g;
        __m256 f = _mm256_cvtepi32_ps(d[h][r]);
        f = _mm256_fnmadd_ps(zc, _mm256_set1_ps(p->xsum[rb]), f);
        acc[h][r] = _mm256_fmadd_ps(
            f, _mm256_mul_ps(ws, _mm256_set1_ps(p->xs[rb])), acc[h][r]);
      }
    }
  }
  int64_t n0 = t * QP_TILE;
  int64_t nv = p->n - n0 < QP_TILE ? p->n - n0 : QP_TILE;
  for (int r = 0; r < R; ++r) {
    float *dst = p->c + (r0 + r) * p->ldc + n0;
    if (nv == QP_TILE) {
      _mm256_storeu_ps(dst, acc[0][r]);
      _mm256_storeu_ps(dst + 8, acc[1][r]);
    } else {
      float tmp[QP_TILE];
      _mm256_storeu_ps(tmp, acc[0][r]);
      _mm256_storeu_ps(tmp + 8, acc[1][r]);
      memcpy(dst, tmp, sizeof(float) * nv);
    }
  }
}

static AVX2T void qp_avx2(const qp_problem *p, int64_t r0, int64_t rows,
                          int64_t t0, int64_t t1) {
  for (int64_t r = r0; r < r0 + rows; r += 2) {
    int two = r + 1 < r0 + rows;
    for (int64_t t = t0; t < t1; ++t) {
      if (two)
        qp2_step(p, r, t, 2);
      else
        qp2_step(p, r, t, 1);
    }
  }
}

/* quantize_row's AVX-512 form for contiguous rows: the same amax, scale and
 * round-to-nearest-even (vcvtps2dq under the default MXCSR, as lrintf), so
 * the int8 activations are identical; no libm call per element. */
static VNNI void quantize_row_avx512(const qp_problem *p, const float *a,
                                     int8_t *xq, float *xs, float *xsum) {
  const __m512i lo = _mm512_set1_epi32(-127), hi = _mm512_set1_epi32(127);
  for (int64_t g = 0; g < p->blocks; ++g) {
    int64_t k0 = g * p->group;
    int64_t len = p->k - k0 < p->group ? p->k - k0 : p->group;
    __m512 vmax = _mm512_setzero_ps();
    for (int64_t i = 0; i < len; i += 16) {
      __mmask16 m = len - i >= 16 ? 0xffff : (__mmask16)((1u << (len - i)) - 1);
      vmax = _mm512_max_ps(vmax,
                           _mm512_abs_ps(_mm512_maskz_loadu_ps(m, a + k0 + i)));
    }
    float amax = _mm512_reduce_max_ps(vmax);
    float s = amax / 127.0f, inv = s != 0.0f ? 1.0f / s : 0.0f;
    const __m512 vinv = _mm512_set1_ps(inv);
    __m512i vsum = _mm512_setzero_si512();
    for (int64_t i = 0; i < p->group; i += 16) { /* group % 16 == 0 */
      __mmask16 m = i >= len        ? 0
                    : len - i >= 16 ? 0xffff
                                    : (__mmask16)((1u << (len - i)) - 1);
      __m512i q = _mm512_cvtps_epi32(
          _mm512_mul_ps(_mm512_maskz_loadu_ps(m, a + k0 + i), vinv));
      q = _mm512_min_epi32(_mm512_max_epi32(q, lo), hi);
      vsum = _mm512_add_epi32(vsum, q);
      _mm_storeu_si128((__m128i *)(xq + k0 + i), _mm512_cvtepi32_epi8(q));
    }
    xs[g] = s;
    xsum[g] = (float)_mm512_reduce_add_epi32(vsum);
  }
}

/* The same for the AVX2 kernel (8 lanes; tails through a zero-padded copy). */
static AVX2T void quantize_row_avx2(const qp_problem *p, const float *a,
                                    int8_t *xq, float *xs, float *xsum) {
  const __m256 absm = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  const __m256i lo = _mm256_set1_epi32(-127), hi = _mm256_set1_epi32(127);
  for (int64_t g = 0; g < p->blocks; ++g) {
    int64_t k0 = g * p->group;
    int64_t len = p->k - k0 < p->group ? p->k - k0 : p->group;
    float tail[8];
    __m256 vmax = _mm256_setzero_ps();
    for (int64_t i = 0; i < p->group; i += 8) {
      const float *src = a + k0 + i;
      if (i + 8 > len) {
        memset(tail, 0, sizeof(tail));
        if (i < len)
          memcpy(tail, src, sizeof(float) * (size_t)(len - i));
        src = tail;
      }
      vmax = _mm256_max_ps(vmax, _mm256_and_ps(_mm256_loadu_ps(src), absm));
    }
    __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(vmax),
                           _mm256_extractf128_ps(vmax, 1));
    m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
    m4 = _mm_max_ss(m4, _mm_shuffle_ps(m4, m4, 1));
    float amax = _mm_cvtss_f32(m4);
    float s = amax / 127.0f, inv = s != 0.0f ? 1.0f / s : 0.0f;
    const __m256 vinv = _mm256_set1_ps(inv);
    __m256i vsum = _mm256_setzero_si256();
    for (int64_t i = 0; i < p->group; i += 8) { /* group % 8 == 0 */
      const float *src = a + k0 + i;
      if (i + 8 > len) {
        memset(tail, 0, sizeof(tail));
        if (i < len)
          memcpy(tail, src, sizeof(float) * (size_t)(len - i));
        src = tail;
      }
      __m256i q = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(src), vinv));
      q = _mm256_min_epi32(_mm256_max_epi32(q, lo), hi);
      vsum = _mm256_add_epi32(vsum, q);
      __m128i q16 = _mm_packs_epi32(_mm256_castsi256_si128(q),
                                    _mm256_extracti128_si256(q, 1));
      _mm_storel_epi64((__m128i *)(xq + k0 + i), _mm_packs_epi16(q16, q16));
    }
    __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(vsum),
                               _mm256_extracti128_si256(vsum, 1));
    s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0x4e));
    s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0xb1));
    xs[g] = s;
    xsum[g] = (float)_mm_cvtsi128_si32(s4);
  }
}

/* The AVX2 kernel widens f16 scales with F16C (every AVX2 CPU has it;
 * checked anyway). */
static int has_f16c(void) {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d))
    return 0;
  return (c >> 29) & 1;
}

static int has_vnni(void) {
  unsigned a, b, c, d;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
    return 0;
  return (b >> 30) & 1 && (c >> 11) & 1; /* AVX512BW, AVX512_VNNI */
}
#endif

static qp_fn qp_selected;
static const char *qp_name = "generic";
static pthread_once_t qp_once = PTHREAD_ONCE_INIT;
static int qp_trace;

static void qp_select(void) {
  const char *t = getenv("SEQC_UK_TRACE");
  qp_trace = t && *t && *t != '0';
  qp_selected = qp_generic;
#if defined(__x86_64__)
  /* The sgemm rule (CPUID, SEQC_UKERNEL) picks avx512 only where AVX-512F
   * and its OS state exist; VNNI is checked on top. */
  const char *isa = seqc_uk_sgemm_kernel_name();
  if (strcmp(isa, "avx512") == 0 && has_vnni()) {
    qp_selected = qp_vnni;
    qp_name = "avx512vnni";
  } else if ((strcmp(isa, "avx2") == 0 || strcmp(isa, "avx512") == 0) &&
             has_f16c()) {
    qp_selected = qp_avx2;
    qp_name = "avx2";
  }
#endif
}

const char *seqc_uk_qgemm_packed_kernel_name(void) {
  pthread_once(&qp_once, qp_select);
  return qp_name;
}

/*===----------------------------------------------------------------------===*
 * Driver
 *===----------------------------------------------------------------------===*/

typedef struct qp_job {
  qp_problem p;
  qp_fn fn;
  int64_t tiles_per_unit;
} qp_job;

static void qp_task(void *ctx, int64_t begin, int64_t end) {
  const qp_job *j = ctx;
  int64_t t0 = begin * j->tiles_per_unit, t1 = end * j->tiles_per_unit;
  if (t1 > j->p.tiles)
    t1 = j->p.tiles;
  for (int64_t r = 0; r < j->p.m; r += QP_ROWS) {
    int64_t rows = j->p.m - r < QP_ROWS ? j->p.m - r : QP_ROWS;
    j->fn(&j->p, r, rows, t0, t1);
  }
}

/* Quantizes row `a` (k elements, stride sak) per block to int8. */
static void quantize_row(const qp_problem *p, const float *a, int64_t sak,
                         int8_t *xq, float *xs, float *xsum) {
  for (int64_t g = 0; g < p->blocks; ++g) {
    int64_t k0 = g * p->group;
    int64_t len = p->k - k0 < p->group ? p->k - k0 : p->group;
    float amax = 0.0f;
    for (int64_t i = 0; i < len; ++i) {
      float v = fabsf(a[(k0 + i) * sak]);
      amax = v > amax ? v : amax;
    }
    /* As MLAS computes it (1 / scale, not 127 / amax), so that the int8
     * activations round the same way as onnxruntime's. */
    float s = amax / 127.0f, inv = s != 0.0f ? 1.0f / s : 0.0f;
    int32_t sum = 0;
    for (int64_t i = 0; i < p->group; ++i) {
      int32_t q = i < len ? (int32_t)lrintf(a[(k0 + i) * sak] * inv) : 0;
      q = q > 127 ? 127 : q < -127 ? -127 : q;
      xq[k0 + i] = (int8_t)q;
      sum += q;
    }
    xs[g] = s;
    xsum[g] = (float)sum;
  }
}

void seqc_uk_qgemm_packed(int64_t flags, int64_t m, int64_t n, int64_t k,
                          intptr_t a, int64_t sam, int64_t sak, intptr_t w,
                          intptr_t scales, intptr_t zp, intptr_t c, int64_t ldc,
                          int64_t bits, int64_t group) {
  if (m <= 0 || n <= 0)
    return;
  pthread_once(&qp_once, qp_select);
  int f16 = (flags & SEQC_QGEMM_F16_SCALES) != 0;
  struct timespec ts0, ts1;
  if (qp_trace)
    clock_gettime(CLOCK_MONOTONIC, &ts0);
  qp_problem p;
  p.m = m;
  p.n = n;
  p.k = k;
  p.bits = bits;
  p.group = group;
  p.blocks = (k + group - 1) / group;
  p.kpad = p.blocks * group;
  p.tiles = (n + QP_TILE - 1) / QP_TILE;
  p.tile_bytes = QP_TILE * group * bits / 8;
  p.w = (const uint8_t *)w;
  p.scales = f16 ? NULL : (const float *)scales;
  p.scales16 = f16 ? (const uint16_t *)scales : NULL;
  p.zp = (const float *)zp;
  p.c = (float *)c;
  p.ldc = ldc;
  p.mlas = (flags & SEQC_QGEMM_MLAS_ORDER) && bits == 4 && group == 32;
  size_t xbytes = (size_t)m * p.kpad;
  char *buf = malloc(xbytes + 2 * sizeof(float) * m * p.blocks + 64);
  if (!buf) {
    fprintf(stderr, "seqc_uk_qgemm_packed: out of memory\n");
    abort();
  }
  float *xs = (float *)(buf + (xbytes + 63) / 64 * 64);
  float *xsum = xs + m * p.blocks;
  for (int64_t r = 0; r < m; ++r) {
#if defined(__x86_64__)
    if (sak == 1 && qp_selected == qp_vnni) {
      quantize_row_avx512(&p, (const float *)a + r * sam,
                          (int8_t *)buf + r * p.kpad, xs + r * p.blocks,
                          xsum + r * p.blocks);
      continue;
    }
    if (sak == 1 && qp_selected == qp_avx2) {
      quantize_row_avx2(&p, (const float *)a + r * sam,
                        (int8_t *)buf + r * p.kpad, xs + r * p.blocks,
                        xsum + r * p.blocks);
      continue;
    }
#endif
    quantize_row(&p, (const float *)a + r * sam, sak,
                 (int8_t *)buf + r * p.kpad, xs + r * p.blocks,
                 xsum + r * p.blocks);
  }
  p.xq = (const int8_t *)buf;
  p.xs = xs;
  p.xsum = xsum;
  qp_fn fn = qp_selected;
  if (p.mlas && fn == qp_generic)
    fn = qp_generic_mlas;
#if defined(__x86_64__)
  if (p.mlas && fn == qp_vnni)
    fn = qp_vnni_mlas;
#endif
  qp_job j = {p, fn, 2};
  int64_t units = (p.tiles + 1) / 2;
  if (seqc_get_num_threads() > 1 && !seqc_in_parallel_region() &&
      n * p.kpad * m >= (1 << 15))
    seqc_parallel_for(units, qp_task, &j);
  else
    qp_task(&j, 0, units);
  free(buf);
  if (qp_trace) {
    clock_gettime(CLOCK_MONOTONIC, &ts1);
    double us =
        (ts1.tv_sec - ts0.tv_sec) * 1e6 + (ts1.tv_nsec - ts0.tv_nsec) * 1e-3;
    fprintf(stderr,
            "seqc_uk_qgemm_packed[%s]: m=%ld n=%ld k=%ld bits=%ld group=%ld "
            "zp=%d scales=%s%s: %.1f us, %.1f GB/s of weights\n",
            qp_name, (long)m, (long)n, (long)k, (long)bits, (long)group,
            zp != 0, f16 ? "f16" : "f32", p.mlas ? " mlas-order" : "", us,
            (double)p.tiles * p.blocks * p.tile_bytes / us * 1e-3);
  }
}

/* Packs scales of `ssize` bytes (4: f32, 2: f16), copied bit for bit. */
static void qp_pack(int64_t n, int64_t k, int64_t bits, int64_t group,
                    const uint8_t *w, const void *scales, int ssize,
                    const uint8_t *zp, uint8_t *pw, void *ps, float *pz) {
  int64_t blocks = (k + group - 1) / group, blob = group * bits / 8;
  int64_t tiles = (n + QP_TILE - 1) / QP_TILE, tile_bytes = QP_TILE * blob;
  int64_t kpt = bits == 4 ? 8 : 4; /* k per 64-byte step */
  memset(pw, 0, (size_t)(tiles * blocks * tile_bytes));
  for (int64_t t = 0; t < tiles; ++t)
    for (int64_t g = 0; g < blocks; ++g) {
      uint8_t *dst = pw + (t * blocks + g) * tile_bytes;
      for (int j = 0; j < QP_TILE; ++j) {
        int64_t col = t * QP_TILE + j, o = (t * blocks + g) * QP_TILE + j;
        if (col < n)
          memcpy((char *)ps + o * ssize,
                 (const char *)scales + (col * blocks + g) * ssize,
                 (size_t)ssize);
        else
          memset((char *)ps + o * ssize, 0, (size_t)ssize);
        if (pz)
          pz[o] = col < n ? (float)zp[col * blocks + g] : 0.0f;
        if (col >= n)
          continue;
        const uint8_t *src = w + (col * blocks + g) * blob;
        for (int64_t i = 0; i < group && g * group + i < k; ++i) {
          int q =
              bits == 4 ? (i % 2 ? src[i / 2] >> 4 : src[i / 2] & 15) : src[i];
          int64_t s = i / kpt, u = i % kpt;
          uint8_t *byte = dst + s * 64 + 4 * j + (bits == 4 ? u % 4 : u);
          *byte |= (uint8_t)(bits == 4 && u >= 4 ? q << 4 : q);
        }
      }
    }
}

void seqc_uk_qgemm_pack(int64_t n, int64_t k, int64_t bits, int64_t group,
                        const uint8_t *w, const float *scales,
                        const uint8_t *zp, uint8_t *pw, float *ps, float *pz) {
  qp_pack(n, k, bits, group, w, scales, 4, zp, pw, ps, pz);
}

void seqc_uk_qgemm_pack_f16(int64_t n, int64_t k, int64_t bits, int64_t group,
                            const uint8_t *w, const uint16_t *scales,
                            const uint8_t *zp, uint8_t *pw, uint16_t *ps,
                            float *pz) {
  qp_pack(n, k, bits, group, w, scales, 2, zp, pw, ps, pz);
}
