/*===- cuda_runtime.c - GPU entry points of CUDA-target artifacts ---------===*
 *
 * MLIR's gpu-to-llvm lowering calls the mgpu* functions below; no Debian
 * package ships MLIR's CUDA runtime wrappers, so seqc implements the small
 * set it uses over the CUDA driver API, loaded with dlopen("libcuda.so.1")
 * on first use: artifacts have no link-time dependency on libcuda and CPU
 * artifacts never load it.
 *
 * Errors are sticky: the first failing call records a message and later
 * calls do nothing; seqc_run reports it (seqc_cuda_end). Module loading is
 * lazy, because MLIR loads modules from a global constructor, i.e. at
 * dlopen time of the artifact, when failing is not an option.
 *
 * Weights (constant globals) are device-resident: seqc_cuda_resident uploads
 * each one on the first run of the loaded artifact and returns the same
 * device pointer on later runs; they are freed once, when the artifact
 * unloads (or the process exits).
 *
 *===----------------------------------------------------------------------===*/
#include "cuda_runtime_internal.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* The few driver API types used, declared here so the runtime needs no CUDA
 * headers (ABI: CUresult is an int enum, handles are pointers). */
typedef int CUresult;
typedef int CUdevice;
typedef void *CUcontext;
typedef void *CUmodule;
typedef void *CUfunction;
typedef void *CUstream;
typedef unsigned long long CUdeviceptr;

static struct {
  void *lib;
  bool initialized;
  CUcontext ctx;
  CUresult (*cuInit)(unsigned);
  CUresult (*cuDeviceGetCount)(int *);
  CUresult (*cuDeviceGet)(CUdevice *, int);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*cuCtxSetCurrent)(CUcontext);
  CUresult (*cuGetErrorString)(CUresult, const char **);
  CUresult (*cuModuleLoadData)(CUmodule *, const void *);
  CUresult (*cuModuleUnload)(CUmodule);
  CUresult (*cuModuleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned,
                             unsigned, unsigned, unsigned, CUstream, void **,
                             void **);
  CUresult (*cuStreamCreate)(CUstream *, unsigned);
  CUresult (*cuStreamSynchronize)(CUstream);
  CUresult (*cuStreamDestroy)(CUstream);
  CUresult (*cuMemAlloc)(CUdeviceptr *, size_t);
  CUresult (*cuMemFree)(CUdeviceptr);
  CUresult (*cuMemcpyAsync)(CUdeviceptr, CUdeviceptr, size_t, CUstream);
  CUresult (*cuMemcpyHtoD)(CUdeviceptr, const void *, size_t);
} cu;

static _Thread_local char cuda_error[512];

static void set_error(const char *fmt, ...) {
  if (cuda_error[0])
    return; /* keep the first error */
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cuda_error, sizeof(cuda_error), fmt, ap);
  va_end(ap);
}

/* Records a failing driver call; returns true if `r` is an error. */
static bool check(CUresult r, const char *what) {
  if (r == 0)
    return false;
  const char *msg = NULL;
  if (cu.cuGetErrorString)
    cu.cuGetErrorString(r, &msg);
  set_error("CUDA error in %s: %s (%d)", what, msg ? msg : "unknown", r);
  return true;
}

#define LOAD(name, sym)                                                        \
  do {                                                                         \
    *(void **)&cu.name = dlsym(cu.lib, sym);                                   \
    if (!cu.name) {                                                            \
      set_error("CUDA driver (libcuda.so.1) lacks %s", sym);                   \
      return false;                                                            \
    }                                                                          \
  } while (0)

