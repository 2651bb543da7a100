//===- CUDA.h - the NVIDIA GPU target (NVPTX, ptxas) ------------*- C++ -*-===//
//
// linalg on memrefs -> scf.parallel -> gpu.launch_func + gpu.module ->
// NVVM -> PTX (LLVM's NVPTX backend, gpu-module-to-binary{format=isa}) ->
// cubin (ptxas) -> fatbin with the PTX as fallback (fatbinary), embedded in
// the host code, which calls the mgpu* entry points of lib/Runtime/
// cuda_runtime.c (CUDA driver API through dlopen("libcuda.so.1")).
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_TARGET_CUDA_H
#define SEQC_TARGET_CUDA_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/Pass.h"
#include <memory>
#include <string>

namespace seqc {

struct CudaTargetOptions {
  std::string arch = "sm_90"; // --gpu-arch
  /// --allow-tf32: f32 matmuls on tf32 tensor cores (inputs rounded to a
  /// 10-bit mantissa); off = exact f32.
  bool allowTf32 = false;
};

/// On the seq dialect, before seq-to-linalg: seq.attention ops the fused
/// flash-attention kernel supports become markers (seq-gpu-mark-attention).
std::string gpuSeqPipeline();

/// Bufferized linalg -> LLVM dialect with gpu.binary ops holding PTX.
std::string gpuLinalgToLLVMPipeline(const CudaTargetOptions &opts);

/// The CUDA toolkit directory: $CUDA_HOME, else $CUDA_PATH (when set, only
/// that one), else the parent of `ptxas` on PATH, else /usr/local/cuda.
/// Empty when none holds bin/ptxas.
std::string findCudaToolkit();

/// Fails with a clear error if the toolkit is missing (needPtxas) or
/// CUDA_HOME/CUDA_PATH is set to a directory without bin/ptxas.
mlir::LogicalResult verifyCudaToolkit(mlir::Location loc, bool needPtxas);

/// The PTX of every gpu.binary (after gpu-module-to-binary{format=isa}).
std::string collectPtx(mlir::ModuleOp module);

/// Assembles each gpu.binary's PTX with ptxas into a cubin and packs cubin +
/// PTX into a fatbin (cubin only when fatbinary is missing).
mlir::LogicalResult assembleDeviceBinaries(mlir::ModuleOp module,
                                           const CudaTargetOptions &opts);

std::unique_ptr<mlir::Pass> createGpuPreparePass();
std::unique_ptr<mlir::Pass> createHostToDevicePass();
std::unique_ptr<mlir::Pass> createMergeGpuModulesPass();
std::unique_ptr<mlir::Pass> createTensorCoreMatmulPass();
std::unique_ptr<mlir::Pass> createMarkAttentionPass();
std::unique_ptr<mlir::Pass> createFlashAttentionPass();
std::unique_ptr<mlir::Pass> createMarkNormsPass();
std::unique_ptr<mlir::Pass> createDropDataChecksPass();
std::unique_ptr<mlir::Pass> createFusedNormsPass();
std::unique_ptr<mlir::Pass> createAlignWorkgroupPass();
/// Registers the passes of seqc/Target/CUDAPasses.td.
void registerCudaPasses();
/// GPU/NVVM -> LLVM IR translations and the NVVM target attribute models.
void registerCudaTranslations(mlir::DialectRegistry &registry);

} // namespace seqc

#endif
