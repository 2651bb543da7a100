/*===- seqc_runtime.h - C ABI of seqc artifacts --------------------*- C -*-===*
 *
 * Every artifact built by `seqc` (model.so) exports this interface. The
 * generated model.h includes this header and documents the model's own
 * inputs and outputs.
 *
 *===----------------------------------------------------------------------===*/
#ifndef SEQC_RUNTIME_H
#define SEQC_RUNTIME_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SEQC_ABI_VERSION 1
#define SEQC_MAX_RANK 8

/* Element types use ONNX TensorProto.DataType codes.
 *
 * Memory layout: every element occupies a whole number of bytes, also the
 * sub-byte types, which ONNX packs in TensorProto storage but seqc keeps one
 * element per byte: INT4/UINT4/INT2/UINT2 and FLOAT4E2M1 use the low 4 (or 2)
 * bits of their byte. Inputs' upper bits are ignored; outputs' upper bits are
 * unspecified, so readers mask (and sign-extend INT4/INT2) themselves. The
 * 8-bit floats are their ONNX bit patterns, one byte each. */
typedef enum seqc_dtype {
  SEQC_FLOAT = 1,
  SEQC_UINT8 = 2,
  SEQC_INT8 = 3,
  SEQC_UINT16 = 4,
  SEQC_INT16 = 5,
  SEQC_INT32 = 6,
  SEQC_INT64 = 7,
  SEQC_BOOL = 9, /* one byte per element */
  SEQC_FLOAT16 = 10,
  SEQC_DOUBLE = 11,
  SEQC_UINT32 = 12,
  SEQC_UINT64 = 13,
  SEQC_BFLOAT16 = 16,
  SEQC_FLOAT8E4M3FN = 17,
  SEQC_FLOAT8E4M3FNUZ = 18,
  SEQC_FLOAT8E5M2 = 19,
  SEQC_FLOAT8E5M2FNUZ = 20,
  SEQC_UINT4 = 21,       /* one element per byte (low 4 bits) */
  SEQC_INT4 = 22,        /* one element per byte (low 4 bits) */
  SEQC_FLOAT4E2M1 = 23,  /* one element per byte (low 4 bits) */
  SEQC_FLOAT8E8M0 = 24,
  SEQC_UINT2 = 25,       /* one element per byte (low 2 bits) */
  SEQC_INT2 = 26         /* one element per byte (low 2 bits) */
} seqc_dtype;

typedef enum seqc_status {
  SEQC_OK = 0,
  SEQC_ERR_ARGUMENT = 1, /* wrong count, dtype, rank or shape */
  SEQC_ERR_INTERNAL = 2
} seqc_status;

/* Static description of one input or output; dims[i] == -1 is dynamic. */
typedef struct seqc_tensor_info {
  const char *name;
  int32_t dtype;
  int32_t rank;
  int64_t dims[SEQC_MAX_RANK];
} seqc_tensor_info;

typedef struct seqc_model_info {
  int32_t abi_version;
  const char *model_name;
  const char *target; /* "cpu" or "cuda" */
  int32_t num_inputs;
  int32_t num_outputs;
  const seqc_tensor_info *inputs;
  const seqc_tensor_info *outputs;
} seqc_model_info;

/* A dense row-major host tensor. The caller owns `data`. */
typedef struct seqc_tensor {
  void *data;
  int32_t dtype;
  int32_t rank;
  int64_t dims[SEQC_MAX_RANK];
} seqc_tensor;

/* The model's signature. Valid for the lifetime of the loaded library. */
const seqc_model_info *seqc_get_model_info(void);

/* Runs the model. `outputs[i].data` must point to a caller-allocated buffer
 * of the size given by the output's info (dtype/rank/dims are filled in).
 * Inputs may have dynamic dims (-1 in the info); pass their actual shapes.
 * A model with dynamically shaped outputs needs seqc_run_alloc instead.
 * Returns SEQC_OK or an error; seqc_last_error() then says why. Thread-safe
 * for concurrent calls with distinct buffers. */
int seqc_run(const seqc_tensor *inputs, int32_t num_inputs,
             seqc_tensor *outputs, int32_t num_outputs);

