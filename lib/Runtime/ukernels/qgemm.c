/*===- qgemm.c - f32 activations x int4/int8 block-quantized weights -*- C
 * -*-===*
 *
 * seqc_uk_qgemm is what seq.quant_matmul lowers to
 * (lib/Target/CPU/QuantMatMulToUkernel.cpp). The weight stays in its
 * quantized layout (qgemm_kernels.h) and is dequantized in registers:
 *
 * - m <= QG_GEMV_ROWS (decode): the activations are prepared once (padded,
 *   4-bit order, block sums), then column blocks run on the thread pool,
 *   QG_MAX_ROWS rows per pass of the GEMV kernel of this CPU;
 * - larger m (prefill): each column block is dequantized into a small f32
 *   panel (per task, in L2) and multiplied with seqc_uk_sgemm, so the
 *   dequantization is amortized over the m rows.
 *
 * The kernel is chosen like sgemm's: by CPUID, overridable with
 * SEQC_UKERNEL=generic|avx2|avx512 (seqc_uk_sgemm_kernel_name applies the
 * same rules), falling back to the portable kernel for group sizes the SIMD
 * kernels do not tile.
 *
 *===----------------------------------------------------------------------===*/

#include "qgemm_kernels.h"

#include "seqc/Runtime/seqc_parallel.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define QG_GEMV_ROWS 8 /* up to this many rows: GEMV kernel, else panels */
#define QG_COLS 16     /* columns per pool task unit */
#define QG_PANEL 64    /* columns per dequantized f32 panel */

static const seqc_qgemm_kernel *selected;
static pthread_once_t select_once = PTHREAD_ONCE_INIT;
static int trace;

static void select_kernel(void) {
  const char *t = getenv("SEQC_UK_TRACE");
  trace = t && *t && *t != '0';
  const char *name = seqc_uk_sgemm_kernel_name();
  selected = &seqc_qgemm_kernel_generic;
#if defined(__x86_64__)
  if (strcmp(name, "avx512") == 0)
    selected = &seqc_qgemm_kernel_avx512;
  else if (strcmp(name, "avx2") == 0)
    selected = &seqc_qgemm_kernel_avx2;
#endif
}

const char *seqc_uk_qgemm_kernel_name(void) {
  pthread_once(&select_once, select_kernel);
  return selected->name;
}

/*===----------------------------------------------------------------------===*
 * Decode: GEMV kernels over prepared activations
 *===----------------------------------------------------------------------===*/

typedef struct gemv_job {
  const seqc_qgemm_kernel *kern;
  qgemm_problem p; /* all rows; tasks take QG_MAX_ROWS at a time */
} gemv_job;

static void gemv_task(void *ctx, int64_t begin, int64_t end) {
  const gemv_job *j = ctx;
  int64_t n0 = begin * QG_COLS, n1 = end * QG_COLS;
  if (n1 > j->p.n)
    n1 = j->p.n;
  for (int64_t r = 0; r < j->p.m; r += QG_MAX_ROWS) {
    qgemm_problem p = j->p;
    p.m = p.m - r < QG_MAX_ROWS ? p.m - r : QG_MAX_ROWS;
    p.x += r * p.kpad;
    p.xsum += r * p.blocks;
    p.c += r * p.ldc;
    j->kern->gemv(&p, n0, n1);
  }
}

/* Copies row r of A into the kernel's order, zero padded to kpad, and its
 * block sums. */
static void prepare_row(const qgemm_problem *p, int lanes, const float *a,
                        int64_t sak, float *x, float *xsum) {
  for (int64_t g = 0; g < p->blocks; ++g) {
    float *dst = x + g * p->group;
    float sum = 0.0f;
    for (int64_t i = 0; i < p->group; ++i) {
      int64_t k = g * p->group + i;
      float v = k < p->k ? a[k * sak] : 0.0f;
      sum += v;
      int64_t pos = i;
      if (lanes && p->bits == 4) { /* chunk of 2L: [L even][L odd] */
        int64_t base = i / (2 * lanes) * (2 * lanes), off = i - base;
        pos = base + (off % 2) * lanes + off / 2;
      }
      dst[pos] = v;
    }
    xsum[g] = sum;
  }
}

static void run_gemv(const seqc_qgemm_kernel *kern, qgemm_problem *p,
                     const float *a, int64_t sam, int64_t sak) {
  float *buf = malloc(sizeof(float) * p->m * (p->kpad + p->blocks));
  if (!buf) {
    fprintf(stderr, "seqc_uk_qgemm: out of memory\n");
    abort();
  }
  for (int64_t r = 0; r < p->m; ++r)
    prepare_row(p, kern->lanes, a + r * sam, sak, buf + r * p->kpad,
                buf + p->m * p->kpad + r * p->blocks);
  gemv_job j = {kern, *p};
  j.p.x = buf;
  j.p.xsum = buf + p->m * p->kpad;
  int64_t units = (p->n + QG_COLS - 1) / QG_COLS;
  /* Small products are not worth a pool barrier. */
  if (seqc_get_num_threads() > 1 && !seqc_in_parallel_region() &&
      p->n * p->kpad * p->m >= (1 << 15))
    seqc_parallel_for(units, gemv_task, &j);
  else
    gemv_task(&j, 0, units);
  free(buf);
}

