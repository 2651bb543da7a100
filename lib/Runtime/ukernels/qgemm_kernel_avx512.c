/*===- qgemm_kernel_avx512.c - AVX-512 int4/int8 GEMV --------------*- C -*-===*
 *
 * NC columns x M rows per step. 4 bits: 16 weight bytes (32 k) are widened
 * to 16 int32 lanes once; `& 15` and `>> 4` give the even and odd k, which
 * multiply the prepared [16 even][16 odd] activations of every row. Per
 * block, the two partial dot vectors are scaled into the accumulator; the
 * zero-point term (zp * scale * sum x) is subtracted once per output in
 * scalar. 8 bits: 16 bytes are 16 consecutive k.
 *
 *===----------------------------------------------------------------------===*/

#include "qgemm_kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define TARGET __attribute__((target("avx512f")))
#define INLINE static inline __attribute__((always_inline)) TARGET

INLINE void step(const qgemm_problem *p, int64_t n, const int M, const int NC) {
  __m512 acc[4][QG_MAX_ROWS];
  for (int c = 0; c < NC; ++c)
    for (int r = 0; r < M; ++r)
      acc[c][r] = _mm512_setzero_ps();
  const __m512i mask = _mm512_set1_epi32(15);
  const int64_t blob = p->blob, blocks = p->blocks, kpad = p->kpad;
  for (int64_t g = 0; g < blocks; ++g) {
    __m512 d0[4][QG_MAX_ROWS], d1[4][QG_MAX_ROWS];
    for (int c = 0; c < NC; ++c)
      for (int r = 0; r < M; ++r)
        d0[c][r] = d1[c][r] = _mm512_setzero_ps();
    const float *xg = p->x + g * p->group;
    if (p->bits == 4) {
      for (int64_t j = 0; j < blob; j += 16) {
        const float *xj = xg + 2 * j;
        for (int c = 0; c < NC; ++c) {
          const uint8_t *q = p->w + ((n + c) * blocks + g) * blob + j;
          __m512i v = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)q));
          __m512 lo = _mm512_cvtepi32_ps(_mm512_and_si512(v, mask));
          __m512 hi = _mm512_cvtepi32_ps(_mm512_srli_epi32(v, 4));
          for (int r = 0; r < M; ++r) {
            d0[c][r] =
                _mm512_fmadd_ps(lo, _mm512_loadu_ps(xj + r * kpad), d0[c][r]);
            d1[c][r] = _mm512_fmadd_ps(hi, _mm512_loadu_ps(xj + r * kpad + 16),
                                       d1[c][r]);
          }
        }
      }
    } else {
      for (int64_t j = 0; j < blob; j += 32) {
        const float *xj = xg + j;
        for (int c = 0; c < NC; ++c) {
          const uint8_t *q = p->w + ((n + c) * blocks + g) * blob + j;
          __m512 a = _mm512_cvtepi32_ps(
              _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)q)));
          __m512 b = _mm512_cvtepi32_ps(
              _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(q + 16))));
          for (int r = 0; r < M; ++r) {
            d0[c][r] =
                _mm512_fmadd_ps(a, _mm512_loadu_ps(xj + r * kpad), d0[c][r]);
            d1[c][r] = _mm512_fmadd_ps(b, _mm512_loadu_ps(xj + r * kpad + 16),
                                       d1[c][r]);
          }
        }
      }
    }
    for (int c = 0; c < NC; ++c) {
      __m512 s = _mm512_set1_ps(qg_scale(p, n + c, g));
      for (int r = 0; r < M; ++r)
        acc[c][r] =
            _mm512_fmadd_ps(_mm512_add_ps(d0[c][r], d1[c][r]), s, acc[c][r]);
    }
  }
  for (int c = 0; c < NC; ++c)
    for (int r = 0; r < M; ++r)
      p->c[r * p->ldc + n + c] =
          _mm512_reduce_add_ps(acc[c][r]) - qg_zero_correction(p, r, n + c);
}

#define DEFINE_ROWS(M, NC)                                                     \
  static TARGET void gemv_m##M(const qgemm_problem *p, int64_t n0,             \
                               int64_t n1) {                                   \
    int64_t n = n0;                                                            \
    for (; n + NC <= n1; n += NC)                                              \
      step(p, n, M, NC);                                                       \
    for (; n < n1; ++n)                                                        \
      step(p, n, M, 1);                                                        \
  }
DEFINE_ROWS(1, 4)
DEFINE_ROWS(2, 4)
DEFINE_ROWS(3, 2)
DEFINE_ROWS(4, 2)

static TARGET void gemv_avx512(const qgemm_problem *p, int64_t n0, int64_t n1) {
  switch (p->m) {
  case 1:
    return gemv_m1(p, n0, n1);
  case 2:
    return gemv_m2(p, n0, n1);
  case 3:
    return gemv_m3(p, n0, n1);
  default:
    return gemv_m4(p, n0, n1);
  }
}

const seqc_qgemm_kernel seqc_qgemm_kernel_avx512 = {"avx512", 16, 32,
                                                    gemv_avx512};
#endif
