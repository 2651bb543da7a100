/*===- sgemm_epilogue.c - bias / residual / activation on C tiles -*- C -*-===*
 *
 * Branch-free, libm-free approximations so that each row loop vectorizes;
 * compiled three times (portable, AVX2+FMA, AVX-512F) with target
 * attributes and picked with the GEMM micro-kernel. Accuracy: exp ~2 ulp
 * (Cephes), tanh a few ulp (Eigen's 13/6 rational), erf 1.5e-7 absolute
 * (Abramowitz-Stegun 7.1.26), like seq-approximate-math's unfused loops.
 *
 *===----------------------------------------------------------------------===*/

#include "sgemm_epilogue.h"

#include "seqc/Runtime/seqc_parallel.h"

#include <string.h>

/* A micro-tile row is 16 or 32 floats: one vector per iteration (no
 * interleaving), or the whole row would fall to the scalar remainder. */
#define SEQC_EP_LOOP _Pragma("clang loop interleave_count(1)")

/* Columns per step of seqc_sgemm_ep_tile (a micro-tile row fits in one). */
#define EP_CHUNK 64

static inline float ep_exp(float x) {
  x = x < -87.3f ? -87.3f : x;
  x = x > 88.3f ? 88.3f : x;
  /* Round to nearest with the 1.5 * 2^23 trick (no libm, vectorizes). */
  float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = x - n * 0.693359375f - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  int32_t bits = ((int32_t)n + 127) << 23;
  float scale;
  memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

static inline float ep_tanh(float x) {
  x = x < -9.0f ? -9.0f : x;
  x = x > 9.0f ? 9.0f : x;
  float x2 = x * x;
  float p = -2.76076847742355e-16f;
  p = p * x2 + 2.00018790482477e-13f;
  p = p * x2 + -8.60467152213735e-11f;
  p = p * x2 + 5.12229709037114e-08f;
  p = p * x2 + 1.48572235717979e-05f;
  p = p * x2 + 6.37261928875436e-04f;
  p = p * x2 + 4.89352455891786e-03f;
  float q = 1.19825839466702e-06f;
  q = q * x2 + 1.18534705686654e-04f;
  q = q * x2 + 2.26843463243900e-03f;
  q = q * x2 + 4.89352518554385e-03f;
  return x * p / q;
}

static inline float ep_erf(float x) {
  float s = x < 0.0f ? -1.0f : 1.0f, a = x * s;
  float t = 1.0f / (1.0f + 0.3275911f * a);
  float y = 1.061405429f;
  y = y * t + -1.453152027f;
  y = y * t + 1.421413741f;
  y = y * t + -0.284496736f;
  y = y * t + 0.254829592f;
  return s * (1.0f - y * t * ep_exp(-a * a));
}

static inline float ep_sigmoid(float x) { return 1.0f / (1.0f + ep_exp(-x)); }

/* One activation over n contiguous floats; `act` is loop invariant, so
 * each case is a separate vectorizable loop. */
static inline __attribute__((always_inline)) void
act_body(int act, float *restrict x, int64_t n) {
  switch (act) {
  case SEQC_UK_ACT_RELU:
    SEQC_EP_LOOP
    for (int64_t j = 0; j < n; ++j)
      x[j] = x[j] > 0.0f ? x[j] : 0.0f;
    break;
  case SEQC_UK_ACT_GELU_TANH:
    SEQC_EP_LOOP
    for (int64_t j = 0; j < n; ++j) {
      float v = x[j];
      float u = 0.7978845608028654f * (v + 0.044715f * v * v * v);
      x[j] = 0.5f * v * (1.0f + ep_tanh(u));
    }
    break;
  case SEQC_UK_ACT_GELU_ERF:
    SEQC_EP_LOOP
    for (int64_t j = 0; j < n; ++j)
      x[j] = 0.5f * x[j] * (1.0f + ep_erf(x[j] * 0.7071067811865476f));
    break;
  case SEQC_UK_ACT_SILU:
    SEQC_EP_LOOP
    for (int64_t j = 0; j < n; ++j)
      x[j] = x[j] * ep_sigmoid(x[j]);
    break;
  case SEQC_UK_ACT_SIGMOID:
    SEQC_EP_LOOP
    for (int64_t j = 0; j < n; ++j)
      x[j] = ep_sigmoid(x[j]);
    break;
  case SEQC_UK_ACT_TANH:
    SEQC_EP_LOOP
    for (int64_t j = 0; j < n; ++j)
      x[j] = ep_tanh(x[j]);
    break;
  default:
    break;
  }
}

static void act_generic(int act, float *restrict x, int64_t n) {
  act_body(act, x, n);
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) static void
act_avx2(int act, float *restrict x, int64_t n) {
  act_body(act, x, n);
}

__attribute__((target("avx512f"))) static void
act_avx512(int act, float *restrict x, int64_t n) {
  act_body(act, x, n);
}
#endif

void seqc_sgemm_ep_act(int act, int isa, float *x, int64_t n) {
#if defined(__x86_64__)
  if (isa == 2)
    return act_avx512(act, x, n);
  if (isa == 1)
    return act_avx2(act, x, n);
#else
  (void)isa;
#endif
  act_generic(act, x, n);
}

int seqc_sgemm_ep_init(seqc_sgemm_ep *ep, const int64_t *d, int isa) {
  memset(ep, 0, sizeof *ep);
  int64_t act = d[0] & 0xff, gact = (d[0] >> SEQC_UK_EP_GATE_ACT_SHIFT) & 0xff;
  int gated = (d[0] & SEQC_UK_EP_GATED) != 0;
  int64_t known =
      0xff | SEQC_UK_EP_GATED | ((int64_t)0xff << SEQC_UK_EP_GATE_ACT_SHIFT);
  if ((d[0] & ~known) || act > SEQC_UK_ACT_TANH || gact > SEQC_UK_ACT_TANH ||
      (!gated && gact) || d[1] < gated || d[1] > SEQC_EP_MAX_TERMS ||
      d[2] < 0 || d[2] > d[1] - gated)
    return 0;
  ep->act = (int)act;
  ep->gact = gated ? (int)gact : -1;
  ep->nterm = (int)d[1];
  ep->npre = (int)d[2];
  ep->isa = isa;
  for (int t = 0; t < ep->nterm; ++t) {
    const int64_t *e = d + 3 + 6 * t;
    ep->t[t] = (const float *)(intptr_t)e[0];
    if (!ep->t[t])
      return 0;
    for (int b = 0; b < 3; ++b)
      ep->ts[t][b] = e[1 + b];
    ep->tm[t] = e[4];
    ep->tn[t] = e[5];
  }
  return 1;
}

/* x[0:n] += term row (stride tn; 0 = one broadcast value). */
static inline __attribute__((always_inline)) void
add_row(float *restrict x, const float *restrict t, int64_t tn, int64_t n) {
  if (tn == 1) {
    SEQC_EP_LOOP
    for (int64_t j = 0; j < n; ++j)
      x[j] += t[j];
  } else if (tn == 0) {
    float v = *t;
    SEQC_EP_LOOP
    for (int64_t j = 0; j < n; ++j)
      x[j] += v;
  } else {
    SEQC_EP_LOOP
    for (int64_t j = 0; j < n; ++j)
      x[j] += t[j * tn];
  }
}

/* x[0:n] *= gact(gate row): the gate goes through a buffer so that the
 * activation runs as one contiguous vector loop. */
static inline __attribute__((always_inline)) void
gate_row(int gact, float *restrict x, const float *restrict g, int64_t tn,
         int64_t n) {
  float gb[EP_CHUNK];
  if (tn == 1)
    memcpy(gb, g, (size_t)n * sizeof(float));
  else
    for (int64_t j = 0; j < n; ++j)
      gb[j] = g[j * tn];
  act_body(gact, gb, n);
  SEQC_EP_LOOP
  for (int64_t j = 0; j < n; ++j)
    x[j] *= gb[j];
}

/* The whole tile in one function per ISA, the activations inlined: a call
 * and an ISA dispatch per row cost more than the row's arithmetic (the
 * epilogue made 128x1408x512 with SwiGLU's gate 16% slower than the plain
 * GEMM; bench/sgemm_ep_cost.c). */
static inline __attribute__((always_inline)) void
tile_body(const seqc_sgemm_ep *ep, const float *const *tb, int64_t i0,
          int64_t j0, float *c, int64_t scm, int64_t scn, int64_t mv,
          int64_t nv) {
  enum { W = EP_CHUNK };
  float buf[W];
  int npost = ep->gact >= 0 ? ep->nterm - 1 : ep->nterm;
  for (int64_t i = 0; i < mv; ++i) {
    /* Columns in chunks of W (a micro-tile row is one chunk; the k = 0
     * path passes whole rows of C). */
    for (int64_t j = 0; j < nv; j += W) {
      int64_t n = nv - j < W ? nv - j : W;
      float *crow = c + i * scm + j * scn;
      float *x = scn == 1 ? crow : buf;
      if (scn != 1)
        for (int64_t q = 0; q < n; ++q)
          buf[q] = crow[q * scn];
      const float *trow[SEQC_EP_MAX_TERMS];
      for (int t = 0; t < ep->nterm; ++t) {
        trow[t] = tb[t] + (i0 + i) * ep->tm[t] + (j0 + j) * ep->tn[t];
        /* The next micro-tile down reads the rows mv below (one row of a
         * term per row of C, far apart): fetch them while this one works. */
        if (ep->tm[t] != 0 && ep->tn[t] == 1) {
          const float *next = trow[t] + mv * ep->tm[t];
          for (int64_t q = 0; q < n; q += 16)
            __builtin_prefetch(next + q);
        }
      }
      for (int t = 0; t < ep->npre; ++t)
        add_row(x, trow[t], ep->tn[t], n);
      act_body(ep->act, x, n);
      for (int t = ep->npre; t < npost; ++t)
        add_row(x, trow[t], ep->tn[t], n);
      if (ep->gact >= 0)
        gate_row(ep->gact, x, trow[npost], ep->tn[npost], n);
      if (scn != 1)
        for (int64_t q = 0; q < n; ++q)
          crow[q * scn] = buf[q];
    }
  }
}

static void tile_generic(const seqc_sgemm_ep *ep, const float *const *tb,
                         int64_t i0, int64_t j0, float *c, int64_t scm,
                         int64_t scn, int64_t mv, int64_t nv) {
  tile_body(ep, tb, i0, j0, c, scm, scn, mv, nv);
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) static void
tile_avx2(const seqc_sgemm_ep *ep, const float *const *tb, int64_t i0,
          int64_t j0, float *c, int64_t scm, int64_t scn, int64_t mv,
          int64_t nv) {
  tile_body(ep, tb, i0, j0, c, scm, scn, mv, nv);
}

__attribute__((target("avx512f"))) static void
tile_avx512(const seqc_sgemm_ep *ep, const float *const *tb, int64_t i0,
            int64_t j0, float *c, int64_t scm, int64_t scn, int64_t mv,
            int64_t nv) {
  tile_body(ep, tb, i0, j0, c, scm, scn, mv, nv);
}
#endif

void seqc_sgemm_ep_tile(const seqc_sgemm_ep *ep, const float *const *tb,
                        int64_t i0, int64_t j0, float *c, int64_t scm,
                        int64_t scn, int64_t mv, int64_t nv) {
#if defined(__x86_64__)
  if (ep->isa == 2)
    return tile_avx512(ep, tb, i0, j0, c, scm, scn, mv, nv);
  if (ep->isa == 1)
    return tile_avx2(ep, tb, i0, j0, c, scm, scn, mv, nv);
#endif
  tile_generic(ep, tb, i0, j0, c, scm, scn, mv, nv);
}
