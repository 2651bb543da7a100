/*===- memref_copy.c - memrefCopy for compiled models --------------*- C -*-===*
 *
 * MLIR lowers memref.copy between buffers it cannot prove contiguous to a
 * call to `memrefCopy` (normally from libmlir_c_runner_utils). Artifacts must
 * not depend on MLIR's libraries, so the runtime provides it.
 *
 *===----------------------------------------------------------------------===*/
#include <stdint.h>
#include <string.h>

/* An unranked memref: the rank and a pointer to a ranked descriptor
 * { T *allocated; T *aligned; int64_t offset; int64_t sizes[rank];
 *   int64_t strides[rank]; }. */
typedef struct {
  int64_t rank;
  void *descriptor;
} unranked_memref;

typedef struct {
  char *allocated;
  char *aligned;
  int64_t offset;
  int64_t sizes_and_strides[];
} ranked_memref;

__attribute__((visibility("hidden"))) void
memrefCopy(int64_t elem_size, unranked_memref *src_arg,
           unranked_memref *dst_arg) {
  int64_t rank = src_arg->rank;
  const ranked_memref *src = src_arg->descriptor;
  const ranked_memref *dst = dst_arg->descriptor;
  const int64_t *sizes = src->sizes_and_strides;
  const int64_t *src_strides = src->sizes_and_strides + rank;
  const int64_t *dst_strides = dst->sizes_and_strides + rank;
  char *s = src->aligned + src->offset * elem_size;
  char *d = dst->aligned + dst->offset * elem_size;

  int64_t total = 1;
  for (int64_t i = 0; i < rank; ++i)
    total *= sizes[i];
  if (total == 0)
    return;
  if (rank == 0) {
    memcpy(d, s, elem_size);
    return;
  }
  /* Rows contiguous in both (the usual case: concatenations and slices
   * along outer dims) are copied whole; the odometer walks the rest in
   * row-major order. */
  int64_t row = 1, outer = rank;
  if (src_strides[rank - 1] == 1 && dst_strides[rank - 1] == 1) {
    row = sizes[rank - 1];
    outer = rank - 1;
  }
  size_t row_bytes = (size_t)(row * elem_size);
  int64_t index[rank];
  memset(index, 0, sizeof(index));
  int64_t src_off = 0, dst_off = 0;
  for (int64_t n = 0; n < total / row; ++n) {
    memcpy(d + dst_off * elem_size, s + src_off * elem_size, row_bytes);
    for (int64_t dim = outer - 1; dim >= 0; --dim) {
      ++index[dim];
      src_off += src_strides[dim];
      dst_off += dst_strides[dim];
      if (index[dim] < sizes[dim])
        break;
      src_off -= src_strides[dim] * sizes[dim];
      dst_off -= dst_strides[dim] * sizes[dim];
      index[dim] = 0;
    }
  }
}
