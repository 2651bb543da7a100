/* A hand-written stand-in for a compiled generation artifact (seqc
 * --max-seq-len), to test the session runtime (lib/Runtime/session.c)
 * without the compiler. Batch 2, vocabulary 16, cache capacity 32.
 *
 * The "language model": the token at position q of sequence b is stored in
 * cache 0 (float [2,1,32,1]); cache 1 (int32 [2,1,32,1]) marks written
 * positions with q+1. The logits after position q are
 *   logits[v] = -circular_distance(v, (5*h + 3*(q+1) + b) mod 16),
 *   h = sum_{r <= q} token[b][r] * (r + 1)
 * read back from the cache, so a wrong cache gives wrong tokens.
 *
 * Step variants: K=0 (primary) T=1 with ids/mask/pos (+ an ignored static
 * output); K=1 T=4 with ids/positions/mask; K=2 T=8 "fresh" (length 0 only)
 * with int32 ids and a float mask (+ an ignored dynamic output).
 *
 * Every call checks the session protocol and fails its run-time check
 * (seqc_rt_check_failed) on a violation: the mask is 1 on a prefix
 * [0, p+m), 1 <= m <= T (the session marks the whole chunk, padding
 * included), and 0 after; positions p+i; ids in range and 0 beyond the
 * marked prefix; every cache position read was written by a call; writes
 * inside the capacity.
 *
 * -DFAKE_GEN_NO_END: the generation description lacks 'end'.
 * -DFAKE_GEN_BAD_LOGITS: the logits role is on the wrong output. */
#include <stdint.h>
#include <stdlib.h>

#define B 2
#define V 16
#define L 32

typedef struct {
  void *allocated, *aligned;
  int64_t offset, shape[16];
} md;

void seqc_rt_check_failed(int32_t id);
void seqc_rt_set_output_f32(int64_t index, int64_t rank, void *desc);

/* Calls per variant, for the tests (atomic: sessions run in threads). */
int64_t fake_gen_calls[3];

#define CHECKS                                                                 \
  "check 0 mask%20is%20not%201%20on%20[0,p+m),%201<=m<=T,%200%20after\n"       \
  "check 1 position_ids%20are%20not%20p+i\n"                                   \
  "check 2 read%20a%20cache%20position%20no%20call%20wrote\n"                  \
  "check 3 token%20id%20out%20of%20range%20or%20pad%20id%20not%200\n"          \
  "check 4 write%20beyond%20the%20cache%20capacity\n"
#define CACHES                                                                 \
  "input cache_tok 1 4 2 1 32 1\n"                                             \
  "input cache_mark 6 4 2 1 32 1\n"

const char seqc_model_desc[] =
    "seqc 1\nmodel fake_gen\n"
    "input input_ids 7 2 2 1\n"
    "input attention_mask 7 2 2 32\n"
    "input past_len 7 0\n" CACHES "output logits 1 3 2 1 16\n"
    "output unused 1 2 2 1\n" CHECKS;
const char seqc_variant_desc_1[] = "seqc 1\nmodel fake_gen_t4\n"
                                   "input input_ids 7 2 2 4\n"
                                   "input position_ids 7 2 2 4\n"
                                   "input attention_mask 7 2 2 32\n" CACHES
                                   "output logits 1 3 2 4 16\n" CHECKS;
const char seqc_variant_desc_2[] =
    "seqc 1\nmodel fake_gen_prefill8\n"
    "input input_ids 6 2 2 8\n"
    "input attention_mask 1 2 2 32\n" CACHES "output logits 1 3 2 8 16\n"
    "output aux 1 1 -1\n" CHECKS;

const char seqc_gen_desc[] = "gen 1\n"
                             "max_len 32\n"
                             "batch 2\n"
                             "vocab 16\n"
                             "eos 15\n"
                             "cache 0 1 4 2 1 32 1\n"
                             "cache 1 6 4 2 1 32 1\n"
                             "variant 0 1 0\n"
                             "in 0 0 ids\n"
                             "in 0 1 mask\n"
                             "in 0 2 pos\n"
                             "in 0 3 cache 0\n"
                             "in 0 4 cache 1\n"
#ifdef FAKE_GEN_BAD_LOGITS
                             "out 0 0 ignore\n"
                             "out 0 1 logits\n"
#else
                             "out 0 0 logits\n"
                             "out 0 1 ignore\n"
