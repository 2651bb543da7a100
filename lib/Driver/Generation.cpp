//===- Generation.cpp - seqc --max-seq-len: generation artifacts ----------===//
//
// A generation artifact is the decode step of a model (and optionally a
// prefill step) compiled around a KV cache that the artifact's sessions own
// (docs/generation.md). Each step variant is imported with a run-time past
// length (lib/Import/RuntimeDims.cpp) and static shapes for a full cache,
// its past/present tensors become in-place cache updates
// (seq-kv-cache-state), and it is lowered and translated to LLVM IR with
// names of its own. The variants are linked into one LLVM module, optimized
// and compiled in partitions on --compile-threads threads like any model
// (optimizeAndEmitObjects: weights the variants share are emitted once), and
// linked into one shared library with the runtime; `seqc_gen_desc` tells
// the runtime's session (lib/Runtime/session.c) what each variant's inputs
// and outputs are.
//
//===----------------------------------------------------------------------===//

#include "CompilerInternal.h"
#include "OutputFiles.h"

#include "seq/IR/SeqKVCacheOps.h"
#include "seq/IR/SeqOps.h"
#include "seq/IR/SeqSemantics.h"
#include "seqc/Conversion/QuantPasses.h"
#include "seqc/Driver/Pipelines.h"
#include "seqc/Import/OnnxImporter.h"
#include "seqc/Target/CPU.h"
#include "seqc/Target/ModelABI.h"
#include "seqc/Transforms/KVCacheQuantize.h"

#include "mlir/IR/Verifier.h"
#include "onnx.pb.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/Linker/Linker.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Transforms/IPO/MergeFunctions.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

using namespace mlir;

