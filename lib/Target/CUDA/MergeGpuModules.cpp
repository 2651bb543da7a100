//===- MergeGpuModules.cpp - all kernels in one gpu.module ----------------===//
//
// gpu-kernel-outlining makes one gpu.module per kernel. `seq-gpu-merge-
// modules` moves every kernel into the first module, so that the artifact
// carries one PTX file / cubin (one ptxas run, one cuModuleLoadData).
//
//===----------------------------------------------------------------------===//

#include "seqc/Target/CUDA.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Pass/Pass.h"

using namespace mlir;

namespace seqc {
#define GEN_PASS_DEF_SEQGPUMERGEMODULES
#include "seqc/Target/CUDAPasses.h.inc"

namespace {

struct MergeGpuModulesPass : impl::SeqGpuMergeModulesBase<MergeGpuModulesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<gpu::GPUModuleOp> gpuModules(module.getOps<gpu::GPUModuleOp>());
    if (gpuModules.size() < 2)
      return;
    gpu::GPUModuleOp target = gpuModules.front();
    SymbolTable targetSymbols(target);
    StringAttr targetName = target.getSymNameAttr();
    // (old module, kernel) -> new kernel name in `target`.
    llvm::DenseMap<std::pair<StringAttr, StringAttr>, StringAttr> renamed;
    for (gpu::GPUModuleOp other : llvm::drop_begin(gpuModules)) {
      for (Operation &op :
           llvm::make_early_inc_range(other.getBody()->getOperations())) {
        auto sym = dyn_cast<SymbolOpInterface>(op);
        if (!sym)
          continue;
        // Outlined kernels all share their function's name; the module
        // names are unique, so each kernel takes its module's name.
        auto fn = dyn_cast<gpu::GPUFuncOp>(op);
        if (fn && fn.isKernel()) {
          renamed[{other.getSymNameAttr(), fn.getNameAttr()}] =
              other.getSymNameAttr();
          fn.setName(other.getSymName());
        }
        if (Operation *clash = targetSymbols.lookup(sym.getNameAttr())) {
          if (sym.isDeclaration() &&
              cast<SymbolOpInterface>(clash).isDeclaration()) {
            op.erase(); // the same external function (e.g. libdevice)
            continue;
          }
          op.emitError("symbol clash while merging gpu.modules: ")
              << sym.getNameAttr();
          return signalPassFailure();
        }
        op.remove();
        targetSymbols.insert(&op);
      }
    }
    module.walk([&](gpu::LaunchFuncOp launch) {
      SymbolRefAttr kernel = launch.getKernel();
      auto it =
          renamed.find({kernel.getRootReference(), kernel.getLeafReference()});
      if (it == renamed.end())
        return;
      launch.setKernelAttr(
          SymbolRefAttr::get(targetName, {FlatSymbolRefAttr::get(it->second)}));
    });
    for (gpu::GPUModuleOp other : llvm::drop_begin(gpuModules))
      other.erase();
  }
};

} // namespace

std::unique_ptr<Pass> createMergeGpuModulesPass() {
  return std::make_unique<MergeGpuModulesPass>();
}

} // namespace seqc
