/* Checks seqc_uk_moe (seq.moe's kernel) against a double reference over
 * token counts (decode T=1 and prefill), k, activations, MoE++ zero/copy/
 * constant experts, a shared expert with and without its sigmoid gate,
 * strided inputs, and checks that 1 and 2 threads give identical bits. */
#include <stdint.h>
void seqc_uk_moe(int64_t flags, int64_t t, int64_t h, int64_t k, int64_t e,
                 int64_t act, intptr_t x, int64_t sxt, int64_t sxh, intptr_t w,
                 int64_t swt, int64_t swj, intptr_t idx, int64_t sit,
                 int64_t sij, intptr_t kinds, int64_t skd, int64_t n1,
                 intptr_t up, int64_t sue, int64_t sun, int64_t suh,
                 int64_t inter, intptr_t down, int64_t sde, int64_t sdh,
                 int64_t sdi, int64_t sn1, intptr_t sup, int64_t ssun,
                 int64_t ssuh, int64_t sinter, intptr_t sdown, int64_t ssdh,
                 int64_t ssdi, intptr_t sgate, int64_t ssg0, int64_t ssgh,
                 intptr_t consts, int64_t scr, int64_t sch, intptr_t out);
int seqc_set_num_threads(int32_t n);
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned st = 7;
static float rnd(void) {
  st = st * 1103515245 + 12345;
  return ((st >> 8) % 2001) / 1000.0f - 1.0f;
}

static double act_ref(double u, int act) {
  if (act == 1)
    return 0.5 * u * (1 + erf(u / sqrt(2.0)));
  return 0.5 * u * (1 + tanh(0.7978845608028654 * (u + 0.044715 * u * u * u)));
}

/* One expert (up [N, H], down [H, I]) on x (stride sx) into y (double). */
static void ffn_ref(const float *x, int64_t sx, const float *up,
                    const float *down, int64_t h, int64_t inter, int act,
                    double *y) {
  double *hh = malloc(sizeof(double) * inter);
  for (int64_t i = 0; i < inter; ++i) {
    double g = 0, u = 0;
    for (int64_t c = 0; c < h; ++c) {
      g += (double)up[i * h + c] * x[c * sx];
      if (act == 0)
        u += (double)up[(inter + i) * h + c] * x[c * sx];
    }
    hh[i] = act == 0 ? g / (1 + exp(-g)) * u : act_ref(g, act);
  }
  for (int64_t c = 0; c < h; ++c) {
    double acc = 0;
    for (int64_t i = 0; i < inter; ++i)
      acc += (double)down[c * inter + i] * hh[i];
    y[c] = acc;
  }
  free(hh);
}

