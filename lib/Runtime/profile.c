/*===- profile.c - time per kernel / region (seq-run --profile) ---*- C -*-===*
 *
 * Artifacts compiled with `seqc --profile-hooks` call seqc_prof_begin/end
 * around every kernel call, parallel region and loop nest (pass
 * seq-profile-hooks, lib/Target/CPU/ProfileHooks.cpp), with a pointer to
 * their module's static table of sites. While profiling is off a hook
 * returns after one relaxed load and branch. On, the caller's thread notes
 * the start time and the end adds the elapsed time, one call and the site's
 * FLOPs to its counters (atomics: sessions may run on several threads). A
 * table is registered in a process-wide list the first time one of its
 * hooks runs while profiling is on. Hooks are only in code the calling
 * thread runs (not in the outlined parallel bodies), and sites never nest.
 *
 * Profiling is on between seqc_profile_enable(1) and (0), or for the whole
 * process with SEQC_PROFILE=1, which prints the report to stderr at exit.
 *
 *===----------------------------------------------------------------------===*/

#include "seqc/Runtime/seqc_runtime.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SEQC_API __attribute__((visibility("default")))

/* Layout emitted by seq-profile-hooks (ProfileHooks.cpp, version 1). */
typedef struct seqc_prof_site {
  const char *name;
  _Atomic int64_t calls, ns, flops;
  int64_t flags; /* bit 0: flops are an upper bound */
} seqc_prof_site;

typedef struct seqc_prof_table {
  int64_t version, num_sites;
  const char *label;
  struct seqc_prof_table *next; /* registration list */
  _Atomic int64_t registered, runs, run_ns;
  seqc_prof_site sites[];
} seqc_prof_table;

/* Hooks the compiled code calls (not in seqc_runtime.h). */
void seqc_prof_begin(seqc_prof_table *t, int64_t id);
void seqc_prof_end(seqc_prof_table *t, int64_t id, int64_t flops);
void seqc_prof_run_begin(seqc_prof_table *t);
void seqc_prof_run_end(seqc_prof_table *t);

static _Atomic int enabled;
static pthread_mutex_t tables_mu = PTHREAD_MUTEX_INITIALIZER;
static seqc_prof_table *tables; /* registered, newest first */
static _Thread_local int64_t site_start, run_start;

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline int on(void) {
  return __builtin_expect(atomic_load_explicit(&enabled, memory_order_relaxed),
                          0);
}

static void register_table(seqc_prof_table *t) {
  if (atomic_load_explicit(&t->registered, memory_order_acquire))
    return;
  pthread_mutex_lock(&tables_mu);
  if (!atomic_load_explicit(&t->registered, memory_order_relaxed) &&
      t->version == 1) {
    t->next = tables;
    tables = t;
    atomic_store_explicit(&t->registered, 1, memory_order_release);
  }
  pthread_mutex_unlock(&tables_mu);
}

void seqc_prof_begin(seqc_prof_table *t, int64_t id) {
  (void)t;
  (void)id;
  if (!on())
    return;
  site_start = now_ns();
}

void seqc_prof_end(seqc_prof_table *t, int64_t id, int64_t flops) {
  if (!on() || site_start == 0)
    return;
  int64_t d = now_ns() - site_start;
  site_start = 0;
  if (id < 0 || id >= t->num_sites)
    return;
  register_table(t);
  seqc_prof_site *s = &t->sites[id];
  atomic_fetch_add_explicit(&s->ns, d, memory_order_relaxed);
  atomic_fetch_add_explicit(&s->calls, 1, memory_order_relaxed);
  if (flops > 0)
    atomic_fetch_add_explicit(&s->flops, flops, memory_order_relaxed);
}

void seqc_prof_run_begin(seqc_prof_table *t) {
  (void)t;
  if (!on())
    return;
  run_start = now_ns();
}

void seqc_prof_run_end(seqc_prof_table *t) {
  if (!on() || run_start == 0)
    return;
  int64_t d = now_ns() - run_start;
  run_start = 0;
  register_table(t);
  atomic_fetch_add_explicit(&t->run_ns, d, memory_order_relaxed);
  atomic_fetch_add_explicit(&t->runs, 1, memory_order_relaxed);
}

