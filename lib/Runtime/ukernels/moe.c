/*===- moe.c - grouped expert GEMMs of a mixture of experts --------*- C -*-===*
 *
 * seqc_uk_moe is what `seq-lower-moe` calls for every seq.moe: the routed
 * (token, slot) pairs are grouped by expert (counts, offsets, a stable
 * permutation), each selected ffn expert runs as
 *   U = X_e W_up_e^T,  H = act(U),  Y_e = H W_down_e^T
 * over only its tokens (rows of X_e gathered contiguously), on the sgemm
 * micro-kernels with the weights packed once per process when they are
 * constants (SEQC_UK_B_CONST: the packed copy is cached by address), and the
 * result is combined per token with the routing weights. MoE++ zero, copy and
 * constant experts run no matmul: they only add 0, x or a constant row.
 * An optional shared expert runs on every token, scaled by sigmoid(g . x).
 *
 * Threads: the expert GEMMs are tasks of the runtime pool, one per column
 * block of an expert (so a few active experts, and decode's k
 * matrix-vector products, still spread over the threads), the experts with
 * the most tokens first. The task decomposition depends only on the
 * routing, never on the thread count, and every output element is
 * written by one task in a fixed order, so results do not depend on the
 * number of threads.
 *
 *===----------------------------------------------------------------------===*/

#include "seqc/Runtime/seqc_parallel.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* SEQC_MOE_TRACE=1 prints every call's expert GEMM time and GFLOP/s. */
static int trace;
static pthread_once_t trace_once = PTHREAD_ONCE_INIT;
static void read_trace(void) {
  const char *v = getenv("SEQC_MOE_TRACE");
  trace = v && *v && *v != '0';
}

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec * 1e-3;
}

/* Flags and kinds as emitted by lib/Target/CPU/MoEToUkernel.cpp. */
enum {
  MOE_EXPERTS_CONST = 1,
  MOE_SHARED_CONST = 2,
  MOE_HAS_SHARED = 4,
  MOE_HAS_SHARED_GATE = 8,
};
enum { KIND_FFN = 0, KIND_ZERO = 1, KIND_COPY = 2, KIND_CONSTANT = 3 };
enum { ACT_SWIGLU = 0, ACT_GELU = 1, ACT_GELU_TANH = 2 };

/* Column blocks of an expert per task: wide enough for every micro-kernel's
 * NR and the sgemm's NC panel, narrow enough that a few active experts (and
 * decode's k matrix-vector products) still spread over the threads. */
#define MOE_COL_BLOCK 128

typedef struct moe_job {
  const float *up; /* element (n, k) at up[n * sun + k * suh] */
  int64_t sun, suh, n1, inter;
  const float *down; /* element (h, i) at down[h * sdh + i * sdi] */
  int64_t sdh, sdi;
  int64_t row0, rows; /* its rows of the grouped buffers */
  int bconst;
} moe_job;

typedef struct moe_ctx {
  const moe_job *jobs;
  int64_t h, ldu, ldh;
  int act;
  float *xs, *us, *hs, *ys;
  int64_t *task_job, *task_col; /* per task: job and first column */
  int64_t col_block;            /* 0: whole expert per task */
} moe_ctx;

static void sgemm_nt(int bconst, int64_t m, int64_t n, int64_t k,
                     const float *a, int64_t lda, const float *b, int64_t sbn,
                     int64_t sbk, float *c, int64_t ldc) {
  /* C[m, n] = A[m, k] * B^T where B's element (n, k) is b[n*sbn + k*sbk]. */
  seqc_uk_sgemm(bconst ? SEQC_UK_B_CONST : 0, 1, 1, 1, m, n, k, (intptr_t)a, 0,
                0, 0, lda, 1, (intptr_t)b, 0, 0, 0, sbk, sbn, (intptr_t)c, 0, 0,
                0, ldc, 1);
}

static float silu(float g) { return g / (1.0f + expf(-g)); }

static float gelu(float x, int tanh_form) {
  if (tanh_form) {
    float u = 0.7978845608028654f * (x + 0.044715f * x * x * x);
    return 0.5f * x * (1.0f + tanhf(u));
  }
  return 0.5f * x * (1.0f + erff(x * 0.7071067811865476f));
}

