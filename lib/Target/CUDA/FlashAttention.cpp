//===- FlashAttention.cpp - seq.attention as one fused GPU kernel ---------===//
//
// Two passes of the CUDA target (the kernels are built in
// FlashAttentionMma.cpp and FlashAttentionFma.cpp):
//
// `seq-gpu-mark-attention` (MarkAttention.cpp; tensors, before seq-to-linalg):
// a supported seq.attention becomes a call to a private marker declaration on
// the operands' buffers (bufferization.to_buffer) and a fresh output buffer
// (bufferization.to_tensor restrict writable). Bufferization and buffer
// deallocation treat the call like any other memref user, so the kernel is
// built after them without exposing gpu.launch (and its shared-memory block
// arguments) to the ownership-based deallocation.
//
// `seq-gpu-flash-attention` (memrefs, before the generic GPU mapping): each
// marker call becomes one fused flash-attention kernel (plus a small
// log-sum-exp merge kernel when the KV sequence is split across CTAs):
//
//  * Rows. Query head h reads kv head h / G (G = Hq / Hkv). A CTA owns kv
//    head hk of batch b and 64 consecutive rows of the packed index space
//    R = g * Sq + i (g < G: the query heads sharing hk, i < Sq: the query),
//    so a decode step (Sq = 1) puts the G heads of a group in one tile and
//    reads their K/V once. 4 warps, each 16 rows; Q stays in registers.
//  * K/V tiles of 64 keys are copied global -> shared with cp.async (16
//    bytes per copy; rows padded by 8 elements: ldmatrix conflict-free).
//    K(t+1) is in flight while P V of tile t runs, V(t+1) while S of tile
//    t+1 runs (one buffer each, 64 x (D+8) elements).
//  * S = Q K^T and O += P V with mma.sync.m16n8k16 (f16/bf16 inputs, f32
//    accumulators); B fragments via ldmatrix (.trans for V).
//  * Online softmax in registers: running max m and partial sum l per row,
//    p = exp2(s * c - m * c) with c = scale * log2(e).
//  * Causal (key j allowed iff j <= i + query_offset): the CTA's loop stops
//    at the last tile its largest i can see (tiles above the diagonal are
//    never loaded); scores above the diagonal (and keys >= Skv) are -inf.
//  * Split-K (few CTAs, long KV: decode): the KV tiles are split over
//    `splits` CTAs per row tile; each writes its normalized partial output
//    (f32) and log2-sum-exp, a second kernel merges them.
//  * f32 inputs: the same structure with exact f32 FMAs instead of tensor
//    cores (buildFmaKernel: 256 threads, a quad of lanes per row, 32-key
//    tiles); tf32 tensor cores would need an opt-in seqc does not have.
//
// Fragment layouts (PTX ISA "mma.m16n8k16" for .f16/.bf16, f32 accumulators;
// g = lane / 4, t = lane % 4; each "register" holds 2 consecutive elements):
//   A (16x16, row): a01 = (row g,   k 2t..2t+1)   a23 = (row g+8, k 2t..)
//                   a45 = (row g,   k 2t+8..)     a67 = (row g+8, k 2t+8..)
//   B (16x8,  col): b01 = (k 2t..2t+1, col g)     b23 = (k 2t+8.., col g)
//   C (16x8):       c01 = (row g, col 2t..2t+1)   c23 = (row g+8, col 2t..)
// ldmatrix.m8n8.x4 (b16): lanes 8i..8i+7 give the row addresses of matrix
// i; each lane receives, per matrix i, register i = (row g, cols 2t..2t+1)
// of that matrix, or with .trans (rows 2t, 2t+1; col g).
//
//===----------------------------------------------------------------------===//

#include "FlashAttention.h"

#include "seqc/Target/CUDA.h"

#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/Pass/Pass.h"
#include <cmath>

using namespace mlir;

