//===- LowerToUkernels.cpp - f32 contractions -> seqc_uk_sgemm ------------===//
//
// IREE-style microkernels: instead of relying on LLVM to vectorize the loop
// nest of a contraction, call a hand-blocked runtime kernel. The compiled
// code only computes sizes, strides and base pointers from the memref
// descriptors; packing, cache blocking, threading and ISA dispatch happen at
// run time (lib/Runtime/ukernels/sgemm.c), so one artifact runs well on
// AVX2 and AVX-512 hosts alike.
//
//===----------------------------------------------------------------------===//

#include "seqc/Target/CPUPasses.h"

#include "../Contraction.h"
#include "GemmEpilogue.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Matchers.h"

#include <cstdlib>

using namespace mlir;

namespace seqc {
#define GEN_PASS_DEF_SEQLOWERTOUKERNELS
#include "seqc/Target/CPUPasses.h.inc"

namespace {

constexpr StringLiteral kSgemm = "seqc_uk_sgemm";
constexpr StringLiteral kSgemmEp = "seqc_uk_sgemm_ep";
constexpr int kMaxBatch = 3;

/// Loop roles of a contraction generic: where each loop dim appears in each
/// operand (-1 = absent).
struct Contraction {
  int64_t m = -1, n = -1, k = -1;
  SmallVector<int64_t> batch;
  // pos[operand][loop] = result position of `loop` in that operand's map.
  SmallVector<SmallVector<int64_t>> pos;
};

/// An f32 contraction on memrefs (target::matchMulAddContraction) whose
/// operands index each loop at most once and broadcast only size-1 dims.
static std::optional<Contraction> matchContraction(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics())
    return std::nullopt;
  std::optional<linalg::ContractionDimensions> dims =
      target::matchMulAddContraction(op);
  if (!dims)
    return std::nullopt;
  for (Value v : op->getOperands()) {
    auto t = dyn_cast<MemRefType>(v.getType());
    if (!t || !t.getElementType().isF32())
      return std::nullopt;
  }
  unsigned loops = op.getNumLoops();
  Contraction c;
  c.pos.assign(3, SmallVector<int64_t>(loops, -1));
  for (auto [i, map] : llvm::enumerate(op.getIndexingMapsArray())) {
    for (auto [r, e] : llvm::enumerate(map.getResults())) {
      if (auto d = dyn_cast<AffineDimExpr>(e)) {
        if (c.pos[i][d.getPosition()] != -1)
          return std::nullopt; // a loop indexing two dims (diagonal)
        c.pos[i][d.getPosition()] = r;
        continue;
      }
      auto cst = dyn_cast<AffineConstantExpr>(e);
      if (!cst || cst.getValue() != 0) // broadcast of a size-1 dim only
        return std::nullopt;
    }
  }
  c.k = dims->k.front();
  c.batch.assign(dims->batch.begin(), dims->batch.end());
  // Every parallel loop indexes C; one indexing C alone is a batch loop
  // with stride 0 in A and B.
  auto iters = op.getIteratorTypesArray();
  for (unsigned l = 0; l < loops; ++l) {
    if (iters[l] != utils::IteratorType::parallel)
      continue;
    if (c.pos[2][l] < 0)
      return std::nullopt;
    if (c.pos[0][l] < 0 && c.pos[1][l] < 0)
      c.batch.push_back(l);
  }
  SmallVector<int64_t> ms(dims->m.begin(), dims->m.end()),
      ns(dims->n.begin(), dims->n.end());
  // The innermost (in C's layout) m/n-only loops are m and n; other ones
  // (e.g. a batch dim of A multiplied by a shared 2-D B) are batch loops
  // where the other operand has stride 0.
  auto byCPos = [&](int64_t x, int64_t y) { return c.pos[2][x] < c.pos[2][y]; };
  llvm::sort(ms, byCPos);
  llvm::sort(ns, byCPos);
  c.m = ms.pop_back_val();
  c.n = ns.pop_back_val();
  c.batch.append(ms.begin(), ms.end());
  c.batch.append(ns.begin(), ns.end());
  llvm::sort(c.batch, byCPos);
  return c;
}

/// Base pointer (as i64), sizes and strides of a memref operand.
struct Operand {
  Value ptr;
  SmallVector<Value> sizes, strides;
};

static Operand describe(OpBuilder &b, Location loc, Value memref) {
  auto md = memref::ExtractStridedMetadataOp::create(b, loc, memref);
  Value base = memref::ExtractAlignedPointerAsIndexOp::create(
      b, loc, md.getBaseBuffer());
  Value eltBytes = arith::ConstantIndexOp::create(b, loc, 4);
  Value off = arith::MulIOp::create(b, loc, md.getOffset(), eltBytes);
  Value addr = arith::AddIOp::create(b, loc, base, off);
  Operand o;
  o.ptr = arith::IndexCastOp::create(b, loc, b.getI64Type(), addr);
  auto toI64 = [&](Value v) {
    return arith::IndexCastOp::create(b, loc, b.getI64Type(), v).getResult();
  };
  for (Value v : md.getSizes())
    o.sizes.push_back(toI64(v));
  for (Value v : md.getStrides())
    o.strides.push_back(toI64(v));
  return o;
}

static func::FuncOp declareSgemm(ModuleOp module, StringRef name = kSgemm,
                                 unsigned numArgs = 25) {
  if (auto f = module.lookupSymbol<func::FuncOp>(name))
    return f;
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  SmallVector<Type> args(numArgs, b.getI64Type());
  auto f = func::FuncOp::create(b, module.getLoc(), name,
                                b.getFunctionType(args, {}));
  f.setPrivate();
  return f;
}

/// True if `v` is (a view of) a constant memref.global: its address and
/// contents are fixed, so the runtime may cache its packed form.
static bool isConstantGlobal(Value v, ModuleOp module) {
  while (Operation *def = v.getDefiningOp()) {
    if (auto get = dyn_cast<memref::GetGlobalOp>(def)) {
      auto global = module.lookupSymbol<memref::GlobalOp>(get.getNameAttr());
      return global && global.getConstant();
    }
    auto view = dyn_cast<ViewLikeOpInterface>(def);
    if (!view)
      return false;
    v = view.getViewSource();
  }
  return false;
}

/// Strides of `o` over C's dims (`dims`: see target::GemmEpilogue).
static SmallVector<Value> stridesOverC(const Operand &o, ArrayRef<int64_t> dims,
                                       Value zero) {
  SmallVector<Value> s;
  for (int64_t d : dims)
    s.push_back(d < 0 ? zero : o.strides[d]);
  return s;
}

/// Calls seqc_uk_sgemm_ep with `args` and a stack descriptor of `ep`'s
/// activation and terms (scoped: the call may sit in a loop).
static void callWithEpilogue(OpBuilder &b, Location loc, ModuleOp module,
                             SmallVector<Value> args,
                             const target::GemmEpilogue &ep,
                             ArrayRef<int64_t> cLoops, Value zero) {
  auto scope = memref::AllocaScopeOp::create(b, loc, TypeRange{});
  OpBuilder::InsertionGuard guard(b);
  b.createBlock(&scope.getBodyRegion());
  Value desc = memref::AllocaOp::create(
      b, loc, MemRefType::get({3 + 6 * 3}, b.getI64Type()));
  int64_t slot = 0;
  auto store = [&](Value v) {
    memref::StoreOp::create(
        b, loc, v, desc,
        arith::ConstantIndexOp::create(b, loc, slot++).getResult());
  };
  auto cst = [&](int64_t v) {
    return arith::ConstantIntOp::create(b, loc, v, 64).getResult();
  };
  store(cst(ep.descriptorWord()));
  store(cst(ep.terms.size()));
  store(cst(ep.npre));
  for (auto [t, dims] : llvm::zip(ep.terms, ep.termDims)) {
    Operand o = describe(b, loc, t);
    SmallVector<Value> s = stridesOverC(o, dims, zero);
    store(o.ptr);
    // cLoops: C dim of each batch loop (-1: unused), then of m and n.
    for (int64_t d : cLoops)
      store(d < 0 ? zero : s[d]);
  }
  Value base = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, desc);
  args.push_back(
      arith::IndexCastOp::create(b, loc, b.getI64Type(), base).getResult());
  func::CallOp::create(b, loc, declareSgemm(module, kSgemmEp, 26), args);
  memref::AllocaScopeReturnOp::create(b, loc);
}