SEQC_API void seqc_profile_enable(int32_t on_) {
  site_start = run_start = 0;
  atomic_store(&enabled, on_ != 0);
}

SEQC_API int32_t seqc_profile_enabled(void) { return atomic_load(&enabled); }

SEQC_API void seqc_profile_reset(void) {
  pthread_mutex_lock(&tables_mu);
  for (seqc_prof_table *t = tables; t; t = t->next) {
    atomic_store(&t->runs, 0);
    atomic_store(&t->run_ns, 0);
    for (int64_t i = 0; i < t->num_sites; ++i) {
      atomic_store(&t->sites[i].calls, 0);
      atomic_store(&t->sites[i].ns, 0);
      atomic_store(&t->sites[i].flops, 0);
    }
  }
  pthread_mutex_unlock(&tables_mu);
}

SEQC_API int64_t seqc_profile_run_ns(int64_t *runs) {
  int64_t ns = 0, n = 0;
  pthread_mutex_lock(&tables_mu);
  for (seqc_prof_table *t = tables; t; t = t->next) {
    ns += atomic_load(&t->run_ns);
    n += atomic_load(&t->runs);
  }
  pthread_mutex_unlock(&tables_mu);
  if (runs)
    *runs = n;
  return ns;
}

static int by_time(const void *a, const void *b) {
  const seqc_profile_row *x = a, *y = b;
  if (x->ns != y->ns)
    return x->ns < y->ns ? 1 : -1;
  return strcmp(x->name, y->name);
}

/* Every site that ran, slowest first. */
static int64_t collect(seqc_profile_row **out) {
  pthread_mutex_lock(&tables_mu);
  int64_t n = 0;
  for (seqc_prof_table *t = tables; t; t = t->next)
    for (int64_t i = 0; i < t->num_sites; ++i)
      n += atomic_load(&t->sites[i].calls) > 0;
  seqc_profile_row *rows = calloc(n ? (size_t)n : 1, sizeof *rows);
  int64_t k = 0;
  for (seqc_prof_table *t = tables; t && rows; t = t->next)
    for (int64_t i = 0; i < t->num_sites && k < n; ++i) {
      seqc_prof_site *s = &t->sites[i];
      int64_t calls = atomic_load(&s->calls);
      if (!calls)
        continue;
      rows[k++] = (seqc_profile_row){s->name,
                                     t->label,
                                     calls,
                                     atomic_load(&s->ns),
                                     atomic_load(&s->flops),
                                     s->flags & 1};
    }
  pthread_mutex_unlock(&tables_mu);
  if (!rows)
    return -1;
  qsort(rows, (size_t)k, sizeof *rows, by_time);
  *out = rows;
  return k;
}

SEQC_API int64_t seqc_profile_rows(seqc_profile_row *rows, int64_t capacity) {
  seqc_profile_row *all = NULL;
  int64_t n = collect(&all);
  if (n < 0)
    return -1;
  for (int64_t i = 0; i < n && i < capacity && rows; ++i)
    rows[i] = all[i];
  free(all);
  return n;
}

/* A growing string. */
typedef struct {
  char *p;
  size_t len, cap;
} sbuf;

__attribute__((format(printf, 2, 3))) static void put(sbuf *b, const char *fmt,
                                                      ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0 || !b->p)
    return;
  if (b->len + (size_t)n + 1 > b->cap) {
    size_t cap = (b->cap + (size_t)n + 1) * 2;
    char *p = realloc(b->p, cap);
    if (!p) {
      free(b->p);
      b->p = NULL;
      return;
    }
    b->p = p;
    b->cap = cap;
  }
  va_start(ap, fmt);
  vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

static void put_row(sbuf *b, double ms, double share, double calls,
                    const char *gflops, const char *label, const char *name) {
  char c[32] = "";
  if (calls >= 0)
    snprintf(c, sizeof c, "%.*f", calls == (double)(int64_t)calls ? 0 : 1,
             calls);
  put(b, "%10.3f %6.1f%% %9s %8s  %s%s%s\n", ms, share, c, gflops, label,
      *label ? ": " : "", name);
}

