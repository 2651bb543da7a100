/*===- sgemm.c - packed, cache-blocked, threaded f32 contraction ---*- C -*-===*
 *
 * seqc_uk_sgemm is what `seq-lower-to-ukernels` calls for every f32
 * contraction. Blocking follows BLIS/GotoBLAS: for each NC-wide column
 * panel and KC-deep slice, B (KC x NC) and A (M x KC) are packed into
 * micro-kernel order; then MC x NT tiles of C are computed by the
 * register-blocked micro-kernel (sgemm_kernel_*.c). A tile's A block stays
 * in L2 while the jr loop streams KC x NR B slivers through L1.
 *
 * Threading: batched problems with enough batches run one batch per task
 * (each thread packs into its own buffers); otherwise packing and the tile
 * loop of each panel are split across the pool.
 *
 *===----------------------------------------------------------------------===*/

#define _DEFAULT_SOURCE /* madvise's MADV_HUGEPAGE */

#include "sgemm_epilogue.h"
#include "sgemm_kernels.h"

#include "seqc/Runtime/seqc_parallel.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

#define KC                                                                     \
  512 /* one slice for the common k = 512: C is read and written once */
#define MC 132 /* multiple of every kernel's MR (6) */
#define NC                                                                     \
  128 /* C panel MC x NC (+ the A block) stays in L2 across KC slices */

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
static int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

/*===----------------------------------------------------------------------===*
 * Kernel selection (CPUID, overridable with SEQC_UKERNEL=generic|avx2|avx512)
 *===----------------------------------------------------------------------===*/

#if defined(__x86_64__)
static unsigned long long xgetbv0(void) {
  unsigned lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return ((unsigned long long)hi << 32) | lo;
}

static void detect_x86(int *avx2, int *avx512) {
  unsigned a, b, c, d;
  *avx2 = *avx512 = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d))
    return;
  int fma = (c >> 12) & 1, osxsave = (c >> 27) & 1;
  if (!osxsave)
    return;
  unsigned long long xcr0 = xgetbv0();
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
    return;
  int ymm = (xcr0 & 0x6) == 0x6, zmm = (xcr0 & 0xe6) == 0xe6;
  *avx2 = ymm && fma && ((b >> 5) & 1);
  *avx512 = zmm && ((b >> 16) & 1);
}
#endif

static const seqc_sgemm_kernel *selected;
static pthread_once_t select_once = PTHREAD_ONCE_INIT;

static int trace; /* $SEQC_UK_TRACE: print every call's shape and time */
static int tasks_per_thread = 2; /* $SEQC_UK_TASKS_PER_THREAD */

static void select_kernel(void) {
  const char *tpt = getenv("SEQC_UK_TASKS_PER_THREAD");
  if (tpt && atoi(tpt) >= 1)
    tasks_per_thread = atoi(tpt);
  const char *t = getenv("SEQC_UK_TRACE");
  trace = t && *t && *t != '0';
  const char *want = getenv("SEQC_UKERNEL");
  selected = &seqc_sgemm_kernel_generic;
#if defined(__x86_64__)
  int avx2, avx512;
  detect_x86(&avx2, &avx512);
  if (want && strcmp(want, "generic") == 0)
    return;
  if (avx512 && !(want && strcmp(want, "avx2") == 0))
    selected = &seqc_sgemm_kernel_avx512;
  else if (avx2)
    selected = &seqc_sgemm_kernel_avx2;
#else
  (void)want;
#endif
}

const char *seqc_uk_sgemm_kernel_name(void) {
  pthread_once(&select_once, select_kernel);
  return selected->name;
}

/*===----------------------------------------------------------------------===*
 * One 2-D problem: C (+)= A * B with element strides
 *===----------------------------------------------------------------------===*/

typedef struct gemm2d {
  const seqc_sgemm_kernel *kern;
  int64_t m, n, k;
  const float *a, *b;
  float *c;
  int64_t sam, sak, sbk, sbn, scm, scn;
  int accumulate;
  const seqc_sgemm_ep *ep; /* NULL: no epilogue */
  const float *et[SEQC_EP_MAX_TERMS]; /* ep's terms for this problem */
} gemm2d;

