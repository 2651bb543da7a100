//===- QuantMatMul.cpp - weight-only int4/int8 matmul kernels (CUDA) ------===//
//
// seq.quant_matmul (f32 activations x [M, K], weight [N, G, group*bits/8]
// bytes in MatMulNBits' layout, per-block scales and optional zero points;
// docs/quantization.md) on the CUDA target. The weight stays packed in
// device memory and is dequantized in registers; no f32 copy of it exists.
//
// `seq-gpu-mark-quant-matmul` (on tensors, in gpuSeqPipeline) replaces each
// op by a marker call on buffers (x viewed as [M, K], out [M, N] f32), as
// seq-gpu-mark-norms does; `seq-gpu-quant-matmul` (after bufferization)
// builds one of two kernels per call:
//
// GEMV (M <= gemv-rows, default 8: decode), bandwidth-bound, no tensor
// cores: a group of `lanes` lanes per output column n (32, a whole warp, once
// a column holds 512 bytes; fewer for short rows so no lane idles), 4 warps
// per CTA, up to 8 rows per CTA (grid.y tiles larger M). Each lane streams
// `chunk` consecutive bytes of column n's packed row per step (16 bytes, one
// vector load, when a block holds a multiple of 16; coalesced across the
// group), unpacks nibbles (low first), subtracts the block's zero point and
// accumulates (q - z) * x[m, k] in f32 per row; the block's scale multiplies
// that partial sum once. Xor shuffles within the group reduce each row's
// sum; its first lane writes out[m, n].
//
// MMA (larger M): mma.sync.m16n8k8 .tf32 with f32 accumulation, one warp
// per 8 columns and up to 4 m16 tiles (64 rows), 4 warps per CTA. Lane
// (g = lane / 4, t = lane % 4) loads the step's 8 weights of column n = g
// as one 4-byte (int4) or 8-byte (int8) word and dequantizes its two B
// elements (k = t, t + 4) to (q - z), an integer of at most 9 bits that
// tf32 holds exactly, reused by every m16 tile; A elements are rounded to
// tf32 (cvt.rna, as --allow-tf32). Each quantization block accumulates into
// a fresh fragment that is then scaled per column (the C fragment's columns
// 2t, 2t + 1) into the running sum, so the weight never passes through a
// rounded (q - z) * s. Fragment layouts: MmaFragments.h.
//
// Ragged shapes: rows past M and columns past N are clamped on load and not
// stored; k past K (K % group != 0: the padding of the last block) gets a
// zero activation.
//
//===----------------------------------------------------------------------===//

#include "KernelBuilder.h"
#include "MarkerCall.h"
#include "MmaFragments.h"

#include "seq/IR/SeqOps.h"
#include "seq/IR/SeqQuantOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