SEQC_API int64_t seqc_profile_format(char *buf, int64_t capacity,
                                     int64_t total_ns, int64_t runs,
                                     int64_t max_rows) {
  seqc_profile_row *rows = NULL;
  int64_t n = collect(&rows);
  if (n < 0)
    return -1;
  int64_t table_runs = 0, table_ns = seqc_profile_run_ns(&table_runs);
  int64_t sum = 0;
  for (int64_t i = 0; i < n; ++i)
    sum += rows[i].ns;
  /* The run's time: the caller's measure, else the graph functions'. */
  if (total_ns <= 0)
    total_ns = table_ns > sum ? table_ns : sum;
  if (runs <= 0)
    runs = table_runs > 0 ? table_runs : 1;
  double per = 1e-6 / (double)runs, total_ms = (double)total_ns * per;
  double pct = total_ns > 0 ? 100.0 / (double)total_ns : 0;
  sbuf b = {malloc(4096), 0, 4096};
  put(&b,
      "profile: %lld run%s, %.3f ms/run, %lld regions timed "
      "(%.1f%% of the run)\n",
      (long long)runs, runs == 1 ? "" : "s", total_ms, (long long)n,
      (double)sum * pct);
  put(&b, "%10s %7s %9s %8s  %s\n", "ms/run", "share", "calls/run", "GFLOP/s",
      "region");
  int64_t shown = max_rows > 0 && max_rows < n ? max_rows : n;
  for (int64_t i = 0; i < shown; ++i) {
    char gf[32] = "-";
    if (rows[i].flops > 0 && rows[i].ns > 0)
      snprintf(gf, sizeof gf, "%s%.1f", rows[i].flops_upper_bound ? "<=" : "",
               (double)rows[i].flops / rows[i].ns);
    put_row(&b, (double)rows[i].ns * per, (double)rows[i].ns * pct,
            (double)rows[i].calls / (double)runs, gf,
            rows[i].label ? rows[i].label : "", rows[i].name);
  }
  if (shown < n) {
    int64_t rest = 0, calls = 0;
    for (int64_t i = shown; i < n; ++i) {
      rest += rows[i].ns;
      calls += rows[i].calls;
    }
    char what[64];
    snprintf(what, sizeof what, "(%lld more regions)", (long long)(n - shown));
    put_row(&b, (double)rest * per, (double)rest * pct,
            (double)calls / (double)runs, "", "", what);
  }
  int64_t other = total_ns - sum;
  put_row(&b, (double)other * per, (double)other * pct, -1, "", "",
          "(outside timed regions: allocation, glue, hooks, caller)");
  put_row(&b, total_ms, total_ns > 0 ? 100.0 : 0, -1, "", "", "total");
  free(rows);
  if (!b.p)
    return -1;
  if (buf && capacity > 0) {
    size_t m = b.len < (size_t)capacity - 1 ? b.len : (size_t)capacity - 1;
    memcpy(buf, b.p, m);
    buf[m] = 0;
  }
  int64_t len = (int64_t)b.len;
  free(b.p);
  return len;
}

/* SEQC_PROFILE=1: profile the whole process, report to stderr at exit. */
static void report_at_exit(void) {
  if (seqc_profile_rows(NULL, 0) <= 0) {
    fputs("seqc: SEQC_PROFILE: no profile hooks ran (compile the model with "
          "seqc --profile-hooks)\n",
          stderr);
    return;
  }
  int64_t len = seqc_profile_format(NULL, 0, 0, 0, 0);
  if (len <= 0)
    return;
  char *text = malloc((size_t)len + 1);
  if (!text)
    return;
  seqc_profile_format(text, len + 1, 0, 0, 0);
  fputs(text, stderr);
  free(text);
}

__attribute__((constructor)) static void profile_from_env(void) {
  const char *v = getenv("SEQC_PROFILE");
  if (v && *v && strcmp(v, "0") != 0) {
    atomic_store(&enabled, 1);
    atexit(report_at_exit);
  }
}
