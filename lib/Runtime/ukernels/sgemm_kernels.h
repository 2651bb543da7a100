/*===- sgemm_kernels.h - register-blocked f32 GEMM micro-kernels ---*- C -*-===*
 *
 * A micro-kernel computes one MR x NR tile of C from a packed A sliver
 * (kc x MR, MR contiguous per k) and a packed B sliver (kc x NR, NR
 * contiguous per k): tile (+)= A_sliver^T-by-k * B_sliver. Only the leading
 * mv x nv corner of the tile is written (edge tiles; the packed slivers are
 * zero padded).
 *
 *===----------------------------------------------------------------------===*/
#ifndef SEQC_RUNTIME_SGEMM_KERNELS_H
#define SEQC_RUNTIME_SGEMM_KERNELS_H

#include <stdint.h>

typedef void (*seqc_sgemm_kernel_fn)(int64_t kc, const float *a, const float *b,
                                     float *c, int64_t scm, int64_t scn,
                                     int64_t mv, int64_t nv, int accumulate);

/* The same tile with A read in place (row-major, unit k stride, row stride
 * lda) instead of packed, like MLAS: saves packing A (and, threaded, the
 * barrier after it). Rows >= mv are never read. */
typedef void (*seqc_sgemm_direct_fn)(int64_t kc, const float *a, int64_t lda,
                                     const float *b, float *c, int64_t scm,
                                     int64_t scn, int64_t mv, int64_t nv,
                                     int accumulate);

typedef struct seqc_sgemm_kernel {
  const char *name;
  int mr, nr;
  seqc_sgemm_kernel_fn fn;
  seqc_sgemm_direct_fn direct; /* NULL: A is always packed */
} seqc_sgemm_kernel;

/* Portable C kernel (6 x 16); the compiler vectorizes it for the baseline
 * ISA. */
extern const seqc_sgemm_kernel seqc_sgemm_kernel_generic;
#if defined(__x86_64__)
/* AVX2 + FMA (6 x 16, 12 ymm accumulators) and AVX-512F (6 x 64, 24 zmm
 * accumulators); compiled with target attributes, selected at run time. */
extern const seqc_sgemm_kernel seqc_sgemm_kernel_avx2;
extern const seqc_sgemm_kernel seqc_sgemm_kernel_avx512;
#endif

/* Writes a computed tile (row-major MR x NR in `acc`) into C. */
static inline void seqc_store_tile(const float *acc, int nr, float *c,
                                   int64_t scm, int64_t scn, int64_t mv,
                                   int64_t nv, int accumulate) {
  for (int64_t i = 0; i < mv; ++i)
    for (int64_t j = 0; j < nv; ++j) {
      float *dst = c + i * scm + j * scn;
      *dst = accumulate ? *dst + acc[i * nr + j] : acc[i * nr + j];
    }
}

#endif /* SEQC_RUNTIME_SGEMM_KERNELS_H */