static LogicalResult lower(linalg::GenericOp op, const Contraction &c,
                           func::FuncOp callee, bool epilogues) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  Value out = op.getDpsInitOperand(0)->get();
  linalg::FillOp fill = target::findZeroFill(op);
  bool overwrite = fill != nullptr;
  // An elementwise consumer becomes the call's epilogue; the call then
  // runs where the consumer was and writes the consumer's output.
  std::optional<target::GemmEpilogue> ep;
  if (overwrite && epilogues)
    ep = target::matchGemmEpilogue(op);
  if (ep)
    b.setInsertionPoint(ep->consumer);
  SmallVector<Operand> ops;
  for (Value v : op->getOperands())
    ops.push_back(describe(b, loc, v));
  if (ep) {
    Operand y = describe(b, loc, ep->out);
    ops[2].ptr = y.ptr;
    ops[2].strides = stridesOverC(y, ep->outDims,
                                  arith::ConstantIntOp::create(b, loc, 0, 64));
  }
  int64_t flagBits =
      overwrite && !(ep && ep->accumulate) ? 0 : 1; // SEQC_UK_ACCUMULATE
  if (isConstantGlobal(op.getDpsInputOperand(1)->get(),
                       op->getParentOfType<ModuleOp>()))
    flagBits |= 2; // SEQC_UK_B_CONST
  Value flags = arith::ConstantIntOp::create(b, loc, flagBits, 64);
  Value zero = arith::ConstantIntOp::create(b, loc, 0, 64);
  Value one = arith::ConstantIntOp::create(b, loc, 1, 64);
  // Extent of loop `l`: the size of an operand dim it indexes.
  auto extent = [&](int64_t l) {
    for (int i : {2, 0, 1})
      if (c.pos[i][l] >= 0)
        return ops[i].sizes[c.pos[i][l]];
    llvm_unreachable("every loop indexes some operand");
  };
  auto stride = [&](int i, int64_t l) {
    return c.pos[i][l] >= 0 ? ops[i].strides[c.pos[i][l]] : zero;
  };
  // Batch loops of static extent 1 carry nothing; at most kMaxBatch remain.
  SmallVector<int64_t> batch;
  ArrayRef<int64_t> outShape = cast<MemRefType>(out.getType()).getShape();
  for (int64_t l : c.batch)
    if (outShape[c.pos[2][l]] != 1)
      batch.push_back(l);
  if (batch.size() > kMaxBatch)
    return failure();
  SmallVector<Value> args{flags};
  for (int i = 0; i < kMaxBatch; ++i)
    args.push_back(i < (int)batch.size() ? extent(batch[i]) : one);
  args.append({extent(c.m), extent(c.n), extent(c.k)});
  int64_t rowLoop[3] = {c.m, c.k, c.m}, colLoop[3] = {c.k, c.n, c.n};
  for (int i = 0; i < 3; ++i) {
    args.push_back(ops[i].ptr);
    for (int j = 0; j < kMaxBatch; ++j)
      args.push_back(j < (int)batch.size() ? stride(i, batch[j]) : zero);
    args.push_back(stride(i, rowLoop[i]));
    args.push_back(stride(i, colLoop[i]));
  }
  if (ep) {
    SmallVector<int64_t> cLoops;
    for (int j = 0; j < kMaxBatch; ++j)
      cLoops.push_back(j < (int)batch.size() ? c.pos[2][batch[j]] : -1);
    cLoops.append({c.pos[2][c.m], c.pos[2][c.n]});
    callWithEpilogue(b, loc, op->getParentOfType<ModuleOp>(), args, *ep, cLoops,
                     zero);
    ep->consumer->erase();
  } else {
    func::CallOp::create(b, loc, callee, args);
  }
  if (fill)
    fill->erase();
  op->erase();
  return success();
}

