//===- ObjectEmitter.cpp - LLVM dialect -> optimized object code ----------===//

#include "seqc/Target/CPU.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/BinaryFormat/ELF.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/SwapByteOrder.h"
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

void releaseWeightBlobs(ModuleOp module) {
  module.walk([](LLVM::GlobalOp global) {
    if (auto blob = dyn_cast_or_null<DenseResourceElementsAttr>(
            global.getValueOrNull()))
      if (auto *entry = blob.getRawHandle().getResource())
        entry->setBlob(AsmResourceBlob());
  });
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

/// Calls `piece(data, size)` for the bytes of `c` (arrays of data, nested or
/// zero) in order, `data` null for zeros; false for anything else
/// (pointers, structs with padding...). Nothing is copied.
static bool forEachPiece(const llvm::Constant *c,
                         llvm::function_ref<void(const char *, uint64_t)> piece,
                         const llvm::DataLayout &dl) {
  if (auto *data = dyn_cast<llvm::ConstantDataSequential>(c)) {
    StringRef raw = data->getRawDataValues();
    piece(raw.data(), raw.size());
    return true;
  }
  if (isa<llvm::ConstantAggregateZero>(c) && c->getType()->isArrayTy()) {
    piece(nullptr, dl.getTypeAllocSize(c->getType()).getFixedValue());
    return true;
  }
  auto *array = dyn_cast<llvm::ConstantArray>(c);
  if (!array)
    return false;
  for (const llvm::Use &element : array->operands())
    if (!forEachPiece(cast<llvm::Constant>(element.get()), piece, dl))
      return false;
  return true;
}

/// Whether `gv`'s initializer is plain data of its type's size (the bytes
/// forEachPiece visits are then the global's memory image).
static bool isPlainData(const llvm::GlobalVariable *gv) {
  const llvm::DataLayout &dl = gv->getParent()->getDataLayout();
  uint64_t size = 0;
  return forEachPiece(
             gv->getInitializer(), [&](const char *, uint64_t n) { size += n; },
             dl) &&
         size == dl.getTypeAllocSize(gv->getValueType()).getFixedValue();
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
        dl.getTypeAllocSize(gv.getValueType()).getFixedValue() >=
            kWeightBytes &&
        isPlainData(&gv))
      large.push_back(&gv);
  return large;
}

