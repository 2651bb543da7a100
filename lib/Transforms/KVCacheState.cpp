//===- KVCacheState.cpp - past/present tensors -> an in-place KV cache ----===//
//
// Exporters write a generation step as a pure function: past K/V in,
// `present = concat(past, new)` out. Run that way, every step copies the
// whole cache. Here the step's @main (imported with a run-time past length,
// lib/Import/RuntimeDims.cpp) is rewritten so that the past input *is* the
// cache: the concat becomes seq.kv_cache_append at the run-time position,
// which bufferizes into an in-place write of the new rows, the present output
// disappears, and attention reads the cache's valid prefix (kv_seqlen).
//
//===----------------------------------------------------------------------===//

#include "seqc/Transforms/Passes.h"

#include "KVCacheScatter.h"

#include "seq/IR/SeqKVCacheOps.h"
#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/BitVector.h"

using namespace mlir;

namespace seqc {
#define GEN_PASS_DEF_SEQKVCACHESTATE
#include "seqc/Transforms/Passes.h.inc"

namespace {

/// The argument marked `seq.role = "pos"` (the run-time past length).
Value pastLenArg(func::FuncOp fn) {
  for (unsigned i = 0, e = fn.getNumArguments(); i < e; ++i)
    if (auto role = fn.getArgAttrOfType<StringAttr>(i, "seq.role"))
      if (role.getValue() == "pos")
        return fn.getArgument(i);
  return {};
}

/// `past_len + T` as the [B] kv_seqlen of an attention.
Value validLength(OpBuilder &b, Location loc, Value pos, int64_t t,
                  int64_t batch) {
  auto scalar = RankedTensorType::get({}, b.getI64Type());
  Value c = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(scalar, ArrayRef<int64_t>{t}));
  Value len = seq::AddOp::create(b, loc, pos, c);
  auto one = RankedTensorType::get({1}, b.getI64Type());
  len = seq::ReshapeOp::create(b, loc, one, len);
  if (batch != 1)
    len = seq::BroadcastOp::create(
        b, loc, RankedTensorType::get({batch}, b.getI64Type()), len);
  return len;
}

/// Gives attention ops that read `cache` (as key or value) the valid length
/// `pos + t`, so that they read only the filled prefix. An attention whose
/// masks are not bottom-right aligned on that prefix keeps reading it all
/// (its own mask hides the rest).
void limitAttention(OpBuilder &b, Value cache, Value pos, int64_t t,
                    int64_t keysBefore) {
  for (Operation *user : cache.getUsers()) {
    auto att = dyn_cast<seq::AttentionOp>(user);
    if (!att || att.getKvSeqlen() || att.getKey() != cache)
      continue;
    auto qt = att.getQuery().getType();
    if (!qt.hasStaticShape())
      continue;
    // Causal masks must have been bottom-right aligned on the keys the
    // step saw (`keysBefore`), as kv_seqlen aligns them on the valid ones.
    if (att.getCausal() &&
        att.getQueryOffset() != keysBefore - qt.getDimSize(2))
      continue;
    b.setInsertionPoint(att);
    Value len = validLength(b, att.getLoc(), pos, t, qt.getDimSize(0));
    att.getKvSeqlenMutable().assign(len);
    att.setQueryOffset(0);
  }
}

/// GroupQueryAttention's per-row layout: an attention reading the appended
/// `cache` with kv_seqlen [B] (seqlens_k + 1) sees row b's keys
/// [0, kv_seqlen[b]), the step's T new ones last, so row b's write position
/// is kv_seqlen[b] - T (right-padded rows of different lengths). Rows of
/// one length give every row the session's past length, as before.
void appendPerRow(OpBuilder &b, seq::KVCacheAppendOp append) {
  auto update = cast<RankedTensorType>(append.getUpdate().getType());
  int64_t batch = update.getDimSize(0), t = update.getDimSize(2);
  if (ShapedType::isDynamic(batch) || ShapedType::isDynamic(t))
    return;
  for (Operation *user : append.getResult().getUsers()) {
    auto att = dyn_cast<seq::AttentionOp>(user);
    if (!att || !att.getKvSeqlen() ||
        (att.getKey() != append.getResult() &&
         att.getValue() != append.getResult()))
      continue;
    Value len = att.getKvSeqlen();
    auto lt = cast<RankedTensorType>(len.getType());
    if (lt.getRank() != 1 || lt.getDimSize(0) != batch ||
        !lt.getElementType().isSignlessInteger())
      continue;
    // The position must be computed before the append.
    if (Operation *def = len.getDefiningOp())
      if (def->getBlock() != append->getBlock() ||
          !def->isBeforeInBlock(append))
        continue;
    b.setInsertionPoint(append);
    Location loc = append.getLoc();
    auto i64 = RankedTensorType::get({batch}, b.getI64Type());
    if (lt != i64)
      len = seq::CastOp::create(b, loc, i64, len);
    Value c = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(i64, ArrayRef<int64_t>{t}));
    Value rowPos = seq::SubOp::create(b, loc, len, c);
    append.getPositionMutable().assign(rowPos);
    return;
  }
}

