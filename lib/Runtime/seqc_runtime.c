/*===- seqc_runtime.c - C runtime linked into seqc artifacts -------*- C -*-===*
 *
 * Implements the C ABI of include/seqc/Runtime/seqc_runtime.h on top of the
 * two symbols that the compiled model provides:
 *
 *   const char seqc_model_desc[];      textual signature, one record a line
 *   void seqc_model_entry(void **args); one memref descriptor per input, then
 *                                       one per (caller-allocated) output
 *
 * Only the functions of the header are visible outside the artifact.
 *
 *===----------------------------------------------------------------------===*/

#include "seqc/Runtime/seqc_runtime.h"

#include "cuda_runtime_internal.h"
#include "runtime_internal.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEQC_API __attribute__((visibility("default")))
#define SEQC_HIDDEN __attribute__((visibility("hidden")))

/* Provided by the compiled model (model.o), linked into the same .so. */
SEQC_HIDDEN extern const char seqc_model_desc[];
SEQC_HIDDEN extern void seqc_model_entry(void **args);

/*===----------------------------------------------------------------------===*
 * Errors
 *===----------------------------------------------------------------------===*/

static _Thread_local char last_error[512];

/* Declared in runtime_internal.h: session.c reports through it too. */
SEQC_HIDDEN int seqc_fail(int status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(last_error, sizeof(last_error), fmt, ap);
  va_end(ap);
  return status;
}
#define fail seqc_fail

SEQC_API const char *seqc_last_error(void) { return last_error; }

SEQC_API int64_t seqc_dtype_size(int32_t dtype) {
  switch (dtype) {
  case SEQC_UINT8:
  case SEQC_INT8:
  case SEQC_BOOL:
  case SEQC_FLOAT8E4M3FN:
  case SEQC_FLOAT8E4M3FNUZ:
  case SEQC_FLOAT8E5M2:
  case SEQC_FLOAT8E5M2FNUZ:
  case SEQC_FLOAT8E8M0:
  case SEQC_UINT4:
  case SEQC_INT4:
  case SEQC_FLOAT4E2M1:
  case SEQC_UINT2:
  case SEQC_INT2:
    return 1;
  case SEQC_UINT16:
  case SEQC_INT16:
  case SEQC_FLOAT16:
  case SEQC_BFLOAT16:
    return 2;
  case SEQC_FLOAT:
  case SEQC_INT32:
  case SEQC_UINT32:
    return 4;
  case SEQC_INT64:
  case SEQC_DOUBLE:
  case SEQC_UINT64:
    return 8;
  default:
    return 0;
  }
}

/*===----------------------------------------------------------------------===*
 * Parsing seqc_model_desc
 *===----------------------------------------------------------------------===*/

static pthread_once_t info_once = PTHREAD_ONCE_INIT;
/* The primary entry point (see runtime_internal.h for the fields). */
static seqc_model primary;

