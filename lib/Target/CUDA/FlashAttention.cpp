//===- FlashAttention.cpp - seq.attention as one fused GPU kernel ---------===//
//
// Two passes of the CUDA target:
//
// `seq-gpu-mark-attention` (tensors, before seq-to-linalg): a supported
// seq.attention becomes a call to a private marker declaration on the
// operands' buffers (bufferization.to_buffer) and a fresh output buffer
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

#include "seqc/Target/CUDA.h"

#include "KernelBuilder.h"

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
namespace {

constexpr StringLiteral kMarkerAttr = "seq.flash_attention";
constexpr int64_t kTile = 64; // keys per KV tile, rows per 4-warp CTA
constexpr int64_t kWarps = 4; // 16 rows each
constexpr int64_t kSMs = 132; // H100 SXM; only steers the split-K choice

//===----------------------------------------------------------------------===//
// seq-gpu-mark-attention
//===----------------------------------------------------------------------===//

/// Why `op` cannot use the fused kernel, or empty if it can.
static std::string unsupportedReason(seq::AttentionOp op) {
  auto q = dyn_cast<RankedTensorType>(op.getQuery().getType());
  auto k = dyn_cast<RankedTensorType>(op.getKey().getType());
  auto v = dyn_cast<RankedTensorType>(op.getValue().getType());
  auto r = dyn_cast<RankedTensorType>(op.getResult().getType());
  if (!q || !k || !v || !r || q.getRank() != 4 || k.getRank() != 4 ||
      v.getRank() != 4 || r.getRank() != 4 || !q.hasStaticShape() ||
      !k.hasStaticShape() || !v.hasStaticShape() || !r.hasStaticShape())
    return "not static rank-4";
  Type elt = q.getElementType();
  if (!isa<Float16Type, BFloat16Type, Float32Type>(elt) ||
      k.getElementType() != elt || v.getElementType() != elt ||
      r.getElementType() != elt)
    return "element type";
  if (op.getMask() || !op.isPlain() || op.getSoftcap().convertToFloat() != 0)
    return "mask/softcap/positional extras";
  if (!(op.getScale().convertToFloat() > 0))
    return "scale";
  // Head sizes whose 16-byte copy chunks divide evenly over the threads
  // and whose accumulators fit in registers (D <= 128). The f32 kernel's
  // 32 unrolled dot products spill at D = 32 (ptxas schedules their loads
  // together): f32 takes D = 64 and 128 only.
  int64_t d = q.getDimSize(3);
  bool dOk = d == 64 || d == 128 || (!elt.isF32() && (d == 16 || d == 32));
  if (!dOk || k.getDimSize(3) != d || v.getDimSize(3) != d ||
      k.getShape() != v.getShape() || k.getDimSize(0) != q.getDimSize(0) ||
      q.getDimSize(1) % k.getDimSize(1) != 0 || r.getShape() != q.getShape())
    return "shape";
  return "";
}

struct MarkAttentionPass
    : PassWrapper<MarkAttentionPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(MarkAttentionPass)
  StringRef getArgument() const override { return "seq-gpu-mark-attention"; }
  StringRef getDescription() const override {
    return "Replace supported seq.attention ops by marker calls on buffers "
           "(built into fused flash-attention kernels after bufferization)";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<bufferization::BufferizationDialect, func::FuncDialect,
                    memref::MemRefDialect>();
  }
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<seq::AttentionOp> ops;
    module.walk([&](seq::AttentionOp op) {
      if (unsupportedReason(op).empty())
        ops.push_back(op);
    });
    unsigned counter = 0;
    for (seq::AttentionOp op : ops) {
      Location loc = op.getLoc();
      auto bufferType = [](Value v) {
        auto t = cast<RankedTensorType>(v.getType());
        return MemRefType::get(t.getShape(), t.getElementType());
      };
      MemRefType outType = bufferType(op.getResult());
      SmallVector<Type> argTypes = {bufferType(op.getQuery()),
                                    bufferType(op.getKey()),
                                    bufferType(op.getValue()), outType};
      OpBuilder mb(module.getBodyRegion());
      mb.setInsertionPointToEnd(module.getBody());
      std::string name;
      do {
        name = "seqc_flash_attention_" + std::to_string(counter++);
      } while (module.lookupSymbol(name));
      auto decl =
          func::FuncOp::create(mb, loc, name, mb.getFunctionType(argTypes, {}));
      decl.setPrivate();
      decl->setAttr(kMarkerAttr, mb.getUnitAttr());

      OpBuilder b(op);
      SmallVector<Value> args;
      for (Value v : {op.getQuery(), op.getKey(), op.getValue()})
        args.push_back(bufferization::ToBufferOp::create(
            b, loc, bufferType(v), v, /*read_only=*/true));
      Value out = memref::AllocOp::create(b, loc, outType);
      args.push_back(out);
      auto call = func::CallOp::create(b, loc, decl, args);
      NamedAttrList attrs;
      attrs.append("scale", op.getScaleAttr());
      attrs.append("query_offset", op.getQueryOffsetAttr());
      if (op.getCausal())
        attrs.append("causal", b.getUnitAttr());
      call->setAttr(kMarkerAttr, attrs.getDictionary(b.getContext()));
      Value result = bufferization::ToTensorOp::create(
          b, loc, op.getResult().getType(), out, /*restrict=*/true,
          /*writable=*/true);
      op.getResult().replaceAllUsesWith(result);
      op->erase();
    }
  }
};

