/* seqc_sample_token (lib/Runtime/sampling.c) against a reference that sorts
 * the whole vocabulary: for random logits (also ties, -inf and NaN) and
 * several temperature/top-k/top-p settings, every sampled id lies in the
 * reference's kept set, and (vocabularies up to 1000) over 20000 draws the
 * frequencies match the renormalized probabilities of the kept set. Greedy is
 * the first maximum. Prints "bad=N". */
#include "../../../lib/Runtime/runtime_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static const float *sort_key;
static int cmp_best(const void *x, const void *y) {
  int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
  float ka = isnan(sort_key[a]) ? -INFINITY : sort_key[a];
  float kb = isnan(sort_key[b]) ? -INFINITY : sort_key[b];
  if (ka != kb)
    return ka > kb ? -1 : 1;
  return a < b ? -1 : 1;
}

/* Reference: probabilities p[V] of the kept set (0 elsewhere). */
static void reference(const float *l, int64_t V, const seqc_sampling *prm,
                      double *p) {
  int64_t *ids = malloc(sizeof(int64_t) * (size_t)V);
  for (int64_t i = 0; i < V; ++i)
    ids[i] = i;
  sort_key = l;
  qsort(ids, (size_t)V, sizeof(int64_t), cmp_best);
  int64_t n = prm->top_k > 0 && prm->top_k < V ? prm->top_k : V;
  float max = l[ids[0]];
  double total = 0;
  double *w = calloc((size_t)V, sizeof(double));
  for (int64_t j = 0; j < n; ++j) {
    float k = isnan(l[ids[j]]) ? -INFINITY : l[ids[j]];
    w[j] = k == -INFINITY ? 0 : exp((double)(k - max) / prm->temperature);
    total += w[j];
  }
  int64_t kept = n;
  if (prm->top_p < 1) {
    double c = 0;
    for (kept = 0; kept < n;) {
      c += w[kept++];
      if (c >= prm->top_p * total * (1 - 1e-6)) /* float vs double sums */
        break;
    }
    total = c;
  }
  for (int64_t i = 0; i < V; ++i)
    p[i] = 0;
  for (int64_t j = 0; j < kept; ++j)
    p[ids[j]] = w[j] / total;
  free(w);
  free(ids);
}

int main(void) {
  srand(3);
  int bad = 0, cases = 0;
  const int64_t sizes[] = {16, 1000, 50000};
  const seqc_sampling params[] = {
      {1.0f, 0, 1.0f, 0, -2},  {0.7f, 0, 1.0f, 0, -2}, {1.0f, 5, 1.0f, 0, -2},
      {1.0f, 0, 0.5f, 0, -2},  {2.0f, 0, 0.9f, 0, -2}, {1.0f, 40, 0.83f, 0, -2},
      {0.3f, 0, 0.95f, 0, -2}, {1.0f, 1, 1.0f, 0, -2}};
  for (int si = 0; si < 3; ++si) {
    int64_t V = sizes[si];
    float *l = malloc(sizeof(float) * (size_t)V);
    double *p = malloc(sizeof(double) * (size_t)V);
    void *scratch = malloc(seqc_sample_scratch_size(V));
    long *hits = malloc(sizeof(long) * (size_t)V);
    for (int dist = 0; dist < 3; ++dist) {
      /* Peaked, flat (many in the nucleus), and quantized with ties and a
       * few -inf/NaN. */
      for (int64_t i = 0; i < V; ++i) {
        double u = (rand() + 1.0) / (RAND_MAX + 2.0);
        l[i] = dist == 0   ? (float)(-log(u) * 3)
               : dist == 1 ? (float)(u * 0.2)
                           : (float)(rand() % 8);
      }
      if (dist == 2) {
        l[V / 3] = -INFINITY;
        l[V / 2] = NAN;
      }
      /* Greedy: the first maximum. */
      int64_t first = 0;
      for (int64_t i = 1; i < V; ++i)
        if (l[i] > l[first] || isnan(l[first]))
          first = i;
      uint64_t rng = 1;
      if (seqc_sample_token(l, V, NULL, &rng, scratch) != first) {
        printf("BAD greedy V=%lld dist=%d\n", (long long)V, dist);
        ++bad;
      }
      for (int pi = 0; pi < (int)(sizeof(params) / sizeof(params[0])); ++pi) {
        ++cases;
        reference(l, V, &params[pi], p);
        for (int64_t i = 0; i < V; ++i)
          hits[i] = 0;
        /* Large vocabularies: fewer draws, only the kept-set check. */
        const long draws = V > 1000 ? 300 : 20000;
        uint64_t state = seqc_sample_seed((uint64_t)(pi * 7 + dist));
        int outside = 0;
        for (long r = 0; r < draws; ++r) {
          int64_t id = seqc_sample_token(l, V, &params[pi], &state, scratch);
          if (id < 0 || id >= V || p[id] == 0)
            ++outside;
          else
            ++hits[id];
        }
        /* Total variation distance between the draws and p. */
        double tv = 0;
        for (int64_t i = 0; i < V; ++i)
          tv += fabs((double)hits[i] / draws - p[i]);
        tv /= 2;
        /* Sampling noise of TV ~ sqrt(support / draws); bounded loosely. */
        int64_t support = 0;
        for (int64_t i = 0; i < V; ++i)
          support += p[i] > 0;
        double limit = 0.02 + 0.7 * sqrt((double)support / draws);
        if (outside || (V <= 1000 && tv > limit)) {
          printf("BAD V=%lld dist=%d params=%d: %d outside the kept set, "
                 "TV %.4f > %.4f (support %lld)\n",
                 (long long)V, dist, pi, outside, tv, limit,
                 (long long)support);
          ++bad;
        }
      }
    }
    free(l);
    free(p);
    free(scratch);
    free(hits);
  }
  printf("cases=%d bad=%d\n", cases, bad);
  return bad != 0;
}
