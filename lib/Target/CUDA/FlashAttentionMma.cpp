//===- FlashAttentionMma.cpp - the f16/bf16 mma.sync kernel ---------------===//
//
// Part of the CUDA target's fused attention; FlashAttention.cpp has the
// design.
//
//===----------------------------------------------------------------------===//

#include "FlashAttention.h"
#include "MmaFragments.h"

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

// Fragment layouts (PTX ISA "mma.m16n8k16" for .f16/.bf16, f32 accumulators;
// g = lane / 4, t = lane % 4; each "register" holds 2 consecutive elements):
//   A (16x16, row): a01 = (row g,   k 2t..2t+1)   a23 = (row g+8, k 2t..)
//                   a45 = (row g,   k 2t+8..)     a67 = (row g+8, k 2t+8..)
//   B (16x8,  col): b01 = (k 2t..2t+1, col g)     b23 = (k 2t+8.., col g)
//   C (16x8):       c01 = (row g, col 2t..2t+1)   c23 = (row g+8, col 2t..)
// ldmatrix.m8n8.x4 (b16): lanes 8i..8i+7 give the row addresses of matrix
// i; each lane receives, per matrix i, register i = (row g, cols 2t..2t+1)
// of that matrix, or with .trans (rows 2t, 2t+1; col g).

/// D = A * B + C for one m16n8k16 tile (A vector<4x2xelt>, B
/// vector<2x2xelt>, C vector<2x2xf32>). f16 through nvgpu.mma.sync; bf16
/// (no nvgpu lowering) through nvvm.mma.sync on i32-packed registers.
static Value mma(KB &k, Value a, Value b, Value c) {
  return mma::mma16(k.b, k.loc, a, b, c);
}

/// The fused kernel. `out` is the attention result (splits == 1) or, with
/// splits > 1, `part` [splits,B,Hq,Sq,D] f32 and `lse` [splits,B,Hq,Sq] f32.
void buildFlashKernel(OpBuilder &b, Location loc, const Config &c, Value q,
                      Value kMem, Value vMem, Value out, Value part,
                      Value lse) {
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
  // Named copies: lambdas cannot capture structured bindings in C++17.
  CtaFrame frame = openAttentionLaunch(k, c, threads, tileType);
  Value kSh = frame.kSh, vSh = frame.vSh, hk = frame.hk, batch = frame.batch,
        tid = frame.tid, rowTile = frame.rowTile, split = frame.split;
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

  Value tBegin, tEnd;
  std::tie(tBegin, tEnd) = kvRange(k, c, r0, split);

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

} // namespace seqc::flash
