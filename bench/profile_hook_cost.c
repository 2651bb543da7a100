/* Cost of one seqc_prof_begin/end pair (lib/Runtime/profile.c), profiling
 * off and on, called through a fake one-site table as the artifact calls it.
 * Built and run by bench/profile_overhead.py:
 *   cc -O2 bench/profile_hook_cost.c build/lib/libseqc_runtime.a -lm -lpthread
 * Prints "off NS on NS" (ns per pair, best of 5 repetitions). */
#include <stdint.h>
#include <stdio.h>
#include <time.h>

void seqc_prof_begin(void *t, int64_t id);
void seqc_prof_end(void *t, int64_t id, int64_t flops);
void seqc_profile_enable(int32_t on);

/* Layout of seq-profile-hooks' table with one site (ProfileHooks.cpp). */
static struct {
  int64_t version, num_sites;
  const char *label;
  void *next;
  int64_t registered, runs, run_ns;
  struct {
    const char *name;
    int64_t calls, ns, flops, flags;
  } sites[1];
} table = {1, 1, "", 0, 0, 0, 0, {{"site", 0, 0, 0, 0}}};

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static double per_pair(long n) {
  double best = 1e30;
  for (int rep = 0; rep < 5; ++rep) {
    double t0 = now();
    for (long i = 0; i < n; ++i) {
      seqc_prof_begin(&table, 0);
      __asm__ volatile("" ::: "memory"); /* the site's work */
      seqc_prof_end(&table, 0, 2);
    }
    double t = (now() - t0) / (double)n;
    best = t < best ? t : best;
  }
  return best;
}

int main(void) {
  seqc_profile_enable(0);
  double off = per_pair(20000000);
  seqc_profile_enable(1);
  double on = per_pair(2000000);
  seqc_profile_enable(0);
  printf("off %.2f on %.2f\n", off, on);
  return 0;
}