/* Up projection + activation of columns [c0, c1) of job j's hidden layer. */
static void run_up(const moe_ctx *cx, const moe_job *jb, int64_t c0,
                   int64_t c1) {
  int64_t m = jb->rows, w = c1 - c0;
  const float *a = cx->xs + jb->row0 * cx->h;
  float *u = cx->us + jb->row0 * cx->ldu;
  float *hh = cx->hs + jb->row0 * cx->ldh;
  sgemm_nt(jb->bconst, m, w, cx->h, a, cx->h, jb->up + c0 * jb->sun, jb->sun,
           jb->suh, u + c0, cx->ldu);
  if (cx->act == ACT_SWIGLU) {
    /* The up half: rows [inter + c0, inter + c1) of the weight. */
    sgemm_nt(jb->bconst, m, w, cx->h, a, cx->h,
             jb->up + (jb->inter + c0) * jb->sun, jb->sun, jb->suh,
             u + jb->inter + c0, cx->ldu);
    for (int64_t r = 0; r < m; ++r)
      for (int64_t c = c0; c < c1; ++c)
        hh[r * cx->ldh + c] =
            silu(u[r * cx->ldu + c]) * u[r * cx->ldu + jb->inter + c];
  } else {
    int tanh_form = cx->act == ACT_GELU_TANH;
    for (int64_t r = 0; r < m; ++r)
      for (int64_t c = c0; c < c1; ++c)
        hh[r * cx->ldh + c] = gelu(u[r * cx->ldu + c], tanh_form);
  }
}

/* Down projection of output columns [c0, c1) of job j. */
static void run_down(const moe_ctx *cx, const moe_job *jb, int64_t c0,
                     int64_t c1) {
  sgemm_nt(jb->bconst, jb->rows, c1 - c0, jb->inter,
           cx->hs + jb->row0 * cx->ldh, cx->ldh, jb->down + c0 * jb->sdh,
           jb->sdh, jb->sdi, cx->ys + jb->row0 * cx->h + c0, cx->h);
}

static void up_task(void *ctx, int64_t begin, int64_t end) {
  const moe_ctx *cx = ctx;
  for (int64_t t = begin; t < end; ++t) {
    const moe_job *jb = &cx->jobs[cx->task_job[t]];
    int64_t c0 = cx->task_col[t];
    int64_t c1 = cx->col_block ? c0 + cx->col_block : jb->inter;
    run_up(cx, jb, c0, c1 < jb->inter ? c1 : jb->inter);
  }
}

static void down_task(void *ctx, int64_t begin, int64_t end) {
  const moe_ctx *cx = ctx;
  for (int64_t t = begin; t < end; ++t) {
    const moe_job *jb = &cx->jobs[cx->task_job[t]];
    int64_t c0 = cx->task_col[t];
    int64_t c1 = cx->col_block ? c0 + cx->col_block : cx->h;
    run_down(cx, jb, c0, c1 < cx->h ? c1 : cx->h);
  }
}

/* Tasks over jobs x column blocks of `width(job)`, the jobs with the most
 * rows first (the pool hands out contiguous chunks of tasks in order, so the
 * longest tasks start early); returns the count. */
static int64_t make_tasks(const moe_job *jobs, int64_t njobs, int64_t block,
                          int use_h, int64_t h, int64_t *task_job,
                          int64_t *task_col, int64_t *order) {
  for (int64_t j = 0; j < njobs; ++j) {
    int64_t i = j;
    for (; i > 0 && jobs[order[i - 1]].rows < jobs[j].rows; --i)
      order[i] = order[i - 1];
    order[i] = j;
  }
  int64_t n = 0;
  for (int64_t o = 0; o < njobs; ++o) {
    int64_t j = order[o];
    int64_t width = use_h ? h : jobs[j].inter;
    int64_t step = block ? block : width;
    for (int64_t c = 0; c < width; c += step) {
      task_job[n] = j;
      task_col[n] = c;
      ++n;
    }
  }
  return n;
}

typedef struct combine_ctx {
  int64_t h, k, e;
  const float *x;
  int64_t sxt, sxh;
  const float *w;
  int64_t swt, swj;
  const int64_t *idx;
  int64_t sit, sij;
  const int32_t *kinds;
  const int64_t *slot; /* per expert: weight slot (ffn) or constant row */
  const int64_t *pos;  /* per (token, slot): row of ys, or -1 */
  const float *ys;
  const float *consts;
  int64_t scr, sch;
  const float *sgate; /* shared expert gate [H] or NULL */
  int64_t sgh;
  int64_t shared_row0; /* rows of the shared expert in ys, or -1 */
  float *out;
} combine_ctx;