namespace seqc {
#define GEN_PASS_DECL_SEQGPUQUANTMATMUL
#define GEN_PASS_DEF_SEQGPUMARKQUANTMATMUL
#define GEN_PASS_DEF_SEQGPUQUANTMATMUL
#include "seqc/Target/CUDAPasses.h.inc"

namespace {

constexpr StringLiteral kQuantMarker = "seq.gpu_quant_matmul";
constexpr int64_t kWarps = 4;        // warps per CTA (both kernels)
constexpr int64_t kGemvTileRows = 8; // rows per GEMV CTA
constexpr int64_t kMmaTiles = 4;     // m16 tiles per MMA warp

//===----------------------------------------------------------------------===//
// seq-gpu-mark-quant-matmul
//===----------------------------------------------------------------------===//

static bool isStatic(Value v) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  return t && t.hasStaticShape();
}

struct MarkQuantMatMulPass
    : impl::SeqGpuMarkQuantMatMulBase<MarkQuantMatMulPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<seq::QuantMatMulOp> ops;
    module.walk([&](seq::QuantMatMulOp op) { ops.push_back(op); });
    unsigned counter = 0;
    for (seq::QuantMatMulOp op : ops) {
      Location loc = op.getLoc();
      for (Value v : {op.getInput(), op.getWeight(), op.getScales(),
                      op.getZeroPoints(), op.getResult()})
        if (v && !isStatic(v)) {
          op.emitError("seq.quant_matmul: --target=cuda needs static shapes "
                       "(bind symbolic dims with --dim), got ")
              << v.getType();
          return signalPassFailure();
        }
      auto xType = cast<RankedTensorType>(op.getInput().getType());
      auto resType = cast<RankedTensorType>(op.getResult().getType());
      int64_t k = op.getK(), n = op.getN();
      int64_t rows = 1; // [..., M, K] -> [rows, K]
      for (int64_t d = 0; d + 1 < xType.getRank(); ++d)
        rows *= xType.getDimSize(d);
      Type f32 = Float32Type::get(op.getContext());
      auto xRows = RankedTensorType::get({rows, k}, f32);
      auto outRows = RankedTensorType::get({rows, n}, f32);
      auto bufferOf = [](RankedTensorType t) {
        return MemRefType::get(t.getShape(), t.getElementType());
      };

      OpBuilder b(op);
      // seq.reshape keeps the row-major layout: views after bufferization.
      auto view = [&](Value v, RankedTensorType to) -> Value {
        if (v.getType() == to)
          return v;
        return seq::ReshapeOp::create(b, loc, to, v);
      };
      SmallVector<Value> args;
      SmallVector<Type> argTypes;
      auto addArg = [&](Value v) {
        auto t = cast<RankedTensorType>(v.getType());
        args.push_back(bufferization::ToBufferOp::create(b, loc, bufferOf(t), v,
                                                         /*read_only=*/true));
        argTypes.push_back(bufferOf(t));
      };
      addArg(view(op.getInput(), xRows));
      addArg(op.getWeight());
      addArg(op.getScales());
      if (op.getZeroPoints())
        addArg(op.getZeroPoints());
      Value out = memref::AllocOp::create(b, loc, bufferOf(outRows));
      args.push_back(out);
      argTypes.push_back(out.getType());

      func::FuncOp decl = declareMarker(module, loc, "seqc_quant_matmul_",
                                        kQuantMarker, argTypes, counter);

      auto call = func::CallOp::create(b, loc, decl, args);
      NamedAttrList attrs;
      attrs.append("bits", b.getI64IntegerAttr(op.getBits()));
      attrs.append("group", b.getI64IntegerAttr(op.getGroup()));
      if (op.getZeroPoints())
        attrs.append("zero_points", b.getUnitAttr());
      call->setAttr(kQuantMarker, attrs.getDictionary(b.getContext()));
      Value res = bufferization::ToTensorOp::create(
          b, loc, outRows, out, /*restrict=*/true, /*writable=*/true);
      op.getResult().replaceAllUsesWith(view(res, resType));
      op->erase();
    }
  }
};

//===----------------------------------------------------------------------===//
// seq-gpu-quant-matmul: kernel construction
//===----------------------------------------------------------------------===//

/// One marker call's operands and sizes.
struct QuantCall {
  Value x, w, s, zp, out; // zp null when symmetric
  int64_t m, k, n, bits, group, blocks, blockBytes;
};

/// Index/integer/float helpers of both kernels on top of KernelBuilder.
struct QuantBuilder : KernelBuilder {
  const QuantCall &q;
  QuantBuilder(OpBuilder &b, Location loc, const QuantCall &q)
      : KernelBuilder{b, loc}, q(q) {}

  Value load(Value mem, ValueRange idx) {
    return memref::LoadOp::create(b, loc, mem, idx);
  }
  Value toI32(Value byte) {
    return arith::ExtUIOp::create(b, loc, b.getI32Type(), byte);
  }
  Value andI(Value x, int64_t m) {
    return arith::AndIOp::create(b, loc, x, i32(m));
  }
  Value shrI(Value x, Value s) { return arith::ShRUIOp::create(b, loc, x, s); }
  Value toF32(Value i) {
    return arith::UIToFPOp::create(b, loc, b.getF32Type(), i);
  }
  Value scale(Value n, Value blk) {
    Value v = load(q.s, {n, blk});
    if (!v.getType().isF32())
      v = arith::ExtFOp::create(b, loc, b.getF32Type(), v);
    return v;
  }
  /// The block's zero point as f32 (2^(bits-1) when symmetric).
  Value zero(Value n, Value blk) {
    if (!q.zp)
      return f32(double(int64_t(1) << (q.bits - 1)));
    return toF32(toI32(load(q.zp, {n, blk})));
  }
  /// k past K (the last block's padding): a zero activation, read at K - 1.
  bool kTail() const { return q.k < q.blocks * q.group; }
  Value loadX(Value row, Value kIdx) {
    if (!kTail())
      return load(q.x, {row, kIdx});
    Value v = load(q.x, {row, minU(kIdx, q.k - 1)});
    return select(ult(kIdx, q.k), v, f32(0));
  }
  Value eq(Value x, int64_t v) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, x, idx(v));
  }
  /// scf.if `cond` { then() } (no results); the builder continues after it.
  void ifThen(Value cond, function_ref<void()> then) {
    auto op = scf::IfOp::create(b, loc, cond, /*withElse=*/false);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(op.thenBlock());
    then();
  }
};