//===----------------------------------------------------------------------===//
// seq-gpu-flash-attention: kernel construction
//===----------------------------------------------------------------------===//

struct Config {
  int64_t batch, hq, hkv, sq, skv, d;
  Type elt;
  double scale;
  bool causal;
  int64_t offset;
  int64_t splits;
  int64_t kvTile = kTile; // keys per KV tile (32 on the f32 path)
  int64_t warps = kWarps; // mma path: 16 rows per warp (fewer for decode)
  int64_t rowsPerCta() const { return 16 * warps; }
  // Derived.
  int64_t group() const { return hq / hkv; }
  int64_t rows() const { return group() * sq; }
  int64_t rowTiles() const {
    return (rows() + rowsPerCta() - 1) / rowsPerCta();
  }
  int64_t kvTiles() const { return (skv + kvTile - 1) / kvTile; }
  int64_t chunk() const { return (kvTiles() + splits - 1) / splits; }
};

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

using KB = KernelBuilder;

/// D = A * B + C for one m16n8k16 tile (A vector<4x2xelt>, B
/// vector<2x2xelt>, C vector<2x2xf32>). f16 through nvgpu.mma.sync; bf16
/// (no nvgpu lowering) through nvvm.mma.sync on i32-packed registers.
static Value mma(KB &k, Value a, Value b, Value c) {
  OpBuilder &bld = k.b;
  Location loc = k.loc;
  Type elt = cast<VectorType>(a.getType()).getElementType();
  if (isa<Float16Type>(elt))
    return nvgpu::MmaSyncOp::create(bld, loc, a, b, c,
                                    bld.getI64ArrayAttr({16, 8, 16}));
  Type i32 = bld.getI32Type(), f32 = bld.getF32Type();
  auto regs = [&](Value frag, int64_t n) {
    SmallVector<Value> out;
    auto one = VectorType::get({1}, i32);
    for (int64_t r = 0; r < n; ++r) {
      Value packed =
          vector::BitCastOp::create(bld, loc, one, k.extract(frag, {r}));
      out.push_back(k.extract(packed, {0}));
    }
    return out;
  };
  SmallVector<Value> ra = regs(a, 4), rb = regs(b, 2), rc;
  for (int64_t r = 0; r < 2; ++r)
    for (int64_t e = 0; e < 2; ++e)
      rc.push_back(k.extract(c, {r, e}));
  auto st =
      LLVM::LLVMStructType::getLiteral(bld.getContext(), {f32, f32, f32, f32});
  Value d = NVVM::MmaOp::create(
      bld, loc, st, ra, rb, rc, ArrayRef<int64_t>{16, 8, 16}, std::nullopt,
      std::nullopt,
      std::array<NVVM::MMATypes, 2>{NVVM::MMATypes::bf16, NVVM::MMATypes::bf16},
      std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                     NVVM::MMALayout::col});
  Value out = c;
  for (int64_t i = 0; i < 4; ++i)
    out = k.insert(LLVM::ExtractValueOp::create(bld, loc, d, i), out,
                   {i / 2, i % 2});
  return out;
}

/// Per-thread coordinates of one of its two rows (g and g + 8 of its warp).
struct RowInfo {
  Value valid; // row < rows (null when every row is valid)
  Value head;  // query head
  Value i;     // query index
  Value limit; // last allowed key (null when no masking is needed)
};

