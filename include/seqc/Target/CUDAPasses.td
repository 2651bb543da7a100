//===- CUDAPasses.td - passes of the CUDA target -----------*- tablegen -*-===//
//
// The order they run in is gpuSeqPipeline() / gpuLinalgToLLVMPipeline()
// (lib/Target/CUDA/GpuPipeline.cpp). Constructors are the create*Pass()
// functions of seqc/Target/CUDA.h.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_TARGET_CUDA_PASSES
#define SEQC_TARGET_CUDA_PASSES

include "mlir/Pass/PassBase.td"

def SeqGpuMarkAttention : Pass<"seq-gpu-mark-attention", "::mlir::ModuleOp"> {
  let summary = "Replace supported seq.attention ops by marker calls on "
                "buffers (built into fused flash-attention kernels after "
                "bufferization)";
  let constructor = "::seqc::createMarkAttentionPass()";
  let dependentDialects = ["::mlir::bufferization::BufferizationDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::memref::MemRefDialect"];
}

def SeqGpuFlashAttention : Pass<"seq-gpu-flash-attention", "::mlir::ModuleOp"> {
  let summary = "Build fused flash-attention kernels (mma.sync, online "
                "softmax, causal tile skipping, split-K) for "
                "seq-gpu-mark-attention's marker calls";
  let constructor = "::seqc::createFlashAttentionPass()";
  let options = [
    Option<"splitsOpt", "splits", "int64_t", "0",
           "KV splits per row tile (0 = chosen from the shape)">,
    Option<"warpsOpt", "warps", "int64_t", "0",
           "warps per CTA of the f16/bf16 kernel, 16 rows each: 1, 2, 4 or "
           "8 (0 = chosen from the shape)">
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::nvgpu::NVGPUDialect",
                           "::mlir::NVVM::NVVMDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::vector::VectorDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::memref::MemRefDialect"];
}

def SeqGpuAlignWorkgroup : Pass<"seq-gpu-align-workgroup", "::mlir::ModuleOp"> {
  let summary = "Align gpu.func workgroup attributions to 16 bytes";
  let description = [{
    Shared-memory buffers of outlined kernels are aligned to their element
    type only; cp.async (16 bytes) and ldmatrix need 16-byte aligned rows.
    An attribution that already has an `llvm.align` keeps it.
  }];
  let constructor = "::seqc::createAlignWorkgroupPass()";
}

def SeqGpuMarkNorms : Pass<"seq-gpu-mark-norms", "::mlir::ModuleOp"> {
  let summary = "Replace supported seq.rms_norm / seq.layer_norm / "
                "seq.softmax ops by marker calls on [rows, N] buffers (built "
                "into one-kernel row normalizations after bufferization)";
  let constructor = "::seqc::createMarkNormsPass()";
  let dependentDialects = ["::mlir::bufferization::BufferizationDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::memref::MemRefDialect"];
}

def SeqGpuFusedNorms : Pass<"seq-gpu-fused-norms", "::mlir::ModuleOp"> {
  let summary = "Build one-kernel row normalizations (warp per row, shuffle "
                "reductions) for seq-gpu-mark-norms' marker calls";
  let constructor = "::seqc::createFusedNormsPass()";
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::memref::MemRefDialect"];
}

def SeqGpuDropDataChecks : Pass<"seq-gpu-drop-data-checks",
                                "::mlir::ModuleOp"> {
  let summary = "Erase the data-dependent cf.assert checks (seq.data_check) "
                "that would read device tensors on the host";
  let constructor = "::seqc::createDropDataChecksPass()";
}

def SeqGpuTensorCoreMatmul : Pass<"seq-gpu-tensor-core-matmul",
                                  "::mlir::func::FuncOp"> {
  let summary = "f16/bf16 (and, with allow-tf32, f32) matmuls (f32 "
                "accumulation) as mma.sync tensor-core kernels";
  let constructor = "::seqc::createTensorCoreMatmulPass()";
  let options = [
    Option<"allowTf32", "allow-tf32", "bool", "false",
           "f32 matmuls on tf32 tensor cores (mma.sync m16n8k8, inputs "
           "rounded to tf32); default: exact f32 kernels">
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::nvgpu::NVGPUDialect",
                           "::mlir::NVVM::NVVMDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::vector::VectorDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
}

def SeqGpuPrepare : Pass<"seq-gpu-prepare", "::mlir::func::FuncOp"> {
  let summary = "Turn host memory accesses (memref.copy, serial loops) into "
                "scf.parallel loops that become GPU kernels";
  let constructor = "::seqc::createGpuPreparePass()";
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
}

def SeqGpuMergeModules : Pass<"seq-gpu-merge-modules", "::mlir::ModuleOp"> {
  let summary = "Move all outlined kernels into one gpu.module";
  let constructor = "::seqc::createMergeGpuModulesPass()";
}

def SeqGpuHostToDevice : Pass<"seq-gpu-host-to-device", "::mlir::ModuleOp"> {
  let summary = "Mirror host tensor buffers on the GPU (gpu.alloc/memcpy) "
                "around gpu.launch_func; constant weights device-resident "
                "(seqc_cuda_resident)";
  let constructor = "::seqc::createHostToDevicePass()";
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::arith::ArithDialect"];
}

def SeqGpuMarkQuantMatMul : Pass<"seq-gpu-mark-quant-matmul",
                                 "::mlir::ModuleOp"> {
  let summary = "Replace seq.quant_matmul ops by marker calls on [M, K] / "
                "packed weight buffers (built into CUDA kernels by "
                "seq-gpu-quant-matmul)";
  let dependentDialects = ["::mlir::bufferization::BufferizationDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::memref::MemRefDialect"];
}

def SeqGpuQuantMatMul : Pass<"seq-gpu-quant-matmul", "::mlir::ModuleOp"> {
  let summary = "Build weight-only int4/int8 matmul kernels (warp-per-column "
                "GEMV for decode, tf32 mma.sync with in-register "
                "dequantization otherwise) for seq-gpu-mark-quant-matmul's "
                "marker calls";
  let options = [
    Option<"gemvRows", "gemv-rows", "int64_t", "8",
           "row counts up to this take the GEMV kernel (CUDA cores), larger "
           "ones the tf32 mma.sync kernel">
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::NVVM::NVVMDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::vector::VectorDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::linalg::LinalgDialect"];
}

#endif // SEQC_TARGET_CUDA_PASSES