char *seqc_next_token(char **p) {
  char *s = *p;
  while (*s == ' ' || *s == '\t' || *s == '\r')
    ++s;
  if (*s == '\0')
    return NULL;
  char *start = s;
  while (*s && *s != ' ' && *s != '\t' && *s != '\r')
    ++s;
  if (*s)
    *s++ = '\0';
  *p = s;
  return start;
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Decodes %XX escapes in place. */
static void percent_decode(char *s) {
  char *out = s;
  for (; *s; ++s) {
    int hi, lo;
    if (s[0] == '%' && (hi = hex_value(s[1])) >= 0 &&
        (lo = hex_value(s[2])) >= 0) {
      *out++ = (char)(hi * 16 + lo);
      s += 2;
    } else {
      *out++ = *s;
    }
  }
  *out = '\0';
}

static int parse_int64(const char *s, int64_t *value) {
  char *end;
  if (!s)
    return 0;
  long long v = strtoll(s, &end, 10);
  if (end == s || *end != '\0')
    return 0;
  *value = (int64_t)v;
  return 1;
}

/* Parses "bound <hex>" (the value input `i` was specialized to) in place;
 * a bare "bound" is an empty value. */
static int parse_bound(seqc_model *m, char *rest, int32_t i) {
  static char empty[1];
  char *hex = seqc_next_token(&rest);
  if (!hex)
    hex = empty;
  if (i < 0 || seqc_next_token(&rest) != NULL)
    return 0;
  size_t len = strlen(hex);
  if (len % 2)
    return 0;
  unsigned char *out = (unsigned char *)hex;
  for (size_t k = 0; k < len / 2; ++k) {
    int hi = hex_value(hex[2 * k]), lo = hex_value(hex[2 * k + 1]);
    if (hi < 0 || lo < 0)
      return 0;
    out[k] = (unsigned char)(hi * 16 + lo);
  }
  m->bound_data[i] = out;
  m->bound_size[i] = len / 2;
  return 1;
}

static int parse_check(seqc_model *m, char *rest) {
  int64_t id;
  char *msg;
  if (!parse_int64(seqc_next_token(&rest), &id) ||
      !(msg = seqc_next_token(&rest)) || seqc_next_token(&rest) != NULL ||
      id < 0 || id >= m->num_check_msg)
    return 0;
  percent_decode(msg);
  m->check_msg[id] = msg;
  return 1;
}

/* Parses "<name> <dtype> <rank> <d0> ..." into `t`. */
static int parse_tensor(char *rest, seqc_tensor_info *t) {
  char *name = seqc_next_token(&rest);
  int64_t dtype, rank;
  if (!name || !parse_int64(seqc_next_token(&rest), &dtype) ||
      !parse_int64(seqc_next_token(&rest), &rank) || rank < 0 ||
      rank > SEQC_MAX_RANK || seqc_dtype_size((int32_t)dtype) == 0)
    return 0;
  percent_decode(name);
  t->name = name;
  t->dtype = (int32_t)dtype;
  t->rank = (int32_t)rank;
  for (int64_t i = 0; i < rank; ++i)
    if (!parse_int64(seqc_next_token(&rest), &t->dims[i]) || t->dims[i] < -1)
      return 0;
  return seqc_next_token(&rest) == NULL;
}

void seqc_model_parse(seqc_model *m) {
  /* The text is copied once and the names point into the copy; both live as
   * long as the library. */
  const char *desc = m->desc;
  seqc_model_info *info = &m->info;
  char *info_error = m->error;
  size_t len = strlen(desc);
  char *text = malloc(len + 1);
  size_t lines = 1;
  for (size_t i = 0; i < len; ++i)
    lines += desc[i] == '\n';
  seqc_tensor_info *inputs = calloc(lines, sizeof(seqc_tensor_info));
  seqc_tensor_info *outputs = calloc(lines, sizeof(seqc_tensor_info));
  m->bound_data = calloc(lines, sizeof(*m->bound_data));
  m->bound_size = calloc(lines, sizeof(*m->bound_size));
  m->check_msg = calloc(lines, sizeof(*m->check_msg));
  m->num_check_msg = (int64_t)lines;
  if (!text || !inputs || !outputs || !m->bound_data || !m->bound_size ||
      !m->check_msg) {
    snprintf(info_error, sizeof(m->error), "out of memory");
    return;
  }
  memcpy(text, desc, len + 1);

  info->abi_version = 0;
  info->model_name = "";
  info->target = "cpu";
  info->inputs = inputs;
  info->outputs = outputs;
  int line_no = 0;
  for (char *line = text; line;) {
    char *nl = strchr(line, '\n');
    if (nl)
      *nl = '\0';
    ++line_no;
    char *rest = line;
    char *key = seqc_next_token(&rest);
    int ok = 1;
    if (!key) {
      /* blank line */
    } else if (line_no == 1 || info->abi_version == 0) {
      int64_t version;
      ok = strcmp(key, "seqc") == 0 &&
           parse_int64(seqc_next_token(&rest), &version);
      if (ok && version != SEQC_ABI_VERSION) {
        snprintf(info_error, sizeof(m->error),
                 "model description has ABI version %lld, runtime expects %d",
                 (long long)version, SEQC_ABI_VERSION);
        return;
      }
      info->abi_version = SEQC_ABI_VERSION;
    } else if (strcmp(key, "model") == 0 || strcmp(key, "target") == 0) {
      char *value = seqc_next_token(&rest);
      ok = value != NULL;
      if (ok) {
        percent_decode(value);
        *(key[0] == 'm' ? &info->model_name : &info->target) = value;
      }
    } else if (strcmp(key, "input") == 0) {
      ok = parse_tensor(rest, &inputs[info->num_inputs++]);
    } else if (strcmp(key, "bound") == 0) {
      ok = parse_bound(m, rest, info->num_inputs - 1);
    } else if (strcmp(key, "check") == 0) {
      ok = parse_check(m, rest);
    } else if (strcmp(key, "output") == 0) {
      ok = parse_tensor(rest, &outputs[info->num_outputs++]);
    }
    /* Unknown records are ignored so that newer compilers can add some. */
    if (!ok) {
      snprintf(info_error, sizeof(m->error),
               "malformed model description at line %d", line_no);
      return;
    }
    line = nl ? nl + 1 : NULL;
  }
  if (info->abi_version == 0) {
    snprintf(info_error, sizeof(m->error),
             "model description does not start with 'seqc %d'",
             SEQC_ABI_VERSION);
    return;
  }
  m->ok = 1;
}

static void parse_primary(void) {
  primary.desc = seqc_model_desc;
  primary.entry = seqc_model_entry;
  seqc_model_parse(&primary);
}

const seqc_model *seqc_primary_model(void) {
  pthread_once(&info_once, parse_primary);
  if (!primary.ok) {
    fail(SEQC_ERR_INTERNAL, "%s", primary.error);
    return NULL;
  }
  return &primary;
}

SEQC_API const seqc_model_info *seqc_get_model_info(void) {
  const seqc_model *m = seqc_primary_model();
  return m ? &m->info : NULL;
}

/*===----------------------------------------------------------------------===*
 * Running
 *===----------------------------------------------------------------------===*/

/* An MLIR memref descriptor of rank <= SEQC_MAX_RANK: for rank r the sizes
 * are shape[0..r) and the strides shape[r..2r), exactly the layout of
 * struct { T *allocated, *aligned; int64_t offset, sizes[r], strides[r]; }. */
typedef struct memref_desc {
  void *allocated;
  void *aligned;
  int64_t offset;
  int64_t shape[2 * SEQC_MAX_RANK];
} memref_desc;

/* Formats dims as "[1,16]" ("?" for dynamic ones) into buf. */
static const char *format_dims(char *buf, size_t size, int32_t rank,
                               const int64_t *dims) {
  size_t n = (size_t)snprintf(buf, size, "[");
  for (int32_t i = 0; i < rank && n < size; ++i) {
    const char *sep = i ? "," : "";
    if (dims[i] < 0)
      n += (size_t)snprintf(buf + n, size - n, "%s?", sep);
    else
      n += (size_t)snprintf(buf + n, size - n, "%s%lld", sep,
                            (long long)dims[i]);
  }
  if (n < size)
    snprintf(buf + n, size - n, "]");
  return buf;
}

/* Formats element `k` of `data` (dtype `dtype`) into buf. */
static const char *format_element(char *buf, size_t size, int32_t dtype,
                                  const unsigned char *data, int64_t k) {
  int64_t w = seqc_dtype_size(dtype);
  const unsigned char *p = data + k * w;
  switch (dtype) {
  case SEQC_INT64: {
    int64_t v;
    memcpy(&v, p, 8);
    snprintf(buf, size, "%lld", (long long)v);
    return buf;
  }
  case SEQC_INT32: {
    int32_t v;
    memcpy(&v, p, 4);
    snprintf(buf, size, "%d", v);
    return buf;
  }
  case SEQC_INT8:
    snprintf(buf, size, "%d", (int)(signed char)p[0]);
    return buf;
  case SEQC_BOOL:
  case SEQC_UINT8:
    snprintf(buf, size, "%u", (unsigned)p[0]);
    return buf;
  case SEQC_FLOAT: {
    float v;
    memcpy(&v, p, 4);
    snprintf(buf, size, "%g", (double)v);
    return buf;
  }
  case SEQC_DOUBLE: {
    double v;
    memcpy(&v, p, 8);
    snprintf(buf, size, "%g", v);
    return buf;
  }
  default: {
    size_t n = 0;
    buf[0] = '\0';
    for (int64_t b = w - 1; b >= 0 && n + 3 < size; --b)
      n += (size_t)snprintf(buf + n, size - n, "%s%02x", b == w - 1 ? "0x" : "",
                            p[b]);
    return buf;
  }
  }
}

/* Input `i` bound at compile time must hold exactly the bound value: the
 * artifact was specialized to it (shapes, axes...), any other value would
 * compute a silently wrong result. */
static int check_bound(const seqc_model *m, int32_t i,
                       const seqc_tensor_info *ti, const seqc_tensor *t) {
  const unsigned char *const *bound_data = m->bound_data;
  const size_t *bound_size = m->bound_size;
  if (!bound_data || !bound_data[i])
    return SEQC_OK;
  int64_t w = seqc_dtype_size(ti->dtype), count = 1;
  for (int32_t d = 0; d < t->rank; ++d)
    count *= t->dims[d];
  if ((size_t)(count * w) != bound_size[i])
    return fail(SEQC_ERR_ARGUMENT,
                "input '%s' was bound at compile time (seqc --const-input) "
                "to %zu bytes, got %lld",
                ti->name, bound_size[i], (long long)(count * w));
  const unsigned char *got = (const unsigned char *)t->data;
  for (int64_t k = 0; k < count; ++k)
    if (memcmp(got + k * w, bound_data[i] + k * w, (size_t)w) != 0) {
      char want[64], have[64];
      return fail(
          SEQC_ERR_ARGUMENT,
          "input '%s' was bound at compile time (seqc --const-input) "
          "and must equal that value: element %lld is %s, expected %s",
          ti->name, (long long)k,
          format_element(have, sizeof(have), ti->dtype, got, k),
          format_element(want, sizeof(want), ti->dtype, bound_data[i], k));
    }
  return SEQC_OK;
}

/* Checks `t` against `ti`; `what` is "input" or "output". */
static int check_tensor(const char *what, const seqc_tensor_info *ti,
                        const seqc_tensor *t) {
  char want[160], got[160];
  if (t->dtype != ti->dtype)
    return fail(SEQC_ERR_ARGUMENT, "%s '%s': expected dtype %d, got %d", what,
                ti->name, ti->dtype, t->dtype);
  int shape_ok = t->rank == ti->rank;
  if (t->rank < 0 || t->rank > SEQC_MAX_RANK)
    shape_ok = 0;
  for (int32_t i = 0; shape_ok && i < ti->rank; ++i)
    shape_ok =
        t->dims[i] >= 0 && (ti->dims[i] < 0 || t->dims[i] == ti->dims[i]);
  if (!shape_ok)
    return fail(
        SEQC_ERR_ARGUMENT, "%s '%s': expected shape %s, got %s", what, ti->name,
        format_dims(want, sizeof(want), ti->rank, ti->dims),
        format_dims(got, sizeof(got),
                    t->rank < 0 || t->rank > SEQC_MAX_RANK ? 0 : t->rank,
                    t->dims));
  if (!t->data) {
    int64_t count = 1;
    for (int32_t i = 0; i < t->rank; ++i)
      count *= t->dims[i];
    if (count != 0)
      return fail(SEQC_ERR_ARGUMENT, "%s '%s': data is NULL", what, ti->name);
  }
  return SEQC_OK;
}

static void fill_desc(memref_desc *d, void *data, int32_t rank,
                      const int64_t *dims) {
  d->allocated = data;
  d->aligned = data;
  d->offset = 0;
  int64_t stride = 1;
  for (int32_t i = rank - 1; i >= 0; --i) {
    d->shape[i] = dims[i];
    d->shape[rank + i] = stride;
    stride *= dims[i] > 0 ? dims[i] : 1;
  }
}

/* The outputs of the run in progress on this thread, which the model's
 * dynamically shaped results are written to (see seqc_rt_set_output). */
typedef struct run_ctx {
  const seqc_model *model;
  const seqc_model_info *mi;
  seqc_tensor *outputs;
  int failed;
} run_ctx;
static _Thread_local run_ctx *current_run;

/* Where seqc_rt_check_failed returns to: set around the model call of the
 * run in progress on this thread. */
static _Thread_local jmp_buf *check_jmp;

/* Called by the model when run-time shape check `id` fails (a dynamic dim
 * that must equal another does not; see seq-lower-runtime-checks): records
 * the check's message and longjmps back into run(), which fails with
 * SEQC_ERR_ARGUMENT. Checks run on the calling thread, outside parallel
 * regions. Buffers the model allocated before the check are not freed (a
 * leak per failed run, no corruption). */
SEQC_HIDDEN void seqc_rt_check_failed(int32_t id) {
  const seqc_model *m = current_run ? current_run->model : NULL;
  const char *msg = m && id >= 0 && id < m->num_check_msg && m->check_msg[id]
                        ? m->check_msg[id]
                        : NULL;
  if (msg)
    fail(SEQC_ERR_ARGUMENT, "run-time check failed: %s", msg);
  else
    fail(SEQC_ERR_ARGUMENT, "run-time shape check %d failed", (int)id);
  if (check_jmp)
    longjmp(*check_jmp, 1);
  abort(); /* not inside seqc_run: nowhere to report to */
}

static int is_dynamic(const seqc_tensor_info *ti) {
  for (int32_t d = 0; d < ti->rank; ++d)
    if (ti->dims[d] < 0)
      return 1;
  return 0;
}

/* Called by the model (lib/Conversion/EntryPoint/DynamicResults.cpp) with
 * output `index` as an unranked memref (rank, ranked descriptor): copies it
 * into a fresh buffer that the caller frees with seqc_free. */
SEQC_HIDDEN void seqc_rt_set_output(int64_t index, int64_t rank, void *ptr) {
  run_ctx *ctx = current_run;
  if (!ctx || ctx->failed)
    return;
  const memref_desc *d = (const memref_desc *)ptr;
  if (index < 0 || index >= ctx->mi->num_outputs ||
      rank != ctx->mi->outputs[index].rank) {
    ctx->failed = fail(SEQC_ERR_INTERNAL,
                       "model returned output %lld of rank %lld, expected "
                       "rank %d",
                       (long long)index, (long long)rank,
                       index >= 0 && index < ctx->mi->num_outputs
                           ? ctx->mi->outputs[index].rank
                           : -1);
    return;
  }
  const seqc_tensor_info *ti = &ctx->mi->outputs[index];
  int64_t w = seqc_dtype_size(ti->dtype), count = 1;
  for (int64_t i = 0; i < rank; ++i)
    count *= d->shape[i];
  unsigned char *out = malloc(count * w > 0 ? (size_t)(count * w) : 1);
  if (!out) {
    ctx->failed =
        fail(SEQC_ERR_INTERNAL, "out of memory for output '%s'", ti->name);
    return;
  }
  /* Row-major walk over the (possibly strided) source. */
  const unsigned char *base = (const unsigned char *)d->aligned + d->offset * w;
  int64_t idx[SEQC_MAX_RANK] = {0};
  for (int64_t k = 0; k < count; ++k) {
    int64_t off = 0;
    for (int64_t i = 0; i < rank; ++i)
      off += idx[i] * d->shape[rank + i];
    memcpy(out + k * w, base + off * w, (size_t)w);
    for (int64_t i = rank - 1; i >= 0; --i) {
      if (++idx[i] < d->shape[i])
        break;
      idx[i] = 0;
    }
  }
  seqc_tensor *t = &ctx->outputs[index];
  free(t->data);
  t->data = out;
  t->dtype = ti->dtype;
  t->rank = ti->rank;
  memset(t->dims, 0, sizeof(t->dims));
  memcpy(t->dims, d->shape, (size_t)rank * sizeof(int64_t));
}

/* One setter symbol per MLIR element type; all have the same C ABI. */
#define SEQC_SETTER(elt)                                                       \
  SEQC_HIDDEN void seqc_rt_set_output_##elt(int64_t, int64_t, void *)          \
      __attribute__((alias("seqc_rt_set_output")));
SEQC_SETTER(i1)
SEQC_SETTER(i2)
SEQC_SETTER(i4)
SEQC_SETTER(i8)
SEQC_SETTER(i16)
SEQC_SETTER(i32)
SEQC_SETTER(i64)
SEQC_SETTER(f16)
SEQC_SETTER(bf16)
SEQC_SETTER(f32)
SEQC_SETTER(f64)
SEQC_SETTER(f8E4M3FN)
SEQC_SETTER(f8E4M3FNUZ)
SEQC_SETTER(f8E5M2)
SEQC_SETTER(f8E5M2FNUZ)
SEQC_SETTER(f4E2M1FN)
SEQC_SETTER(f8E8M0FNU)
#undef SEQC_SETTER

SEQC_API void seqc_free(void *data) { free(data); }

/* Frees what seqc_run_alloc allocated for outputs [0, n) after a failure:
 * dynamic outputs and the static ones marked with dtype -1. */
static void release(const seqc_model_info *mi, seqc_tensor *outputs,
                    int32_t n) {
  for (int32_t i = 0; i < n; ++i)
    if (is_dynamic(&mi->outputs[i]) || outputs[i].dtype == -1) {
      free(outputs[i].data);
      outputs[i].data = NULL;
    }
}

/* seqc_run (allocate == 0) and seqc_run_alloc (allocate == 1) on `model`. */
int seqc_model_run(const seqc_model *model, const seqc_tensor *inputs,
                   int32_t num_inputs, seqc_tensor *outputs,
                   int32_t num_outputs, int allocate) {
  const seqc_model_info *mi = &model->info;
  if (num_inputs != mi->num_inputs || num_outputs != mi->num_outputs)
    return fail(SEQC_ERR_ARGUMENT,
                "model '%s' expects %d inputs and %d outputs, got %d and %d",
                mi->model_name, mi->num_inputs, mi->num_outputs, num_inputs,
                num_outputs);
  if ((num_inputs && !inputs) || (num_outputs && !outputs))
    return fail(SEQC_ERR_ARGUMENT, "inputs or outputs array is NULL");

  for (int32_t i = 0; i < num_inputs; ++i)
    if (check_tensor("input", &mi->inputs[i], &inputs[i]) != SEQC_OK ||
        check_bound(model, i, &mi->inputs[i], &inputs[i]) != SEQC_OK)
      return SEQC_ERR_ARGUMENT;
  int any_dynamic = 0;
  for (int32_t i = 0; i < num_outputs; ++i) {
    const seqc_tensor_info *ti = &mi->outputs[i];
    if (is_dynamic(ti)) {
      char want[160];
      if (!allocate)
        return fail(SEQC_ERR_ARGUMENT,
                    "output '%s' has the dynamic shape %s: run the model "
                    "with seqc_run_alloc",
                    ti->name,
                    format_dims(want, sizeof(want), ti->rank, ti->dims));
      any_dynamic = 1;
      continue;
    }
    if (allocate && outputs[i].data == NULL)
      continue;
    /* The runtime fills in dtype/rank/dims of outputs; a caller that already
     * set a dtype gets them checked instead of silently overwritten. */
    seqc_tensor probe = outputs[i];
    if (probe.dtype == 0) {
      probe.dtype = ti->dtype;
      probe.rank = ti->rank;
      memcpy(probe.dims, ti->dims, sizeof(probe.dims));
    }
    if (check_tensor("output", ti, &probe) != SEQC_OK)
      return SEQC_ERR_ARGUMENT;
  }
  if (any_dynamic && mi->target && strcmp(mi->target, "cpu") != 0)
    return fail(SEQC_ERR_ARGUMENT,
                "dynamically shaped outputs are only supported on the cpu "
                "target");
  /* seqc_run_alloc: static outputs without a buffer get one here; dynamic
   * ones when the model hands them over. */
  for (int32_t i = 0; i < num_outputs; ++i) {
    const seqc_tensor_info *ti = &mi->outputs[i];
    int fresh = allocate && (is_dynamic(ti) || outputs[i].data == NULL);
    outputs[i].dtype = ti->dtype;
    outputs[i].rank = ti->rank;
    memset(outputs[i].dims, 0, sizeof(outputs[i].dims));
    memcpy(outputs[i].dims, ti->dims, (size_t)ti->rank * sizeof(int64_t));
    if (!fresh)
      continue;
    outputs[i].data = NULL;
    if (is_dynamic(ti))
      continue;
    int64_t bytes = seqc_dtype_size(ti->dtype);
    for (int32_t d = 0; d < ti->rank; ++d)
      bytes *= ti->dims[d];
    outputs[i].data = malloc(bytes > 0 ? (size_t)bytes : 1);
    if (!outputs[i].data) {
      release(mi, outputs, i);
      return fail(SEQC_ERR_INTERNAL, "out of memory");
    }
    outputs[i].dtype = -1; /* marks runtime-allocated until the end */
  }

  int32_t n = num_inputs + num_outputs;
  memref_desc stack_descs[16];
  void *stack_args[16];
  memref_desc *descs = stack_descs;
  void **args = stack_args;
  if (n > 16) {
    descs = malloc((size_t)n * sizeof(memref_desc));
    args = malloc((size_t)n * sizeof(void *));
    if (!descs || !args) {
      free(descs);
      free(args);
      return fail(SEQC_ERR_INTERNAL, "out of memory");
    }
  }
  for (int32_t i = 0; i < num_inputs; ++i)
    fill_desc(&descs[i], inputs[i].data, inputs[i].rank, inputs[i].dims);
  /* Dynamic outputs are no parameters of the entry point. */
  int32_t m = num_inputs;
  for (int32_t i = 0; i < num_outputs; ++i)
    if (!is_dynamic(&mi->outputs[i]))
      fill_desc(&descs[m++], outputs[i].data, outputs[i].rank, outputs[i].dims);
  for (int32_t i = 0; i < m; ++i)
    args[i] = &descs[i];

  /* CUDA-target models: driver and context first, the run's error after. */
  int cuda = mi->target && strcmp(mi->target, "cuda") == 0;
  const char *gpu_error = cuda ? seqc_cuda_begin() : NULL;
  run_ctx ctx = {model, mi, outputs, 0};
  run_ctx *saved = current_run;
  current_run = &ctx;
  jmp_buf env;
  jmp_buf *saved_jmp = check_jmp;
  volatile int check_failed = 0;
  if (!gpu_error) {
    if (setjmp(env) == 0) {
      check_jmp = &env;
      model->entry(args);
    } else {
      check_failed = 1;
      ctx.failed = SEQC_ERR_ARGUMENT;
    }
    check_jmp = saved_jmp;
    if (cuda)
      gpu_error = seqc_cuda_end();
  }
  current_run = saved;
  if (!ctx.failed)
    last_error[0] = '\0';
  for (int32_t i = 0; !ctx.failed && i < num_outputs; ++i)
    if (is_dynamic(&mi->outputs[i]) && !outputs[i].data)
      ctx.failed = fail(SEQC_ERR_INTERNAL, "model did not return output '%s'",
                        mi->outputs[i].name);
  if (ctx.failed || gpu_error)
    release(mi, outputs, num_outputs);
  for (int32_t i = 0; i < num_outputs; ++i)
    if (outputs[i].dtype == -1) {
      const seqc_tensor_info *ti = &mi->outputs[i];
      outputs[i].dtype = ti->dtype;
      outputs[i].rank = ti->rank;
      memset(outputs[i].dims, 0, sizeof(outputs[i].dims));
      memcpy(outputs[i].dims, ti->dims, (size_t)ti->rank * sizeof(int64_t));
    }

  if (descs != stack_descs) {
    free(descs);
    free(args);
  }
  if (gpu_error)
    return fail(SEQC_ERR_INTERNAL, "%s", gpu_error);
  if (check_failed)
    return SEQC_ERR_ARGUMENT;
  return ctx.failed ? SEQC_ERR_INTERNAL : SEQC_OK;
}

SEQC_API int seqc_run(const seqc_tensor *inputs, int32_t num_inputs,
                      seqc_tensor *outputs, int32_t num_outputs) {
  if (!seqc_get_model_info())
    return SEQC_ERR_INTERNAL;
  return seqc_model_run(&primary, inputs, num_inputs, outputs, num_outputs, 0);
}

SEQC_API int seqc_run_alloc(const seqc_tensor *inputs, int32_t num_inputs,
                            seqc_tensor *outputs, int32_t num_outputs) {
  if (!seqc_get_model_info())
    return SEQC_ERR_INTERNAL;
  return seqc_model_run(&primary, inputs, num_inputs, outputs, num_outputs, 1);
}
