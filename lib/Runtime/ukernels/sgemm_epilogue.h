/*===- sgemm_epilogue.h - elementwise epilogues of the f32 GEMM ---*- C -*-===*
 *
 * seqc_uk_sgemm_ep computes C = post(act(A*B + pre)) tile by tile: right
 * after a micro-kernel stored the last K slice of an MR x NR tile of C (so
 * it is still in L1), the tile gets its addends and activation. An addend
 * ("term") is any strided f32 array over C's index space (b0, b1, b2, m, n):
 * stride 0 broadcasts, so a bias per column is (0, 0, 0, 0, 1), a bias per
 * row (0, 0, 0, 1, 0) and a residual has C's own shape. Terms [0, npre) are
 * added before the activation, [npre, nterm) after it; with a gate (gact >=
 * 0) the last term instead multiplies the result through activation gact.
 *
 *===----------------------------------------------------------------------===*/
#ifndef SEQC_RUNTIME_SGEMM_EPILOGUE_H
#define SEQC_RUNTIME_SGEMM_EPILOGUE_H

#include <stdint.h>

#define SEQC_EP_MAX_TERMS 3

typedef struct seqc_sgemm_ep {
  int act;  /* SEQC_UK_ACT_* (seqc_parallel.h) */
  int gact; /* -1: no gate; else the last term's activation */
  int nterm, npre;
  int isa; /* 0 generic, 1 avx2, 2 avx512: vector width of the act */
  const float *t[SEQC_EP_MAX_TERMS]; /* base pointers (batch 0) */
  int64_t ts[SEQC_EP_MAX_TERMS][3];  /* batch strides */
  int64_t tm[SEQC_EP_MAX_TERMS], tn[SEQC_EP_MAX_TERMS];
} seqc_sgemm_ep;

/* Decodes the descriptor the compiled code passes (see seqc_uk_sgemm_ep);
 * returns 0 if it is malformed. */
int seqc_sgemm_ep_init(seqc_sgemm_ep *ep, const int64_t *desc, int isa);

/* Applies `ep` to C[i0:i0+mv, j0:j0+nv] of one 2-D problem; `c` points at
 * C[i0, j0], `tb` are the terms' base pointers of this batch problem. */
void seqc_sgemm_ep_tile(const seqc_sgemm_ep *ep, const float *const *tb,
                        int64_t i0, int64_t j0, float *c, int64_t scm,
                        int64_t scn, int64_t mv, int64_t nv);

/* The activation alone over n contiguous floats (for tests and benches). */
void seqc_sgemm_ep_act(int act, int isa, float *x, int64_t n);

#endif /* SEQC_RUNTIME_SGEMM_EPILOGUE_H */
