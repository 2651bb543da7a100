/*===- session.c - Generation sessions over a KV-cache artifact ----*- C -*-===*
 *
 * A generation artifact (seqc DECODE.onnx --max-seq-len N) has, besides the
 * primary entry point (the T=1 decode step), optional step variants
 * seqc_variant_entry_K/seqc_variant_desc_K (same calling convention) and a
 * text seqc_gen_desc that says what each input and output of each variant
 * is (one record a line):
 *
 *   gen 1
 *   max_len <Lmax>              cache capacity in tokens
 *   batch <B>
 *   vocab <V>
 *   eos <id>                    -1 if unknown
 *   cache <i> <dtype> <rank> <d0> ...     a session-owned buffer
 *   state <i> <dtype> <rank> <d0> ...     a session-owned recurrent state
 *   variant <K> <T> <fresh>     K = 0 is the primary; fresh: only at length 0
 *   in <K> <j> <role> [<arg>]   ids | mask | pos | positions | blocks | cache
 * <i> out <K> <j> <role>          logits | ignore end
 *
 * A call appending n <= T tokens at past length p gets input_ids [B,T] (pad
 * slots 0), attention_mask [B,Lmax] (1 on [0,p+T)), pos = p, position_ids
 * [B,T] = p, p+1, ..., and the cache buffers, which the model reads on
 * [0,p+n) and writes on [p,p+T) in place: nothing is copied per step. The
 * session reads logits row n-1.
 *
 * A recurrent state (role "state <i>": a LinearAttention or
 * CausalConvWithState past_state whose present_state the compiler dropped)
 * is read and overwritten whole by every call, in place; reset zeroes it.
 * Since every position a call is given updates it, an artifact with states
 * never pads a chunk: a prompt runs in chunks of the largest variant that
 * fits and the rest in smaller ones (at least the T=1 decode step).
 *
 * Rows of different lengths (seqc_session_prefill_ragged) are left-padded,
 * as Hugging Face's batched generate does: row b's s_b pad slots come first
 * and every row appends at the same p. Its mask is 0 on [0,s_b) and its
 * position_ids count from its first token (p + i - s_b; 1 on pad slots).
 * Only variants whose mask role says "pad" (the compiler found the mask
 * read key by key by attention, not as a valid length) run such batches.
 * Variants whose mask says "rows" (GroupQueryAttention: the mask is a
 * length, seqlens_k = sum(mask) - 1, and each row appends at its own
 * kv_seqlen - T) take right-padded rows instead: the first n_max - 1
 * positions run with every slot valid (causal attention keeps real tokens
 * from the pads), then one T=1 step feeds each row's last token at its own
 * position (rpad[b] = n_max - n_b); row b's mask is 1 on [0, p + T -
 * rpad[b]) from then on, and its pads' cache rows are overwritten.
 *
 * Artifacts without a generation description link too: the symbols are
 * weak, and seqc_is_generator() says 0.
 *
 *===----------------------------------------------------------------------===*/

#include "runtime_internal.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEQC_API __attribute__((visibility("default")))
#define SEQC_WEAK __attribute__((weak, visibility("hidden")))

/* Variants K = 1..MAX_VARIANT (K = 0 is the primary entry point). */
#define MAX_VARIANT 8

SEQC_WEAK extern const char seqc_gen_desc[];
#define DECLARE_VARIANT(K)                                                     \
  SEQC_WEAK extern const char seqc_variant_desc_##K[];                         \
  SEQC_WEAK extern void seqc_variant_entry_##K(void **args);
DECLARE_VARIANT(1)
DECLARE_VARIANT(2)
DECLARE_VARIANT(3)
DECLARE_VARIANT(4)
DECLARE_VARIANT(5)
DECLARE_VARIANT(6)
DECLARE_VARIANT(7)
DECLARE_VARIANT(8)
#undef DECLARE_VARIANT

/* Tables built at run time: the addresses of absent weak symbols are NULL
 * only when loaded through the GOT, not in a static initializer. */
static const char *variant_desc(int k) {
  const char *descs[MAX_VARIANT + 1] = {NULL,
                                        seqc_variant_desc_1,
                                        seqc_variant_desc_2,
                                        seqc_variant_desc_3,
                                        seqc_variant_desc_4,
                                        seqc_variant_desc_5,
                                        seqc_variant_desc_6,
                                        seqc_variant_desc_7,
                                        seqc_variant_desc_8};
  return descs[k];
}

typedef void (*entry_fn)(void **);
static entry_fn variant_entry(int k) {
  entry_fn entries[MAX_VARIANT + 1] = {NULL,
                                       seqc_variant_entry_1,
                                       seqc_variant_entry_2,
                                       seqc_variant_entry_3,
                                       seqc_variant_entry_4,
                                       seqc_variant_entry_5,
                                       seqc_variant_entry_6,
                                       seqc_variant_entry_7,
                                       seqc_variant_entry_8};
  return entries[k];
}

/*===----------------------------------------------------------------------===*
 * The generation description
 *===----------------------------------------------------------------------===*/

enum role_kind {
  ROLE_NONE = 0,
  ROLE_IDS,
  ROLE_MASK,
  ROLE_POS,
  ROLE_POSITIONS,
  ROLE_BLOCKS, /* a paged cache's block table [B, max_len / block] */
  ROLE_CACHE,
  ROLE_STATE,
  ROLE_LOGITS,
  ROLE_IGNORE
};

typedef struct role {
  int kind;
  int32_t arg; /* the index of ROLE_CACHE/STATE; 1 for a "mask pad" */
} role;

typedef struct variant {
  int present;
  int64_t T;
  int fresh;
  const seqc_model *model;
  role *in, *out; /* by input / output index; sized by the gen desc lines */
  int32_t num_in, num_out; /* 1 + the largest index named */
  int dynamic_out;         /* an ignored output with a dynamic shape */
  int pad_ok;  /* has a mask, every mask "pad": may run left-padded rows */
  int rows_ok; /* has a mask, every mask "rows": may run right-padded rows */
} variant;

typedef struct cache_info {
  int present;
  int32_t dtype, rank;
  int64_t dims[SEQC_MAX_RANK];
  int64_t bytes;
} cache_info;

static struct {
  int ok;
  char error[256];
  int64_t max_len, batch, vocab, eos;
  int32_t num_caches, num_states;
  cache_info *caches, *states;
  variant var[MAX_VARIANT + 1];
  seqc_model models[MAX_VARIANT + 1]; /* [0] unused: the primary's own */
} gen;
static pthread_once_t gen_once = PTHREAD_ONCE_INIT;

static int parse_i64(const char *s, int64_t *v) {
  char *end;
  if (!s)
    return 0;
  long long x = strtoll(s, &end, 10);
  if (end == s || *end)
    return 0;
  *v = (int64_t)x;
  return 1;
}

