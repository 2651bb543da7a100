//===- OutlineParallel.cpp - scf.parallel -> seqc_parallel_for ------------===//
//
// Multi-threading with seqc's own runtime pool rather than MLIR's
// scf->OpenMP lowering: the artifact then needs nothing beyond libc (no
// libomp at run time), and the matmul micro-kernels share the same pool, so
// two runtimes never spin against each other on a small machine.
//
// An outermost scf.parallel with bounds (lb_i, ub_i, step_i), trip counts
// T_i and N = prod T_i becomes
//
//   ctx = {captured values...}            // llvm.alloca'ed struct
//   seqc_parallel_for(N, @body, &ctx)
//
//   func @body(ctx, begin, end):          // linear iterations [begin, end)
//     for r in [begin / T_last, ceil(end / T_last)):   // rows
//       (c_0..c_{n-2}) = delinearize(r)
//       for j in [max(begin - r*T_last, 0), min(end - r*T_last, T_last)):
//         <body with iv_i = lb_i + c_i * step_i, iv_last = lb + j * step>
//
// so the innermost dimension stays one contiguous loop (vectorizable) while
// any dimension can carry the parallelism.
//
//===----------------------------------------------------------------------===//

#include "seqc/Target/CPUPasses.h"

#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/RegionUtils.h"

using namespace mlir;

namespace seqc {
#define GEN_PASS_DEF_SEQOUTLINEPARALLEL
#include "seqc/Target/CPUPasses.h.inc"

namespace {

constexpr StringLiteral kParallelFor = "seqc_parallel_for";

static std::optional<int64_t> staticTrip(Value lb, Value ub, Value step) {
  auto l = getConstantIntValue(lb), u = getConstantIntValue(ub),
       s = getConstantIntValue(step);
  if (!l || !u || !s || *s <= 0)
    return std::nullopt;
  return *u > *l ? (*u - *l + *s - 1) / *s : 0;
}

/// Estimated iterations of everything nested in `block` (dynamic loops
/// count as large).
static int64_t innerWork(Block &block) {
  int64_t best = 1;
  for (Operation &op : block) {
    int64_t w = 1;
    for (Region &r : op.getRegions())
      for (Block &b : r)
        w = std::max(w, innerWork(b));
    if (auto f = dyn_cast<scf::ForOp>(op)) {
      auto t = staticTrip(f.getLowerBound(), f.getUpperBound(), f.getStep());
      w = t ? w * *t : int64_t(1) << 20;
    } else if (auto p = dyn_cast<scf::ParallelOp>(op)) {
      for (auto [l, u, s] :
           llvm::zip(p.getLowerBound(), p.getUpperBound(), p.getStep())) {
        auto t = staticTrip(l, u, s);
        w = t ? w * *t : int64_t(1) << 20;
      }
    }
    best = std::max(best, std::min(w, int64_t(1) << 40));
  }
  return best;
}

static bool isConstantLike(Value v) {
  Operation *def = v.getDefiningOp();
  return def && def->hasTrait<OpTrait::ConstantLike>() &&
         def->getNumOperands() == 0 && def->getNumRegions() == 0;
}

struct Outliner {
  ModuleOp module;
  LLVMTypeConverter converter;
  func::FuncOp parallelFor;
  unsigned counter = 0;

  explicit Outliner(ModuleOp m) : module(m), converter(m.getContext()) {}

  func::FuncOp bodyType(OpBuilder &b, StringRef name) {
    MLIRContext *ctx = module.getContext();
    auto ptr = LLVM::LLVMPointerType::get(ctx);
    auto fty = b.getFunctionType({ptr, b.getI64Type(), b.getI64Type()}, {});
    return func::FuncOp::create(b, module.getLoc(), name, fty);
  }

  func::FuncOp declareParallelFor() {
    if (parallelFor)
      return parallelFor;
    if ((parallelFor = module.lookupSymbol<func::FuncOp>(kParallelFor)))
      return parallelFor;
    MLIRContext *ctx = module.getContext();
    OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
    auto ptr = LLVM::LLVMPointerType::get(ctx);
    auto bodyTy = b.getFunctionType({ptr, b.getI64Type(), b.getI64Type()}, {});
    parallelFor = func::FuncOp::create(
        b, module.getLoc(), kParallelFor,
        b.getFunctionType({b.getI64Type(), bodyTy, ptr}, {}));
    parallelFor.setPrivate();
    return parallelFor;
  }

