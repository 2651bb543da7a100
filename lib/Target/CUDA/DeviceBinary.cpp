//===- DeviceBinary.cpp - PTX -> cubin (ptxas) -> fatbin ------------------===//
//
// gpu-module-to-binary{format=isa} leaves PTX in each gpu.binary; ptxas and
// fatbinary run here so that a missing toolkit is one clear error, and the
// fatbin carries the PTX as a JIT fallback for GPUs newer than --gpu-arch.
//
//===----------------------------------------------------------------------===//

#include "seqc/Target/CUDA.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include <cstdlib>

using namespace mlir;

namespace seqc {

static bool hasPtxas(StringRef dir) {
  llvm::SmallString<128> p(dir);
  llvm::sys::path::append(p, "bin", "ptxas");
  return llvm::sys::fs::can_execute(p);
}

std::string findCudaToolkit() {
  // An explicit CUDA_HOME/CUDA_PATH is authoritative (no silent fallback to
  // a different toolkit).
  for (const char *var : {"CUDA_HOME", "CUDA_PATH"})
    if (const char *dir = std::getenv(var); dir && *dir)
      return hasPtxas(dir) ? std::string(dir) : std::string();
  if (llvm::ErrorOr<std::string> ptxas = llvm::sys::findProgramByName("ptxas"))
    return llvm::sys::path::parent_path(llvm::sys::path::parent_path(*ptxas))
        .str();
  return hasPtxas("/usr/local/cuda") ? "/usr/local/cuda" : "";
}

static std::string toolkitError() {
  std::string where;
  for (const char *var : {"CUDA_HOME", "CUDA_PATH"})
    if (const char *dir = std::getenv(var); dir && *dir)
      return std::string("ptxas not found in $") + var + "/bin ('" + dir +
             "/bin'); point " + var + " at a CUDA toolkit";
  return "ptxas not found (searched PATH and /usr/local/cuda/bin); install "
         "the CUDA toolkit or set CUDA_HOME";
}

LogicalResult verifyCudaToolkit(Location loc, bool needPtxas) {
  // An explicit but wrong CUDA_HOME/CUDA_PATH is an error even when ptxas is
  // not needed: MLIR looks for libdevice there.
  bool explicitPath = false;
  for (const char *var : {"CUDA_HOME", "CUDA_PATH"})
    if (const char *dir = std::getenv(var); dir && *dir)
      explicitPath = true;
  if ((needPtxas || explicitPath) && findCudaToolkit().empty())
    return emitError(loc) << toolkitError();
  return success();
}

std::string collectPtx(ModuleOp module) {
  std::string ptx;
  module.walk([&](gpu::BinaryOp binary) {
    for (Attribute a : binary.getObjects())
      if (auto obj = dyn_cast<gpu::ObjectAttr>(a))
        if (obj.getFormat() == gpu::CompilationTarget::Assembly)
          ptx += "// gpu.binary @" + binary.getSymName().str() + "\n" +
                 obj.getObject().getValue().str();
  });
  return ptx;
}

namespace {
/// Temporary files removed on destruction.
struct TempFiles {
  SmallVector<llvm::SmallString<128>> paths;
  ~TempFiles() {
    for (auto &p : paths)
      llvm::sys::fs::remove(p);
  }
  LogicalResult create(StringRef suffix, std::string &path) {
    llvm::SmallString<128> p;
    if (llvm::sys::fs::createTemporaryFile("seqc-gpu", suffix, p))
      return failure();
    paths.push_back(p);
    path = p.str().str();
    return success();
  }
};
} // namespace

/// Runs `tool args...`; on failure returns its output in `error`.
static LogicalResult runTool(StringRef tool, ArrayRef<StringRef> args,
                             TempFiles &tmp, std::string &error) {
  std::string log;
  if (failed(tmp.create("log", log))) {
    error = "cannot create a temporary file";
    return failure();
  }
  std::optional<StringRef> redirects[] = {std::nullopt, StringRef(log),
                                          StringRef(log)};
  std::string execError;
  int rc = llvm::sys::ExecuteAndWait(tool, args, std::nullopt, redirects, 0, 0,
                                     &execError);
  if (rc == 0)
    return success();
  error = tool.str() + " failed";
  if (!execError.empty())
    error += ": " + execError;
  if (auto text = llvm::MemoryBuffer::getFile(log))
    if (!(*text)->getBuffer().trim().empty())
      error += ":\n" + (*text)->getBuffer().trim().str();
  return failure();
}

LogicalResult assembleDeviceBinaries(ModuleOp module,
                                     const CudaTargetOptions &opts) {
  std::string toolkit = findCudaToolkit();
  SmallVector<gpu::BinaryOp> binaries(module.getOps<gpu::BinaryOp>());
  if (binaries.empty())
    return success();
  if (toolkit.empty())
    return module.emitError(toolkitError());
  llvm::SmallString<128> ptxas(toolkit), fatbinary(toolkit);
  llvm::sys::path::append(ptxas, "bin", "ptxas");
  llvm::sys::path::append(fatbinary, "bin", "fatbinary");
  bool haveFatbinary = llvm::sys::fs::can_execute(fatbinary);
  std::string archFlag = "-arch=" + opts.arch;
  // fatbinary names the arch by number: sm_90 -> 90 (sm_90a -> 90a).
  std::string smNumber = StringRef(opts.arch).drop_front(3).str();

  for (gpu::BinaryOp binary : binaries) {
    SmallVector<Attribute> objects;
    for (Attribute a : binary.getObjects()) {
      auto obj = dyn_cast<gpu::ObjectAttr>(a);
      if (!obj || obj.getFormat() != gpu::CompilationTarget::Assembly) {
        objects.push_back(a);
        continue;
      }
      TempFiles tmp;
      std::string ptxPath, cubinPath, fatPath, error;
      if (failed(tmp.create("ptx", ptxPath)) ||
          failed(tmp.create("cubin", cubinPath)) ||
          failed(tmp.create("fatbin", fatPath)))
        return binary.emitError("cannot create temporary files");
      {
        std::error_code ec;
        llvm::raw_fd_ostream os(ptxPath, ec);
        os << obj.getObject().getValue();
      }
      if (failed(runTool(ptxas,
                         {ptxas, archFlag, "-O3", ptxPath, "-o", cubinPath},
                         tmp, error)))
        return binary.emitError(error);
      std::string resultPath = cubinPath;
      auto format = gpu::CompilationTarget::Binary;
      if (haveFatbinary) {
        std::string elf =
            "--image3=kind=elf,sm=" + smNumber + ",file=" + cubinPath;
        std::string ptx =
            "--image3=kind=ptx,sm=" + smNumber + ",file=" + ptxPath;
        if (failed(runTool(fatbinary,
                           {fatbinary, "-64", "--create=" + fatPath, elf, ptx},
                           tmp, error)))
          return binary.emitError(error);
        resultPath = fatPath;
        format = gpu::CompilationTarget::Fatbin;
      }
      auto bytes = llvm::MemoryBuffer::getFile(resultPath, /*IsText=*/false);
      if (!bytes)
        return binary.emitError("cannot read ") << resultPath;
      objects.push_back(gpu::ObjectAttr::get(
          module.getContext(), obj.getTarget(), format,
          StringAttr::get(module.getContext(), (*bytes)->getBuffer()),
          obj.getProperties(), obj.getKernels()));
    }
    binary.setObjectsAttr(ArrayAttr::get(module.getContext(), objects));
  }
  return success();
}

} // namespace seqc
