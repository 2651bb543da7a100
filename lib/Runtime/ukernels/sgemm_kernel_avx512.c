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

const seqc_sgemm_kernel seqc_sgemm_kernel_avx512 = {"avx512", MR, NR,
                                                    kernel_avx512};
#endif
