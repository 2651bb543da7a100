//===- KVCacheScatter.cpp - opset-24 static caches -> in-place KV cache ---===//
//
// ONNX opset 24 lets a step keep its cache in a fixed-size buffer
// [B, Hkv, Lmax, D]: `present = TensorScatter(past, new, write_indices)`
// writes the step's T positions at write_indices[b], and Attention reads the
// whole buffer with `nonpad_kv_seqlen` (the valid length per row). Run as a
// pure function, every step copies the buffer into `present`. Here the past
// input becomes the session-owned cache (written in place by
// seq.kv_cache_append, as for the concat form in KVCacheState.cpp), the
// present output disappears, and the two index inputs are what the session
// knows: write_indices = the past length p, nonpad_kv_seqlen = p + T (the
// runtime's `pos` role, one length for the batch).
//
//===----------------------------------------------------------------------===//

#include "KVCacheScatter.h"

#include "seq/IR/SeqKVCacheOps.h"
#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/SetVector.h"

using namespace mlir;

namespace seqc {
namespace {

/// A rank-4 integer constant [1, 1, T, 1] holding 0, 1, ..., T-1 (the
/// positions of the update rows, as the importer builds them).
bool isSequenceIota(Value v, int64_t t) {
  DenseIntElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)))
    return false;
  auto type = cast<ShapedType>(attr.getType());
  if (type.getRank() != 4 || type.getDimSize(0) != 1 ||
      type.getDimSize(1) != 1 || type.getDimSize(2) != t ||
      type.getDimSize(3) != 1)
    return false;
  int64_t i = 0;
  for (const APInt &x : attr.getValues<APInt>())
    if (x.getSExtValue() != i++)
      return false;
  return true;
}

/// The [B] integer argument w of @main with idx[b, h, t, d] = w[b] + t (a
/// linear TensorScatter's write positions as lib/Import/CacheOps.cpp builds
/// them), or null: circular mode (a remainder), missing write_indices, or
/// positions computed otherwise.
BlockArgument linearWriteIndex(func::FuncOp fn, Value idx, int64_t t) {
  if (auto bc = idx.getDefiningOp<seq::BroadcastOp>())
    idx = bc.getInput();
  if (auto add = idx.getDefiningOp<seq::AddOp>()) {
    Value other;
    for (unsigned k : {0u, 1u})
      if (isSequenceIota(add->getOperand(k), t))
        other = add->getOperand(1 - k);
    if (!other)
      return {};
    idx = other;
  } else if (t != 1) {
    return {};
  }
  auto rs = idx.getDefiningOp<seq::ReshapeOp>();
  if (!rs)
    return {};
  auto rt = cast<RankedTensorType>(rs.getType());
  auto it = cast<RankedTensorType>(rs.getInput().getType());
  if (it.getRank() != 1 || rt.getRank() != 4 ||
      rt.getNumElements() != it.getNumElements() ||
      rt.getDimSize(0) != it.getDimSize(0))
    return {};
  idx = rs.getInput();
  if (auto c = idx.getDefiningOp<seq::CastOp>())
    if (isa<IntegerType>(getElementTypeOrSelf(c.getInput().getType())))
      idx = c.getInput();
  auto arg = dyn_cast<BlockArgument>(idx);
  if (!arg || arg.getOwner()->getParentOp() != fn ||
      !isa<IntegerType>(getElementTypeOrSelf(arg.getType())))
    return {};
  return arg;
}

StringRef argName(func::FuncOp fn, unsigned i) {
  auto n = fn.getArgAttrOfType<StringAttr>(i, "seq.name");
  return n ? n.getValue() : StringRef("?");
}

/// `v` ([B] or rank 0, i64) as `type` ([B] integer).
Value asBatchVector(OpBuilder &b, Location loc, Value v,
                    RankedTensorType type) {
  auto i64 = b.getI64Type();
  if (cast<RankedTensorType>(v.getType()).getRank() == 0)
    v = seq::ReshapeOp::create(b, loc, RankedTensorType::get({1}, i64), v);
  if (type.getDimSize(0) != 1)
    v = seq::BroadcastOp::create(b, loc, type.clone(i64), v);
  if (type.getElementType() != i64)
    v = seq::CastOp::create(b, loc, type, v);
  return v;
}

} // namespace