static int gen_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static int gen_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(gen.error, sizeof(gen.error), fmt, ap);
  va_end(ap);
  return 0;
}

static int role_of(const char *name) {
  static const char *const names[] = {"",          "ids",    "mask",  "pos",
                                      "positions", "blocks", "cache", "state",
                                      "logits",    "ignore"};
  for (int i = 1; i < (int)(sizeof(names) / sizeof(names[0])); ++i)
    if (name && strcmp(name, names[i]) == 0)
      return i;
  return ROLE_NONE;
}

static int is_index_dtype(int32_t dt) {
  return dt == SEQC_INT64 || dt == SEQC_INT32;
}

static int is_mask_dtype(int32_t dt) {
  return dt == SEQC_INT64 || dt == SEQC_INT32 || dt == SEQC_BOOL ||
         dt == SEQC_UINT8 || dt == SEQC_INT8 || dt == SEQC_FLOAT ||
         dt == SEQC_FLOAT16 || dt == SEQC_BFLOAT16;
}

/* Static dim `got` (-1: dynamic, the session passes `want`) matches. */
static int dim_ok(int64_t got, int64_t want) { return got < 0 || got == want; }

/* Checks the roles of variant k against its model's signature. */
static int check_variant(int k) {
  variant *v = &gen.var[k];
  const seqc_model_info *mi = &v->model->info;
  if (v->num_in != mi->num_inputs || v->num_out != mi->num_outputs)
    return gen_error("variant %d: the generation description names %d inputs "
                     "and %d outputs, the model has %d and %d",
                     k, v->num_in, v->num_out, mi->num_inputs, mi->num_outputs);
  int logits = 0;
  for (int32_t j = 0; j < v->num_in; ++j) {
    const seqc_tensor_info *ti = &mi->inputs[j];
    role r = v->in[j];
    int ok = 1;
    switch (r.kind) {
    case ROLE_IDS:
    case ROLE_POSITIONS:
      ok = is_index_dtype(ti->dtype) && ti->rank == 2 &&
           dim_ok(ti->dims[0], gen.batch) && dim_ok(ti->dims[1], v->T);
      break;
    case ROLE_MASK:
      ok = is_mask_dtype(ti->dtype) && ti->rank == 2 &&
           dim_ok(ti->dims[0], gen.batch) && dim_ok(ti->dims[1], gen.max_len);
      break;
    case ROLE_POS:
      ok = is_index_dtype(ti->dtype) && ti->rank == 0;
      break;
    case ROLE_BLOCKS:
      ok = is_index_dtype(ti->dtype) && ti->rank == 2 &&
           dim_ok(ti->dims[0], gen.batch) && ti->dims[1] > 0 &&
           gen.max_len % ti->dims[1] == 0;
      break;
    case ROLE_CACHE:
    case ROLE_STATE: {
      const cache_info *c =
          r.kind == ROLE_CACHE ? &gen.caches[r.arg] : &gen.states[r.arg];
      ok = ti->dtype == c->dtype && ti->rank == c->rank;
      for (int32_t d = 0; ok && d < c->rank; ++d)
        ok = dim_ok(ti->dims[d], c->dims[d]);
      break;
    }
    default:
      return gen_error("variant %d: input %d ('%s') has no role", k, j,
                       ti->name);
    }
    if (!ok)
      return gen_error("variant %d: input %d ('%s') does not fit its role", k,
                       j, ti->name);
  }
  int masks = 0, padded = 0, rows = 0;
  for (int32_t j = 0; j < v->num_in; ++j)
    if (v->in[j].kind == ROLE_MASK) {
      ++masks;
      padded += v->in[j].arg == 1;
      rows += v->in[j].arg == 2;
    }
  /* A recurrent state would take in the pad slots. */
  v->pad_ok = masks > 0 && padded == masks && gen.num_states == 0;
  v->rows_ok = masks > 0 && rows == masks && gen.num_states == 0;
  for (int32_t j = 0; j < v->num_out; ++j) {
    const seqc_tensor_info *ti = &mi->outputs[j];
    role r = v->out[j];
    if (r.kind == ROLE_LOGITS) {
      if (ti->dtype != SEQC_FLOAT || ti->rank != 3 ||
          !dim_ok(ti->dims[0], gen.batch) || !dim_ok(ti->dims[1], v->T) ||
          !dim_ok(ti->dims[2], gen.vocab))
        return gen_error("variant %d: output %d ('%s') is no float logits "
                         "[%lld,%lld,%lld]",
                         k, j, ti->name, (long long)gen.batch, (long long)v->T,
                         (long long)gen.vocab);
      if (ti->dims[0] < 0 || ti->dims[1] < 0 || ti->dims[2] < 0)
        return gen_error("variant %d: logits '%s' must have a static shape", k,
                         ti->name);
      ++logits;
    } else if (r.kind == ROLE_IGNORE) {
      for (int32_t d = 0; d < ti->rank; ++d)
        v->dynamic_out |= ti->dims[d] < 0;
    } else {
      return gen_error("variant %d: output %d ('%s') has no role", k, j,
                       ti->name);
    }
  }
  if (logits != 1)
    return gen_error("variant %d: needs exactly one logits output, has %d", k,
                     logits);
  return 1;
}