/// Coordinates of packed row `row` (= g * Sq + i) of kv head `hk`. Rows
/// past the end are clamped into range so that loads stay in bounds (such
/// rows are never stored).
static RowInfo rowCoords(KB &k, const Config &c, Value hk, Value row) {
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
static std::pair<Value, Value> kvRange(KB &k, const Config &c, Value r0,
                                       Value split) {
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
static Value splitLse(KB &k, Value mLog2, Value lRow, Value negInf) {
  OpBuilder &b = k.b;
  Value positive = arith::CmpFOp::create(b, k.loc, arith::CmpFPredicate::OGT,
                                         lRow, k.f32(0));
  Value lv = k.fadd(mLog2, math::Log2Op::create(b, k.loc, lRow));
  return k.select(positive, lv, negInf);
}

/// The grid both attention kernels use: x = row tile (times split), y = KV
/// head, z = batch, with K and V tiles of `tileType` in workgroup memory.
/// Leaves the builder at the start of the launch body.
struct CtaFrame {
  Value kSh, vSh, hk, batch, tid, rowTile, split;
};
static CtaFrame openAttentionLaunch(KB &k, const Config &c, int64_t threads,
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

/// The fused kernel. `out` is the attention result (splits == 1) or, with
/// splits > 1, `part` [splits,B,Hq,Sq,D] f32 and `lse` [splits,B,Hq,Sq] f32.
static void buildFlashKernel(OpBuilder &b, Location loc, const Config &c,
                             Value q, Value kMem, Value vMem, Value out,
                             Value part, Value lse) {
  MLIRContext *ctx = b.getContext();
  KB k{b, loc};
  Type elt = c.elt, f32 = b.getF32Type();
  int64_t d = c.d, dPad = c.d + 8;
  auto wg = gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  // Row-major 64 x (D+8) tiles, linear: every shared address is one
  // per-lane base plus a compile-time offset (fewer live registers).
  auto tileType = MemRefType::get({kTile * dPad}, elt, AffineMap(), wg);
  int64_t threads = 32 * c.warps;
  OpBuilder::InsertionGuard guard(b);
  auto [kSh, vSh, hk, batch, tid, rowTile, split] =
      openAttentionLaunch(k, c, threads, tileType);
  Value warp = k.div(tid, 32), lane = k.rem(tid, 32);
  Value g = k.div(lane, 4), t2 = k.mul(k.rem(lane, 4), 2);
  Value r0 = k.mul(rowTile, c.rowsPerCta()); // the CTA's first packed row

  // Rows g and g + 8 of this warp's 16.
  bool maskKeys = c.causal || c.skv % kTile != 0;
  auto rowInfo = [&](int64_t extra) {
    return rowCoords(k, c, hk,
                     k.add(k.add(r0, k.mul(warp, 16)), k.add(g, extra)));
  };
  RowInfo rows[2] = {rowInfo(0), rowInfo(8)};
  // The smallest key limit among the CTA's rows (the first row's, unless
  // the tile spans several heads: then query 0's).
  Value minLimit;
  if (c.causal) {
    Value rLast = k.minU(k.add(r0, c.rowsPerCta() - 1), c.rows() - 1);
    Value sameHead = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                           k.div(r0, c.sq), k.div(rLast, c.sq));
    Value minI = k.select(sameHead, k.rem(r0, c.sq), k.idx(0));
    minLimit = k.minU(k.add(minI, c.offset), c.skv - 1);
  } else if (maskKeys) {
    minLimit = k.idx(c.skv - 1);
  }

  // Q fragments, one vector<4x2xelt> per 16 columns of D (index math in the
  // file comment: a01 row g, a23 row g+8, a45/a67 the same at k + 8).
  auto pairType = VectorType::get({2}, elt);
  auto aType = VectorType::get({4, 2}, elt);
  // Q stays in registers for the whole loop (D/16 x 4 registers).
  SmallVector<Value> qFrag;
  for (int64_t kk = 0; kk < d / 16; ++kk) {
    Value frag = k.zeros(aType);
    for (int64_t r = 0; r < 4; ++r) {
      RowInfo &ri = rows[r % 2];
      Value col = k.add(t2, 16 * kk + 8 * (r / 2));
      Value v = vector::LoadOp::create(b, loc, pairType, q,
                                       ValueRange{batch, ri.head, ri.i, col});
      frag = k.insert(v, frag, {r});
    }
    qFrag.push_back(frag);
  }

  auto [tBegin, tEnd] = kvRange(k, c, r0, split);

  // Cooperative global -> shared copy of one 64-key tile with cp.async:
  // chunk u of thread tid is (tid + 128u): row tid / (D/8) + u * 128 / (D/8),
  // columns 8 * (tid % (D/8)) .. +7 (128 is a multiple of D/8, so only the
  // row changes with u: one base address plus constant offsets).
  // Keys past the range (Skv, or the next tile after the last) read 0
  // bytes and are zero-filled.
  int64_t chunksPerRow = d / 8;
  Value copyRow = k.div(tid, chunksPerRow);
  Value copyCol = k.mul(k.rem(tid, chunksPerRow), 8);
  Value copyBase = k.add(k.mul(copyRow, dPad), copyCol);
  // More than 8 copies per thread (1- and 2-warp CTAs): a loop, not
  // unrolled, so that the addresses are not all kept live in registers.
  int64_t copies = kTile * chunksPerRow / threads;
  int64_t rowStep = threads / chunksPerRow;
  auto copyTile = [&](Value src, Value dst, Value tile, Value tileValid) {
    Value j0 = k.mul(tile, kTile);
    auto copyChunk = [&](Value rowOff) {
      Value j = k.add(j0, k.add(copyRow, rowOff));
      Value ok = arith::AndIOp::create(b, loc, tileValid, k.ult(j, c.skv));
      Value jc = k.minU(j, c.skv - 1);
      Value n = k.select(ok, k.idx(8), k.idx(0));
      nvgpu::DeviceAsyncCopyOp::create(
          b, loc, dst, ValueRange{k.add(copyBase, k.mul(rowOff, dPad))}, src,
          ValueRange{batch, hk, jc, copyCol}, b.getIndexAttr(8), n,
          /*bypassL1=*/b.getUnitAttr());
    };
    if (copies <= 8) {
      for (int64_t u = 0; u < copies; ++u)
        copyChunk(k.idx(u * rowStep));
    } else {
      auto loop = scf::ForOp::create(b, loc, k.idx(0), k.idx(copies * rowStep),
                                     k.idx(rowStep));
      OpBuilder::InsertionGuard g2(b);
      b.setInsertionPointToStart(loop.getBody());
      copyChunk(loop.getInductionVar());
    }
    NVVM::CpAsyncCommitGroupOp::create(b, loc);
  };
  copyTile(kMem, kSh, tBegin, k.ult(tBegin, tEnd));
  copyTile(vMem, vSh, tBegin, k.ult(tBegin, tEnd));

  // Loop-carried state: m (running max of raw scores), l (this lane's
  // partial row sum), O accumulators (D/8 tiles of 16x8).
  auto accType = VectorType::get({2, 2}, f32);
  Value negInf = k.f32(-INFINITY);
  Value scaleLog2 = k.f32(c.scale * M_LOG2E);
  SmallVector<Value> init = {negInf, negInf, k.f32(0), k.f32(0)};
  for (int64_t dt = 0; dt < d / 8; ++dt)
    init.push_back(k.zeros(accType));
  auto loop = scf::ForOp::create(b, loc, tBegin, tEnd, k.idx(1), init);
  b.setInsertionPointToStart(loop.getBody());
  Value tile = loop.getInductionVar();
  Value j0 = k.mul(tile, kTile);
  ValueRange it = loop.getRegionIterArgs();
  Value m[2] = {it[0], it[1]}, l[2] = {it[2], it[3]};
  SmallVector<Value> acc(it.begin() + 4, it.end());

  // K(tile) has landed (V(tile) may still be in flight).
  NVVM::CpAsyncWaitGroupOp::create(b, loc, 1);
  gpu::BarrierOp::create(b, loc);

  // S = Q K^T: 8 n-tiles of 8 keys. ldmatrix.x4 at (keys 8nt + lane%8 +
  // 8 * (matrix / 2), cols 16kk + 8 * (matrix % 2)) gives b01, b23 of
  // n-tile nt (matrices 0, 1) and of nt + 1 (matrices 2, 3).
  auto bType = VectorType::get({2, 2}, elt);
  auto ldType = VectorType::get({4, 2}, elt);
  Value matrix = k.div(lane, 8), mrow = k.rem(lane, 8);
  Value kRow = k.add(mrow, k.mul(k.div(matrix, 2), 8));
  Value kCol = k.mul(k.rem(matrix, 2), 8);
  Value kBase = k.add(k.mul(kRow, dPad), kCol);
  // Warps whose 16 rows are all padding (decode: G * Sq < 64) skip the
  // math of both stages; they still help with the copies and barriers.
  Value warpActive;
  if (c.warps > 1 && c.rows() % c.rowsPerCta() != 0)
    warpActive = k.ult(k.add(r0, k.mul(warp, 16)), c.rows());
  auto guarded = [&](TypeRange types, ValueRange otherwise,
                     llvm::function_ref<SmallVector<Value>()> body) {
    if (!warpActive)
      return body();
    // `body` may update the vectors `otherwise` points into.
    SmallVector<Value> other(otherwise.begin(), otherwise.end());
    auto ifOp = scf::IfOp::create(b, loc, types, warpActive,
                                  /*withElseRegion=*/true);
    OpBuilder::InsertionGuard g2(b);
    for (Block *blk : {ifOp.thenBlock(), ifOp.elseBlock()})
      if (!blk->empty())
        blk->getTerminator()->erase();
    b.setInsertionPointToStart(ifOp.thenBlock());
    scf::YieldOp::create(b, loc, body());
    b.setInsertionPointToStart(ifOp.elseBlock());
    scf::YieldOp::create(b, loc, other);
    return SmallVector<Value>(ifOp.getResults());
  };

  // Stage 1 (K tile): S, mask, online softmax, acc rescale, P fragments.
  // Yields m(2), l(2), acc(D/8), P(4).
  Value mNew[2], lNew[2];
  SmallVector<Value> pFrag;
  {
    SmallVector<Type> types(4, f32);
    SmallVector<Value> otherwise = {m[0], m[1], l[0], l[1]};
    for (Value a : acc) {
      types.push_back(accType);
      otherwise.push_back(a);
    }
    for (int64_t ks = 0; ks < kTile / 16; ++ks) {
      types.push_back(aType);
      otherwise.push_back(k.zeros(aType));
    }
    SmallVector<Value> out = guarded(types, otherwise, [&] {
      SmallVector<Value> s(kTile / 8, k.zeros(accType));
      for (int64_t kk = 0; kk < d / 16; ++kk) {
        Value qk = qFrag[kk];
        for (int64_t nt = 0; nt < kTile / 8; nt += 2) {
          Value ld = nvgpu::LdMatrixOp::create(
              b, loc, ldType, kSh,
              ValueRange{k.add(kBase, 8 * nt * dPad + 16 * kk)},
              /*transpose=*/false, /*numTiles=*/4);
          for (int64_t h = 0; h < 2; ++h) {
            Value frag = k.zeros(bType);
            frag = k.insert(k.extract(ld, {2 * h}), frag, {0});
            frag = k.insert(k.extract(ld, {2 * h + 1}), frag, {1});
            s[nt + h] = mma(k, qk, frag, s[nt + h]);
          }
        }
      }

      // Mask (causal diagonal, keys >= Skv): column of s[nt][r][e] is
      // j0 + 8nt + 2t + e. Only tiles reaching past the smallest limit of
      // the CTA's rows (the diagonal ones, the last one) need it.
      if (maskKeys) {
        Value needMask = k.ult(minLimit, k.add(j0, kTile - 1));
        SmallVector<Type> types(s.size(), accType);
        auto ifMask =
            scf::IfOp::create(b, loc, types, needMask, /*withElseRegion=*/true);
        OpBuilder::InsertionGuard g3(b);
        for (Block *blk : {ifMask.thenBlock(), ifMask.elseBlock()})
          if (!blk->empty())
            blk->getTerminator()->erase();
        b.setInsertionPointToStart(ifMask.elseBlock());
        scf::YieldOp::create(b, loc, s);
        b.setInsertionPointToStart(ifMask.thenBlock());
        SmallVector<Value> masked(s);
        for (int64_t nt = 0; nt < kTile / 8; ++nt)
          for (int64_t r = 0; r < 2; ++r)
            for (int64_t e = 0; e < 2; ++e) {
              Value j = k.add(k.add(j0, t2), 8 * nt + e);
              Value over = k.ult(rows[r].limit, j);
              Value v = k.select(over, negInf, k.extract(masked[nt], {r, e}));
              masked[nt] = k.insert(v, masked[nt], {r, e});
            }
        scf::YieldOp::create(b, loc, masked);
        s.assign(ifMask.getResults().begin(), ifMask.getResults().end());
      }

      // Online softmax per row r (g, g + 8).
      Value alpha[2], mc[2];
      for (int64_t r = 0; r < 2; ++r) {
        Value mx = m[r];
        for (int64_t nt = 0; nt < kTile / 8; ++nt)
          for (int64_t e = 0; e < 2; ++e)
            mx = k.fmax(mx, k.extract(s[nt], {r, e}));
        mNew[r] = k.quadReduce(mx, /*isMax=*/true);
        // A row with every key so far masked keeps m = -inf: use 0 as the
        // exponent base so that exp2 yields 0, not NaN.
        Value isInf = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ,
                                            mNew[r], negInf);
        Value mSafe = k.select(isInf, k.f32(0), mNew[r]);
        mc[r] = k.fmul(mSafe, scaleLog2);
        alpha[r] = k.exp2(k.fsub(k.fmul(m[r], scaleLog2), mc[r]));
      }
      Value negMc[2] = {arith::NegFOp::create(b, loc, mc[0]),
                        arith::NegFOp::create(b, loc, mc[1])};
      Value rowSum[2] = {k.f32(0), k.f32(0)};
      SmallVector<Value> p(kTile / 8);
      for (int64_t nt = 0; nt < kTile / 8; ++nt) {
        Value pv = k.zeros(accType);
        for (int64_t r = 0; r < 2; ++r)
          for (int64_t e = 0; e < 2; ++e) {
            Value x =
                k.exp2(k.fma(k.extract(s[nt], {r, e}), scaleLog2, negMc[r]));
            rowSum[r] = k.fadd(rowSum[r], x);
            pv = k.insert(x, pv, {r, e});
          }
        p[nt] = pv;
      }
      for (int64_t r = 0; r < 2; ++r)
        lNew[r] = k.fma(l[r], alpha[r], rowSum[r]);
      for (int64_t dt = 0; dt < d / 8; ++dt) {
        Value a = acc[dt];
        for (int64_t r = 0; r < 2; ++r)
          for (int64_t e = 0; e < 2; ++e)
            a = k.insert(k.fmul(k.extract(a, {r, e}), alpha[r]), a, {r, e});
        acc[dt] = a;
      }
      // P as A fragments of P V, k-step ks = keys 16ks..16ks+15: the C layout
      // of n-tiles 2ks (a01: row g, a23: row g+8) and 2ks+1 (a45, a67).
      SmallVector<Value> pFrag;
      for (int64_t ks = 0; ks < kTile / 16; ++ks) {
        Value frag = k.zeros(aType);
        for (int64_t r = 0; r < 4; ++r) {
          Value src = p[2 * ks + r / 2];
          Value pair = k.zeros(pairType);
          for (int64_t e = 0; e < 2; ++e)
            pair = k.insert(arith::TruncFOp::create(b, loc, elt,
                                                    k.extract(src, {r % 2, e})),
                            pair, {e});
          frag = k.insert(pair, frag, {r});
        }
        pFrag.push_back(frag);
      }
      SmallVector<Value> res = {mNew[0], mNew[1], lNew[0], lNew[1]};
      res.append(acc);
      res.append(pFrag);
      return res;
    });
    mNew[0] = out[0];
    mNew[1] = out[1];
    lNew[0] = out[2];
    lNew[1] = out[3];
    acc.assign(out.begin() + 4, out.begin() + 4 + d / 8);
    pFrag.assign(out.begin() + 4 + d / 8, out.end());
  }

  // Every warp is done with K(tile): fetch K(tile + 1) during P V.
  gpu::BarrierOp::create(b, loc);
  Value next = k.add(tile, 1);
  copyTile(kMem, kSh, next, k.ult(next, tEnd));
  NVVM::CpAsyncWaitGroupOp::create(b, loc, 1); // V(tile) has landed
  gpu::BarrierOp::create(b, loc);

  // O += P V. ldmatrix.x4.trans at (keys 16ks + lane%8 + 8 * (matrix % 2),
  // cols 8dt + 8 * (matrix / 2)): lane gets V[16ks + 8(i%2) + 2t..+1]
  // [8dt + 8(i/2) + g] from matrix i: b01, b23 of d-tile dt (matrices 0,
  // 1) and of dt + 1 (matrices 2, 3).
  Value vRow = k.add(mrow, k.mul(k.rem(matrix, 2), 8));
  Value vCol = k.mul(k.div(matrix, 2), 8);
  Value vBase = k.add(k.mul(vRow, dPad), vCol);
  {
    SmallVector<Type> types(acc.size(), accType);
    acc = guarded(types, acc, [&] {
      for (int64_t ks = 0; ks < kTile / 16; ++ks)
        for (int64_t dt = 0; dt < d / 8; dt += 2) {
          Value ld = nvgpu::LdMatrixOp::create(
              b, loc, ldType, vSh,
              ValueRange{k.add(vBase, 16 * ks * dPad + 8 * dt)},
              /*transpose=*/true, /*numTiles=*/4);
          for (int64_t h = 0; h < 2; ++h) {
            Value frag = k.zeros(bType);
            frag = k.insert(k.extract(ld, {2 * h}), frag, {0});
            frag = k.insert(k.extract(ld, {2 * h + 1}), frag, {1});
            acc[dt + h] = mma(k, pFrag[ks], frag, acc[dt + h]);
          }
        }
      return acc;
    });
  }
  gpu::BarrierOp::create(b, loc);
  copyTile(vMem, vSh, next, k.ult(next, tEnd));
  SmallVector<Value> yields = {mNew[0], mNew[1], lNew[0], lNew[1]};
  yields.append(acc);
  scf::YieldOp::create(b, loc, yields);

  b.setInsertionPointAfter(loop);
  NVVM::CpAsyncWaitGroupOp::create(b, loc, 0);
  ValueRange res = loop.getResults();
  for (int64_t r = 0; r < 2; ++r) {
    Value lRow = k.quadReduce(res[2 + r], /*isMax=*/false);
    Value positive = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT,
                                           lRow, k.f32(0));
    Value inv = k.select(
        positive, arith::DivFOp::create(b, loc, k.f32(1), lRow), k.f32(0));
    RowInfo &ri = rows[r];
    auto emit = [&](OpBuilder &) {
      for (int64_t dt = 0; dt < d / 8; ++dt) {
        Value col = k.add(t2, 8 * dt);
        Value a = res[4 + dt];
        if (!part) {
          Value pair = k.zeros(pairType);
          for (int64_t e = 0; e < 2; ++e)
            pair = k.insert(arith::TruncFOp::create(
                                b, loc, elt, k.fmul(k.extract(a, {r, e}), inv)),
                            pair, {e});
          vector::StoreOp::create(b, loc, pair, out,
                                  ValueRange{batch, ri.head, ri.i, col});
        } else {
          Value pair = k.zeros(VectorType::get({2}, f32));
          for (int64_t e = 0; e < 2; ++e)
            pair = k.insert(k.fmul(k.extract(a, {r, e}), inv), pair, {e});
          vector::StoreOp::create(b, loc, pair, part,
                                  ValueRange{split, batch, ri.head, ri.i, col});
        }
      }
      if (part) {
        // log2-sum-exp of the split's scores (in units of c * s).
        Value m = res[r];
        Value mSafe = k.select(
            arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, m, negInf),
            k.f32(0), m);
        Value lv = splitLse(k, k.fmul(mSafe, scaleLog2), lRow, negInf);
        Value first = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                            t2, k.idx(0));
        auto ifFirst = scf::IfOp::create(b, loc, first, /*withElse=*/false);
        OpBuilder::InsertionGuard g2(b);
        b.setInsertionPointToStart(ifFirst.thenBlock());
        memref::StoreOp::create(b, loc, lv, lse,
                                ValueRange{split, batch, ri.head, ri.i});
      }
    };
    if (ri.valid) {
      auto ifValid = scf::IfOp::create(b, loc, ri.valid, /*withElse=*/false);
      OpBuilder::InsertionGuard g2(b);
      b.setInsertionPointToStart(ifValid.thenBlock());
      emit(b);
    } else {
      emit(b);
    }
  }
  gpu::TerminatorOp::create(b, loc);
}

