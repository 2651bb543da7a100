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
// Repeated layers (`merge-repeats`): runs end at content-defined points (a
// hash of the last ops' shapes), so every copy of a layer is cut at the
// same ops whatever came before it, and runs that then differ only in the
// globals (weights) they read become one function taking those globals as
// arguments: LLVM compiles one layer's code, not 24 copies of it.
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
#include "llvm/ADT/StringSet.h"

#include <cctype>
#include <map>

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

/// FNV-1a: cut points must not depend on the process (llvm::hash_value may
/// be seeded per execution).
static uint64_t fnv(uint64_t h, StringRef bytes) {
  for (unsigned char c : bytes)
    h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

/// The shape of `op` and of its nested ops (names and operand, result and
/// region counts; no attributes, types or symbols): equal for the same op
/// of two copies of a layer.
static uint64_t signature(Operation *op) {
  uint64_t h = 0xcbf29ce484222325ULL;
  op->walk([&](Operation *nested) {
    h = fnv(h, nested->getName().getStringRef());
    uint64_t counts = nested->getNumOperands() << 16 |
                      nested->getNumResults() << 8 | nested->getNumRegions();
    h = fnv(h, StringRef(reinterpret_cast<const char *>(&counts), 8));
  });
  return h;
}

/// The top-level op of `block` that contains `op`, or null.
static Operation *topLevelAncestor(Operation *op, Block *block) {
  return block->findAncestorOpInBlock(*op);
}

class Splitter {
public:
  Splitter(ModuleOp module, int64_t maxOps, bool repeats)
      : module(module), symbols(module), maxOps(maxOps), repeats(repeats) {}

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

    // Runs of about maxOps nested ops, cut only where allowed.
    // Rematerializable ops do not count: they are cloned where used.
    // Without `repeats`, a run ends as soon as it holds maxOps. With it, a
    // run of at least maxOps / 4 ends at an anchor: an op whose hash (of its
    // and the two previous ops' signatures) is the smallest within `reach`
    // ops either side, about one per maxOps nested ops (in a sequence that
    // repeats within `reach`, each repetition's smallest). Whether an op is
    // an anchor depends only on the ops around it, not on where the run
    // began, so copies of a layer are cut at the same ops. A run without an
    // anchor ends at 3 * maxOps.
    SmallVector<int64_t> weights(end, 0), counted;
    int64_t total = 0;
    for (int64_t i = 0; i < end; ++i)
      if (!staysInParent(ops[i])) {
        weights[i] = nestedOps(ops[i]);
        total += weights[i];
        counted.push_back(i);
      }
    std::vector<bool> anchor(end, false);
    if (repeats && !counted.empty()) {
      int64_t n = counted.size();
      int64_t reach =
          std::max<int64_t>(1, maxOps * n / std::max<int64_t>(total, 1));
      SmallVector<uint64_t> hash(n);
      uint64_t window[3] = {0, 0, 0};
      for (int64_t c = 0; c < n; ++c) {
        window[2] = window[1];
        window[1] = window[0];
        window[0] = signature(ops[counted[c]]);
        hash[c] = fnv(
            0xcbf29ce484222325ULL,
            StringRef(reinterpret_cast<const char *>(window), sizeof(window)));
      }
      for (int64_t c = 0; c < n; ++c) {
        bool min = true;
        for (int64_t d = std::max<int64_t>(0, c - reach); d < c && min; ++d)
          min = hash[d] >= hash[c];
        for (int64_t d = c + 1; d <= std::min(n - 1, c + reach) && min; ++d)
          min = hash[d] >= hash[c];
        anchor[counted[c]] = min;
      }
    }
    SmallVector<std::pair<int64_t, int64_t>> runs;
    int64_t begin = 0, weight = 0;
    for (int64_t i = 0; i < end; ++i) {
      weight += weights[i];
      bool cut =
          repeats ? (anchor[i] && 4 * weight >= maxOps) || weight >= 3 * maxOps
                  : weight >= maxOps;
      if (cut && !blocked[i + 1]) {
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
    SmallVector<func::FuncOp> parts;
    for (auto [b, e] : runs)
      if (func::FuncOp part =
              outline(fn, ArrayRef<Operation *>(ops).slice(b, e - b)))
        parts.push_back(part);
    // Rematerializable ops only the runs used are now dead.
    for (Operation *op : llvm::reverse(ops))
      if (isRematerializable(op) && op->use_empty())
        op->erase();
    if (repeats)
      mergeRepeats(parts);
  }

private:
  /// Moves the ops of `range` but those that stay in the parent into a new
  /// function, called at the end of the range (after the ops that stay).
  func::FuncOp outline(func::FuncOp fn, ArrayRef<Operation *> range) {
    SmallVector<Operation *> run = llvm::filter_to_vector(
        range, [](Operation *op) { return !staysInParent(op); });
    if (run.empty())
      return nullptr;
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
    callOf[part] = call;
    return part;
  }

  /// Calls `fn` on every symbol reference in the attributes of `root` and
  /// of the ops nested in it.
  static void forEachSymbolUse(Operation *root,
                               function_ref<void(SymbolRefAttr)> fn) {
    root->walk([&](Operation *op) {
      op->getAttrDictionary().walk([&](SymbolRefAttr ref) { fn(ref); });
    });
  }

  /// `op` as text (local value names).
  static std::string print(Operation *op) {
    std::string text;
    llvm::raw_string_ostream os(text);
    op->print(os, OpPrintingFlags().useLocalScope().assumeVerified());
    return text;
  }

  /// `fn`'s text with its symbol references replaced by @0, @1... in order
  /// of first appearance (@0: its own name); `refs` gets the symbols.
  static std::string canonical(func::FuncOp fn,
                               SmallVectorImpl<std::string> &refs) {
    std::string text = print(fn), out;
    llvm::StringMap<unsigned> number;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size();) {
      if (text[i] != '@') {
        out += text[i++];
        continue;
      }
      size_t j = i + 1;
      if (j < text.size() && text[j] == '"') {
        j = text.find('"', j + 1);
        j = j == std::string::npos ? text.size() : j + 1;
      } else {
        while (j < text.size() &&
               (isalnum(static_cast<unsigned char>(text[j])) ||
                StringRef("_$.-").contains(text[j])))
          ++j;
      }
      std::string sym = text.substr(i + 1, j - i - 1);
      auto [it, added] = number.try_emplace(sym, refs.size());
      if (added)
        refs.push_back(sym);
      out += "@" + std::to_string(it->second);
      i = j;
    }
    return out;
  }

  /// A function's text without its own name (memoized): functions of equal
  /// text do the same thing.
  const std::string &bodyText(func::FuncOp fn) {
    auto [it, added] = bodyTexts.try_emplace(fn.getOperation());
    if (added) {
      SmallVector<std::string> refs;
      it->second = canonical(fn, refs);
    }
    return it->second;
  }

  /// Pieces of the same text but for the globals they read (copies of a
  /// layer with their own weights) become one: the first takes those
  /// globals as arguments, each call site passes its own. References to
  /// functions of equal text (seq-outline-parallel's bodies of two copies)
  /// count as equal.
  void mergeRepeats(ArrayRef<func::FuncOp> parts) {
    SmallVector<SmallVector<std::string>> refs(parts.size());
    std::map<std::string, SmallVector<unsigned>> groups;
    for (auto [i, part] : llvm::enumerate(parts))
      groups[canonical(part, refs[i])].push_back(i);
    SmallVector<ArrayRef<unsigned>> repeated;
    for (auto &[text, members] : groups)
      if (members.size() > 1)
        repeated.push_back(members);
    // In module order: stable output.
    llvm::sort(repeated, [](ArrayRef<unsigned> a, ArrayRef<unsigned> b) {
      return a.front() < b.front();
    });
    for (ArrayRef<unsigned> members : repeated) {
      unsigned first = members.front();
      // Which references differ, and whether they may: globals become
      // arguments, functions must have equal text; others split the group.
      SmallVector<unsigned> globals;
      std::map<std::string, SmallVector<unsigned>> subgroups;
      unsigned n = refs[first].size();
      SmallVector<std::string> keys(members.size());
      for (unsigned j = 1; j < n; ++j) {
        bool same = llvm::all_of(
            members, [&](unsigned m) { return refs[m][j] == refs[first][j]; });
        if (same)
          continue;
        bool allGlobals = true, equalFunctions = true;
        for (unsigned m : members) {
          Operation *sym = symbols.lookup(refs[m][j]);
          allGlobals &= isa_and_nonnull<memref::GlobalOp>(sym);
          auto f = dyn_cast_or_null<func::FuncOp>(sym);
          auto f0 =
              dyn_cast_or_null<func::FuncOp>(symbols.lookup(refs[first][j]));
          equalFunctions &=
              f && f0 && !f.isExternal() && bodyText(f) == bodyText(f0);
        }
        if (allGlobals) {
          globals.push_back(j);
        } else if (!equalFunctions) {
          // Members whose functions here have equal text may still merge.
          for (auto [k, m] : llvm::enumerate(members)) {
            auto f = dyn_cast_or_null<func::FuncOp>(symbols.lookup(refs[m][j]));
            keys[k] += (f && !f.isExternal() ? bodyText(f) : refs[m][j]) + "\n";
          }
        }
      }
      for (auto [k, m] : llvm::enumerate(members))
        subgroups[keys[k]].push_back(m);
      for (auto &[key, sub] : subgroups)
        if (sub.size() > 1)
          mergeGroup(parts, refs, sub, globals);
    }
  }

public:
  /// Erases the outlined bodies only merged copies called. After every
  /// split: a body may itself be a function still to split.
  void eraseDeadFunctions() {
    // Then the pieces of the erased ones, and so on.
    while (!maybeDead.empty()) {
      llvm::StringSet<> used;
      forEachSymbolUse(module, [&](SymbolRefAttr ref) {
        used.insert(ref.getRootReference().getValue());
      });
      llvm::SetVector<Operation *> dead = std::move(maybeDead);
      maybeDead.clear();
      for (Operation *op : dead) {
        auto fn = cast<func::FuncOp>(op);
        if (!fn.isPrivate() || used.contains(fn.getName()))
          continue;
        forEachSymbolUse(fn, [&](SymbolRefAttr ref) {
          if (auto f = symbols.lookup<func::FuncOp>(ref.getRootReference()))
            if (f != fn && !dead.contains(f))
              maybeDead.insert(f);
        });
        symbols.erase(fn);
      }
    }
  }

private:
  /// Merges `members` (equal text but for the globals `globals`) into the
  /// first one.
  void mergeGroup(ArrayRef<func::FuncOp> parts,
                  ArrayRef<SmallVector<std::string>> refs,
                  ArrayRef<unsigned> members, ArrayRef<unsigned> globals) {
    func::FuncOp keep = parts[members.front()];
    // Every use of a differing global must be a memref.get_global.
    SmallVector<SmallVector<memref::GetGlobalOp>> reads(globals.size());
    SmallVector<Type> types(globals.size());
    size_t uses = 0;
    forEachSymbolUse(keep, [&](SymbolRefAttr ref) {
      for (unsigned j : globals)
        uses += ref.getRootReference() == refs[members.front()][j];
    });
    keep.walk([&](memref::GetGlobalOp g) {
      for (auto [k, j] : llvm::enumerate(globals))
        if (g.getName() == refs[members.front()][j]) {
          reads[k].push_back(g);
          types[k] = g.getType();
        }
    });
    size_t readCount = 0;
    for (auto &r : reads) {
      if (r.empty())
        return;
      readCount += r.size();
    }
    if (uses != readCount)
      return;
    Block &body = keep.front();
    for (auto [k, r] : llvm::enumerate(reads)) {
      BlockArgument arg = body.addArgument(types[k], keep.getLoc());
      for (memref::GetGlobalOp g : r) {
        g.getResult().replaceAllUsesWith(arg);
        g.erase();
      }
    }
    keep.setFunctionType(FunctionType::get(
        keep.getContext(), body.getArgumentTypes(), keep.getResultTypes()));
    for (unsigned m : members) {
      func::FuncOp part = parts[m];
      func::CallOp call = callOf.lookup(part);
      OpBuilder b(call);
      SmallVector<Value> operands(call.getOperands());
      for (auto [k, j] : llvm::enumerate(globals))
        operands.push_back(memref::GetGlobalOp::create(
            b, call.getLoc(), cast<MemRefType>(types[k]), refs[m][j]));
      auto merged = func::CallOp::create(b, call.getLoc(), keep, operands);
      call.replaceAllUsesWith(merged.getResults());
      call.erase();
      callOf[keep] = merged;
      if (part == keep)
        continue;
      forEachSymbolUse(part, [&](SymbolRefAttr ref) {
        if (auto f = symbols.lookup<func::FuncOp>(ref.getRootReference()))
          if (f != part)
            maybeDead.insert(f);
      });
      callOf.erase(part);
      bodyTexts.erase(part.getOperation());
      symbols.erase(part);
    }
  }

  ModuleOp module;
  SymbolTable symbols;
  int64_t maxOps;
  bool repeats;
  Operation *lastPart = nullptr;
  DenseMap<func::FuncOp, func::CallOp> callOf;
  llvm::SetVector<Operation *> maybeDead;
  std::map<Operation *, std::string> bodyTexts; // stable references
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
    Splitter splitter(module, maxOps, mergeRepeats);
    for (func::FuncOp fn : work)
      splitter.split(fn);
    splitter.eraseDeadFunctions();
  }
};

} // namespace
} // namespace seqc
