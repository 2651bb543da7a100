/*===- qgemm_kernels.h - int4/int8 weight x f32 activation kernels -*- C -*-===*
 *
 * The weight is stored as com.microsoft::MatMulNBits stores it (and as
 * seq.quant_matmul's operand carries it): per output column n, G = ceil(K /
 * group) blocks of group * bits / 8 bytes, element k at byte (k % group) *
 * bits / 8 of block k / group (low nibble first for 4 bits); one scale per
 * (n, block), one optional zero point per (n, block) (default 2^(bits-1)).
 *
 * A GEMV kernel computes C[0:m, n0:n1] for m <= QG_MAX_ROWS from
 * activations the driver prepared once per call: each row padded to
 * kpad = G * group (zeros), and for 4 bits reordered so that a chunk of 2L
 * consecutive k reads [L even k][L odd k], L being the kernel's lane count:
 * then the low and high nibbles of L bytes multiply L contiguous floats each
 * and the weight is dequantized in registers without any shuffle.
 *
 *===----------------------------------------------------------------------===*/
#ifndef SEQC_RUNTIME_QGEMM_KERNELS_H
#define SEQC_RUNTIME_QGEMM_KERNELS_H

#include <stdint.h>

#define QG_MAX_ROWS 4

/* flags bit of seqc_uk_qgemm / seqc_uk_qgemm_packed: the scales are IEEE
 * binary16 (uint16_t), not f32 (`--quantize=...:scale=f16`, MatMulNBits
 * with f16 scales). They are widened in registers, never copied to f32. */
#define SEQC_QGEMM_F16_SCALES 1

/* flags bit of seqc_uk_qgemm_packed (4 bits, group 32): sum in onnxruntime
 * MLAS's order for MatMulNBits accuracy_level 4 (its AVX-512 VNNI blklen-32
 * kernel), so the f32 result is MLAS's bit for bit; see qgemm_packed.c. */
#define SEQC_QGEMM_MLAS_ORDER 2

/* IEEE binary16 -> f32, exact (portable kernels and scalar scale loads). */
static inline float qg_half_to_float(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000u) << 16, e = (h >> 10) & 31,
           m = h & 0x3ffu, bits;
  if (e == 31)
    bits = sign | 0x7f800000u | (m << 13); /* inf / nan */
  else if (e)
    bits = sign | ((e + 112) << 23) | (m << 13);
  else if (!m)
    bits = sign;
  else { /* subnormal: normalize */
    e = 113;
    while (!(m & 0x400u)) {
      m <<= 1;
      --e;
    }
    bits = sign | (e << 23) | ((m & 0x3ffu) << 13);
  }
  float f;
  __builtin_memcpy(&f, &bits, sizeof(f));
  return f;
}

typedef struct qgemm_problem {
  int64_t m, n, k;
  int64_t bits, group, blocks, kpad, blob; /* blob = group * bits / 8 */
  const float *x;                          /* m x kpad, prepared (see above) */
  const float *xsum;        /* m x blocks: sum of the row's x over each block */
  const uint8_t *w;         /* n x blocks x blob */
  const float *scales;      /* n x blocks, or NULL when scales16 is set */
  const uint16_t *scales16; /* n x blocks f16 (SEQC_QGEMM_F16_SCALES) */
  const uint8_t *zp;        /* n x blocks, or NULL: 2^(bits-1) */
  float *c;
  int64_t ldc;
} qgemm_problem;

typedef void (*seqc_qgemv_fn)(const qgemm_problem *p, int64_t n0, int64_t n1);

typedef struct seqc_qgemm_kernel {
  const char *name;
  int lanes; /* L of the 4-bit activation order; 0: natural order */
  /* Group sizes (multiples of) this kernel handles; others use generic. */
  int group_multiple;
  seqc_qgemv_fn gemv;
} seqc_qgemm_kernel;

extern const seqc_qgemm_kernel seqc_qgemm_kernel_generic;
#if defined(__x86_64__)
extern const seqc_qgemm_kernel seqc_qgemm_kernel_avx2;
extern const seqc_qgemm_kernel seqc_qgemm_kernel_avx512;
#endif

/* Scale of (column n, block g). */
static inline float qg_scale(const qgemm_problem *p, int64_t n, int64_t g) {
  return p->scales16 ? qg_half_to_float(p->scales16[n * p->blocks + g])
                     : p->scales[n * p->blocks + g];
}

/* Zero point of (column n, block g). */
static inline float qg_zero_point(const qgemm_problem *p, int64_t n,
                                  int64_t g) {
  return p->zp ? (float)p->zp[n * p->blocks + g] : (float)(1 << (p->bits - 1));
}

/* Writes C[r, n] = sum_g scale * (dot - zp * xsum) given the per-(r, g)
 * integer dot products' float sums already scaled in `acc` (sum_g scale *
 * dot); subtracts the zero-point term here, in scalar. */
static inline float qg_zero_correction(const qgemm_problem *p, int64_t r,
                                       int64_t n) {
  float corr = 0.0f;
  const float *xs = p->xsum + r * p->blocks;
  for (int64_t g = 0; g < p->blocks; ++g)
    corr += qg_scale(p, n, g) * qg_zero_point(p, n, g) * xs[g];
  return corr;
}

/* The entry point compiled code calls (seq.quant_matmul): C[m x n] (row
 * stride ldc) = A[m x k] (element strides sam, sak) x W. flags:
 * SEQC_QGEMM_F16_SCALES or 0. */
void seqc_uk_qgemm(int64_t flags, int64_t m, int64_t n, int64_t k, intptr_t a,
                   int64_t sam, int64_t sak, intptr_t w, intptr_t scales,
                   intptr_t zp, intptr_t c, int64_t ldc, int64_t bits,
                   int64_t group);
const char *seqc_uk_qgemm_kernel_name(void);

/* int8-activation variant on compile-time packed weights (qgemm_packed.c);
 * seqc_uk_qgemm_pack builds the packed operands from the MatMulNBits layout
 * (the compiler does the same at compile time). zp/pz may be NULL.
 * seqc_uk_qgemm_pack_f16 does the same with f16 scales in and out (call
 * seqc_uk_qgemm_packed with SEQC_QGEMM_F16_SCALES). */
void seqc_uk_qgemm_packed(int64_t flags, int64_t m, int64_t n, int64_t k,
                          intptr_t a, int64_t sam, int64_t sak, intptr_t w,
                          intptr_t scales, intptr_t zp, intptr_t c, int64_t ldc,
                          int64_t bits, int64_t group);
void seqc_uk_qgemm_pack(int64_t n, int64_t k, int64_t bits, int64_t group,
                        const uint8_t *w, const float *scales,
                        const uint8_t *zp, uint8_t *pw, float *ps, float *pz);
void seqc_uk_qgemm_pack_f16(int64_t n, int64_t k, int64_t bits, int64_t group,
                            const uint8_t *w, const uint16_t *scales,
                            const uint8_t *zp, uint8_t *pw, uint16_t *ps,
                            float *pz);
const char *seqc_uk_qgemm_packed_kernel_name(void);

#endif /* SEQC_RUNTIME_QGEMM_KERNELS_H */