/// f32 Q/K/V without tensor cores (exact f32 FMA; tf32 would need an
/// opt-in). One CTA per (64 rows, kv head, batch) with 256 threads: a quad
/// of lanes per row, lane t of the quad owning columns t + 4u of D (u <
/// D/4), so the quad reads 4 consecutive words of a shared K/V row and all
/// quads of a warp read the same row (broadcast, no bank conflicts). K/V
/// tiles of 32 keys x D f32 via cp.async (K(t+1) in flight during P V,
/// V(t+1) during S of t+1, as in the mma kernel). Q is prescaled by
/// c = scale * log2(e), so scores are in log2 units: p = exp2(s - m).
static void buildFmaKernel(OpBuilder &b, Location loc, const Config &c, Value q,
                           Value kMem, Value vMem, Value out, Value part,
                           Value lse) {
  constexpr int64_t threads = 256, kvTile = 32;
  MLIRContext *ctx = b.getContext();
  KB k{b, loc};
  int64_t d = c.d, perLane = c.d / 4;
  auto wg = gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  auto tileType =
      MemRefType::get({kvTile * d}, b.getF32Type(), AffineMap(), wg);
  OpBuilder::InsertionGuard guard(b);
  auto [kSh, vSh, hk, batch, tid, rowTile, split] =
      openAttentionLaunch(k, c, threads, tileType);
  Value r0 = k.mul(rowTile, c.rowsPerCta());
  Value t = k.rem(tid, 4);
  RowInfo row = rowCoords(k, c, hk, k.add(r0, k.div(tid, 4)));

  Value scaleLog2 = k.f32(c.scale * M_LOG2E);
  SmallVector<Value> qv;
  for (int64_t u = 0; u < perLane; ++u)
    qv.push_back(k.fmul(
        memref::LoadOp::create(
            b, loc, q, ValueRange{batch, row.head, row.i, k.add(t, 4 * u)}),
        scaleLog2));

  auto [tBegin, tEnd] = kvRange(k, c, r0, split);

  // Chunk (tid + 256u) of a tile: 4 floats at row tid / (D/4) + u * 256 /
  // (D/4), column 4 * (tid % (D/4)).
  int64_t chunksPerRow = d / 4;
  Value copyRow = k.div(tid, chunksPerRow);
  Value copyCol = k.mul(k.rem(tid, chunksPerRow), 4);
  Value copyBase = k.add(k.mul(copyRow, d), copyCol);
  auto copyTile = [&](Value src, Value dst, Value tile, Value tileValid) {
    Value j0 = k.mul(tile, kvTile);
    for (int64_t u = 0; u < kvTile * chunksPerRow / threads; ++u) {
      int64_t rowStep = u * (threads / chunksPerRow);
      Value j = k.add(j0, k.add(copyRow, rowStep));
      Value ok = arith::AndIOp::create(b, loc, tileValid, k.ult(j, c.skv));
      Value jc = k.minU(j, c.skv - 1);
      Value n = k.select(ok, k.idx(4), k.idx(0));
      nvgpu::DeviceAsyncCopyOp::create(
          b, loc, dst, ValueRange{k.add(copyBase, rowStep * d)}, src,
          ValueRange{batch, hk, jc, copyCol}, b.getIndexAttr(4), n,
          /*bypassL1=*/b.getUnitAttr());
    }
    NVVM::CpAsyncCommitGroupOp::create(b, loc);
  };
  copyTile(kMem, kSh, tBegin, k.ult(tBegin, tEnd));
  copyTile(vMem, vSh, tBegin, k.ult(tBegin, tEnd));

  Value negInf = k.f32(-INFINITY);
  SmallVector<Value> init = {negInf, k.f32(0)};
  for (int64_t u = 0; u < perLane; ++u)
    init.push_back(k.f32(0));
  auto loop = scf::ForOp::create(b, loc, tBegin, tEnd, k.idx(1), init);
  b.setInsertionPointToStart(loop.getBody());
  Value tile = loop.getInductionVar();
  Value j0 = k.mul(tile, kvTile);
  ValueRange it = loop.getRegionIterArgs();
  Value m = it[0], l = it[1];
  SmallVector<Value> acc(it.begin() + 2, it.end());

  NVVM::CpAsyncWaitGroupOp::create(b, loc, 1); // K(tile)
  gpu::BarrierOp::create(b, loc);
  // s_j = sum over D of q * K[j]: this lane's columns, then the quad.
  SmallVector<Value> s;
  Value mx = m;
  for (int64_t j = 0; j < kvTile; ++j) {
    Value dot = k.f32(0);
    for (int64_t u = 0; u < perLane; ++u) {
      Value kv = memref::LoadOp::create(b, loc, kSh,
                                        ValueRange{k.add(t, j * d + 4 * u)});
      dot = k.fma(qv[u], kv, dot);
    }
    dot = k.quadReduce(dot, /*isMax=*/false);
    if (row.limit)
      dot = k.select(k.ult(row.limit, k.add(j0, j)), negInf, dot);
    s.push_back(dot);
    mx = k.fmax(mx, dot);
  }
  Value isInf =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, mx, negInf);
  Value mSafe = k.select(isInf, k.f32(0), mx);
  Value alpha = k.exp2(k.fsub(m, mSafe));
  Value sum = k.f32(0);
  for (Value &x : s) {
    x = k.exp2(k.fsub(x, mSafe));
    sum = k.fadd(sum, x);
  }
  Value lNew = k.fma(l, alpha, sum);

  gpu::BarrierOp::create(b, loc); // K(tile) consumed
  Value next = k.add(tile, 1);
  copyTile(kMem, kSh, next, k.ult(next, tEnd));
  NVVM::CpAsyncWaitGroupOp::create(b, loc, 1); // V(tile)
  gpu::BarrierOp::create(b, loc);
  for (int64_t u = 0; u < perLane; ++u) {
    Value a = k.fmul(acc[u], alpha);
    for (int64_t j = 0; j < kvTile; ++j) {
      Value vv = memref::LoadOp::create(b, loc, vSh,
                                        ValueRange{k.add(t, j * d + 4 * u)});
      a = k.fma(s[j], vv, a);
    }
    acc[u] = a;
  }
  gpu::BarrierOp::create(b, loc); // V(tile) consumed
  copyTile(vMem, vSh, next, k.ult(next, tEnd));
  SmallVector<Value> yields = {mx, lNew};
  yields.append(acc);
  scf::YieldOp::create(b, loc, yields);

  b.setInsertionPointAfter(loop);
  NVVM::CpAsyncWaitGroupOp::create(b, loc, 0);
  ValueRange res = loop.getResults();
  Value lRow = res[1];
  Value positive =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, lRow, k.f32(0));
  Value inv = k.select(positive, arith::DivFOp::create(b, loc, k.f32(1), lRow),
                       k.f32(0));
  auto emit = [&]() {
    for (int64_t u = 0; u < perLane; ++u) {
      Value o = k.fmul(res[2 + u], inv);
      Value col = k.add(t, 4 * u);
      if (part)
        memref::StoreOp::create(b, loc, o, part,
                                ValueRange{split, batch, row.head, row.i, col});
      else
        memref::StoreOp::create(b, loc, o, out,
                                ValueRange{batch, row.head, row.i, col});
    }
    if (part) {
      Value mm = res[0];
      Value mSafe = k.select(
          arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, mm, negInf),
          k.f32(0), mm);
      Value lv = splitLse(k, mSafe, lRow, negInf);
      Value first =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, t, k.idx(0));
      auto ifFirst = scf::IfOp::create(b, loc, first, /*withElse=*/false);
      OpBuilder::InsertionGuard g2(b);
      b.setInsertionPointToStart(ifFirst.thenBlock());
      memref::StoreOp::create(b, loc, lv, lse,
                              ValueRange{split, batch, row.head, row.i});
    }
  };
  if (row.valid) {
    auto ifValid = scf::IfOp::create(b, loc, row.valid, /*withElse=*/false);
    OpBuilder::InsertionGuard g2(b);
    b.setInsertionPointToStart(ifValid.thenBlock());
    emit();
  } else {
    emit();
  }
  gpu::TerminatorOp::create(b, loc);
}

