/* seqc_uk_sgemm_ep against a double-precision reference: every activation,
 * a bias per column, a bias per row, a residual before and after the
 * activation, batches with broadcast terms, transposed C (tiles gathered),
 * k = 0, the constant-B cache and 1-3 threads. Then each activation alone
 * on a dense grid (the vectorized approximations vs libm). Run once per
 * micro-kernel (SEQC_UKERNEL). */
#include "seqc/Runtime/seqc_parallel.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
int seqc_set_num_threads(int n);
void seqc_sgemm_ep_act(int act, int isa, float *x, int64_t n);

static double act_ref(int act, double x) {
  switch (act) {
  case SEQC_UK_ACT_RELU:
    return x > 0 ? x : 0;
  case SEQC_UK_ACT_GELU_TANH:
    return 0.5 * x *
           (1 + tanh(sqrt(2 / 3.14159265358979323846) *
                     (x + 0.044715 * x * x * x)));
  case SEQC_UK_ACT_GELU_ERF:
    return 0.5 * x * (1 + erf(x / sqrt(2.0)));
  case SEQC_UK_ACT_SILU:
    return x / (1 + exp(-x));
  case SEQC_UK_ACT_SIGMOID:
    return 1 / (1 + exp(-x));
  case SEQC_UK_ACT_TANH:
    return tanh(x);
  }
  return x;
}

static float frand(void) { return rand() / (float)RAND_MAX - 0.5f; }

int main() {
  srand(7);
  int bad = 0, checked = 0;
  for (int it = 0; it < 140; it++) {
    seqc_set_num_threads(1 + it % 3);
    long bt = 1 + rand() % 2, m = 1 + rand() % 150, n = 1 + rand() % 150,
         k = it % 13 == 0 ? 0 : rand() % 300;
    int act = it % 7, tc = rand() % 4 == 0, bc = rand() % 2;
    int kind[3], nterm = rand() % 4, npre = rand() % (nterm + 1);
    /* term kinds: 0 bias per column, 1 bias per row, 2 full (batched),
     * 3 full shared by the batches */
    for (int t = 0; t < nterm; t++)
      kind[t] = rand() % 4;
    float *a = malloc(4 * (bt * m * k + 1)), *b = malloc(4 * (k * n + 1)),
          *c = malloc(4 * bt * m * n), *r = malloc(sizeof(float) * bt * m * n);
    float *terms[3];
    int64_t desc[21] = {act, nterm, npre};
    for (long i = 0; i < bt * m * k; i++)
      a[i] = frand();
    for (long i = 0; i < k * n; i++)
      b[i] = frand();
    for (int t = 0; t < nterm; t++) {
      long len = kind[t] == 0   ? n
                 : kind[t] == 1 ? m
                 : kind[t] == 2 ? bt * m * n
                                : m * n;
      terms[t] = malloc(4 * len);
      for (long i = 0; i < len; i++)
        terms[t][i] = 4 * frand();
      int64_t *d = desc + 3 + 6 * t;
      d[0] = (intptr_t)terms[t];
      d[1] = kind[t] == 2 ? m * n : 0; /* batch dim 0 */
      d[2] = d[3] = 0;
      d[4] = kind[t] == 0 ? 0 : kind[t] == 1 ? 1 : n;
      d[5] = kind[t] == 1 ? 0 : 1;
    }
    /* C row-major per batch, or transposed (scm = 1, scn = m). */
    long scm = tc ? 1 : n, scn = tc ? m : 1;
    for (long q = 0; q < bt; q++)
      for (long i = 0; i < m; i++)
        for (long j = 0; j < n; j++) {
          double s = 0;
          for (long p = 0; p < k; p++)
            s += (double)a[q * m * k + i * k + p] * b[p * n + j];
          for (int t = 0; t < nterm; t++) {
            int64_t *d = desc + 3 + 6 * t;
            double v = terms[t][q * d[1] + i * d[4] + j * d[5]];
            if (t == npre)
              s = act_ref(act, s);
            s += v;
          }
          if (npre == nterm)
            s = act_ref(act, s);
          r[q * m * n + i * scm + j * scn] = (float)s;
        }
    for (int rep = 0; rep < 2; rep++) {
      for (long i = 0; i < bt * m * n; i++)
        c[i] = NAN; /* overwritten: no accumulate */
      seqc_uk_sgemm_ep(bc ? 2 : 0, bt, 1, 1, m, n, k, (intptr_t)a, m * k, 0, 0,
                       k, 1, (intptr_t)b, 0, 0, 0, n, 1, (intptr_t)c, m * n, 0,
                       0, scm, scn, (intptr_t)desc);
      checked++;
      for (long i = 0; i < bt * m * n; i++)
        if (!(fabsf(c[i] - r[i]) <= 1e-3f * (1 + fabsf(r[i])))) {
          printf("BAD it=%d bt=%ld m=%ld n=%ld k=%ld act=%d tc=%d bc=%d "
                 "nterm=%d npre=%d i=%ld %f %f\n",
                 it, bt, m, n, k, act, tc, bc, nterm, npre, i, c[i], r[i]);
          bad++;
          break;
        }
    }
    for (int t = 0; t < nterm; t++)
      free(terms[t]);
    /* b const cache keys on the pointer: keep b alive (never freed) */
    free(a);
    free(c);
    free(r);
  }
  /* The approximations alone, on [-12, 12] and the exact ISA the kernel
   * dispatch would use as well as every other one this CPU can run. */
  const char *want = getenv("SEQC_UKERNEL");
  int isa = want && *want == 'g' ? 0 : want && want[3] == '2' ? 1 : 2;
  float x[4801];
  for (int act = 1; act <= SEQC_UK_ACT_TANH; act++) {
    for (int i = 0; i < 4801; i++)
      x[i] = -12.0f + i * 0.005f;
    if (isa == 2 && !__builtin_cpu_supports("avx512f"))
      isa = __builtin_cpu_supports("avx2") ? 1 : 0;
    seqc_sgemm_ep_act(act, isa, x, 4801);
    double worst = 0;
    for (int i = 0; i < 4801; i++) {
      double ref = act_ref(act, -12.0 + i * 0.005);
      double err = fabs(x[i] - ref) / (1e-6 + fabs(ref));
      if (fabs(x[i] - ref) > 2e-6 && err > worst)
        worst = err;
    }
    if (worst > 1e-5) {
      printf("BAD act=%d isa=%d worst relative error %g\n", act, isa, worst);
      bad++;
    }
  }
  printf("checked=%d bad=%d\n", checked, bad);
  return bad != 0;
}
