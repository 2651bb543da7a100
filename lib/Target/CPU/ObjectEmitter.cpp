//===- ObjectEmitter.cpp - LLVM dialect -> optimized object code ----------===//

#include "seqc/Target/CPU.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"
#include "llvm/Transforms/Utils/Cloning.h"
#include <atomic>
#include <thread>

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
  // Constructors (the CUDA host code's module loads) go to .init_array, as
  // clang emits them: lld, which links artifacts when present, never runs a
  // .ctors section.
  to.UseInitArray = true;
  auto tm = std::unique_ptr<llvm::TargetMachine>(target->createTargetMachine(
      triple, cpu, features, to, llvm::Reloc::PIC_, std::nullopt,
      opts.optLevel >= 2 ? llvm::CodeGenOptLevel::Aggressive
                         : llvm::CodeGenOptLevel::Default));
  if (!tm)
    error = "cannot create a target machine for CPU '" + cpu + "'";
  return tm;
}

/// `module` in LLVM IR, with `tm`'s triple and data layout.
static std::unique_ptr<llvm::Module> translateWith(ModuleOp module,
                                                   llvm::LLVMContext &ctx,
                                                   llvm::TargetMachine &tm) {
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, ctx);
  if (!llvmModule) {
    module.emitError("failed to translate to LLVM IR");
    return nullptr;
  }
  llvmModule->setTargetTriple(tm.getTargetTriple());
  llvmModule->setDataLayout(tm.createDataLayout());
  return llvmModule;
}

std::unique_ptr<llvm::Module> translateForTarget(ModuleOp module,
                                                 llvm::LLVMContext &ctx,
                                                 const CPUTargetOptions &opts) {
  std::string error;
  auto tm = createTargetMachine(opts, error);
  if (!tm) {
    module.emitError(error);
    return nullptr;
  }
  return translateWith(module, ctx, *tm);
}

std::unique_ptr<llvm::Module>
translateAndOptimize(ModuleOp module, llvm::LLVMContext &ctx,
                     const CPUTargetOptions &opts) {
  std::string error;
  auto tm = createTargetMachine(opts, error);
  if (!tm) {
    module.emitError(error);
    return nullptr;
  }
  std::unique_ptr<llvm::Module> llvmModule = translateWith(module, ctx, *tm);
  if (!llvmModule)
    return nullptr;
  auto transformer = makeOptimizingTransformer(opts.optLevel, 0, tm.get());
  if (llvm::Error err = transformer(llvmModule.get())) {
    module.emitError("LLVM optimization failed: ")
        << llvm::toString(std::move(err));
    return nullptr;
  }
  return llvmModule;
}

static LogicalResult emitObjectWith(llvm::TargetMachine &tm,
                                    llvm::Module &module, std::string &bytes,
                                    std::string &error) {
  llvm::SmallString<0> buffer;
  llvm::raw_svector_ostream os(buffer);
  llvm::legacy::PassManager pm;
  if (tm.addPassesToEmitFile(pm, os, nullptr,
                             llvm::CodeGenFileType::ObjectFile)) {
    error = "the target cannot emit object files";
    return failure();
  }
  pm.run(module);
  bytes.assign(buffer.begin(), buffer.end());
  return success();
}

static void bytesForLargeConstants(llvm::Module &module);

LogicalResult emitObject(llvm::Module &module, const CPUTargetOptions &opts,
                         std::string &bytes, std::string &error) {
  auto tm = createTargetMachine(opts, error);
  if (!tm)
    return failure();
  bytesForLargeConstants(module);
  return emitObjectWith(*tm, module, bytes, error);
}

