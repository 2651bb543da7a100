/*===- qgemm_kernel_generic.c - portable int4/int8 GEMV ------------*- C -*-===*
 *
 * Dequantizes one column at a time into a K-float buffer on the stack (in
 * chunks) and takes its dot product with every row; the compiler vectorizes
 * both loops for the baseline ISA. Activations are in natural order.
 *
 *===----------------------------------------------------------------------===*/

#include "qgemm_kernels.h"

static void gemv_generic(const qgemm_problem *p, int64_t n0, int64_t n1) {
  float col[256];
  for (int64_t n = n0; n < n1; ++n) {
    float acc[QG_MAX_ROWS] = {0};
    for (int64_t g = 0; g < p->blocks; ++g) {
      const uint8_t *blk = p->w + (n * p->blocks + g) * p->blob;
      float s = qg_scale(p, n, g);
      float z = qg_zero_point(p, n, g);
      for (int64_t k0 = 0; k0 < p->group; k0 += 256) {
        int64_t len = p->group - k0 < 256 ? p->group - k0 : 256;
        if (p->bits == 4)
          for (int64_t i = 0; i < len; ++i) {
            uint8_t b = blk[(k0 + i) / 2];
            col[i] = ((float)((k0 + i) % 2 ? b >> 4 : b & 15) - z) * s;
          }
        else
          for (int64_t i = 0; i < len; ++i)
            col[i] = ((float)blk[k0 + i] - z) * s;
        for (int64_t r = 0; r < p->m; ++r) {
          const float *x = p->x + r * p->kpad + g * p->group + k0;
          float d = 0.0f;
          for (int64_t i = 0; i < len; ++i)
            d += x[i] * col[i];
          acc[r] += d;
        }
      }
    }
    for (int64_t r = 0; r < p->m; ++r)
      p->c[r * p->ldc + n] = acc[r];
  }
}

const seqc_qgemm_kernel seqc_qgemm_kernel_generic = {"generic", 0, 1,
                                                     gemv_generic};