/*===----------------------------------------------------------------------===*
 * Prefill: dequantized f32 panels x seqc_uk_sgemm
 *===----------------------------------------------------------------------===*/

typedef struct panel_job {
  qgemm_problem p;
  const float *a;
  int64_t sam, sak;
} panel_job;

static void panel_task(void *ctx, int64_t begin, int64_t end) {
  const panel_job *j = ctx;
  const qgemm_problem *p = &j->p;
  float *panel = malloc(sizeof(float) * QG_PANEL * p->k);
  if (!panel) {
    fprintf(stderr, "seqc_uk_qgemm: out of memory\n");
    abort();
  }
  for (int64_t t = begin; t < end; ++t) {
    int64_t n0 = t * QG_PANEL;
    int64_t nc = p->n - n0 < QG_PANEL ? p->n - n0 : QG_PANEL;
    /* panel[j][k] = W[k, n0 + j] (column-major B, unit k stride) */
    for (int64_t jc = 0; jc < nc; ++jc) {
      int64_t n = n0 + jc;
      float *col = panel + jc * p->k;
      for (int64_t g = 0; g < p->blocks; ++g) {
        const uint8_t *blk = p->w + (n * p->blocks + g) * p->blob;
        float s = qg_scale(p, n, g), z = qg_zero_point(p, n, g);
        int64_t k0 = g * p->group;
        int64_t len = p->k - k0 < p->group ? p->k - k0 : p->group;
        if (p->bits == 4)
          for (int64_t i = 0; i < len; i += 2) {
            uint8_t b = blk[i / 2];
            col[k0 + i] = ((float)(b & 15) - z) * s;
            if (i + 1 < len)
              col[k0 + i + 1] = ((float)(b >> 4) - z) * s;
          }
        else
          for (int64_t i = 0; i < len; ++i)
            col[k0 + i] = ((float)blk[i] - z) * s;
      }
    }
    /* Nested in the pool's region, so it runs serially in this task. */
    seqc_uk_sgemm(0, 1, 1, 1, p->m, nc, p->k, (intptr_t)j->a, 0, 0, 0, j->sam,
                  j->sak, (intptr_t)panel, 0, 0, 0, 1, p->k,
                  (intptr_t)(p->c + n0), 0, 0, 0, p->ldc, 1);
  }
  free(panel);
}

/*===----------------------------------------------------------------------===*/

void seqc_uk_qgemm(int64_t flags, int64_t m, int64_t n, int64_t k, intptr_t a,
                   int64_t sam, int64_t sak, intptr_t w, intptr_t scales,
                   intptr_t zp, intptr_t c, int64_t ldc, int64_t bits,
                   int64_t group) {
  if (m <= 0 || n <= 0)
    return;
  pthread_once(&select_once, select_kernel);
  int f16 = (flags & SEQC_QGEMM_F16_SCALES) != 0;
  qgemm_problem p = {m,
                     n,
                     k,
                     bits,
                     group,
                     (k + group - 1) / group,
                     0,
                     group * bits / 8,
                     NULL,
                     NULL,
                     (const uint8_t *)w,
                     f16 ? NULL : (const float *)scales,
                     f16 ? (const uint16_t *)scales : NULL,
                     (const uint8_t *)zp,
                     (float *)c,
                     ldc};
  p.kpad = p.blocks * group;
  struct timespec t0, t1;
  if (trace)
    clock_gettime(CLOCK_MONOTONIC, &t0);
  const seqc_qgemm_kernel *kern = selected;
  if (group % kern->group_multiple != 0)
    kern = &seqc_qgemm_kernel_generic;
  if (m <= QG_GEMV_ROWS) {
    run_gemv(kern, &p, (const float *)a, sam, sak);
  } else {
    panel_job j = {p, (const float *)a, sam, sak};
    int64_t panels = (n + QG_PANEL - 1) / QG_PANEL;
    if (seqc_get_num_threads() > 1 && !seqc_in_parallel_region())
      seqc_parallel_for(panels, panel_task, &j);
    else
      panel_task(&j, 0, panels);
  }
  if (trace) {
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double us =
        (t1.tv_sec - t0.tv_sec) * 1e6 + (t1.tv_nsec - t0.tv_nsec) * 1e-3;
    fprintf(stderr,
            "seqc_uk_qgemm[%s]: m=%ld n=%ld k=%ld bits=%ld group=%ld zp=%d: "
            "%.1f us, %.1f GB/s of weights\n",
            kern->name, (long)m, (long)n, (long)k, (long)bits, (long)group,
            zp != 0, us, (double)n * p.blocks * p.blob / us * 1e-3);
  }
}
