//===- QuantMatMul.h - weight-only quantized matmul on CUDA -----*- C++ -*-===//

#ifndef SEQC_LIB_TARGET_CUDA_QUANTMATMUL_H
#define SEQC_LIB_TARGET_CUDA_QUANTMATMUL_H

namespace seqc {
/// Registers seq-gpu-mark-quant-matmul and seq-gpu-quant-matmul
/// (QuantMatMul.cpp; called by registerCudaPasses).
void registerCudaQuantMatMulPasses();
} // namespace seqc

#endif
