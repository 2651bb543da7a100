/*===- sgemm_kernel_avx512.c - AVX-512F 12x32 f32 micro-kernel -----*- C -*-===*
 *
 * 24 zmm accumulators (of 32), 2 B vectors, 1 broadcast: the AVX-512 analogue
 * of the AVX2 6x16 kernel. Selected at run time when CPUID reports AVX512F.
 *
 *===----------------------------------------------------------------------===*/

#include "sgemm_kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define MR 12
#define NR 32
#define TARGET __attribute__((target("avx512f")))

TARGET static void kernel_avx512(int64_t kc, const float *restrict a,
                                 const float *restrict b, float *c, int64_t scm,
                                 int64_t scn, int64_t mv, int64_t nv,
                                 int accumulate) {
  __m512 acc0[MR], acc1[MR];
  for (int i = 0; i < MR; ++i)
    acc0[i] = acc1[i] = _mm512_setzero_ps();
  for (int64_t p = 0; p < kc; ++p, a += MR, b += NR) {
    __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
#pragma clang loop unroll(full)
    for (int i = 0; i < MR; ++i) {
      __m512 x = _mm512_set1_ps(a[i]);
      acc0[i] = _mm512_fmadd_ps(x, b0, acc0[i]);
      acc1[i] = _mm512_fmadd_ps(x, b1, acc1[i]);
    }
  }
  if (mv == MR && nv == NR && scn == 1) {
    for (int i = 0; i < MR; ++i) {
      float *dst = c + i * scm;
      __m512 r0 = acc0[i], r1 = acc1[i];
      if (accumulate) {
        r0 = _mm512_add_ps(r0, _mm512_loadu_ps(dst));
        r1 = _mm512_add_ps(r1, _mm512_loadu_ps(dst + 16));
      }
      _mm512_storeu_ps(dst, r0);
      _mm512_storeu_ps(dst + 16, r1);
    }
    return;
  }
  float tile[MR * NR];
  for (int i = 0; i < MR; ++i) {
    _mm512_storeu_ps(tile + i * NR, acc0[i]);
    _mm512_storeu_ps(tile + i * NR + 16, acc1[i]);
  }
  seqc_store_tile(tile, NR, c, scm, scn, mv, nv, accumulate);
}

/* A in place, R <= MR rows (like the AVX2 kernel's direct_rows): a decode
 * step's M = 1 computes one row instead of a 12-row tile of padding, so it
 * streams the packed weights at memory speed instead of 12x the FMAs. */
TARGET static inline __attribute__((always_inline)) void
direct_rows(const int R, int64_t kc, const float *restrict a, int64_t lda,
            const float *restrict b, float *c, int64_t scm, int64_t scn,
            int64_t mv, int64_t nv, int accumulate) {
  __m512 acc0[MR], acc1[MR];
  const float *row[MR];
  for (int r = 0; r < R; ++r) {
    acc0[r] = acc1[r] = _mm512_setzero_ps();
    row[r] = a + r * lda;
    /* Opaque to LLVM, as in the AVX2 kernel: base registers indexed by p. */
    __asm__("" : "+r"(row[r]));
  }
  for (int64_t p = 0; p < kc; ++p) {
    __m512 b0 = _mm512_load_ps(b + p * NR),
           b1 = _mm512_load_ps(b + p * NR + 16);
    for (int r = 0; r < R; ++r) {
      __m512 x = _mm512_set1_ps(row[r][p]);
      acc0[r] = _mm512_fmadd_ps(x, b0, acc0[r]);
      acc1[r] = _mm512_fmadd_ps(x, b1, acc1[r]);
    }
  }
  if (nv == NR && scn == 1) {
    for (int r = 0; r < R; ++r) {
      float *dst = c + r * scm;
      __m512 r0 = acc0[r], r1 = acc1[r];
      if (accumulate) {
        r0 = _mm512_add_ps(r0, _mm512_loadu_ps(dst));
        r1 = _mm512_add_ps(r1, _mm512_loadu_ps(dst + 16));
      }
      _mm512_storeu_ps(dst, r0);
      _mm512_storeu_ps(dst + 16, r1);
    }
    return;
  }
  float tile[MR * NR];
  for (int r = 0; r < R; ++r) {
    _mm512_storeu_ps(tile + r * NR, acc0[r]);
    _mm512_storeu_ps(tile + r * NR + 16, acc1[r]);
  }
  seqc_store_tile(tile, NR, c, scm, scn, mv, nv, accumulate);
}

#define DIRECT_CASE(R)                                                         \
  case R:                                                                      \
    direct_rows(R, kc, a, lda, b, c, scm, scn, mv, nv, accumulate);            \
    break;

TARGET static void direct_avx512(int64_t kc, const float *restrict a,
                                 int64_t lda, const float *restrict b, float *c,
                                 int64_t scm, int64_t scn, int64_t mv,
                                 int64_t nv, int accumulate) {
  switch (mv) {
    DIRECT_CASE(1)
    DIRECT_CASE(2)
    DIRECT_CASE(3)
    DIRECT_CASE(4)
    DIRECT_CASE(5)
    DIRECT_CASE(6)
    DIRECT_CASE(7)
    DIRECT_CASE(8)
    DIRECT_CASE(9)
    DIRECT_CASE(10)
    DIRECT_CASE(11)
  default:
    direct_rows(MR, kc, a, lda, b, c, scm, scn, mv, nv, accumulate);
    break;
  }
}
#undef DIRECT_CASE

const seqc_sgemm_kernel seqc_sgemm_kernel_avx512 = {
    "avx512", MR, NR, kernel_avx512, direct_avx512};
#endif