static int parse_gen_lines(char *text, size_t lines) {
  int line_no = 0, ended = 0;
  for (char *line = text; line && !ended;) {
    char *nl = strchr(line, '\n');
    if (nl)
      *nl = '\0';
    ++line_no;
    char *rest = line;
    char *key = seqc_next_token(&rest);
    int ok = 1;
    int64_t a, b, c;
    if (!key) {
      /* blank */
    } else if (line_no == 1) {
      ok = strcmp(key, "gen") == 0 && parse_i64(seqc_next_token(&rest), &a);
      if (ok && a != 1)
        return gen_error("generation description version %lld, the runtime "
                         "reads 1",
                         (long long)a);
    } else if (!strcmp(key, "max_len") || !strcmp(key, "batch") ||
               !strcmp(key, "vocab") || !strcmp(key, "eos")) {
      ok = parse_i64(seqc_next_token(&rest), &a);
      *(key[0] == 'm'   ? &gen.max_len
        : key[0] == 'b' ? &gen.batch
        : key[0] == 'v' ? &gen.vocab
                        : &gen.eos) = a;
    } else if (!strcmp(key, "cache") || !strcmp(key, "state")) {
      cache_info *infos = key[0] == 'c' ? gen.caches : gen.states;
      int32_t *num = key[0] == 'c' ? &gen.num_caches : &gen.num_states;
      ok = parse_i64(seqc_next_token(&rest), &a) && a >= 0 &&
           a < (int64_t)lines && parse_i64(seqc_next_token(&rest), &b) &&
           parse_i64(seqc_next_token(&rest), &c) &&
           seqc_dtype_size((int32_t)b) > 0 && c >= 1 && c <= SEQC_MAX_RANK &&
           !infos[a].present;
      if (ok) {
        cache_info *ci = &infos[a];
        ci->present = 1;
        ci->dtype = (int32_t)b;
        ci->rank = (int32_t)c;
        ci->bytes = seqc_dtype_size(ci->dtype);
        for (int64_t d = 0; ok && d < c; ++d) {
          ok = parse_i64(seqc_next_token(&rest), &ci->dims[d]) &&
               ci->dims[d] > 0 && ci->bytes <= INT64_MAX / 2 / ci->dims[d];
          if (ok)
            ci->bytes *= ci->dims[d];
        }
        if (a + 1 > *num)
          *num = (int32_t)(a + 1);
      }
    } else if (!strcmp(key, "variant")) {
      ok = parse_i64(seqc_next_token(&rest), &a) && a >= 0 &&
           a <= MAX_VARIANT && parse_i64(seqc_next_token(&rest), &b) &&
           b >= 1 && parse_i64(seqc_next_token(&rest), &c) &&
           (c == 0 || c == 1) && !gen.var[a].present;
      if (ok) {
        gen.var[a].present = 1;
        gen.var[a].T = b;
        gen.var[a].fresh = (int)c;
      }
    } else if (!strcmp(key, "in") || !strcmp(key, "out")) {
      int in = key[0] == 'i';
      int kind;
      ok = parse_i64(seqc_next_token(&rest), &a) && a >= 0 &&
           a <= MAX_VARIANT && parse_i64(seqc_next_token(&rest), &b) &&
           b >= 0 && b < (int64_t)lines &&
           (kind = role_of(seqc_next_token(&rest))) != ROLE_NONE &&
           (in ? kind <= ROLE_STATE : kind >= ROLE_LOGITS);
      if (ok) {
        variant *v = &gen.var[a];
        role *r = in ? &v->in[b] : &v->out[b];
        ok = r->kind == ROLE_NONE;
        r->kind = kind;
        if (ok && (kind == ROLE_CACHE || kind == ROLE_STATE))
          ok = parse_i64(seqc_next_token(&rest), &c) && c >= 0 &&
               c < (int64_t)lines && (r->arg = (int32_t)c, 1);
        if (ok && kind == ROLE_MASK) {
          const char *flag = seqc_next_token(&rest);
          r->arg = !flag                   ? 0
                   : !strcmp(flag, "pad")  ? 1
                   : !strcmp(flag, "rows") ? 2
                                           : 0;
        }
        int32_t *count = in ? &v->num_in : &v->num_out;
        if (b + 1 > *count)
          *count = (int32_t)(b + 1);
      }
    } else if (!strcmp(key, "end")) {
      ended = 1;
    }
    /* Unknown records are ignored so that newer compilers can add some. */
    if (ok && key && strcmp(key, "cache") && strcmp(key, "state") &&
        strcmp(key, "in"))
      ok = seqc_next_token(&rest) == NULL;
    if (!ok)
      return gen_error("malformed generation description at line %d", line_no);
    line = nl ? nl + 1 : NULL;
  }
  if (!ended)
    return gen_error("generation description has no 'end' record");
  return 1;
}

static void parse_gen(void) {
  if (!seqc_gen_desc) {
    gen_error("the artifact is no generation artifact (compile the model "
              "with seqc --max-seq-len)");
    return;
  }
  size_t len = strlen(seqc_gen_desc), lines = 1;
  for (size_t i = 0; i < len; ++i)
    lines += seqc_gen_desc[i] == '\n';
  char *text = malloc(len + 1);
  gen.caches = calloc(lines, sizeof(cache_info));
  gen.states = calloc(lines, sizeof(cache_info));
  for (int k = 0; k <= MAX_VARIANT; ++k) {
    gen.var[k].in = calloc(lines, sizeof(role));
    gen.var[k].out = calloc(lines, sizeof(role));
    if (!gen.var[k].in || !gen.var[k].out)
      text = (free(text), NULL);
  }
  if (!text || !gen.caches || !gen.states) {
    gen_error("out of memory");
    return;
  }
  memcpy(text, seqc_gen_desc, len + 1);
  gen.max_len = gen.batch = gen.vocab = 0;
  gen.eos = -1;
  int ok = parse_gen_lines(text, lines);
  free(text);
  if (!ok)
    return;
  if (gen.max_len < 1 || gen.batch < 1 || gen.vocab < 1 || gen.eos < -1 ||
      gen.eos >= gen.vocab) {
    gen_error("generation description: max_len, batch and vocab must be "
              "positive and eos in [-1, vocab)");
    return;
  }
  for (int32_t i = 0; i < gen.num_caches; ++i)
    if (!gen.caches[i].present) {
      gen_error("generation description: cache %d is not described", i);
      return;
    }
  for (int32_t i = 0; i < gen.num_states; ++i)
    if (!gen.states[i].present) {
      gen_error("generation description: state %d is not described", i);
      return;
    }
  int decode = 0;
  for (int k = 0; k <= MAX_VARIANT; ++k) {
    variant *v = &gen.var[k];
    if (!v->present) {
      if (v->num_in || v->num_out) {
        gen_error("generation description: variant %d has roles but no "
                  "'variant' record",
                  k);
        return;
      }
      continue;
    }
    if (v->T > gen.max_len) {
      gen_error("variant %d: T=%lld exceeds max_len %lld", k, (long long)v->T,
                (long long)gen.max_len);
      return;
    }
    for (int32_t j = 0; j < v->num_in; ++j)
      if (v->in[j].kind == ROLE_CACHE && v->in[j].arg >= gen.num_caches) {
        gen_error("variant %d: input %d uses cache %d, which is not "
                  "described",
                  k, j, v->in[j].arg);
        return;
      } else if (v->in[j].kind == ROLE_STATE &&
                 v->in[j].arg >= gen.num_states) {
        gen_error("variant %d: input %d uses state %d, which is not "
                  "described",
                  k, j, v->in[j].arg);
        return;
      }
    if (k == 0) {
      v->model = seqc_primary_model();
      if (!v->model) {
        gen_error("%s", seqc_last_error());
        return;
      }
    } else {
      seqc_model *m = &gen.models[k];
      m->desc = variant_desc(k);
      m->entry = variant_entry(k);
      if (!m->desc || !m->entry) {
        gen_error("variant %d is described but the artifact has no "
                  "seqc_variant_desc_%d/seqc_variant_entry_%d",
                  k, k, k);
        return;
      }
      seqc_model_parse(m);
      if (!m->ok) {
        gen_error("variant %d: %s", k, m->error);
        return;
      }
      v->model = m;
    }
    if (!check_variant(k))
      return;
    decode |= v->T == 1 && !v->fresh;
  }
  if (!gen.var[0].present) {
    gen_error("generation description has no variant 0 (the primary entry)");
    return;
  }
  if (!decode) {
    gen_error("generation description has no decode step (a variant with "
              "T=1 that is not fresh)");
    return;
  }
  gen.ok = 1;
}

