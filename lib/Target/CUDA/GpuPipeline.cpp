//===- GpuPipeline.cpp - the CUDA target's lowering pipeline --------------===//

#include "seqc/Target/CUDA.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace mlir;

namespace seqc {

std::string gpuSeqPipeline() {
  // Supported seq.attention ops -> markers for fused flash-attention kernels;
  // norms and softmax -> markers for one-kernel row normalizations;
  // quantized matmuls -> markers for in-register dequantizing kernels.
  return "seq-gpu-mark-attention,seq-gpu-mark-norms,"
         "seq-gpu-mark-quant-matmul";
}

std::string gpuLinalgToLLVMPipeline(const CudaTargetOptions &opts) {
  // libdevice (for math in kernels) is passed explicitly: MLIR itself only
  // looks for it through CUDA_HOME/CUDA_PATH.
  std::string libs;
  std::string toolkit = findCudaToolkit();
  llvm::SmallString<128> libdevice(toolkit);
  llvm::sys::path::append(libdevice, "nvvm", "libdevice", "libdevice.10.bc");
  if (!toolkit.empty() && llvm::sys::fs::exists(libdevice))
    libs = " l=" + libdevice.str().str();
  // Index-range checks read tensor data: not on the host of a GPU target.
  return "seq-gpu-drop-data-checks,canonicalize,seq-strip-signedness,"
         "one-shot-bufferize{bufferize-function-boundaries "
         "function-boundary-type-conversion=identity-layout-map},"
         "buffer-results-to-out-params{hoist-static-allocs "
         "modify-public-functions},"
         "canonicalize,buffer-deallocation-pipeline,"
         "convert-bufferization-to-memref,scf-forall-to-parallel,"
         // Every loop nest that touches memory becomes an scf.parallel;
         // tiled, the tile loops map to blocks and the point loops to threads.
         // Attention and f16/bf16 matmuls: tensor-core kernels (mma.sync)
         // built directly.
         "seq-gpu-flash-attention,seq-gpu-fused-norms,seq-gpu-quant-matmul,"
         "func.func(seq-gpu-tensor-core-matmul{"
         "allow-tf32=" +
         std::string(opts.allowTf32 ? "true" : "false") +
         "}),"
         "convert-linalg-to-parallel-loops,func.func(seq-gpu-prepare),"
         // canonicalize inlines one-iteration scf.parallel loops (a 1-element
         // fill, the one-thread kernels of seq-gpu-prepare): wrap again what
         // that put back on the host.
         "canonicalize,func.func(seq-gpu-prepare),"
         "func.func(scf-parallel-loop-tiling{parallel-loop-tile-sizes=16,16 "
         "no-min-max-bounds=true},sccp,"
         "gpu-map-parallel-loops,convert-parallel-loops-to-gpu),"
         // Constants canonicalize hoisted out of the launches go back in
         // (else they become kernel parameters: registers, no folding).
         "gpu-launch-sink-index-computations,"
         // Integer powers become calls before outlining, which copies the
         // callees into the kernel module (later, the calls would point out
         // of it).
         "convert-math-to-funcs{convert-ctlz=false},gpu-kernel-outlining,"
         "seq-gpu-align-workgroup,seq-gpu-merge-modules,seq-gpu-host-to-device,"
         "func.func(gpu-async-region),"
         "nvvm-attach-target{chip=" +
         opts.arch + " O=3" + libs +
         "},"
         "gpu.module(lower-affine,convert-scf-to-cf,expand-strided-metadata,"
         "lower-affine,convert-nvgpu-to-nvvm,convert-vector-to-llvm,"
         "convert-gpu-to-nvvm,canonicalize,cse,"
         "reconcile-unrealized-casts),"
         "seq-lower-runtime-checks,"
         "lower-affine,convert-scf-to-cf,expand-strided-metadata,lower-affine,"
         "convert-math-to-funcs{convert-ctlz=false},"
         "finalize-memref-to-llvm,convert-math-to-llvm,convert-math-to-libm,"
         "convert-arith-to-llvm,convert-index-to-llvm,convert-cf-to-llvm,"
         "gpu-to-llvm,convert-func-to-llvm,reconcile-unrealized-casts,"
         "gpu-module-to-binary{format=isa},"
         "seq-emit-c-entry-point";
}

// The quantized-matmul passes have ODS constructors (no CUDA.h ones).
#define GEN_PASS_DECL_SEQGPUMARKQUANTMATMUL
#define GEN_PASS_DECL_SEQGPUQUANTMATMUL
#define GEN_PASS_REGISTRATION
#include "seqc/Target/CUDAPasses.h.inc"

void registerCudaPasses() { registerSeqcCudaPasses(); }

void registerCudaTranslations(DialectRegistry &registry) {
  registerGPUDialectTranslation(registry);
  // gpu.binary's default #gpu.select_object handler (embeds the binary).
  gpu::registerOffloadingLLVMTranslationInterfaceExternalModels(registry);
  registerNVVMDialectTranslation(registry);
  NVVM::registerNVVMTargetInterfaceExternalModels(registry);
}

} // namespace seqc