LogicalResult
raiseScatterCaches(func::FuncOp fn, Value &pos,
                   llvm::function_ref<void(unsigned, unsigned)> markCache) {
  auto ret = cast<func::ReturnOp>(fn.getBody().front().getTerminator());
  // Scatters into graph inputs: each must be a linear cache write returned
  // as an output, else the graph is not a step the session can carry.
  struct Write {
    seq::ScatterElementsOp op;
    BlockArgument past, index;
    unsigned result;
  };
  SmallVector<Write> writes;
  int64_t tokens = -1;
  WalkResult walk = fn.walk([&](seq::ScatterElementsOp op) {
    auto past = dyn_cast<BlockArgument>(op.getData());
    if (!past || past.getOwner()->getParentOp() != fn)
      return WalkResult::advance();
    auto fail = [&](const Twine &why) {
      op.emitError("seq-kv-cache-state: the TensorScatter into '")
          << argName(fn, past.getArgNumber())
          << "' is not a KV-cache write: " << why;
      return WalkResult::interrupt();
    };
    auto type = cast<RankedTensorType>(op.getType());
    if (type.getRank() != 4 || op.getAxis() != 2)
      return fail("it writes along axis " + Twine(op.getAxis()) +
                  " of a rank-" + Twine(type.getRank()) +
                  " buffer, not the sequence axis 2 of [B, H, L, D]");
    if (!type.hasStaticShape() ||
        op.getReduction() != seq::ScatterReduction::none)
      return fail("the buffer is not static, or the scatter reduces");
    int64_t t = cast<RankedTensorType>(op.getUpdates().getType()).getDimSize(2);
    if (tokens >= 0 && t != tokens)
      return fail("the step's scatters write " + Twine(tokens) + " and " +
                  Twine(t) + " positions");
    tokens = t;
    BlockArgument index = linearWriteIndex(fn, op.getIndices(), t);
    if (!index)
      return fail("its positions are not write_indices[b] + t (circular "
                  "mode, no write_indices, or computed positions)");
    if (!past.hasOneUse())
      return fail("the past buffer has readers besides the scatter");
    std::optional<unsigned> result;
    for (OpOperand &use : op.getResult().getUses())
      if (use.getOwner() == ret.getOperation())
        result = use.getOperandNumber();
    if (!result)
      return fail("its result is not a graph output (nothing carries the "
                  "cache to the next step)");
    writes.push_back({op, past, index, *result});
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();
  if (writes.empty())
    return success();
  // A step of T > 1 positions runs with the session's padding after its
  // last token; only causal attention keeps real tokens from it (and from
  // each other's future).
  for (Write &w : writes)
    for (Operation *user : w.op->getUsers())
      if (auto att = dyn_cast<seq::AttentionOp>(user);
          att && tokens > 1 && !att.getCausal())
        return att.emitError("seq-kv-cache-state: attention over the static "
                             "cache '")
               << argName(fn, w.past.getArgNumber())
               << "' is not causal: a step of " << tokens
               << " positions would see later positions and padding "
                  "(compile with --prefill-chunk 1)";

  OpBuilder b(fn.getContext());
  unsigned k = fn.getNumArguments();
  auto scalar = RankedTensorType::get({}, b.getI64Type());
  if (failed(fn.insertArgument(k, scalar, {}, fn.getLoc())))
    return failure();
  fn.setArgAttr(k, "seq.name", b.getStringAttr("seq.past_len"));
  fn.setArgAttr(k, "seq.role", b.getStringAttr("pos"));
  pos = fn.getArgument(k);

  llvm::SetVector<BlockArgument> indexArgs;
  for (Write &w : writes) {
    b.setInsertionPoint(w.op);
    Value appended = seq::KVCacheAppendOp::create(
        b, w.op.getLoc(), w.op.getUpdates(), w.past, pos);
    w.op.getResult().replaceAllUsesWith(appended);
    markCache(w.past.getArgNumber(), w.result);
    indexArgs.insert(w.index);
  }
  for (Write &w : writes)
    w.op.erase();
  // The write positions' computations, now unused (users before defs).
  for (Operation &op :
       llvm::make_early_inc_range(llvm::reverse(fn.getBody().front())))
    if (isOpTriviallyDead(&op))
      op.erase();

  // The valid lengths attention reads (nonpad_kv_seqlen), as arguments.
  llvm::SetVector<BlockArgument> lengthArgs;
  fn.walk([&](seq::AttentionOp att) {
    Value len = att.getKvSeqlen();
    if (!len)
      return;
    if (auto c = len.getDefiningOp<seq::CastOp>())
      len = c.getInput();
    if (auto arg = dyn_cast<BlockArgument>(len))
      if (arg.getOwner()->getParentOp() == fn && !indexArgs.contains(arg))
        lengthArgs.insert(arg);
  });

  // The session's values: write_indices = p, nonpad_kv_seqlen = p + T.
  b.setInsertionPointToStart(&fn.getBody().front());
  Location loc = fn.getLoc();
  Value total = seq::AddOp::create(
      b, loc, pos,
      arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(scalar, ArrayRef<int64_t>{tokens})));
  llvm::BitVector erase(fn.getNumArguments());
  for (auto [args, value] :
       {std::make_pair(&indexArgs, pos), std::make_pair(&lengthArgs, total)})
    for (BlockArgument arg : *args) {
      auto type = cast<RankedTensorType>(arg.getType());
      if (type.getRank() != 1)
        return fn.emitError("seq-kv-cache-state: '")
               << argName(fn, arg.getArgNumber())
               << "' (write_indices or nonpad_kv_seqlen) must be a [B] "
                  "integer vector, got "
               << type;
      if (!arg.use_empty())
        arg.replaceAllUsesWith(asBatchVector(b, loc, value, type));
      erase.set(arg.getArgNumber());
    }
  if (failed(fn.eraseArguments(erase)))
    return failure();
  return success();
}

} // namespace seqc