namespace seqc {
namespace {

/// How one step variant is imported.
struct StepPlan {
  std::string path;
  int64_t tokens = 1; // T: positions one call appends
  bool fresh = false; // a prefill graph without past: only at position 0
  bool kv = false;    // has KV caches (a past length or scatter caches)
  ImportOptions import;
};

/// What the runtime needs of a compiled variant.
struct StepInfo {
  std::string roles; // the "in"/"out" records of seqc_gen_desc
  std::vector<std::string> cacheNames;
  std::vector<std::string> cacheRecords; // "cache" records (variant 0)
  std::vector<std::string> stateNames, stateRecords; // seq-ssm-state's
  int64_t vocab = 0;
};

/// A recurrent state (LinearAttention / CausalConvWithState past_state):
/// named like one, with a fixed size past the batch dim.
bool isStateInput(const GraphInputInfo &in) {
  StringRef n(in.name);
  if (in.dims.size() < 2 ||
      (!n.contains_insensitive("state") && !n.contains_insensitive("conv")))
    return false;
  for (size_t d = 1; d < in.dims.size(); ++d)
    if (!in.dimParams[d].empty() || in.dims[d] < 0)
      return false;
  return true;
}

bool isPastInput(const GraphInputInfo &in) {
  return in.dims.size() == 4 && !isStateInput(in) &&
         llvm::StringRef(in.name).contains_insensitive("past");
}

InFlightDiagnostic genError(MLIRContext &ctx, StringRef path) {
  return emitError(UnknownLoc::get(&ctx)) << path << ": ";
}

/// Binds the graph's symbolic dims for a step of `tokens` positions: batch
/// and sequence length static, the past length a run-time dim whose shapes
/// assume a full cache of `maxLen`.
/// onnxruntime-genai's genai_config.json beside the model gives the head
/// size its builder leaves symbolic ("kv_cache_dim") and the EOS id.
std::optional<int64_t> genaiConfigInt(StringRef modelPath, StringRef key) {
  llvm::SmallString<256> cfg(llvm::sys::path::parent_path(modelPath));
  llvm::sys::path::append(cfg, "genai_config.json");
  auto buf = llvm::MemoryBuffer::getFile(cfg);
  if (!buf)
    return std::nullopt;
  llvm::Expected<llvm::json::Value> v = llvm::json::parse((*buf)->getBuffer());
  if (!v) {
    llvm::consumeError(v.takeError());
    return std::nullopt;
  }
  if (auto *root = v->getAsObject())
    if (auto *model = root->getObject("model")) {
      if (key == "eos_token_id")
        return model->getInteger(key);
      if (auto *decoder = model->getObject("decoder"))
        return decoder->getInteger(key);
    }
  return std::nullopt;
}

/// Opset-24 static caches: the graph inputs that TensorScatter nodes write
/// into, with their (symbolic or fixed) length bound to `maxLen`. Only
/// linear writes along the sequence axis 2 can become session caches
/// (seq-kv-cache-state); others are errors naming the node.
LogicalResult bindScatterCaches(MLIRContext &ctx, StringRef path,
                                const std::vector<GraphInputInfo> &inputs,
                                int64_t maxLen,
                                std::map<std::string, int64_t> &bindings,
                                std::set<std::string> &caches) {
  std::unique_ptr<onnx::ModelProto> model = loadOnnxModel(ctx, path);
  if (!model)
    return failure();
  for (const onnx::NodeProto &n : model->graph().node()) {
    if (n.op_type() != "TensorScatter" ||
        (!n.domain().empty() && n.domain() != "ai.onnx") || !n.input_size())
      continue;
    auto in = llvm::find_if(
        inputs, [&](const GraphInputInfo &i) { return i.name == n.input(0); });
    if (in == inputs.end())
      continue; // a scatter into an intermediate value stays generic
    int64_t axis = -2, rank = in->dims.size();
    std::string mode = "linear";
    for (const onnx::AttributeProto &a : n.attribute()) {
      if (a.name() == "axis")
        axis = a.i();
      else if (a.name() == "mode")
        mode = a.s();
    }
    axis = seq::normalizeAxis(axis, rank).value_or(axis);
    if (mode != "linear")
      return genError(ctx, path)
             << "TensorScatter '" << n.name() << "' writes the cache '"
             << in->name << "' in mode '" << mode
             << "'; a generation artifact's cache is written linearly";
    if (rank != 4 || axis != 2)
      return genError(ctx, path)
             << "TensorScatter '" << n.name() << "' writes '" << in->name
             << "' along axis " << axis << " of a rank-" << rank
             << " tensor; a KV cache [B, H, L, D] is written along axis 2";
    if (!in->dimParams[2].empty())
      bindings[in->dimParams[2]] = maxLen;
    else if (in->dims[2] != maxLen)
      return genError(ctx, path)
             << "the static cache '" << in->name << "' holds " << in->dims[2]
             << " positions; compile it with --max-seq-len " << in->dims[2];
    caches.insert(in->name);
  }
  return success();
}

LogicalResult planStep(MLIRContext &ctx, const CompileOptions &opts,
                       StringRef path, int64_t tokens, int64_t maxLen,
                       int64_t batch, StepPlan &plan) {
  std::vector<GraphInputInfo> inputs;
  std::vector<std::string> outputs;
  if (failed(readGraphSignature(ctx, path, inputs, outputs)))
    return failure();
  std::map<std::string, int64_t> bindings, cacheDims;
  std::set<std::string> scatterCaches;
  if (failed(bindScatterCaches(ctx, path, inputs, maxLen, cacheDims,
                               scatterCaches)))
    return failure();
  plan.path = path.str();
  plan.tokens = tokens;
  const GraphInputInfo *ids = nullptr;
  std::string pastDim;
  for (const GraphInputInfo &in : inputs) {
    if (in.name == "input_ids")
      ids = &in;
    if (!isPastInput(in) || scatterCaches.count(in.name))
      continue;
    if (in.dimParams[2].empty())
      return genError(ctx, path)
             << "past input '" << in.name
             << "' has a fixed length; a generation step needs a symbolic "
                "past length";
    if (!pastDim.empty() && pastDim != in.dimParams[2])
      return genError(ctx, path)
             << "past inputs disagree on the past length ('" << pastDim
             << "' and '" << in.dimParams[2] << "')";
    pastDim = in.dimParams[2];
  }
  if (!ids || ids->dims.size() != 2)
    return genError(ctx, path)
           << "a generation step needs a rank-2 'input_ids' input";
  auto bindDim = [&](const std::string &param, int64_t value) {
    if (!param.empty())
      bindings[param] = value;
  };
  for (const auto &[name, value] : opts.dimBindings)
    bindings[name] = value;
  for (const auto &[name, value] : cacheDims)
    bindings[name] = value; // the session's caches hold max_len positions
  for (const GraphInputInfo &in : inputs)
    if (isPastInput(in) && !in.dimParams[3].empty() &&
        !bindings.count(in.dimParams[3]))
      if (std::optional<int64_t> d = genaiConfigInt(path, "head_size"))
        bindings[in.dimParams[3]] = *d;
  bindDim(ids->dimParams[0], batch);
  bindDim(ids->dimParams[1], tokens);
  if (ids->dimParams[1].empty() && ids->dims[1] != tokens)
    return genError(ctx, path) << "'input_ids' has " << ids->dims[1]
                               << " positions, not " << tokens;
  if (ids->dimParams[0].empty() && ids->dims[0] > 0 && ids->dims[0] != batch)
    return genError(ctx, path)
           << "'input_ids' has a static batch of " << ids->dims[0]
           << "; --batch " << batch << " needs a graph whose batch dim is "
           << "symbolic";
  plan.kv = !pastDim.empty() || !scatterCaches.empty();
  plan.fresh = !plan.kv && llvm::none_of(inputs, isStateInput);
  if (!pastDim.empty()) {
    plan.import.runtimePastDim = pastDim;
    plan.import.runtimePastMax = maxLen - tokens;
  }
  // Any other symbolic dim: a total length (past + T), or an error.
  for (const GraphInputInfo &in : inputs)
    for (const std::string &p : in.dimParams) {
      if (p.empty() || bindings.count(p) || p == pastDim)
        continue;
      StringRef head = StringRef(p).split(' ').first.split('+').first;
      if (!pastDim.empty() && head.trim() == pastDim)
        continue; // "past + 1": the importer resolves it
      if (in.name == "attention_mask" && !plan.fresh) {
        plan.import.runtimeDimOffsets.push_back({p, tokens});
        bindings[p] = maxLen; // marker: handled
        continue;
      }
      return genError(ctx, path)
             << "input '" << in.name << "': cannot bind "
             << "the symbolic dim '" << p << "' for a generation step";
    }
  for (const auto &binding : bindings) {
    const std::string &name = binding.first;
    bool runtime = llvm::any_of(plan.import.runtimeDimOffsets,
                                [&](auto &r) { return r.first == name; });
    if (!runtime)
      plan.import.dimBindings.push_back(binding);
  }
  return success();
}

int32_t onnxDtype(Type t) {
  if (t.isF32())
    return 1;
  if (t.isF16())
    return 10;
  if (t.isBF16())
    return 16;
  if (t.isF64())
    return 11;
  if (t.isInteger(8))
    return 3; // --quantize=kv8 caches
  return 0;
}

/// Whether attention reads `mask` key by key (a padding mask, which lets a
/// session left-pad shorter rows of a batch) and never as a valid length
/// (GroupQueryAttention's seqlens_k = sum(mask) - 1 reads a prefix).
bool maskIsPerKey(Value mask) {
  llvm::SmallPtrSet<Value, 32> seen{mask};
  SmallVector<Value> work{mask};
  bool perKey = false;
  while (!work.empty()) {
    Value v = work.pop_back_val();
    for (OpOperand &use : v.getUses()) {
      if (auto att = dyn_cast<seq::AttentionOp>(use.getOwner())) {
        if (use.get() == att.getKvSeqlen())
          return false;
        perKey |= use.get() == att.getMask();
        continue;
      }
      for (Value r : use.getOwner()->getResults())
        if (seen.insert(r).second)
          work.push_back(r);
    }
  }
  return perKey;
}

/// Whether every KV-cache append of `fn` writes each row at its own
/// position (GroupQueryAttention's seqlens_k, seq-kv-cache-state): a session
/// may then right-pad shorter rows.
bool appendsPerRow(func::FuncOp fn) {
  bool any = false, all = true;
  fn.walk([&](seq::KVCacheAppendOp op) {
    any = true;
    all &= cast<ShapedType>(op.getPosition().getType()).getRank() == 1;
  });
  return any && all;
}

/// Roles of @main's arguments and results for seqc_gen_desc.
LogicalResult describeRoles(func::FuncOp fn, int variant, StepInfo &info) {
  llvm::raw_string_ostream os(info.roles);
  for (unsigned j = 0, e = fn.getNumArguments(); j < e; ++j) {
    auto role = fn.getArgAttrOfType<StringAttr>(j, "seq.role");
    auto name = fn.getArgAttrOfType<StringAttr>(j, "seq.name");
    StringRef n = name ? name.getValue() : "";
    os << "in " << variant << " " << j << " ";
    if (role && (role.getValue() == "cache" || role.getValue() == "state")) {
      // A session-owned buffer: a KV cache, or a recurrent state.
      StringRef kind = role.getValue();
      int64_t i =
          fn.getArgAttrOfType<IntegerAttr>(j, ("seq." + kind + "_index").str())
              .getInt();
      os << kind << " " << i << "\n";
      auto t = cast<RankedTensorType>(fn.getArgument(j).getType());
      std::string rec;
      llvm::raw_string_ostream r(rec);
      r << kind << " " << i << " " << onnxDtype(t.getElementType()) << " "
        << t.getRank();
      for (int64_t d : t.getShape())
        r << " " << d;
      (kind == "cache" ? info.cacheRecords : info.stateRecords).push_back(rec);
    } else if (role && role.getValue() == "pos") {
      os << "pos\n";
    } else if (role && role.getValue() == "blocks") {
      os << "blocks\n";
    } else if (n == "input_ids") {
      os << "ids\n";
    } else if (n == "attention_mask") {
      // "pad": rows may have 0s before their tokens; "rows": a row's mask
      // is its length and its appends follow it (session.c).
      os << (maskIsPerKey(fn.getArgument(j)) ? "mask pad\n"
             : appendsPerRow(fn)             ? "mask rows\n"
                                             : "mask\n");
    } else if (n == "position_ids") {
      os << "positions\n";
    } else {
      return fn.emitError("generation step input '")
             << n
             << "' has no role (expected input_ids, attention_mask, "
                "position_ids, past inputs, recurrent states)";
    }
  }
  bool logits = false;
  for (unsigned j = 0, e = fn.getNumResults(); j < e; ++j) {
    auto name = fn.getResultAttrOfType<StringAttr>(j, "seq.name");
    bool isLogits = name && name.getValue() == "logits";
    os << "out " << variant << " " << j << " "
       << (isLogits ? "logits" : "ignore") << "\n";
    if (isLogits) {
      logits = true;
      auto t = cast<RankedTensorType>(fn.getResultTypes()[j]);
      info.vocab = t.getShape().back();
    }
  }
  if (!logits)
    return fn.emitError("generation step has no 'logits' output");
  return success();
}

/// Keeps only the variant's entry point and description visible (renamed
/// for variants > 0) and gives every other definition of variants > 0 the
/// suffix `_v<variant>`, so the variants link into one module whose pieces
/// (seqc_graph_part_3_v1...) are partitioned like one model's.
void isolateVariant(llvm::Module &m, int variant) {
  std::string suffix = "_v" + std::to_string(variant);
  for (llvm::GlobalValue &gv : m.global_values()) {
    if (gv.isDeclaration() || gv.getName().starts_with("llvm."))
      continue;
    StringRef n = gv.getName();
    if (n == "seqc_model_entry" || n == "seqc_model_desc") {
      if (variant > 0)
        gv.setName(n == "seqc_model_entry"
                       ? "seqc_variant_entry_" + std::to_string(variant)
                       : "seqc_variant_desc_" + std::to_string(variant));
      continue;
    }
    gv.setLinkage(llvm::GlobalValue::InternalLinkage);
    gv.setVisibility(llvm::GlobalValue::DefaultVisibility);
    if (variant > 0 && gv.hasName())
      gv.setName(n + suffix);
  }
}

/// The decode step's (variant 0's) caches and recurrent states: the other
/// variants need them before their own cache passes (a fresh prefill fills
/// them) and may be lowered on other threads meanwhile.
class DecodeNames {
public:
  /// Null: variant 0 failed (and reported why). Only the first call counts.
  void publish(const StepInfo *info) {
    std::lock_guard<std::mutex> lock(mu);
    if (done)
      return;
    done = true;
    if (info) {
      ok = true;
      caches = info->cacheNames;
      states = info->stateNames;
    }
    cv.notify_all();
  }
  /// False when variant 0 failed.
  bool wait(std::vector<std::string> &cacheNames,
            std::vector<std::string> &stateNames) {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return done; });
    cacheNames = caches;
    stateNames = states;
    return ok;
  }

private:
  std::mutex mu;
  std::condition_variable cv;
  bool done = false, ok = false;
  std::vector<std::string> caches, states;
};