/// Creates the launch and positions `b` inside it (before its terminator).
static gpu::LaunchOp createLaunch(QuantBuilder &k, int64_t gx, int64_t gy,
                                  int64_t threads) {
  auto launch =
      gpu::LaunchOp::create(k.b, k.loc, k.idx(gx), k.idx(gy), k.idx(1),
                            k.idx(threads), k.idx(1), k.idx(1));
  k.b.setInsertionPointToStart(&launch.getBody().front());
  gpu::TerminatorOp::create(k.b, k.loc);
  k.b.setInsertionPointToStart(&launch.getBody().front());
  return launch;
}

static int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

static void buildGemv(QuantBuilder &k) {
  const QuantCall &q = k.q;
  OpBuilder &b = k.b;
  Location loc = k.loc;
  int64_t mr = std::min(q.m, kGemvTileRows);
  int64_t chunk = 16; // bytes per lane and step; blockBytes >= 8 (verifier)
  while (q.blockBytes % chunk)
    chunk /= 2;
  int64_t perByte = q.bits == 4 ? 2 : 1;
  int64_t rowBytes = q.blocks * q.blockBytes;
  // Short rows (small K) share a warp: `lanes` lanes per column, a power
  // of two, so that every lane has bytes to read.
  int64_t lanes = 1;
  while (lanes < 32 && lanes * chunk < rowBytes)
    lanes *= 2;
  int64_t colsPerCta = kWarps * (32 / lanes);
  int64_t stepBytes = lanes * chunk;
  auto launch =
      createLaunch(k, ceilDiv(q.n, colsPerCta), ceilDiv(q.m, mr), 32 * kWarps);
  Value tid = launch.getThreadIds().x;
  Value sub = k.rem(tid, lanes);
  Value col =
      k.add(k.mul(launch.getBlockIds().x, colsPerCta), k.div(tid, lanes));
  Value row0 = k.mul(launch.getBlockIds().y, mr);
  // Columns past N read column N - 1 and store nothing: every lane of a warp
  // must reach the shuffles.
  Value colIn = q.n % colsPerCta ? k.minU(col, q.n - 1) : col;
  SmallVector<Value> rows;
  for (int64_t r = 0; r < mr; ++r) {
    Value row = k.add(row0, r);
    rows.push_back(q.m % mr ? k.minU(row, q.m - 1) : row);
  }
  Type f32 = b.getF32Type();
  SmallVector<Value> init(mr, k.f32(0));
  auto loop = scf::ForOp::create(
      b, loc, k.idx(0), k.idx(ceilDiv(rowBytes, stepBytes)), k.idx(1), init);
  {
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(loop.getBody());
    ValueRange acc = loop.getRegionIterArgs();
    Value j = k.mul(k.add(k.mul(loop.getInductionVar(), lanes), sub), chunk);
    auto step = [&]() -> SmallVector<Value> {
      Value blk = k.div(j, q.blockBytes), off = k.rem(j, q.blockBytes);
      auto vecType = VectorType::get({chunk}, b.getI8Type());
      Value bytes = vector::LoadOp::create(
          b, loc, vecType, q.w, ValueRange{colIn, blk, off},
          /*nontemporal=*/false, llvm::MaybeAlign(chunk));
      Value s = k.scale(colIn, blk), z = k.zero(colIn, blk);
      Value k0 = k.add(k.mul(blk, q.group), k.mul(off, perByte));
      SmallVector<Value> partial(mr, k.f32(0));
      for (int64_t e = 0; e < chunk; ++e) {
        Value v = k.toI32(k.extract(bytes, {e}));
        for (int64_t h = 0; h < perByte; ++h) {
          Value qv = q.bits == 8 ? v
                     : h == 0    ? k.andI(v, 15)
                                 : k.shrI(v, k.i32(4));
          Value wq = k.fsub(k.toF32(qv), z);
          Value kk = k.add(k0, e * perByte + h);
          for (int64_t r = 0; r < mr; ++r)
            partial[r] = k.fma(wq, k.loadX(rows[r], kk), partial[r]);
        }
      }
      SmallVector<Value> next;
      for (int64_t r = 0; r < mr; ++r)
        next.push_back(k.fma(partial[r], s, acc[r]));
      return next;
    };
    SmallVector<Value> next;
    if (rowBytes % stepBytes == 0) {
      next = step();
    } else { // the last step's lanes past the row keep their sums
      auto in = scf::IfOp::create(b, loc, SmallVector<Type>(mr, f32),
                                  k.ult(j, rowBytes), /*withElse=*/true);
      for (Block *blk : {in.thenBlock(), in.elseBlock()})
        if (!blk->empty())
          blk->getTerminator()->erase();
      b.setInsertionPointToStart(in.thenBlock());
      scf::YieldOp::create(b, loc, step());
      b.setInsertionPointToStart(in.elseBlock());
      scf::YieldOp::create(b, loc, acc);
      b.setInsertionPointAfter(in);
      next = in.getResults();
    }
    scf::YieldOp::create(b, loc, next);
  }
  SmallVector<int64_t> offsets;
  for (int64_t o = lanes / 2; o >= 1; o /= 2)
    offsets.push_back(o);
  SmallVector<Value> sums;
  for (int64_t r = 0; r < mr; ++r)
    sums.push_back(k.xorReduce(loop.getResult(r), false, offsets));
  Value first = k.eq(sub, 0);
  if (q.n % colsPerCta)
    first = arith::AndIOp::create(b, loc, first, k.ult(col, q.n));
  k.ifThen(first, [&] {
    for (int64_t r = 0; r < mr; ++r) {
      Value row = k.add(row0, r);
      auto store = [&] {
        memref::StoreOp::create(b, loc, sums[r], q.out, ValueRange{row, col});
      };
      if (q.m % mr)
        k.ifThen(k.ult(row, q.m), store);
      else
        store();
    }
  });
}

