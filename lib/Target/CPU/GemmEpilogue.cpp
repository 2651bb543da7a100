//===- GemmEpilogue.cpp - elementwise consumers fused into sgemm ----------===//
//
// After bufferization a projection's bias, a residual add or an activation
// is a linalg.generic that reads the contraction's output buffer once more
// (a full pass over C). When that generic is the buffer's only reader, the
// runtime applies it to each C tile while the tile is still in L1. The body
// is matched structurally for the addends (a tree of addf over block
// arguments) and numerically for the activation (the rest of the body must
// be a function of that sum alone; it is evaluated on a grid and compared
// with each activation the runtime knows), so every exporter's spelling of
// GELU or SiLU is recognized without a pattern per spelling.
//
//===----------------------------------------------------------------------===//

#include "GemmEpilogue.h"

#include "seqc/Runtime/seqc_parallel.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallPtrSet.h"

#include <cmath>
#include <cstdlib>

using namespace mlir;

namespace seqc::target {
namespace {

/// The allocation (or argument, or global) a memref views.
Value rootOf(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    auto view = dyn_cast<ViewLikeOpInterface>(def);
    if (!view)
      break;
    v = view.getViewSource();
  }
  return v;
}

/// False only when the two roots are provably different memory: a fresh
/// allocation is distinct from everything else, globals by name, and the
/// entry arguments of a function are distinct buffers by the C ABI
/// (inputs and the hoisted result buffers).
bool mayAlias(Value a, Value b) {
  if (a == b)
    return true;
  auto fresh = [](Value v) {
    return v.getDefiningOp<memref::AllocOp>() ||
           v.getDefiningOp<memref::AllocaOp>();
  };
  if (fresh(a) || fresh(b))
    return false;
  auto ga = a.getDefiningOp<memref::GetGlobalOp>(),
       gb = b.getDefiningOp<memref::GetGlobalOp>();
  if (ga && gb)
    return ga.getName() == gb.getName();
  auto funcArg = [](Value v) {
    auto arg = dyn_cast<BlockArgument>(v);
    return arg && arg.getOwner()->isEntryBlock() &&
           isa<func::FuncOp>(arg.getOwner()->getParentOp());
  };
  if ((ga || funcArg(a)) && (gb || funcArg(b)))
    return false;
  return true;
}

/// Non-unit dims of a memref type (dynamic ones count as non-unit).
SmallVector<int64_t> nonUnitDims(MemRefType t) {
  SmallVector<int64_t> dims;
  for (auto [d, s] : llvm::enumerate(t.getShape()))
    if (s != 1)
      dims.push_back(d);
  return dims;
}

/// True if a reshape only inserts or drops unit dims: every reassociation
/// group holds at most one non-unit dim of the larger shape.
bool unitOnlyReshape(ArrayRef<ReassociationIndices> groups,
                     ArrayRef<int64_t> expandedShape) {
  for (const ReassociationIndices &g : groups)
    if (llvm::count_if(g, [&](int64_t d) { return expandedShape[d] != 1; }) > 1)
      return false;
  return true;
}

/// For each dim of `map`'s operand: the loop it indexes (-1: constant 0).
/// Fails unless the map is a projected permutation with constant-0 results.
std::optional<SmallVector<int64_t>> dimLoops(AffineMap map) {
  SmallVector<int64_t> loops;
  llvm::SmallDenseSet<unsigned> seen;
  for (AffineExpr e : map.getResults()) {
    if (auto d = dyn_cast<AffineDimExpr>(e)) {
      if (!seen.insert(d.getPosition()).second)
        return std::nullopt;
      loops.push_back(d.getPosition());
      continue;
    }
    auto c = dyn_cast<AffineConstantExpr>(e);
    if (!c || c.getValue() != 0)
      return std::nullopt;
    loops.push_back(-1);
  }
  return loops;
}

/// True if `v` is `x` or a chain of unit-dim-only reshapes of it.
bool isWholeView(Value v, Value x) {
  while (v != x) {
    if (auto e = v.getDefiningOp<memref::ExpandShapeOp>()) {
      if (!unitOnlyReshape(e.getReassociationIndices(),
                           e.getResultType().getShape()))
        return false;
      v = e.getSrc();
    } else if (auto c = v.getDefiningOp<memref::CollapseShapeOp>()) {
      if (!unitOnlyReshape(c.getReassociationIndices(),
                           c.getSrcType().getShape()))
        return false;
      v = c.getSrc();
    } else {
      return false;
    }
  }
  return true;
}

/// True if `n` or an op nested in it has an operand viewing `root`.
bool touches(Operation *n, Value root) {
  bool found = false;
  n->walk([&](Operation *inner) {
    for (Value v : inner->getOperands())
      if (rootOf(v) == root)
        found = true;
  });
  return found;
}

/// True if `n` writes every element of `x` without reading `x`: a fill,
/// or an all-parallel linalg op whose only init is a whole view of `x`
/// under a permutation and whose body ignores the init's old value.
bool overwritesWhole(Operation *n, Value x) {
  auto op = dyn_cast<linalg::LinalgOp>(n);
  if (!op || !op.hasPureBufferSemantics() || op.getNumDpsInits() != 1)
    return false;
  OpOperand *init = op.getDpsInitOperand(0);
  if (!isWholeView(init->get(), x))
    return false;
  if (isa<linalg::FillOp>(n))
    return true;
  if (op.getNumLoops() != op.getNumParallelLoops() ||
      !op.getMatchingIndexingMap(init).isPermutation() ||
      op.payloadUsesValueFromOperand(init))
    return false;
  for (OpOperand *in : op.getDpsInputOperands())
    if (rootOf(in->get()) == x)
      return false;
  return true;
}

/// True if `n` is a linalg op (e.g. SwiGLU's other projection, or its
/// fill) that writes no buffer `op` reads, so `op` may run after it.
bool writesElsewhere(Operation *n, linalg::LinalgOp op) {
  auto l = dyn_cast<linalg::LinalgOp>(n);
  if (!l || !l.hasPureBufferSemantics())
    return false;
  for (OpOperand &init : l.getDpsInitsMutable())
    for (OpOperand *in : op.getDpsInputOperands())
      if (mayAlias(rootOf(init.get()), rootOf(in->get())))
        return false;
  return true;
}

//===----------------------------------------------------------------------===//
// Body analysis
//===----------------------------------------------------------------------===//

/// Leaves (block arguments) of a tree of addf rooted at `v`; false if `v`
/// is not such a tree. `nodes` collects the addf ops.
bool sumLeaves(Value v, SmallVectorImpl<BlockArgument> &leaves,
               SmallVectorImpl<Operation *> &nodes) {
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    leaves.push_back(arg);
    return true;
  }
  auto add = v.getDefiningOp<arith::AddFOp>();
  if (!add)
    return false;
  nodes.push_back(add);
  return sumLeaves(add.getLhs(), leaves, nodes) &&
         sumLeaves(add.getRhs(), leaves, nodes);
}

