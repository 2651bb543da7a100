/*===- peak_flops.c - this machine's peak f32 FMA rate ------------*- C -*-===*
 *
 * Each thread runs independent FMA chains on 12 vector accumulators (more
 * than FMA latency x pipes, so the FMA units never wait) and the best of
 * several repetitions is reported. Vector width by host detection: AVX-512F,
 * else AVX2+FMA, or forced by the 4th argument (avx2|avx512): on cores that
 * split a zmm FMA into two 256-bit halves (Zen 4) both rates are the same,
 * on others the zmm rate is up to 2x. Prints one line:
 * `peak_gflops=<x> isa=<name> threads=<n>`.
 *
 *   peak_flops [threads] [repetitions] [million iterations per thread] [isa]
 *
 *===----------------------------------------------------------------------===*/
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long ITERS = 20000000L;
static int REPS = 5;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static volatile float sink;

__attribute__((target("avx2,fma"))) static double run_avx2(long iters) {
  __m256 a[12], x = _mm256_set1_ps(0.999999f), y = _mm256_set1_ps(1e-7f);
  for (int i = 0; i < 12; ++i)
    a[i] = _mm256_set1_ps((float)i);
  for (long it = 0; it < iters; ++it)
#pragma clang loop unroll(full)
    for (int i = 0; i < 12; ++i)
      a[i] = _mm256_fmadd_ps(a[i], x, y);
  __m256 s = a[0];
  for (int i = 1; i < 12; ++i)
    s = _mm256_add_ps(s, a[i]);
  sink = _mm256_cvtss_f32(s);
  return 2.0 * 8 * 12 * iters;
}

__attribute__((target("avx512f"))) static double run_avx512(long iters) {
  __m512 a[24], x = _mm512_set1_ps(0.999999f), y = _mm512_set1_ps(1e-7f);
  for (int i = 0; i < 24; ++i)
    a[i] = _mm512_set1_ps((float)i);
  for (long it = 0; it < iters; ++it)
#pragma clang loop unroll(full)
    for (int i = 0; i < 24; ++i)
      a[i] = _mm512_fmadd_ps(a[i], x, y);
  __m512 s = a[0];
  for (int i = 1; i < 24; ++i)
    s = _mm512_add_ps(s, a[i]);
  sink = _mm512_reduce_add_ps(s);
  return 2.0 * 16 * 24 * iters;
}

static int use512;

static void *thread_main(void *arg) {
  double *flops = arg;
  *flops = use512 ? run_avx512(ITERS / 2) : run_avx2(ITERS);
  return NULL;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 1;
  if (argc > 2)
    REPS = atoi(argv[2]);
  if (argc > 3)
    ITERS = atol(argv[3]) * 1000000L;
  if (REPS < 1 || ITERS < 2) {
    fprintf(stderr, "error: repetitions and iterations must be positive\n");
    return 1;
  }
  if (threads < 1 || threads > 256) {
    fprintf(stderr, "error: threads must be in [1, 256]\n");
    return 1;
  }
  __builtin_cpu_init();
  use512 = __builtin_cpu_supports("avx512f");
  if (argc > 4 && strcmp(argv[4], "avx2") == 0) {
    use512 = 0;
  } else if (argc > 4 && strcmp(argv[4], "avx512") == 0 && !use512) {
    fprintf(stderr, "error: this CPU has no AVX-512F\n");
    return 1;
  } else if (argc > 4 && strcmp(argv[4], "avx512") != 0) {
    fprintf(stderr, "error: isa must be avx2 or avx512\n");
    return 1;
  }
  if (!use512 &&
      !(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))) {
    fprintf(stderr, "error: needs AVX2+FMA or AVX-512F\n");
    return 1;
  }
  double best = 0;
  for (int r = 0; r < REPS; ++r) {
    pthread_t t[256];
    double flops[256];
    double t0 = now();
    for (int i = 0; i < threads; ++i)
      pthread_create(&t[i], NULL, thread_main, &flops[i]);
    double total = 0;
    for (int i = 0; i < threads; ++i) {
      pthread_join(t[i], NULL);
      total += flops[i];
    }
    double g = total / (now() - t0) * 1e-9;
    if (g > best)
      best = g;
  }
  printf("peak_gflops=%.2f isa=%s threads=%d\n", best,
         use512 ? "avx512" : "avx2", threads);
  return 0;
}
