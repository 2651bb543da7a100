//===- GpuPrepare.cpp - make every host memory access a parallel loop -----===//
//
// `seq-gpu-prepare` runs after convert-linalg-to-parallel-loops, before the
// parallel loops are mapped to the GPU. Host code of the CUDA target may not
// touch tensor memory (it lives on the device), so:
//  - memref.copy becomes an scf.parallel copy loop nest (a kernel later);
//  - top-level serial code that reads or writes memory (scf.for nests of
//    all-reduction ops, scalar memref.load/store) is wrapped in a
//    one-iteration scf.parallel, i.e. a single-thread kernel. Slow, but
//    correct; the hot ops (elementwise, matmul, attention) are parallel.
//
//===----------------------------------------------------------------------===//

#include "seqc/Target/CUDA.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Pass/Pass.h"
#include "llvm/ADT/SmallPtrSet.h"

using namespace mlir;

namespace seqc {
#define GEN_PASS_DEF_SEQGPUPREPARE
#include "seqc/Target/CUDAPasses.h.inc"

namespace {

/// Replaces `memref.copy src, dst` by an scf.parallel nest of load/store.
static void copyToParallelLoop(memref::CopyOp copy) {
  OpBuilder b(copy);
  Location loc = copy.getLoc();
  Value src = copy.getSource(), dst = copy.getTarget();
  auto type = cast<MemRefType>(dst.getType());
  if (type.getRank() == 0) {
    // Rank 0: a one-iteration loop around the scalar move.
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    scf::ParallelOp::create(
        b, loc, ValueRange{zero}, ValueRange{one}, ValueRange{one},
        [&](OpBuilder &nb, Location nl, ValueRange) {
          Value v = memref::LoadOp::create(nb, nl, src, ValueRange{});
          memref::StoreOp::create(nb, nl, v, dst, ValueRange{});
        });
    copy.erase();
    return;
  }
  SmallVector<Value> lbs, ubs, steps;
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  for (int64_t d = 0; d < type.getRank(); ++d) {
    lbs.push_back(zero);
    steps.push_back(one);
    ubs.push_back(b.createOrFold<memref::DimOp>(loc, dst, d));
  }
  scf::ParallelOp::create(b, loc, lbs, ubs, steps,
                          [&](OpBuilder &nb, Location nl, ValueRange ivs) {
                            Value v = memref::LoadOp::create(nb, nl, src, ivs);
                            memref::StoreOp::create(nb, nl, v, dst, ivs);
                          });
  copy.erase();
}

/// True if `op` (or anything nested) reads or writes memory other than
/// through metadata (dim, views).
static bool touchesMemory(Operation *op) {
  bool touches = false;
  op->walk([&](Operation *nested) {
    if (isa<memref::LoadOp, memref::StoreOp, memref::AtomicRMWOp,
            memref::GenericAtomicRMWOp>(nested))
      touches = true;
  });
  return touches;
}

/// `for k { parallel j { body } }` -> `parallel j { for k { body } }`.
/// Legal for the loops linalg lowers to: iterations of a parallel dimension
/// are independent, so the reduction loop k can run inside each of them.
/// Makes linalg's (parallel, reduction, parallel) matmul nest a perfect
/// parallel nest that maps onto blocks and threads.
static bool hoistParallelOutOfFor(scf::ForOp loop) {
  Block *body = loop.getBody();
  if (loop.getNumRegionIterArgs() != 0 || body->getOperations().size() != 2)
    return false;
  auto par = dyn_cast<scf::ParallelOp>(body->front());
  if (!par || par.getNumResults() != 0)
    return false;
  for (Value v : par.getOperands())
    if (!loop.isDefinedOutsideOfLoop(v))
      return false;
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  auto newPar = scf::ParallelOp::create(b, loc, par.getLowerBound(),
                                        par.getUpperBound(), par.getStep());
  b.setInsertionPoint(newPar.getBody()->getTerminator());
  auto newFor = scf::ForOp::create(b, loc, loop.getLowerBound(),
                                   loop.getUpperBound(), loop.getStep());
  IRMapping map;
  map.map(loop.getInductionVar(), newFor.getInductionVar());
  for (auto [o, n] :
       llvm::zip(par.getInductionVars(), newPar.getInductionVars()))
    map.map(o, n);
  b.setInsertionPoint(newFor.getBody()->getTerminator());
  for (Operation &op : par.getBody()->without_terminator())
    b.clone(op, map);
  loop.erase();
  return true;
}

/// A parallel loop inside sequential code of a kernel (e.g. the linalg ops
/// of one attention tile, inside the loop over KV tiles) runs sequentially
/// in its thread: the GPU mapping only maps perfectly nested parallel loops.
static bool isNestedUnderSerialCode(scf::ParallelOp par) {
  Operation *parent = par->getParentOp();
  if (isa<scf::ParallelOp>(parent))
    return false;
  return par->getParentOfType<scf::ParallelOp>() != nullptr;
}

static LogicalResult serialize(scf::ParallelOp par) {
  if (par.getNumResults() != 0)
    return par.emitError("CUDA target: parallel reduction inside a kernel's "
                         "sequential code is not supported yet");
  OpBuilder b(par);
  Location loc = par.getLoc();
  IRMapping map;
  for (auto [iv, lb, ub, step] :
       llvm::zip(par.getInductionVars(), par.getLowerBound(),
                 par.getUpperBound(), par.getStep())) {
    auto loop = scf::ForOp::create(b, loc, lb, ub, step);
    map.map(iv, loop.getInductionVar());
    b.setInsertionPoint(loop.getBody()->getTerminator());
  }
  for (Operation &op : par.getBody()->without_terminator())
    b.clone(op, map);
  par.erase();
  return success();
}

/// A top-level parallel loop whose body allocates buffers or runs several
/// loop nests (e.g. one iteration per attention head, each a sequence of
/// linalg ops) is not one kernel: it becomes a host loop launching them.
static bool needsHostLoop(scf::ParallelOp par) {
  unsigned nests = 0;
  for (Operation &op : par.getBody()->without_terminator()) {
    if (isa<memref::AllocOp, memref::AllocaOp, memref::CopyOp>(op))
      return true;
    bool launches = false;
    op.walk([&](scf::ParallelOp) { launches = true; });
    nests += launches;
  }
  return nests > 1;
}

/// Consecutive host ops of one block that become one single-thread kernel:
/// memory-touching ops and the pure, region-free ops between them (e.g.
/// `%v = load; %w = subi %v, 2; store %w`: the load's result must not
/// leave the kernel).
using SerialRun = SmallVector<Operation *>;

static bool isPureScalar(Operation *op) {
  return op->getNumRegions() == 0 && isMemoryEffectFree(op) &&
         !op->hasTrait<OpTrait::IsTerminator>();
}

static SmallVector<SerialRun> groupSerialOps(ArrayRef<Operation *> serial) {
  SmallVector<SerialRun> runs;
  for (Operation *op : serial) {
    if (!runs.empty()) {
      Operation *last = runs.back().back();
      if (last->getBlock() == op->getBlock() && last->isBeforeInBlock(op)) {
        SmallVector<Operation *> between;
        Operation *it = last->getNextNode();
        for (; it != op && isPureScalar(it); it = it->getNextNode())
          between.push_back(it);
        if (it == op) {
          runs.back().append(between.begin(), between.end());
          runs.back().push_back(op);
          continue;
        }
      }
    }
    runs.push_back({op});
  }
  return runs;
}

/// Moves `run` into a one-iteration scf.parallel. A pure op whose result is
/// also used after the run, and which does not depend on the run, is left
/// in front of it instead (index math, views).
static LogicalResult wrapInOneThreadKernel(SerialRun &run) {
  llvm::SmallPtrSet<Operation *, 16> inRun(run.begin(), run.end());
  auto usedOutside = [&](Operation *op) {
    for (Operation *user : op->getUsers()) {
      Operation *anc = user;
      while (anc && !inRun.contains(anc))
        anc = anc->getParentOp();
      if (!anc)
        return true;
    }
    return false;
  };
  auto dependsOnRun = [&](Operation *op) {
    return llvm::any_of(op->getOperands(), [&](Value v) {
      Operation *def = v.getDefiningOp();
      return def && inRun.contains(def);
    });
  };
  Operation *first = run.front();
  SerialRun kept;
  for (Operation *op : run) {
    if (!usedOutside(op)) {
      kept.push_back(op);
      continue;
    }
    if (!isPureScalar(op) || dependsOnRun(op))
      return op->emitError("host code with a result touches tensor memory; "
                           "the CUDA target cannot place it in a kernel");
    op->moveBefore(first);
    inRun.erase(op);
  }
  // Trailing pure ops need no kernel.
  while (!kept.empty() && isPureScalar(kept.back()))
    kept.pop_back();
  if (kept.empty())
    return success();
  OpBuilder b(kept.front());
  Location loc = kept.front()->getLoc();
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  auto par = scf::ParallelOp::create(b, loc, ValueRange{zero}, ValueRange{one},
                                     ValueRange{one});
  for (Operation *op : kept)
    op->moveBefore(par.getBody()->getTerminator());
  return success();
}

struct GpuPreparePass : impl::SeqGpuPrepareBase<GpuPreparePass> {
  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    // Host loops first (outermost first, to a fixed point): what they
    // contain becomes top-level and is looked at again.
    for (bool changed = true; changed;) {
      changed = false;
      scf::ParallelOp host;
      fn.walk<WalkOrder::PreOrder>([&](scf::ParallelOp p) {
        if (!needsHostLoop(p))
          return WalkResult::skip();
        host = p;
        return WalkResult::interrupt();
      });
      if (host) {
        if (failed(serialize(host)))
          return signalPassFailure();
        changed = true;
      }
    }

