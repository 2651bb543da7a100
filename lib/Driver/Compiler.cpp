//===- Compiler.cpp - the seqc compilation driver -------------------------===//
//
// import -> seq -> linalg -> LLVM dialect -> LLVM IR -> object -> .so; each
// stage can be printed (`--emit`). Outputs are written to a temporary file
// and renamed, so a failed compile never leaves a half-written artifact.
//
//===----------------------------------------------------------------------===//

#include "seqc/Driver/Compiler.h"
#include "CompilerInternal.h"
#include "OutputFiles.h"

#include "seqc/Conversion/QuantPasses.h"
#include "seqc/Driver/Debug.h"
#include "seqc/Driver/Pipelines.h"
#include "seqc/Import/OnnxImporter.h"
#include "seqc/Target/ModelABI.h"
#include "seqc/Transforms/KVCacheQuantize.h"
#include "seqc/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;

namespace seqc {

LogicalResult runPipeline(MLIRContext &ctx, ModuleOp module,
                          const std::string &pipeline,
                          const CompileOptions &opts) {
  PassManager pm(&ctx, ModuleOp::getOperationName());
  if (opts.configurePassManager && failed(opts.configurePassManager(pm)))
    return failure();
  std::string errors;
  llvm::raw_string_ostream es(errors);
  if (failed(parsePassPipeline(pipeline, pm, es)))
    return emitError(module.getLoc()) << "invalid pipeline: " << errors;
  return pm.run(module);
}

std::string printModule(ModuleOp module, bool printWeights) {
  std::string text;
  llvm::raw_string_ostream os(text);
  OpPrintingFlags flags;
  if (!printWeights)
    flags.elideLargeResourceString(64).elideLargeElementsAttrs(64);
  module.print(os, flags);
  return text;
}

static std::string defaultModelName(const CompileOptions &opts) {
  if (!opts.modelName.empty())
    return opts.modelName;
  return llvm::sys::path::stem(opts.inputPath).str();
}

/// Renames the importer's @main, requests the C interface and records the
/// ABI description the entry-point pass turns into `seqc_model_desc`.
LogicalResult prepareABI(ModuleOp module, StringRef modelName,
                         func::FuncOp graph, StringRef target) {
  FailureOr<std::string> desc = describeModelABI(graph, modelName, target);
  if (failed(desc))
    return failure();
  module->setAttr("seq.abi_desc", StringAttr::get(module.getContext(), *desc));
  graph.setName(kGraphFunction);
  // Names and dims now live in the description; LLVM has no use for them.
  for (unsigned i = 0, e = graph.getNumArguments(); i < e; ++i)
    graph.setArgAttrs(i, ArrayRef<NamedAttribute>{});
  for (unsigned i = 0, e = graph.getNumResults(); i < e; ++i)
    graph.setResultAttrs(i, ArrayRef<NamedAttribute>{});
  graph->setAttr("llvm.emit_c_interface", UnitAttr::get(module.getContext()));
  return success();
}

LogicalResult emitAndLinkArtifact(MLIRContext &ctx, Location loc,
                                  StringRef errorPrefix,
                                  std::unique_ptr<llvm::Module> llvmModule,
                                  const CompileOptions &opts, StringRef header,
                                  CompileStage &stage) {
  stage.start("LLVM optimization and code generation");
  std::vector<std::string> objects, objPaths(1);
  std::string error;
  if (failed(optimizeAndEmitObjects(*llvmModule, opts.cpu, objects,
                                    objPaths[0], error)))
    return emitError(loc) << errorPrefix << error;
  if (objPaths[0].empty()) // no weights object file
    objPaths.clear();
  llvmModule.reset();
  llvm::scope_exit removeObjects([&] {
    for (const std::string &p : objPaths)
      llvm::sys::fs::remove(p);
  });
  for (const std::string &object : objects) {
    std::string objPath;
    if (failed(writeTempObject(ctx, object, objPath)))
      return failure();
    objPaths.push_back(objPath);
  }
  objects.clear();
  stage.start("link");
  if (failed(linkSharedLibrary(objPaths, opts.outputPath, error)))
    return emitError(loc) << errorPrefix << error;
  return writeArtifactHeader(ctx, opts.outputPath, header);
}

LogicalResult compile(MLIRContext &ctx, const CompileOptions &opts) {
  // The step variants run the stages of compile(), timed under the same
  // names, inside lib/Driver/Generation.cpp.
  if (opts.maxSeqLen > 0)
    return compileGeneration(ctx, opts);
  AtomicOutput out(opts.outputPath);
  if (opts.emit == EmitKind::Onnx) {
    std::string text;
    llvm::raw_string_ostream os(text);
    if (failed(printOnnxFileText(ctx, opts.inputPath, os)))
      return failure();
    return out.write(ctx, text);
  }

  CompileStage stage(opts);
  stage.start("import");
  std::string modelName = defaultModelName(opts);
  ImportOptions importOpts;
  importOpts.modelName = modelName;
  importOpts.constInputs = opts.constInputs;
  importOpts.dimBindings = opts.dimBindings;
  OwningOpRef<ModuleOp> module =
      importOnnxFile(ctx, opts.inputPath, importOpts);
  if (!module || failed(verify(*module)))
    return failure();
  if (!opts.debugPerturbNode.empty() &&
      failed(perturbNodeOutputs(*module, opts.debugPerturbNode)))
    return failure();
  stage.start("raising");
  if (opts.fuse && failed(runPipeline(ctx, *module, seqFusionPipeline(), opts)))
    return failure();
  if (!opts.quantize.empty()) {
    std::string weights, pipeline, error;
    bool kv8 = false;
    if (failed(splitQuantizeSpec(opts.quantize, weights, kv8, error)))
      return emitError(module->getLoc()) << error;
    if (kv8)
      return emitError(module->getLoc())
             << "--quantize=kv8 quantizes the KV cache of a generation "
                "artifact: it needs --max-seq-len";
    if (failed(quantizePipeline(weights, pipeline, error)))
      return emitError(module->getLoc()) << error;
    if (failed(runPipeline(ctx, *module, pipeline, opts)))
      return failure();
  }
  if (opts.emit == EmitKind::Seq)
    return out.write(ctx, printModule(*module, opts.printWeights));

  // A run-time value switch (lib/Import/ValueSwitch.cpp) reads a shape-
  // deciding input on the host; the CUDA target keeps tensors on the device.
  if (opts.target == CompileOptions::Target::CUDA) {
    bool switched = false;
    module->walk([&](scf::IndexSwitchOp op) {
      op.emitError("a shape-deciding input of this node is only known at run "
                   "time (a run-time value switch), which --target=cuda does "
                   "not support; bind it with --const-input");
      switched = true;
      return WalkResult::interrupt();
    });
    if (switched)
      return failure();
  }

  // CUDA: attention the fused GPU kernel supports leaves the seq dialect
  // here, before seq-tile-attention / seq-to-linalg would lower it.
  stage.start("lowering to linalg");
  if (opts.target == CompileOptions::Target::CUDA &&
      failed(runPipeline(ctx, *module, gpuSeqPipeline(), opts)))
    return failure();
  // seq.moe's kernel (lib/Runtime/ukernels/moe.c) runs on the host: CUDA
  // takes the export's gather + batched matmul form instead.
  if (opts.target == CompileOptions::Target::CUDA &&
      failed(runPipeline(ctx, *module, "seq-lower-moe{generic=1}", opts)))
    return failure();
  if (failed(runPipeline(ctx, *module,
                         seqToLinalgPipeline(opts.fuse, opts.attentionTiling),
                         opts)))
    return failure();
  if (opts.emit == EmitKind::Linalg)
    return out.write(ctx, printModule(*module, opts.printWeights));
  if (opts.emit == EmitKind::Cascade) {
    // The cascade IR, then the seq-cascade-report table as comments.
    std::string report = cascadeReport(*module);
    std::string text = printModule(*module, opts.printWeights) + "\n";
    for (StringRef line : llvm::split(StringRef(report).rtrim('\n'), '\n'))
      text += ("// " + line + "\n").str();
    return out.write(ctx, text);
  }

  func::FuncOp graph = module->lookupSymbol<func::FuncOp>("main");
  if (!graph)
    return module->emitError("imported module has no @main function");
  std::string header = generateHeader(graph, modelName);
  bool cuda = opts.target == CompileOptions::Target::CUDA;
  if (cuda &&
      failed(verifyCudaToolkit(module->getLoc(), opts.emit != EmitKind::Ptx)))
    return failure();
  if (failed(prepareABI(*module, modelName, graph, cuda ? "cuda" : "cpu")))
    return failure();
  stage.start("lowering to LLVM dialect");
  if (failed(runPipeline(ctx, *module,
                         cuda ? gpuLinalgToLLVMPipeline(opts.cuda)
                              : linalgToLLVMPipeline(opts.cpu.splitMaxOps,
                                                     opts.cpu.profileHooks),
                         opts)))
    return failure();
  if (opts.emit == EmitKind::Ptx) {
    if (!cuda)
      return module->emitError("--emit=ptx needs --target=cuda");
    return out.write(ctx, collectPtx(*module));
  }
  // PTX -> cubin + PTX fallback (ptxas, fatbinary), embedded below.
  if (cuda && failed(assembleDeviceBinaries(*module, opts.cuda)))
    return failure();
  if (opts.emit == EmitKind::LLVMDialect)
    return out.write(ctx, printModule(*module, opts.printWeights));

  llvm::LLVMContext llvmCtx;
  std::string error;
  if (opts.emit == EmitKind::LLVMIR || opts.emit == EmitKind::Obj) {
    stage.start("LLVM translation and optimization");
    std::unique_ptr<llvm::Module> llvmModule =
        translateAndOptimize(*module, llvmCtx, opts.cpu);
    if (!llvmModule)
      return failure();
    if (opts.emit == EmitKind::LLVMIR) {
      std::string text;
      llvm::raw_string_ostream os(text);
      llvmModule->print(os, nullptr);
      return out.write(ctx, text);
    }
    stage.start("code generation");
    std::string object;
    if (failed(emitObject(*llvmModule, opts.cpu, object, error)))
      return emitError(module->getLoc()) << error;
    return out.write(ctx, object);
  }

  // EmitKind::So: the module is optimized and compiled in partitions on
  // --compile-threads threads; the objects, in temporary files, are linked
  // beside the output.
  if (opts.outputPath == "-")
    return emitError(module->getLoc())
           << "a shared library cannot be written to stdout; use -o";
  stage.start("LLVM translation");
  std::unique_ptr<llvm::Module> llvmModule =
      translateForTarget(*module, llvmCtx, opts.cpu);
  if (!llvmModule)
    return failure();
  Location loc = module->getLoc();
  releaseWeightBlobs(*module);
  module = nullptr; // the LLVM module holds everything now (weights too)
  return emitAndLinkArtifact(ctx, loc, "", std::move(llvmModule), opts, header,
                             stage);
}

} // namespace seqc
