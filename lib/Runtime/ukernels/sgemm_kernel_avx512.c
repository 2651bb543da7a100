/*===- sgemm_kernel_avx512.c - AVX-512F 6x64 f32 micro-kernel ------*- C -*-===*
 *
 * 24 zmm accumulators (of 32): per k step 4 B vectors and 6 broadcasts feed
 * 24 FMAs. Six rows rather than the classic 12x32 because the in-place A
 * path needs one base register per row: twelve row pointers plus B, k and
 * the bound do not fit in x86-64's 15 usable general registers, and LLVM
 * then kept the 12x32 accumulators in memory (llama_mid's matmuls on one
 * Zen 4 core, medians: ~31% of the peak before, ~86% with this kernel).
 * 64 columns divide llama-class widths (128, 512, 1408, 4096); narrower edge
 * tiles store with masks. Selected at run time when CPUID reports AVX512F.
 *
 *===----------------------------------------------------------------------===*/

#include "sgemm_kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define MR 6
#define NR 64
#define NV 4 /* zmm vectors per row */
#define TARGET __attribute__((target("avx512f")))

/* Writes rows [0, R) of the accumulator tile (its mv x nv corner) to C. */
TARGET static inline __attribute__((always_inline)) void
store_rows(const int R, __m512 acc[MR][NV], float *c, int64_t scm, int64_t scn,
           int64_t mv, int64_t nv, int accumulate) {
  if (scn == 1) {
    __mmask16 mask[NV];
    for (int v = 0; v < NV; ++v) {
      int64_t left = nv - 16 * v;
      mask[v] = left >= 16  ? (__mmask16)0xffff
                : left <= 0 ? (__mmask16)0
                            : (__mmask16)((1u << left) - 1);
    }
    for (int r = 0; r < R && r < mv; ++r) {
      float *dst = c + r * scm;
      for (int v = 0; v < NV; ++v) {
        __m512 x = acc[r][v];
        if (accumulate)
          x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(mask[v], dst + 16 * v));
        _mm512_mask_storeu_ps(dst + 16 * v, mask[v], x);
      }
    }
    return;
  }
  float tile[MR * NR];
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < NV; ++v)
      _mm512_storeu_ps(tile + r * NR + 16 * v, acc[r][v]);
  seqc_store_tile(tile, NR, c, scm, scn, mv < R ? mv : R, nv, accumulate);
}

TARGET static void kernel_avx512(int64_t kc, const float *restrict a,
                                 const float *restrict b, float *c, int64_t scm,
                                 int64_t scn, int64_t mv, int64_t nv,
                                 int accumulate) {
  __m512 acc[MR][NV];
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v)
      acc[r][v] = _mm512_setzero_ps();
  for (int64_t p = 0; p < kc; ++p, a += MR, b += NR) {
    __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16),
           b2 = _mm512_load_ps(b + 32), b3 = _mm512_load_ps(b + 48);
#pragma clang loop unroll(full)
    for (int r = 0; r < MR; ++r) {
      __m512 x = _mm512_set1_ps(a[r]);
      acc[r][0] = _mm512_fmadd_ps(x, b0, acc[r][0]);
      acc[r][1] = _mm512_fmadd_ps(x, b1, acc[r][1]);
      acc[r][2] = _mm512_fmadd_ps(x, b2, acc[r][2]);
      acc[r][3] = _mm512_fmadd_ps(x, b3, acc[r][3]);
    }
  }
  store_rows(MR, acc, c, scm, scn, mv, nv, accumulate);
}

/* A in place, R <= MR rows (constant per instantiation, so the arrays live
 * in registers): a decode step's M = 1 computes one row instead of a tile of
 * padding, and an edge tile (m % 6) exactly its rows. Only the B vectors the
 * tile's nv columns need are loaded and multiplied. */
TARGET static inline __attribute__((always_inline)) void
direct_rows(const int R, const int V, int64_t kc, const float *restrict a,
            int64_t lda, const float *restrict b, float *c, int64_t scm,
            int64_t scn, int64_t mv, int64_t nv, int accumulate) {
  __m512 acc[MR][NV];
  const float *row[MR];
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v)
      acc[r][v] = _mm512_setzero_ps();
  for (int r = 0; r < R; ++r) {
    row[r] = a + r * lda;
    /* Opaque to LLVM: otherwise it rebuilds row r as a + r * lda inside the
     * loop instead of using R base registers indexed by p. */
    __asm__("" : "+r"(row[r]));
  }
  for (int64_t p = 0; p < kc; ++p) {
    __m512 bv[NV];
#pragma clang loop unroll(full)
    for (int v = 0; v < V; ++v)
      bv[v] = _mm512_load_ps(b + p * NR + 16 * v);
    /* The first quarter of the next B sliver (contiguous after this one)
     * into L2, one line per k step: constant weights arrive from DRAM while
     * this sliver's row tiles compute (every row tile asks for the same
     * quarter; covering the whole sliver measured no better). Prefetches
     * never fault. */
    _mm_prefetch((const char *)((uintptr_t)(b + p * 16) + kc * NR * 4),
                 _MM_HINT_T1);
#pragma clang loop unroll(full)
    for (int r = 0; r < R; ++r) {
      __m512 x = _mm512_set1_ps(row[r][p]);
#pragma clang loop unroll(full)
      for (int v = 0; v < V; ++v)
        acc[r][v] = _mm512_fmadd_ps(x, bv[v], acc[r][v]);
    }
  }
  store_rows(R, acc, c, scm, scn, mv, nv, accumulate);
}

#define DIRECT_V(R)                                                            \
  if (nv > 48)                                                                 \
    direct_rows(R, 4, kc, a, lda, b, c, scm, scn, mv, nv, accumulate);         \
  else if (nv > 32)                                                            \
    direct_rows(R, 3, kc, a, lda, b, c, scm, scn, mv, nv, accumulate);         \
  else if (nv > 16)                                                            \
    direct_rows(R, 2, kc, a, lda, b, c, scm, scn, mv, nv, accumulate);         \
  else                                                                         \
    direct_rows(R, 1, kc, a, lda, b, c, scm, scn, mv, nv, accumulate);         \
  break;

TARGET static void direct_avx512(int64_t kc, const float *restrict a,
                                 int64_t lda, const float *restrict b, float *c,
                                 int64_t scm, int64_t scn, int64_t mv,
                                 int64_t nv, int accumulate) {
  switch (mv) {
  case 1:
    DIRECT_V(1)
  case 2:
    DIRECT_V(2)
  case 3:
    DIRECT_V(3)
  case 4:
    DIRECT_V(4)
  case 5:
    DIRECT_V(5)
  default:
    DIRECT_V(6)
  }
}
#undef DIRECT_V

const seqc_sgemm_kernel seqc_sgemm_kernel_avx512 = {
    "avx512", MR, NR, kernel_avx512, direct_avx512};
#endif