/* Like seqc_run, and also for models with dynamically shaped outputs
 * (dims -1 in the output's info, e.g. a symbolic sequence length). Inputs
 * carry their actual shapes in `dims`; their rank, static dims and dtype are
 * checked against the info. Every output whose `data` is NULL on entry, and
 * every dynamically shaped output, is allocated by the runtime: on SEQC_OK
 * its `data` points to a buffer the caller releases with seqc_free and its
 * `dims` hold the actual shape. Static outputs with a non-NULL `data` are
 * written in place as by seqc_run. On an error nothing stays allocated. */
int seqc_run_alloc(const seqc_tensor *inputs, int32_t num_inputs,
                   seqc_tensor *outputs, int32_t num_outputs);

/* Releases a buffer that seqc_run_alloc returned (NULL is ignored). */
void seqc_free(void *data);

/* A description of the last error on this thread ("" if none). */
const char *seqc_last_error(void);

/* Threads the artifact uses for its parallel loops and matmuls (>= 1).
 * Default: $SEQC_NUM_THREADS, else all online CPUs. Set it before or
 * between seqc_run calls. Returns SEQC_OK or SEQC_ERR_ARGUMENT (n < 1). */
int seqc_set_num_threads(int32_t n);
int32_t seqc_get_num_threads(void);
/* Stops and joins the worker threads (the next parallel loop starts them
 * again), so that a host can dlclose() the artifact. Not while a seqc_run is
 * in progress. */
void seqc_release_threads(void);

/* Size in bytes of one element of `dtype` (0 if unknown). */
int64_t seqc_dtype_size(int32_t dtype);

/* Profiling (artifacts compiled with seqc --profile-hooks; lib/Runtime/
 * profile.c): time, calls and FLOPs per kernel call, parallel region and
 * loop nest ("site") while enabled. SEQC_PROFILE=1 enables it for the whole
 * process and prints the report to stderr at exit. */
typedef struct seqc_profile_row {
  const char *name;  /* what ran: kernel and sizes, ONNX nodes */
  const char *label; /* the module's label ("" or a generation step's) */
  int64_t calls, ns, flops; /* flops: 0 where not known */
  /* 1: `flops` counts loops of dynamic trip count at their static upper
   * bound (e.g. the causal tiled attention): GFLOP/s is an upper bound. */
  int64_t flops_upper_bound;
} seqc_profile_row;
void seqc_profile_enable(int32_t on);
int32_t seqc_profile_enabled(void);
/* Zeroes every counter (not while a run is in progress). */
void seqc_profile_reset(void);
/* Writes up to `capacity` rows, slowest first; returns how many sites ran
 * (0: none, e.g. an artifact without hooks). */
int64_t seqc_profile_rows(seqc_profile_row *rows, int64_t capacity);
/* Time spent in the graph functions (and their number of runs). */
int64_t seqc_profile_run_ns(int64_t *runs);
/* The report as text (at most `capacity` bytes with the NUL; returns the
 * full length, as snprintf): per site ms/run, share of `total_ns` (<= 0:
 * the graph functions' time), calls/run and GFLOP/s, the `max_rows` (0:
 * all) slowest, then the time outside the sites and the total. `runs` <= 0:
 * the graph functions' count. */
int64_t seqc_profile_format(char *buf, int64_t capacity, int64_t total_ns,
                            int64_t runs, int64_t max_rows);

/*===----------------------------------------------------------------------===*
 * Generation (artifacts built with seqc --max-seq-len: a decode step with a
 * KV cache that the session owns; see lib/Runtime/session.c)
 *===----------------------------------------------------------------------===*/

/* A generation session: its own KV cache of up to max_len tokens for
 * `batch` sequences. Sessions are independent and may be used from
 * different threads at the same time; one session is used by one thread at
 * a time (a concurrent call on a busy session fails with
 * SEQC_ERR_ARGUMENT). Handles are checked on every call: a destroyed or
 * unknown handle is an error, never dereferenced. */
typedef struct seqc_session seqc_session;

typedef struct seqc_sampling {
  float temperature; /* <= 0: greedy (argmax, lowest id on ties) */
  int32_t top_k;     /* 0: off */
  float top_p;       /* >= 1: off */
  uint64_t seed;     /* deterministic per seed */
  int64_t eos_id;    /* -1: the model's eos (gen desc); -2: none */
} seqc_sampling;

