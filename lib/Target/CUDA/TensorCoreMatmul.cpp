//===- TensorCoreMatmul.cpp - f16 matmuls on tensor cores (mma.sync) ------===//
//
// `seq-gpu-tensor-core-matmul` runs on bufferized linalg, before the generic
// loop mapping. A matmul (linalg.matmul or seq-to-linalg's
// (parallel, reduction, parallel) generic: C[m,n] += A[m,k] * B[k,n]) on
// f16 memrefs with static M % 16 == 0, N % 8 == 0, K % 16 == 0 becomes a
// gpu.launch with one warp per 16x8 tile of C issuing
// nvgpu.mma.sync m16n8k16 (PTX mma.sync.aligned.m16n8k16.row.col.f32.f16)
// with f32 accumulation; C's initial value is added, the sum rounded to f16
// once at the end. Fragments are loaded straight from global memory (no
// shared-memory staging yet). Other matmuls keep the generic mapping.
//
// With allow-tf32 (seqc --allow-tf32), f32 matmuls with K % 8 == 0 use
// mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32: A and B rounded to
// tf32 (10-bit mantissa) by cvt.rna.tf32.f32 (nvvm.convert.float.to.tf32),
// f32 accumulation. Without it f32 keeps the exact generic kernels.
//
// Fragment layouts (PTX ISA, mma.m16n8k16 .f16), g = lane / 4, t = lane % 4:
//   A (vector<4x2xf16>): row r: rows g, g+8, g, g+8; cols 2t, 2t, 2t+8,
//   2t+8 (+0/+1 within the row of the vector);
//   B (vector<2x2xf16>): k = 2t (+0/+1) and 2t+8 (+0/+1), n = g;
//   C (vector<2x2xf32>): rows g, g+8; cols 2t (+0/+1).
//
// Fragment layouts (PTX ISA, "Matrix Fragments for mma.m16n8k8", .tf32), one
// element per 32-bit register:
//   A (a0..a3): rows g (a0, a2), g+8 (a1, a3); cols t (a0, a1), t+4 (a2, a3);
//   B (b0, b1): k = t (b0), t+4 (b1); n = g;
//   C/D (c0..c3, f32): rows g (c0, c1), g+8 (c2, c3); cols 2t + (i & 1)
//   (the same as m16n8k16's, so the vector<2x2xf32> accumulator is shared).
//
//===----------------------------------------------------------------------===//

#include "../Contraction.h"
#include "MmaFragments.h"
#include "seqc/Target/CUDA.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/Pass/Pass.h"

using namespace mlir;

namespace seqc {
#define GEN_PASS_DECL_SEQGPUTENSORCOREMATMUL
#define GEN_PASS_DEF_SEQGPUTENSORCOREMATMUL
#include "seqc/Target/CUDAPasses.h.inc"

namespace {

struct MatmulOperands {
  Value a, b, c;
};

/// C[m,n] += A[m,k] * B[k,n] on static f16 memrefs with tensor-core-sized
/// dimensions, as a linalg.matmul or the equivalent generic.
static std::optional<MatmulOperands> matchMatmul(linalg::LinalgOp op,
                                                 bool allowTf32) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1)
    return std::nullopt;
  Value a = op.getDpsInputs()[0], b = op.getDpsInputs()[1];
  Value c = op.getDpsInits()[0];
  auto ta = dyn_cast<MemRefType>(a.getType());
  auto tb = dyn_cast<MemRefType>(b.getType());
  auto tc = dyn_cast<MemRefType>(c.getType());
  if (!ta || !tb || !tc || ta.getRank() != 2 || tb.getRank() != 2 ||
      tc.getRank() != 2 || !ta.hasStaticShape() || !tb.hasStaticShape() ||
      !tc.hasStaticShape())
    return std::nullopt;
  Type elt = ta.getElementType();
  bool tf32 = allowTf32 && elt.isF32();
  if ((!isa<Float16Type, BFloat16Type>(elt) && !tf32) ||
      tb.getElementType() != elt || tc.getElementType() != elt)
    return std::nullopt;
  int64_t m = ta.getDimSize(0), k = ta.getDimSize(1), n = tb.getDimSize(1);
  if (tb.getDimSize(0) != k || tc.getDimSize(0) != m || tc.getDimSize(1) != n ||
      m % 16 || n % 8 || k % (tf32 ? 8 : 16))
    return std::nullopt;

