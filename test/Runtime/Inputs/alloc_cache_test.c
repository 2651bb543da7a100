/* Exercises the recycled-buffer allocator that generated code calls. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

void *_mlir_memref_to_llvm_alloc(size_t size);
void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment, size_t size);
void _mlir_memref_to_llvm_free(void *ptr);

#define EXPECT(c)                                                              \
  do {                                                                         \
    if (!(c)) {                                                                \
      printf("FAILED: %s (line %d)\n", #c, __LINE__);                          \
      return 1;                                                                \
    }                                                                          \
  } while (0)

int main(void) {
  char *a = _mlir_memref_to_llvm_alloc(300000);
  EXPECT(a && (uintptr_t)a % 64 == 0);
  memset(a, 1, 300000);
  _mlir_memref_to_llvm_free(a);
  /* Same size class: the freed block comes back. */
  char *b = _mlir_memref_to_llvm_alloc(300001);
  EXPECT(b == a);
  /* Another size class: a different block. */
  char *c = _mlir_memref_to_llvm_alloc(600000);
  EXPECT(c && c != b);
  memset(c, 2, 600000);
  _mlir_memref_to_llvm_free(b);
  _mlir_memref_to_llvm_free(c);
  /* Over-aligned blocks work and are freed, not cached. */
  char *d = _mlir_memref_to_llvm_aligned_alloc(4096, 1000);
  EXPECT(d && (uintptr_t)d % 4096 == 0);
  memset(d, 3, 1000);
  _mlir_memref_to_llvm_free(d);
  _mlir_memref_to_llvm_free(NULL);
  /* Zero-sized allocations are valid, distinct pointers. */
  char *e = _mlir_memref_to_llvm_alloc(0), *f = _mlir_memref_to_llvm_alloc(0);
  EXPECT(e && f && e != f);
  _mlir_memref_to_llvm_free(e);
  _mlir_memref_to_llvm_free(f);
  printf("alloc cache OK\n");
  return 0;
}
