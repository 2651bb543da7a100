/*===- sgemm_peak.c - time seqc_uk_sgemm on given shapes ----------*- C -*-===*
 *
 * Driver of bench/sgemm_peak.py, linked with libseqc_runtime.a. Each shape
 * gets `count` distinct B operands (as many weights of that shape as the
 * model has, so the packed weights' working set is the model's) and the
 * calls run in shape order, like one pass of the model's matmuls. B_CONST
 * calls therefore use the runtime's packed-constant cache exactly like the
 * compiled model (the first repetition, not reported, packs them).
 *
 *   sgemm_peak threads reps checkdir|- m,n,k,count,flags[,sbk[,region]] ...
 *
 * region=1: the model makes these calls from inside a parallel loop (the
 * tiled attention's (batch, head, q-tile) tasks), where each runs on one
 * thread: the shape's `count` calls are then spread over the pool with
 * seqc_parallel_for, and each rep's time is the loop's wall time / count.
 *
 * Prints `kernel=<name>` and per shape one line `shape=<i> us=<t0>,<t1>,...`
 * (every timed call). With a check directory it writes, per shape, A, B (the
 * first instance), C's initial value and C after one more call as raw f32
 * (shape<i>_{a,b,c0,c}.f32) for the Python side to compare with numpy.
 *
 *===----------------------------------------------------------------------===*/
#include "seqc/Runtime/seqc_parallel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int seqc_set_num_threads(int n);

typedef struct shape {
  long m, n, k, count, flags, sbk, region;
  float *a, **b, **c;
} shape;

static unsigned long long rng = 88172645463325252ULL;
static float uniform(void) { /* xorshift64, in [-0.5, 0.5) */
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (float)((rng >> 40) * (1.0 / 16777216.0)) - 0.5f;
}

static float *filled(long n) {
  float *p = aligned_alloc(64, ((size_t)n * 4 + 63) / 64 * 64);
  if (!p) {
    fprintf(stderr, "error: out of memory\n");
    exit(1);
  }
  for (long i = 0; i < n; ++i)
    p[i] = uniform();
  return p;
}

/* $SGEMM_PEAK_CPU_TIME=1: the calling thread's CPU time instead of the wall
 * clock (one thread only: time preempted by other processes on a shared
 * machine is then not counted). */
static clockid_t clock_id = CLOCK_MONOTONIC;

static double now_us(void) {
  struct timespec t;
  clock_gettime(clock_id, &t);
  return t.tv_sec * 1e6 + t.tv_nsec * 1e-3;
}

static void call(const shape *s, long i) {
  seqc_uk_sgemm(s->flags, 1, 1, 1, s->m, s->n, s->k, (intptr_t)s->a, 0, 0, 0,
                s->k, 1, (intptr_t)s->b[i], 0, 0, 0, s->sbk, 1,
                (intptr_t)s->c[i], 0, 0, 0, s->n, 1);
}

static void region_task(void *ctx, int64_t begin, int64_t end) {
  for (int64_t j = begin; j < end; ++j)
    call(ctx, j);
}

static void dump(const char *dir, int idx, const char *what, const float *p,
                 long n) {
  char path[4096];
  snprintf(path, sizeof path, "%s/shape%d_%s.f32", dir, idx, what);
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(p, 4, (size_t)n, f) != (size_t)n) {
    fprintf(stderr, "error: cannot write %s\n", path);
    exit(1);
  }
  fclose(f);
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: sgemm_peak threads reps checkdir|- "
                    "m,n,k,count,flags[,sbk] ...\n");
    return 1;
  }
  int threads = atoi(argv[1]), reps = atoi(argv[2]);
  const char *check = strcmp(argv[3], "-") ? argv[3] : NULL;
  int ns = argc - 4;
  if (threads < 1 || reps < 1) {
    fprintf(stderr, "error: threads and reps must be positive\n");
    return 1;
  }
  seqc_set_num_threads(threads);
  const char *cpu = getenv("SGEMM_PEAK_CPU_TIME");
  if (cpu && *cpu == '1') {
    if (threads != 1) {
      fprintf(stderr, "error: SGEMM_PEAK_CPU_TIME needs one thread\n");
      return 1;
    }
    clock_id = CLOCK_THREAD_CPUTIME_ID;
  }
  shape *sh = calloc((size_t)ns, sizeof(shape));
  for (int i = 0; i < ns; ++i) {
    shape *s = &sh[i];
    s->sbk = -1;
    s->region = 0;
    int got = sscanf(argv[4 + i], "%ld,%ld,%ld,%ld,%ld,%ld,%ld", &s->m, &s->n,
                     &s->k, &s->count, &s->flags, &s->sbk, &s->region);
    if (s->sbk < 0)
      s->sbk = s->n;
    if (got < 5 || s->m < 1 || s->n < 1 || s->k < 1 || s->count < 1 ||
        s->sbk < s->n) {
      fprintf(stderr, "error: bad shape '%s'\n", argv[4 + i]);
      return 1;
    }
    s->a = filled(s->m * s->k);
    s->b = malloc(sizeof(float *) * s->count);
    s->c = malloc(sizeof(float *) * s->count);
    for (long j = 0; j < s->count; ++j) {
      s->b[j] = filled(s->k * s->sbk);
      s->c[j] = filled(s->m * s->n);
    }
  }
  printf("kernel=%s\n", seqc_uk_sgemm_kernel_name());
  double **us = malloc(sizeof(double *) * ns);
  for (int i = 0; i < ns; ++i)
    us[i] = malloc(sizeof(double) * reps * sh[i].count);
  for (int r = -1; r < reps; ++r) /* r = -1: warm-up, packs the weights */
    for (int i = 0; i < ns; ++i) {
      if (sh[i].region) {
        double t0 = now_us();
        seqc_parallel_for(sh[i].count, region_task, &sh[i]);
        double t = (now_us() - t0) / sh[i].count;
        for (long j = 0; r >= 0 && j < sh[i].count; ++j)
          us[i][r * sh[i].count + j] = t;
        continue;
      }
      for (long j = 0; j < sh[i].count; ++j) {
        double t0 = now_us();
        call(&sh[i], j);
        double t = now_us() - t0;
        if (r >= 0)
          us[i][r * sh[i].count + j] = t;
      }
    }
  for (int i = 0; i < ns; ++i) {
    printf("shape=%d us=", i);
    for (long t = 0; t < reps * sh[i].count; ++t)
      printf(t ? ",%.2f" : "%.2f", us[i][t]);
    printf("\n");
  }
  if (check)
    for (int i = 0; i < ns; ++i) {
      shape *s = &sh[i];
      float *c0 = filled(s->m * s->n);
      memcpy(s->c[0], c0, sizeof(float) * s->m * s->n);
      call(s, 0);
      dump(check, i, "a", s->a, s->m * s->k);
      dump(check, i, "b", s->b[0], s->k * s->sbk);
      dump(check, i, "c0", c0, s->m * s->n);
      dump(check, i, "c", s->c[0], s->m * s->n);
    }
  return 0;
}
