/* seqc_uk_sgemm against a double-precision reference: random shapes (edge
 * tiles), transposed A and B (packed and in-place A paths), accumulate, the
 * constant-B cache, 1-3 threads. Run once per micro-kernel (SEQC_UKERNEL). */
#include "seqc/Runtime/seqc_parallel.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
int seqc_set_num_threads(int n);
int main() {
  srand(1);
  int bad = 0;
  for (int it = 0; it < 120; it++) {
    seqc_set_num_threads(1 + it % 3);
    long m = 1 + rand() % 200, n = 1 + rand() % 200, k = rand() % 400;
    if (it % 10 == 0) {
      m = 128;
      n = 1408;
      k = 512;
    }
    int ta = rand() % 2, tb = rand() % 2, acc = rand() % 2, bc = rand() % 2;
    float *a = malloc(4 * (m * k + 1)), *b = malloc(4 * (k * n + 1)),
          *c = malloc(4 * m * n), *r = malloc(4 * m * n);
    for (long i = 0; i < m * k; i++)
      a[i] = rand() / (float)RAND_MAX - 0.5f;
    for (long i = 0; i < k * n; i++)
      b[i] = rand() / (float)RAND_MAX - 0.5f;
    for (long i = 0; i < m * n; i++)
      c[i] = r[i] = acc ? rand() / (float)RAND_MAX : 0.f;
    long sam = ta ? 1 : k, sak = ta ? m : 1, sbk = tb ? 1 : n, sbn = tb ? k : 1;
    for (long i = 0; i < m; i++)
      for (long j = 0; j < n; j++) {
        double s = acc ? r[i * n + j] : 0;
        for (long p = 0; p < k; p++)
          s += (double)a[i * sam + p * sak] * b[p * sbk + j * sbn];
        r[i * n + j] = s;
      }
    for (int rep = 0; rep < 2; rep++) {
      if (acc && rep == 1)
        break;
      seqc_uk_sgemm(acc | (bc ? 2 : 0), 1, 1, 1, m, n, k, (intptr_t)a, 0, 0, 0,
                    sam, sak, (intptr_t)b, 0, 0, 0, sbk, sbn, (intptr_t)c, 0, 0,
                    0, n, 1);
      for (long i = 0; i < m * n; i++)
        if (fabsf(c[i] - r[i]) > 1e-3f * (1 + fabsf(r[i]))) {
          printf("BAD it=%d m=%ld n=%ld k=%ld ta=%d tb=%d acc=%d bc=%d i=%ld "
                 "%f %f\n",
                 it, m, n, k, ta, tb, acc, bc, i, c[i], r[i]);
          bad++;
          break;
        }
    }
    /* b const cache keys on the pointer: keep b alive (never freed) */
    free(a);
    free(c);
    free(r);
  }
  printf("bad=%d\n", bad);
  return bad != 0;
}
