//===- seqc.cpp - ONNX model -> AOT artifact ------------------------------===//

#include "seqc/Driver/Compiler.h"
#include "seqc/Driver/Registration.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/WithColor.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unistd.h>

using namespace llvm;

// --help lists these groups only; LLVM's and MLIR's own options (IR
// printing, backend flags) still work and are listed by --help-hidden.
static cl::OptionCategory ioCat("Input and output");
static cl::OptionCategory targetCat("Target");
static cl::OptionCategory compileCat("Compilation");
static cl::OptionCategory genCat("Generation (KV cache and sessions)");
static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.onnx>"),
                                      cl::Required, cl::cat(ioCat));
static cl::opt<std::string> outputFile("o", cl::desc("Output file"),
                                       cl::value_desc("path"), cl::init(""),
                                       cl::cat(ioCat));
static cl::opt<seqc::EmitKind>
    emit("emit", cl::desc("Stage to stop at and write"),
         cl::init(seqc::EmitKind::So),
         cl::values(
             clEnumValN(seqc::EmitKind::Onnx, "onnx", "the ONNX model as text"),
             clEnumValN(seqc::EmitKind::Seq, "seq", "seq dialect after import"),
             clEnumValN(seqc::EmitKind::Linalg, "linalg", "linalg on tensors"),
             clEnumValN(seqc::EmitKind::Cascade, "cascade",
                        "linalg on tensors + attention cascade report"),
             clEnumValN(seqc::EmitKind::LLVMDialect, "llvm-dialect",
                        "MLIR LLVM dialect"),
             clEnumValN(seqc::EmitKind::LLVMIR, "llvm", "optimized LLVM IR"),
             clEnumValN(seqc::EmitKind::Ptx, "ptx",
                        "PTX of the GPU kernels (--target=cuda)"),
             clEnumValN(seqc::EmitKind::Obj, "obj", "object file"),
             clEnumValN(seqc::EmitKind::So, "so", "shared library + header")),
         cl::cat(ioCat));
static cl::opt<std::string>
    modelName("name", cl::desc("Model name (default: file stem)"), cl::init(""),
              cl::cat(ioCat));
static cl::opt<std::string>
    targetCPU("mcpu",
              cl::desc("Target CPU for the artifact (default: native = host)"),
              cl::init("native"), cl::cat(targetCat));
static cl::opt<seqc::CompileOptions::Target>
    target("target", cl::desc("Where the model runs"),
           cl::init(seqc::CompileOptions::Target::CPU),
           cl::values(clEnumValN(seqc::CompileOptions::Target::CPU, "cpu",
                                 "the host CPU"),
                      clEnumValN(seqc::CompileOptions::Target::CUDA, "cuda",
                                 "an NVIDIA GPU (NVPTX kernels, ptxas)")),
           cl::cat(targetCat));
static cl::opt<std::string>
    gpuArch("gpu-arch", cl::desc("NVIDIA GPU architecture for --target=cuda"),
            cl::init("sm_90"), cl::cat(targetCat));
static cl::opt<bool> allowTf32(
    "allow-tf32",
    cl::desc("--target=cuda: run f32 matmuls on tf32 tensor cores (inputs "
             "rounded to 10 mantissa bits, f32 accumulation); without it f32 "
             "stays exact. An error with --target=cpu"),
    cl::init(false), cl::cat(targetCat));
static cl::opt<unsigned> optLevel("O", cl::desc("LLVM optimization level"),
                                  cl::init(3), cl::Prefix, cl::cat(compileCat));
static cl::opt<unsigned> compileThreads(
    "compile-threads",
    cl::desc("Threads that optimize and generate code in parallel"),
    cl::init(2), cl::cat(compileCat));
static cl::opt<int64_t> splitMaxOps(
    "split-max-ops",
    cl::desc("Outline runs of about this many ops of a large function into "
             "noinline functions, so LLVM's time stays linear in the graph "
             "(0: one function per graph)"),
    cl::init(250), cl::Hidden, cl::cat(compileCat));
static cl::opt<bool> profileHooks(
    "profile-hooks",
    cl::desc("Time each kernel call, parallel region and loop nest when "
             "profiling is on (seq-run --profile, SEQC_PROFILE=1)"),
    cl::init(false), cl::cat(compileCat));
static cl::opt<bool>
    printWeights("print-weights",
                 cl::desc("Print weight blobs in IR output (not elided)"),
                 cl::init(false), cl::cat(ioCat));

