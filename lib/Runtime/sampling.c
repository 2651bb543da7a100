/*===- sampling.c - Picking the next token from logits -------------*- C -*-===*
 *
 * Greedy and seeded sampling (temperature, then top-k, then top-p over what
 * top-k kept, as transformers' warpers) for seqc_generate. Deterministic:
 * the same logits, parameters and generator state give the same token on
 * every machine that computes the same logits (ties between equal logits go
 * to the lowest id). No allocation: the caller passes scratch space
 * (seqc_sample_scratch_size). Linear in the vocabulary: top-k keeps a k-entry
 * heap in one pass; top-p buckets the tokens by logit distance from the
 * maximum and sorts only the bucket where the kept mass crosses top_p.
 *
 *===----------------------------------------------------------------------===*/

#include "runtime_internal.h"

#include <math.h>

/* top-p buckets: d = (max - logit) / T in [0, BUCKET_RANGE) split evenly;
 * beyond it the weight e^-d < 1e-17 of the maximum's: one last bucket. */
#define NUM_BUCKETS 4096
#define BUCKET_RANGE 40.0f

typedef struct scratch_layout {
  float *key;       /* [V] logits, NaN -> -inf */
  float *weight;    /* [V] exp((key - max) / T) */
  int64_t *ids;     /* [V] candidates */
  uint16_t *bucket; /* [V] top-p bucket of each token */
  double *mass;     /* [NUM_BUCKETS] */
} scratch_layout;

size_t seqc_sample_scratch_size(int64_t vocab) {
  return (size_t)vocab *
             (2 * sizeof(float) + sizeof(int64_t) + sizeof(uint16_t)) +
         NUM_BUCKETS * sizeof(double);
}

static scratch_layout layout(void *scratch, int64_t vocab) {
  scratch_layout s;
  s.mass = (double *)scratch;
  s.ids = (int64_t *)(s.mass + NUM_BUCKETS);
  s.key = (float *)(s.ids + vocab);
  s.weight = s.key + vocab;
  s.bucket = (uint16_t *)(s.weight + vocab);
  return s;
}

/* splitmix64: tiny, fast, good enough for sampling, and reproducible. */
uint64_t seqc_sample_seed(uint64_t seed) {
  return seed ^ 0x6a09e667f3bcc909ull;
}

static double next_uniform(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return (double)(z >> 11) * 0x1.0p-53; /* [0, 1) */
}

/* The first maximum; NaN never wins (all NaN: 0). */
static int64_t argmax(const float *logits, int64_t vocab) {
  int64_t best = -1;
  float best_v = -INFINITY;
  for (int64_t i = 0; i < vocab; ++i)
    if (logits[i] > best_v) {
      best = i;
      best_v = logits[i];
    }
  if (best >= 0)
    return best;
  for (int64_t i = 0; i < vocab; ++i) /* all -inf or NaN */
    if (!isnan(logits[i]))
      return i;
  return 0;
}

/* Candidate order: a higher key first, then the lower id. */
static int better(const float *key, int64_t a, int64_t b) {
  return key[a] > key[b] || (key[a] == key[b] && a < b);
}

/* Min-heap on `better` (the root is the worst kept candidate). */
static void sift_worst(int64_t *heap, int64_t n, int64_t i, const float *key) {
  for (;;) {
    int64_t l = 2 * i + 1, r = l + 1, top = i;
    if (l < n && better(key, heap[top], heap[l]))
      top = l;
    if (r < n && better(key, heap[top], heap[r]))
      top = r;
    if (top == i)
      return;
    int64_t t = heap[i];
    heap[i] = heap[top];
    heap[top] = t;
    i = top;
  }
}

/* Sorts ids[0..n) best first (heapsort: pops the worst to the end). */
static void sort_best_first(int64_t *ids, int64_t n, const float *key) {
  for (int64_t i = n / 2 - 1; i >= 0; --i)
    sift_worst(ids, n, i, key);
  for (int64_t end = n - 1; end > 0; --end) {
    int64_t t = ids[0];
    ids[0] = ids[end];
    ids[end] = t;
    sift_worst(ids, end, 0, key);
  }
}

/* Samples from ids[0..n) (best first) after top-p over their mass. */
static int64_t sample_sorted(const int64_t *ids, int64_t n, const float *weight,
                             float top_p, uint64_t *rng) {
  double total = 0;
  for (int64_t j = 0; j < n; ++j)
    total += weight[ids[j]];
  int64_t kept = n;
  if (top_p < 1) {
    double c = 0;
    for (kept = 0; kept < n;) {
      c += weight[ids[kept++]];
      if (c >= (double)top_p * total)
        break; /* the token that crosses top_p is kept */
    }
    total = c;
  }
  double u = next_uniform(rng) * total, c = 0;
  for (int64_t j = 0; j < kept; ++j) {
    c += weight[ids[j]];
    if (u < c)
      return ids[j];
  }
  return ids[kept - 1]; /* rounding: u landed at the very end */
}