    SmallVector<memref::CopyOp> copies;
    fn.walk([&](memref::CopyOp c) {
      if (!c->getParentOfType<scf::ParallelOp>())
        copies.push_back(c);
    });
    for (memref::CopyOp c : copies)
      copyToParallelLoop(c);
    SmallVector<scf::ForOp> fors;
    fn.walk([&](scf::ForOp f) { fors.push_back(f); }); // innermost first
    for (scf::ForOp f : fors)
      hoistParallelOutOfFor(f);
    SmallVector<scf::ParallelOp> nested;
    fn.walk([&](scf::ParallelOp p) {
      if (isNestedUnderSerialCode(p))
        nested.push_back(p);
    });
    // Post-order: inner loops first, so a loop's body is final when it is
    // copied into the for nest.
    for (scf::ParallelOp p : nested)
      if (failed(serialize(p)))
        return signalPassFailure();

    // Host-level ops (not inside an scf.parallel) that touch memory.
    SmallVector<Operation *> serial;
    fn.walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (isa<scf::ParallelOp, gpu::LaunchOp>(op))
        return WalkResult::skip();
      if (op == fn.getOperation())
        return WalkResult::advance();
      // Region ops that launch kernels themselves stay on the host (e.g.
      // a loop over attention tiles); their memory accesses are visited.
      bool launches = false;
      op->walk([&](scf::ParallelOp) { launches = true; });
      if (launches)
        return WalkResult::advance();
      if (touchesMemory(op)) {
        serial.push_back(op);
        return WalkResult::skip();
      }
      return WalkResult::advance();
    });
    for (SerialRun &run : groupSerialOps(serial))
      if (failed(wrapInOneThreadKernel(run)))
        return signalPassFailure();
  }
};

} // namespace

std::unique_ptr<Pass> createGpuPreparePass() {
  return std::make_unique<GpuPreparePass>();
}

} // namespace seqc