/* Packs rows [i0, i0+mc) x cols [p0, p0+kc) of A as MR-row slivers. */
static void pack_a(const gemm2d *g, int64_t i0, int64_t mc, int64_t p0,
                   int64_t kc, float *dst) {
  int mr = g->kern->mr;
  for (int64_t s = 0; s < mc; s += mr) {
    int64_t rows = min64(mr, mc - s);
    float *d = dst + s * kc;
    const float *src = g->a + (i0 + s) * g->sam + p0 * g->sak;
    for (int64_t r = 0; r < rows; ++r) {
      const float *row = src + r * g->sam;
      if (g->sak == 1)
        for (int64_t p = 0; p < kc; ++p)
          d[p * mr + r] = row[p];
      else
        for (int64_t p = 0; p < kc; ++p)
          d[p * mr + r] = row[p * g->sak];
    }
    for (int64_t r = rows; r < mr; ++r)
      for (int64_t p = 0; p < kc; ++p)
        d[p * mr + r] = 0.0f;
  }
}

/* Packs rows [p0, p0+kc) x cols [j0, j0+nc) of B as NR-column slivers. */
static void pack_b(const gemm2d *g, int64_t j0, int64_t nc, int64_t p0,
                   int64_t kc, float *dst) {
  int nr = g->kern->nr;
  for (int64_t s = 0; s < nc; s += nr) {
    int64_t cols = min64(nr, nc - s);
    float *d = dst + s * kc;
    const float *src = g->b + p0 * g->sbk + (j0 + s) * g->sbn;
    if (g->sbn == 1 && cols == nr) {
      for (int64_t p = 0; p < kc; ++p)
        memcpy(d + p * nr, src + p * g->sbk, sizeof(float) * nr);
      continue;
    }
    for (int64_t p = 0; p < kc; ++p) {
      for (int64_t j = 0; j < cols; ++j)
        d[p * nr + j] = src[p * g->sbk + j * g->sbn];
      for (int64_t j = cols; j < nr; ++j)
        d[p * nr + j] = 0.0f;
    }
  }
}

/* C[i0:i0+mc, j0:j0+nc] from packed A rows (ap) and packed B cols (bp). */
/* `ep` (last K slice only) finishes each tile while it is in L1. */
static void macro_tile(const gemm2d *g, int64_t i0, int64_t mc, int64_t j0,
                       int64_t nc, int64_t kc, const float *ap, const float *bp,
                       int accumulate, const seqc_sgemm_ep *ep) {
  int mr = g->kern->mr, nr = g->kern->nr;
  for (int64_t jr = 0; jr < nc; jr += nr)
    for (int64_t ir = 0; ir < mc; ir += mr) {
      float *ct = g->c + (i0 + ir) * g->scm + (j0 + jr) * g->scn;
      g->kern->fn(kc, ap + ir * kc, bp + jr * kc, ct, g->scm, g->scn,
                  min64(mr, mc - ir), min64(nr, nc - jr), accumulate);
      if (ep)
        seqc_sgemm_ep_tile(ep, g->et, i0 + ir, j0 + jr, ct, g->scm, g->scn,
                           min64(mr, mc - ir), min64(nr, nc - jr));
    }
}

/* Grow-only per-thread packing buffer (64-byte aligned). */
static _Thread_local float *tl_buf;
static _Thread_local size_t tl_cap;

static float *scratch(size_t floats) {
  if (floats > tl_cap) {
    free(tl_buf);
    size_t bytes = round_up((int64_t)(floats * sizeof(float)), 64);
    tl_buf = aligned_alloc(64, bytes);
    tl_cap = tl_buf ? floats : 0;
  }
  return tl_buf;
}

static void zero_or_keep(const gemm2d *g) {
  if (!g->accumulate)
    for (int64_t i = 0; i < g->m; ++i)
      for (int64_t j = 0; j < g->n; ++j)
        g->c[i * g->scm + j * g->scn] = 0.0f;
  if (g->ep)
    seqc_sgemm_ep_tile(g->ep, g->et, 0, 0, g->c, g->scm, g->scn, g->m, g->n);
}

