/*===- alloc_cache.c - recycled heap buffers for generated code ----*- C -*-===*
 *
 * seqc lowers memref.alloc/dealloc with finalize-memref-to-llvm's
 * use-generic-functions, so the generated code calls these three functions
 * instead of malloc/free. A model allocates the same intermediate buffers on
 * every run; from libc each large one is a fresh mmap (or a heap that was
 * trimmed), i.e. one page fault and a zeroed page per 4 KiB touched, which
 * cost llama_mid ~2200 faults per run. Freed blocks are therefore kept in a
 * small cache keyed by their page-rounded size and handed out again.
 *
 * Each block carries a 64-byte header with its size class, so a free needs
 * no lookup and the pointer handed out stays 64-byte aligned. Blocks never
 * leave the generated code (outputs are copied out by seqc_runtime.c).
 * The cache is bounded (blocks and bytes); what does not fit goes back to
 * libc.
 *
 *===----------------------------------------------------------------------===*/

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#define HEADER 64
#define PAGE 4096
#define MAX_BLOCKS 256
#define MAX_BYTES ((size_t)1 << 30)

typedef struct block_header {
  size_t bytes; /* usable bytes after the header: the size class; 0: uncached */
  void *raw;    /* what libc returned */
} block_header;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static void *cached[MAX_BLOCKS];
static size_t cached_bytes[MAX_BLOCKS];
static int ncached;
static size_t total;

static size_t size_class(size_t size) {
  if (size < PAGE)
    return (size + 63) & ~(size_t)63;
  return (size + PAGE - 1) & ~(size_t)(PAGE - 1);
}

static char *take(size_t bytes) {
  char *p = NULL;
  pthread_mutex_lock(&mu);
  for (int i = ncached - 1; i >= 0; --i) {
    if (cached_bytes[i] != bytes)
      continue;
    p = cached[i];
    total -= bytes;
    --ncached;
    cached[i] = cached[ncached];
    cached_bytes[i] = cached_bytes[ncached];
    break;
  }
  pthread_mutex_unlock(&mu);
  return p;
}

void *_mlir_memref_to_llvm_alloc(size_t size) {
  size_t bytes = size_class(size ? size : 1);
  char *raw = take(bytes);
  if (!raw) {
    raw = aligned_alloc(64, HEADER + bytes);
    if (!raw)
      return NULL;
    ((block_header *)raw)->bytes = bytes;
    ((block_header *)raw)->raw = raw;
  }
  return raw + HEADER;
}

void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment, size_t size) {
  if (alignment <= 64)
    return _mlir_memref_to_llvm_alloc(size);
  /* Rare: over-align and keep the header just below the block, uncached. */
  size_t bytes = size_class(size ? size : 1);
  char *raw = aligned_alloc(alignment, alignment + bytes);
  if (!raw)
    return NULL;
  block_header *h = (block_header *)(raw + alignment - HEADER);
  h->bytes = 0;
  h->raw = raw;
  return raw + alignment;
}

void _mlir_memref_to_llvm_free(void *ptr) {
  if (!ptr)
    return;
  block_header *h = (block_header *)((char *)ptr - HEADER);
  size_t bytes = h->bytes;
  void *raw = h->raw;
  if (!bytes)
    return free(raw);
  pthread_mutex_lock(&mu);
  if (ncached < MAX_BLOCKS && total + bytes <= MAX_BYTES) {
    cached[ncached] = raw;
    cached_bytes[ncached] = bytes;
    ++ncached;
    total += bytes;
    raw = NULL;
  }
  pthread_mutex_unlock(&mu);
  free(raw);
}