/* 1 if the artifact is a generation artifact (has a generation desc). */
int seqc_is_generator(void);
/* The vocabulary size and the compiled cache capacity in tokens (-1 if the
 * artifact is no generator). */
int64_t seqc_vocab_size(void);
int64_t seqc_max_seq_len(void);

/* Creates a session for up to `max_len` tokens (0: the compiled maximum,
 * which it may not exceed) and `batch` sequences (1 .. the compiled batch;
 * 0: the compiled batch). seqc_session_prefill/decode step all sequences
 * together; seqc_session_prefill_ragged starts rows of different lengths. */
int seqc_session_create(int64_t max_len, int32_t batch, seqc_session **out);
/* Appends `n` tokens per sequence (`ids` is [batch][n]) to the cache, in
 * chunks of the artifact's step variants. `logits` ([batch][vocab] floats,
 * may be NULL) receives the logits after the last token. On an error the
 * session's length is unchanged. */
int seqc_session_prefill(seqc_session *s, const int64_t *ids, int64_t n,
                         float *logits);
/* Appends one token per sequence (`tokens` is [batch]); `logits` as for
 * prefill (may be NULL). */
int seqc_session_decode(seqc_session *s, const int64_t *tokens, float *logits);
/* Empties the cache (length 0); buffers are kept. */
int seqc_session_reset(seqc_session *s);
int seqc_session_destroy(seqc_session *s);
/* Tokens in the cache, -1 if `s` is no live session. */
int64_t seqc_session_length(const seqc_session *s);

/* Rows of different lengths: row b's prompt is ids[b * n_max + j], j <
 * lengths[b] (1 <= lengths[b] <= n_max, the longest exactly n_max).
 * Unequal rows need an empty session and a model whose attention reads
 * attention_mask key by key (torch/HF exports): shorter rows are left-padded
 * (mask 0, as Hugging Face's batched generate pads) and all rows end at the
 * same cache position; or GroupQueryAttention with a contiguous cache:
 * shorter rows are right-padded and each row appends at its own position.
 * Later decode calls step every row together. `logits` as for prefill: each
 * row's after its last token. Equal rows append like seqc_session_prefill. */
int seqc_session_prefill_ragged(seqc_session *s, const int64_t *ids,
                                const int64_t *lengths, int64_t n_max,
                                float *logits);
/* Tokens of row `row` (its pad slots excluded); -1 if `s` is no live
 * session or `row` is outside [0, batch). */
int64_t seqc_session_row_length(const seqc_session *s, int32_t row);

/* Prefills `prompt` ([n] ids; batch-1 sessions) and generates up to
 * `max_new_tokens` ids into `out_ids` (*num_out of them), sampled with
 * `params` (NULL: greedy, the model's eos). Stops after an EOS id (which is
 * written), when `on_token(id, user)` returns nonzero (the id is written),
 * or when the session is full. The last generated id is not fed back:
 * afterwards the cache holds the prompt and all generated ids but the
 * last (seqc_session_length). */
int seqc_generate(seqc_session *s, const int64_t *prompt, int64_t n,
                  int64_t max_new_tokens, const seqc_sampling *params,
                  int64_t *out_ids, int64_t *num_out,
                  int (*on_token)(int64_t id, void *user), void *user);

/* seqc_generate for every row of a session: prefills the rows as
 * seqc_session_prefill_ragged, then decodes all rows together. Row b's ids
 * go to out_ids[b * max_new_tokens + i], num_out[b] of them. A row stops
 * after its EOS id (it keeps stepping with the others, its output ends);
 * all stop when every row has stopped, after max_new_tokens, when the
 * session is full, or when `on_step(step, ids, user)` (may be NULL; ids[b]
 * is what row b picked at this step, -1 for a stopped row) returns
 * nonzero. Each row samples with its own generator seeded by
 * params->seed, so it gets what a batch-1 seqc_generate would. */
int seqc_generate_batch(seqc_session *s, const int64_t *prompts,
                        const int64_t *lengths, int64_t n_max,
                        int64_t max_new_tokens, const seqc_sampling *params,
                        int64_t *out_ids, int64_t *num_out,
                        int (*on_step)(int64_t step, const int64_t *ids,
                                       void *user),
                        void *user);

#ifdef __cplusplus
}
#endif

#endif /* SEQC_RUNTIME_H */
