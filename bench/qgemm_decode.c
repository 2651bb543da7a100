/* The int8-activation quantized GEMV of one llama_mid decode step, alone:
 * seqc_uk_qgemm_packed (lib/Runtime/ukernels/qgemm_packed.c) over the 17
 * int4 (group 32) matmuls of llama_mid (4 layers of qkv 768x512, o 512x512,
 * gate+up 2816x512, down 512x1408, and the 4096x512 lm_head: 6.7 MB of
 * distinct packed weights, as the compiler packs them), M = 1 row. Times
 * the whole set of calls per repetition; prints the kernel the runtime
 * chose (SEQC_UKERNEL=generic|avx2|avx512 forces one), min / p10 / median.
 * Compare two runtimes (e.g. before and after a kernel change) by building
 * this file against each and running them alternately in the same session.
 * Each repetition runs the set twice, with flags 0 (seqc's order) and
 * SEQC_QGEMM_MLAS_ORDER (MatMulNBits accuracy_level 4's MLAS order), in
 * alternating order, timed separately; `rows` > 1 times prefill-like calls.
 *
 *   cc -O2 -Iinclude -Ilib/Runtime/ukernels bench/qgemm_decode.c \
 *      build/lib/libseqc_runtime.a -lm -lpthread -o qgemm_decode
 *   ./qgemm_decode [threads=1] [reps=400] [rows=1]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "qgemm_kernels.h"
#include "seqc/Runtime/seqc_runtime.h"

typedef struct {
  int64_t n, k;
  uint8_t *pw;
  float *ps;
} mat;

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 1;
  int reps = argc > 2 ? atoi(argv[2]) : 400;
  int rows = argc > 3 ? atoi(argv[3]) : 1;
  if (reps < 1)
    reps = 1;
  if (rows < 1)
    rows = 1;
  seqc_set_num_threads(threads);
  const int64_t bits = 4, group = 32;
  const int64_t layer[4][2] = {
      {768, 512}, {512, 512}, {2816, 512}, {512, 1408}};
  mat ms[17];
  int nm = 0;
  size_t bytes = 0;
  srand(1);
  for (int l = 0; l < 4; ++l)
    for (int s = 0; s < 4; ++s)
      ms[nm++] = (mat){layer[s][0], layer[s][1], NULL, NULL};
  ms[nm++] = (mat){4096, 512, NULL, NULL};
  for (int i = 0; i < nm; ++i) {
    int64_t n = ms[i].n, k = ms[i].k, blocks = (k + group - 1) / group;
    int64_t blob = group * bits / 8, tiles = (n + 15) / 16;
    uint8_t *w = malloc(n * blocks * blob);
    float *s = malloc(sizeof(float) * n * blocks);
    for (int64_t j = 0; j < n * blocks * blob; ++j)
      w[j] = (uint8_t)rand();
    for (int64_t j = 0; j < n * blocks; ++j)
      s[j] = 0.01f * (1 + rand() % 7);
    ms[i].pw = aligned_alloc(64, tiles * blocks * 16 * blob);
    ms[i].ps = aligned_alloc(64, sizeof(float) * tiles * blocks * 16);
    seqc_uk_qgemm_pack(n, k, bits, group, w, s, NULL, ms[i].pw, ms[i].ps, NULL);
    bytes += tiles * blocks * 16 * blob;
    free(w);
    free(s);
  }
  float *a = malloc(sizeof(float) * 1408 * rows),
        *c = malloc(sizeof(float) * 4096 * rows);
  for (int i = 0; i < 1408 * rows; ++i)
    a[i] = (float)(rand() % 2001 - 1000) * 1e-3f;
  const int64_t flags[2] = {0, SEQC_QGEMM_MLAS_ORDER};
  double *ts[2] = {malloc(sizeof(double) * reps),
                   malloc(sizeof(double) * reps)};
  double check[2] = {0, 0};
  for (int r = 0; r < reps; ++r)
    for (int o = 0; o < 2; ++o) {
      int f = (r + o) % 2; /* alternate which order runs first */
      double t0 = now_ms();
      for (int i = 0; i < nm; ++i)
        seqc_uk_qgemm_packed(flags[f], rows, ms[i].n, ms[i].k, (intptr_t)a,
                             ms[i].k, 1, (intptr_t)ms[i].pw, (intptr_t)ms[i].ps,
                             0, (intptr_t)c, ms[i].n, bits, group);
      ts[f][r] = now_ms() - t0;
      check[f] += c[r % 4096];
    }
  for (int f = 0; f < 2; ++f) {
    qsort(ts[f], reps, sizeof(double), cmp);
    printf("qgemm_packed[%s] flags=%ld llama_mid %d row(s), %d matmuls, %.1f "
           "MB, %d thread(s), %d reps: min %.1f us, p10 %.1f us, median %.1f "
           "us (checksum %.6g)\n",
           seqc_uk_qgemm_packed_kernel_name(), (long)flags[f], rows, nm,
           bytes / 1e6, threads, reps, ts[f][0] * 1e3, ts[f][reps / 10] * 1e3,
           ts[f][reps / 2] * 1e3, check[f]);
  }
  return 0;
}
