/*===- sgemm_kernel_avx2.c - AVX2/FMA 6x16 f32 micro-kernel --------*- C -*-===*
 *
 * 12 ymm accumulators, 2 B vectors and 1 broadcast A value per k step: 12
 * FMAs per 8 loads, which keeps both FMA pipes of Zen/Haswell-class cores
 * busy. Compiled with a target attribute so the runtime library itself stays
 * baseline x86-64; seqc_uk_sgemm picks it after checking CPUID.
 *
 *===----------------------------------------------------------------------===*/

#include "sgemm_kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define MR 6
#define NR 16
#define TARGET __attribute__((target("avx2,fma")))

/* Writes the 6x16 accumulator tile (its mv x nv corner) into C. */
TARGET static inline void store_rows(__m256 rows[MR][2], float *c, int64_t scm,
                                     int64_t scn, int64_t mv, int64_t nv,
                                     int accumulate) {
  if (mv == MR && nv == NR && scn == 1) {
    for (int i = 0; i < MR; ++i) {
      float *dst = c + i * scm;
      __m256 r0 = rows[i][0], r1 = rows[i][1];
      if (accumulate) {
        r0 = _mm256_add_ps(r0, _mm256_loadu_ps(dst));
        r1 = _mm256_add_ps(r1, _mm256_loadu_ps(dst + 8));
      }
      _mm256_storeu_ps(dst, r0);
      _mm256_storeu_ps(dst + 8, r1);
    }
    return;
  }
  float acc[MR * NR];
  for (int i = 0; i < MR; ++i) {
    _mm256_storeu_ps(acc + i * NR, rows[i][0]);
    _mm256_storeu_ps(acc + i * NR + 8, rows[i][1]);
  }
  seqc_store_tile(acc, NR, c, scm, scn, mv, nv, accumulate);
}

TARGET static void kernel_avx2(int64_t kc, const float *restrict a,
                               const float *restrict b, float *c, int64_t scm,
                               int64_t scn, int64_t mv, int64_t nv,
                               int accumulate) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  for (int64_t p = 0; p < kc; ++p, a += MR, b += NR) {
    __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
    __m256 x;
    x = _mm256_broadcast_ss(a + 0);
    c00 = _mm256_fmadd_ps(x, b0, c00);
    c01 = _mm256_fmadd_ps(x, b1, c01);
    x = _mm256_broadcast_ss(a + 1);
    c10 = _mm256_fmadd_ps(x, b0, c10);
    c11 = _mm256_fmadd_ps(x, b1, c11);
    x = _mm256_broadcast_ss(a + 2);
    c20 = _mm256_fmadd_ps(x, b0, c20);
    c21 = _mm256_fmadd_ps(x, b1, c21);
    x = _mm256_broadcast_ss(a + 3);
    c30 = _mm256_fmadd_ps(x, b0, c30);
    c31 = _mm256_fmadd_ps(x, b1, c31);
    x = _mm256_broadcast_ss(a + 4);
    c40 = _mm256_fmadd_ps(x, b0, c40);
    c41 = _mm256_fmadd_ps(x, b1, c41);
    x = _mm256_broadcast_ss(a + 5);
    c50 = _mm256_fmadd_ps(x, b0, c50);
    c51 = _mm256_fmadd_ps(x, b1, c51);
  }
  __m256 rows[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21},
                        {c30, c31}, {c40, c41}, {c50, c51}};
  store_rows(rows, c, scm, scn, mv, nv, accumulate);
}

/* A in place, R <= MR rows: one pointer walks row 0's k values, the other
 * rows are fixed offsets from it. Instantiated with constant R, so the
 * arrays below live in registers; an edge tile (m % 6 rows) runs with
 * R = its row count instead of computing padding rows. */
TARGET static inline __attribute__((always_inline)) void
direct_rows(const int R, int64_t kc, const float *restrict a, int64_t lda,
            const float *restrict b, float *c, int64_t scm, int64_t scn,
            int64_t mv, int64_t nv, int accumulate) {
  __m256 acc[MR][2];
  const float *row[MR];
  for (int r = 0; r < R; ++r) {
    acc[r][0] = acc[r][1] = _mm256_setzero_ps();
    row[r] = a + r * lda;
    /* Opaque to LLVM: otherwise it rebuilds row r as a + r * lda inside the
     * loop (extra address arithmetic per k step) instead of using six base
     * registers indexed by p. */
    __asm__("" : "+r"(row[r]));
    /* C's tile row now: outputs of constant-weight products are cold, and
     * the tile's load (accumulate) or store after the k loop would wait on
     * memory. */
    _mm_prefetch((const char *)(c + r * scm), _MM_HINT_T0);
    _mm_prefetch((const char *)(c + r * scm + (NR - 1) * scn), _MM_HINT_T0);
  }
  /* Two k steps per iteration: the 6x16 step is 12 FMAs in 6 cycles and
   * ~24 instructions, so loop overhead is a tenth of the issue slots (one
   * Zen 4 core, best of 6 blocks: 102 -> 108 GFLOP/s on 128x512x512). */
#pragma clang loop unroll_count(2)
  for (int64_t p = 0; p < kc; ++p) {
    __m256 b0 = _mm256_load_ps(b + p * NR), b1 = _mm256_load_ps(b + p * NR + 8);
    /* The next B sliver (contiguous after this one) into L2, one line per k
     * step: constant weights arrive from DRAM while this sliver computes
     * instead of stalling its first row tile (L1 would evict this sliver).
     * Prefetches never fault. */
    _mm_prefetch((const char *)((uintptr_t)(b + p * NR) + kc * NR * 4),
                 _MM_HINT_T1);
    for (int r = 0; r < R; ++r) {
      __m256 x = _mm256_broadcast_ss(row[r] + p);
      acc[r][0] = _mm256_fmadd_ps(x, b0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(x, b1, acc[r][1]);
    }
  }
  for (int r = R; r < MR; ++r)
    acc[r][0] = acc[r][1] = _mm256_setzero_ps();
  store_rows(acc, c, scm, scn, mv, nv, accumulate);
}

TARGET static void direct_avx2(int64_t kc, const float *restrict a, int64_t lda,
                               const float *restrict b, float *c, int64_t scm,
                               int64_t scn, int64_t mv, int64_t nv,
                               int accumulate) {
  switch (mv) {
  case 1:
    direct_rows(1, kc, a, lda, b, c, scm, scn, mv, nv, accumulate);
    break;
  case 2:
    direct_rows(2, kc, a, lda, b, c, scm, scn, mv, nv, accumulate);
    break;
  case 3:
    direct_rows(3, kc, a, lda, b, c, scm, scn, mv, nv, accumulate);
    break;
  case 4:
    direct_rows(4, kc, a, lda, b, c, scm, scn, mv, nv, accumulate);
    break;
  case 5:
    direct_rows(5, kc, a, lda, b, c, scm, scn, mv, nv, accumulate);
    break;
  default:
    direct_rows(6, kc, a, lda, b, c, scm, scn, mv, nv, accumulate);
    break;
  }
}

const seqc_sgemm_kernel seqc_sgemm_kernel_avx2 = {"avx2", MR, NR, kernel_avx2,
                                                  direct_avx2};
#endif