/// Appends the bytes of `c` (arrays of data, nested or zero) to `out`;
/// false for anything else (pointers, structs with padding...).
static bool appendBytes(const llvm::Constant *c, const llvm::DataLayout &dl,
                        std::string &out) {
  if (auto *data = dyn_cast<llvm::ConstantDataSequential>(c)) {
    out += data->getRawDataValues();
    return true;
  }
  if (isa<llvm::ConstantAggregateZero>(c) && c->getType()->isArrayTy()) {
    out.append(dl.getTypeAllocSize(c->getType()).getFixedValue(), '\0');
    return true;
  }
  auto *array = dyn_cast<llvm::ConstantArray>(c);
  if (!array)
    return false;
  for (const llvm::Use &element : array->operands())
    if (!appendBytes(cast<llvm::Constant>(element.get()), dl, out))
      return false;
  return true;
}

/// Constant arrays of at least this size are weights: emitted as raw bytes.
static constexpr uint64_t kWeightBytes = 64 * 1024;

/// The large constant globals whose initializers are plain data.
static SmallVector<llvm::GlobalVariable *>
largeConstants(llvm::Module &module) {
  const llvm::DataLayout &dl = module.getDataLayout();
  SmallVector<llvm::GlobalVariable *> large;
  for (llvm::GlobalVariable &gv : module.globals())
    if (gv.isConstant() && gv.hasInitializer() && !gv.hasComdat() &&
        !gv.hasSection() && !gv.isThreadLocal() &&
        gv.getValueType()->isArrayTy() &&
        dl.getTypeAllocSize(gv.getValueType()).getFixedValue() >= kWeightBytes)
      large.push_back(&gv);
  return large;
}

/// `gv`'s initializer as an i8 array, or null when it is not plain data.
static llvm::Constant *asBytes(llvm::GlobalVariable *gv) {
  const llvm::DataLayout &dl = gv->getParent()->getDataLayout();
  std::string raw;
  if (!appendBytes(gv->getInitializer(), dl, raw) ||
      raw.size() != dl.getTypeAllocSize(gv->getValueType()).getFixedValue())
    return nullptr;
  return llvm::ConstantDataArray::get(
      gv->getContext(),
      llvm::ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(raw.data()),
                              raw.size()));
}

/// Before code generation: large constants (weights) become i8 arrays of
/// the same bytes, which the asm printer copies at once instead of
/// printing nested float arrays element by element.
static void bytesForLargeConstants(llvm::Module &module) {
  for (llvm::GlobalVariable *gv : largeConstants(module)) {
    llvm::Constant *bytes = asBytes(gv);
    if (!bytes)
      continue;
    llvm::Align align = module.getDataLayout().getPreferredAlign(gv);
    auto *flat = new llvm::GlobalVariable(
        module, bytes->getType(), /*isConstant=*/true, gv->getLinkage(), bytes,
        "", gv, llvm::GlobalValue::NotThreadLocal, gv->getAddressSpace());
    flat->copyAttributesFrom(gv);
    flat->setAlignment(align);
    flat->takeName(gv);
    gv->replaceAllUsesWith(flat);
    gv->eraseFromParent();
  }
}

