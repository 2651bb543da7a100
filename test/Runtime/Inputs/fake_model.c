/* A hand-written stand-in for a compiled seqc model, used to test the runtime
 * and seq-run without the compiler:
 *   inputs:  x float [2,3], "token ids" int64 [4]
 *   outputs: y float [2,3] = x * 2 + 1, "next ids" int64 [4] = ids + 1
 * With -DFAKE_DYNAMIC the first dim of x and y is dynamic (-1): y is handed
 * to the runtime (seqc_rt_set_output_f32, as compiled models do) from a
 * buffer with an offset, and is no parameter of the entry point.
 * With -DFAKE_BAD_DESC the description is malformed. */
#include <stdint.h>

#ifdef FAKE_DYNAMIC
#define ROWS "-1"
#else
#define ROWS "2"
#endif

#ifdef FAKE_BAD_DESC
const char seqc_model_desc[] = "seqc 1\nmodel fake\ninput x 1 two 2 3\n";
#else
const char seqc_model_desc[] = "seqc 1\n"
                               "model fake\n"
                               "target cpu\n"
                               "input x 1 2 " ROWS " 3\n"
                               "input token%20ids 7 1 4\n"
                               "output y 1 2 " ROWS " 3\n"
                               "output next%20ids 7 1 4\n";
#endif

typedef struct {
  float *allocated, *aligned;
  int64_t offset, sizes[2], strides[2];
} memref_f32_2d;

typedef struct {
  int64_t *allocated, *aligned;
  int64_t offset, sizes[1], strides[1];
} memref_i64_1d;

#ifdef FAKE_DYNAMIC
#include <stdlib.h>
void seqc_rt_set_output_f32(int64_t index, int64_t rank, void *desc);
#endif

void seqc_model_entry(void **args) {
  const memref_f32_2d *x = args[0];
  const memref_i64_1d *ids = args[1];
#ifdef FAKE_DYNAMIC
  float *buf = malloc((size_t)(x->sizes[0] * x->sizes[1] + 1) * sizeof(float));
  memref_f32_2d yd = {buf, buf, 1, {x->sizes[0], x->sizes[1]},
                      {x->sizes[1], 1}};
  memref_f32_2d *y = &yd;
  memref_i64_1d *next = args[2];
#else
  memref_f32_2d *y = args[2];
  memref_i64_1d *next = args[3];
#endif
  for (int64_t i = 0; i < x->sizes[0]; ++i)
    for (int64_t j = 0; j < x->sizes[1]; ++j)
      y->aligned[y->offset + i * y->strides[0] + j * y->strides[1]] =
          x->aligned[x->offset + i * x->strides[0] + j * x->strides[1]] * 2.0f +
          1.0f;
  for (int64_t i = 0; i < ids->sizes[0]; ++i)
    next->aligned[next->offset + i * next->strides[0]] =
        ids->aligned[ids->offset + i * ids->strides[0]] + 1;
#ifdef FAKE_DYNAMIC
  seqc_rt_set_output_f32(0, 2, y);
  free(buf);
#endif
}