/* The parsed description, or NULL with seqc_last_error set. */
static const void *gen_info(const char *fn) {
  pthread_once(&gen_once, parse_gen);
  if (!gen.ok) {
    seqc_fail(SEQC_ERR_ARGUMENT, "%s: %s", fn, gen.error);
    return NULL;
  }
  return &gen;
}

SEQC_API int seqc_is_generator(void) {
  pthread_once(&gen_once, parse_gen);
  return gen.ok;
}

SEQC_API int64_t seqc_vocab_size(void) {
  return gen_info("seqc_vocab_size") ? gen.vocab : -1;
}

SEQC_API int64_t seqc_max_seq_len(void) {
  return gen_info("seqc_max_seq_len") ? gen.max_len : -1;
}

/*===----------------------------------------------------------------------===*
 * Sessions
 *===----------------------------------------------------------------------===*/

/* The buffers of one variant in one session. */
typedef struct var_bufs {
  seqc_tensor *in, *out; /* the argument lists, data bound at creation */
  float *logits;         /* [B, T, V] */
  int32_t logits_index;
} var_bufs;

typedef struct session_impl {
  uintptr_t handle;
  int busy;    /* a call is in progress (guarded by reg_lock) */
  int64_t len; /* tokens in the cache (guarded by reg_lock) */
  int64_t cur; /* the same, while a call runs (its thread only) */
  int64_t max_len;
  int32_t batch;
  void **caches; /* gen.num_caches buffers */
  void **states; /* gen.num_states buffers, zeroed by reset */
  var_bufs vb[MAX_VARIANT + 1];
  void **owned; /* every other buffer, freed on destroy */
  int32_t num_owned, cap_owned;
  float *gen_logits; /* [batch][V] for seqc_generate */
  void *sample_scratch;
  int64_t *start; /* [gen.batch] left-pad slots of each row (0: none) */
  int64_t *rpad;  /* [gen.batch] right-pad slots of each row (0: none) */
  int padded;     /* 1: some start[b] > 0; 2: right-padded rows (rpad) */
} session_impl;

/* Live sessions by handle. Handles are odd integers that are never reused,
 * so a destroyed handle is found missing, never dereferenced. */
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static session_impl **reg;
static size_t reg_n, reg_cap;
static uintptr_t reg_next = 1;

static session_impl *reg_find(uintptr_t h) {
  for (size_t i = 0; i < reg_n; ++i)
    if (reg[i]->handle == h)
      return reg[i];
  return NULL;
}

/* Marks the live session `s` busy for a call of `fn`, or fails. */
static session_impl *acquire(const seqc_session *s, const char *fn) {
  if (!s) {
    seqc_fail(SEQC_ERR_ARGUMENT, "%s: session is NULL", fn);
    return NULL;
  }
  pthread_mutex_lock(&reg_lock);
  session_impl *impl = reg_find((uintptr_t)s);
  if (!impl)
    seqc_fail(SEQC_ERR_ARGUMENT,
              "%s: not a live session (destroyed or never created)", fn);
  else if (impl->busy)
    seqc_fail(SEQC_ERR_ARGUMENT,
              "%s: the session is in use by another call (one thread at a "
              "time per session)",
              fn);
  if (impl && impl->busy) {
    impl = NULL;
  } else if (impl) {
    impl->busy = 1;
    impl->cur = impl->len;
  }
  pthread_mutex_unlock(&reg_lock);
  return impl;
}

/* Ends the call; on success the session's length becomes impl->cur. */
static int release(session_impl *impl, int status) {
  pthread_mutex_lock(&reg_lock);
  impl->busy = 0;
  if (status == SEQC_OK)
    impl->len = impl->cur;
  pthread_mutex_unlock(&reg_lock);
  return status;
}

static void *own(session_impl *impl, int64_t bytes) {
  if (impl->num_owned == impl->cap_owned) {
    int32_t cap = impl->cap_owned ? 2 * impl->cap_owned : 16;
    void **p = realloc(impl->owned, (size_t)cap * sizeof(void *));
    if (!p)
      return NULL;
    impl->owned = p;
    impl->cap_owned = cap;
  }
  void *buf = NULL;
  /* 64-byte aligned and zeroed: masked-off cache positions are read by some
   * attention kernels and must hold finite values. */
  if (posix_memalign(&buf, 64, bytes > 0 ? (size_t)bytes : 64) != 0)
    return NULL;
  memset(buf, 0, bytes > 0 ? (size_t)bytes : 64);
  impl->owned[impl->num_owned++] = buf;
  return buf;
}

static void free_impl(session_impl *impl) {
  if (!impl)
    return;
  for (int32_t i = 0; i < impl->num_owned; ++i)
    free(impl->owned[i]);
  free(impl->owned);
  free(impl);
}

static int64_t tensor_bytes(const seqc_tensor_info *ti, const int64_t *dims) {
  int64_t bytes = seqc_dtype_size(ti->dtype);
  for (int32_t d = 0; d < ti->rank; ++d)
    bytes *= dims[d];
  return bytes;
}

/* Binds the argument lists of variant k to session buffers. */
static int setup_variant(session_impl *impl, int k) {
  const variant *v = &gen.var[k];
  const seqc_model_info *mi = &v->model->info;
  var_bufs *vb = &impl->vb[k];
  vb->in = own(impl, (int64_t)(v->num_in + 1) * (int64_t)sizeof(seqc_tensor));
  vb->out = own(impl, (int64_t)(v->num_out + 1) * (int64_t)sizeof(seqc_tensor));
  if (!vb->in || !vb->out)
    return 0;
  for (int32_t j = 0; j < v->num_in; ++j) {
    const seqc_tensor_info *ti = &mi->inputs[j];
    seqc_tensor *t = &vb->in[j];
    t->dtype = ti->dtype;
    t->rank = ti->rank;
    switch (v->in[j].kind) {
    case ROLE_IDS:
    case ROLE_POSITIONS:
      t->dims[0] = gen.batch;
      t->dims[1] = v->T;
      break;
    case ROLE_MASK:
      t->dims[0] = gen.batch;
      t->dims[1] = gen.max_len;
      break;
    case ROLE_BLOCKS:
      t->dims[0] = gen.batch;
      t->dims[1] = ti->dims[1];
      break;
    case ROLE_CACHE:
      memcpy(t->dims, gen.caches[v->in[j].arg].dims, sizeof(t->dims));
      t->data = impl->caches[v->in[j].arg];
      continue;
    case ROLE_STATE:
      memcpy(t->dims, gen.states[v->in[j].arg].dims, sizeof(t->dims));
      t->data = impl->states[v->in[j].arg];
      continue;
    default:
      break;
    }
    if (!(t->data = own(impl, tensor_bytes(ti, t->dims))))
      return 0;
  }
  for (int32_t j = 0; j < v->num_out; ++j) {
    const seqc_tensor_info *ti = &mi->outputs[j];
    seqc_tensor *t = &vb->out[j];
    if (v->out[j].kind == ROLE_LOGITS)
      vb->logits_index = j;
    int dynamic = 0;
    for (int32_t d = 0; d < ti->rank; ++d)
      dynamic |= ti->dims[d] < 0;
    if (dynamic)
      continue; /* seqc_run_alloc hands it over; freed after the call */
    if (!(t->data = own(impl, tensor_bytes(ti, ti->dims))))
      return 0;
    if (v->out[j].kind == ROLE_LOGITS)
      vb->logits = t->data;
  }
  return 1;
}

