/*===- sgemm_kernel_generic.c - portable 6x16 f32 micro-kernel -----*- C
 * -*-===*/

#include "sgemm_kernels.h"

#define MR 6
#define NR 16

static void kernel_generic(int64_t kc, const float *restrict a,
                           const float *restrict b, float *c, int64_t scm,
                           int64_t scn, int64_t mv, int64_t nv,
                           int accumulate) {
  float acc[MR * NR] = {0};
  for (int64_t p = 0; p < kc; ++p, a += MR, b += NR)
    for (int i = 0; i < MR; ++i)
      for (int j = 0; j < NR; ++j)
        acc[i * NR + j] += a[i] * b[j];
  seqc_store_tile(acc, NR, c, scm, scn, mv, nv, accumulate);
}

static void direct_generic(int64_t kc, const float *restrict a, int64_t lda,
                           const float *restrict b, float *c, int64_t scm,
                           int64_t scn, int64_t mv, int64_t nv,
                           int accumulate) {
  float acc[MR * NR] = {0};
  for (int i = 0; i < mv; ++i)
    for (int64_t p = 0; p < kc; ++p)
      for (int j = 0; j < NR; ++j)
        acc[i * NR + j] += a[i * lda + p] * b[p * NR + j];
  seqc_store_tile(acc, NR, c, scm, scn, mv, nv, accumulate);
}

const seqc_sgemm_kernel seqc_sgemm_kernel_generic = {
    "generic", MR, NR, kernel_generic, direct_generic};