#endif
                             "variant 1 4 0\n"
                             "in 1 0 ids\n"
                             "in 1 1 positions\n"
                             "in 1 2 mask\n"
                             "in 1 3 cache 0\n"
                             "in 1 4 cache 1\n"
                             "out 1 0 logits\n"
                             "variant 2 8 1\n"
                             "in 2 0 ids\n"
                             "in 2 1 mask\n"
                             "in 2 2 cache 0\n"
                             "in 2 3 cache 1\n"
                             "out 2 0 logits\n"
                             "out 2 1 ignore\n"
#ifndef FAKE_GEN_NO_END
                             "end\n"
#endif
    ;

/* Element (i, j) of a rank-2 memref, (b, q) of a cache [B,1,L,1]. */
#define AT2(T, d, i, j)                                                        \
  (((T *)(d)->aligned)[(d)->offset + (i) * (d)->shape[2] + (j) * (d)->shape[3]])
#define CACHE(T, d, b, q)                                                      \
  (((T *)(d)->aligned)[(d)->offset + (b) * (d)->shape[4] + (q) * (d)->shape[6]])

/* The shared step. ids64/ids32: [B,T]; mask as doubles via mask_at;
 * positions may be NULL; p: the past length (from pos or positions). */
static void step(int k, int64_t T, const md *ids, int ids32, const md *mask,
                 int mask_f32, int64_t p, const md *positions, md *ctok,
                 md *cmark, md *logits) {
  __atomic_fetch_add(&fake_gen_calls[k], 1, __ATOMIC_RELAXED);
  if (p < 0 || p + T > L)
    seqc_rt_check_failed(4);
  for (int64_t b = 0; b < B; ++b) {
    /* m from the mask: ones on [0, p+m), zeros after. */
    int64_t ones = 0;
    while (ones < L && (mask_f32 ? AT2(float, mask, b, ones) == 1.0f
                                 : AT2(int64_t, mask, b, ones) == 1))
      ++ones;
    for (int64_t q = ones; q < L; ++q)
      if (mask_f32 ? AT2(float, mask, b, q) != 0.0f
                   : AT2(int64_t, mask, b, q) != 0)
        seqc_rt_check_failed(0);
    int64_t n = ones - p;
    if (n < 1 || n > T)
      seqc_rt_check_failed(0);
    for (int64_t r = 0; r < p; ++r)
      if (CACHE(int32_t, cmark, b, r) != r + 1)
        seqc_rt_check_failed(2);
    for (int64_t i = 0; i < T; ++i) {
      if (positions && AT2(int64_t, positions, b, i) != p + i)
        seqc_rt_check_failed(1);
      int64_t id = ids32 ? AT2(int32_t, ids, b, i) : AT2(int64_t, ids, b, i);
      if (id < 0 || id >= V || (i >= n && id != 0))
        seqc_rt_check_failed(3);
      CACHE(float, ctok, b, p + i) = (float)id;
      CACHE(int32_t, cmark, b, p + i) = (int32_t)(p + i + 1);
      int64_t h = 0;
      for (int64_t r = 0; r <= p + i; ++r)
        h += (int64_t)CACHE(float, ctok, b, r) * (r + 1);
      int64_t target = (5 * h + 3 * (p + i + 1) + b) % V;
      for (int64_t v = 0; v < V; ++v) {
        int64_t d = (v - target + V) % V;
        if (V - d < d)
          d = V - d;
        ((float *)
             logits->aligned)[logits->offset + b * logits->shape[3] +
                              i * logits->shape[4] + v * logits->shape[5]] =
            -(float)d;
      }
    }
  }
}

void seqc_model_entry(void **args) {
  md *unused = args[6]; /* the ignored static output [2,1] */
  ((float *)unused->aligned)[0] = ((float *)unused->aligned)[1] = 0;
  const md *pos = args[2];
  step(0, 1, args[0], 0, args[1], 0, ((int64_t *)pos->aligned)[pos->offset],
       NULL, args[3], args[4], args[5]);
}

void seqc_variant_entry_1(void **args) {
  const md *positions = args[1];
  int64_t p = ((int64_t *)positions->aligned)[positions->offset];
  step(1, 4, args[0], 0, args[2], 0, p, positions, args[3], args[4], args[5]);
}

void seqc_variant_entry_2(void **args) {
  step(2, 8, args[0], 1, args[1], 1, 0, NULL, args[2], args[3], args[4]);
  float *aux = malloc(3 * sizeof(float));
  aux[0] = aux[1] = aux[2] = 1;
  md d = {aux, aux, 0, {3, 1}};
  seqc_rt_set_output_f32(1, 1, &d);
  free(aux);
}