static void combine_task(void *ctx, int64_t begin, int64_t end) {
  const combine_ctx *cc = ctx;
  int64_t h = cc->h;
  for (int64_t t = begin; t < end; ++t) {
    float *o = cc->out + t * h;
    const float *xt = cc->x + t * cc->sxt;
    memset(o, 0, (size_t)h * sizeof(float));
    for (int64_t j = 0; j < cc->k; ++j) {
      int64_t e = cc->idx[t * cc->sit + j * cc->sij];
      if (e < 0 || e >= cc->e)
        continue; /* not an expert: contributes nothing */
      float wt = cc->w[t * cc->swt + j * cc->swj];
      switch (cc->kinds[e]) {
      case KIND_FFN: {
        const float *y = cc->ys + cc->pos[t * cc->k + j] * h;
        for (int64_t c = 0; c < h; ++c)
          o[c] += wt * y[c];
        break;
      }
      case KIND_COPY:
        for (int64_t c = 0; c < h; ++c)
          o[c] += wt * xt[c * cc->sxh];
        break;
      case KIND_CONSTANT: {
        const float *r = cc->consts + cc->slot[e] * cc->scr;
        for (int64_t c = 0; c < h; ++c)
          o[c] += wt * r[c * cc->sch];
        break;
      }
      default: /* zero expert */
        break;
      }
    }
    if (cc->shared_row0 >= 0) {
      float g = 1.0f;
      if (cc->sgate) {
        float dot = 0.0f;
        for (int64_t c = 0; c < h; ++c)
          dot += xt[c * cc->sxh] * cc->sgate[c * cc->sgh];
        g = 1.0f / (1.0f + expf(-dot));
      }
      const float *y = cc->ys + (cc->shared_row0 + t) * h;
      for (int64_t c = 0; c < h; ++c)
        o[c] += g * y[c];
    }
  }
}