namespace seqc {
#define GEN_PASS_DECL_SEQGPUFLASHATTENTION
#define GEN_PASS_DEF_SEQGPUFLASHATTENTION
#include "seqc/Target/CUDAPasses.h.inc"

namespace flash {

/// Few CTAs and a long KV sequence (decode): split the KV tiles so that the
/// GPU has about as many CTAs as fit on it (4 warps x ~170 registers: 3 per
/// SM; smaller CTAs: 6, by shared memory), each with at least 4 tiles.
static int64_t chooseSplits(const Config &c) {
  int64_t ctas = c.rowTiles() * c.hkv * c.batch;
  if (ctas >= kSMs || c.kvTiles() < 8)
    return 1;
  int64_t perSM = c.warps == kWarps ? 3 : 6;
  int64_t want = (perSM * kSMs + ctas - 1) / ctas;
  return std::max<int64_t>(1, std::min(want, c.kvTiles() / 4));
}

/// Coordinates of packed row `row` (= g * Sq + i) of kv head `hk`. Rows
/// past the end are clamped into range so that loads stay in bounds (such
/// rows are never stored).
RowInfo rowCoords(KB &k, const Config &c, Value hk, Value row) {
  RowInfo r;
  bool ragged = c.rows() % c.rowsPerCta() != 0;
  if (ragged)
    r.valid = k.ult(row, c.rows());
  Value rc = ragged ? k.minU(row, c.rows() - 1) : row;
  r.head = k.add(k.mul(hk, c.group()), k.div(rc, c.sq));
  r.i = k.rem(rc, c.sq);
  if (c.causal)
    r.limit = k.minU(k.add(r.i, c.offset), c.skv - 1);
  else if (c.skv % c.kvTile != 0)
    r.limit = k.idx(c.skv - 1);
  return r;
}

/// KV tile range [begin, end) of the CTA with first row r0 and KV split
/// `split`. Causal: the largest query index among its rows bounds the keys
/// it can see (rows of one tile span several heads only if Sq % 64 != 0;
/// then the bound is Sq - 1); tiles past it are never loaded.
std::pair<Value, Value> kvRange(KB &k, const Config &c, Value r0, Value split) {
  Value tBegin = k.mul(split, c.chunk());
  Value tEnd = k.minU(k.add(tBegin, c.chunk()), k.idx(c.kvTiles()));
  if (c.causal) {
    Value rLast = k.minU(k.add(r0, c.rowsPerCta() - 1), c.rows() - 1);
    Value sameHead = arith::CmpIOp::create(k.b, k.loc, arith::CmpIPredicate::eq,
                                           k.div(r0, c.sq), k.div(rLast, c.sq));
    Value maxI = k.select(sameHead, k.rem(rLast, c.sq), k.idx(c.sq - 1));
    // Keys 0 .. maxI + offset: ceil((maxI + offset + 1) / kvTile) tiles.
    Value seen = k.div(k.add(maxI, c.offset + c.kvTile), c.kvTile);
    tEnd = k.minU(tEnd, seen);
  }
  // An empty range (split beyond the causal bound) runs no iteration.
  return {k.minU(tBegin, tEnd), tEnd};
}

/// log2-sum-exp of a split from its running max (in log2 units) and row
/// sum; -inf when it saw no allowed key.
Value splitLse(KB &k, Value mLog2, Value lRow, Value negInf) {
  OpBuilder &b = k.b;
  Value positive = arith::CmpFOp::create(b, k.loc, arith::CmpFPredicate::OGT,
                                         lRow, k.f32(0));
  Value lv = k.fadd(mLog2, math::Log2Op::create(b, k.loc, lRow));
  return k.select(positive, lv, negInf);
}

CtaFrame openAttentionLaunch(KB &k, const Config &c, int64_t threads,
                             MemRefType tileType) {
  OpBuilder &b = k.b;
  Location loc = k.loc;
  auto launch = gpu::LaunchOp::create(
      b, loc, k.idx(c.rowTiles() * c.splits), k.idx(c.hkv), k.idx(c.batch),
      k.idx(threads), k.idx(1), k.idx(1), /*dynamicSharedMemorySize=*/nullptr,
      /*asyncTokenType=*/nullptr, /*asyncDependencies=*/ValueRange{},
      TypeRange{tileType, tileType});
  b.setInsertionPointToStart(&launch.getBody().front());
  Value bx = launch.getBlockIds().x;
  Value rowTile = c.splits > 1 ? k.div(bx, c.splits) : bx;
  // Causal: the last row tiles see the most keys; start them first (CTAs
  // are dispatched in block order) so that short ones fill the tail.
  if (c.causal)
    rowTile = arith::SubIOp::create(b, loc, k.idx(c.rowTiles() - 1), rowTile);
  Value split = c.splits > 1 ? k.rem(bx, c.splits) : k.idx(0);
  return {launch.getWorkgroupAttributions()[0],
          launch.getWorkgroupAttributions()[1],
          launch.getBlockIds().y,
          launch.getBlockIds().z,
          launch.getThreadIds().x,
          rowTile,
          split};
}

} // namespace flash

namespace {
using namespace flash;

struct FlashAttentionPass : impl::SeqGpuFlashAttentionBase<FlashAttentionPass> {
  LogicalResult lower(func::CallOp call) {
    auto attrs = call->getAttrOfType<DictionaryAttr>(kMarkerAttr);
    if (!attrs || call.getNumOperands() != 4)
      return call.emitError("malformed flash-attention marker call");
    Value q = call.getOperand(0), kMem = call.getOperand(1),
          vMem = call.getOperand(2), out = call.getOperand(3);
    auto qt = cast<MemRefType>(q.getType());
    auto kt = cast<MemRefType>(kMem.getType());
    for (Value v : call.getOperands())
      if (!cast<MemRefType>(v.getType()).getLayout().isIdentity())
        return call.emitError("flash attention: operand with a non-identity "
                              "layout ")
               << v.getType();
    Config c;
    c.batch = qt.getDimSize(0);
    c.hq = qt.getDimSize(1);
    c.sq = qt.getDimSize(2);
    c.d = qt.getDimSize(3);
    c.hkv = kt.getDimSize(1);
    c.skv = kt.getDimSize(2);
    c.elt = qt.getElementType();
    c.scale = cast<FloatAttr>(attrs.get("scale")).getValueAsDouble();
    c.causal = attrs.contains("causal");
    c.offset = cast<IntegerAttr>(attrs.get("query_offset")).getInt();
    c.splits = 1;
    bool f32 = c.elt.isF32();
    if (f32)
      c.kvTile = 32;
    // Decode-sized row counts (G * Sq <= 32): 1 or 2 warps per CTA instead
    // of 4 mostly idle ones, so that more CTAs fit on an SM.
    else if (c.rows() <= 32)
      c.warps = c.rows() <= 16 ? 1 : 2;
    if (warpsOpt != 0 && warpsOpt != 1 && warpsOpt != 2 && warpsOpt != 4 &&
        warpsOpt != 8)
      return call.emitError("flash attention: warps=")
             << static_cast<int64_t>(warpsOpt) << " (expected 0, 1, 2, 4 or 8)";
    if (!f32 && warpsOpt > 0)
      c.warps = warpsOpt;
    c.splits = splitsOpt > 0 ? std::min<int64_t>(splitsOpt, c.kvTiles())
                             : chooseSplits(c);

    OpBuilder b(call);
    Location loc = call.getLoc();
    auto build = f32 ? buildFmaKernel : buildFlashKernel;
    if (c.splits == 1) {
      build(b, loc, c, q, kMem, vMem, out, nullptr, nullptr);
    } else {
      Type f32 = b.getF32Type();
      Value part = memref::AllocOp::create(
          b, loc, MemRefType::get({c.splits, c.batch, c.hq, c.sq, c.d}, f32));
      Value lse = memref::AllocOp::create(
          b, loc, MemRefType::get({c.splits, c.batch, c.hq, c.sq}, f32));
      build(b, loc, c, q, kMem, vMem, nullptr, part, lse);
      buildMergeKernel(b, loc, c, part, lse, out);
      memref::DeallocOp::create(b, loc, part);
      memref::DeallocOp::create(b, loc, lse);
    }
    call.erase();
    return success();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::CallOp> calls;
    module.walk([&](func::CallOp call) {
      if (call->hasAttr(kMarkerAttr))
        calls.push_back(call);
    });
    for (func::CallOp call : calls)
      if (failed(lower(call)))
        return signalPassFailure();
    SmallVector<func::FuncOp> decls;
    for (auto fn : module.getOps<func::FuncOp>())
      if (fn->hasAttr(kMarkerAttr) && fn.isExternal())
        decls.push_back(fn);
    for (func::FuncOp fn : decls)
      if (SymbolTable::symbolKnownUseEmpty(fn, module))
        fn.erase();
  }
};

} // namespace

std::unique_ptr<Pass> createFlashAttentionPass() {
  return std::make_unique<FlashAttentionPass>();
}

} // namespace seqc
