//===- KernelCall.h - calls of runtime kernels on tensor operands -*- C++
//-*-===//
//
// What the lowerings to runtime kernels that take raw addresses and strides
// (seq-lower-quant-matmul, seq-lower-moe) share: the kernel declaration, a
// read-only buffer of a tensor operand kept next to its call, and the
// address and strides of a memref as i64.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_TARGET_CPU_KERNELCALL_H
#define SEQC_TARGET_CPU_KERNELCALL_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"

#include <utility>

namespace seqc::cpu {

/// The private declaration of kernel `name` taking `numArgs` i64 arguments
/// (created once per module).
inline mlir::func::FuncOp declareI64Kernel(mlir::ModuleOp module,
                                           llvm::StringRef name, int numArgs) {
  if (auto f = module.lookupSymbol<mlir::func::FuncOp>(name))
    return f;
  auto b = mlir::OpBuilder::atBlockBegin(module.getBody());
  llvm::SmallVector<mlir::Type> args(numArgs, b.getI64Type());
  auto f = mlir::func::FuncOp::create(b, module.getLoc(), name,
                                      b.getFunctionType(args, {}));
  f.setPrivate();
  return f;
}

/// A read-only buffer of tensor `t` for the kernel call number `callId`:
/// identity layout when the kernel assumes a dense row-major operand
/// (bufferization copies other layouts), a fully strided one otherwise.
///
/// The kernel reads through an address taken from this buffer, which
/// bufferization cannot see: the read must stay right before its call. The
/// per-call tag `callAttr` = callId keeps CSE from merging it with an
/// earlier call's to_buffer of the same tensor (whose buffer a later op may
/// then overwrite in place).
inline mlir::Value readBuffer(mlir::OpBuilder &b, mlir::Location loc,
                              mlir::Value t, bool dense,
                              llvm::StringRef callAttr, int64_t callId) {
  using namespace mlir;
  auto tt = cast<RankedTensorType>(t.getType());
  MemRefType mt;
  if (dense) {
    mt = MemRefType::get(tt.getShape(), tt.getElementType());
  } else {
    SmallVector<int64_t> strides(tt.getRank(), ShapedType::kDynamic);
    mt = MemRefType::get(
        tt.getShape(), tt.getElementType(),
        StridedLayoutAttr::get(b.getContext(), ShapedType::kDynamic, strides));
  }
  auto op = bufferization::ToBufferOp::create(b, loc, mt, t,
                                              /*read_only=*/true);
  op->setAttr(callAttr, b.getI64IntegerAttr(callId));
  return op;
}

/// Address of the first element of `memref` as i64, and its strides.
inline std::pair<mlir::Value, llvm::SmallVector<mlir::Value>>
describeBuffer(mlir::OpBuilder &b, mlir::Location loc, mlir::Value memref) {
  using namespace mlir;
  auto mt = cast<MemRefType>(memref.getType());
  auto md = memref::ExtractStridedMetadataOp::create(b, loc, memref);
  Value base = memref::ExtractAlignedPointerAsIndexOp::create(
      b, loc, md.getBaseBuffer());
  Value eltBytes =
      arith::ConstantIndexOp::create(b, loc, mt.getElementTypeBitWidth() / 8);
  Value off = arith::MulIOp::create(b, loc, md.getOffset(), eltBytes);
  Value addr = arith::AddIOp::create(b, loc, base, off);
  auto toI64 = [&](Value v) {
    return arith::IndexCastOp::create(b, loc, b.getI64Type(), v).getResult();
  };
  SmallVector<Value> strides;
  for (Value s : md.getStrides())
    strides.push_back(toI64(s));
  return {toI64(addr), strides};
}

} // namespace seqc::cpu

#endif // SEQC_TARGET_CPU_KERNELCALL_H
