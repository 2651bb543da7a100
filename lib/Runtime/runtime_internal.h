/*===- runtime_internal.h - Shared by the runtime's C files --------*- C -*-===*
 *
 * A "model" is one compiled entry point with its textual description: the
 * primary seqc_model_entry/seqc_model_desc, and the step variants of a
 * generation artifact (seqc_variant_entry_K/seqc_variant_desc_K). seqc_run
 * and the sessions (session.c) run them with the same checks. Everything here
 * is hidden inside the artifact.
 *
 *===----------------------------------------------------------------------===*/
#ifndef SEQC_RUNTIME_INTERNAL_H
#define SEQC_RUNTIME_INTERNAL_H

#include "seqc/Runtime/seqc_runtime.h"

#include <stddef.h>
#include <stdint.h>

typedef struct seqc_model {
  const char *desc;
  void (*entry)(void **args);
  seqc_model_info info;
  int ok; /* 1 once desc parsed; else `error` says why */
  char error[256];
  /* Inputs bound at compile time (seqc --const-input): the bytes each must
   * equal, NULL for free inputs. Indexed like info.inputs. */
  const unsigned char **bound_data;
  size_t *bound_size;
  /* Messages of the run-time checks ("check <id> <message>"), by id. */
  const char **check_msg;
  int64_t num_check_msg;
} seqc_model;

/* Returns the next whitespace-delimited token of *p (NUL-terminated in place)
 * or NULL at the end of the line: the tokenizer of the desc formats. */
char *seqc_next_token(char **p);

/* Parses m->desc (set with m->entry beforehand). Not thread-safe: callers
 * run it once (pthread_once). On failure m->ok is 0 and m->error says why. */
void seqc_model_parse(seqc_model *m);

/* The primary entry point, parsed on first use; NULL (and the reason in
 * seqc_last_error) if its description is invalid. */
const seqc_model *seqc_primary_model(void);

/* seqc_run (allocate == 0) / seqc_run_alloc (allocate == 1) on model `m`,
 * which must have parsed successfully. */
int seqc_model_run(const seqc_model *m, const seqc_tensor *inputs,
                   int32_t num_inputs, seqc_tensor *outputs,
                   int32_t num_outputs, int allocate);

/* Sets this thread's seqc_last_error() and returns `status`. */
int seqc_fail(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Picks a token from `logits[0..vocab)` (sampling.c). `rng` is the
 * generator's state (advanced when sampling); `scratch` holds 2*vocab
 * floats + vocab int64. Greedy (temperature <= 0): argmax, lowest id on
 * ties. NaN logits are never picked unless all are NaN (then 0). */
int64_t seqc_sample_token(const float *logits, int64_t vocab,
                          const seqc_sampling *params, uint64_t *rng,
                          void *scratch);
/* Bytes of the `scratch` seqc_sample_token needs. */
size_t seqc_sample_scratch_size(int64_t vocab);
/* The generator state for a seed. */
uint64_t seqc_sample_seed(uint64_t seed);

#endif /* SEQC_RUNTIME_INTERNAL_H */
