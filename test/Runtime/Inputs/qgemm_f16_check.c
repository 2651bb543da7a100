/* f16 scales (SEQC_QGEMM_F16_SCALES) in both int4/int8 kernels: for random
 * binary16 scales (normal, subnormal and zero), seqc_uk_qgemm and
 * seqc_uk_qgemm_packed with the f16 scales give bit for bit what they give
 * with the same scales widened to f32 (the widening is exact, so nothing
 * else may differ), over bits, groups, zero points, rows (GEMV and panel
 * paths), N not a multiple of 16 and K not a multiple of the group. */
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

/* Independent of the runtime's converter: value = m * 2^(e - 25) (normal,
 * with the implicit bit) or m * 2^-24 (subnormal). */
static float half_value(uint16_t h) {
  int e = (h >> 10) & 31, m = h & 1023;
  float v = e ? ldexpf((float)(1024 + m), e - 25) : ldexpf((float)m, -24);
  return (h & 0x8000) ? -v : v;
}

static uint16_t random_scale(void) {
  unsigned r = rnd() % 64;
  if (r == 0)
    return 0; /* zero */
  if (r == 1)
    return (uint16_t)(1 + rnd() % 1023); /* subnormal */
  /* 2^-10 .. 2^-3, random mantissa */
  return (uint16_t)(((5 + rnd() % 8) << 10) | (rnd() % 1024));
}

int main(void) {
  int bad = 0, cases = 0;
  int64_t Ms[] = {1, 3, 5, 13}, Ks[] = {64, 100}, Ns[] = {17, 40};
  int64_t bitsL[] = {4, 8}, groups[] = {16, 32, 128};
  for (int bi = 0; bi < 2; bi++)
    for (int gi = 0; gi < 3; gi++)
      for (int mi = 0; mi < 4; mi++)
        for (int ki = 0; ki < 2; ki++)
          for (int ni = 0; ni < 2; ni++)
            for (int z = 0; z < 2; z++) {
              int64_t M = Ms[mi], K = Ks[ki], N = Ns[ni], bits = bitsL[bi],
                      g = groups[gi];
              int64_t G = (K + g - 1) / g, blob = g * bits / 8;
              int64_t tiles = (N + 15) / 16, ps_n = tiles * G * 16;
              uint8_t *w = malloc(N * G * blob), *zp = malloc(N * G);
              uint8_t *pw = malloc(tiles * G * 16 * blob),
                      *pw16 = malloc(tiles * G * 16 * blob);
              uint16_t *h = malloc(2 * N * G), *ph = malloc(2 * ps_n);
              float *s = malloc(4 * N * G), *ps = malloc(4 * ps_n),
                    *pz = malloc(4 * ps_n), *pz16 = malloc(4 * ps_n);
              float *a = malloc(4 * M * K), *c32 = malloc(4 * M * N),
                    *c16 = malloc(4 * M * N);
              for (int64_t i = 0; i < N * G * blob; i++)
                w[i] = rnd();
              for (int64_t i = 0; i < N * G; i++) {
                h[i] = random_scale();
                s[i] = half_value(h[i]);
                zp[i] = rnd() % (1 << bits);
              }
              for (int64_t i = 0; i < M * K; i++)
                a[i] = (rnd() % 2001) / 1000.0f - 1;
              uint8_t *zpp = z ? zp : NULL;
              /* f32-activation kernel on the MatMulNBits layout */
              seqc_uk_qgemm(0, M, N, K, (intptr_t)a, K, 1, (intptr_t)w,
                            (intptr_t)s, (intptr_t)zpp, (intptr_t)c32, N, bits,
                            g);
              seqc_uk_qgemm(SEQC_QGEMM_F16_SCALES, M, N, K, (intptr_t)a, K, 1,
                            (intptr_t)w, (intptr_t)h, (intptr_t)zpp,
                            (intptr_t)c16, N, bits, g);
              int diff1 = memcmp(c32, c16, 4 * M * N) != 0;
              /* int8-activation kernel on packed tiles */
              seqc_uk_qgemm_pack(N, K, bits, g, w, s, zpp, pw, ps,
                                 z ? pz : NULL);
              seqc_uk_qgemm_pack_f16(N, K, bits, g, w, h, zpp, pw16, ph,
                                     z ? pz16 : NULL);
              seqc_uk_qgemm_packed(0, M, N, K, (intptr_t)a, K, 1, (intptr_t)pw,
                                   (intptr_t)ps, z ? (intptr_t)pz : 0,
                                   (intptr_t)c32, N, bits, g);
              seqc_uk_qgemm_packed(SEQC_QGEMM_F16_SCALES, M, N, K, (intptr_t)a,
                                   K, 1, (intptr_t)pw16, (intptr_t)ph,
                                   z ? (intptr_t)pz16 : 0, (intptr_t)c16, N,
                                   bits, g);
              int diff2 = memcmp(c32, c16, 4 * M * N) != 0;
              cases += 2;
              bad += diff1 + diff2;
              if ((diff1 || diff2) && bad < 10)
                printf("BAD bits=%ld g=%ld M=%ld K=%ld N=%ld z=%d qgemm=%d "
                       "packed=%d\n",
                       (long)bits, (long)g, (long)M, (long)K, (long)N, z, diff1,
                       diff2);
              free(w);
              free(zp);
              free(pw);
              free(pw16);
              free(h);
              free(ph);
              free(s);
              free(ps);
              free(pz);
              free(pz16);
              free(a);
              free(c32);
              free(c16);
            }
  printf("%s/%s: %d cases, bad=%d\n", seqc_uk_qgemm_kernel_name(),
         seqc_uk_qgemm_packed_kernel_name(), cases, bad);
  return bad != 0;
}
