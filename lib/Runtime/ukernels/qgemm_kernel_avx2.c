/*===- qgemm_kernel_avx2.c - AVX2 int4/int8 GEMV -------------------*- C -*-===*
 *
 * The AVX-512 kernel's scheme on 8 lanes: 8 weight bytes (16 k for 4 bits)
 * are widened to 8 int32 lanes; `& 15` / `>> 4` give the even / odd k that
 * multiply the prepared [8 even][8 odd] activations.
 *
 *===----------------------------------------------------------------------===*/

#include "qgemm_kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define TARGET __attribute__((target("avx2,fma")))
#define INLINE static inline __attribute__((always_inline)) TARGET

INLINE float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

INLINE __m256i load8(const uint8_t *q) {
  return _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)q));
}

INLINE void step(const qgemm_problem *p, int64_t n, const int M, const int NC) {
  __m256 acc[4][QG_MAX_ROWS];
  for (int c = 0; c < NC; ++c)
    for (int r = 0; r < M; ++r)
      acc[c][r] = _mm256_setzero_ps();
  const __m256i mask = _mm256_set1_epi32(15);
  const int64_t blob = p->blob, blocks = p->blocks, kpad = p->kpad;
  for (int64_t g = 0; g < blocks; ++g) {
    __m256 d0[4][QG_MAX_ROWS], d1[4][QG_MAX_ROWS];
    for (int c = 0; c < NC; ++c)
      for (int r = 0; r < M; ++r)
        d0[c][r] = d1[c][r] = _mm256_setzero_ps();
    const float *xg = p->x + g * p->group;
    if (p->bits == 4) {
      for (int64_t j = 0; j < blob; j += 8) {
        const float *xj = xg + 2 * j;
        for (int c = 0; c < NC; ++c) {
          __m256i v = load8(p->w + ((n + c) * blocks + g) * blob + j);
          __m256 lo = _mm256_cvtepi32_ps(_mm256_and_si256(v, mask));
          __m256 hi = _mm256_cvtepi32_ps(_mm256_srli_epi32(v, 4));
          for (int r = 0; r < M; ++r) {
            d0[c][r] =
                _mm256_fmadd_ps(lo, _mm256_loadu_ps(xj + r * kpad), d0[c][r]);
            d1[c][r] = _mm256_fmadd_ps(hi, _mm256_loadu_ps(xj + r * kpad + 8),
                                       d1[c][r]);
          }
        }
      }
    } else {
      for (int64_t j = 0; j < blob; j += 16) {
        const float *xj = xg + j;
        for (int c = 0; c < NC; ++c) {
          const uint8_t *q = p->w + ((n + c) * blocks + g) * blob + j;
          __m256 a = _mm256_cvtepi32_ps(load8(q));
          __m256 b = _mm256_cvtepi32_ps(load8(q + 8));
          for (int r = 0; r < M; ++r) {
            d0[c][r] =
                _mm256_fmadd_ps(a, _mm256_loadu_ps(xj + r * kpad), d0[c][r]);
            d1[c][r] = _mm256_fmadd_ps(b, _mm256_loadu_ps(xj + r * kpad + 8),
                                       d1[c][r]);
          }
        }
      }
    }
    for (int c = 0; c < NC; ++c) {
      __m256 s = _mm256_set1_ps(qg_scale(p, n + c, g));
      for (int r = 0; r < M; ++r)
        acc[c][r] =
            _mm256_fmadd_ps(_mm256_add_ps(d0[c][r], d1[c][r]), s, acc[c][r]);
    }
  }
  for (int c = 0; c < NC; ++c)
    for (int r = 0; r < M; ++r)
      p->c[r * p->ldc + n + c] =
          hsum(acc[c][r]) - qg_zero_correction(p, r, n + c);
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
DEFINE_ROWS(2, 2)
DEFINE_ROWS(3, 1)
DEFINE_ROWS(4, 1)

static TARGET void gemv_avx2(const qgemm_problem *p, int64_t n0, int64_t n1) {
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

const seqc_qgemm_kernel seqc_qgemm_kernel_avx2 = {"avx2", 8, 16, gemv_avx2};
#endif