/// out[b,h,i,:] = sum_s w_s part[s,b,h,i,:] / sum_s w_s with
/// w_s = exp2(lse_s - max_s lse_s). One CTA per (i, h, b), one thread per
/// column of D.
static void buildMergeKernel(OpBuilder &b, Location loc, const Config &c,
                             Value part, Value lse, Value out) {
  KB k{b, loc};
  auto launch =
      gpu::LaunchOp::create(b, loc, k.idx(c.sq), k.idx(c.hq), k.idx(c.batch),
                            k.idx(c.d), k.idx(1), k.idx(1));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&launch.getBody().front());
  Value i = launch.getBlockIds().x, h = launch.getBlockIds().y,
        batch = launch.getBlockIds().z, col = launch.getThreadIds().x;
  Value negInf = k.f32(-INFINITY);
  Value mx = negInf;
  SmallVector<Value> l;
  for (int64_t s = 0; s < c.splits; ++s) {
    l.push_back(
        memref::LoadOp::create(b, loc, lse, ValueRange{k.idx(s), batch, h, i}));
    mx = k.fmax(mx, l.back());
  }
  Value isInf =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, mx, negInf);
  Value base = k.select(isInf, k.f32(0), mx);
  Value num = k.f32(0), den = k.f32(0);
  for (int64_t s = 0; s < c.splits; ++s) {
    Value w = k.exp2(k.fsub(l[s], base));
    Value x = memref::LoadOp::create(b, loc, part,
                                     ValueRange{k.idx(s), batch, h, i, col});
    num = k.fma(w, x, num);
    den = k.fadd(den, w);
  }
  Value positive =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, den, k.f32(0));
  Value o =
      k.select(positive, arith::DivFOp::create(b, loc, num, den), k.f32(0));
  if (c.elt != o.getType())
    o = arith::TruncFOp::create(b, loc, c.elt, o);
  memref::StoreOp::create(b, loc, o, out, ValueRange{batch, h, i, col});
  gpu::TerminatorOp::create(b, loc);
}

