//===- KVCacheQuantize.cpp - int8 KV caches with per-row scales -----------===//
//
// `seqc --quantize=kv8`: runs after seq-kv-cache-state. Each session-owned
// float cache [B, H, L, D] (or a paged pool) becomes an i8 cache of the same
// shape plus a companion cache [B, H, L, 1] of f32 scales, one per (batch,
// head, position) row: symmetric absmax / 127. An append quantizes only the
// step's new rows (seq.kv_cache_quantize) and writes values and scales with
// two in-place appends, so old rows are never rescaled. Readers see
// seq.kv_cache_dequant of the two caches, which tiled attention reads one
// tile at a time (AttentionToTiledCascade.cpp); a cache then costs D + 4
// bytes a row instead of 4 D.
//
//===----------------------------------------------------------------------===//

#include "seqc/Transforms/KVCacheQuantize.h"
#include "seqc/Transforms/Passes.h"

#include "seq/IR/SeqKVCacheOps.h"
#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

namespace seqc {
#define GEN_PASS_DEF_SEQKVCACHEQUANTIZE
#include "seqc/Transforms/Passes.h.inc"

namespace {

struct KVCacheQuantizePass : impl::SeqKVCacheQuantizeBase<KVCacheQuantizePass> {
  /// Rewrites one cache argument; `scaleArg` is its new scale cache.
  LogicalResult quantizeCache(BlockArgument cache, BlockArgument scaleArg) {
    OpBuilder b(cache.getContext());
    auto type = cast<RankedTensorType>(cache.getType());
    auto i8 = b.getIntegerType(8);
    auto rowType = [&](RankedTensorType t) {
      SmallVector<int64_t> shape(t.getShape());
      shape[3] = 1;
      return t.clone(shape);
    };
    cache.setType(type.clone(i8));
    SmallVector<Operation *> users(cache.getUsers());
    for (Operation *user : users) {
      auto append = dyn_cast<seq::KVCacheAppendOp>(user);
      if (!append || append.getCache() != cache)
        return user->emitError("seq-kv-cache-quantize: a KV cache is only "
                               "appended to, but '")
               << user->getName() << "' reads it";
      Location loc = append.getLoc();
      auto update = cast<RankedTensorType>(append.getUpdate().getType());
      b.setInsertionPoint(append);
      auto q = seq::KVCacheQuantizeOp::create(
          b, loc, TypeRange{update.clone(i8), rowType(update)},
          append.getUpdate());
      Value table = append.getBlockTable();
      Value values =
          seq::KVCacheAppendOp::create(b, loc, cache.getType(), q.getValues(),
                                       cache, append.getPosition(), table);
      Value scales = seq::KVCacheAppendOp::create(b, loc, scaleArg.getType(),
                                                  q.getScales(), scaleArg,
                                                  append.getPosition(), table);
      // Paged: the views attention reads become views of both caches.
      for (Operation *reader :
           llvm::make_early_inc_range(append.getResult().getUsers())) {
        auto view = dyn_cast<seq::KVCacheViewOp>(reader);
        if (!view)
          continue;
        b.setInsertionPoint(view);
        auto viewType = cast<RankedTensorType>(view.getType());
        Value v8 = seq::KVCacheViewOp::create(
            b, view.getLoc(), viewType.clone(i8), values, view.getBlockTable());
        Value vs = seq::KVCacheViewOp::create(
            b, view.getLoc(), rowType(viewType), scales, view.getBlockTable());
        view.getResult().replaceAllUsesWith(
            seq::KVCacheDequantOp::create(b, view.getLoc(), viewType, v8, vs));
        view.erase();
      }
      if (!append.getResult().use_empty()) {
        b.setInsertionPoint(append);
        append.getResult().replaceAllUsesWith(seq::KVCacheDequantOp::create(
            b, loc, append.getType(), values, scales));
      }
      append.erase();
    }
    return success();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto fn = module.lookupSymbol<func::FuncOp>("main");
    auto names = module->getAttrOfType<ArrayAttr>("seq.cache_names");
    if (!fn || !names) {
      module.emitError("seq-kv-cache-quantize: expects @main with KV caches "
                       "(run seq-kv-cache-state first)");
      return signalPassFailure();
    }
    OpBuilder b(module.getContext());
    int64_t n = names.size();
    SmallVector<Attribute> allNames(names.begin(), names.end());
    allNames.resize(2 * n);
    for (unsigned i = 0, e = fn.getNumArguments(); i < e; ++i) {
      auto role = fn.getArgAttrOfType<StringAttr>(i, "seq.role");
      if (!role || role.getValue() != "cache")
        continue;
      auto type = cast<RankedTensorType>(fn.getArgument(i).getType());
      auto index = fn.getArgAttrOfType<IntegerAttr>(i, "seq.cache_index");
      if (!index || index.getInt() < 0 || index.getInt() >= n) {
        fn.emitError("seq-kv-cache-quantize: cache argument ")
            << i << " has no valid seq.cache_index";
        return signalPassFailure();
      }
      if (!type.getElementType().isF32() || type.getRank() != 4) {
        fn.emitError("seq-kv-cache-quantize: cache argument ")
            << i << " is " << type << "; only rank-4 f32 caches are "
            << "quantized to int8";
        return signalPassFailure();
      }
      int64_t c = index.getInt();
      SmallVector<int64_t> shape(type.getShape());
      shape[3] = 1;
      unsigned k = fn.getNumArguments();
      if (failed(fn.insertArgument(k, type.clone(shape), {}, fn.getLoc())))
        return signalPassFailure();
      auto name = cast<StringAttr>(names[c]).getValue();
      allNames[n + c] = b.getStringAttr(name + ".scale");
      fn.setArgAttr(k, "seq.role", b.getStringAttr("cache"));
      fn.setArgAttr(k, "seq.cache_index", b.getI64IntegerAttr(n + c));
      fn.setArgAttr(
          k, "seq.name",
          b.getStringAttr(
              (fn.getArgAttrOfType<StringAttr>(i, "seq.name")
                   ? fn.getArgAttrOfType<StringAttr>(i, "seq.name").getValue()
                   : name) +
              ".scale"));
      if (failed(quantizeCache(fn.getArgument(i), fn.getArgument(k))))
        return signalPassFailure();
    }
    if (llvm::any_of(allNames, [](Attribute a) { return !a; })) {
      fn.emitError("seq-kv-cache-quantize: not every cache in "
                   "seq.cache_names is an argument of @main");
      return signalPassFailure();
    }
    SmallVector<Type> argTypes(fn.getBody().front().getArgumentTypes());
    fn.setFunctionType(FunctionType::get(fn.getContext(), argTypes,
                                         fn.getFunctionType().getResults()));
    module->setAttr("seq.cache_names", b.getArrayAttr(allNames));
  }
};

} // namespace

LogicalResult splitQuantizeSpec(StringRef spec, std::string &weights, bool &kv8,
                                std::string &error) {
  SmallVector<StringRef> parts;
  spec.split(parts, ',');
  weights.clear();
  kv8 = false;
  // Anything but kv8 is the weight spec, which quantizePipeline checks.
  for (StringRef p : parts) {
    p = p.trim();
    if (p == "kv8" && !kv8) {
      kv8 = true;
    } else if (p != "kv8" && weights.empty()) {
      weights = p.str();
    } else {
      error = ("--quantize=" + spec + ": '" + p +
               "' repeats a part (expected at most one w8|w4[:...] and kv8, "
               "separated by commas)")
                  .str();
      return failure();
    }
  }
  return success();
}

} // namespace seqc