/* C[i0:i0+mc, ...] like macro_tile, A read in place from row i0, column p0. */
static void macro_tile_direct(const gemm2d *g, int64_t i0, int64_t mc,
                              int64_t j0, int64_t nc, int64_t p0, int64_t kc,
                              const float *bp, int accumulate,
                              const seqc_sgemm_ep *ep) {
  int mr = g->kern->mr, nr = g->kern->nr;
  const float *a = g->a + i0 * g->sam + p0;
  for (int64_t jr = 0; jr < nc; jr += nr)
    for (int64_t ir = 0; ir < mc; ir += mr) {
      float *ct = g->c + (i0 + ir) * g->scm + (j0 + jr) * g->scn;
      g->kern->direct(kc, a + ir * g->sam, g->sam, bp + jr * kc, ct, g->scm,
                      g->scn, min64(mr, mc - ir), min64(nr, nc - jr),
                      accumulate);
      if (ep)
        seqc_sgemm_ep_tile(ep, g->et, i0 + ir, j0 + jr, ct, g->scm, g->scn,
                           min64(mr, mc - ir), min64(nr, nc - jr));
    }
}

/* C[i0:i1, j0:j1] (+)= A * B in BLIS loop order: NC-wide column panels, KC
 * slices (B packed once per slice, KC x NR slivers streaming through L1),
 * MC-row blocks of A (in L2), then MR x NR micro-tiles. A is read in place
 * when the kernel can (unit k stride), else packed per block. `bpre` is B
 * already packed for the whole problem (a cached constant: slice q at
 * bpre + q * nPad * KC, column j's sliver at + j * kc) or NULL. */
static void gemm_block(const gemm2d *g, int64_t i0, int64_t i1, int64_t j0,
                       int64_t j1, const float *bpre) {
  int mr = g->kern->mr, nr = g->kern->nr;
  int direct = g->kern->direct && g->sak == 1;
  int64_t kcMax = min64(KC, g->k), ncMax = round_up(min64(NC, j1 - j0), nr);
  int64_t mcMax = round_up(min64(MC, i1 - i0), mr);
  size_t bsize = bpre ? 0 : (size_t)(kcMax * ncMax);
  size_t asize = direct ? 0 : (size_t)(kcMax * mcMax);
  float *buf = NULL;
  if (bsize + asize) {
    buf = scratch(bsize + asize + 16);
    if (!buf)
      abort();
  }
  float *bp = buf, *ap = buf + bsize;
  int64_t nPad = round_up(g->n, nr);
  for (int64_t jc = j0; jc < j1; jc += NC) {
    int64_t nc = min64(NC, j1 - jc);
    for (int64_t pc = 0; pc < g->k; pc += KC) {
      int64_t kc = min64(KC, g->k - pc);
      int acc = g->accumulate || pc > 0;
      const seqc_sgemm_ep *ep = pc + kc >= g->k ? g->ep : NULL;
      const float *bpanel = bp;
      if (bpre)
        bpanel = bpre + (pc / KC) * nPad * KC + jc * kc;
      else
        pack_b(g, jc, nc, pc, kc, bp);
      for (int64_t ic = i0; ic < i1; ic += MC) {
        int64_t mc = min64(MC, i1 - ic);
        if (direct) {
          macro_tile_direct(g, ic, mc, jc, nc, pc, kc, bpanel, acc, ep);
          continue;
        }
        pack_a(g, ic, mc, pc, kc, ap);
        macro_tile(g, ic, mc, jc, nc, kc, ap, bpanel, acc, ep);
      }
    }
  }
}

static void gemm_serial(const gemm2d *g) {
  if (g->k == 0)
    return zero_or_keep(g);
  gemm_block(g, 0, g->m, 0, g->n, NULL);
}

/* Threaded: C split into blocks that share nothing, so one pool barrier per
 * call. Columns first (each task packs only its own B columns and streams
 * its own B panel), rows when that balances the threads better: the grid is
 * the one whose largest block is the smallest (llama's n = 1408 is 22 columns
 * of 64: 4 column blocks give one thread 12 of 22, 2 x 2 blocks 11). Block
 * edges are whole MR x NR units, spread evenly. */
typedef struct blocks {
  const gemm2d *g;
  const float *bpre;
  int64_t mUnits, nUnits, mt, nt;
} blocks;