SEQC_API int seqc_session_create(int64_t max_len, int32_t batch,
                                 seqc_session **out) {
  static const char fn[] = "seqc_session_create";
  if (!out)
    return seqc_fail(SEQC_ERR_ARGUMENT, "%s: out is NULL", fn);
  *out = NULL;
  if (!gen_info(fn))
    return SEQC_ERR_ARGUMENT;
  if (max_len < 0 || max_len > gen.max_len)
    return seqc_fail(SEQC_ERR_ARGUMENT,
                     "%s: max_len %lld is outside [1, %lld] (the compiled "
                     "maximum; 0 selects it)",
                     fn, (long long)max_len, (long long)gen.max_len);
  if (batch < 0 || batch > gen.batch)
    return seqc_fail(SEQC_ERR_ARGUMENT,
                     "%s: batch %d is outside [1, %lld] (the compiled batch; "
                     "0 selects it)",
                     fn, (int)batch, (long long)gen.batch);
  session_impl *impl = calloc(1, sizeof(session_impl));
  if (!impl)
    return seqc_fail(SEQC_ERR_INTERNAL, "%s: out of memory", fn);
  impl->max_len = max_len ? max_len : gen.max_len;
  impl->batch = batch ? batch : (int32_t)gen.batch;
  int ok = (impl->caches = own(impl, (int64_t)(gen.num_caches + 1) *
                                         (int64_t)sizeof(void *))) != NULL;
  for (int32_t i = 0; ok && i < gen.num_caches; ++i)
    ok = (impl->caches[i] = own(impl, gen.caches[i].bytes)) != NULL;
  ok = ok && (impl->states = own(impl, (int64_t)(gen.num_states + 1) *
                                           (int64_t)sizeof(void *))) != NULL;
  for (int32_t i = 0; ok && i < gen.num_states; ++i)
    ok = (impl->states[i] = own(impl, gen.states[i].bytes)) != NULL;
  for (int k = 0; ok && k <= MAX_VARIANT; ++k)
    if (gen.var[k].present)
      ok = setup_variant(impl, k);
  ok = ok &&
       (impl->gen_logits = own(impl, (int64_t)impl->batch * gen.vocab *
                                         (int64_t)sizeof(float))) &&
       (impl->sample_scratch =
            own(impl, (int64_t)seqc_sample_scratch_size(gen.vocab))) &&
       (impl->start = own(impl, gen.batch * (int64_t)sizeof(int64_t))) &&
       (impl->rpad = own(impl, gen.batch * (int64_t)sizeof(int64_t)));
  if (!ok) {
    free_impl(impl);
    return seqc_fail(SEQC_ERR_INTERNAL, "%s: out of memory for the cache", fn);
  }
  pthread_mutex_lock(&reg_lock);
  if (reg_n == reg_cap) {
    size_t cap = reg_cap ? 2 * reg_cap : 8;
    session_impl **p = realloc(reg, cap * sizeof(*p));
    if (!p) {
      pthread_mutex_unlock(&reg_lock);
      free_impl(impl);
      return seqc_fail(SEQC_ERR_INTERNAL, "%s: out of memory", fn);
    }
    reg = p;
    reg_cap = cap;
  }
  impl->handle = (reg_next += 2);
  reg[reg_n++] = impl;
  pthread_mutex_unlock(&reg_lock);
  *out = (seqc_session *)impl->handle;
  return SEQC_OK;
}

SEQC_API int seqc_session_destroy(seqc_session *s) {
  static const char fn[] = "seqc_session_destroy";
  if (!s)
    return seqc_fail(SEQC_ERR_ARGUMENT, "%s: session is NULL", fn);
  pthread_mutex_lock(&reg_lock);
  session_impl *impl = NULL;
  int status = SEQC_OK;
  size_t i = 0;
  while (i < reg_n && reg[i]->handle != (uintptr_t)s)
    ++i;
  if (i == reg_n) {
    status =
        seqc_fail(SEQC_ERR_ARGUMENT,
                  "%s: not a live session (destroyed or never created)", fn);
  } else if (reg[i]->busy) {
    status = seqc_fail(SEQC_ERR_ARGUMENT,
                       "%s: the session is in use by another call", fn);
  } else {
    impl = reg[i];
    reg[i] = reg[--reg_n];
  }
  pthread_mutex_unlock(&reg_lock);
  free_impl(impl);
  return status;
}

SEQC_API int seqc_session_reset(seqc_session *s) {
  session_impl *impl = acquire(s, "seqc_session_reset");
  if (!impl)
    return SEQC_ERR_ARGUMENT;
  /* No clearing: a step reads only positions it or an earlier step of this
   * session wrote. Recurrent states are read whole: they start at 0. */
  impl->cur = 0;
  for (int32_t i = 0; i < gen.num_states; ++i)
    memset(impl->states[i], 0, (size_t)gen.states[i].bytes);
  memset(impl->start, 0, (size_t)gen.batch * sizeof(int64_t));
  memset(impl->rpad, 0, (size_t)gen.batch * sizeof(int64_t));
  impl->padded = 0;
  return release(impl, SEQC_OK);
}

SEQC_API int64_t seqc_session_length(const seqc_session *s) {
  pthread_mutex_lock(&reg_lock);
  session_impl *impl = s ? reg_find((uintptr_t)s) : NULL;
  int64_t len = impl ? impl->len : -1;
  pthread_mutex_unlock(&reg_lock);
  return len;
}

SEQC_API int64_t seqc_session_row_length(const seqc_session *s, int32_t row) {
  pthread_mutex_lock(&reg_lock);
  session_impl *impl = s ? reg_find((uintptr_t)s) : NULL;
  int64_t len = impl && row >= 0 && row < impl->batch
                    ? impl->len - impl->start[row] - impl->rpad[row]
                    : -1;
  pthread_mutex_unlock(&reg_lock);
  return len;
}