static bool load_driver(void) {
  if (cu.lib)
    return true;
  void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    set_error("CUDA driver (libcuda.so.1) not found: this artifact was "
              "compiled for --target=cuda and needs an NVIDIA GPU and driver");
    return false;
  }
  cu.lib = lib;
  LOAD(cuInit, "cuInit");
  LOAD(cuDeviceGetCount, "cuDeviceGetCount");
  LOAD(cuDeviceGet, "cuDeviceGet");
  LOAD(cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain");
  LOAD(cuCtxSetCurrent, "cuCtxSetCurrent");
  LOAD(cuGetErrorString, "cuGetErrorString");
  LOAD(cuModuleLoadData, "cuModuleLoadData");
  LOAD(cuModuleUnload, "cuModuleUnload");
  LOAD(cuModuleGetFunction, "cuModuleGetFunction");
  LOAD(cuLaunchKernel, "cuLaunchKernel");
  LOAD(cuStreamCreate, "cuStreamCreate");
  LOAD(cuStreamSynchronize, "cuStreamSynchronize");
  LOAD(cuStreamDestroy, "cuStreamDestroy_v2");
  LOAD(cuMemAlloc, "cuMemAlloc_v2");
  LOAD(cuMemFree, "cuMemFree_v2");
  LOAD(cuMemcpyAsync, "cuMemcpyAsync");
  LOAD(cuMemcpyHtoD, "cuMemcpyHtoD_v2");
  return true;
}

/* Driver + primary context of device 0, current on this thread. */
static bool ensure_context(void) {
  if (cuda_error[0] || !load_driver())
    return false;
  if (!cu.initialized) {
    if (check(cu.cuInit(0), "cuInit"))
      return false;
    int count = 0;
    if (check(cu.cuDeviceGetCount(&count), "cuDeviceGetCount"))
      return false;
    if (count == 0) {
      set_error("no CUDA device found");
      return false;
    }
    CUdevice dev;
    if (check(cu.cuDeviceGet(&dev, 0), "cuDeviceGet") ||
        check(cu.cuDevicePrimaryCtxRetain(&cu.ctx, dev),
              "cuDevicePrimaryCtxRetain"))
      return false;
    cu.initialized = true;
  }
  return !check(cu.cuCtxSetCurrent(cu.ctx), "cuCtxSetCurrent");
}

const char *seqc_cuda_begin(void) {
  cuda_error[0] = '\0';
  return ensure_context() ? NULL : cuda_error;
}

const char *seqc_cuda_end(void) { return cuda_error[0] ? cuda_error : NULL; }

/*===-- mgpu* entry points (signatures of MLIR's gpu-to-llvm lowering) ---===*/

#define MGPU_API __attribute__((visibility("hidden")))

typedef struct lazy_module {
  const void *data;
  CUmodule module;
} lazy_module;

MGPU_API void *mgpuModuleLoad(void *data, size_t size) {
  (void)size;
  lazy_module *m = calloc(1, sizeof(lazy_module));
  if (m)
    m->data = data;
  return m;
}

MGPU_API void *mgpuModuleLoadJIT(void *data, int optLevel) {
  (void)optLevel; /* PTX: cuModuleLoadData JIT-compiles it */
  return mgpuModuleLoad(data, 0);
}

MGPU_API void mgpuModuleUnload(void *module) {
  lazy_module *m = module;
  if (!m)
    return;
  if (m->module && cu.cuModuleUnload)
    cu.cuModuleUnload(m->module);
  free(m);
}

MGPU_API void *mgpuModuleGetFunction(void *module, const char *name) {
  lazy_module *m = module;
  if (!m) {
    set_error("out of memory loading a CUDA module");
    return NULL;
  }
  if (!ensure_context())
    return NULL;
  if (!m->module &&
      check(cu.cuModuleLoadData(&m->module, m->data), "cuModuleLoadData"))
    return NULL;
  CUfunction fn = NULL;
  if (check(cu.cuModuleGetFunction(&fn, m->module, name),
            "cuModuleGetFunction"))
    return NULL;
  return fn;
}

MGPU_API void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                               intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                               intptr_t blockZ, int32_t smem, void *stream,
                               void **params, void **extra,
                               size_t paramsCount) {
  (void)paramsCount;
  if (!function || cuda_error[0])
    return;
  if (gridX == 0 || gridY == 0 || gridZ == 0)
    return; /* empty tensors: nothing to launch */
  check(cu.cuLaunchKernel(function, (unsigned)gridX, (unsigned)gridY,
                          (unsigned)gridZ, (unsigned)blockX, (unsigned)blockY,
                          (unsigned)blockZ, (unsigned)smem, stream, params,
                          extra),
        "cuLaunchKernel");
}

