/* Checks seqc_uk_qgemm_packed (seq.quant_matmul {int8_activations} on
 * compile-time packed weights) against a double reference that quantizes the
 * activations the same way (per row and block, max|x| / 127), over bits,
 * group sizes, zero points, row counts, N not a multiple of the 16-column
 * tile and K not a multiple of the group. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "qgemm_kernels.h"


static unsigned st = 1;
static unsigned rnd(void) {
  st = st * 1103515245 + 12345;
  return st >> 8;
}

int main(void) {
  int bad = 0, cases = 0;
  int64_t Ms[] = {1, 2, 3, 4, 5, 13}, Ks[] = {64, 100, 512},
          Ns[] = {1, 17, 40, 96};
  int64_t bitsL[] = {4, 8}, groups[] = {16, 32, 128};
  for (int bi = 0; bi < 2; bi++)
    for (int gi = 0; gi < 3; gi++)
      for (int mi = 0; mi < 6; mi++)
        for (int ki = 0; ki < 3; ki++)
          for (int ni = 0; ni < 4; ni++)
            for (int z = 0; z < 2; z++) {
              int64_t M = Ms[mi], K = Ks[ki], N = Ns[ni], bits = bitsL[bi],
                      g = groups[gi];
              int64_t G = (K + g - 1) / g, blob = g * bits / 8;
              int64_t tiles = (N + 15) / 16;
              uint8_t *w = malloc(N * G * blob), *zp = malloc(N * G);
              uint8_t *pw = malloc(tiles * G * 16 * blob);
              float *s = malloc(4 * N * G), *ps = malloc(4 * tiles * G * 16),
                    *pz = malloc(4 * tiles * G * 16);
              float *a = malloc(4 * M * K), *c = malloc(4 * M * N);
              double *ref = malloc(8 * M * N), *mag = malloc(8 * M * N);
              for (int64_t i = 0; i < N * G * blob; i++)
                w[i] = rnd();
              for (int64_t i = 0; i < N * G; i++) {
                s[i] = (rnd() % 1000) / 1000.0f * 0.1f + 0.001f;
                zp[i] = rnd() % (1 << bits);
              }
              for (int64_t i = 0; i < M * K; i++)
                a[i] = (rnd() % 2001) / 1000.0f - 1;
              for (int64_t m = 0; m < M; m++)
                for (int64_t n = 0; n < N; n++)
                  ref[m * N + n] = mag[m * N + n] = 0;
              for (int64_t m = 0; m < M; m++)
                for (int64_t gg = 0; gg < G; gg++) {
                  float amax = 0;
                  for (int64_t k = gg * g; k < K && k < (gg + 1) * g; k++)
                    amax =
                        fabsf(a[m * K + k]) > amax ? fabsf(a[m * K + k]) : amax;
                  float xs = amax / 127.0f, inv = xs != 0 ? 1.0f / xs : 0;
                  for (int64_t k = gg * g; k < K && k < (gg + 1) * g; k++) {
                    long xq = lrintf(a[m * K + k] * inv);
                    for (int64_t n = 0; n < N; n++) {
                      int64_t i = k % g;
                      uint8_t b = w[(n * G + gg) * blob + i * bits / 8];
                      int q = bits == 4 ? ((i % 2) ? b >> 4 : b & 15) : b;
                      double zz = z ? zp[n * G + gg] : (1 << (bits - 1));
                      double t = (double)xq * xs * ((q - zz) * s[n * G + gg]);
                      ref[m * N + n] += t;
                      mag[m * N + n] += fabs(t);
                    }
                  }
                }
              seqc_uk_qgemm_pack(N, K, bits, g, w, s, z ? zp : NULL, pw, ps,
                                 z ? pz : NULL);
              seqc_uk_qgemm_packed(0, M, N, K, (intptr_t)a, K, 1, (intptr_t)pw,
                                   (intptr_t)ps, z ? (intptr_t)pz : 0,
                                   (intptr_t)c, N, bits, g);
              double maxe = 0;
              for (int64_t i = 0; i < M * N; i++) {
                double e = fabs(c[i] - ref[i]) / (1e-6 + mag[i]);
                maxe = e > maxe ? e : maxe;
              }
              cases++;
              if (maxe > 1e-5) {
                bad++;
                if (bad < 10)
                  printf("BAD bits=%ld g=%ld M=%ld K=%ld N=%ld z=%d err=%g\n",
                         (long)bits, (long)g, (long)M, (long)K, (long)N, z,
                         maxe);
              }
              free(w);
              free(zp);
              free(pw);
              free(s);
              free(ps);
              free(pz);
              free(a);
              free(c);
              free(ref);
              free(mag);
            }
  printf("%s: %d cases, bad=%d\n", seqc_uk_qgemm_packed_kernel_name(), cases,
         bad);
  return bad != 0;
}
