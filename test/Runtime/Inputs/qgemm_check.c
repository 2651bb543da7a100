/* Checks seqc_uk_qgemm (seq.quant_matmul's kernel) against a double
 * reference over bits, group sizes, zero points, row counts (GEMV and panel
 * paths), K not a multiple of the group and strided activations. */
#include <stdint.h>
void seqc_uk_qgemm(int64_t flags, int64_t m, int64_t n, int64_t k, intptr_t a,
                   int64_t sam, int64_t sak, intptr_t w, intptr_t scales,
                   intptr_t zp, intptr_t c, int64_t ldc, int64_t bits,
                   int64_t group);
const char *seqc_uk_qgemm_kernel_name(void);
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
static unsigned st = 1;
static unsigned rnd(void) {
  st = st * 1103515245 + 12345;
  return st >> 8;
}
int main(void) {
  int bad = 0;
  int64_t Ms[] = {1, 2, 3, 4, 5, 9, 17}, Ks[] = {64, 100, 512, 1408},
          Ns[] = {1, 7, 33, 768};
  int64_t bitsL[] = {4, 8}, groups[] = {16, 32, 64, 128};
  for (int bi = 0; bi < 2; bi++)
    for (int gi = 0; gi < 4; gi++)
      for (int mi = 0; mi < 7; mi++)
        for (int ki = 0; ki < 4; ki++)
          for (int ni = 0; ni < 4; ni++)
            for (int z = 0; z < 2; z++) {
              int64_t M = Ms[mi], K = Ks[ki], N = Ns[ni], bits = bitsL[bi],
                      g = groups[gi];
              int64_t G = (K + g - 1) / g, blob = g * bits / 8;
              unsigned char *w = malloc(N * G * blob), *zp = malloc(N * G);
              float *s = malloc(4 * N * G), *a = malloc(4 * M * K * 2),
                    *c = malloc(4 * M * N), *ref = malloc(4 * M * N);
              for (int64_t i = 0; i < N * G * blob; i++)
                w[i] = rnd();
              for (int64_t i = 0; i < N * G; i++) {
                s[i] = (rnd() % 1000) / 1000.0f * 0.1f + 0.001f;
                zp[i] = rnd() % (1 << bits);
              }
              int64_t sak = (M % 2) ? 1 : 2; /* test strided A too */
              for (int64_t i = 0; i < M * K * 2; i++)
                a[i] = (rnd() % 2001) / 1000.0f - 1;
              double *mag = malloc(8 * M * N);
              for (int64_t m = 0; m < M; m++)
                for (int64_t n = 0; n < N; n++) {
                  double acc = 0, am = 0;
                  for (int64_t k = 0; k < K; k++) {
                    int64_t gg = k / g, i = k % g;
                    unsigned char b = w[(n * G + gg) * blob + i * bits / 8];
                    int q = bits == 4 ? ((i % 2) ? b >> 4 : b & 15) : b;
                    float zz = z ? zp[n * G + gg] : (1 << (bits - 1));
                    double t = (double)a[m * K * sak + k * sak] *
                               ((q - zz) * s[n * G + gg]);
                    acc += t;
                    am += fabs(t);
                  }
                  ref[m * N + n] = acc;
                  mag[m * N + n] = am;
                }
              seqc_uk_qgemm(0, M, N, K, (intptr_t)a, K * sak, sak, (intptr_t)w,
                            (intptr_t)s, z ? (intptr_t)zp : 0, (intptr_t)c, N,
                            bits, g);
              double maxe = 0;
              for (int64_t i = 0; i < M * N; i++) {
                double e = fabs(c[i] - ref[i]) / (1e-6 + mag[i]);
                if (e > maxe)
                  maxe = e;
              }
              if (maxe > 1e-5) {
                bad++;
                if (bad < 10)
                  printf("BAD bits=%ld g=%ld M=%ld K=%ld N=%ld z=%d err=%g\n",
                         bits, g, M, K, N, z, maxe);
              }
              free(w);
              free(zp);
              free(s);
              free(a);
              free(c);
              free(ref);
              free(mag);
            }
  printf("%s: bad=%d\n", seqc_uk_qgemm_kernel_name(), bad);
  return bad != 0;
}
