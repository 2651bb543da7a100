//===- MmaFragments.h - mma.sync fragment helpers for hand-built kernels --===//
//
// Warp-level tensor-core steps on register fragments (PTX ISA "Matrix
// Fragments for mma.m16n8k8"), shared by kernels that build their operands
// in registers (the quantized matmul dequantizes B right before the mma).
// g = lane / 4, t = lane % 4; .tf32, one element per 32-bit register:
//   A (a0..a3): rows g (a0, a2), g+8 (a1, a3); cols t (a0, a1), t+4 (a2, a3);
//   B (b0, b1): k = t (b0), t+4 (b1); n = g;
//   C/D (vector<2x2xf32>): rows g, g+8; cols 2t, 2t+1.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_LIB_TARGET_CUDA_MMAFRAGMENTS_H
#define SEQC_LIB_TARGET_CUDA_MMAFRAGMENTS_H

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Builders.h"

namespace seqc {
namespace mma {
using namespace mlir;

/// nvvm.mma.sync m16n8k`k` (row x col) on prepared A/B registers with the
/// vector<2x2xf32> accumulator fragment `acc`; returns the updated fragment.
inline Value mmaF32(OpBuilder &b, Location loc, ArrayRef<Value> a,
                    ArrayRef<Value> bRegs, Value acc, int64_t k,
                    NVVM::MMATypes type) {
  Type f32 = b.getF32Type();
  SmallVector<Value> c;
  for (int64_t r = 0; r < 2; ++r)
    for (int64_t e = 0; e < 2; ++e)
      c.push_back(
          vector::ExtractOp::create(b, loc, acc, ArrayRef<int64_t>{r, e}));
  auto structType =
      LLVM::LLVMStructType::getLiteral(b.getContext(), {f32, f32, f32, f32});
  Value d = NVVM::MmaOp::create(
      b, loc, structType, a, bRegs, c, ArrayRef<int64_t>{16, 8, k},
      std::nullopt, std::nullopt, std::array<NVVM::MMATypes, 2>{type, type},
      std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                     NVVM::MMALayout::col});
  Value out = acc;
  for (int64_t i = 0; i < 4; ++i) {
    Value v = LLVM::ExtractValueOp::create(b, loc, d, ArrayRef<int64_t>{i});
    out = vector::InsertOp::create(b, loc, v, out,
                                   ArrayRef<int64_t>{i / 2, i % 2});
  }
  return out;
}

/// One m16n8k8 tf32 step: A's 4 and B's 2 f32 elements (fragment order
/// above) rounded to tf32 by cvt.rna.tf32.f32, accumulated into `acc`.
inline Value tf32Step(OpBuilder &b, Location loc, ArrayRef<Value> aElts,
                      ArrayRef<Value> bElts, Value acc) {
  Type i32 = b.getI32Type();
  auto toTf32 = [&](Value v) -> Value {
    return NVVM::ConvertFloatToTF32Op::create(b, loc, i32, v,
                                              NVVM::FPRoundingMode::RNA);
  };
  SmallVector<Value> a, bb;
  for (Value v : aElts)
    a.push_back(toTf32(v));
  for (Value v : bElts)
    bb.push_back(toTf32(v));
  return mmaF32(b, loc, a, bb, acc, 8, NVVM::MMATypes::tf32);
}

} // namespace mma
} // namespace seqc

#endif
