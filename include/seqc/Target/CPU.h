//===- CPU.h - CPU object emission and artifact linking --------*- C++ -*-===//

#ifndef SEQC_TARGET_CPU_H
#define SEQC_TARGET_CPU_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/IR/Module.h"
#include <memory>
#include <string>

namespace seqc {
struct CPUTargetOptions {
  std::string cpu = "native"; // "native" = the host CPU and its features
  unsigned optLevel = 3;
  /// `seqc --compile-threads`: optimization and code generation threads
  /// (optimizeAndEmitObjects).
  unsigned compileThreads = 2;
  /// `seqc --split-max-ops`: seq-split-functions' max-ops (0: no split).
  int64_t splitMaxOps = 250;
  /// `seqc --profile-hooks`: seq-profile-hooks (seq-run --profile).
  bool profileHooks = false;
};

/// Translates an LLVM-dialect module to LLVM IR, configured and optimized
/// for the target. Errors are emitted on the module.
std::unique_ptr<llvm::Module> translateAndOptimize(mlir::ModuleOp module,
                                                   llvm::LLVMContext &ctx,
                                                   const CPUTargetOptions &opts);

/// Emits an object file for `module` into `bytes` with the in-process
/// TargetMachine.
mlir::LogicalResult emitObject(llvm::Module &module,
                               const CPUTargetOptions &opts,
                               std::string &bytes, std::string &error);

/// Translates an LLVM-dialect module to LLVM IR configured for the target,
/// unoptimized (for optimizeAndEmitObjects).
std::unique_ptr<llvm::Module> translateForTarget(mlir::ModuleOp module,
                                                 llvm::LLVMContext &ctx,
                                                 const CPUTargetOptions &opts);

/// After translation: frees the resource blobs (weights) that `module`'s
/// globals hold, which the LLVM module has copied; their attributes are
/// then empty. The memory is reused by code generation and the weights
/// object instead of fresh pages.
void releaseWeightBlobs(mlir::ModuleOp module);

/// Optimizes and emits a translated module as several objects, on up to
/// `opts.compileThreads` threads: size-balanced partitions, each optimized
/// and compiled in its own LLVM context, plus one object holding the large
/// constants (weights) as raw bytes. Linked together they behave as
/// emitObject(translateAndOptimize(...)). Consumes `module`. On ELF x86-64
/// and AArch64 the weights object is written straight to a temporary file,
/// `weightsPath` (empty when there is none; the caller removes it; removed
/// here on failure), else it is one of `objects`.
mlir::LogicalResult optimizeAndEmitObjects(llvm::Module &module,
                                           const CPUTargetOptions &opts,
                                           std::vector<std::string> &objects,
                                           std::string &weightsPath,
                                           std::string &error);

/// Links `objectPath` with the seqc runtime into the shared library
/// `outputPath` (atomically: written beside it, then renamed).
mlir::LogicalResult linkSharedLibrary(llvm::StringRef objectPath,
                                      llvm::StringRef outputPath,
                                      std::string &error);
/// Links several objects (a generation artifact's step variants) the same
/// way.
mlir::LogicalResult linkSharedLibrary(llvm::ArrayRef<std::string> objectPaths,
                                      llvm::StringRef outputPath,
                                      std::string &error);
} // namespace seqc

#endif