static void buildMma(QuantBuilder &k) {
  const QuantCall &q = k.q;
  OpBuilder &b = k.b;
  Location loc = k.loc;
  int64_t tiles = std::min(kMmaTiles, ceilDiv(q.m, 16));
  int64_t ctaRows = 16 * tiles;
  int64_t nTiles = ceilDiv(q.n, 8);
  auto launch = createLaunch(k, ceilDiv(nTiles, kWarps), ceilDiv(q.m, ctaRows),
                             32 * kWarps);
  Value tid = launch.getThreadIds().x;
  Value lane = k.rem(tid, 32), warp = k.div(tid, 32);
  Value tileN = k.add(k.mul(launch.getBlockIds().x, kWarps), warp);
  if (nTiles % kWarps) { // whole warps past N
    auto in =
        scf::IfOp::create(b, loc, k.ult(tileN, nTiles), /*withElse=*/false);
    b.setInsertionPointToStart(in.thenBlock());
  }
  Value n0 = k.mul(tileN, 8);
  Value g = k.div(lane, 4), t = k.rem(lane, 4);
  auto clampN = [&](Value c) { return q.n % 8 ? k.minU(c, q.n - 1) : c; };
  Value bCol = clampN(k.add(n0, g));
  Value cCol[2] = {k.add(n0, k.mul(t, 2)), k.add(k.add(n0, k.mul(t, 2)), 1)};
  Value rowBase = k.mul(launch.getBlockIds().y, ctaRows);
  bool raggedRows = q.m % ctaRows != 0;
  // A rows g and g + 8 of each m16 tile (clamped for loads).
  SmallVector<std::array<Value, 2>> aRows;
  for (int64_t i = 0; i < tiles; ++i) {
    Value r0 = k.add(rowBase, k.add(g, 16 * i));
    Value r1 = k.add(r0, 8);
    if (raggedRows) {
      r0 = k.minU(r0, q.m - 1);
      r1 = k.minU(r1, q.m - 1);
    }
    aRows.push_back({r0, r1});
  }
  auto fragType = VectorType::get({2, 2}, b.getF32Type());
  SmallVector<Value> zeros(tiles, k.zeros(fragType));
  auto blockLoop =
      scf::ForOp::create(b, loc, k.idx(0), k.idx(q.blocks), k.idx(1), zeros);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(blockLoop.getBody());
    Value blk = blockLoop.getInductionVar();
    Value z = k.zero(bCol, blk);
    auto kLoop = scf::ForOp::create(b, loc, k.idx(0), k.idx(q.group / 8),
                                    k.idx(1), zeros);
    {
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPointToStart(kLoop.getBody());
      Value kin0 = k.add(k.mul(kLoop.getInductionVar(), 8), t);
      // The step's 8 elements of column bCol in one load (4 bytes of int4,
      // 8 of int8, aligned: blocks hold a multiple of 8 bytes) as 32-bit
      // little-endian words: element j at bits 4j (int4) or word j / 4,
      // bits 8 (j % 4) (int8). The lane takes j = t and t + 4.
      int64_t stepBytes = q.bits; // 8 elements * bits / 8
      auto vecType = VectorType::get({stepBytes}, b.getI8Type());
      Value bytes = vector::LoadOp::create(
          b, loc, vecType, q.w,
          ValueRange{bCol, blk, k.mul(kLoop.getInductionVar(), stepBytes)},
          /*nontemporal=*/false, llvm::MaybeAlign(stepBytes));
      Value words = vector::BitCastOp::create(
          b, loc, VectorType::get({stepBytes / 4}, b.getI32Type()), bytes);
      Value t32 = arith::IndexCastOp::create(b, loc, b.getI32Type(), t);
      auto bElt = [&](int64_t j0) { // (q - z) of element t + j0
        Value word = k.extract(words, {q.bits == 4 ? 0 : j0 / 4});
        Value shift = arith::MulIOp::create(b, loc, t32, k.i32(q.bits));
        if (q.bits == 4 && j0)
          shift = arith::AddIOp::create(b, loc, shift, k.i32(4 * j0));
        Value v = k.andI(k.shrI(word, shift), (1 << q.bits) - 1);
        return k.fsub(k.toF32(v), z);
      };
      Value bRegs[2] = {bElt(0), bElt(4)};
      Value kg0 = k.add(k.mul(blk, q.group), kin0);
      Value kg1 = k.add(kg0, 4);
      SmallVector<Value> next;
      for (int64_t i = 0; i < tiles; ++i) {
        Value aElts[4] = {k.loadX(aRows[i][0], kg0), k.loadX(aRows[i][1], kg0),
                          k.loadX(aRows[i][0], kg1), k.loadX(aRows[i][1], kg1)};
        next.push_back(
            mma::tf32Step(b, loc, aElts, bRegs, kLoop.getRegionIterArgs()[i]));
      }
      scf::YieldOp::create(b, loc, next);
    }
    // Scale the block's integer-weight sums per column into the totals.
    Value s[2] = {k.scale(clampN(cCol[0]), blk), k.scale(clampN(cCol[1]), blk)};
    SmallVector<Value> next;
    for (int64_t i = 0; i < tiles; ++i) {
      Value acc = blockLoop.getRegionIterArgs()[i];
      for (int64_t r = 0; r < 2; ++r)
        for (int64_t c = 0; c < 2; ++c)
          acc = k.insert(k.fma(k.extract(kLoop.getResult(i), {r, c}), s[c],
                               k.extract(acc, {r, c})),
                         acc, {r, c});
      next.push_back(acc);
    }
    scf::YieldOp::create(b, loc, next);
  }
  for (int64_t i = 0; i < tiles; ++i)
    for (int64_t r = 0; r < 2; ++r)
      for (int64_t c = 0; c < 2; ++c) {
        Value row = k.add(rowBase, k.add(g, 16 * i + 8 * r));
        Value v = k.extract(blockLoop.getResult(i), {r, c});
        auto store = [&] {
          memref::StoreOp::create(b, loc, v, q.out, ValueRange{row, cCol[c]});
        };
        Value ok;
        if (raggedRows)
          ok = k.ult(row, q.m);
        if (q.n % 8) {
          Value inN = k.ult(cCol[c], q.n);
          ok = ok ? arith::AndIOp::create(b, loc, ok, inN).getResult() : inN;
        }
        if (ok)
          k.ifThen(ok, store);
        else
          store();
      }
}

