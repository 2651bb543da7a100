//===- ObjectEmitter.cpp - LLVM dialect -> optimized object code ----------===//

#include "seqc/Target/CPU.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"

using namespace mlir;

namespace seqc {

static std::unique_ptr<llvm::TargetMachine>
createTargetMachine(const CPUTargetOptions &opts, std::string &error) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return nullptr;
  std::string cpu = opts.cpu, features;
  if (cpu == "native") {
    cpu = llvm::sys::getHostCPUName().str();
    llvm::SubtargetFeatures f;
    for (auto &[name, enabled] : llvm::sys::getHostCPUFeatures())
      f.AddFeature(name, enabled);
    features = f.getString();
  }
  llvm::TargetOptions to;
  auto tm = std::unique_ptr<llvm::TargetMachine>(target->createTargetMachine(
      triple, cpu, features, to, llvm::Reloc::PIC_, std::nullopt,
      opts.optLevel >= 2 ? llvm::CodeGenOptLevel::Aggressive
                         : llvm::CodeGenOptLevel::Default));
  if (!tm)
    error = "cannot create a target machine for CPU '" + cpu + "'";
  return tm;
}

std::unique_ptr<llvm::Module> translateAndOptimize(ModuleOp module,
                                                   llvm::LLVMContext &ctx,
                                                   const CPUTargetOptions &opts) {
  std::string error;
  auto tm = createTargetMachine(opts, error);
  if (!tm) {
    module.emitError(error);
    return nullptr;
  }
  std::unique_ptr<llvm::Module> llvmModule = translateModuleToLLVMIR(module, ctx);
  if (!llvmModule) {
    module.emitError("failed to translate to LLVM IR");
    return nullptr;
  }
  llvmModule->setTargetTriple(tm->getTargetTriple());
  llvmModule->setDataLayout(tm->createDataLayout());
  auto transformer = makeOptimizingTransformer(opts.optLevel, 0, tm.get());
  if (llvm::Error err = transformer(llvmModule.get())) {
    module.emitError("LLVM optimization failed: ")
        << llvm::toString(std::move(err));
    return nullptr;
  }
  return llvmModule;
}

LogicalResult emitObject(llvm::Module &module, const CPUTargetOptions &opts,
                         std::string &bytes, std::string &error) {
  auto tm = createTargetMachine(opts, error);
  if (!tm)
    return failure();
  llvm::SmallString<0> buffer;
  llvm::raw_svector_ostream os(buffer);
  llvm::legacy::PassManager pm;
  if (tm->addPassesToEmitFile(pm, os, nullptr,
                              llvm::CodeGenFileType::ObjectFile)) {
    error = "the target cannot emit object files";
    return failure();
  }
  pm.run(module);
  bytes.assign(buffer.begin(), buffer.end());
  return success();
}

} // namespace seqc