/// Large constant initializers (weights) leave `module` for a module of
/// their own that holds them as raw bytes: the partitions then carry no
/// weights through bitcode, and the asm printer writes each weight with one
/// copy instead of element by element. `module` keeps declarations.
/// Constants of the same bytes are emitted once (the step variants of a
/// generation artifact import the same weights; uniqued constants make
/// equal bytes one llvm::Constant).
static std::unique_ptr<llvm::Module> takeLargeConstants(llvm::Module &module) {
  auto data = std::make_unique<llvm::Module>(
      module.getModuleIdentifier() + ".weights", module.getContext());
  data->setTargetTriple(module.getTargetTriple());
  data->setDataLayout(module.getDataLayout());
  unsigned unnamed = 0;
  DenseMap<llvm::Constant *, std::pair<llvm::GlobalVariable *,
                                       llvm::GlobalVariable *>>
      emitted; // bytes -> (declaration in `module`, definition in `data`)
  for (llvm::GlobalVariable *gv : largeConstants(module)) {
    llvm::Constant *bytes = asBytes(gv);
    if (!bytes)
      continue;
    // The alignment the global had, explicit or the layout's preference.
    llvm::Align align = module.getDataLayout().getPreferredAlign(gv);
    auto same = emitted.find(bytes);
    if (same != emitted.end() &&
        same->second.first->getAddressSpace() == gv->getAddressSpace()) {
      auto [decl, def] = same->second;
      if (align > decl->getAlign().valueOrOne()) {
        decl->setAlignment(align);
        def->setAlignment(align);
      }
      gv->replaceAllUsesWith(decl);
      gv->eraseFromParent();
      continue;
    }
    auto *decl = new llvm::GlobalVariable(
        module, gv->getValueType(), /*isConstant=*/true,
        llvm::GlobalValue::ExternalLinkage, nullptr, "", nullptr,
        llvm::GlobalValue::NotThreadLocal, gv->getAddressSpace());
    decl->takeName(gv);
    if (decl->getName().empty())
      decl->setName("seqc_weight_" + llvm::Twine(unnamed++));
    decl->setAlignment(align);
    decl->setVisibility(llvm::GlobalValue::HiddenVisibility);
    decl->setDSOLocal(true);
    gv->replaceAllUsesWith(decl);
    auto *def = new llvm::GlobalVariable(
        *data, bytes->getType(), /*isConstant=*/true,
        llvm::GlobalValue::ExternalLinkage, bytes, decl->getName(), nullptr,
        llvm::GlobalValue::NotThreadLocal, gv->getAddressSpace());
    def->setAlignment(align);
    def->setVisibility(llvm::GlobalValue::HiddenVisibility);
    def->setDSOLocal(true);
    emitted.try_emplace(bytes, decl, def);
    gv->eraseFromParent();
  }
  return data;
}

/// Splits `module` into up to `parts` modules, returned as bitcode (LLVM
/// contexts are single-threaded, so each partition is parsed into a context
/// of its own, as llvm::splitCodeGen did). Functions are balanced by size;
/// local functions and mutable globals become hidden external symbols
/// defined in one partition; local constant globals are copied into every
/// partition, so the optimizer still folds loads from them.
static std::vector<std::string> partition(llvm::Module &module,
                                          unsigned parts) {
  SmallVector<std::pair<size_t, llvm::Function *>> functions;
  for (llvm::Function &f : module) {
    if (f.isDeclaration())
      continue;
    functions.push_back({f.getInstructionCount(), &f});
    // A linkonce definition (math-to-funcs' __mlir_math_ipowi_*) would be
    // dropped by its owner's optimizer once inlined there, leaving the other
    // partitions' calls undefined: it becomes a plain hidden definition too.
    if (f.hasLocalLinkage() || f.hasLinkOnceLinkage() || f.hasWeakLinkage()) {
      f.setLinkage(llvm::GlobalValue::ExternalLinkage);
      f.setVisibility(llvm::GlobalValue::HiddenVisibility);
    }
  }
  for (llvm::GlobalVariable &gv : module.globals())
    if (!gv.isConstant() && (gv.hasLocalLinkage() || gv.hasLinkOnceLinkage() ||
                             gv.hasWeakLinkage())) {
      gv.setLinkage(llvm::GlobalValue::ExternalLinkage);
      gv.setVisibility(llvm::GlobalValue::HiddenVisibility);
    }
  // Largest first (ties in module order), each to the lightest partition.
  SmallVector<unsigned> order(functions.size());
  for (unsigned i = 0; i < order.size(); ++i)
    order[i] = i;
  llvm::sort(order, [&](unsigned a, unsigned b) {
    return functions[a].first != functions[b].first
               ? functions[a].first > functions[b].first
               : a < b;
  });
  DenseMap<const llvm::GlobalValue *, unsigned> owner;
  std::vector<size_t> load(parts, 0);
  for (unsigned i : order) {
    auto [size, f] = functions[i];
    unsigned p = std::min_element(load.begin(), load.end()) - load.begin();
    owner[f] = p;
    load[p] += size + 1;
  }
  std::vector<std::string> bitcode;
  for (unsigned p = 0; p < parts; ++p) {
    if (load[p] == 0)
      continue;
    llvm::ValueToValueMapTy map;
    std::unique_ptr<llvm::Module> part =
        llvm::CloneModule(module, map, [&](const llvm::GlobalValue *gv) {
          if (auto *var = dyn_cast<llvm::GlobalVariable>(gv))
            return (var->isConstant() && var->hasLocalLinkage()) || p == 0;
          auto it = owner.find(gv);
          return it != owner.end() ? it->second == p : p == 0;
        });
    std::string bc;
    llvm::raw_string_ostream os(bc);
    llvm::WriteBitcodeToFile(*part, os);
    bitcode.push_back(std::move(bc));
  }
  return bitcode;
}

