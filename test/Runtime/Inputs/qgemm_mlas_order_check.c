/* seqc_uk_qgemm_packed with SEQC_QGEMM_MLAS_ORDER (MatMulNBits
 * accuracy_level 4, 4 bits, group 32) against a reference written the way
 * onnxruntime's MLAS AVX-512 VNNI blklen-32 kernel adds, over k of the
 * MatMulNBits layout (not seqc's tiles): 16 lanes per 128 k, lane 4j + e =
 * dot of k {b..b+3, b+8..b+11}, b = 64(e/2) + 16j + 4(e%2), one FMA by the
 * block's scale product; lanes i + (i+8); tail blocks per 4 k into 8 lanes;
 * fold ((h0+h1)+h2)+h3 + (((h4+h5)+h6)+h7), or ((h0+h4)+(h2+h6)) +
 * ((h1+h5)+(h3+h7)) for the last N % 4 columns; then the zero-point sum in
 * block order. The kernels that implement the order (VNNI, portable) must
 * match bit for bit; the AVX2 kernel keeps seqc's order (checked to 1e-5
 * relative of the row's magnitude). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qgemm_kernels.h"

static unsigned st = 7;
static unsigned rnd(void) {
  st = st * 1103515245 + 12345;
  return st >> 8;
}

static float half_round(float f) { /* f32 -> nearest f16 value, as f32 */
  return (float)(_Float16)f;
}