void seqc_uk_moe(int64_t flags, int64_t t, int64_t h, int64_t k, int64_t e,
                 int64_t act, intptr_t x, int64_t sxt, int64_t sxh, intptr_t w,
                 int64_t swt, int64_t swj, intptr_t idx, int64_t sit,
                 int64_t sij, intptr_t kinds, int64_t skd, int64_t n1,
                 intptr_t up, int64_t sue, int64_t sun, int64_t suh,
                 int64_t inter, intptr_t down, int64_t sde, int64_t sdh,
                 int64_t sdi, int64_t sn1, intptr_t sup, int64_t ssun,
                 int64_t ssuh, int64_t sinter, intptr_t sdown, int64_t ssdh,
                 int64_t ssdi, intptr_t sgate, int64_t ssg0, int64_t ssgh,
                 intptr_t consts, int64_t scr, int64_t sch, intptr_t out) {
  (void)n1;
  (void)sn1;
  (void)ssg0;
  if (t <= 0 || h <= 0)
    return;
  const float *xp = (const float *)x;
  const int64_t *ip = (const int64_t *)idx;
  int has_shared = (flags & MOE_HAS_SHARED) != 0;

  /* Kinds are a contiguous i32 constant; copy them to unit stride. */
  int32_t *kd = malloc((size_t)e * sizeof(int32_t));
  int64_t *slot = malloc((size_t)e * sizeof(int64_t));
  int64_t *count = calloc((size_t)e + 1, sizeof(int64_t));
  int64_t *pos = malloc((size_t)(t * k) * sizeof(int64_t));
  /* Jobs: every ffn expert (those without tokens are skipped) + shared. */
  moe_job *jobs = malloc((size_t)(e + 1) * sizeof(moe_job));
  int64_t rows_total = t * k + (has_shared ? t : 0);
  int64_t ldu = inter > sinter ? inter : sinter;
  ldu = 2 * ldu; /* room for the swiglu up half */
  int64_t ldh = inter > sinter ? inter : sinter;
  float *buf =
      malloc((size_t)rows_total * (size_t)(2 * h + ldu + ldh) * sizeof(float));
  int64_t max_tasks =
      (e + 1) * ((h > ldh ? h : ldh) + MOE_COL_BLOCK - 1) / MOE_COL_BLOCK + e +
      1;
  int64_t *task_job = malloc((size_t)max_tasks * sizeof(int64_t));
  int64_t *task_col = malloc((size_t)max_tasks * sizeof(int64_t));
  int64_t *order = malloc((size_t)(e + 1) * sizeof(int64_t));
  if (!kd || !slot || !count || !pos || !jobs || !buf || !task_job || !task_col)
    goto done; /* out of memory: the result stays unwritten */

  int64_t nffn = 0, nconst = 0;
  for (int64_t i = 0; i < e; ++i) {
    kd[i] = ((const int32_t *)kinds)[i * skd];
    slot[i] = kd[i] == KIND_FFN        ? nffn++
              : kd[i] == KIND_CONSTANT ? nconst++
                                       : 0;
  }
  /* Counting sort of the (token, slot) pairs by ffn expert, stable in t. */
  for (int64_t r = 0; r < t * k; ++r) {
    int64_t ex = ip[(r / k) * sit + (r % k) * sij];
    if (ex >= 0 && ex < e && kd[ex] == KIND_FFN)
      ++count[ex];
  }
  int64_t *offset = task_col; /* scratch until the tasks are built */
  int64_t njobs = 0, acc = 0;
  for (int64_t i = 0; i < e; ++i) {
    offset[i] = acc;
    if (kd[i] == KIND_FFN && count[i] > 0) {
      const float *u = (const float *)up + slot[i] * sue;
      const float *d = (const float *)down + slot[i] * sde;
      jobs[njobs] = (moe_job){u,
                              sun,
                              suh,
                              2 * inter,
                              inter,
                              d,
                              sdh,
                              sdi,
                              acc,
                              count[i],
                              (flags & MOE_EXPERTS_CONST) != 0};
      ++njobs;
    }
    acc += kd[i] == KIND_FFN ? count[i] : 0;
  }
  float *xs = buf, *ys = xs + rows_total * h, *us = ys + rows_total * h,
        *hs = us + rows_total * ldu;
  for (int64_t r = 0; r < t * k; ++r) {
    int64_t tok = r / k, ex = ip[tok * sit + (r % k) * sij];
    pos[r] = -1;
    if (ex < 0 || ex >= e || kd[ex] != KIND_FFN)
      continue;
    int64_t row = offset[ex]++;
    pos[r] = row;
    const float *src = xp + tok * sxt;
    float *dst = xs + row * h;
    for (int64_t c = 0; c < h; ++c)
      dst[c] = src[c * sxh];
  }
  int64_t shared_row0 = -1;
  if (has_shared) {
    shared_row0 = t * k;
    for (int64_t tok = 0; tok < t; ++tok)
      for (int64_t c = 0; c < h; ++c)
        xs[(shared_row0 + tok) * h + c] = xp[tok * sxt + c * sxh];
    jobs[njobs++] = (moe_job){(const float *)sup,
                              ssun,
                              ssuh,
                              2 * sinter,
                              sinter,
                              (const float *)sdown,
                              ssdh,
                              ssdi,
                              shared_row0,
                              t,
                              (flags & MOE_SHARED_CONST) != 0};
  }
  if (act != ACT_SWIGLU)
    for (int64_t j = 0; j < njobs; ++j)
      jobs[j].n1 = jobs[j].inter;

  moe_ctx cx = {jobs, h,  ldu, ldh,      (int)act, xs,
                us,   hs, ys,  task_job, task_col, MOE_COL_BLOCK};
  pthread_once(&trace_once, read_trace);
  double t0 = trace ? now_us() : 0.0;
  int64_t ntasks =
      make_tasks(jobs, njobs, cx.col_block, 0, h, task_job, task_col, order);
  seqc_parallel_for(ntasks, up_task, &cx);
  ntasks =
      make_tasks(jobs, njobs, cx.col_block, 1, h, task_job, task_col, order);
  seqc_parallel_for(ntasks, down_task, &cx);
  if (trace) {
    double us = now_us() - t0, flops = 0.0;
    for (int64_t j = 0; j < njobs; ++j)
      flops += 2.0 * (double)jobs[j].rows * (double)h *
               (double)((act == ACT_SWIGLU ? 3 : 2) * jobs[j].inter);
    fprintf(stderr,
            "seqc_uk_moe: tokens=%ld k=%ld experts=%ld active=%ld "
            "tasks=%ld flops=%.0f: %.1f us, %.1f GFLOP/s\n",
            (long)t, (long)k, (long)e, (long)njobs, (long)ntasks, flops, us,
            us > 0 ? flops / us * 1e-3 : 0.0);
  }

  combine_ctx cc = {h,
                    k,
                    e,
                    xp,
                    sxt,
                    sxh,
                    (const float *)w,
                    swt,
                    swj,
                    ip,
                    sit,
                    sij,
                    kd,
                    slot,
                    pos,
                    ys,
                    (const float *)consts,
                    scr,
                    sch,
                    (flags & MOE_HAS_SHARED_GATE) ? (const float *)sgate : NULL,
                    ssgh,
                    shared_row0,
                    (float *)out};
  seqc_parallel_for(t, combine_task, &cc);

done:
  free(kd);
  free(slot);
  free(count);
  free(pos);
  free(jobs);
  free(buf);
  free(task_job);
  free(task_col);
  free(order);
}