  if (isa<linalg::MatmulOp>(op)) {
    // Transposed / broadcast variants carry their own maps.
    if (op.hasUserDefinedMaps())
      return std::nullopt;
  } else {
    // The generic: maps (m,k,n) -> (m,k), (k,n), (m,n) in any loop order,
    // body c + a * b.
    auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
    std::optional<linalg::ContractionDimensions> dims =
        generic ? target::matchMulAddContraction(generic) : std::nullopt;
    if (!dims || generic.getNumLoops() != 3 || dims->m.size() != 1 ||
        dims->n.size() != 1 || !dims->batch.empty())
      return std::nullopt;
    MLIRContext *ctx = op->getContext();
    auto dim = [&](unsigned d) { return getAffineDimExpr(d, ctx); };
    auto map = [&](unsigned x, unsigned y) {
      return AffineMap::get(3, 0, {dim(x), dim(y)}, ctx);
    };
    unsigned dm = dims->m[0], dn = dims->n[0], dk = dims->k[0];
    SmallVector<AffineMap> maps = generic.getIndexingMapsArray();
    if (maps[0] != map(dm, dk) || maps[1] != map(dk, dn) ||
        maps[2] != map(dm, dn))
      return std::nullopt;
  }
  return MatmulOperands{a, b, c};
}

