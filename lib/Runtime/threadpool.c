/*===- threadpool.c - seqc_parallel_for on a small pthread pool ----*- C -*-===*
 *
 * One process-wide pool of (threads - 1) workers; the calling thread is the
 * last worker. Work is split into at most 4 chunks per thread, claimed
 * dynamically so a descheduled thread (the machine may be shared) delays
 * nobody: the caller only waits for chunks that were actually claimed.
 *
 * A chunk claim is one CAS on a 64-bit word holding (job generation, chunk
 * count, next chunk), so a worker that wakes up late for an old job can
 * never run a chunk of a newer one.
 *
 * Thread count: seqc_set_num_threads(), else $SEQC_NUM_THREADS, else the
 * number of online CPUs. Nested calls (from inside a chunk) and calls made
 * while another thread owns the pool run serially.
 *
 *===----------------------------------------------------------------------===*/

#include "seqc/Runtime/seqc_parallel.h"
#include "seqc/Runtime/seqc_runtime.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define SEQC_API __attribute__((visibility("default")))
#define MAX_THREADS 256
#define CHUNKS_PER_THREAD 4
/* How long an idle worker spins before sleeping. Small models leave gaps of
 * 0.1-1 ms of serial work between parallel regions; a worker that sleeps
 * there lets its (virtual) CPU go idle, and waking it again cost gpt2 up to
 * 2x. onnxruntime spins ~55 ms, libomp 200 ms (KMP_BLOCKTIME). */
#define SPIN_NS 5000000
#define SPIN_PAUSE_NS 50000 /* pure pause-spinning, then sched_yield */

static pthread_mutex_t owner = PTHREAD_MUTEX_INITIALIZER; /* one job a time */
static pthread_mutex_t sleep_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_mutex_t config_mu = PTHREAD_MUTEX_INITIALIZER;

static int num_threads;            /* configured count, 0 = not yet decided */
static int started_workers;        /* pool threads created so far */
static _Atomic int active_workers; /* workers allowed to take chunks */
static _Atomic int configured;     /* num_threads once the pool has them */
static _Atomic uint64_t generation;
static _Atomic int sleepers;

/* The current job; written by the owner before `claim` is published. */
static seqc_task_fn job_fn;
static void *job_ctx;
static int64_t job_n, job_chunk;
static _Atomic uint64_t claim; /* gen:32 | nchunks:16 | next:16 */
static _Atomic int64_t done_chunks;

static _Thread_local int in_region;

/* seqc_release_threads joins the workers; they exit at the next generation
 * while `stopping` is set. */
static pthread_t workers[MAX_THREADS];
static _Atomic int stopping;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

/* Claims and runs chunks of generation `gen` until none is left. */
static void run_chunks(uint32_t gen) {
  for (;;) {
    uint64_t c = atomic_load_explicit(&claim, memory_order_acquire);
    uint32_t nchunks = (c >> 16) & 0xffff, next = c & 0xffff;
    if ((uint32_t)(c >> 32) != gen || next >= nchunks)
      return;
    if (!atomic_compare_exchange_weak_explicit(
            &claim, &c, c + 1, memory_order_acq_rel, memory_order_acquire))
      continue;
    int64_t begin = (int64_t)next * job_chunk;
    int64_t end = begin + job_chunk < job_n ? begin + job_chunk : job_n;
    job_fn(job_ctx, begin, end);
    atomic_fetch_add_explicit(&done_chunks, 1, memory_order_acq_rel);
  }
}

static void *worker_main(void *arg) {
  int id = (int)(intptr_t)arg;
  in_region = 1;
  uint64_t seen = atomic_load(&generation);
  for (;;) {
    uint64_t g = atomic_load_explicit(&generation, memory_order_acquire);
    if (g == seen) {
      uint64_t start = now_ns();
      unsigned spins = 0;
      while ((g = atomic_load_explicit(&generation, memory_order_acquire)) ==
             seen) {
        cpu_relax();
        if ((++spins & 255) != 0)
          continue;
        if (atomic_load(&stopping))
          return NULL;
        uint64_t idle = now_ns() - start;
        if (idle > SPIN_NS)
          break;
        // Past the first 50 us, stay awake but let whatever else is
        // runnable on this CPU go first (free when nothing is).
        if (idle > SPIN_PAUSE_NS)
          sched_yield();
      }
    }
    if (g == seen) {
      pthread_mutex_lock(&sleep_mu);
      atomic_fetch_add(&sleepers, 1);
      // `stopping` too: a worker that started after the release's new
      // generation took that one as already seen.
      while ((g = atomic_load(&generation)) == seen && !atomic_load(&stopping))
        pthread_cond_wait(&wake, &sleep_mu);
      atomic_fetch_sub(&sleepers, 1);
      pthread_mutex_unlock(&sleep_mu);
    }
    seen = g;
    if (atomic_load(&stopping))
      return NULL;
    if (id < atomic_load(&active_workers))
      run_chunks((uint32_t)g);
  }
  return NULL;
}