static LogicalResult buildQuantKernel(func::CallOp call, int64_t gemvRows) {
  auto attrs = call->getAttrOfType<DictionaryAttr>(kQuantMarker);
  auto bitsAttr = attrs ? attrs.getAs<IntegerAttr>("bits") : IntegerAttr();
  auto groupAttr = attrs ? attrs.getAs<IntegerAttr>("group") : IntegerAttr();
  bool hasZp = attrs && attrs.contains("zero_points");
  if (!bitsAttr || !groupAttr || call.getNumOperands() != (hasZp ? 5u : 4u))
    return call.emitError("malformed quantized-matmul marker call");
  QuantCall q;
  q.x = call.getOperand(0);
  q.w = call.getOperand(1);
  q.s = call.getOperand(2);
  q.zp = hasZp ? call.getOperand(3) : Value();
  q.out = call.getOperands().back();
  q.bits = bitsAttr.getInt();
  q.group = groupAttr.getInt();
  auto xt = dyn_cast<MemRefType>(q.x.getType());
  auto wt = dyn_cast<MemRefType>(q.w.getType());
  auto ot = dyn_cast<MemRefType>(q.out.getType());
  if (!xt || !wt || !ot || xt.getRank() != 2 || wt.getRank() != 3 ||
      ot.getRank() != 2 || !xt.hasStaticShape() || !wt.hasStaticShape() ||
      !ot.hasStaticShape() || !wt.getElementType().isInteger(8) ||
      (q.bits != 4 && q.bits != 8) || q.group < 16 || q.group % 16)
    return call.emitError("quantized matmul: unexpected operands ")
           << call.getOperandTypes();
  q.m = xt.getDimSize(0);
  q.k = xt.getDimSize(1);
  q.n = wt.getDimSize(0);
  q.blocks = wt.getDimSize(1);
  q.blockBytes = wt.getDimSize(2);
  if (q.blockBytes * 8 != q.group * q.bits || ot.getDimSize(0) != q.m ||
      ot.getDimSize(1) != q.n || q.blocks * q.group < q.k)
    return call.emitError("quantized matmul: inconsistent shapes ")
           << call.getOperandTypes();
  OpBuilder b(call);
  if (q.m > 0 && q.n > 0 && q.k > 0) {
    QuantBuilder k(b, call.getLoc(), q);
    OpBuilder::InsertionGuard g(b);
    if (q.m <= gemvRows)
      buildGemv(k);
    else
      buildMma(k);
  } else if (q.m > 0 && q.n > 0) { // K = 0: zeros
    linalg::FillOp::create(b, call.getLoc(),
                           ValueRange{arith::ConstantOp::create(
                               b, call.getLoc(), b.getF32FloatAttr(0))},
                           ValueRange{q.out});
  }
  call.erase();
  return success();
}

struct QuantMatMulPass : impl::SeqGpuQuantMatMulBase<QuantMatMulPass> {
  using SeqGpuQuantMatMulBase::SeqGpuQuantMatMulBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::CallOp> calls;
    module.walk([&](func::CallOp call) {
      if (call->hasAttr(kQuantMarker))
        calls.push_back(call);
    });
    for (func::CallOp call : calls)
      if (failed(buildQuantKernel(call, gemvRows)))
        return signalPassFailure();
    for (func::FuncOp fn :
         llvm::make_early_inc_range(module.getOps<func::FuncOp>()))
      if (fn->hasAttr(kQuantMarker) && fn.isPrivate() &&
          fn.symbolKnownUseEmpty(module))
        fn.erase();
  }
};

} // namespace

} // namespace seqc