struct FlashAttentionPass
    : PassWrapper<FlashAttentionPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(FlashAttentionPass)
  FlashAttentionPass() = default;
  FlashAttentionPass(const FlashAttentionPass &other) : PassWrapper(other) {}
  StringRef getArgument() const override { return "seq-gpu-flash-attention"; }
  StringRef getDescription() const override {
    return "Build fused flash-attention kernels (mma.sync, online softmax, "
           "causal tile skipping, split-K) for seq-gpu-mark-attention's "
           "marker calls";
  }
  Option<int64_t> splitsOpt{
      *this, "splits",
      llvm::cl::desc("KV splits per row tile (0 = chosen from the shape)"),
      llvm::cl::init(0)};
  Option<int64_t> warpsOpt{
      *this, "warps",
      llvm::cl::desc("warps per CTA of the f16/bf16 kernel, 16 rows each: 1, "
                     "2, 4 or 8 (0 = chosen from the shape)"),
      llvm::cl::init(0)};
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<gpu::GPUDialect, nvgpu::NVGPUDialect, NVVM::NVVMDialect,
                    LLVM::LLVMDialect, vector::VectorDialect, scf::SCFDialect,
                    arith::ArithDialect, math::MathDialect,
                    memref::MemRefDialect>();
  }

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

/// Shared-memory buffers of outlined kernels are aligned to their element
/// type only; cp.async (16 bytes) and ldmatrix need 16-byte aligned rows.
struct AlignWorkgroupPass
    : PassWrapper<AlignWorkgroupPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(AlignWorkgroupPass)
  StringRef getArgument() const override { return "seq-gpu-align-workgroup"; }
  StringRef getDescription() const override {
    return "Align gpu.func workgroup attributions to 16 bytes";
  }
  void runOnOperation() override {
    Builder b(&getContext());
    getOperation().walk([&](gpu::GPUFuncOp fn) {
      for (unsigned i = 0, e = fn.getNumWorkgroupAttributions(); i < e; ++i)
        if (!fn.getWorkgroupAttributionAttr(
                i, LLVM::LLVMDialect::getAlignAttrName()))
          fn.setWorkgroupAttributionAttr(i,
                                         LLVM::LLVMDialect::getAlignAttrName(),
                                         b.getI64IntegerAttr(16));
    });
  }
};

} // namespace

std::unique_ptr<Pass> createAlignWorkgroupPass() {
  return std::make_unique<AlignWorkgroupPass>();
}
std::unique_ptr<Pass> createMarkAttentionPass() {
  return std::make_unique<MarkAttentionPass>();
}
std::unique_ptr<Pass> createFlashAttentionPass() {
  return std::make_unique<FlashAttentionPass>();
}

} // namespace seqc