static cl::opt<bool>
    noFuse("no-fuse",
           cl::desc("Keep the imported seq IR as is (skip raising decomposed "
                    "patterns into seq ops) and lower attention to the naive "
                    "3-pass cascade instead of the tiled 1-pass one"),
           cl::init(false), cl::cat(compileCat));

static cl::list<std::string> constInputs(
    "const-input",
    cl::desc("Bind graph input NAME at compile time (NAME=v1,v2,... or "
             "NAME=FILE.pb, a TensorProto); the artifact keeps the input and "
             "checks at run time that it equals the bound value"),
    cl::value_desc("NAME=VALUES"), cl::cat(compileCat));

static cl::list<std::string> dimBindings(
    "dim",
    cl::desc("Fix the symbolic input dimension NAME (dim_param, also in "
             "'NAME + 1') to N at compile time"),
    cl::value_desc("NAME=N"), cl::cat(compileCat));
static cl::opt<std::string> attentionTiling(
    "attention-tiling",
    cl::desc("Options of the tiled attention cascade (seq-tile-attention), "
             "e.g. 'block-q=128 block-kv=64 split-kv=1'"),
    cl::init(""), cl::cat(compileCat));
static cl::opt<std::string> quantize(
    "quantize",
    cl::desc("Weight-only quantization of constant matmul weights: w8 or w4, "
             "optionally :group=N (default 128 for w8, 32 for w4) and "
             ":sym or :asym (default w8 sym, w4 asym) and :scale=f16 (scales "
             "stored in f16; default f32); ',kv8' (or kv8 alone, with "
             "--max-seq-len): int8 KV cache with per-row scales"),
    cl::value_desc("w8|w4[:group=N][:sym|:asym][:scale=f32|f16][,kv8]"),
    cl::init(""), cl::cat(compileCat));

static cl::opt<int64_t> maxSeqLen(
    "max-seq-len",
    cl::desc("Build a generation artifact from this decode step: sessions "
             "own a KV cache of N positions (a multiple of 64)"),
    cl::value_desc("N"), cl::init(0), cl::cat(genCat));
static cl::opt<std::string>
    prefillModel("prefill",
                 cl::desc("With --max-seq-len: a separate prefill graph "
                          "(without past inputs)"),
                 cl::value_desc("PREFILL.onnx"), cl::init(""),
                 cl::cat(genCat));
static cl::opt<int64_t>
    prefillChunk("prefill-chunk",
                 cl::desc("With --max-seq-len: prompt positions one prefill "
                          "call processes (default 64)"),
                 cl::value_desc("N"), cl::init(64), cl::cat(genCat));
static cl::opt<int64_t>
    genBatch("batch",
             cl::desc("With --max-seq-len: sequences a session steps together "
                      "(equal lengths; default 1)"),
             cl::value_desc("N"), cl::init(1), cl::cat(genCat));
static cl::opt<int64_t> kvBlockSize(
    "kv-block-size",
    cl::desc("With --max-seq-len: paged KV caches of blocks of N positions "
             "(a block table per session; default 0: contiguous)"),
    cl::value_desc("N"), cl::init(0), cl::cat(genCat));
static cl::opt<int64_t> eosId("eos",
                              cl::desc("With --max-seq-len: the end-of-"
                                       "sequence token id (stops generation; "
                                       "default: genai_config.json's)"),
                              cl::value_desc("ID"), cl::init(-1),
                              cl::cat(genCat));

static cl::opt<bool>
    timing("timing",
           cl::desc("Print the wall time of each compilation stage (import, "
                    "raising, lowering, LLVM, link) to stderr"),
           cl::init(false), cl::cat(compileCat));
enum class ProgressMode { Auto, Always, Never };
static cl::opt<ProgressMode> progressMode(
    "progress",
    cl::desc("Progress line on stderr (auto: on a terminal, once the compile "
             "takes more than 2 s)"),
    cl::init(ProgressMode::Auto),
    cl::values(clEnumValN(ProgressMode::Auto, "auto", ""),
               clEnumValN(ProgressMode::Always, "always", "immediately"),
               clEnumValN(ProgressMode::Never, "never", "")),
    cl::Hidden, cl::cat(compileCat));
static cl::opt<std::string> debugPerturbNode(
    "debug-perturb-node",
    cl::desc("Testing aid: add a constant to the outputs of this ONNX node "
             "(an injected numerical bug for seqc bisect)"),
    cl::value_desc("NAME"), cl::init(""), cl::Hidden, cl::cat(compileCat));