  LogicalResult outline(scf::ParallelOp par, func::FuncOp parent);
};

LogicalResult Outliner::outline(scf::ParallelOp par, func::FuncOp parent) {
  MLIRContext *ctx = module.getContext();
  Location loc = par.getLoc();
  unsigned rank = par.getNumLoops();
  OpBuilder b(par);
  Type i64 = b.getI64Type(), idx = b.getIndexType();

  // Trip counts in the caller; captured like any other value.
  SmallVector<Value> trips;
  Value total = arith::ConstantIndexOp::create(b, loc, 1);
  for (unsigned i = 0; i < rank; ++i) {
    Value lb = par.getLowerBound()[i], ub = par.getUpperBound()[i],
          st = par.getStep()[i];
    if (auto t = staticTrip(lb, ub, st)) { // a constant: cloned, not passed
      trips.push_back(arith::ConstantIndexOp::create(b, loc, *t));
      total = arith::MulIOp::create(b, loc, total, trips.back());
      continue;
    }
    Value span = arith::SubIOp::create(b, loc, ub, lb);
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    span = arith::MaxSIOp::create(b, loc, span, zero);
    Value t = arith::CeilDivSIOp::create(b, loc, span, st);
    trips.push_back(t);
    total = arith::MulIOp::create(b, loc, total, t);
  }

  // Values the outlined body needs: body captures, bounds, trip counts.
  llvm::SetVector<Value> captured;
  getUsedValuesDefinedAbove(par.getRegion(), captured);
  for (unsigned i = 0; i < rank; ++i) {
    captured.insert(par.getLowerBound()[i]);
    captured.insert(par.getStep()[i]);
    captured.insert(trips[i]);
  }
  SmallVector<Value> passed, cloned;
  SmallVector<Type> fieldTypes;
  for (Value v : captured) {
    if (isConstantLike(v)) {
      cloned.push_back(v);
      continue;
    }
    Type t = converter.convertType(v.getType());
    if (!t) // e.g. a memref without a strided layout: stay serial
      return failure();
    passed.push_back(v);
    fieldTypes.push_back(t);
  }
  auto ptrTy = LLVM::LLVMPointerType::get(ctx);
  auto structTy = LLVM::LLVMStructType::getLiteral(ctx, fieldTypes);

  // The outlined function.
  std::string name = (parent.getSymName() + "_par" + Twine(counter++)).str();
  OpBuilder mb = OpBuilder::atBlockEnd(module.getBody());
  func::FuncOp fn = bodyType(mb, name);
  fn.setPrivate();
  Block *entry = fn.addEntryBlock();
  OpBuilder fb = OpBuilder::atBlockBegin(entry);
  IRMapping map;
  for (Value v : cloned)
    map.map(v, fb.clone(*v.getDefiningOp())->getResult(0));
  if (!passed.empty()) {
    Value s = LLVM::LoadOp::create(fb, loc, structTy, entry->getArgument(0));
    for (auto [i, v] : llvm::enumerate(passed)) {
      Value f = LLVM::ExtractValueOp::create(fb, loc, s, i);
      map.map(v,
              f.getType() == v.getType()
                  ? f
                  : UnrealizedConversionCastOp::create(fb, loc, v.getType(), f)
                        .getResult(0));
    }
  }
  Value begin = arith::IndexCastOp::create(fb, loc, idx, entry->getArgument(1));
  Value end = arith::IndexCastOp::create(fb, loc, idx, entry->getArgument(2));
  Value c0 = arith::ConstantIndexOp::create(fb, loc, 0);
  Value c1 = arith::ConstantIndexOp::create(fb, loc, 1);
  Value tLast = map.lookup(trips[rank - 1]);
  Value rowBegin = arith::DivUIOp::create(fb, loc, begin, tLast);
  Value rowEnd = arith::CeilDivUIOp::create(fb, loc, end, tLast);
  auto rows = scf::ForOp::create(fb, loc, rowBegin, rowEnd, c1);
  fb.setInsertionPointToStart(rows.getBody());
  Value r = rows.getInductionVar();
  SmallVector<Value> ivs(rank);
  Value rest = r;
  for (int i = (int)rank - 2; i >= 0; --i) {
    Value t = map.lookup(trips[i]);
    Value c = i == 0 ? rest : arith::RemUIOp::create(fb, loc, rest, t);
    if (i > 0)
      rest = arith::DivUIOp::create(fb, loc, rest, t);
    Value off = arith::MulIOp::create(fb, loc, c, map.lookup(par.getStep()[i]));
    ivs[i] =
        arith::AddIOp::create(fb, loc, map.lookup(par.getLowerBound()[i]), off);
  }
  Value rowStart = arith::MulIOp::create(fb, loc, r, tLast);
  Value lo = arith::MaxSIOp::create(
      fb, loc, arith::SubIOp::create(fb, loc, begin, rowStart), c0);
  Value hi = arith::MinSIOp::create(
      fb, loc, arith::SubIOp::create(fb, loc, end, rowStart), tLast);
  auto inner = scf::ForOp::create(fb, loc, lo, hi, c1);
  fb.setInsertionPointToStart(inner.getBody());
  Value off = arith::MulIOp::create(fb, loc, inner.getInductionVar(),
                                    map.lookup(par.getStep()[rank - 1]));
  ivs[rank - 1] = arith::AddIOp::create(
      fb, loc, map.lookup(par.getLowerBound()[rank - 1]), off);
  Block &body = par.getRegion().front();
  for (unsigned i = 0; i < rank; ++i)
    map.map(body.getArgument(i), ivs[i]);
  for (Operation &op : body.without_terminator())
    fb.clone(op, map);
  fb.setInsertionPointToEnd(entry);
  func::ReturnOp::create(fb, loc);

  // The call site: fill the context on the parent's stack.
  Value ctxPtr;
  if (!passed.empty()) {
    OpBuilder eb = OpBuilder::atBlockBegin(&parent.getBody().front());
    Value one = LLVM::ConstantOp::create(eb, loc, i64, eb.getI64IntegerAttr(1));
    ctxPtr = LLVM::AllocaOp::create(eb, loc, ptrTy, structTy, one);
    Value agg = LLVM::PoisonOp::create(b, loc, structTy);
    for (auto [i, v] : llvm::enumerate(passed)) {
      Value lv =
          v.getType() == fieldTypes[i]
              ? v
              : UnrealizedConversionCastOp::create(b, loc, fieldTypes[i], v)
                    .getResult(0);
      agg = LLVM::InsertValueOp::create(b, loc, agg, lv, i);
    }
    LLVM::StoreOp::create(b, loc, agg, ctxPtr);
  } else {
    ctxPtr = LLVM::ZeroOp::create(b, loc, ptrTy);
  }
  Value fnRef = func::ConstantOp::create(b, loc, fn.getFunctionType(),
                                         SymbolRefAttr::get(fn));
  Value n = arith::IndexCastOp::create(b, loc, i64, total);
  func::CallOp::create(b, loc, declareParallelFor(),
                       ValueRange{n, fnRef, ctxPtr});
  par.erase();
  return success();
}

struct OutlineParallelPass : impl::SeqOutlineParallelBase<OutlineParallelPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    Outliner outliner(module);
    SmallVector<std::pair<scf::ParallelOp, func::FuncOp>> work;
    module.walk([&](scf::ParallelOp par) {
      if (par->getParentOfType<scf::ParallelOp>() || par.getNumResults() != 0)
        return;
      int64_t iters = 1;
      for (auto [l, u, s] :
           llvm::zip(par.getLowerBound(), par.getUpperBound(), par.getStep())) {
        auto t = staticTrip(l, u, s);
        iters = t ? iters * *t : iters << 20;
        iters = std::min(iters, int64_t(1) << 40);
      }
      if (iters < 2)
        return;
      double cost = double(iters) * double(innerWork(par.getRegion().front()));
      if (cost < double(minElements))
        return;
      if (auto fn = par->getParentOfType<func::FuncOp>())
        work.emplace_back(par, fn);
    });
    for (auto [par, fn] : work)
      (void)outliner.outline(par, fn);
  }
};

} // namespace
} // namespace seqc