static void block_task(void *ctx, int64_t begin, int64_t end) {
  blocks *p = ctx;
  const gemm2d *g = p->g;
  int64_t mr = g->kern->mr, nr = g->kern->nr;
  for (int64_t t = begin; t < end; ++t) {
    int64_t ti = t / p->nt, tj = t % p->nt;
    int64_t i0 = ti * p->mUnits / p->mt * mr,
            i1 = min64((ti + 1) * p->mUnits / p->mt * mr, g->m);
    int64_t j0 = tj * p->nUnits / p->nt * nr,
            j1 = min64((tj + 1) * p->nUnits / p->nt * nr, g->n);
    gemm_block(g, i0, i1, j0, j1, p->bpre);
  }
}

static void gemm_parallel(const gemm2d *g, int threads, const float *bpre) {
  if (g->k == 0)
    return zero_or_keep(g);
  int mr = g->kern->mr, nr = g->kern->nr;
  int64_t nUnits = (g->n + nr - 1) / nr, mUnits = (g->m + mr - 1) / mr;
  int64_t want = (int64_t)tasks_per_thread * threads;
  blocks p = {g, bpre, mUnits, nUnits, 1, 1};
  double best = -1;
  for (int64_t nt = min64(nUnits, want); nt >= 1; --nt) {
    int64_t mt = min64(mUnits, (want + nt - 1) / nt), tasks = nt * mt;
    /* Busiest thread's share of the units when tasks are dealt out evenly. */
    double big = (double)((nUnits + nt - 1) / nt) * ((mUnits + mt - 1) / mt);
    double eff = (double)(nUnits * mUnits) /
                 (big * (double)((tasks + threads - 1) / threads) * threads);
    if (eff > best + 1e-9) {
      best = eff;
      p.nt = nt;
      p.mt = mt;
    }
  }
  seqc_parallel_for(p.mt * p.nt, block_task, &p);
}

/*===----------------------------------------------------------------------===*
 * Packed constant B (weights), packed once per process like onnxruntime's
 * pre-packing. Only for operands the compiler proved constant
 * (SEQC_UK_B_CONST): their address and contents never change.
 *===----------------------------------------------------------------------===*/

typedef struct bcache_entry {
  const float *b;
  int64_t k, n, sbk, sbn;
  const seqc_sgemm_kernel *kern;
  float *packed;
} bcache_entry;

/* Packed weights in 2 MiB pages where the system gives them on request
 * (transparent huge pages "madvise"): the micro-kernels stream each B sliver
 * from DRAM once, and with 4 KiB pages that stream stalls at every page (a
 * TLB miss; hardware prefetchers stop at page ends). Weights up to 4 MiB
 * share 16 MiB arenas (a small weight alone would waste most of its huge
 * page); larger ones get their own, rounded up to whole huge pages when that
 * wastes at most a fifth, else only their whole huge pages are advised.
 * Called with bcache_mu held; never freed (like the cache). */
#define HUGE_PAGE ((size_t)1 << 21)
#define ARENA (8 * HUGE_PAGE)

static void *huge_alloc(size_t size) {
  void *p = NULL;
  if (posix_memalign(&p, HUGE_PAGE, size) != 0)
    return NULL;
#if defined(MADV_HUGEPAGE)
  if (size >= HUGE_PAGE) /* a hint: may fail */
    madvise(p, size / HUGE_PAGE * HUGE_PAGE, MADV_HUGEPAGE);
#endif
  return p;
}

static void *packed_alloc(size_t bytes) {
  static char *arena;
  static size_t arena_used = ARENA;
  bytes = (size_t)round_up((int64_t)bytes, 4096);
  if (bytes > ARENA / 4) {
    size_t up = (size_t)round_up((int64_t)bytes, (int64_t)HUGE_PAGE);
    return huge_alloc((up - bytes) * 5 <= bytes ? up : bytes);
  }
  if (arena_used + bytes > ARENA) {
    char *fresh = huge_alloc(ARENA);
    if (!fresh)
      return NULL;
    arena = fresh;
    arena_used = 0;
  }
  void *p = arena + arena_used;
  arena_used += bytes;
  return p;
}

static pthread_mutex_t bcache_mu = PTHREAD_MUTEX_INITIALIZER;
static bcache_entry *bcache;
static size_t bcache_len, bcache_cap;

