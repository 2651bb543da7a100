/* Gated epilogues of seqc_uk_sgemm_ep against a double-precision
 * reference: C = (act(A*B + pre) + post) * gact(G) for every pair of
 * activations, 0-2 other terms, a gate with C's layout or transposed
 * (strided rows), batches, transposed C, k = 0 and 1-3 threads. Run once
 * per micro-kernel (SEQC_UKERNEL). */
#include "seqc/Runtime/seqc_parallel.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
int seqc_set_num_threads(int n);
struct seqc_sgemm_ep;
int seqc_sgemm_ep_init(struct seqc_sgemm_ep *ep, const int64_t *desc, int isa);

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
  /* Malformed: gate without terms, gate act out of range, gate act
   * without the flag, unknown bits, npre covering the gate, act > tanh. */
  int64_t words[6][3] = {
      {SEQC_UK_EP_GATED, 0, 0},
      {SEQC_UK_EP_GATED | (7 << SEQC_UK_EP_GATE_ACT_SHIFT), 1, 0},
      {4 << SEQC_UK_EP_GATE_ACT_SHIFT, 1, 0},
      {0x200, 0, 0},
      {SEQC_UK_EP_GATED, 1, 1},
      {7, 0, 0}};
  int rejected = 0;
  for (int w = 0; w < 6; w++) {
    int64_t d[21] = {words[w][0], words[w][1], words[w][2], 16};
    _Alignas(64) char ep[512];
    rejected += !seqc_sgemm_ep_init((struct seqc_sgemm_ep *)ep, d, 0);
  }
  printf("rejected=%d/6\n", rejected);

  srand(11);
  int bad = 0, checked = 0;
  for (int it = 0; it < 120; it++) {
    seqc_set_num_threads(1 + it % 3);
    long bt = 1 + rand() % 2, m = 1 + rand() % 150, n = 1 + rand() % 150,
         k = it % 17 == 0 ? 0 : rand() % 300;
    int act = it % 7, gact = (it / 7) % 7, tc = rand() % 4 == 0,
        gt = rand() % 3 == 0, bc = rand() % 2;
    int nterm = rand() % 3, npre = rand() % (nterm + 1);
    float *a = malloc(4 * (bt * m * k + 1)), *b = malloc(4 * (k * n + 1)),
          *c = malloc(4 * bt * m * n), *r = malloc(sizeof(float) * bt * m * n);
    float *terms[3];
    int64_t desc[21] = {act | SEQC_UK_EP_GATED |
                            (gact << SEQC_UK_EP_GATE_ACT_SHIFT),
                        nterm + 1, npre};
    for (long i = 0; i < bt * m * k; i++)
      a[i] = frand();
    for (long i = 0; i < k * n; i++)
      b[i] = frand();
    /* Other terms: full per batch; the gate (last): per batch, rows of C
     * or (gt) transposed, i.e. column stride m. */
    for (int t = 0; t <= nterm; t++) {
      terms[t] = malloc(4 * bt * m * n);
      for (long i = 0; i < bt * m * n; i++)
        terms[t][i] = 8 * frand();
      int64_t *d = desc + 3 + 6 * t;
      int g = t == nterm && gt;
      d[0] = (intptr_t)terms[t];
      d[1] = m * n;
      d[2] = d[3] = 0;
      d[4] = g ? 1 : n;
      d[5] = g ? m : 1;
    }
    long scm = tc ? 1 : n, scn = tc ? m : 1;
    for (long q = 0; q < bt; q++)
      for (long i = 0; i < m; i++)
        for (long j = 0; j < n; j++) {
          double s = 0;
          for (long p = 0; p < k; p++)
            s += (double)a[q * m * k + i * k + p] * b[p * n + j];
          for (int t = 0; t <= nterm; t++) {
            int64_t *d = desc + 3 + 6 * t;
            double v = terms[t][q * d[1] + i * d[4] + j * d[5]];
            if (t == npre)
              s = act_ref(act, s);
            s = t == nterm ? s * act_ref(gact, v) : s + v;
          }
          r[q * m * n + i * scm + j * scn] = (float)s;
        }
    for (long i = 0; i < bt * m * n; i++)
      c[i] = NAN; /* overwritten: no accumulate */
    for (int rep = 0; rep < 2; rep++) {
      seqc_uk_sgemm_ep(bc ? 2 : 0, bt, 1, 1, m, n, k, (intptr_t)a, m * k, 0, 0,
                       k, 1, (intptr_t)b, 0, 0, 0, n, 1, (intptr_t)c, m * n, 0,
                       0, scm, scn, (intptr_t)desc);
      checked++;
      for (long i = 0; i < bt * m * n; i++)
        if (!(fabsf(c[i] - r[i]) <= 1e-3f * (1 + fabsf(r[i])))) {
          printf("BAD it=%d bt=%ld m=%ld n=%ld k=%ld act=%d gact=%d tc=%d "
                 "gt=%d nterm=%d npre=%d i=%ld %f %f\n",
                 it, bt, m, n, k, act, gact, tc, gt, nterm, npre, i, c[i],
                 r[i]);
          bad++;
          break;
        }
    }
    for (int t = 0; t <= nterm; t++)
      free(terms[t]);
    /* b const cache keys on the pointer: keep b alive (never freed) */
    free(a);
    free(c);
    free(r);
  }
  printf("checked=%d bad=%d\n", checked, bad);
  return bad != 0;
}