/* Writes integer `v` as element `k` of a buffer of dtype `dt`. */
static void put_value(void *buf, int32_t dt, int64_t k, int64_t v) {
  switch (dt) {
  case SEQC_INT64:
    ((int64_t *)buf)[k] = v;
    break;
  case SEQC_INT32:
    ((int32_t *)buf)[k] = (int32_t)v;
    break;
  case SEQC_FLOAT:
    ((float *)buf)[k] = (float)v;
    break;
  case SEQC_FLOAT16: /* only 0 and 1 (masks) */
    ((uint16_t *)buf)[k] = v ? 0x3c00 : 0;
    break;
  case SEQC_BFLOAT16:
    ((uint16_t *)buf)[k] = v ? 0x3f80 : 0;
    break;
  default: /* bool, uint8, int8 */
    ((unsigned char *)buf)[k] = (unsigned char)v;
    break;
  }
}

/* One call of variant k: appends n tokens of each sequence, taken from
 * ids[b * stride + j], j < n, at past length impl->cur; the logits of the
 * last one go to `logits` ([batch][V]) unless NULL. */
static int run_step(session_impl *impl, int k, const int64_t *ids,
                    int64_t stride, int64_t n, float *logits) {
  const variant *v = &gen.var[k];
  var_bufs *vb = &impl->vb[k];
  int64_t p = impl->cur, T = v->T, B = gen.batch;
  for (int32_t j = 0; j < v->num_in; ++j) {
    seqc_tensor *t = &vb->in[j];
    switch (v->in[j].kind) {
    case ROLE_IDS:
      for (int64_t b = 0; b < B; ++b)
        for (int64_t i = 0; i < T; ++i)
          put_value(t->data, t->dtype, b * T + i,
                    b < impl->batch && i < n ? ids[b * stride + i] : 0);
      break;
    case ROLE_POSITIONS:
      /* Counted from each row's first token; pad slots get 1 (as HF's
       * cumsum(mask) - 1 with masked_fill(mask == 0, 1)). */
      for (int64_t b = 0; b < B; ++b)
        for (int64_t i = 0; i < T; ++i)
          put_value(t->data, t->dtype, b * T + i,
                    p + i >= impl->start[b]
                        ? p + i - impl->start[b] - impl->rpad[b]
                        : 1);
      break;
    case ROLE_MASK:
      /* The padding slots of a chunk count as valid: exporters (and
       * GroupQueryAttention's seqlens_k) place the step's T tokens at the
       * end of the valid range. Causal masking keeps the real tokens from
       * seeing the padding, whose cache rows later steps overwrite. */
      for (int64_t b = 0; b < B; ++b)
        for (int64_t i = 0; i < gen.max_len; ++i)
          put_value(t->data, t->dtype, b * gen.max_len + i,
                    i >= impl->start[b] && i < p + T - impl->rpad[b]);
      break;
    case ROLE_POS:
      put_value(t->data, t->dtype, 0, p);
      break;
    case ROLE_BLOCKS:
      /* The session's cache blocks: row b owns blocks [b * W, (b + 1) * W)
       * of its pool, in order. */
      for (int64_t b = 0; b < B; ++b)
        for (int64_t i = 0; i < t->dims[1]; ++i)
          put_value(t->data, t->dtype, b * t->dims[1] + i, b * t->dims[1] + i);
      break;
    default:
      break;
    }
  }
  const seqc_model_info *mi = &v->model->info;
  for (int32_t j = 0; j < v->num_out; ++j)
    if (v->dynamic_out && !vb->out[j].data)
      vb->out[j].dtype = 0;
  int status = seqc_model_run(v->model, vb->in, v->num_in, vb->out, v->num_out,
                              v->dynamic_out);
  if (v->dynamic_out)
    for (int32_t j = 0; j < v->num_out; ++j) {
      int dynamic = 0;
      for (int32_t d = 0; d < mi->outputs[j].rank; ++d)
        dynamic |= mi->outputs[j].dims[d] < 0;
      if (dynamic) {
        seqc_free(vb->out[j].data);
        vb->out[j].data = NULL;
      }
    }
  if (status != SEQC_OK)
    return status;
  if (logits)
    for (int64_t b = 0; b < impl->batch; ++b)
      memcpy(logits + b * gen.vocab, vb->logits + (b * T + (n - 1)) * gen.vocab,
             (size_t)gen.vocab * sizeof(float));
  return SEQC_OK;
}

/* The variant for the next call, at past length p with `remaining` tokens
 * to append; -1 if none fits the cache. A call of T tokens is taken to cost
 * about 1 + T/8 decode steps (weights are read once per call; compute grows
 * with T): a variant that covers the rest with padding wins over more
 * calls of a smaller one when that is cheaper. Recurrent states take in
 * every position, so with states no variant covers the rest with padding. */
static int pick_variant(int64_t p, int64_t remaining, int padded) {
  int fit = -1, cover = -1;
  for (int k = 0; k <= MAX_VARIANT; ++k) {
    const variant *v = &gen.var[k];
    if (!v->present || (v->fresh && p != 0) || p + v->T > gen.max_len ||
        (padded == 1 && !v->pad_ok) || (padded == 2 && !v->rows_ok) ||
        (gen.num_states && v->T > remaining))
      continue;
    if (v->T <= remaining) {
      if (fit < 0 || v->T > gen.var[fit].T)
        fit = k;
    } else if (cover < 0 || v->T < gen.var[cover].T) {
      cover = k;
    }
  }
  if (fit < 0 || cover < 0)
    return fit >= 0 ? fit : cover;
  double tf = (double)gen.var[fit].T, tc = (double)gen.var[cover].T;
  double fit_cost = (double)remaining * (1 + tf / 8) / tf;
  return 1 + tc / 8 < fit_cost ? cover : fit;
}

/* Appends n tokens per sequence (ids[b * n + j]) in chunks; on an error
 * impl->cur is unchanged. */
static int append(session_impl *impl, const char *fn, const int64_t *ids,
                  int64_t n, float *logits) {
  int64_t start = impl->cur;
  for (int64_t b = 0; b < impl->batch; ++b)
    for (int64_t j = 0; j < n; ++j)
      if (ids[b * n + j] < 0 || ids[b * n + j] >= gen.vocab)
        return seqc_fail(SEQC_ERR_ARGUMENT,
                         "%s: token id %lld at [%lld][%lld] is outside the "
                         "vocabulary [0, %lld)",
                         fn, (long long)ids[b * n + j], (long long)b,
                         (long long)j, (long long)gen.vocab);
  if (n > impl->max_len - start)
    return seqc_fail(SEQC_ERR_ARGUMENT,
                     "%s: %lld tokens do not fit: the session holds %lld of "
                     "at most %lld",
                     fn, (long long)n, (long long)start,
                     (long long)impl->max_len);
  for (int64_t done = 0; done < n;) {
    int k = pick_variant(impl->cur, n - done, impl->padded);
    if (k < 0) {
      impl->cur = start;
      return seqc_fail(SEQC_ERR_ARGUMENT,
                       "%s: no step variant fits the cache at length %lld", fn,
                       (long long)(start + done));
    }
    int64_t chunk = gen.var[k].T < n - done ? gen.var[k].T : n - done;
    int status = run_step(impl, k, ids + done, n, chunk,
                          done + chunk == n ? logits : NULL);
    if (status != SEQC_OK) {
      impl->cur = start;
      return status;
    }
    impl->cur += chunk;
    done += chunk;
  }
  return SEQC_OK;
}