MGPU_API void *mgpuStreamCreate(void) {
  CUstream s = NULL;
  if (ensure_context())
    check(cu.cuStreamCreate(&s, /*CU_STREAM_NON_BLOCKING=*/1),
          "cuStreamCreate");
  return s;
}

MGPU_API void mgpuStreamSynchronize(void *stream) {
  if (cu.cuStreamSynchronize && stream)
    check(cu.cuStreamSynchronize(stream), "cuStreamSynchronize");
}

MGPU_API void mgpuStreamDestroy(void *stream) {
  if (cu.cuStreamDestroy && stream)
    cu.cuStreamDestroy(stream);
}

MGPU_API void *mgpuMemAlloc(uint64_t sizeBytes, void *stream, bool hostShared) {
  (void)stream;
  if (hostShared) {
    set_error("host-shared GPU allocations are not supported");
    return NULL;
  }
  if (cuda_error[0] || !cu.cuMemAlloc)
    return NULL;
  CUdeviceptr p = 0;
  /* A zero-size tensor still gets a distinct, valid pointer. */
  if (check(cu.cuMemAlloc(&p, sizeBytes ? sizeBytes : 1), "cuMemAlloc"))
    return NULL;
  return (void *)(uintptr_t)p;
}

MGPU_API void mgpuMemFree(void *ptr, void *stream) {
  (void)stream;
  if (ptr && cu.cuMemFree)
    cu.cuMemFree((CUdeviceptr)(uintptr_t)ptr);
}

MGPU_API void mgpuMemcpy(void *dst, void *src, size_t sizeBytes, void *stream) {
  if (cuda_error[0] || !sizeBytes || !dst || !src)
    return;
  /* Unified addressing: the driver infers the direction. */
  check(cu.cuMemcpyAsync((CUdeviceptr)(uintptr_t)dst,
                         (CUdeviceptr)(uintptr_t)src, sizeBytes, stream),
        "cuMemcpyAsync");
}

/*===-- device-resident weights -------------------------------------------===*/

/* One uploaded weight: the artifact's slot (an internal i64 global the
 * host-to-device lowering creates per weight) and its device buffer. */
typedef struct resident_weight {
  void **slot;
  CUdeviceptr ptr;
  struct resident_weight *next;
} resident_weight;

static resident_weight *resident_weights;
static pthread_mutex_t resident_lock = PTHREAD_MUTEX_INITIALIZER;

/* The device copy of `bytes` bytes of weight data at `host`: uploaded
 * (synchronously) on the first call for `slot`, cached there afterwards.
 * NULL with the run's error set on failure (the next run retries). */
MGPU_API void *seqc_cuda_resident(void **slot, const void *host,
                                  uint64_t bytes) {
  if (cuda_error[0] || !cu.cuMemAlloc)
    return NULL;
  pthread_mutex_lock(&resident_lock);
  void *p = *slot;
  if (!p) {
    resident_weight *r = malloc(sizeof(resident_weight));
    CUdeviceptr d = 0;
    if (!r) {
      set_error("out of memory uploading a weight to the GPU");
    } else if (check(cu.cuMemAlloc(&d, bytes ? bytes : 1), "cuMemAlloc")) {
      free(r);
    } else if (bytes &&
               check(cu.cuMemcpyHtoD(d, host, bytes), "cuMemcpyHtoD")) {
      cu.cuMemFree(d);
      free(r);
    } else {
      r->slot = slot;
      r->ptr = d;
      r->next = resident_weights;
      resident_weights = r;
      *slot = p = (void *)(uintptr_t)d;
    }
  }
  pthread_mutex_unlock(&resident_lock);
  return p;
}

/* Each uploaded weight is freed exactly once: the list is emptied here and
 * the slots cleared. Nothing was uploaded without a driver. */
__attribute__((destructor)) static void free_resident_weights(void) {
  pthread_mutex_lock(&resident_lock);
  resident_weight *r = resident_weights;
  resident_weights = NULL;
  if (r && cu.initialized)
    cu.cuCtxSetCurrent(cu.ctx);
  while (r) {
    resident_weight *next = r->next;
    cu.cuMemFree(r->ptr);
    *r->slot = NULL;
    free(r);
    r = next;
  }
  pthread_mutex_unlock(&resident_lock);
}
