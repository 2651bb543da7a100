//===- AlignWorkgroup.cpp - 16-byte aligned workgroup buffers -------------===//

#include "seqc/Target/CUDA.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Pass/Pass.h"

using namespace mlir;

namespace seqc {
#define GEN_PASS_DEF_SEQGPUALIGNWORKGROUP
#include "seqc/Target/CUDAPasses.h.inc"

namespace {

/// Shared-memory buffers of outlined kernels are aligned to their element
/// type only; cp.async (16 bytes) and ldmatrix need 16-byte aligned rows.
struct AlignWorkgroupPass : impl::SeqGpuAlignWorkgroupBase<AlignWorkgroupPass> {
  void runOnOperation() override {
    Builder b(&getContext());
    getOperation().walk([&](gpu::GPUFuncOp fn) {
      for (unsigned i = 0, e = fn.getNumWorkgroupAttributions(); i < e; ++i)
        if (!fn.getWorkgroupAttributionAttr(
                i, LLVM::LLVMDialect::getAlignAttrName()))
          fn.setWorkgroupAttributionAttr(i,
                                         LLVM::LLVMDialect::getAlignAttrName(),
                                         b.getI64IntegerAttr(16));
    });
  }
};

} // namespace

std::unique_ptr<Pass> createAlignWorkgroupPass() {
  return std::make_unique<AlignWorkgroupPass>();
}

} // namespace seqc