int main(void) {
  int bad = 0, cases = 0;
  const char *kern = seqc_uk_qgemm_packed_kernel_name();
  int exact = strcmp(kern, "avx2") != 0;
  int64_t Ms[] = {1, 2, 5, 12}, Ks[] = {32, 96, 128, 160, 300, 512},
          Ns[] = {3, 6, 16, 20, 40};
  for (int mi = 0; mi < 4; mi++)
    for (int ki = 0; ki < 6; ki++)
      for (int ni = 0; ni < 5; ni++)
        for (int z = 0; z < 2; z++)
          for (int f16 = 0; f16 < 2; f16++) {
            int64_t M = Ms[mi], K = Ks[ki], N = Ns[ni], g = 32;
            int64_t G = (K + g - 1) / g, kp = G * g, tiles = (N + 15) / 16;
            uint8_t *w = malloc(N * G * 16), *zp = malloc(N * G);
            uint8_t *pw = malloc(tiles * G * 16 * 16);
            float *s = malloc(4 * N * G), *ps = malloc(4 * tiles * G * 16),
                  *pz = malloc(4 * tiles * G * 16);
            uint16_t *s16 = malloc(2 * N * G),
                     *ps16 = malloc(2 * tiles * G * 16);
            float *a = malloc(4 * M * K), *c = malloc(4 * M * N);
            int32_t *q = malloc(4 * kp);
            float *sa = malloc(4 * G), *sq = malloc(4 * G);
            for (int64_t i = 0; i < N * G * 16; i++)
              w[i] = rnd();
            for (int64_t i = 0; i < N * G; i++) {
              s[i] = (rnd() % 1000) / 1000.0f * 0.1f + 0.001f;
              if (f16) {
                _Float16 h = (_Float16)s[i];
                memcpy(&s16[i], &h, 2);
                s[i] = half_round(s[i]);
              }
              zp[i] = rnd() % 16;
            }
            for (int64_t i = 0; i < M * K; i++)
              a[i] = (rnd() % 2001) / 1000.0f - 1;
            if (f16)
              seqc_uk_qgemm_pack_f16(N, K, 4, g, w, s16, z ? zp : NULL, pw,
                                     ps16, z ? pz : NULL);
            else
              seqc_uk_qgemm_pack(N, K, 4, g, w, s, z ? zp : NULL, pw, ps,
                                 z ? pz : NULL);
            seqc_uk_qgemm_packed(SEQC_QGEMM_MLAS_ORDER |
                                     (f16 ? SEQC_QGEMM_F16_SCALES : 0),
                                 M, N, K, (intptr_t)a, K, 1, (intptr_t)pw,
                                 f16 ? (intptr_t)ps16 : (intptr_t)ps,
                                 z ? (intptr_t)pz : 0, (intptr_t)c, N, 4, g);
            for (int64_t m = 0; m < M; m++) {
              for (int64_t b = 0; b < G; b++) { /* MLAS's int8 activations */
                float amax = 0;
                for (int64_t k = b * g; k < K && k < (b + 1) * g; k++)
                  amax = fmaxf(amax, fabsf(a[m * K + k]));
                float xs = amax / 127.0f, inv = xs != 0 ? 1.0f / xs : 0;
                int32_t sum = 0;
                for (int64_t k = b * g; k < (b + 1) * g; k++) {
                  long v = k < K ? lrintf(a[m * K + k] * inv) : 0;
                  q[k] = v > 127 ? 127 : v < -127 ? -127 : (int32_t)v;
                  sum += q[k];
                }
                sa[b] = xs;
                sq[b] = (float)sum;
              }
              for (int64_t n = 0; n < N; n++) {
                const uint8_t *wn = w + n * G * 16;
#define U(k) (((k) < K) ? ((wn[(k) / 2] >> (4 * ((k) % 2))) & 15) : 0)
                float acc[16] = {0}, h[8];
                int64_t full = G / 4 * 4;
                for (int64_t it = 0; it < full / 4; it++)
                  for (int j = 0; j < 4; j++)
                    for (int e = 0; e < 4; e++) {
                      int64_t base =
                          128 * it + 64 * (e / 2) + 16 * j + 4 * (e % 2);
                      int32_t part = 0;
                      for (int u = 0; u < 4; u++)
                        part += q[base + u] * (int32_t)U(base + u) +
                                q[base + 8 + u] * (int32_t)U(base + 8 + u);
                      int64_t blk = 4 * it + (e < 2 ? j / 2 : 2 + j / 2);
                      acc[4 * j + e] =
                          fmaf((float)part, s[n * G + blk] * sa[blk],
                               acc[4 * j + e]);
                    }
                for (int l = 0; l < 8; l++)
                  h[l] = acc[l] + acc[l + 8];
                for (int64_t b = full; b < G; b++)
                  for (int l = 0; l < 8; l++) {
                    int32_t part = 0;
                    for (int u = 0; u < 4; u++)
                      part += q[32 * b + 4 * l + u] *
                              (int32_t)U(32 * b + 4 * l + u);
                    h[l] = fmaf((float)part, sa[b] * s[n * G + b], h[l]);
                  }
#undef U
                float fold = n < N - N % 4
                                 ? (((h[0] + h[1]) + h[2]) + h[3]) +
                                       (((h[4] + h[5]) + h[6]) + h[7])
                                 : ((h[0] + h[4]) + (h[2] + h[6])) +
                                       ((h[1] + h[5]) + (h[3] + h[7]));
                float zs = 0, mag = 0;
                for (int64_t b = 0; b < G; b++) {
                  float zpv = z ? (float)zp[n * G + b] : 8.0f;
                  zs = fmaf(sa[b] * sq[b], -(s[n * G + b] * zpv), zs);
                  mag += fabsf(s[n * G + b] * sa[b]) * 16 * 127 * 32;
                }
                float want = fold + zs, got = c[m * N + n];
                int ok = exact ? memcmp(&want, &got, 4) == 0
                               : fabsf(want - got) <= 1e-5f * mag;
                if (!ok && bad++ < 5)
                  printf("M=%ld K=%ld N=%ld zp=%d f16=%d [%ld,%ld]: %.9g vs "
                         "%.9g\n",
                         (long)M, (long)K, (long)N, z, f16, (long)m, (long)n,
                         got, want);
              }
            }
            cases++;
            free(w), free(zp), free(pw), free(s), free(ps), free(pz);
            free(s16), free(ps16), free(a), free(c), free(q), free(sa),
                free(sq);
          }
  printf("kernel=%s %s cases=%d bad=%d\n", kern,
         exact ? "bitwise" : "tolerance", cases, bad);
  return bad != 0;
}