SEQC_API int seqc_session_prefill(seqc_session *s, const int64_t *ids,
                                  int64_t n, float *logits) {
  static const char fn[] = "seqc_session_prefill";
  session_impl *impl = acquire(s, fn);
  if (!impl)
    return SEQC_ERR_ARGUMENT;
  int status;
  if (!ids)
    status = seqc_fail(SEQC_ERR_ARGUMENT, "%s: ids is NULL", fn);
  else if (n <= 0)
    status =
        seqc_fail(SEQC_ERR_ARGUMENT, "%s: n is %lld, expected at least 1 token",
                  fn, (long long)n);
  else
    status = append(impl, fn, ids, n, logits);
  return release(impl, status);
}

/* Rows of different lengths on variants that read the mask as a length and
 * append each row at its own position (mask "rows", see the top of this
 * file): the first n_max - 1 slots right-padded, then every row's last
 * token at its own position. On an error the session is empty again. */
static int append_right_padded(session_impl *impl, const char *fn,
                               const int64_t *ids, const int64_t *lengths,
                               int64_t n_max, float *logits) {
  if (n_max > impl->max_len)
    return seqc_fail(SEQC_ERR_ARGUMENT,
                     "%s: %lld tokens do not fit: the session holds at most "
                     "%lld",
                     fn, (long long)n_max, (long long)impl->max_len);
  int64_t n = n_max - 1, B = impl->batch;
  int64_t *buf = malloc((size_t)(B * (n + 1)) * sizeof(int64_t));
  if (!buf)
    return seqc_fail(SEQC_ERR_INTERNAL, "%s: out of memory", fn);
  int64_t *last = buf + B * n;
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t j = 0; j < n; ++j)
      buf[b * n + j] = j < lengths[b] - 1 ? ids[b * n_max + j] : 0;
    last[b] = ids[b * n_max + lengths[b] - 1];
  }
  impl->padded = 2;
  int status = append(impl, fn, buf, n, NULL);
  if (status == SEQC_OK) {
    for (int64_t b = 0; b < B; ++b)
      impl->rpad[b] = n_max - lengths[b];
    status = append(impl, fn, last, 1, logits);
  }
  free(buf);
  if (status != SEQC_OK) {
    memset(impl->rpad, 0, (size_t)gen.batch * sizeof(int64_t));
    impl->padded = 0;
    impl->cur = 0;
  }
  return status;
}

/* Appends row b's lengths[b] tokens, ids[b * n_max + j] for j < lengths[b].
 * Rows of equal length append like prefill; shorter rows are left-padded
 * (see the top of this file), which needs an empty session and variants
 * that read the mask key by key. On an error nothing changes. */
static int append_rows(session_impl *impl, const char *fn, const int64_t *ids,
                       const int64_t *lengths, int64_t n_max, float *logits) {
  if (!ids || !lengths)
    return seqc_fail(SEQC_ERR_ARGUMENT, "%s: ids or lengths is NULL", fn);
  if (n_max <= 0)
    return seqc_fail(SEQC_ERR_ARGUMENT,
                     "%s: n_max is %lld, expected at least 1 token", fn,
                     (long long)n_max);
  int64_t longest = 0;
  for (int32_t b = 0; b < impl->batch; ++b) {
    if (lengths[b] < 1 || lengths[b] > n_max)
      return seqc_fail(SEQC_ERR_ARGUMENT,
                       "%s: lengths[%d] is %lld, expected 1 .. n_max (%lld)",
                       fn, (int)b, (long long)lengths[b], (long long)n_max);
    if (lengths[b] > longest)
      longest = lengths[b];
    for (int64_t j = 0; j < lengths[b]; ++j)
      if (ids[b * n_max + j] < 0 || ids[b * n_max + j] >= gen.vocab)
        return seqc_fail(SEQC_ERR_ARGUMENT,
                         "%s: token id %lld at [%d][%lld] is outside the "
                         "vocabulary [0, %lld)",
                         fn, (long long)ids[b * n_max + j], (int)b,
                         (long long)j, (long long)gen.vocab);
  }
  if (longest != n_max)
    return seqc_fail(SEQC_ERR_ARGUMENT,
                     "%s: n_max is %lld but the longest row has %lld tokens",
                     fn, (long long)n_max, (long long)longest);
  int equal = 1;
  for (int32_t b = 0; b < impl->batch; ++b)
    equal &= lengths[b] == n_max;
  if (equal)
    return append(impl, fn, ids, n_max, logits);
  if (impl->cur != 0)
    return seqc_fail(SEQC_ERR_ARGUMENT,
                     "%s: rows of different lengths need an empty session "
                     "(it holds %lld tokens; reset it first)",
                     fn, (long long)impl->cur);
  if (!gen.var[0].pad_ok && gen.var[0].rows_ok)
    return append_right_padded(impl, fn, ids, lengths, n_max, logits);
  if (!gen.var[0].pad_ok) {
    int mask = 0;
    for (int32_t j = 0; j < gen.var[0].num_in; ++j)
      mask |= gen.var[0].in[j].kind == ROLE_MASK;
    return seqc_fail(
        SEQC_ERR_ARGUMENT,
        "%s: rows of different lengths need a model whose attention reads "
        "attention_mask key by key (left padding); this artifact's decode "
        "step %s",
        fn,
        mask ? "reads it as a valid length (GroupQueryAttention's seqlens_k) "
               "and appends all rows at one position (a paged cache)"
             : "takes no attention_mask");
  }
  if (n_max > impl->max_len)
    return seqc_fail(SEQC_ERR_ARGUMENT,
                     "%s: %lld tokens do not fit: the session holds at most "
                     "%lld",
                     fn, (long long)n_max, (long long)impl->max_len);
  int64_t *padded = malloc((size_t)(impl->batch * n_max) * sizeof(int64_t));
  if (!padded)
    return seqc_fail(SEQC_ERR_INTERNAL, "%s: out of memory", fn);
  for (int32_t b = 0; b < impl->batch; ++b) {
    int64_t pad = n_max - lengths[b];
    impl->start[b] = pad;
    for (int64_t j = 0; j < n_max; ++j)
      padded[b * n_max + j] = j < pad ? 0 : ids[b * n_max + j - pad];
  }
  impl->padded = 1;
  int status = append(impl, fn, padded, n_max, logits);
  free(padded);
  if (status != SEQC_OK) {
    memset(impl->start, 0, (size_t)gen.batch * sizeof(int64_t));
    impl->padded = 0;
  }
  return status;
}