int64_t seqc_sample_token(const float *logits, int64_t vocab,
                          const seqc_sampling *params, uint64_t *rng,
                          void *scratch) {
  if (!params || !(params->temperature > 0))
    return argmax(logits, vocab);
  scratch_layout s = layout(scratch, vocab);
  float max = -INFINITY;
  for (int64_t i = 0; i < vocab; ++i) {
    s.key[i] = isnan(logits[i]) ? -INFINITY : logits[i];
    if (s.key[i] > max)
      max = s.key[i];
  }
  if (max == -INFINITY || isinf(max))
    return argmax(logits, vocab); /* nothing to weigh (or +inf wins) */
  float inv_t = 1.0f / params->temperature;

  if (params->top_k > 0 && params->top_k < vocab) {
    /* One pass keeps the k best in a heap whose root is the worst kept. */
    int64_t k = params->top_k, *heap = s.ids;
    for (int64_t i = 0; i < k; ++i)
      heap[i] = i;
    for (int64_t i = k / 2 - 1; i >= 0; --i)
      sift_worst(heap, k, i, s.key);
    for (int64_t i = k; i < vocab; ++i)
      if (better(s.key, i, heap[0])) {
        heap[0] = i;
        sift_worst(heap, k, 0, s.key);
      }
    sort_best_first(heap, k, s.key);
    for (int64_t j = 0; j < k; ++j)
      s.weight[heap[j]] = s.key[heap[j]] == -INFINITY
                              ? 0.0f
                              : expf((s.key[heap[j]] - max) * inv_t);
    return sample_sorted(heap, k, s.weight, params->top_p, rng);
  }

  double total = 0;
  for (int64_t i = 0; i < vocab; ++i) {
    s.weight[i] = s.key[i] == -INFINITY ? 0.0f : expf((s.key[i] - max) * inv_t);
    total += s.weight[i];
  }
  if (!(params->top_p < 1)) {
    double u = next_uniform(rng) * total, c = 0;
    int64_t last = 0;
    for (int64_t i = 0; i < vocab; ++i) {
      if (s.weight[i] <= 0)
        continue;
      c += s.weight[i];
      last = i;
      if (u < c)
        return i;
    }
    return last; /* rounding: u landed at the very end */
  }

  /* top-p: bucket by distance from the maximum (monotone in the logit, so
   * whole buckets before the crossing one are kept, in any order), then
   * sort only the crossing bucket. */
  const float scale = NUM_BUCKETS / BUCKET_RANGE;
  for (int b = 0; b < NUM_BUCKETS; ++b)
    s.mass[b] = 0;
  for (int64_t i = 0; i < vocab; ++i) {
    float d = (max - s.key[i]) * inv_t * scale; /* +inf for -inf logits */
    int b = d < (float)(NUM_BUCKETS - 1) ? (int)d : NUM_BUCKETS - 1;
    s.bucket[i] = (uint16_t)b;
    s.mass[b] += s.weight[i];
  }
  double want = (double)params->top_p * total, below = 0;
  int cross = 0;
  while (cross < NUM_BUCKETS - 1 && below + s.mass[cross] < want)
    below += s.mass[cross++];
  /* The crossing bucket's tokens, best first, up to the top-p mass (the
   * token that crosses it is kept). */
  int64_t n = 0;
  for (int64_t i = 0; i < vocab; ++i)
    if (s.bucket[i] == cross)
      s.ids[n++] = i;
  sort_best_first(s.ids, n, s.key);
  int64_t take = 0;
  double kept = below;
  while (take < n && kept < want)
    kept += s.weight[s.ids[take++]];
  /* Sample: the whole buckets before `cross` in id order, then the taken
   * part of the crossing bucket. Bucket 0 holds the maximum (weight 1), so
   * `kept` > 0. */
  double u = next_uniform(rng) * kept, c = 0;
  int64_t last = 0;
  for (int64_t i = 0; i < vocab && cross > 0; ++i)
    if (s.bucket[i] < cross && s.weight[i] > 0) {
      c += s.weight[i];
      last = i;
      if (u < c)
        return i;
    }
  for (int64_t j = 0; j < take; ++j) {
    c += s.weight[s.ids[j]];
    last = s.ids[j];
    if (u < c)
      return last;
  }
  return last; /* rounding: u landed at the very end */
}