LogicalResult optimizeAndEmitObjects(llvm::Module &module,
                                     const CPUTargetOptions &opts,
                                     std::vector<std::string> &objects,
                                     std::string &error) {
  objects.clear();
  unsigned threads = std::max(opts.compileThreads, 1u);
  std::unique_ptr<llvm::Module> data = takeLargeConstants(module);
  unsigned defined = 0;
  for (llvm::Function &f : module)
    defined += !f.isDeclaration();
  // Task 0: the weights, in `module`'s context; tasks 1..: the partitions,
  // each optimized and compiled in a context of its own.
  std::vector<std::string> bitcode;
  if (threads > 1 && defined > 1)
    bitcode = partition(module, std::min(threads, defined));
  size_t tasks = 1 + std::max<size_t>(bitcode.size(), 1);
  objects.assign(tasks, std::string());
  std::vector<std::string> errors(tasks);
  // Target machines are made here: target registration is not thread-safe.
  std::vector<std::unique_ptr<llvm::TargetMachine>> tms;
  for (size_t t = 0; t < tasks; ++t) {
    tms.push_back(createTargetMachine(opts, error));
    if (!tms.back())
      return failure();
  }
  auto optimizeAndEmit = [&](size_t t, llvm::Module &m) {
    auto transformer =
        makeOptimizingTransformer(opts.optLevel, 0, tms[t].get());
    if (llvm::Error err = transformer(&m)) {
      errors[t] = "LLVM optimization failed: " + llvm::toString(std::move(err));
      return;
    }
    (void)emitObjectWith(*tms[t], m, objects[t], errors[t]);
  };
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t t; (t = next++) < tasks;) {
      if (t == 0) {
        if (!data->global_empty())
          (void)emitObjectWith(*tms[t], *data, objects[t], errors[t]);
        continue;
      }
      if (bitcode.empty()) { // one partition: `module` itself
        optimizeAndEmit(t, module);
        continue;
      }
      llvm::LLVMContext ctx;
      llvm::Expected<std::unique_ptr<llvm::Module>> part =
          llvm::parseBitcodeFile(
              llvm::MemoryBufferRef(bitcode[t - 1], "partition"), ctx);
      if (!part) {
        errors[t] = llvm::toString(part.takeError());
        continue;
      }
      optimizeAndEmit(t, **part);
    }
  };
  // With one partition, the weights and the code share `module`'s context:
  // one thread.
  size_t poolSize = bitcode.empty() ? 1 : std::min<size_t>(threads, tasks);
  std::vector<std::thread> pool;
  for (size_t i = 1; i < poolSize; ++i)
    pool.emplace_back(work);
  work();
  for (std::thread &t : pool)
    t.join();
  for (const std::string &e : errors)
    if (!e.empty()) {
      error = e;
      return failure();
    }
  llvm::erase_if(objects, [](const std::string &o) { return o.empty(); });
  return success();
}

} // namespace seqc
