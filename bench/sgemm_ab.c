/*===- sgemm_ab.c - same-process A/B of two sgemm runtimes --------*- C -*-===*
 *
 * Driver of bench/sgemm_ab.py: links two copies of the sgemm runtime whose
 * entry points were renamed v0_seqc_uk_sgemm and v1_seqc_uk_sgemm (one
 * thread pool, shared), and alternates them call by call on the same A and
 * B (each copy packs its own constant B), so both see the same moments of a
 * shared machine. Per shape and variant: median and 10th-percentile time,
 * printed as GFLOP/s; C of both variants compared.
 *
 *   sgemm_ab threads reps m,n,k,count,flags ...
 *
 * $SGEMM_AB_CPU_TIME=1 (one thread): the thread's CPU time, not wall time.
 *
 *===----------------------------------------------------------------------===*/
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int seqc_set_num_threads(int n);

#define SGEMM_ARGS                                                             \
  int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, intptr_t,     \
      int64_t, int64_t, int64_t, int64_t, int64_t, intptr_t, int64_t, int64_t, \
      int64_t, int64_t, int64_t, intptr_t, int64_t, int64_t, int64_t, int64_t, \
      int64_t
void v0_seqc_uk_sgemm(SGEMM_ARGS);
void v1_seqc_uk_sgemm(SGEMM_ARGS);
typedef void (*sgemm_fn)(SGEMM_ARGS);
static const sgemm_fn fns[2] = {v0_seqc_uk_sgemm, v1_seqc_uk_sgemm};

static clockid_t clock_id = CLOCK_MONOTONIC;

static double now_us(void) {
  struct timespec t;
  clock_gettime(clock_id, &t);
  return t.tv_sec * 1e6 + t.tv_nsec * 1e-3;
}

static unsigned long long rng = 88172645463325252ULL;
static float *filled(long n) { /* xorshift64, in [-0.5, 0.5) */
  float *p = aligned_alloc(64, ((size_t)n * 4 + 63) / 64 * 64);
  if (!p) {
    fprintf(stderr, "error: out of memory\n");
    exit(1);
  }
  for (long i = 0; i < n; ++i) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    p[i] = (float)((rng >> 40) * (1.0 / 16777216.0)) - 0.5f;
  }
  return p;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: sgemm_ab threads reps m,n,k,count,flags ...\n");
    return 1;
  }
  int threads = atoi(argv[1]), reps = atoi(argv[2]);
  if (threads < 1 || reps < 1) {
    fprintf(stderr, "error: threads and reps must be positive\n");
    return 1;
  }
  seqc_set_num_threads(threads);
  const char *cpu = getenv("SGEMM_AB_CPU_TIME");
  if (cpu && *cpu == '1') {
    if (threads != 1) {
      fprintf(stderr, "error: SGEMM_AB_CPU_TIME needs one thread\n");
      return 1;
    }
    clock_id = CLOCK_THREAD_CPUTIME_ID;
  }
  int bad = 0;
  for (int s = 3; s < argc; ++s) {
    long m, n, k, cnt, flags;
    if (sscanf(argv[s], "%ld,%ld,%ld,%ld,%ld", &m, &n, &k, &cnt, &flags) != 5 ||
        m < 1 || n < 1 || k < 1 || cnt < 1) {
      fprintf(stderr, "error: bad shape '%s'\n", argv[s]);
      return 1;
    }
    float *a = filled(m * k), **b = malloc(sizeof(float *) * cnt),
          **c = malloc(sizeof(float *) * cnt * 2);
    double *t = malloc(sizeof(double) * reps * cnt * 2);
    for (long j = 0; j < cnt; ++j)
      b[j] = filled(k * n);
    for (long j = 0; j < 2 * cnt; ++j)
      c[j] = filled(m * n);
    for (int r = -1; r < reps; ++r) /* r = -1: warm-up, packs the weights */
      for (long j = 0; j < cnt; ++j)
        for (int i = 0; i < 2; ++i) {
          int v = (i + r + (int)j) & 1; /* who goes first alternates */
          double t0 = now_us();
          fns[v](flags, 1, 1, 1, m, n, k, (intptr_t)a, 0, 0, 0, k, 1,
                 (intptr_t)b[j], 0, 0, 0, n, 1, (intptr_t)c[2 * j + v], 0, 0, 0,
                 n, 1);
          double dt = now_us() - t0;
          if (r >= 0)
            t[(v * reps + r) * cnt + j] = dt;
        }
    printf("shape=%s", argv[s]);
    for (int v = 0; v < 2; ++v) {
      double *tv = t + (long)v * reps * cnt;
      long N = (long)reps * cnt;
      qsort(tv, (size_t)N, sizeof(double), cmp);
      printf(" v%d_med_us=%.3f v%d_p10_us=%.3f", v, tv[N / 2], v, tv[N / 10]);
    }
    printf("\n");
    if (!(flags & 1)) /* accumulate: C grew by a different count per copy */
      for (long i = 0; i < m * n; ++i)
        if (fabsf(c[0][i] - c[1][i]) > 1e-4f * (1 + fabsf(c[0][i]))) {
          printf("MISMATCH shape=%s at %ld: %g vs %g\n", argv[s], i, c[0][i],
                 c[1][i]);
          bad = 1;
          break;
        }
  }
  return bad;
}