/// Imports, rewrites and lowers one variant to the LLVM dialect in `ctx`
/// (or prints the requested stage of variant 0 into `printed`). Variant 0
/// publishes its caches and states to `decode`; the others wait for them.
LogicalResult lowerStep(MLIRContext &ctx, const CompileOptions &opts,
                        CompileStage &stage, const StepPlan &plan, int variant,
                        DecodeNames &decode, StepInfo &info,
                        OwningOpRef<ModuleOp> &module, std::string *printed,
                        std::string *header) {
  // Whatever way variant 0 fails, the variants waiting for it stop.
  llvm::scope_exit failDecode([&] {
    if (variant == 0)
      decode.publish(nullptr);
  });
  ImportOptions importOpts = plan.import;
  importOpts.modelName = opts.modelName.empty()
                             ? llvm::sys::path::stem(opts.inputPath).str()
                             : opts.modelName;
  stage.start("import");
  module = importOnnxFile(ctx, plan.path, importOpts);
  if (!module || failed(verify(*module)))
    return failure();
  stage.start("raising");
  if (opts.fuse && failed(runPipeline(ctx, *module, seqFusionPipeline(), opts)))
    return failure();
  // --quantize: weights (w8|w4) before the caches exist, kv8 after.
  std::string weights, quantError;
  bool kv8 = false;
  if (!opts.quantize.empty()) {
    std::string pipeline;
    if (failed(splitQuantizeSpec(opts.quantize, weights, kv8, quantError)) ||
        (!weights.empty() &&
         failed(quantizePipeline(weights, pipeline, quantError))))
      return genError(ctx, plan.path) << quantError;
    if (!pipeline.empty() && failed(runPipeline(ctx, *module, pipeline, opts)))
      return failure();
  }
  std::vector<std::string> cacheNames, stateNames;
  if (variant > 0 && !decode.wait(cacheNames, stateNames))
    return failure(); // variant 0 reports why
  std::string cachePass =
      "seq-kv-cache-state{block-size=" + std::to_string(opts.kvBlockSize);
  // kv8: the decode step's second half of caches are the scales.
  ArrayRef<std::string> presentNames(cacheNames);
  if (kv8)
    presentNames = presentNames.take_front(cacheNames.size() / 2);
  if (plan.fresh)
    cachePass += " max-len=" + std::to_string(opts.maxSeqLen) +
                 " present-names=" + llvm::join(presentNames, ",");
  cachePass += "}";
  if (kv8)
    cachePass += ",seq-kv-cache-quantize";
  // Recurrent states (seq-ssm-state) first; then KV caches, if the step
  // has any.
  std::string statePass = "seq-ssm-state";
  if (plan.fresh && !stateNames.empty())
    statePass += "{present-names=" + llvm::join(stateNames, ",") + "}";
  if (failed(runPipeline(ctx, *module, statePass, opts)))
    return failure();
  if (auto names = (*module)->getAttrOfType<ArrayAttr>("seq.state_names"))
    for (Attribute a : names)
      info.stateNames.push_back(cast<StringAttr>(a).getValue().str());
  if ((plan.fresh ? !cacheNames.empty() : plan.kv) &&
      failed(runPipeline(ctx, *module, cachePass, opts)))
    return failure();
  if (auto names = (*module)->getAttrOfType<ArrayAttr>("seq.cache_names"))
    for (Attribute a : names)
      info.cacheNames.push_back(cast<StringAttr>(a).getValue().str());
  if (!cacheNames.empty() && info.cacheNames != cacheNames)
    return genError(ctx, plan.path)
           << "the step's caches (" << llvm::join(info.cacheNames, ", ")
           << ") differ from the decode step's ("
           << llvm::join(cacheNames, ", ") << ")";
  if (variant == 0)
    decode.publish(&info);
  auto fn = (*module).lookupSymbol<func::FuncOp>("main");
  if (failed(describeRoles(fn, variant, info)))
    return failure();
  if (printed && opts.emit == EmitKind::Seq) {
    *printed = printModule(*module, opts.printWeights);
    return success();
  }
  stage.start("lowering to linalg");
  if (failed(runPipeline(ctx, *module,
                         seqToLinalgPipeline(opts.fuse, opts.attentionTiling),
                         opts)))
    return failure();
  if (printed && opts.emit == EmitKind::Linalg) {
    *printed = printModule(*module, opts.printWeights);
    return success();
  }
  if (header)
    *header = generateHeader(fn, importOpts.modelName);
  stage.start("lowering to LLVM dialect");
  if (failed(prepareABI(*module, importOpts.modelName, fn, "cpu")) ||
      failed(runPipeline(
          ctx, *module,
          linalgToLLVMPipeline(
              CPUTargetOptions().splitMaxOps, opts.cpu.profileHooks,
              // The report's label of this step's sites.
              (plan.tokens == 1 ? "decode"
                                : "prefill-T" + std::to_string(plan.tokens))),
          opts)))
    return failure();
  if (printed && opts.emit == EmitKind::LLVMDialect)
    *printed = printModule(*module, opts.printWeights);
  return success();
}