struct LowerToUkernelsPass : impl::SeqLowerToUkernelsBase<LowerToUkernelsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    // Named contractions (matmul, batch_matmul, matmul_transpose_b, ...)
    // take the same path as Einsum generics.
    SmallVector<linalg::LinalgOp> named;
    module.walk([&](linalg::LinalgOp op) {
      if (!isa<linalg::GenericOp>(op) &&
          isa<linalg::ContractionOpInterface>(op.getOperation()) &&
          op.hasPureBufferSemantics())
        named.push_back(op);
    });
    IRRewriter rw(&getContext());
    for (linalg::LinalgOp op : named) {
      rw.setInsertionPoint(op);
      (void)linalg::generalizeNamedOp(rw, op);
    }
    SmallVector<std::pair<linalg::GenericOp, Contraction>> work;
    module.walk([&](linalg::GenericOp op) {
      if (auto c = matchContraction(op))
        work.emplace_back(op, *c);
    });
    if (work.empty())
      return;
    func::FuncOp callee = declareSgemm(module);
    // $SEQC_GEMM_EPILOGUES=0 turns fusion off (before/after benchmarks).
    const char *env = std::getenv("SEQC_GEMM_EPILOGUES");
    bool fuse = epilogues && !(env && StringRef(env) == "0");
    for (auto &[op, c] : work)
      (void)lower(op, c, callee, fuse);
  }
};

} // namespace
} // namespace seqc