/// Evaluates the scalar function `v(p)` of the body in double precision;
/// nullopt if `v` depends on anything but `p` and constants or uses an op
/// the evaluator does not know.
class Evaluator {
public:
  Evaluator(Value p, double x) { memo[p] = x; }

  std::optional<double> eval(Value v, int depth = 0) {
    if (auto it = memo.find(v); it != memo.end())
      return it->second;
    if (depth > 64)
      return std::nullopt;
    Operation *op = v.getDefiningOp();
    if (!op)
      return std::nullopt; // a block argument other than p
    std::optional<double> r = compute(op, depth);
    if (r)
      memo[v] = *r;
    return r;
  }

private:
  std::optional<double> compute(Operation *op, int depth) {
    if (auto c = dyn_cast<arith::ConstantOp>(op)) {
      if (auto f = dyn_cast<FloatAttr>(c.getValue()))
        return f.getValueAsDouble();
      if (auto b = dyn_cast<BoolAttr>(c.getValue()))
        return b.getValue() ? 1.0 : 0.0;
      return std::nullopt;
    }
    SmallVector<double, 3> a;
    for (Value o : op->getOperands()) {
      std::optional<double> x = eval(o, depth + 1);
      if (!x)
        return std::nullopt;
      a.push_back(*x);
    }
    auto is = [&](auto... tags) { return (isa<decltype(tags)>(op) || ...); };
    if (isa<arith::AddFOp>(op))
      return a[0] + a[1];
    if (isa<arith::SubFOp>(op))
      return a[0] - a[1];
    if (isa<arith::MulFOp>(op))
      return a[0] * a[1];
    if (isa<arith::DivFOp>(op))
      return a[0] / a[1];
    if (isa<arith::NegFOp>(op))
      return -a[0];
    if (is(arith::MaximumFOp(), arith::MaxNumFOp()))
      return std::max(a[0], a[1]);
    if (is(arith::MinimumFOp(), arith::MinNumFOp()))
      return std::min(a[0], a[1]);
    if (isa<arith::SelectOp>(op))
      return a[0] != 0.0 ? a[1] : a[2];
    if (auto cmp = dyn_cast<arith::CmpFOp>(op)) {
      using P = arith::CmpFPredicate;
      switch (cmp.getPredicate()) {
      case P::OGT:
      case P::UGT:
        return a[0] > a[1] ? 1.0 : 0.0;
      case P::OGE:
      case P::UGE:
        return a[0] >= a[1] ? 1.0 : 0.0;
      case P::OLT:
      case P::ULT:
        return a[0] < a[1] ? 1.0 : 0.0;
      case P::OLE:
      case P::ULE:
        return a[0] <= a[1] ? 1.0 : 0.0;
      default:
        return std::nullopt;
      }
    }
    if (isa<math::TanhOp>(op))
      return std::tanh(a[0]);
    if (isa<math::ErfOp>(op))
      return std::erf(a[0]);
    if (isa<math::ExpOp>(op))
      return std::exp(a[0]);
    if (isa<math::ExpM1Op>(op))
      return std::expm1(a[0]);
    if (isa<math::SqrtOp>(op))
      return std::sqrt(a[0]);
    if (isa<math::RsqrtOp>(op))
      return 1.0 / std::sqrt(a[0]);
    if (isa<math::AbsFOp>(op))
      return std::fabs(a[0]);
    if (isa<math::FmaOp>(op))
      return a[0] * a[1] + a[2];
    if (isa<math::LogOp>(op))
      return std::log(a[0]);
    if (isa<math::Log1pOp>(op))
      return std::log1p(a[0]);
    return std::nullopt;
  }

