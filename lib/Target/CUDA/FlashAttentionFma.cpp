//===- FlashAttentionFma.cpp - f32 FMA and split-K merge kernels ----------===//
//
// Part of the CUDA target's fused attention; FlashAttention.cpp has the
// design.
//
//===----------------------------------------------------------------------===//

#include "FlashAttention.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Builders.h"
#include <cmath>

using namespace mlir;

namespace seqc::flash {

/// f32 Q/K/V without tensor cores (exact f32 FMA; tf32 would need an
/// opt-in). One CTA per (64 rows, kv head, batch) with 256 threads: a quad
/// of lanes per row, lane t of the quad owning columns t + 4u of D (u <
/// D/4), so the quad reads 4 consecutive words of a shared K/V row and all
/// quads of a warp read the same row (broadcast, no bank conflicts). K/V
/// tiles of 32 keys x D f32 via cp.async (K(t+1) in flight during P V,
/// V(t+1) during S of t+1, as in the mma kernel). Q is prescaled by
/// c = scale * log2(e), so scores are in log2 units: p = exp2(s - m).
void buildFmaKernel(OpBuilder &b, Location loc, const Config &c, Value q,
                    Value kMem, Value vMem, Value out, Value part, Value lse) {
  constexpr int64_t threads = 256, kvTile = 32;
  MLIRContext *ctx = b.getContext();
  KB k{b, loc};
  int64_t d = c.d, perLane = c.d / 4;
  auto wg = gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  auto tileType =
      MemRefType::get({kvTile * d}, b.getF32Type(), AffineMap(), wg);
  OpBuilder::InsertionGuard guard(b);
  // Named copies: lambdas cannot capture structured bindings in C++17.
  CtaFrame frame = openAttentionLaunch(k, c, threads, tileType);
  Value kSh = frame.kSh, vSh = frame.vSh, hk = frame.hk, batch = frame.batch,
        tid = frame.tid, rowTile = frame.rowTile, split = frame.split;
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

  Value tBegin, tEnd;
  std::tie(tBegin, tEnd) = kvRange(k, c, r0, split);

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
void buildMergeKernel(OpBuilder &b, Location loc, const Config &c, Value part,
                      Value lse, Value out) {
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

} // namespace seqc::flash