static float *packed_constant_b(const gemm2d *g) {
  pthread_mutex_lock(&bcache_mu);
  for (size_t i = 0; i < bcache_len; ++i) {
    bcache_entry *e = &bcache[i];
    if (e->b == g->b && e->k == g->k && e->n == g->n && e->sbk == g->sbk &&
        e->sbn == g->sbn && e->kern == g->kern) {
      pthread_mutex_unlock(&bcache_mu);
      return e->packed;
    }
  }
  float *out = NULL;
  if (bcache_len == bcache_cap) {
    size_t cap = bcache_cap ? 2 * bcache_cap : 64;
    bcache_entry *grown = realloc(bcache, cap * sizeof(bcache_entry));
    if (!grown)
      goto done;
    bcache = grown;
    bcache_cap = cap;
  }
  int64_t nPad = round_up(g->n, g->kern->nr), slices = (g->k + KC - 1) / KC;
  /* Slice q at q * nPad * KC holds nPad * min(KC, k - q * KC) floats: the
   * last one ends at nPad * k. */
  out = packed_alloc((size_t)(nPad * g->k) * sizeof(float));
  if (!out)
    goto done;
  for (int64_t q = 0; q < slices; ++q)
    pack_b(g, 0, g->n, q * KC, min64(KC, g->k - q * KC), out + q * nPad * KC);
  bcache[bcache_len++] =
      (bcache_entry){g->b, g->k, g->n, g->sbk, g->sbn, g->kern, out};
done:
  pthread_mutex_unlock(&bcache_mu);
  return out; /* NULL: pack per call as usual */
}

/*===----------------------------------------------------------------------===*
 * Batched entry point
 *===----------------------------------------------------------------------===*/

typedef struct batched {
  gemm2d g;
  int64_t b1, b2;
  int64_t sa[3], sb[3], sc[3];
} batched;

static gemm2d batch_problem(const batched *bt, int64_t idx) {
  int64_t i0 = idx / (bt->b1 * bt->b2), i1 = idx / bt->b2 % bt->b1,
          i2 = idx % bt->b2;
  gemm2d g = bt->g;
  g.a += i0 * bt->sa[0] + i1 * bt->sa[1] + i2 * bt->sa[2];
  g.b += i0 * bt->sb[0] + i1 * bt->sb[1] + i2 * bt->sb[2];
  g.c += i0 * bt->sc[0] + i1 * bt->sc[1] + i2 * bt->sc[2];
  if (g.ep)
    for (int t = 0; t < g.ep->nterm; ++t)
      g.et[t] = g.ep->t[t] + i0 * g.ep->ts[t][0] + i1 * g.ep->ts[t][1] +
                i2 * g.ep->ts[t][2];
  return g;
}

static void batch_task(void *ctx, int64_t begin, int64_t end) {
  for (int64_t t = begin; t < end; ++t) {
    gemm2d g = batch_problem(ctx, t);
    gemm_serial(&g);
  }
}

static void run_batched(batched *bt, int64_t batches, double flops,
                        int bconst) {
  int threads = seqc_in_parallel_region() ? 1 : seqc_get_num_threads();
  // One B shared by all batches (weights): use its cached packed copy.
  if (bconst && bt->sb[0] == 0 && bt->sb[1] == 0 && bt->sb[2] == 0 &&
      bt->g.k > 0) {
    float *bp = packed_constant_b(&bt->g);
    if (bp) {
      for (int64_t t = 0; t < batches; ++t) {
        gemm2d g = batch_problem(bt, t);
        gemm_parallel(&g, threads, bp);
      }
      return;
    }
  }
  if (threads > 1 && batches > 1 &&
      (batches >= 2 * threads || batches % threads == 0 || flops < 4e6)) {
    seqc_parallel_for(batches, batch_task, bt);
    return;
  }
  for (int64_t t = 0; t < batches; ++t) {
    gemm2d g = batch_problem(bt, t);
    if (threads > 1 && flops * batches >= 2e5)
      gemm_parallel(&g, threads, NULL);
    else
      gemm_serial(&g);
  }
}

