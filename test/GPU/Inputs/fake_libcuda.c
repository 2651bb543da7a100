/* A stand-in libcuda.so.1 for test/GPU/resident-weights.test: the driver
 * entry points lib/Runtime/cuda_runtime.c loads, over host memory (kernels
 * do nothing). Logs allocations, frees and host-to-device weight uploads to
 * stderr and aborts on a free of a pointer it does not own (double free).
 * FAKE_CUDA_FAIL_HTOD set: every cuMemcpyHtoD fails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned long long CUdeviceptr;

#define MAX_LIVE 4096
static void *live[MAX_LIVE];
static int num_live;

static void say(const char *what, size_t n) {
  fprintf(stderr, "fake-cuda: %s %zu live=%d\n", what, n, num_live);
}

int cuInit(unsigned flags) { return 0; }
int cuDeviceGetCount(int *n) {
  *n = 1;
  return 0;
}
int cuDeviceGet(int *d, int i) {
  *d = 0;
  return 0;
}
int cuDevicePrimaryCtxRetain(void **ctx, int dev) {
  static int c;
  *ctx = &c;
  return 0;
}
int cuCtxSetCurrent(void *ctx) { return 0; }
int cuGetErrorString(int r, const char **s) {
  *s = "fake error";
  return 0;
}
int cuModuleLoadData(void **m, const void *data) {
  static int mod;
  *m = &mod;
  return 0;
}
int cuModuleUnload(void *m) { return 0; }
int cuModuleGetFunction(void **f, void *m, const char *name) {
  static int fn;
  *f = &fn;
  return 0;
}
int cuLaunchKernel(void *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx,
                   unsigned by, unsigned bz, unsigned smem, void *stream,
                   void **params, void **extra) {
  return 0;
}
int cuStreamCreate(void **s, unsigned flags) {
  static int stream;
  *s = &stream;
  return 0;
}
int cuStreamSynchronize(void *s) { return 0; }
int cuStreamDestroy_v2(void *s) { return 0; }
int cuMemAlloc_v2(CUdeviceptr *p, size_t n) {
  if (num_live == MAX_LIVE)
    return 2; /* CUDA_ERROR_OUT_OF_MEMORY */
  void *m = malloc(n);
  live[num_live++] = m;
  *p = (CUdeviceptr)m;
  say("alloc", n);
  return 0;
}
int cuMemFree_v2(CUdeviceptr p) {
  for (int i = 0; i < num_live; ++i)
    if (live[i] == (void *)p) {
      free(live[i]);
      live[i] = live[--num_live];
      say("free", 0);
      return 0;
    }
  fprintf(stderr, "fake-cuda: DOUBLE FREE or foreign pointer %p\n", (void *)p);
  abort();
}
int cuMemcpyAsync(CUdeviceptr d, CUdeviceptr s, size_t n, void *stream) {
  memcpy((void *)d, (const void *)s, n);
  return 0;
}
int cuMemcpyHtoD_v2(CUdeviceptr d, const void *s, size_t n) {
  if (getenv("FAKE_CUDA_FAIL_HTOD"))
    return 700; /* CUDA_ERROR_ILLEGAL_ADDRESS */
  memcpy((void *)d, s, n);
  say("htod", n);
  return 0;
}