/// Layers outline identical parallel bodies (llama_mid's decode step: its
/// four attentions, 45 KB of code each), and so may the variants: one copy
/// of each is optimized and compiled. Their addresses only go to the thread
/// pool, never compared, so they are unnamed_addr and the copies' uses take
/// the one left (MergeFunctions erases the copies, no thunks).
void mergeIdenticalFunctions(llvm::Module &m) {
  std::vector<llvm::Function *> local;
  for (llvm::Function &f : m)
    if (!f.isDeclaration() && f.hasLocalLinkage()) {
      f.setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);
      local.push_back(&f);
    }
  llvm::MergeFunctionsPass::runOnFunctions(local);
}

/// Adds `seqc_gen_desc` (the session's description of the variants).
void addGenDesc(llvm::Module &m, StringRef text) {
  llvm::LLVMContext &llvmCtx = m.getContext();
  auto *init = llvm::ConstantDataArray::getString(llvmCtx, text, true);
  auto *g = new llvm::GlobalVariable(m, init->getType(), /*isConstant=*/true,
                                     llvm::GlobalValue::ExternalLinkage, init,
                                     "seqc_gen_desc");
  g->setVisibility(llvm::GlobalValue::HiddenVisibility);
}

} // namespace

LogicalResult compileGeneration(MLIRContext &ctx, const CompileOptions &opts) {
  if (opts.target != CompileOptions::Target::CPU)
    return genError(ctx, opts.inputPath)
           << "--max-seq-len: generation artifacts are built for the cpu "
              "target only so far";
  if (opts.emit != EmitKind::So && opts.emit != EmitKind::Seq &&
      opts.emit != EmitKind::Linalg && opts.emit != EmitKind::LLVMDialect)
    return genError(ctx, opts.inputPath)
           << "--max-seq-len supports --emit=seq|linalg|llvm-dialect|so";
  const int64_t batch = opts.genBatch;
  if (batch < 1)
    return genError(ctx, opts.inputPath)
           << "--batch must be at least 1, got " << batch;
  // Caches hold whole attention tiles (64 positions).
  int64_t maxLen = opts.maxSeqLen;
  if (maxLen < 2 || maxLen % 64 != 0)
    return genError(ctx, opts.inputPath)
           << "--max-seq-len must be a positive multiple of 64, got " << maxLen;

  std::vector<StepPlan> plans(1);
  if (failed(planStep(ctx, opts, opts.inputPath, 1, maxLen, batch, plans[0])))
    return failure();
  if (plans[0].fresh)
    return genError(ctx, opts.inputPath)
           << "the decode step has no past input (a rank-4 input named "
              "'past...') and no recurrent state (an input named '...state' "
              "or '...conv' of a fixed size)";
  // A chunk step with a past keeps at least one tile of past positions
  // (a full-length chunk would have an empty, unconcatenated past); a
  // separate prefill graph (no past) or a static cache (TensorScatter) may
  // fill the whole cache.
  bool staticCache = plans[0].kv && plans[0].import.runtimePastDim.empty();
  int64_t chunk =
      std::min(opts.prefillChunk, staticCache ? maxLen : maxLen - 64);
  if (!opts.prefillPath.empty()) {
    StepPlan p;
    if (failed(planStep(ctx, opts, opts.prefillPath,
                        std::min(opts.prefillChunk, maxLen), maxLen, batch, p)))
      return failure();
    plans.push_back(std::move(p));
  } else {
    // A decode graph with a symbolic sequence length also prefills, chunk
    // positions a call.
    std::vector<GraphInputInfo> inputs;
    std::vector<std::string> outputs;
    if (failed(readGraphSignature(ctx, opts.inputPath, inputs, outputs)))
      return failure();
    for (const GraphInputInfo &in : inputs)
      if (in.name == "input_ids" && in.dimParams.size() == 2 &&
          !in.dimParams[1].empty() && chunk > 1) {
        StepPlan p;
        if (failed(
                planStep(ctx, opts, opts.inputPath, chunk, maxLen, batch, p)))
          return failure();
        plans.push_back(std::move(p));
      }
  }

  if (opts.emit == EmitKind::So && opts.outputPath == "-")
    return genError(ctx, opts.inputPath)
           << "a shared library cannot be written to stdout; use -o";
  CompileStage stage(opts);
  DecodeNames decode;
  std::string header;
  if (opts.emit != EmitKind::So) {
    // Only the decode step is printed.
    std::string printed;
    StepInfo info;
    OwningOpRef<ModuleOp> module;
    if (failed(lowerStep(ctx, opts, stage, plans[0], 0, decode, info, module,
                         &printed, &header)))
      return failure();
    llvm::outs() << printed;
    return success();
  }

  // Variants 1.. are lowered on --compile-threads - 1 other threads while
  // this one lowers and translates variant 0; each has an MLIRContext of its
  // own (IR is not shared across threads) whose diagnostics wait until the
  // variants before it are known to have compiled. LLVM translation stays
  // on this thread, in one LLVMContext: weights the variants share are then
  // one uniqued constant, emitted once.
  struct Variant {
    std::unique_ptr<MLIRContext> ctx; // null: the driver's context
    OwningOpRef<ModuleOp> module;
    StepInfo info;
    std::vector<Diagnostic> diagnostics;
    bool ok = false;
  };
  std::vector<Variant> variants(plans.size());
  size_t threads = std::min<size_t>(opts.cpu.compileThreads, plans.size());
  bool ctxThreads = ctx.isMultithreadingEnabled();
  if (threads > 1 && ctxThreads)
    ctx.disableMultithreading(); // one thread per variant, no more
  llvm::scope_exit restoreThreads([&] {
    if (threads > 1 && ctxThreads)
      ctx.enableMultithreading();
  });
  std::atomic<size_t> next{1};
  auto lowerOthers = [&] {
    for (size_t k; (k = next++) < plans.size();) {
      Variant &v = variants[k];
      v.ctx = std::make_unique<MLIRContext>(ctx.getDialectRegistry(),
                                            MLIRContext::Threading::DISABLED);
      v.ctx->loadAllAvailableDialects();
      v.ctx->getDiagEngine().registerHandler([&v](Diagnostic &d) {
        v.diagnostics.push_back(std::move(d));
        return success();
      });
      CompileStage variantStage(opts);
      v.ok = succeeded(lowerStep(*v.ctx, opts, variantStage, plans[k], k,
                                 decode, v.info, v.module, nullptr, nullptr));
    }
  };
  std::vector<std::thread> pool;
  llvm::scope_exit joinPool([&] {
    for (std::thread &t : pool)
      t.join();
  });
  for (size_t i = 1; i < threads; ++i)
    pool.emplace_back(lowerOthers);

  llvm::LLVMContext llvmCtx;
  std::unique_ptr<llvm::Module> linked;
  std::string desc;
  llvm::raw_string_ostream os(desc);
  int64_t vocab = 0;
  std::vector<std::string> cacheRecords, stateNames, stateRecords;
  std::string roles;
  for (auto [k, plan] : llvm::enumerate(plans)) {
    Variant &v = variants[k];
    if (k == 0) {
      v.ok = succeeded(lowerStep(ctx, opts, stage, plan, 0, decode, v.info,
                                 v.module, nullptr, &header));
    } else if (threads > 1) {
      if (k == 1) {
        stage.start("waiting for the other step variants");
        for (std::thread &t : pool)
          t.join();
        pool.clear();
      }
      for (Diagnostic &d : v.diagnostics)
        ctx.getDiagEngine().emit(std::move(d));
      v.diagnostics.clear();
    } else {
      v.ok = succeeded(lowerStep(ctx, opts, stage, plan, k, decode, v.info,
                                 v.module, nullptr, nullptr));
    }
    if (!v.ok)
      return failure();
    const StepInfo &info = v.info;
    if (k == 0) {
      cacheRecords = info.cacheRecords;
      stateNames = info.stateNames;
      stateRecords = info.stateRecords;
      vocab = info.vocab;
    } else if (info.stateNames != stateNames) {
      return genError(ctx, plan.path) << "the step's recurrent states ("
                                      << llvm::join(info.stateNames, ", ")
                                      << ") differ from the decode step's ("
                                      << llvm::join(stateNames, ", ") << ")";
    } else if (info.vocab != vocab) {
      return genError(ctx, plan.path)
             << "the step's vocabulary (" << info.vocab
             << ") differs from the decode step's (" << vocab << ")";
    }
    // Unoptimized: all variants are optimized together, in partitions.
    stage.start("LLVM translation");
    std::unique_ptr<llvm::Module> step =
        translateForTarget(*v.module, llvmCtx, opts.cpu);
    if (!step)
      return failure();
    v.module = nullptr; // the LLVM module holds everything now
    isolateVariant(*step, k);
    if (!linked)
      linked = std::move(step);
    else if (llvm::Linker::linkModules(*linked, std::move(step)))
      return genError(ctx, plan.path)
             << "cannot link step variant " << k << " with the others";
    roles += "variant " + std::to_string(k) + " " +
             std::to_string(plan.tokens) + " " + (plan.fresh ? "1" : "0") +
             "\n" + info.roles;
  }
  int64_t eos = opts.eosId;
  if (eos < 0)
    eos = genaiConfigInt(opts.inputPath, "eos_token_id").value_or(-1);
  os << "gen 1\nmax_len " << maxLen << "\nbatch " << batch << "\nvocab "
     << vocab << "\neos " << eos << "\n";
  for (const std::string &r : cacheRecords)
    os << r << "\n";
  for (const std::string &r : stateRecords)
    os << r << "\n";
  os << roles << "end\n";
  addGenDesc(*linked, desc);
  mergeIdenticalFunctions(*linked);

  // One module for all variants: split into --compile-threads partitions,
  // each optimized and compiled on a thread of its own.
  return emitAndLinkArtifact(ctx, UnknownLoc::get(&ctx), opts.inputPath + ": ",
                             std::move(linked), opts, header, stage);
}

} // namespace seqc