static void buildKernel(OpBuilder &b, Location loc, MatmulOperands ops) {
  auto ta = cast<MemRefType>(ops.a.getType());
  auto tb = cast<MemRefType>(ops.b.getType());
  int64_t m = ta.getDimSize(0), k = ta.getDimSize(1), n = tb.getDimSize(1);
  auto cst = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  Value one = cst(1);
  auto launch = gpu::LaunchOp::create(b, loc, cst(n / 8), cst(m / 16), one,
                                      cst(32), one, one);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&launch.getBody().front());
  Type f16 = ta.getElementType(), f32 = b.getF32Type(); // f16, bf16 or f32
  bool tf32 = f16.isF32();
  Value lane = launch.getThreadIds().x;
  Value g = arith::DivUIOp::create(b, loc, lane, cst(4));
  Value t = arith::RemUIOp::create(b, loc, lane, cst(4));
  Value t2 = arith::MulIOp::create(b, loc, t, cst(2));
  Value row0 = arith::AddIOp::create(
      b, loc, arith::MulIOp::create(b, loc, launch.getBlockIds().y, cst(16)),
      g);
  Value row1 = arith::AddIOp::create(b, loc, row0, cst(8));
  Value colBase = arith::MulIOp::create(b, loc, launch.getBlockIds().x, cst(8));
  Value col = arith::AddIOp::create(b, loc, colBase, t2);
  Value col1 = arith::AddIOp::create(b, loc, col, cst(1));
  Value bCol = arith::AddIOp::create(b, loc, colBase, g);

  auto add = [&](Value x, int64_t v) -> Value {
    return arith::AddIOp::create(b, loc, x, cst(v));
  };
  auto load = [&](Value mem, Value i, Value j) -> Value {
    return memref::LoadOp::create(b, loc, mem, ValueRange{i, j});
  };
  // acc = C's tile in f32.
  auto accType = VectorType::get({2, 2}, f32);
  Value acc = arith::ConstantOp::create(
      b, loc, accType, DenseElementsAttr::get(accType, b.getF32FloatAttr(0)));
  Value cRows[2] = {row0, row1}, cCols[2] = {col, col1};
  for (int64_t r = 0; r < 2; ++r)
    for (int64_t c = 0; c < 2; ++c) {
      Value v = load(ops.c, cRows[r], cCols[c]);
      if (!tf32)
        v = arith::ExtFOp::create(b, loc, f32, v);
      acc = vector::InsertOp::create(b, loc, v, acc, ArrayRef<int64_t>{r, c});
    }

  auto loop = scf::ForOp::create(b, loc, cst(0), cst(k), cst(tf32 ? 8 : 16),
                                 ValueRange{acc});
  b.setInsertionPointToStart(loop.getBody());
  Value kk = loop.getInductionVar();
  if (tf32) {
    Value kt = arith::AddIOp::create(b, loc, kk, t); // t + kk
    Value aElts[4] = {load(ops.a, row0, kt), load(ops.a, row1, kt),
                      load(ops.a, row0, add(kt, 4)),
                      load(ops.a, row1, add(kt, 4))};
    Value bElts[2] = {load(ops.b, kt, bCol), load(ops.b, add(kt, 4), bCol)};
    scf::YieldOp::create(
        b, loc,
        mma::tf32Step(b, loc, aElts, bElts, loop.getRegionIterArgs()[0]));
  } else {
    Value kA = arith::AddIOp::create(b, loc, kk, t2); // 2t + kk
    auto aType = VectorType::get({4, 2}, f16);
    auto bType = VectorType::get({2, 2}, f16);
    Value fragA = arith::ConstantOp::create(
        b, loc, aType, DenseElementsAttr::get(aType, b.getFloatAttr(f16, 0)));
    Value aRows[4] = {row0, row1, row0, row1};
    int64_t aColOff[4] = {0, 0, 8, 8};
    for (int64_t r = 0; r < 4; ++r)
      for (int64_t e = 0; e < 2; ++e)
        fragA = vector::InsertOp::create(
            b, loc, load(ops.a, aRows[r], add(kA, aColOff[r] + e)), fragA,
            ArrayRef<int64_t>{r, e});
    Value fragB = arith::ConstantOp::create(
        b, loc, bType, DenseElementsAttr::get(bType, b.getFloatAttr(f16, 0)));
    for (int64_t r = 0; r < 2; ++r)
      for (int64_t e = 0; e < 2; ++e)
        fragB = vector::InsertOp::create(b, loc,
                                         load(ops.b, add(kA, 8 * r + e), bCol),
                                         fragB, ArrayRef<int64_t>{r, e});
    scf::YieldOp::create(
        b, loc, mma::mma16(b, loc, fragA, fragB, loop.getRegionIterArgs()[0]));
  }

  b.setInsertionPointAfter(loop);
  for (int64_t r = 0; r < 2; ++r)
    for (int64_t c = 0; c < 2; ++c) {
      Value v = vector::ExtractOp::create(b, loc, loop.getResult(0),
                                          ArrayRef<int64_t>{r, c});
      if (!tf32)
        v = arith::TruncFOp::create(b, loc, f16, v);
      memref::StoreOp::create(b, loc, v, ops.c, ValueRange{cRows[r], cCols[c]});
    }
  gpu::TerminatorOp::create(b, loc);
}

struct TensorCoreMatmulPass
    : impl::SeqGpuTensorCoreMatmulBase<TensorCoreMatmulPass> {
  void runOnOperation() override {
    SmallVector<std::pair<linalg::LinalgOp, MatmulOperands>> matches;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (auto m = matchMatmul(op, allowTf32))
        matches.push_back({op, *m});
    });
    for (auto &[op, operands] : matches) {
      OpBuilder b(op);
      buildKernel(b, op.getLoc(), operands);
      op->erase();
    }
  }
};

} // namespace

std::unique_ptr<Pass> createTensorCoreMatmulPass() {
  return std::make_unique<TensorCoreMatmulPass>();
}

} // namespace seqc