SEQC_API int seqc_session_prefill_ragged(seqc_session *s, const int64_t *ids,
                                         const int64_t *lengths, int64_t n_max,
                                         float *logits) {
  static const char fn[] = "seqc_session_prefill_ragged";
  session_impl *impl = acquire(s, fn);
  if (!impl)
    return SEQC_ERR_ARGUMENT;
  return release(impl, append_rows(impl, fn, ids, lengths, n_max, logits));
}

SEQC_API int seqc_session_decode(seqc_session *s, const int64_t *tokens,
                                 float *logits) {
  static const char fn[] = "seqc_session_decode";
  session_impl *impl = acquire(s, fn);
  if (!impl)
    return SEQC_ERR_ARGUMENT;
  int status = tokens ? append(impl, fn, tokens, 1, logits)
                      : seqc_fail(SEQC_ERR_ARGUMENT, "%s: tokens is NULL", fn);
  return release(impl, status);
}

/* Checks sampling parameters (NULL: greedy) and resolves the EOS id. */
static int check_params(const char *fn, const seqc_sampling *params,
                        int64_t *eos) {
  *eos = gen.eos;
  if (params && (isnan(params->temperature) || params->top_k < 0 ||
                 isnan(params->top_p) || params->eos_id < -2 ||
                 params->eos_id >= gen.vocab))
    return seqc_fail(SEQC_ERR_ARGUMENT,
                     "%s: invalid sampling parameters (temperature and "
                     "top_p must be numbers, top_k >= 0, eos_id in [-2, "
                     "%lld))",
                     fn, (long long)gen.vocab),
           0;
  if (params && params->eos_id != -1)
    *eos = params->eos_id == -2 ? -1 : params->eos_id;
  return 1;
}

SEQC_API int seqc_generate(seqc_session *s, const int64_t *prompt, int64_t n,
                           int64_t max_new_tokens, const seqc_sampling *params,
                           int64_t *out_ids, int64_t *num_out,
                           int (*on_token)(int64_t id, void *user),
                           void *user) {
  static const char fn[] = "seqc_generate";
  if (num_out)
    *num_out = 0;
  session_impl *impl = acquire(s, fn);
  if (!impl)
    return SEQC_ERR_ARGUMENT;
  int64_t eos = gen.eos;
  int status = SEQC_OK;
  if (!prompt || !num_out || (max_new_tokens > 0 && !out_ids))
    status = seqc_fail(SEQC_ERR_ARGUMENT,
                       "%s: prompt, out_ids or num_out is NULL", fn);
  else if (n <= 0 || max_new_tokens < 0)
    status = seqc_fail(SEQC_ERR_ARGUMENT,
                       "%s: n is %lld and max_new_tokens %lld, expected n >= "
                       "1 and max_new_tokens >= 0",
                       fn, (long long)n, (long long)max_new_tokens);
  else if (impl->batch != 1)
    status = seqc_fail(SEQC_ERR_ARGUMENT,
                       "%s: the session has batch %d; generate runs batch-1 "
                       "sessions (use prefill/decode for batches)",
                       fn, (int)impl->batch);
  else if (!check_params(fn, params, &eos))
    status = SEQC_ERR_ARGUMENT;
  if (status != SEQC_OK)
    return release(impl, status);
  uint64_t rng = seqc_sample_seed(params ? params->seed : 0);
  status = append(impl, fn, prompt, n, impl->gen_logits);
  int64_t count = 0;
  while (status == SEQC_OK && count < max_new_tokens) {
    int64_t id = seqc_sample_token(impl->gen_logits, gen.vocab, params, &rng,
                                   impl->sample_scratch);
    out_ids[count++] = id;
    *num_out = count;
    if ((on_token && on_token(id, user) != 0) || id == eos ||
        count == max_new_tokens || impl->cur >= impl->max_len)
      break;
    status = append(impl, fn, &id, 1, impl->gen_logits);
  }
  return release(impl, status);
}

SEQC_API int seqc_generate_batch(
    seqc_session *s, const int64_t *prompts, const int64_t *lengths,
    int64_t n_max, int64_t max_new_tokens, const seqc_sampling *params,
    int64_t *out_ids, int64_t *num_out,
    int (*on_step)(int64_t step, const int64_t *ids, void *user), void *user) {
  static const char fn[] = "seqc_generate_batch";
  session_impl *impl = acquire(s, fn);
  if (!impl)
    return SEQC_ERR_ARGUMENT;
  int64_t eos;
  int status = SEQC_OK;
  if (!num_out || (max_new_tokens > 0 && !out_ids))
    status = seqc_fail(SEQC_ERR_ARGUMENT, "%s: out_ids or num_out is NULL", fn);
  else if (max_new_tokens < 0)
    status = seqc_fail(SEQC_ERR_ARGUMENT,
                       "%s: max_new_tokens is %lld, expected >= 0", fn,
                       (long long)max_new_tokens);
  else if (!check_params(fn, params, &eos))
    status = SEQC_ERR_ARGUMENT;
  if (status != SEQC_OK)
    return release(impl, status);
  int32_t B = impl->batch;
  for (int32_t b = 0; b < B; ++b)
    num_out[b] = 0;
  /* One generator per row, each seeded like a batch-1 seqc_generate: a row
   * samples what it would alone. */
  uint64_t *rng = malloc((size_t)B * (sizeof(uint64_t) + 2 * sizeof(int64_t)));
  if (!rng)
    return release(impl, seqc_fail(SEQC_ERR_INTERNAL, "%s: out of memory", fn));
  int64_t *next = (int64_t *)(rng + B), *picked = next + B;
  for (int32_t b = 0; b < B; ++b)
    rng[b] = seqc_sample_seed(params ? params->seed : 0);
  status = append_rows(impl, fn, prompts, lengths, n_max, impl->gen_logits);
  for (int64_t count = 0; status == SEQC_OK && count < max_new_tokens;) {
    int live = 0;
    for (int32_t b = 0; b < B; ++b) {
      /* A finished row keeps stepping (on its last id) with the others;
       * its output stops. */
      picked[b] = -1;
      if (num_out[b] < count || (count > 0 && next[b] == eos))
        continue;
      int64_t id =
          seqc_sample_token(impl->gen_logits + b * gen.vocab, gen.vocab, params,
                            &rng[b], impl->sample_scratch);
      out_ids[b * max_new_tokens + count] = id;
      num_out[b] = count + 1;
      next[b] = picked[b] = id;
      live |= id != eos;
    }
    if (on_step && on_step(count, picked, user) != 0)
      break;
    ++count;
    if (!live || count == max_new_tokens || impl->cur >= impl->max_len)
      break;
    status = append(impl, fn, next, 1, impl->gen_logits);
  }
  free(rng);
  return release(impl, status);
}
