//===- KernelBuilder.h - arithmetic helpers for hand-built kernels -*- C++
//-*-===//

#ifndef SEQC_LIB_TARGET_CUDA_KERNELBUILDER_H
#define SEQC_LIB_TARGET_CUDA_KERNELBUILDER_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Builders.h"

namespace seqc {
using namespace mlir;

/// Small helper around OpBuilder for the index/f32 arithmetic of the
/// hand-built kernels (flash attention, row normalizations).
struct KernelBuilder {
  OpBuilder &b;
  Location loc;
  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value f32(double v) {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
  }
  Value i32(int64_t v) {
    return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(v));
  }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value add(Value x, int64_t y) { return y ? add(x, idx(y)) : x; }
  Value mul(Value x, int64_t y) {
    return arith::MulIOp::create(b, loc, x, idx(y));
  }
  Value div(Value x, int64_t y) {
    return arith::DivUIOp::create(b, loc, x, idx(y));
  }
  Value rem(Value x, int64_t y) {
    return arith::RemUIOp::create(b, loc, x, idx(y));
  }
  Value minU(Value x, Value y) { return arith::MinUIOp::create(b, loc, x, y); }
  Value minU(Value x, int64_t y) { return minU(x, idx(y)); }
  Value ult(Value x, Value y) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, x, y);
  }
  Value ult(Value x, int64_t y) { return ult(x, idx(y)); }
  Value select(Value c, Value x, Value y) {
    return arith::SelectOp::create(b, loc, c, x, y);
  }
  Value fadd(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value fmul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value fsub(Value x, Value y) { return arith::SubFOp::create(b, loc, x, y); }
  Value fmax(Value x, Value y) {
    return arith::MaxNumFOp::create(b, loc, x, y);
  }
  Value fma(Value x, Value y, Value z) {
    return math::FmaOp::create(b, loc, x, y, z);
  }
  Value exp2(Value x) { return math::Exp2Op::create(b, loc, x); }
  Value extract(Value v, ArrayRef<int64_t> pos) {
    return vector::ExtractOp::create(b, loc, v, pos);
  }
  Value insert(Value x, Value v, ArrayRef<int64_t> pos) {
    return vector::InsertOp::create(b, loc, x, v, pos);
  }
  Value zeros(VectorType t) {
    Type e = t.getElementType();
    return arith::ConstantOp::create(
        b, loc, t, DenseElementsAttr::get(t, b.getFloatAttr(e, 0)));
  }
  /// Butterfly (xor-shuffle) sum or max of `v` over the lanes whose ids
  /// differ in the bits of `offsets`: every such lane gets the result.
  Value xorReduce(Value v, bool isMax, ArrayRef<int64_t> offsets) {
    for (int64_t off : offsets) {
      Value other = gpu::ShuffleOp::create(b, loc, v, i32(off), i32(32),
                                           gpu::ShuffleMode::XOR)
                        .getShuffleResult();
      v = isMax ? fmax(v, other) : fadd(v, other);
    }
    return v;
  }
  /// Over the 4 lanes of a quad (lane ^ 1, lane ^ 2).
  Value quadReduce(Value v, bool isMax) { return xorReduce(v, isMax, {1, 2}); }
};

} // namespace seqc

#endif
