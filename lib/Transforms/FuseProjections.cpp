//===- FuseProjections.cpp - one GEMM for projections of one input --------===//
//
// Exporters often keep a layer's q, k and v projections as three MatMuls of
// the same normalized activation by three weights. Three GEMMs pack that
// input three times, and the k/v ones (N = kv heads * head dim, 128 on
// llama_mid) are too narrow to keep both threads' micro-kernels busy. One
// GEMM by the weights concatenated along N (at compile time) does the same
// arithmetic in one call; each original result is a column slice of it,
// which bufferizes to a strided view (no copy).
//
//===----------------------------------------------------------------------===//

#include "RaiseUtils.h"
#include "seqc/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SmallPtrSet.h"

#include <cstdlib>

using namespace mlir;

namespace seqc {
#define GEN_PASS_DEF_SEQFUSEPROJECTIONS
#include "seqc/Transforms/Passes.h.inc"

namespace {

/// The [K, N] f32 constant weight of a projection `x @ W` (x of rank >= 2,
/// static K), or null.
Value constantWeight(seq::MatMulOp mm) {
  auto x = dyn_cast<RankedTensorType>(mm.getLhs().getType());
  auto w = dyn_cast<RankedTensorType>(mm.getRhs().getType());
  auto r = dyn_cast<RankedTensorType>(mm.getType());
  if (!x || !w || !r || x.getRank() < 2 || w.getRank() != 2 ||
      !w.hasStaticShape() || !x.getElementType().isF32() ||
      !w.getElementType().isF32() || !r.getElementType().isF32() ||
      x.getShape().back() != w.getDimSize(0) || r.getRank() != x.getRank() ||
      r.getShape().back() != w.getDimSize(1))
    return {};
  Attribute attr;
  if (!matchPattern(mm.getRhs(), m_Constant(&attr)))
    return {};
  return mm.getRhs();
}

/// True if two of the projections' results feed the same op other than a
/// terminator (SwiGLU's gate * up: better as the up GEMM's gated epilogue
/// than as slices).
bool resultsMeet(ArrayRef<seq::MatMulOp> group) {
  llvm::SmallPtrSet<Operation *, 8> seen;
  for (seq::MatMulOp mm : group) {
    llvm::SmallPtrSet<Operation *, 4> mine;
    for (Operation *u : mm->getUsers())
      if (!u->hasTrait<OpTrait::IsTerminator>())
        mine.insert(u);
    for (Operation *u : mine)
      if (!seen.insert(u).second)
        return true;
  }
  return false;
}

/// The bias add `mm + b` (b a 1-D f32 constant over the columns) that is
/// the only user of `mm`, with b's values, if there is one.
seq::AddOp biasAdd(seq::MatMulOp mm, SmallVectorImpl<float> &storage,
                   ArrayRef<float> &bias) {
  if (!mm->hasOneUse())
    return {};
  auto add = dyn_cast<seq::AddOp>(*mm->user_begin());
  if (!add || add.getType() != mm.getType())
    return {};
  Value other = add.getLhs() == mm.getResult() ? add.getRhs() : add.getLhs();
  auto t = dyn_cast<RankedTensorType>(other.getType());
  int64_t n = cast<RankedTensorType>(mm.getType()).getShape().back();
  if (!t || t.getRank() != 1 || t.getDimSize(0) != n)
    return {};
  std::optional<ArrayRef<float>> v = raise::constFloats(other, storage);
  if (!v)
    return {};
  bias = *v;
  return add;
}

LogicalResult fuse(MutableArrayRef<seq::MatMulOp> group) {
  SmallVector<SmallVector<float>> storage(group.size());
  SmallVector<ArrayRef<float>> weights;
  int64_t k = 0, total = 0;
  for (auto [i, mm] : llvm::enumerate(group)) {
    std::optional<ArrayRef<float>> v =
        raise::constFloats(mm.getRhs(), storage[i]);
    if (!v)
      return failure();
    weights.push_back(*v);
    auto w = cast<RankedTensorType>(mm.getRhs().getType());
    k = w.getDimSize(0);
    total += w.getDimSize(1);
  }
  // Row r of the fused weight: row r of each weight in turn.
  std::vector<float> cat(k * total);
  float *dst = cat.data();
  for (int64_t r = 0; r < k; ++r)
    for (auto [mm, v] : llvm::zip(group, weights)) {
      int64_t n = cast<RankedTensorType>(mm.getRhs().getType()).getDimSize(1);
      dst = std::copy_n(v.data() + r * n, n, dst);
    }
  // Biases (Qwen2's q/k/v) are concatenated too, so that the fused GEMM
  // keeps them as its epilogue; a projection without one adds zeros.
  SmallVector<SmallVector<float>> biasStorage(group.size());
  SmallVector<seq::AddOp> adds;
  std::vector<float> biasCat;
  for (auto [i, mm] : llvm::enumerate(group)) {
    ArrayRef<float> bias;
    adds.push_back(biasAdd(mm, biasStorage[i], bias));
    int64_t n = cast<RankedTensorType>(mm.getType()).getShape().back();
    if (adds.back())
      biasCat.insert(biasCat.end(), bias.begin(), bias.end());
    else
      biasCat.insert(biasCat.end(), n, 0.0f);
  }
  bool anyBias = llvm::any_of(adds, [](seq::AddOp a) { return bool(a); });
  seq::MatMulOp first = group.front();
  OpBuilder b(first);
  Location loc =
      FusedLoc::get(b.getContext(),
                    llvm::to_vector(llvm::map_range(
                        group, [](seq::MatMulOp mm) { return mm.getLoc(); })));
  Type f32 = b.getF32Type();
  ArrayRef<char> bytes(reinterpret_cast<const char *>(cat.data()),
                       cat.size() * sizeof(float));
  Value w = arith::ConstantOp::create(
      b, loc,
      DenseResourceElementsAttr::get(
          RankedTensorType::get({k, total}, f32), "fused_projection",
          HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, 64)));
  auto xType = cast<RankedTensorType>(first.getLhs().getType());
  SmallVector<int64_t> shape(xType.getShape());
  shape.back() = total;
  auto yType = RankedTensorType::get(shape, f32);
  Value y = seq::MatMulOp::create(b, loc, yType, first.getLhs(), w);
  if (anyBias) {
    ArrayRef<char> biasBytes(reinterpret_cast<const char *>(biasCat.data()),
                             biasCat.size() * sizeof(float));
    Value bias = arith::ConstantOp::create(
        b, loc,
        DenseResourceElementsAttr::get(
            RankedTensorType::get({total}, f32), "fused_projection_bias",
            HeapAsmResourceBlob::allocateAndCopyWithAlign(biasBytes, 64)));
    y = seq::AddOp::create(b, loc, yType, y, bias);
  }
  // Each result: its columns of y (leading dims as they are, dynamic ones
  // through tensor.dim).
  int64_t rank = xType.getRank(), offset = 0;
  for (auto [mm, add] : llvm::zip(group, adds)) {
    b.setInsertionPoint(mm);
    auto rType = cast<RankedTensorType>(mm.getType());
    SmallVector<OpFoldResult> offs(rank, b.getIndexAttr(0)), sizes,
        strides(rank, b.getIndexAttr(1));
    for (int64_t d = 0; d + 1 < rank; ++d)
      sizes.push_back(
          xType.isDynamicDim(d)
              ? OpFoldResult(
                    tensor::DimOp::create(b, mm.getLoc(), y, d).getResult())
              : OpFoldResult(b.getIndexAttr(xType.getDimSize(d))));
    sizes.push_back(b.getIndexAttr(rType.getShape().back()));
    offs.back() = b.getIndexAttr(offset);
    offset += rType.getShape().back();
    Value slice = tensor::ExtractSliceOp::create(b, mm.getLoc(), rType, y, offs,
                                                 sizes, strides);
    if (add) {
      add.getResult().replaceAllUsesWith(slice);
      add.erase();
    } else {
      mm.getResult().replaceAllUsesWith(slice); // + 0 where others have bias
    }
    mm.erase();
  }
  return success();
}

struct SeqFuseProjectionsPass
    : impl::SeqFuseProjectionsBase<SeqFuseProjectionsPass> {
  using Base::Base;

  void runOnOperation() override {
    // Off unless $SEQC_FUSE_PROJECTIONS=1 or the `enable` option: on
    // llama_mid the fused GEMM ran no faster than the three, and RoPE and
    // attention read the strided slices a little slower (bench/NOTES.md).
    const char *env = std::getenv("SEQC_FUSE_PROJECTIONS");
    if (!(env ? StringRef(env) == "1" : enable))
      return;
    // Projections by input, in program order; one group per (input, block,
    // K, leading shape) since all must share the fused product.
    llvm::MapVector<std::pair<Value, Block *>, SmallVector<seq::MatMulOp>>
        groups;
    getOperation()->walk([&](seq::MatMulOp mm) {
      if (!constantWeight(mm))
        return;
      // The fused product sits where the first one was: the input must be
      // defined before it, which holds in its block (SSA dominance).
      groups[{mm.getLhs(), mm->getBlock()}].push_back(mm);
    });
    for (auto &[key, group] : groups) {
      if (group.size() < 2 || resultsMeet(group))
        continue;
      // Leading dims of every result must equal the input's (no broadcast
      // of a 2-D weight changes them; checked for safety).
      auto xType = cast<RankedTensorType>(key.first.getType());
      bool same = llvm::all_of(group, [&](seq::MatMulOp mm) {
        auto r = cast<RankedTensorType>(mm.getType());
        return r.getShape().drop_back() == xType.getShape().drop_back();
      });
      if (!same)
        continue;
      (void)fuse(group);
    }
  }
};

} // namespace
} // namespace seqc
