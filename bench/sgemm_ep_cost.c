/* What an epilogue costs the GEMM (#17): seqc_uk_sgemm vs seqc_uk_sgemm_ep
 * on the same operands, alternating calls, medians, for llama_mid's shapes
 * (S = 128): the down projection with its residual (128x512x1408), the
 * up projection with SwiGLU's gate (128x1408x512, gact = SiLU) and the
 * plain product followed by a separate SiLU * up pass (what the gate
 * replaces). Constant-B flag as the compiled code passes it. With one
 * thread the times are the thread's CPU time, else wall time.
 *
 *   cc -O2 -Iinclude bench/sgemm_ep_cost.c build/lib/libseqc_runtime.a \
 *      -lm -lpthread -o /tmp/sgemm_ep_cost && /tmp/sgemm_ep_cost [threads]
 * [reps]
 */
#include "seqc/Runtime/seqc_parallel.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
int seqc_set_num_threads(int n);
const char *seqc_uk_sgemm_kernel_name(void);

/* One thread: the calling thread's CPU time (a preempted rep does not
 * count; the machine is shared); more: wall time. */
static clockid_t clock_id = CLOCK_MONOTONIC;

static double now(void) {
  struct timespec t;
  clock_gettime(clock_id, &t);
  return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
  qsort(v, n, sizeof *v, cmp);
  return v[n / 2];
}

static void gemm(float *a, float *b, float *c, long m, long n, long k,
                 int64_t *desc) {
  if (desc)
    seqc_uk_sgemm_ep(2, 1, 1, 1, m, n, k, (intptr_t)a, 0, 0, 0, k, 1,
                     (intptr_t)b, 0, 0, 0, n, 1, (intptr_t)c, 0, 0, 0, n, 1,
                     (intptr_t)desc);
  else
    seqc_uk_sgemm(2, 1, 1, 1, m, n, k, (intptr_t)a, 0, 0, 0, k, 1, (intptr_t)b,
                  0, 0, 0, n, 1, (intptr_t)c, 0, 0, 0, n, 1);
}

/* The unfused SwiGLU pass: c = silu(g) * c, as the compiled loop does it. */
static void silu_mul(float *c, const float *g, long len) {
  for (long i = 0; i < len; i++)
    c[i] = g[i] / (1.0f + expf(-g[i])) * c[i];
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 2,
      reps = argc > 2 ? atoi(argv[2]) : 200;
  seqc_set_num_threads(threads);
  if (threads == 1)
    clock_id = CLOCK_THREAD_CPUTIME_ID;
  struct {
    long m, n, k;
    int gate;
  } cases[] = {{128, 512, 1408, 0}, {128, 1408, 512, 1}};
  printf("kernel %s, %d threads, %d alternating reps, medians of %s time\n",
         seqc_uk_sgemm_kernel_name(), threads, reps,
         threads == 1 ? "thread CPU" : "wall");
  for (int ci = 0; ci < 2; ci++) {
    long m = cases[ci].m, n = cases[ci].n, k = cases[ci].k;
    float *a = malloc(4 * m * k), *b = malloc(4 * k * n),
          *c = malloc(4 * m * n), *t = malloc(4 * m * n);
    for (long i = 0; i < m * k; i++)
      a[i] = rand() / (float)RAND_MAX - 0.5f;
    for (long i = 0; i < k * n; i++)
      b[i] = rand() / (float)RAND_MAX - 0.5f;
    for (long i = 0; i < m * n; i++)
      t[i] = rand() / (float)RAND_MAX - 0.5f;
    int64_t desc[21] = {
        cases[ci].gate
            ? SEQC_UK_EP_GATED | (SEQC_UK_ACT_SILU << SEQC_UK_EP_GATE_ACT_SHIFT)
            : 0,
        1,
        cases[ci].gate ? 0 : 1,
        (intptr_t)t,
        0,
        0,
        0,
        n,
        1};
    double *tp = malloc(sizeof(double) * reps),
           *te = malloc(sizeof(double) * reps),
           *ts = malloc(sizeof(double) * reps);
    for (int w = 0; w < 5; w++) {
      gemm(a, b, c, m, n, k, NULL);
      gemm(a, b, c, m, n, k, desc);
    }
    for (int r = 0; r < reps; r++) {
      double t0 = now();
      gemm(a, b, c, m, n, k, NULL);
      double t1 = now();
      gemm(a, b, c, m, n, k, desc);
      double t2 = now();
      gemm(a, b, c, m, n, k, NULL);
      if (cases[ci].gate)
        silu_mul(c, t, m * n);
      else
        for (long i = 0; i < m * n; i++)
          c[i] += t[i];
      double t3 = now();
      tp[r] = t1 - t0;
      te[r] = t2 - t1;
      ts[r] = t3 - t2;
    }
    double p = median(tp, reps), e = median(te, reps), s = median(ts, reps);
    double gf = 2.0 * m * n * k * 1e-6;
    printf(
        "%ldx%ldx%ld %-8s plain %.3f ms (%.1f GFLOP/s)  fused %.3f ms (%.1f)  "
        "plain + serial pass %.3f ms  fused/plain %.3f\n",
        m, n, k, cases[ci].gate ? "gate" : "residual", p, gf / p, e, gf / e, s,
        e / p);
    free(a), free(c), free(t), free(tp), free(te), free(ts);
  }
  return 0;
}