struct KVCacheStatePass : impl::SeqKVCacheStateBase<KVCacheStatePass> {
  using Base::Base;

  /// Contiguous caches -> paged ones: each cache argument becomes a pool of
  /// [B * L / block] blocks addressed through one new `seq.block_table`
  /// argument [B, L / block]; appends go through the table, and readers see
  /// a gathered [B, H, L, D] view.
  LogicalResult pageCaches(func::FuncOp fn, OpBuilder &b) {
    Value table;
    for (unsigned i = 0, e = fn.getNumArguments(); i < e; ++i) {
      auto role = fn.getArgAttrOfType<StringAttr>(i, "seq.role");
      if (!role || role.getValue() != "cache")
        continue;
      BlockArgument cache = fn.getArgument(i);
      auto type = cast<RankedTensorType>(cache.getType());
      int64_t B = type.getDimSize(0), L = type.getDimSize(2);
      if (L % blockSize != 0)
        return fn.emitError("seq-kv-cache-state: block size ")
               << static_cast<int64_t>(blockSize)
               << " does not divide the cache length " << L;
      int64_t width = L / blockSize;
      if (!table) {
        unsigned k = fn.getNumArguments();
        auto tableType = RankedTensorType::get({B, width}, b.getI32Type());
        if (failed(fn.insertArgument(k, tableType, {}, fn.getLoc())))
          return failure();
        fn.setArgAttr(k, "seq.name", b.getStringAttr("seq.block_table"));
        fn.setArgAttr(k, "seq.role", b.getStringAttr("blocks"));
        table = fn.getArgument(k);
      }
      auto pool = RankedTensorType::get(
          {B * width, type.getDimSize(1), blockSize, type.getDimSize(3)},
          type.getElementType());
      cache.setType(pool);
      for (Operation *user : llvm::make_early_inc_range(cache.getUsers())) {
        auto append = dyn_cast<seq::KVCacheAppendOp>(user);
        if (!append || append.getCache() != cache)
          return user->emitError("seq-kv-cache-state: a paged cache is only "
                                 "appended to");
        b.setInsertionPoint(append);
        auto paged = seq::KVCacheAppendOp::create(b, append.getLoc(), pool,
                                                  append.getUpdate(), cache,
                                                  append.getPosition(), table);
        b.setInsertionPointAfter(paged);
        Value view = seq::KVCacheViewOp::create(b, append.getLoc(), type,
                                                paged.getResult(), table);
        append.getResult().replaceAllUsesWith(view);
        append.erase();
      }
    }
    return success();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto fn = module.lookupSymbol<func::FuncOp>("main");
    if (!fn) {
      module.emitError("seq-kv-cache-state: no @main function");
      return signalPassFailure();
    }
    auto ret = cast<func::ReturnOp>(fn.getBody().front().getTerminator());
    OpBuilder b(fn.getContext());
    Value pos = pastLenArg(fn);
    llvm::BitVector dropped(fn.getNumResults());
    SmallVector<Attribute> names;
    auto resultName = [&](unsigned r) -> StringRef {
      auto n = fn.getResultAttrOfType<StringAttr>(r, "seq.name");
      return n ? n.getValue() : StringRef();
    };
    auto markCache = [&](unsigned argIndex, unsigned r) {
      fn.setArgAttr(argIndex, "seq.role", b.getStringAttr("cache"));
      fn.setArgAttr(argIndex, "seq.cache_index",
                    b.getI64IntegerAttr(names.size()));
      names.push_back(b.getStringAttr(resultName(r)));
      dropped.set(r);
    };

    // Opset-24 static caches (TensorScatter) bring their own position.
    if (presentNames.empty() && !pos &&
        failed(raiseScatterCaches(fn, pos, markCache)))
      return signalPassFailure();
    if (presentNames.empty() && !names.empty()) {
      // Raised above.
    } else if (presentNames.empty()) {
      // Decode form: present = concat(past, new) along axis 2.
      if (!pos) {
        fn.emitError("seq-kv-cache-state: @main has no run-time past length "
                     "(an argument with seq.role = \"pos\")");
        return signalPassFailure();
      }
      for (unsigned r = 0, e = ret.getNumOperands(); r < e; ++r) {
        auto concat = ret.getOperand(r).getDefiningOp<tensor::ConcatOp>();
        if (!concat || concat.getDim() != 2 || concat.getNumOperands() != 2)
          continue;
        auto past = dyn_cast<BlockArgument>(concat.getOperand(0));
        auto type = dyn_cast<RankedTensorType>(concat.getType());
        if (!past || past.getOwner()->getParentOp() != fn || !type ||
            type.getRank() != 4 || !type.hasStaticShape() || !past.hasOneUse())
          continue;
        past.setType(type);
        b.setInsertionPoint(concat);
        Value appended = seq::KVCacheAppendOp::create(
            b, concat.getLoc(), concat.getOperand(1), past, pos);
        concat.getResult().replaceAllUsesWith(appended);
        concat.erase();
        markCache(past.getArgNumber(), r);
        // A paged append keeps one position (rows of one length).
        if (blockSize == 0)
          appendPerRow(b, appended.getDefiningOp<seq::KVCacheAppendOp>());
        limitAttention(b, appended, pos,
                       cast<RankedTensorType>(
                           appended.getDefiningOp()->getOperand(0).getType())
                           .getDimSize(2),
                       type.getDimSize(2));
      }
    } else {
      // Prefill form: the named outputs fill new cache arguments; attention
      // that read those K/V reads the cache instead, which keeps the write.
      if (maxLen <= 0) {
        fn.emitError("seq-kv-cache-state: present-names needs max-len > 0");
        return signalPassFailure();
      }
      if (!pos) {
        b.setInsertionPointToStart(&fn.getBody().front());
        auto scalar = RankedTensorType::get({}, b.getI64Type());
        pos = arith::ConstantOp::create(
            b, fn.getLoc(),
            DenseElementsAttr::get(scalar, ArrayRef<int64_t>{0}));
      }
      llvm::DenseMap<Value, Value> appendedOf;
      for (const std::string &name : presentNames) {
        unsigned r = 0, e = ret.getNumOperands();
        while (r < e && resultName(r) != name)
          ++r;
        if (r == e) {
          fn.emitError("seq-kv-cache-state: no output named '") << name << "'";
          return signalPassFailure();
        }
        Value present = ret.getOperand(r);
        auto type = dyn_cast<RankedTensorType>(present.getType());
        if (!type || type.getRank() != 4 || !type.hasStaticShape() ||
            type.getDimSize(2) > maxLen) {
          fn.emitError("seq-kv-cache-state: output '")
              << name << "' is not a static [B, H, T, D] tensor of at most "
              << maxLen << " positions";
          return signalPassFailure();
        }
        SmallVector<int64_t> shape(type.getShape());
        shape[2] = maxLen;
        auto cacheType = type.clone(shape);
        unsigned argIndex = fn.getNumArguments();
        if (failed(fn.insertArgument(argIndex, cacheType, {}, fn.getLoc())))
          return signalPassFailure();
        Value cache = fn.getArgument(argIndex);
        if (isa<BlockArgument>(present) && pos.getDefiningOp())
          b.setInsertionPointAfter(pos.getDefiningOp());
        else
          b.setInsertionPointAfterValue(present);
        Value appended = seq::KVCacheAppendOp::create(b, present.getLoc(),
                                                      present, cache, pos);
        appendedOf[present] = appended;
        markCache(argIndex, r);
        fn.setArgAttr(argIndex, "seq.name", b.getStringAttr("cache." + name));
      }
      // Attention reading both the K and the V of a step reads the caches'
      // prefixes instead (which keeps the writes alive).
      SmallVector<seq::AttentionOp> readers;
      fn.walk([&](seq::AttentionOp att) {
        if (!att.getMask() && !att.getKvSeqlen() &&
            appendedOf.count(att.getKey()) && appendedOf.count(att.getValue()))
          readers.push_back(att);
      });
      for (seq::AttentionOp att : readers) {
        int64_t t = att.getKey().getType().getDimSize(2);
        Value k = appendedOf.lookup(att.getKey());
        att.getKeyMutable().assign(k);
        att.getValueMutable().assign(appendedOf.lookup(att.getValue()));
        limitAttention(b, k, pos, t, t);
      }
      // Attention whose K and V did not both move keeps reading the step's
      // own tensors; without a reader the cache write would be dead code.
      for (auto [i, name] : llvm::enumerate(names)) {
        (void)name;
        bool read = false;
        for (Operation *user :
             fn.getArgument(fn.getNumArguments() - names.size() + i).getUsers())
          for (Operation *u : user->getResult(0).getUsers())
            read |= isa<seq::AttentionOp>(u);
        if (!read) {
          fn.emitError("seq-kv-cache-state: the prefill's attention does not "
                       "read present '")
              << cast<StringAttr>(names[i]).getValue()
              << "' (masked or reshaped K/V are not supported)";
          return signalPassFailure();
        }
      }
    }
    if (names.empty()) {
      fn.emitError("seq-kv-cache-state: no output is concat(past, new) along "
                   "axis 2 of a rank-4 input, or a TensorScatter into one "
                   "(no KV cache found)");
      return signalPassFailure();
    }
    if (blockSize > 0 && failed(pageCaches(fn, b)))
      return signalPassFailure();
    for (int r = dropped.size() - 1; r >= 0; --r)
      if (dropped.test(r))
        ret->eraseOperand(r);
    if (failed(fn.eraseResults(dropped)))
      return signalPassFailure();
    SmallVector<Type> argTypes(fn.getBody().front().getArgumentTypes());
    fn.setFunctionType(
        FunctionType::get(fn.getContext(), argTypes, ret.getOperandTypes()));
    module->setAttr("seq.cache_names", b.getArrayAttr(names));
  }
};

} // namespace
} // namespace seqc