namespace {
/// The progress line: "seqc: <stage>... <seconds>s", redrawn in place from a
/// background thread and erased before any diagnostic and at the end.
class Progress {
public:
  explicit Progress(ProgressMode mode)
      : delay(mode == ProgressMode::Always ? 0.0 : 2.0),
        enabled(mode == ProgressMode::Always ||
                (mode == ProgressMode::Auto && isatty(STDERR_FILENO))) {
    if (enabled)
      thread = std::thread([this] { loop(); });
  }
  ~Progress() { finish(); }
  /// Stops redrawing and erases the line.
  void finish() {
    if (thread.joinable()) {
      {
        std::lock_guard<std::mutex> lock(mu);
        done = true;
      }
      cv.notify_all();
      thread.join();
    }
    clear();
  }
  /// Shows the new stage at once once the line is due.
  void setStage(StringRef name) {
    std::lock_guard<std::mutex> lock(mu);
    stage = name.str();
    if (enabled)
      draw();
  }
  /// Erases the line (before a diagnostic is printed).
  void clear() {
    std::lock_guard<std::mutex> lock(mu);
    if (shown) {
      errs() << "\r\x1b[K";
      errs().flush();
      shown = false;
    }
  }

private:
  void loop() {
    std::unique_lock<std::mutex> lock(mu);
    while (!cv.wait_for(lock, std::chrono::milliseconds(100),
                        [this] { return done; }))
      draw();
  }
  /// Redraws the line if it is due (mu held).
  void draw() {
    double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    if (s < delay || stage.empty())
      return;
    errs() << "\r\x1b[Kseqc: " << stage << "... " << format("%.1f", s) << "s";
    errs().flush();
    shown = true;
  }

  std::chrono::steady_clock::time_point start =
      std::chrono::steady_clock::now();
  double delay;
  bool enabled;
  std::thread thread;
  std::mutex mu;
  std::condition_variable cv;
  std::string stage;
  bool done = false, shown = false;
};
} // namespace

/// Hides (from --help, not from --help-hidden) every option registered by
/// the LLVM and MLIR libraries: hundreds of backend flags.
static void hideForeignOptions() {
  const cl::OptionCategory *own[] = {&ioCat, &targetCat, &compileCat,
                                     &genCat};
  for (auto &entry : cl::getRegisteredOptions()) {
    cl::Option *opt = entry.second;
    // "Generic Options" holds --help, --help-hidden and --version.
    if (llvm::none_of(opt->Categories, [&](const cl::OptionCategory *c) {
          return llvm::is_contained(own, c) ||
                 c->getName() == "Generic Options";
        }))
      opt->setHiddenFlag(cl::Hidden);
  }
}

