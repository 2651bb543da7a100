//===- SplitFunctions.cpp - outline runs of ops into noinline functions ---===//
//
// A whole graph lowers to one function, and LLVM's optimizer and code
// generator are superlinear in the size of a function (a 24-layer graph
// spent minutes in them). Cutting the function's entry block into runs of
// about `max-ops` nested operations, each outlined into a private
// `noinline` function, keeps every function LLVM sees small, so compile
// time grows linearly with the graph, and gives the parallel code
// generator (lib/Target/CPU/ObjectEmitter.cpp) independent pieces.
//
// Runs on bufferized IR (memrefs), after seq-outline-parallel: the values a
// run passes on are buffers, indices and scalars, all legal function
// arguments and results.
//
//===----------------------------------------------------------------------===//

#include "seqc/Target/CPUPasses.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/SetVector.h"

using namespace mlir;

namespace seqc {
#define GEN_PASS_DEF_SEQSPLITFUNCTIONS
#include "seqc/Target/CPUPasses.h.inc"

namespace {

/// Ops cloned into each run that uses them rather than passed in: no
/// operands, no regions, no side effects (constants, memref.get_global,
/// func.constant, llvm.mlir.addressof...).
static bool isRematerializable(Operation *op) {
  return op && op->getNumOperands() == 0 && op->getNumRegions() == 0 &&
         op->getNumResults() == 1 && isMemoryEffectFree(op);
}

/// A stack allocation: its memory dies with the frame that made it.
static bool isStackAllocation(Operation *op) {
  return isa<memref::AllocaOp, LLVM::AllocaOp>(op);
}

/// Ops that stay in the split function: rematerializable ops (cloned into
/// the runs that use them) and top-level stack allocations of a size known
/// up front (passed to the runs that use them: the caller's frame outlives
/// every call, so a buffer of any lifetime stays valid).
static bool staysInParent(Operation *op) {
  if (isRematerializable(op))
    return true;
  return isStackAllocation(op) && llvm::all_of(op->getOperands(), [](Value v) {
           return isa<BlockArgument>(v) ||
                  isRematerializable(v.getDefiningOp());
         });
}

static int64_t nestedOps(Operation *op) {
  int64_t n = 0;
  op->walk([&](Operation *) { ++n; });
  return n;
}

/// The top-level op of `block` that contains `op`, or null.
static Operation *topLevelAncestor(Operation *op, Block *block) {
  return block->findAncestorOpInBlock(*op);
}

class Splitter {
public:
  Splitter(ModuleOp module, int64_t maxOps) : symbols(module), maxOps(maxOps) {}

