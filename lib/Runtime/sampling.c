/*===- sampling.c - Picking the next token from logits -------------*- C -*-===*
 *
 * Greedy and seeded sampling (temperature, top-k, top-p) for seqc_generate.
 * Deterministic: the same logits, parameters and generator state give the
 * same token on every machine that computes the same logits (ties between
 * equal logits go to the lowest id). No allocation: the caller passes
 * scratch space (seqc_sample_scratch_size).
 *
 *===----------------------------------------------------------------------===*/

#include "runtime_internal.h"

#include <math.h>

size_t seqc_sample_scratch_size(int64_t vocab) {
  return (size_t)vocab * (2 * sizeof(float) + sizeof(int64_t));
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

static int64_t argmax(const float *logits, int64_t vocab) {
  int64_t best = 0;
  float best_v = -INFINITY;
  int found = 0;
  for (int64_t i = 0; i < vocab; ++i) {
    float v = logits[i];
    if (isnan(v))
      continue;
    if (!found || v > best_v) {
      best = i;
      best_v = v;
      found = 1;
    }
  }
  return best;
}

/* Heap order: a higher key first, then the lower id. */
static int before(const float *key, int64_t a, int64_t b) {
  return key[a] > key[b] || (key[a] == key[b] && a < b);
}

static void sift_down(int64_t *heap, int64_t n, int64_t i, const float *key) {
  for (;;) {
    int64_t l = 2 * i + 1, r = l + 1, top = i;
    if (l < n && before(key, heap[l], heap[top]))
      top = l;
    if (r < n && before(key, heap[r], heap[top]))
      top = r;
    if (top == i)
      return;
    int64_t t = heap[i];
    heap[i] = heap[top];
    heap[top] = t;
    i = top;
  }
}

int64_t seqc_sample_token(const float *logits, int64_t vocab,
                          const seqc_sampling *params, uint64_t *rng,
                          void *scratch) {
  if (!params || !(params->temperature > 0))
    return argmax(logits, vocab);
  float *key = (float *)scratch; /* logits, NaN -> -inf */
  float *weight = key + vocab;   /* exp((l - max) / T) */
  int64_t *heap = (int64_t *)(weight + vocab);
  float max = -INFINITY;
  for (int64_t i = 0; i < vocab; ++i) {
    key[i] = isnan(logits[i]) ? -INFINITY : logits[i];
    if (key[i] > max)
      max = key[i];
  }
  if (max == -INFINITY || isinf(max))
    return argmax(logits, vocab); /* nothing to weigh (or +inf wins) */
  double total = 0;
  float inv_t = 1.0f / params->temperature;
  for (int64_t i = 0; i < vocab; ++i) {
    weight[i] = key[i] == -INFINITY ? 0.0f : expf((key[i] - max) * inv_t);
    total += weight[i];
  }
  int filter = params->top_k > 0 || params->top_p < 1;
  if (!filter) {
    double u = next_uniform(rng) * total, c = 0;
    int64_t last = 0;
    for (int64_t i = 0; i < vocab; ++i) {
      if (weight[i] <= 0)
        continue;
      c += weight[i];
      last = i;
      if (u < c)
        return i;
    }
    return last; /* rounding: u landed at the very end */
  }
  /* The candidates in decreasing order, only as many as top-k/top-p keep:
   * heapify is O(V), each pop O(log V), and nuclei are small. Popped ids
   * collect at the end of `heap` (heap[n..vocab) in popped order). */
  int64_t n = vocab;
  for (int64_t i = 0; i < n; ++i)
    heap[i] = i;
  for (int64_t i = n / 2 - 1; i >= 0; --i)
    sift_down(heap, n, i, key);
  int64_t limit = params->top_k > 0 && params->top_k < vocab
                      ? (int64_t)params->top_k
                      : vocab;
  double kept = 0, p_limit = (double)params->top_p * total;
  while (vocab - n < limit && n > 0) {
    int64_t id = heap[0];
    if (weight[id] <= 0 && vocab - n > 0)
      break; /* the rest has no mass */
    heap[0] = heap[n - 1];
    heap[n - 1] = id;
    --n;
    sift_down(heap, n, 0, key);
    kept += weight[id];
    if (kept >= p_limit)
      break; /* the token that crosses top_p is kept */
  }
  double u = next_uniform(rng) * kept, c = 0;
  for (int64_t j = vocab - 1; j >= n; --j) {
    c += weight[heap[j]];
    if (u < c)
      return heap[j];
  }
  return heap[n]; /* rounding: the last kept one */
}
