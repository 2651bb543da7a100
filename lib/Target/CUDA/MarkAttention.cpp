//===- MarkAttention.cpp - supported attention -> marker calls ------------===//
//
// `seq-gpu-mark-attention` (tensors, before seq-to-linalg): a supported
// seq.attention becomes a call to a private marker declaration on the
// operands' buffers (bufferization.to_buffer) and a fresh output buffer
// (bufferization.to_tensor restrict writable). Bufferization and buffer
// deallocation treat the call like any other memref user, so the kernel is
// built after them without exposing gpu.launch (and its shared-memory block
// arguments) to the ownership-based deallocation.
//
//===----------------------------------------------------------------------===//

#include "FlashAttention.h"
#include "MarkerCall.h"

#include "seqc/Target/CUDA.h"

#include "seq/IR/AttentionSupport.h"
#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Pass/Pass.h"

using namespace mlir;

namespace seqc {
#define GEN_PASS_DEF_SEQGPUMARKATTENTION
#include "seqc/Target/CUDAPasses.h.inc"

namespace {
using flash::kMarkerAttr;

/// Why `op` cannot use the fused kernel, or empty if it can.
static std::string unsupportedReason(seq::AttentionOp op) {
  seq::AttentionSupport support;
  auto kernelType = [](Type t) {
    return isa<Float16Type, BFloat16Type, Float32Type>(t);
  };
  // Head sizes whose 16-byte copy chunks divide evenly over the threads
  // and whose accumulators fit in registers (D <= 128). The f32 kernel's
  // 32 unrolled dot products spill at D = 32 (ptxas schedules their loads
  // together): f32 takes D = 64 and 128 only.
  auto headSizes = [](int64_t d, int64_t dv, Type elt) {
    return dv == d &&
           (d == 64 || d == 128 || (!elt.isF32() && (d == 16 || d == 32)));
  };
  support.elementType = kernelType;
  support.positiveScale = true;
  support.headSizes = headSizes;
  return seq::unsupportedAttentionReason(op, support);
}

struct MarkAttentionPass : impl::SeqGpuMarkAttentionBase<MarkAttentionPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<seq::AttentionOp> ops;
    module.walk([&](seq::AttentionOp op) {
      if (unsupportedReason(op).empty())
        ops.push_back(op);
    });
    unsigned counter = 0;
    for (seq::AttentionOp op : ops) {
      Location loc = op.getLoc();
      auto bufferType = [](Value v) {
        auto t = cast<RankedTensorType>(v.getType());
        return MemRefType::get(t.getShape(), t.getElementType());
      };
      MemRefType outType = bufferType(op.getResult());
      SmallVector<Type> argTypes = {bufferType(op.getQuery()),
                                    bufferType(op.getKey()),
                                    bufferType(op.getValue()), outType};
      func::FuncOp decl = declareMarker(module, loc, "seqc_flash_attention_",
                                        kMarkerAttr, argTypes, counter);

      OpBuilder b(op);
      SmallVector<Value> args;
      for (Value v : {op.getQuery(), op.getKey(), op.getValue()})
        args.push_back(bufferization::ToBufferOp::create(
            b, loc, bufferType(v), v, /*read_only=*/true));
      Value out = memref::AllocOp::create(b, loc, outType);
      args.push_back(out);
      auto call = func::CallOp::create(b, loc, decl, args);
      NamedAttrList attrs;
      attrs.append("scale", op.getScaleAttr());
      attrs.append("query_offset", b.getI64IntegerAttr(op.getQueryOffset()));
      if (op.getCausal())
        attrs.append("causal", b.getUnitAttr());
      call->setAttr(kMarkerAttr, attrs.getDictionary(b.getContext()));
      Value result = bufferization::ToTensorOp::create(
          b, loc, op.getResult().getType(), out, /*restrict=*/true,
          /*writable=*/true);
      op.getResult().replaceAllUsesWith(result);
      op->erase();
    }
  }
};

} // namespace

std::unique_ptr<Pass> createMarkAttentionPass() {
  return std::make_unique<MarkAttentionPass>();
}

} // namespace seqc