  llvm::DenseMap<Value, double> memo;
};

double activation(int64_t act, double x) {
  switch (act) {
  case SEQC_UK_ACT_RELU:
    return x > 0 ? x : 0;
  case SEQC_UK_ACT_GELU_TANH:
    return 0.5 * x *
           (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
  case SEQC_UK_ACT_GELU_ERF:
    return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
  case SEQC_UK_ACT_SILU:
    return x / (1 + std::exp(-x));
  case SEQC_UK_ACT_SIGMOID:
    return 1 / (1 + std::exp(-x));
  case SEQC_UK_ACT_TANH:
    return std::tanh(x);
  default:
    return x;
  }
}

/// The activation `e` computes from `p`, by evaluating the body on a grid
/// (f32 constants: agreement to 1e-5, while e.g. the tanh and erf GELUs
/// differ by 2e-4).
std::optional<int64_t> identifyActivation(Value p, Value e) {
  if (e == p)
    return SEQC_UK_ACT_NONE;
  SmallVector<double> xs;
  for (int i = -200; i <= 200; ++i)
    xs.push_back(i * 0.05);
  xs.append({-40, -20, -15, 15, 20, 40});
  for (int64_t act = SEQC_UK_ACT_RELU; act <= SEQC_UK_ACT_TANH; ++act) {
    bool ok = true;
    for (double x : xs) {
      std::optional<double> y = Evaluator(p, x).eval(e);
      if (!y)
        return std::nullopt;
      double want = activation(act, x);
      if (!(std::fabs(*y - want) <= 1e-5 * (1 + std::fabs(want)))) {
        ok = false;
        break;
      }
    }
    if (ok)
      return act;
  }
  return std::nullopt;
}

/// Splits the body of `g` into act(x + pre...) + post... where `x` is the
/// block argument of input `xInput`. Returns the input indices of the pre
/// and post terms.
struct BodyMatch {
  int64_t act;
  SmallVector<unsigned> pre, post;
  int64_t gateAct = -1;
  unsigned gate = 0; // input index when gateAct >= 0
};

/// The only block argument `v` depends on, if there is exactly one.
std::optional<BlockArgument> soleArgument(Value v) {
  std::optional<BlockArgument> found;
  SmallVector<Value> work{v};
  llvm::SmallPtrSet<Operation *, 16> seen;
  while (!work.empty()) {
    Value w = work.pop_back_val();
    if (auto arg = dyn_cast<BlockArgument>(w)) {
      if (found && *found != arg)
        return std::nullopt;
      found = arg;
      continue;
    }
    Operation *op = w.getDefiningOp();
    if (!op || !seen.insert(op).second)
      continue;
    llvm::append_range(work, op->getOperands());
  }
  return found;
}

/// Splits `yield(mulf(E, F))` with F a known activation of one input G
/// other than `x` into E and the gate: F's slice and G feed nothing else
/// because E is later evaluated as a function of x's sum alone.
std::optional<std::pair<Value, BlockArgument>>
splitGate(Value e, BlockArgument x, unsigned nIn, int64_t &gateAct) {
  auto mul = e.getDefiningOp<arith::MulFOp>();
  if (!mul)
    return std::nullopt;
  for (auto [f, rest] : {std::pair(mul.getRhs(), mul.getLhs()),
                         std::pair(mul.getLhs(), mul.getRhs())}) {
    std::optional<BlockArgument> gArg = soleArgument(f);
    if (!gArg || *gArg == x || gArg->getArgNumber() >= nIn)
      continue;
    std::optional<int64_t> act = identifyActivation(*gArg, f);
    if (!act)
      continue;
    gateAct = *act;
    return std::pair(rest, *gArg);
  }
  return std::nullopt;
}

std::optional<BodyMatch> matchBody(linalg::GenericOp g, unsigned xInput) {
  Block *body = g.getBlock();
  unsigned nIn = g.getNumDpsInputs();
  if (!body->getArgument(nIn).use_empty())
    return std::nullopt; // reads the old output
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  BlockArgument x = body->getArgument(xInput);
  // A gate: the result times act(G) (SwiGLU reads the gate product).
  // $SEQC_GEMM_GATED=0 turns gates off (before/after benchmarks).
  Value e = yield.getValues()[0];
  int64_t gateAct = -1;
  std::optional<BlockArgument> gateArg;
  const char *gatedEnv = std::getenv("SEQC_GEMM_GATED");
  bool gated = !(gatedEnv && StringRef(gatedEnv) == "0");
  if (auto split = gated ? splitGate(e, x, nIn, gateAct) : std::nullopt) {
    e = split->first;
    gateArg = split->second;
  }
  // P: the largest addf tree over block arguments that contains x.
  Value p = x;
  SmallVector<BlockArgument> pLeaves{x};
  SmallVector<Operation *> pNodes;
  for (Operation &op : body->without_terminator()) {
    SmallVector<BlockArgument> leaves;
    SmallVector<Operation *> nodes;
    if (!isa<arith::AddFOp>(op) || !sumLeaves(op.getResult(0), leaves, nodes) ||
        llvm::count(leaves, x) != 1 || leaves.size() <= pLeaves.size())
      continue;
    p = op.getResult(0);
    pLeaves = std::move(leaves);
    pNodes = std::move(nodes);
  }
  // Every leaf is a distinct input used only inside P's tree, and the inner
  // nodes feed nothing else, so the rest of the body sees P alone.
  llvm::SmallPtrSet<Operation *, 8> tree(pNodes.begin(), pNodes.end());
  llvm::SmallDenseSet<unsigned> seenArgs;
  if (gateArg)
    seenArgs.insert(gateArg->getArgNumber());
  for (BlockArgument leaf : pLeaves) {
    if (leaf.getArgNumber() >= nIn ||
        !seenArgs.insert(leaf.getArgNumber()).second)
      return std::nullopt;
    if (leaf != p && llvm::any_of(leaf.getUsers(),
                                  [&](Operation *u) { return !tree.count(u); }))
      return std::nullopt;
  }
  for (Operation *n : pNodes)
    if (n->getResult(0) != p && llvm::any_of(n->getUsers(), [&](Operation *u) {
          return !tree.count(u);
        }))
      return std::nullopt;
  BodyMatch m;
  for (BlockArgument leaf : pLeaves)
    if (leaf != x)
      m.pre.push_back(leaf.getArgNumber());
  if (gateArg) {
    m.gateAct = gateAct;
    m.gate = gateArg->getArgNumber();
  }
  // One post term: E = addf(E', q) with q an input not in P.
  if (auto add = e.getDefiningOp<arith::AddFOp>(); add && e != p) {
    for (Value q : {add.getRhs(), add.getLhs()}) {
      auto arg = dyn_cast<BlockArgument>(q);
      if (!arg || arg.getArgNumber() >= nIn ||
          seenArgs.count(arg.getArgNumber()) || !arg.hasOneUse())
        continue;
      m.post.push_back(arg.getArgNumber());
      e = q == add.getRhs() ? add.getLhs() : add.getRhs();
      break;
    }
  }
  std::optional<int64_t> act = identifyActivation(p, e);
  if (!act)
    return std::nullopt;
  m.act = *act;
  return m;
}

} // namespace

