//===- SharedLibLinker.cpp - object + runtime -> model.so -----------------===//
//
// Code generation happens in process; only the final link calls the system
// C compiler driver (clang-22 or cc), which knows the platform's crt files
// and libm.
//
//===----------------------------------------------------------------------===//

#include "seqc/Target/CPU.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

using namespace mlir;

namespace seqc {

/// libseqc_runtime.a: $SEQC_RUNTIME_LIB, next to the tool (../lib), or the
/// build tree.
static std::string findRuntimeLibrary() {
  if (const char *env = getenv("SEQC_RUNTIME_LIB"))
    return env;
  std::string exe = llvm::sys::fs::getMainExecutable(nullptr, nullptr);
  llvm::SmallString<256> p(llvm::sys::path::parent_path(
      llvm::sys::path::parent_path(exe)));
  llvm::sys::path::append(p, "lib", "libseqc_runtime.a");
  if (llvm::sys::fs::exists(p))
    return p.str().str();
  return std::string(SEQC_BUILD_LIB_DIR) + "/libseqc_runtime.a";
}

static std::string findLinkerDriver() {
  if (const char *env = getenv("SEQC_CC"))
    return env;
  for (const char *name : {"clang-22", "clang", "cc", "gcc"})
    if (auto p = llvm::sys::findProgramByName(name))
      return *p;
  return {};
}

LogicalResult linkSharedLibrary(StringRef objectPath, StringRef outputPath,
                                std::string &error) {
  return linkSharedLibrary(ArrayRef<std::string>{objectPath.str()}, outputPath,
                           error);
}

LogicalResult linkSharedLibrary(ArrayRef<std::string> objectPaths,
                                StringRef outputPath, std::string &error) {
  std::string runtime = findRuntimeLibrary();
  if (!llvm::sys::fs::exists(runtime)) {
    error = "seqc runtime library not found at '" + runtime +
            "' (set SEQC_RUNTIME_LIB)";
    return failure();
  }
  std::string cc = findLinkerDriver();
  if (cc.empty()) {
    error = "no C compiler driver found to link the artifact (set SEQC_CC)";
    return failure();
  }
  std::string tmp = (outputPath + ".tmp").str();
  llvm::SmallString<128> log;
  llvm::sys::fs::createTemporaryFile("seqc-link", "log", log);
  // --whole-archive: nothing in the model references the runtime's API, but
  // the artifact must export it.
  SmallVector<StringRef> args{cc, "-shared", "-o", tmp};
  // lld links a weights-heavy artifact several times faster than GNU ld
  // (qwen3_moe_mid, 228 MB: 1.3 vs 3.4 s); a $SEQC_CC is taken as is.
  if (!getenv("SEQC_CC") && llvm::sys::findProgramByName("ld.lld"))
    args.push_back("-fuse-ld=lld");
  for (const std::string &o : objectPaths)
    args.push_back(o);
  args.append({"-Wl,--whole-archive",
               runtime, "-Wl,--no-whole-archive", "-lm", "-Wl,-Bsymbolic"});
  std::optional<StringRef> redirects[] = {std::nullopt, StringRef(log),
                                          StringRef(log)};
  int rc = llvm::sys::ExecuteAndWait(cc, args, std::nullopt, redirects);
  auto logText = llvm::MemoryBuffer::getFile(log);
  llvm::sys::fs::remove(log);
  if (rc != 0) {
    llvm::sys::fs::remove(tmp);
    error = "linking '" + outputPath.str() + "' with " + cc + " failed";
    if (logText && !(*logText)->getBuffer().empty())
      error += ": " + (*logText)->getBuffer().trim().str();
    return failure();
  }
  if (std::error_code ec = llvm::sys::fs::rename(tmp, outputPath)) {
    llvm::sys::fs::remove(tmp);
    error = "cannot write '" + outputPath.str() + "': " + ec.message();
    return failure();
  }
  return success();
}

} // namespace seqc
