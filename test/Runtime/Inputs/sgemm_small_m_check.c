/* seqc_uk_sgemm with few rows (m <= 40: decode steps, small prefills)
 * against a double-precision reference: widths that split unevenly over the
 * threads (80, 192, 320, ...), several K slices (k > 512, including the
 * packed constant B's last, shorter slice), A in place and transposed
 * (packed), the constant-B cache, accumulate, k = 0, 1-3 threads; C has
 * padding columns that must stay untouched. Run once per micro-kernel. */
#include "seqc/Runtime/seqc_parallel.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
int seqc_set_num_threads(int n);

static float frand(void) { return rand() / (float)RAND_MAX - 0.5f; }

int main() {
  static const long ns[] = {1, 15, 16, 17, 48, 80, 100, 192, 320, 333, 512,
                            1100};
  static const long ks[] = {0, 1, 31, 192, 512, 513, 1100};
  srand(3);
  int bad = 0, checked = 0;
  for (int it = 0; it < 160; it++) {
    seqc_set_num_threads(1 + it % 3);
    long m = 1 + rand() % 40, n = ns[rand() % 12], k = ks[rand() % 7];
    if (it % 4 == 3)
      n = 1 + rand() % 700;
    int ta = rand() % 4 == 0, acc = rand() % 2, bc = rand() % 2;
    long ldc = n + 5;
    float *a = malloc(4 * (m * k + 1)), *b = malloc(4 * (k * n + 1)),
          *c = malloc(4 * m * ldc);
    double *r = malloc(sizeof(double) * m * ldc);
    for (long i = 0; i < m * k; i++)
      a[i] = frand();
    for (long i = 0; i < k * n; i++)
      b[i] = frand();
    long sam = ta ? 1 : k, sak = ta ? m : 1;
    for (int rep = 0; rep < 2; rep++) { /* rep 1: the cached packed B */
      for (long i = 0; i < m * ldc; i++)
        c[i] = frand();
      for (long i = 0; i < m; i++)
        for (long j = 0; j < ldc; j++) {
          double s = j >= n ? c[i * ldc + j] : acc ? c[i * ldc + j] : 0;
          for (long p = 0; j < n && p < k; p++)
            s += (double)a[i * sam + p * sak] * b[p * n + j];
          r[i * ldc + j] = s;
        }
      seqc_uk_sgemm(acc | (bc ? 2 : 0), 1, 1, 1, m, n, k, (intptr_t)a, 0, 0, 0,
                    sam, sak, (intptr_t)b, 0, 0, 0, n, 1, (intptr_t)c, 0, 0, 0,
                    ldc, 1);
      ++checked;
      for (long i = 0; i < m * ldc; i++)
        if (fabs(c[i] - r[i]) > 1e-4 * (1 + sqrt((double)k) + fabs(r[i]))) {
          printf("BAD it=%d m=%ld n=%ld k=%ld ta=%d acc=%d bc=%d row=%ld "
                 "col=%ld %f %f\n",
                 it, m, n, k, ta, acc, bc, i / ldc, i % ldc, c[i], r[i]);
          bad++;
          break;
        }
    }
    /* the constant-B cache keys on the pointer: b is never freed */
    free(a);
    free(c);
    free(r);
  }
  printf("checked=%d bad=%d\n", checked, bad);
  return bad != 0;
}