int main(void) {
  int bad = 0, nondet = 0, cases = 0;
  /* ffn zero ffn copy const ffn; then 10 ffn experts (one task per expert
   * once 8 or more are active, column blocks below). */
  const int32_t kindSets[2][10] = {{0, 1, 0, 2, 3, 0}, {0}};
  const int64_t Es[2] = {6, 10}, C = 1, H = 40, I = 24;
  int64_t Ts[] = {1, 3, 37};
  for (int ks = 0; ks < 2; ++ks)
    for (int ti = 0; ti < 3; ++ti)
      for (int64_t k = 1; k <= 3; k += 2)
        for (int act = 0; act < 3; ++act)
          for (int shared = 0; shared < 3; ++shared) {
            const int32_t *kinds = kindSets[ks];
            int64_t E = Es[ks], F = 0, slot[10];
            for (int64_t i = 0; i < E; ++i)
              slot[i] = kinds[i] == 0 ? F++ : -1;
            int64_t T = Ts[ti], N = act == 0 ? 2 * I : I;
            int64_t sxh = 2; /* every other element: a strided input */
            float *x = malloc(sizeof(float) * T * H * sxh);
            float *w = malloc(sizeof(float) * T * k);
            int64_t *idx = malloc(sizeof(int64_t) * T * k);
            float *up = malloc(sizeof(float) * F * N * H);
            float *down = malloc(sizeof(float) * F * H * I);
            float *sup = malloc(sizeof(float) * N * H);
            float *sdown = malloc(sizeof(float) * H * I);
            float *sg = malloc(sizeof(float) * H);
            float *cst = malloc(sizeof(float) * C * H);
            float *o1 = malloc(sizeof(float) * T * H);
            float *o2 = malloc(sizeof(float) * T * H);
            double *ref = calloc(T * H, sizeof(double)), *y = malloc(8 * H);
            for (int64_t i = 0; i < T * H * sxh; ++i)
              x[i] = rnd();
            for (int64_t i = 0; i < F * N * H; ++i)
              up[i] = rnd() * 0.3f;
            for (int64_t i = 0; i < F * H * I; ++i)
              down[i] = rnd() * 0.3f;
            for (int64_t i = 0; i < N * H; ++i)
              sup[i] = rnd() * 0.3f;
            for (int64_t i = 0; i < H * I; ++i)
              sdown[i] = rnd() * 0.3f;
            for (int64_t i = 0; i < H; ++i)
              sg[i] = rnd() * 0.3f, cst[i] = rnd();
            for (int64_t r = 0; r < T; ++r)
              for (int64_t j = 0; j < k; ++j) {
                w[r * k + j] = rnd();
                /* Distinct experts per token, every kind reached. */
                idx[r * k + j] = (r * 5 + j * 2 + (r % 3)) % E;
              }
            for (int64_t r = 0; r < T; ++r) {
              const float *xr = x + r * H * sxh;
              for (int64_t j = 0; j < k; ++j) {
                int64_t ex = idx[r * k + j], kd = kinds[ex];
                double wt = w[r * k + j];
                if (kd == 0) {
                  int64_t f = slot[ex];
                  ffn_ref(xr, sxh, up + f * N * H, down + f * H * I, H, I, act,
                          y);
                  for (int64_t c = 0; c < H; ++c)
                    ref[r * H + c] += wt * y[c];
                } else if (kd == 2) {
                  for (int64_t c = 0; c < H; ++c)
                    ref[r * H + c] += wt * xr[c * sxh];
                } else if (kd == 3) {
                  for (int64_t c = 0; c < H; ++c)
                    ref[r * H + c] += wt * cst[c];
                }
              }
              if (shared) {
                double g = 1;
                if (shared == 2) {
                  double d = 0;
                  for (int64_t c = 0; c < H; ++c)
                    d += (double)xr[c * sxh] * sg[c];
                  g = 1 / (1 + exp(-d));
                }
                ffn_ref(xr, sxh, sup, sdown, H, I, act, y);
                for (int64_t c = 0; c < H; ++c)
                  ref[r * H + c] += g * y[c];
              }
            }
            int64_t flags = (shared ? 4 : 0) | (shared == 2 ? 8 : 0);
            for (int threads = 1; threads <= 2; ++threads) {
              seqc_set_num_threads(threads);
              float *o = threads == 1 ? o1 : o2;
              memset(o, 0xff, sizeof(float) * T * H);
              seqc_uk_moe(flags, T, H, k, E, act, (intptr_t)x, H * sxh, sxh,
                          (intptr_t)w, k, 1, (intptr_t)idx, k, 1,
                          (intptr_t)kinds, 1, N, (intptr_t)up, N * H, H, 1, I,
                          (intptr_t)down, H * I, I, 1, shared ? N : 0,
                          (intptr_t)sup, H, 1, shared ? I : 0, (intptr_t)sdown,
                          I, 1, (intptr_t)sg, H, 1, (intptr_t)cst, H, 1,
                          (intptr_t)o);
            }
            for (int64_t i = 0; i < T * H; ++i) {
              if (!(fabs(o1[i] - ref[i]) <= 1e-4 + 1e-4 * fabs(ref[i]))) {
                if (bad < 5)
                  printf("T=%ld k=%ld act=%d shared=%d [%ld]: got %g want %g\n",
                         (long)T, (long)k, act, shared, (long)i, o1[i], ref[i]);
                ++bad;
              }
              if (memcmp(&o1[i], &o2[i], sizeof(float)))
                ++nondet;
            }
            ++cases;
            free(x), free(w), free(idx), free(up), free(down), free(sup);
            free(sdown), free(sg), free(cst), free(o1), free(o2), free(ref);
            free(y);
          }
  printf("cases=%d bad=%d nondeterministic=%d\n", cases, bad, nondet);
  return bad || nondet;
}