  void split(func::FuncOp fn) {
    Block &block = fn.getBody().front();
    SmallVector<Operation *> ops;
    for (Operation &op : block.without_terminator())
      ops.push_back(&op);
    if (ops.size() < 2)
      return;
    DenseMap<Operation *, int64_t> index;
    for (auto [i, op] : llvm::enumerate(ops))
      index[op] = i;
    int64_t end = ops.size(); // the terminator's position

    // blocked[c]: no cut between ops[c-1] and ops[c], because a value
    // derived from a stack allocation made before c is used at or after c.
    std::vector<int> delta(ops.size() + 1, 0);
    DenseSet<Value> stackDerived;
    for (auto [i, op] : llvm::enumerate(ops)) {
      if (staysInParent(op))
        continue;
      bool derived = false;
      op->walk(
          [&](Operation *nested) { derived |= isStackAllocation(nested); });
      for (Value v : op->getOperands())
        derived |= stackDerived.contains(v);
      if (!derived)
        continue;
      int64_t last = i;
      for (Value r : op->getResults()) {
        if (!isa<MemRefType, LLVM::LLVMPointerType, LLVM::LLVMStructType>(
                r.getType()))
          continue;
        stackDerived.insert(r);
        for (Operation *user : r.getUsers()) {
          Operation *top = topLevelAncestor(user, &block);
          last = std::max(last, top && index.count(top) ? index[top] : end);
        }
      }
      // Cuts at i+1 .. last are blocked.
      delta[i + 1] += 1;
      delta[std::min<int64_t>(last, end - 1) + 1] -= 1;
    }
    std::vector<bool> blocked(ops.size() + 1, false);
    for (int64_t c = 0, run = 0; c <= end; ++c) {
      run += delta[c];
      blocked[c] = run > 0;
    }

    // Greedy runs of about maxOps nested ops, cut only where allowed.
    // Rematerializable ops do not count: they are cloned where used.
    SmallVector<std::pair<int64_t, int64_t>> runs;
    int64_t begin = 0, weight = 0;
    for (int64_t i = 0; i < end; ++i) {
      if (!staysInParent(ops[i]))
        weight += nestedOps(ops[i]);
      if (weight >= maxOps && !blocked[i + 1]) {
        runs.push_back({begin, i + 1});
        begin = i + 1;
        weight = 0;
      }
    }
    if (begin < end)
      runs.push_back({begin, end});
    if (runs.size() < 2)
      return;
    lastPart = nullptr;
    for (auto [b, e] : runs)
      outline(fn, ArrayRef<Operation *>(ops).slice(b, e - b));
    // Rematerializable ops only the runs used are now dead.
    for (Operation *op : llvm::reverse(ops))
      if (isRematerializable(op) && op->use_empty())
        op->erase();
  }

private:
  /// Moves the ops of `range` but those that stay in the parent into a new
  /// function, called at the end of the range (after the ops that stay).
  void outline(func::FuncOp fn, ArrayRef<Operation *> range) {
    SmallVector<Operation *> run = llvm::filter_to_vector(
        range, [](Operation *op) { return !staysInParent(op); });
    if (run.empty())
      return;
    Operation *callSite = range.back()->getNextNode();
    DenseSet<Operation *> inRun(run.begin(), run.end());
    auto insideRun = [&](Operation *op) {
      for (Operation *p = op; p; p = p->getParentOp())
        if (inRun.contains(p))
          return true;
      return false;
    };
    // Inputs: values used inside the run and defined outside it, except
    // rematerializable ops, which are cloned.
    llvm::SetVector<Value> inputs;
    llvm::SetVector<Operation *> clones;
    for (Operation *op : run)
      op->walk([&](Operation *nested) {
        for (Value v : nested->getOperands()) {
          Operation *def = v.getDefiningOp();
          if (def ? insideRun(def)
                  : insideRun(v.getParentBlock()->getParentOp()))
            continue;
          if (isRematerializable(def))
            clones.insert(def);
          else
            inputs.insert(v);
        }
      });
    // Outputs: results used after the run.
    SmallVector<Value> outputs;
    for (Operation *op : run)
      for (Value r : op->getResults())
        if (llvm::any_of(r.getUsers(),
                         [&](Operation *u) { return !insideRun(u); }))
          outputs.push_back(r);

    MLIRContext *ctx = fn.getContext();
    auto types = [](auto values) {
      return llvm::to_vector(
          llvm::map_range(values, [](Value v) { return v.getType(); }));
    };
    OpBuilder b(ctx);
    // In order, after the function and its earlier pieces.
    b.setInsertionPointAfter(lastPart ? lastPart : fn.getOperation());
    auto part = func::FuncOp::create(
        b, run.front()->getLoc(), (fn.getName() + "_part").str(),
        FunctionType::get(ctx, types(inputs), types(outputs)));
    part.setPrivate();
    // Keeps LLVM from inlining the pieces back into one function
    // (convert-func-to-llvm carries `passthrough` over, not `no_inline`).
    part->setAttr("passthrough",
                  ArrayAttr::get(ctx, {StringAttr::get(ctx, "noinline")}));
    symbols.insert(part); // unique name: _part, _part_0, _part_1...
    lastPart = part;
    Block *body = part.addEntryBlock();

    b.setInsertionPoint(callSite);
    auto call =
        func::CallOp::create(b, part.getLoc(), part, inputs.getArrayRef());
    for (auto [out, res] : llvm::zip(outputs, call.getResults()))
      out.replaceUsesWithIf(
          res, [&](OpOperand &use) { return !insideRun(use.getOwner()); });

    b.setInsertionPointToEnd(body);
    IRMapping cloned;
    for (Operation *c : clones)
      b.clone(*c, cloned);
    for (Operation *op : run)
      op->moveBefore(body, body->end());
    auto inPart = [&](OpOperand &use) {
      return part->isProperAncestor(use.getOwner());
    };
    for (auto [v, arg] : llvm::zip(inputs, body->getArguments()))
      Value(v).replaceUsesWithIf(arg, inPart);
    for (Operation *c : clones)
      c->getResult(0).replaceUsesWithIf(cloned.lookup(c->getResult(0)), inPart);
    b.setInsertionPointToEnd(body);
    func::ReturnOp::create(b, part.getLoc(), outputs);
  }

  SymbolTable symbols;
  int64_t maxOps;
  Operation *lastPart = nullptr;
};

struct SplitFunctionsPass : impl::SeqSplitFunctionsBase<SplitFunctionsPass> {
  using Base::Base;
  void runOnOperation() override {
    if (maxOps <= 0)
      return;
    ModuleOp module = getOperation();
    SmallVector<func::FuncOp> work;
    for (auto fn : module.getOps<func::FuncOp>())
      if (!fn.isExternal() && nestedOps(fn) > maxOps)
        work.push_back(fn);
    Splitter splitter(module, maxOps);
    for (func::FuncOp fn : work)
      splitter.split(fn);
  }
};

} // namespace
} // namespace seqc