static int default_threads(void) {
  const char *env = getenv("SEQC_NUM_THREADS");
  if (env && *env) {
    int n = atoi(env);
    if (n >= 1)
      return n < MAX_THREADS ? n : MAX_THREADS;
  }
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  return cpus < 1 ? 1 : cpus < MAX_THREADS ? (int)cpus : MAX_THREADS;
}

/* Makes sure `n - 1` workers exist; returns the configured count. */
static int ensure_pool(void) {
  pthread_mutex_lock(&config_mu);
  if (num_threads == 0)
    num_threads = default_threads();
  while (started_workers < num_threads - 1) {
    int rc = pthread_create(&workers[started_workers], NULL, worker_main,
                            (void *)(intptr_t)started_workers);
    if (rc != 0) { /* run with the workers we have */
      num_threads = started_workers + 1;
      break;
    }
    ++started_workers;
  }
  atomic_store(&active_workers, num_threads - 1);
  atomic_store_explicit(&configured, num_threads, memory_order_release);
  int n = num_threads;
  pthread_mutex_unlock(&config_mu);
  return n;
}

SEQC_API int32_t seqc_get_num_threads(void) {
  int n = atomic_load_explicit(&configured, memory_order_acquire);
  return n > 0 ? n : ensure_pool();
}

int seqc_in_parallel_region(void) { return in_region; }

SEQC_API int seqc_set_num_threads(int32_t n) {
  if (n < 1)
    return SEQC_ERR_ARGUMENT;
  pthread_mutex_lock(&owner); /* never change the pool under a running job */
  pthread_mutex_lock(&config_mu);
  num_threads = n < MAX_THREADS ? n : MAX_THREADS;
  pthread_mutex_unlock(&config_mu);
  ensure_pool();
  pthread_mutex_unlock(&owner);
  return SEQC_OK;
}

SEQC_API void seqc_release_threads(void) {
  pthread_mutex_lock(&owner); /* no job runs */
  pthread_mutex_lock(&config_mu);
  if (started_workers > 0) {
    /* A new generation wakes every worker (spinning or asleep); with
     * `stopping` set it exits instead of looking for chunks. */
    atomic_store(&stopping, 1);
    pthread_mutex_lock(&sleep_mu);
    atomic_fetch_add_explicit(&generation, 1, memory_order_release);
    pthread_cond_broadcast(&wake);
    pthread_mutex_unlock(&sleep_mu);
    for (int i = 0; i < started_workers; ++i)
      pthread_join(workers[i], NULL);
    started_workers = 0;
    atomic_store(&stopping, 0);
  }
  atomic_store(&active_workers, 0);
  /* The next parallel loop or seqc_get_num_threads restarts the pool. */
  atomic_store_explicit(&configured, 0, memory_order_release);
  pthread_mutex_unlock(&config_mu);
  pthread_mutex_unlock(&owner);
}

void seqc_parallel_for(int64_t n, seqc_task_fn fn, void *ctx) {
  if (n <= 0)
    return;
  int threads = in_region ? 1 : ensure_pool();
  if (threads <= 1 || n == 1 || pthread_mutex_trylock(&owner) != 0) {
    fn(ctx, 0, n);
    return;
  }
  int64_t nchunks = (int64_t)threads * CHUNKS_PER_THREAD;
  if (nchunks > n)
    nchunks = n;
  job_fn = fn;
  job_ctx = ctx;
  job_n = n;
  job_chunk = (n + nchunks - 1) / nchunks;
  nchunks = (n + job_chunk - 1) / job_chunk;
  atomic_store_explicit(&done_chunks, 0, memory_order_relaxed);
  uint32_t gen = (uint32_t)(atomic_load(&generation) + 1);
  atomic_store_explicit(&claim,
                        ((uint64_t)gen << 32) | ((uint64_t)nchunks << 16),
                        memory_order_release);
  atomic_store_explicit(&generation, gen, memory_order_release);
  if (atomic_load(&sleepers) > 0) {
    pthread_mutex_lock(&sleep_mu);
    pthread_cond_broadcast(&wake);
    pthread_mutex_unlock(&sleep_mu);
  }
  in_region = 1;
  run_chunks(gen);
  in_region = 0;
  unsigned spins = 0;
  while (atomic_load_explicit(&done_chunks, memory_order_acquire) < nchunks)
    if (++spins < 4096)
      cpu_relax();
    else
      sched_yield();
  pthread_mutex_unlock(&owner);
}