std::optional<GemmEpilogue> matchGemmEpilogue(linalg::GenericOp op) {
  Value x = op.getDpsInitOperand(0)->get();
  auto xType = dyn_cast<MemRefType>(x.getType());
  // X: a whole buffer of this block (an allocation, or a function argument
  // such as a result buffer the bufferizer reuses as scratch).
  auto xArg = dyn_cast<BlockArgument>(x);
  bool xFuncArg = xArg && xArg.getOwner()->isEntryBlock() &&
                  isa<func::FuncOp>(xArg.getOwner()->getParentOp());
  if (!xType || !(x.getDefiningOp<memref::AllocOp>() || xFuncArg) ||
      x.getParentBlock() != op->getBlock())
    return std::nullopt;
  // The consumer: the next op that touches X. The fused call runs in its
  // place, after the ops in between: they must be free of memory effects
  // or linalg ops writing nothing the contraction reads.
  linalg::GenericOp g;
  for (Operation *n = op->getNextNode(); n; n = n->getNextNode()) {
    if (isa<ViewLikeOpInterface>(n) && isMemoryEffectFree(n))
      continue;
    if (touches(n, x)) {
      g = dyn_cast<linalg::GenericOp>(n);
      break;
    }
    if (!isMemoryEffectFree(n) && !isa<memref::AllocOp>(n) &&
        !writesElsewhere(n, op))
      return std::nullopt;
  }
  if (!g || !g.hasPureBufferSemantics() || g.getNumDpsInits() != 1 ||
      g.getNumReductionLoops() != 0)
    return std::nullopt;
  for (Value v : g->getOperands()) {
    auto t = dyn_cast<MemRefType>(v.getType());
    if (!t || !t.getElementType().isF32())
      return std::nullopt;
  }
  // X is read by exactly one input, through a whole view.
  std::optional<unsigned> xInput;
  for (OpOperand *in : g.getDpsInputOperands()) {
    if (rootOf(in->get()) != x)
      continue;
    if (xInput || !isWholeView(in->get(), x))
      return std::nullopt;
    xInput = in->getOperandNumber();
  }
  if (!xInput)
    return std::nullopt;
  Value xView = g->getOperand(*xInput);
  // X's dim d <-> the view's dim viewDim[d] (positional over non-unit dims).
  SmallVector<int64_t> xNonUnit = nonUnitDims(xType),
                       vNonUnit =
                           nonUnitDims(cast<MemRefType>(xView.getType()));
  if (xNonUnit.size() != vNonUnit.size())
    return std::nullopt;
  SmallVector<int64_t> viewDim(xType.getRank(), -1);
  for (auto [xd, vd] : llvm::zip(xNonUnit, vNonUnit))
    viewDim[xd] = vd;
  // ... and the loop of g that indexes it.
  SmallVector<AffineMap> maps = g.getIndexingMapsArray();
  std::optional<SmallVector<int64_t>> xLoops = dimLoops(maps[*xInput]);
  if (!xLoops || !maps[*xInput].isPermutation())
    return std::nullopt;
  auto dimsOf = [&](unsigned operand) -> std::optional<SmallVector<int64_t>> {
    std::optional<SmallVector<int64_t>> loops = dimLoops(maps[operand]);
    if (!loops)
      return std::nullopt;
    SmallVector<int64_t> dims(xType.getRank(), -1);
    for (int64_t d = 0; d < xType.getRank(); ++d) {
      if (viewDim[d] < 0)
        continue;
      int64_t loop = (*xLoops)[viewDim[d]];
      auto it = llvm::find(*loops, loop);
      if (it != loops->end())
        dims[d] = it - loops->begin();
    }
    return dims;
  };
  std::optional<BodyMatch> body =
      matchBody(g, g.getDpsInputOperand(*xInput)->getOperandNumber());
  if (!body)
    return std::nullopt;

  GemmEpilogue ep;
  ep.consumer = g;
  ep.act = body->act;
  unsigned outNum = g.getDpsInitOperand(0)->getOperandNumber();
  ep.out = g->getOperand(outNum);
  if (!maps[outNum].isPermutation())
    return std::nullopt;
  ep.outDims = *dimsOf(outNum);
  Value outRoot = rootOf(ep.out);
  bool inPlace = outRoot == x;
  if (inPlace && !isWholeView(ep.out, x))
    return std::nullopt;
  // The call writes out while A and B are still being read.
  for (unsigned i = 0; i < 2; ++i)
    if (mayAlias(rootOf(op.getDpsInputOperand(i)->get()), outRoot))
      return std::nullopt;
  auto addTerms = [&](ArrayRef<unsigned> inputs, bool pre) {
    for (unsigned in : inputs) {
      Value t = g->getOperand(in);
      // `out += C` (same buffer, same element): accumulate into out.
      if (t == ep.out && maps[in] == maps[outNum] && pre && !ep.accumulate) {
        ep.accumulate = true;
        continue;
      }
      if (mayAlias(rootOf(t), outRoot) || rootOf(t) == x)
        return false;
      std::optional<SmallVector<int64_t>> dims = dimsOf(in);
      if (!dims)
        return false;
      ep.terms.push_back(t);
      ep.termDims.push_back(*dims);
    }
    return true;
  };
  if (!addTerms(body->pre, /*pre=*/true))
    return std::nullopt;
  ep.npre = ep.terms.size();
  if (!addTerms(body->post, /*pre=*/false))
    return std::nullopt;
  if (body->gateAct >= 0) {
    ep.gateAct = body->gateAct;
    if (!addTerms({body->gate}, /*pre=*/false))
      return std::nullopt;
  }
  if (ep.terms.size() > 3)
    return std::nullopt;
  if (inPlace)
    return ep;
  // X must be dead after g: its next toucher frees or rewrites all of it
  // without reading it, or (an allocation) nothing touches it any more.
  for (Operation *n = g->getNextNode(); n; n = n->getNextNode()) {
    if ((isa<ViewLikeOpInterface>(n) && isMemoryEffectFree(n)) ||
        !touches(n, x))
      continue;
    if (isa<memref::DeallocOp>(n) || overwritesWhole(n, x))
      return ep;
    return std::nullopt;
  }
  if (xFuncArg)
    return std::nullopt; // the caller sees it
  return ep;
}

int64_t GemmEpilogue::descriptorWord() const {
  if (gateAct < 0)
    return act;
  return act | SEQC_UK_EP_GATED | gateAct << SEQC_UK_EP_GATE_ACT_SHIFT;
}

linalg::FillOp findZeroFill(linalg::GenericOp op) {
  Value out = op.getDpsInitOperand(0)->get();
  Value root = rootOf(out);
  for (Operation *n = op->getPrevNode(); n; n = n->getPrevNode()) {
    if (!touches(n, root))
      continue;
    auto fill = dyn_cast<linalg::FillOp>(n);
    if (!fill || fill.getDpsInitOperand(0)->get() != out ||
        !matchPattern(fill.getInputs()[0], m_AnyZeroFloat()))
      return nullptr;
    return fill;
  }
  return nullptr;
}

} // namespace seqc::target
