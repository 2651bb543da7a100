//===- MmaFragments.h - mma.sync fragment helpers for hand-built kernels --===//
//
// Warp-level tensor-core steps on register fragments with f32 accumulators
// (PTX ISA "Matrix Fragments for mma.m16n8k8 / m16n8k16"), shared by the
// hand-built kernels (flash attention, the tensor-core matmul, the quantized
// matmul, which dequantizes B right before the mma).
// g = lane / 4, t = lane % 4. m16n8k16 .f16/.bf16 (two elements per 32-bit
// register): A vector<4x2xelt>: rows g, g+8, g, g+8; cols 2t, 2t, 2t+8,
// 2t+8 (+0/+1); B vector<2x2xelt>: k = 2t (+0/+1), 2t+8 (+0/+1), n = g.
// m16n8k8 .tf32, one element per 32-bit register:
//   A (a0..a3): rows g (a0, a2), g+8 (a1, a3); cols t (a0, a1), t+4 (a2, a3);
//   B (b0, b1): k = t (b0), t+4 (b1); n = g;
//   C/D (vector<2x2xf32>): rows g, g+8; cols 2t, 2t+1.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_LIB_TARGET_CUDA_MMAFRAGMENTS_H
#define SEQC_LIB_TARGET_CUDA_MMAFRAGMENTS_H

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
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

/// One m16n8k16 step on f16 or bf16 fragments (layouts above): f16 through
/// nvgpu.mma.sync; bf16 (no nvgpu lowering) through nvvm.mma.sync on
/// i32-packed register pairs.
inline Value mma16(OpBuilder &b, Location loc, Value fragA, Value fragB,
                   Value acc) {
  if (isa<Float16Type>(cast<VectorType>(fragA.getType()).getElementType()))
    return nvgpu::MmaSyncOp::create(b, loc, fragA, fragB, acc,
                                    b.getI64ArrayAttr({16, 8, 16}));
  auto regs = [&](Value frag, int64_t n) {
    SmallVector<Value> out;
    auto pair = VectorType::get({1}, b.getI32Type());
    for (int64_t r = 0; r < n; ++r) {
      Value row = vector::ExtractOp::create(b, loc, frag, ArrayRef<int64_t>{r});
      Value packed = vector::BitCastOp::create(b, loc, pair, row);
      out.push_back(
          vector::ExtractOp::create(b, loc, packed, ArrayRef<int64_t>{0}));
    }
    return out;
  };
  return mmaF32(b, loc, regs(fragA, 4), regs(fragB, 2), acc, 16,
                NVVM::MMATypes::bf16);
}

} // namespace mma
} // namespace seqc

#endif