/// `gv`'s initializer (plain data) as an i8 array.
static llvm::Constant *asBytes(llvm::GlobalVariable *gv) {
  const llvm::DataLayout &dl = gv->getParent()->getDataLayout();
  std::string raw;
  forEachPiece(
      gv->getInitializer(),
      [&](const char *data, uint64_t n) {
        if (data)
          raw.append(data, n);
        else
          raw.append(n, '\0');
      },
      dl);
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

/// Large constant globals (weights) move from `module` to a module of their
/// own (same context; their initializers are not copied), as hidden
/// definitions with explicit alignment; `module` keeps declarations. The
/// partitions then carry no weights through bitcode. Globals of the same
/// initializer are one definition (the step variants of a generation
/// artifact import the same weights; equal data of equal type is one
/// uniqued llvm::Constant).
static std::unique_ptr<llvm::Module> takeLargeConstants(llvm::Module &module) {
  auto data = std::make_unique<llvm::Module>(
      module.getModuleIdentifier() + ".weights", module.getContext());
  data->setTargetTriple(module.getTargetTriple());
  data->setDataLayout(module.getDataLayout());
  unsigned unnamed = 0;
  // initializer -> (declaration in `module`, definition in `data`)
  DenseMap<std::pair<const llvm::Constant *, unsigned>,
           std::pair<llvm::GlobalVariable *, llvm::GlobalVariable *>>
      emitted;
  for (llvm::GlobalVariable *gv : largeConstants(module)) {
    // The alignment the global had, explicit or the layout's preference.
    llvm::Align align = module.getDataLayout().getPreferredAlign(gv);
    auto same = emitted.find({gv->getInitializer(), gv->getAddressSpace()});
    if (same != emitted.end()) {
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
    // The definition is `gv` itself, moved: its initializer stays as is.
    gv->removeFromParent();
    data->insertGlobalVariable(gv);
    gv->setName(decl->getName());
    gv->setLinkage(llvm::GlobalValue::ExternalLinkage);
    gv->setVisibility(llvm::GlobalValue::HiddenVisibility);
    gv->setDSOLocal(true);
    gv->setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::None);
    gv->setAlignment(align);
    emitted.try_emplace({gv->getInitializer(), gv->getAddressSpace()}, decl,
                        gv);
  }
  return data;
}

/// The ELF machine of `triple` when writeWeightsObject can write its
/// objects (64-bit little-endian ELF, on a little-endian host: the headers
/// are written as they are in memory); 0 otherwise.
static uint16_t weightsObjectMachine(const llvm::Triple &triple) {
  if (!triple.isOSBinFormatELF() || !llvm::sys::IsLittleEndianHost)
    return 0;
  switch (triple.getArch()) {
  case llvm::Triple::x86_64:
    return llvm::ELF::EM_X86_64;
  case llvm::Triple::aarch64:
    return llvm::ELF::EM_AARCH64;
  default:
    return 0;
  }
}

/// Writes the globals of `data` (takeLargeConstants' weights, in address
/// space 0) as an ELF relocatable object to `fd`: one read-only section,
/// one hidden symbol per global. Each initializer's bytes are written
/// straight from the LLVM constant: the weights are never copied in memory
/// (the asm printer's path holds them three times: as i8 constants, in the
/// streamer's fragments and in the object buffer). Closes `fd`.
static LogicalResult writeWeightsObject(llvm::Module &data, uint16_t machine,
                                        int fd, StringRef path,
                                        std::string &error) {
  namespace ELF = llvm::ELF;
  const llvm::DataLayout &dl = data.getDataLayout();
  struct Entry {
    llvm::GlobalVariable *gv;
    uint64_t offset, size;
    uint32_t name;
  };
  SmallVector<Entry> entries;
  std::string strtab(1, '\0');
  uint64_t size = 0, align = 1;
  for (llvm::GlobalVariable &gv : data.globals()) {
    uint64_t a = gv.getAlign().valueOrOne().value();
    size = llvm::alignTo(size, a);
    uint64_t n = dl.getTypeAllocSize(gv.getValueType()).getFixedValue();
    entries.push_back({&gv, size, n, uint32_t(strtab.size())});
    strtab += gv.getName();
    strtab += '\0';
    size += n;
    align = std::max(align, a);
  }
  // Sections: null, the weights, .symtab, .strtab, .shstrtab and an empty
  // .note.GNU-stack (no executable stack).
  static constexpr char shstrtab[] =
      "\0.rodata.seqc_weights\0.symtab\0.strtab\0.shstrtab\0.note.GNU-stack";
  enum : uint32_t { kRodata = 1, kSymtab, kStrtab, kShstrtab, kNote, kCount };
  const uint32_t names[kCount] = {0, 1, 22, 30, 38, 48};
  uint64_t dataOff = llvm::alignTo(sizeof(ELF::Elf64_Ehdr), align);
  uint64_t symOff = llvm::alignTo(dataOff + size, 8);
  uint64_t nsyms = entries.size() + 1;
  uint64_t strOff = symOff + nsyms * sizeof(ELF::Elf64_Sym);
  uint64_t shstrOff = strOff + strtab.size();
  uint64_t shOff = llvm::alignTo(shstrOff + sizeof(shstrtab), 8);

  ELF::Elf64_Ehdr eh = {};
  memcpy(eh.e_ident, ELF::ElfMagic, 4);
  eh.e_ident[ELF::EI_CLASS] = ELF::ELFCLASS64;
  eh.e_ident[ELF::EI_DATA] = ELF::ELFDATA2LSB;
  eh.e_ident[ELF::EI_VERSION] = ELF::EV_CURRENT;
  eh.e_type = ELF::ET_REL;
  eh.e_machine = machine;
  eh.e_version = ELF::EV_CURRENT;
  eh.e_shoff = shOff;
  eh.e_ehsize = sizeof(ELF::Elf64_Ehdr);
  eh.e_shentsize = sizeof(ELF::Elf64_Shdr);
  eh.e_shnum = kCount;
  eh.e_shstrndx = kShstrtab;

  ELF::Elf64_Shdr sh[kCount] = {};
  for (uint32_t i = 1; i < kCount; ++i)
    sh[i].sh_name = names[i];
  sh[kRodata].sh_type = ELF::SHT_PROGBITS;
  sh[kRodata].sh_flags = ELF::SHF_ALLOC;
  sh[kRodata].sh_offset = dataOff;
  sh[kRodata].sh_size = size;
  sh[kRodata].sh_addralign = align;
  sh[kSymtab].sh_type = ELF::SHT_SYMTAB;
  sh[kSymtab].sh_offset = symOff;
  sh[kSymtab].sh_size = nsyms * sizeof(ELF::Elf64_Sym);
  sh[kSymtab].sh_link = kStrtab;
  sh[kSymtab].sh_info = 1; // the first global symbol: all but the null one
  sh[kSymtab].sh_addralign = 8;
  sh[kSymtab].sh_entsize = sizeof(ELF::Elf64_Sym);
  sh[kStrtab].sh_type = ELF::SHT_STRTAB;
  sh[kStrtab].sh_offset = strOff;
  sh[kStrtab].sh_size = strtab.size();
  sh[kStrtab].sh_addralign = 1;
  sh[kShstrtab].sh_type = ELF::SHT_STRTAB;
  sh[kShstrtab].sh_offset = shstrOff;
  sh[kShstrtab].sh_size = sizeof(shstrtab);
  sh[kShstrtab].sh_addralign = 1;
  sh[kNote].sh_type = ELF::SHT_PROGBITS;
  sh[kNote].sh_offset = shOff;
  sh[kNote].sh_addralign = 1;

  llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
  auto zeros = [&](uint64_t n) {
    static const char zero[4096] = {};
    for (; n > 0; n -= std::min<uint64_t>(n, sizeof(zero)))
      os.write(zero, std::min<uint64_t>(n, sizeof(zero)));
  };
  os.write(reinterpret_cast<const char *>(&eh), sizeof(eh));
  zeros(dataOff - sizeof(eh));
  uint64_t at = 0;
  for (const Entry &e : entries) {
    zeros(e.offset - at);
    forEachPiece(
        e.gv->getInitializer(),
        [&](const char *bytes, uint64_t n) {
          if (bytes)
            os.write(bytes, n);
          else
            zeros(n);
        },
        dl);
    at = e.offset + e.size;
  }
  zeros(symOff - (dataOff + size));
  ELF::Elf64_Sym null = {};
  os.write(reinterpret_cast<const char *>(&null), sizeof(null));
  for (const Entry &e : entries) {
    ELF::Elf64_Sym sym = {};
    sym.st_name = e.name;
    sym.setBindingAndType(ELF::STB_GLOBAL, ELF::STT_OBJECT);
    sym.st_other = ELF::STV_HIDDEN;
    sym.st_shndx = kRodata;
    sym.st_value = e.offset;
    sym.st_size = e.size;
    os.write(reinterpret_cast<const char *>(&sym), sizeof(sym));
  }
  os << strtab;
  os.write(shstrtab, sizeof(shstrtab));
  zeros(shOff - (shstrOff + sizeof(shstrtab)));
  os.write(reinterpret_cast<const char *>(sh), sizeof(sh));
  os.close();
  if (std::error_code ec = os.error()) {
    os.clear_error();
    error =
        "cannot write the weights object '" + path.str() + "': " + ec.message();
    return failure();
  }
  return success();
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
                                     std::string &weightsPath,
                                     std::string &error) {
  objects.clear();
  weightsPath.clear();
  unsigned threads = std::max(opts.compileThreads, 1u);
  std::unique_ptr<llvm::Module> data = takeLargeConstants(module);
  // The weights go straight to an object file of their own where
  // writeWeightsObject knows the format; else through the asm printer.
  // (SEQC_WEIGHTS_VIA_ASM=1 forces the asm printer: tests and A/B runs.)
  const char *viaAsm = getenv("SEQC_WEIGHTS_VIA_ASM");
  uint16_t machine = viaAsm && StringRef(viaAsm) == "1"
                         ? 0
                         : weightsObjectMachine(module.getTargetTriple());
  for (llvm::GlobalVariable &gv : data->globals())
    if (gv.getAddressSpace() != 0)
      machine = 0;
  int weightsFd = -1;
  if (machine && !data->global_empty()) {
    llvm::SmallString<128> p;
    if (std::error_code ec = llvm::sys::fs::createTemporaryFile(
            "seqc-weights", "o", weightsFd, p)) {
      error = "cannot create a temporary object file: " + ec.message();
      return failure();
    }
    weightsPath = p.str().str();
  }
  // Removes the weights object unless everything succeeded.
  auto fail = [&] {
    if (!weightsPath.empty())
      llvm::sys::fs::remove(weightsPath);
    weightsPath.clear();
    return failure();
  };
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
    if (!tms.back()) {
      if (weightsFd >= 0)
        llvm::sys::Process::SafelyCloseFileDescriptor(weightsFd);
      return fail();
    }
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
        if (weightsFd >= 0) {
          (void)writeWeightsObject(*data, machine, weightsFd, weightsPath,
                                   errors[t]);
        } else if (!data->global_empty()) {
          bytesForLargeConstants(*data);
          (void)emitObjectWith(*tms[t], *data, objects[t], errors[t]);
        }
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
      return fail();
    }
  llvm::erase_if(objects, [](const std::string &o) { return o.empty(); });
  return success();
}

} // namespace seqc