static void sgemm_entry(int64_t flags, int64_t b0, int64_t b1, int64_t b2,
                        int64_t m, int64_t n, int64_t k, intptr_t a,
                        int64_t sa0, int64_t sa1, int64_t sa2, int64_t sam,
                        int64_t sak, intptr_t b, int64_t sb0, int64_t sb1,
                        int64_t sb2, int64_t sbk, int64_t sbn, intptr_t c,
                        int64_t sc0, int64_t sc1, int64_t sc2, int64_t scm,
                        int64_t scn, const seqc_sgemm_ep *ep) {
  if (b0 <= 0 || b1 <= 0 || b2 <= 0 || m <= 0 || n <= 0)
    return;
  batched bt = {{selected, m, n, k, (const float *)a, (const float *)b,
                 (float *)c, sam, sak, sbk, sbn, scm, scn,
                 (int)(flags & SEQC_UK_ACCUMULATE), ep, {0}},
                b1,
                b2,
                {sa0, sa1, sa2},
                {sb0, sb1, sb2},
                {sc0, sc1, sc2}};
  int64_t batches = b0 * b1 * b2;
  int bconst = (flags & SEQC_UK_B_CONST) != 0;
  double flops = 2.0 * (double)m * (double)n * (double)k;
  if (!trace)
    return run_batched(&bt, batches, flops, bconst);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  run_batched(&bt, batches, flops, bconst);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double us = (t1.tv_sec - t0.tv_sec) * 1e6 + (t1.tv_nsec - t0.tv_nsec) * 1e-3;
  fprintf(stderr,
          "seqc_uk_sgemm[%s]: batch %ldx%ldx%ld m=%ld n=%ld k=%ld a(%ld,%ld) "
          "b(%ld,%ld) c(%ld,%ld) flags=%ld%s%s: %.1f us, %.1f GFLOP/s\n",
          selected->name, (long)b0, (long)b1, (long)b2, (long)m, (long)n,
          (long)k, (long)sam, (long)sak, (long)sbk, (long)sbn, (long)scm,
          (long)scn, (long)flags, ep ? " +epilogue" : "",
          seqc_in_parallel_region() ? " in-region" : "", us,
          flops * batches / us * 1e-3);
}

void seqc_uk_sgemm(int64_t flags, int64_t b0, int64_t b1, int64_t b2, int64_t m,
                   int64_t n, int64_t k, intptr_t a, int64_t sa0, int64_t sa1,
                   int64_t sa2, int64_t sam, int64_t sak, intptr_t b,
                   int64_t sb0, int64_t sb1, int64_t sb2, int64_t sbk,
                   int64_t sbn, intptr_t c, int64_t sc0, int64_t sc1,
                   int64_t sc2, int64_t scm, int64_t scn) {
  pthread_once(&select_once, select_kernel);
  sgemm_entry(flags, b0, b1, b2, m, n, k, a, sa0, sa1, sa2, sam, sak, b, sb0,
              sb1, sb2, sbk, sbn, c, sc0, sc1, sc2, scm, scn, NULL);
}

void seqc_uk_sgemm_ep(int64_t flags, int64_t b0, int64_t b1, int64_t b2,
                      int64_t m, int64_t n, int64_t k, intptr_t a, int64_t sa0,
                      int64_t sa1, int64_t sa2, int64_t sam, int64_t sak,
                      intptr_t b, int64_t sb0, int64_t sb1, int64_t sb2,
                      int64_t sbk, int64_t sbn, intptr_t c, int64_t sc0,
                      int64_t sc1, int64_t sc2, int64_t scm, int64_t scn,
                      intptr_t desc) {
  pthread_once(&select_once, select_kernel);
  seqc_sgemm_ep ep;
  int isa = 0;
#if defined(__x86_64__)
  isa = selected == &seqc_sgemm_kernel_avx512 ? 2
        : selected == &seqc_sgemm_kernel_avx2 ? 1
                                              : 0;
#endif
  if (!desc || !seqc_sgemm_ep_init(&ep, (const int64_t *)desc, isa)) {
    fprintf(stderr, "seqc_uk_sgemm_ep: malformed epilogue descriptor\n");
    abort();
  }
  sgemm_entry(flags, b0, b1, b2, m, n, k, a, sa0, sa1, sa2, sam, sak, b, sb0,
              sb1, sb2, sbk, sbn, c, sc0, sc1, sc2, scm, scn, &ep);
}