/// An internal invariant broke (e.g. an op builder's type inference failed
/// on input the importer did not reject): the diagnostics printed so far
/// name the node; end with a one-line error and exit status 3 instead of
/// abort()'s stack dump. Outputs are written atomically at the very end, so
/// nothing half-written is left behind.
static void internalError(void *, const char *reason, bool) {
  llvm::errs() << "seqc: error: internal compiler error: " << reason
               << " (see the diagnostics above for the node)\n";
  llvm::errs().flush();
  _exit(3);
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  llvm::install_fatal_error_handler(internalError);
  // Passes first: the IR-printing options list the registered pass names.
  seqc::registerAllPasses();
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  mlir::registerPassManagerCLOptions();
  hideForeignOptions();
  cl::ParseCommandLineOptions(
      argc, argv,
      "seqc: ONNX sequence models to AOT artifacts\n\n"
      "  seqc model.onnx -o model.so          compile for this CPU\n"
      "  seqc model.onnx --emit=seq           print the seq dialect\n\n"
      "  --help-hidden also lists the LLVM and MLIR options (e.g. "
      "--mlir-print-ir-after-all)\n");

  mlir::DialectRegistry registry;
  seqc::registerAllDialects(registry);
  mlir::MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();

  Progress progress(progressMode);
  // One line per diagnostic: "seqc: error: <location>: <message>".
  ctx.getDiagEngine().registerHandler([&progress](mlir::Diagnostic &d) {
    progress.clear();
    auto &os = d.getSeverity() == mlir::DiagnosticSeverity::Error
                   ? WithColor::error(errs(), "seqc")
                   : WithColor::warning(errs(), "seqc");
    std::string loc;
    raw_string_ostream ls(loc);
    d.getLocation().print(ls);
    if (loc != "loc(unknown)")
      os << loc << ": ";
    os << d.str() << "\n";
    for (auto &note : d.getNotes())
      errs() << "  note: " << note.str() << "\n";
    return mlir::success();
  });

  seqc::CompileOptions opts;
  opts.inputPath = inputFile;
  opts.emit = emit;
  opts.modelName = modelName;
  opts.cpu.cpu = targetCPU;
  opts.cpu.optLevel = optLevel;
  opts.cpu.compileThreads = std::max(1u, unsigned(compileThreads));
  opts.cpu.splitMaxOps = splitMaxOps;
  opts.cpu.profileHooks = profileHooks;
  opts.target = target;
  opts.cuda.arch = gpuArch;
  if (!StringRef(gpuArch).starts_with("sm_") || gpuArch.size() < 5) {
    WithColor::error(errs(), "seqc")
        << "--gpu-arch expects sm_<NN> (e.g. sm_90), got '" << gpuArch << "'\n";
    return 1;
  }
  // The kernels use mma.sync m16n8k16/m16n8k8, ldmatrix and cp.async
  // (sm_80+); older targets would crash in LLVM's instruction selection.
  unsigned smVersion = 0;
  if (target == seqc::CompileOptions::Target::CUDA &&
      (StringRef(gpuArch).drop_front(3).consumeInteger(10, smVersion) ||
       smVersion < 80)) {
    WithColor::error(errs(), "seqc")
        << "--gpu-arch " << gpuArch
        << ": the CUDA target needs sm_80 or newer (its kernels use "
           "mma.sync, ldmatrix and cp.async)\n";
    return 1;
  }
  opts.cuda.allowTf32 = allowTf32;
  if (allowTf32 && target != seqc::CompileOptions::Target::CUDA) {
    WithColor::error(errs(), "seqc")
        << "--allow-tf32 applies only to --target=cuda\n";
    return 1;
  }
  if (profileHooks && target != seqc::CompileOptions::Target::CPU) {
    WithColor::error(errs(), "seqc")
        << "--profile-hooks applies only to --target=cpu\n";
    return 1;
  }
  opts.printWeights = printWeights;
  opts.fuse = !noFuse;
  opts.attentionTiling = attentionTiling;
  opts.quantize = quantize;
  if (!prefillModel.empty() && maxSeqLen <= 0) {
    WithColor::error(errs(), "seqc") << "--prefill needs --max-seq-len\n";
    return 1;
  }
  opts.maxSeqLen = maxSeqLen;
  opts.prefillPath = prefillModel;
  opts.prefillChunk = prefillChunk;
  opts.eosId = eosId;
  opts.genBatch = genBatch;
  opts.kvBlockSize = kvBlockSize;
  for (const std::string &spec : constInputs) {
    size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0) {
      WithColor::error(errs(), "seqc")
          << "--const-input expects NAME=VALUES or NAME=FILE.pb, got '" << spec
          << "'\n";
      return 1;
    }
    opts.constInputs.emplace_back(spec.substr(0, eq), spec.substr(eq + 1));
  }
  for (const std::string &spec : dimBindings) {
    size_t eq = spec.find('=');
    int64_t n;
    if (eq == std::string::npos || eq == 0 ||
        StringRef(spec).substr(eq + 1).getAsInteger(10, n) || n < 0) {
      WithColor::error(errs(), "seqc")
          << "--dim expects NAME=N with N >= 0, got '" << spec << "'\n";
      return 1;
    }
    opts.dimBindings.emplace_back(spec.substr(0, eq), n);
  }
  bool binary = emit == seqc::EmitKind::So || emit == seqc::EmitKind::Obj;
  if (!outputFile.empty())
    opts.outputPath = outputFile;
  else if (binary)
    opts.outputPath = emit == seqc::EmitKind::So ? "model.so" : "model.o";
  opts.configurePassManager = [](mlir::PassManager &pm) {
    return mlir::applyPassManagerCLOptions(pm);
  };
  opts.debugPerturbNode = debugPerturbNode;
  opts.onStage = [&progress](StringRef name) { progress.setStage(name); };
  // The --timing report, printed after the progress line is erased.
  mlir::DefaultTimingManager tm;
  tm.setEnabled(timing);
  mlir::TimingScope root = tm.getRootScope();
  if (timing)
    opts.timing = &root;
  bool ok = mlir::succeeded(seqc::compile(ctx, opts));
  root.stop();
  progress.finish();
  if (timing) {
    tm.print();
    tm.setEnabled(false); // printed once, not again at destruction
  }
  return ok ? 0 : 1;
}
