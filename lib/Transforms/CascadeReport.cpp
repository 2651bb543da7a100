//===- CascadeReport.cpp - passes, buffers, FLOPs of attention cascades ---===//
//
// Analyses the Einsum cascades attention lowers to (linalg on tensors) and
// reports, per cascade, what FuseMax uses to classify them:
//
// * passes over the K/V rank, from the dependence structure: the contraction
//   tagged `seq.kv_dim` (QK) starts pass 1; a value fully reduced over K/V
//   that feeds an op iterating K/V again forces that op into the next pass
//   (the whole K/V row must have been seen first). A K/V tile loop
//   (`seq.kv_tile_loop`) carrying running reductions is a single pass; the
//   same rule applied inside it counts passes over the on-chip tile.
// * working set: bytes of every fresh buffer (a result whose destination is
//   a tensor.empty, and every tile slice) the cascade keeps live, per
//   parallel worker for the tiled form. It grows with Sq*Skv for the naive
//   cascade and is constant for the tiled one.
// * K/V-sized intermediates crossing a pass boundary (what a 3-pass
//   cascade must buffer on chip or spill and re-read).
// * FLOPs (float arith and math ops x iteration space x trip counts, exp
//   counted separately) and bytes moved across the on-chip boundary: the
//   naive cascade reads and writes every operand; the tiled one reads tile
//   slices of values defined outside the forall and writes its results.
//
//===----------------------------------------------------------------------===//

#include "seqc/Transforms/Passes.h"

#include "CostReport.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;

namespace seqc {
#define GEN_PASS_DEF_SEQCASCADEREPORT
#include "seqc/Transforms/Passes.h.inc"

namespace {

/// Dependence-based pass numbering over the K/V rank.
struct PassCounter {
  struct Info {
    bool hasKv;   // the tensor still has the K/V dim (else fully reduced)
    unsigned dim; // tensor dim that is K/V when hasKv
    int pass;
  };
  DenseMap<Value, Info> info;
  SetVector<Operation *> ops; // cascade ops in discovery order
  DenseMap<Operation *, int> opPass;
  int maxPass = 0;
  int64_t crossBytes = 0;  // K/V-sized values consumed in a later pass
  Region *scope = nullptr; // where reduced-only ops still count
  DenseSet<Value> crossing;

  /// The loop of `op` walking K/V, derived from its K/V-carrying inputs.
  std::optional<unsigned> kvLoop(linalg::LinalgOp op) {
    if (auto a = op->getAttrOfType<IntegerAttr>("seq.kv_dim"))
      return a.getInt();
    for (OpOperand *in : op.getDpsInputOperands()) {
      auto it = info.find(in->get());
      if (it == info.end() || !it->second.hasKv)
        continue;
      AffineExpr e = op.getMatchingIndexingMap(in).getResult(it->second.dim);
      if (auto d = dyn_cast<AffineDimExpr>(e))
        return d.getPosition();
    }
    return std::nullopt;
  }

  /// A reshape of a tensor that still has the K/V dim (the heads merged
  /// around a seq.attention score_mod/prob_mod) stays in the cascade, the
  /// K/V dim relabelled through the reassociation; one of a reduced value
  /// (the attention result) ends it.
  void propagateReshape(Operation *op) {
    auto it = info.find(op->getOperand(0));
    if (it == info.end() || !it->second.hasKv)
      return;
    unsigned dim = it->second.dim;
    std::optional<unsigned> out;
    if (auto c = dyn_cast<tensor::CollapseShapeOp>(op)) {
      for (auto [g, group] : llvm::enumerate(c.getReassociationIndices()))
        if (llvm::is_contained(group, (int64_t)dim))
          out = g;
    } else {
      auto groups = cast<tensor::ExpandShapeOp>(op).getReassociationIndices();
      if (dim < groups.size())
        out = groups[dim].back(); // the K/V extent is innermost in its group
    }
    if (out)
      info[op->getResult(0)] = {true, *out, it->second.pass};
  }

  void run(linalg::LinalgOp seed) {
    // Everything reachable from the seed in its block, numbered in program
    // order so every producer is numbered before its consumers.
    SetVector<Operation *> reach;
    SmallVector<Operation *> work{seed};
    while (!work.empty()) {
      Operation *op = work.pop_back_val();
      if (op->getBlock() != seed->getBlock() ||
          !isa<linalg::LinalgOp, tensor::CollapseShapeOp,
               tensor::ExpandShapeOp>(op) ||
          !reach.insert(op))
        continue;
      for (Value r : op->getResults())
        llvm::append_range(work, r.getUsers());
    }
    SmallVector<Operation *> order(reach.begin(), reach.end());
    llvm::sort(order, [](Operation *a, Operation *b) {
      return a->isBeforeInBlock(b);
    });
    for (Operation *raw : order) {
      if (isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp>(raw)) {
        propagateReshape(raw);
        continue;
      }
      auto op = cast<linalg::LinalgOp>(raw);
      std::optional<unsigned> loop = kvLoop(op);
      // An op on reduced values only (running-statistics updates) belongs
      // to the cascade inside a tile loop; elsewhere it is a consumer of the
      // attention result.
      if (!loop && (!scope || !scope->isAncestor(op->getParentRegion())))
        continue;
      int pass = 1;
      bool any = op == seed;
      for (OpOperand *in : op.getDpsInputOperands()) {
        auto it = info.find(in->get());
        if (it != info.end()) {
          any = true;
          // Only an op walking K/V again must wait for a full reduction.
          bool again = loop && !it->second.hasKv;
          pass = std::max(pass, it->second.pass + (again ? 1 : 0));
        }
      }
      if (!any)
        continue;
      opPass[op] = pass;
      ops.insert(op);
      maxPass = std::max(maxPass, pass);
      for (OpOperand *in : op.getDpsInputOperands()) {
        auto it = info.find(in->get());
        if (it != info.end() && it->second.hasKv && it->second.pass < pass &&
            crossing.insert(in->get()).second)
          crossBytes += bytesOf(in->get().getType());
      }
      for (OpResult r : op->getResults()) {
        AffineMap m = op.getIndexingMapMatchingResult(r);
        Info i{false, 0, pass};
        for (unsigned d = 0; loop && d < m.getNumResults(); ++d)
          if (m.getResult(d) == getAffineDimExpr(*loop, op->getContext()))
            i = {true, d, pass};
        info[r] = i;
      }
    }
  }
};

/// Is `v` a fresh buffer: a tensor.empty, or (when the fill itself is not
/// among the counted ops) a filled tensor.empty?
bool isFresh(Value v, bool throughFill) {
  if (auto fill = v.getDefiningOp<linalg::FillOp>(); fill && throughFill)
    v = fill.getOutputs()[0];
  return v.getDefiningOp<tensor::EmptyOp>() != nullptr;
}

struct Row {
  std::string where, kind, params;
  int kvPasses = 0, tilePasses = 0;
  int64_t workingSet = 0, crossBytes = 0, flops = 0, trans = 0, bytes = 0;
  int64_t tilesVisited = -1, tilesDense = -1;
};

/// Working set and work of the ops in `ops` (each executed `trips` times).
void accumulate(Row &row, ArrayRef<Operation *> ops, int64_t trips,
                bool countBytes, bool throughFill = false) {
  for (Operation *op : ops) {
    auto lop = dyn_cast<linalg::LinalgOp>(op);
    if (!lop)
      continue;
    auto [f, t] = opWork(lop);
    row.flops += f * trips;
    row.trans += t * trips;
    for (OpOperand &init : lop.getDpsInitsMutable())
      if (isFresh(init.get(), throughFill))
        row.workingSet += bytesOf(init.get().getType());
    if (countBytes) {
      for (OpOperand *in : lop.getDpsInputOperands())
        row.bytes += bytesOf(in->get().getType()) * trips;
      for (Value r : op->getResults())
        row.bytes += bytesOf(r.getType()) * trips;
    }
  }
}

std::string locString(Operation *op) {
  std::string s;
  llvm::raw_string_ostream os(s);
  op->getLoc().print(os);
  return s;
}

Row analyzeNaive(linalg::LinalgOp seed) {
  PassCounter pc;
  pc.run(seed);
  Row row;
  row.where = locString(seed);
  row.kind = "naive";
  row.kvPasses = pc.maxPass;
  row.crossBytes = pc.crossBytes;
  accumulate(row, pc.ops.getArrayRef(), 1, /*countBytes=*/true,
             /*throughFill=*/true);
  return row;
}

int64_t tripCount(scf::ForallOp forall) {
  int64_t n = 1;
  for (OpFoldResult ub : forall.getMixedUpperBound())
    if (std::optional<int64_t> c = getConstantIntValue(ub))
      n *= *c;
  return n;
}

Row analyzeTiled(scf::ForallOp forall) {
  Row row;
  row.where = locString(forall);
  row.kind = "online-tiled";
  auto geti = [&](StringRef name) -> int64_t {
    auto a = forall->getAttrOfType<IntegerAttr>(name);
    return a ? a.getInt() : -1;
  };
  row.params = llvm::formatv("Bq={0} Bkv={1} split={2}", geti("seq.block_q"),
                             geti("seq.block_kv"), geti("seq.split_kv"));
  row.tilesVisited = geti("seq.kv_tiles_visited");
  row.tilesDense = geti("seq.kv_tiles_dense");
  int64_t trips = tripCount(forall);
  // Average K/V-loop trips per forall iteration, as a whole count overall.
  int64_t loopTrips = row.tilesVisited >= 0 ? row.tilesVisited : trips;

  SmallVector<Operation *> bodyOps, loopOps;
  SmallVector<scf::ForOp> kvLoops;
  forall.getBody()->walk([&](Operation *op) {
    if (auto loop = dyn_cast<scf::ForOp>(op))
      if (loop->hasAttr("seq.kv_tile_loop"))
        kvLoops.push_back(loop);
  });
  for (Operation &op : forall.getBody()->without_terminator())
    if (!op.hasAttr("seq.kv_tile_loop"))
      bodyOps.push_back(&op);
  // One pass per chain of K/V tile loops (a loop continuing another's
  // running state over the next K/V range is the same pass); inside, the
  // dependence rule counts passes over the on-chip tile. Work per tile is
  // taken from the largest loop body (the one that masks).
  DenseSet<Operation *> kvLoopSet;
  for (scf::ForOp loop : kvLoops)
    kvLoopSet.insert(loop);
  row.kvPasses = llvm::count_if(kvLoops, [&](scf::ForOp loop) {
    return llvm::none_of(loop.getInitArgs(), [&](Value v) {
      return kvLoopSet.contains(v.getDefiningOp());
    });
  });
  scf::ForOp rep;
  size_t repSize = 0;
  for (scf::ForOp loop : kvLoops) {
    size_t n = 0;
    loop.getBody()->walk([&](Operation *) { ++n; });
    if (n > repSize)
      rep = loop, repSize = n;
  }
  if (rep) {
    scf::ForOp loop = rep;
    loop.getBody()->walk([&](Operation *op) { loopOps.push_back(op); });
    for (Operation *op : loopOps)
      if (op->hasAttr("seq.kv_dim") && isa<linalg::LinalgOp>(op)) {
        PassCounter pc;
        pc.scope = &loop.getRegion();
        pc.run(cast<linalg::LinalgOp>(op));
        row.tilePasses = std::max(row.tilePasses, pc.maxPass);
        break;
      }
  }
  if (kvLoops.empty()) {
    // A single K/V tile: canonicalization folded the one-trip loop away.
    row.kvPasses = 1;
    for (Operation *op : bodyOps)
      if (op->hasAttr("seq.kv_dim") && isa<linalg::LinalgOp>(op)) {
        PassCounter pc;
        pc.scope = &forall.getRegion();
        pc.run(cast<linalg::LinalgOp>(op));
        row.tilePasses = pc.maxPass;
        break;
      }
  }
  accumulate(row, bodyOps, trips, /*countBytes=*/false);
  accumulate(row, loopOps, loopTrips, /*countBytes=*/false);
  // Off-chip traffic: slices of values defined outside the forall, and the
  // results written back.
  auto outside = [&](Value v) {
    return !forall->isAncestor(v.getParentBlock()->getParentOp()) ||
           forall.getBody() == nullptr;
  };
  forall.getBody()->walk([&](tensor::ExtractSliceOp s) {
    int64_t b = bytesOf(s.getType());
    if (rep && !rep->isAncestor(s) &&
        llvm::any_of(kvLoops, [&](scf::ForOp l) { return l->isAncestor(s); }))
      return; // the same tiles as in `rep`
    row.workingSet += b;
    if (!outside(s.getSource()))
      return;
    bool inRep = rep && rep->isAncestor(s);
    row.bytes += b * (inRep ? loopTrips : trips);
  });
  forall.getTerminator().walk([&](tensor::ParallelInsertSliceOp s) {
    row.bytes += bytesOf(s.getSourceType()) * trips;
  });
  // Prologue (layout, padding) and epilogue (split-K merge) linalg ops.
  SmallVector<Operation *> aux;
  DenseSet<Operation *> producers;
  forall.getBody()->walk([&](tensor::ExtractSliceOp s) {
    if (auto def = s.getSource().getDefiningOp<linalg::LinalgOp>())
      if (outside(s.getSource()) && producers.insert(def).second)
        aux.push_back(def);
  });
  for (Value r : forall->getResults()) {
    SmallVector<Value> work{r};
    DenseSet<Operation *> seen;
    while (!work.empty()) {
      Value v = work.pop_back_val();
      for (Operation *u : v.getUsers())
        if (isa<linalg::LinalgOp>(u) && seen.insert(u).second) {
          aux.push_back(u);
          llvm::append_range(work, u->getResults());
        }
    }
  }
  // Their buffers (e.g. Kᵀ) are layout copies of the inputs, not on-chip
  // working memory.
  int64_t ws = row.workingSet;
  accumulate(row, aux, 1, /*countBytes=*/true);
  row.workingSet = ws;
  return row;
}

} // namespace

std::string cascadeReport(Operation *root) {
  std::vector<Row> rows;
  root->walk([&](Operation *op) {
    if (auto forall = dyn_cast<scf::ForallOp>(op)) {
      if (forall->hasAttr("seq.cascade"))
        rows.push_back(analyzeTiled(forall));
      return;
    }
    auto lop = dyn_cast<linalg::LinalgOp>(op);
    if (!lop || !op->hasAttr("seq.kv_dim"))
      return;
    for (Operation *p = op->getParentOp(); p; p = p->getParentOp())
      if (p->hasAttr("seq.cascade") || p->hasAttr("seq.kv_tile_loop"))
        return;
    rows.push_back(analyzeNaive(lop));
  });
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "seq-cascade-report: " << rows.size() << " attention cascade(s)\n";
  os << llvm::formatv("{0,-3} {1,-13} {2,9} {3,10} {4,12} {5,12} {6,10} {7,10} "
                      "{8,12} {9,15} {10}\n",
                      "#", "cascade", "kv-passes", "tile-pass", "working-set",
                      "kv-live-B", "flops", "exp", "bytes-moved", "kv-tiles",
                      "params");
  for (auto [i, r] : llvm::enumerate(rows)) {
    std::string tiles =
        r.tilesDense < 0
            ? "-"
            : llvm::formatv("{0}/{1}", r.tilesVisited, r.tilesDense).str();
    os << llvm::formatv(
        "{0,-3} {1,-13} {2,9} {3,10} {4,12} {5,12} {6,10} {7,10} {8,12} "
        "{9,15} {10}\n",
        i, r.kind, r.kvPasses,
        r.tilePasses ? std::to_string(r.tilePasses) : "-",
        humanCount(r.workingSet), humanCount(r.crossBytes), humanCount(r.flops),
        humanCount(r.trans), humanCount(r.bytes), tiles, r.params);
  }
  for (auto [i, r] : llvm::enumerate(rows))
    os << "  #" << i << " at " << r.where << "\n";
  os << moeCostReport(root);
  os << scanCostReport(root);
  return s;
}

namespace {
struct SeqCascadeReportPass : impl::SeqCascadeReportBase<SeqCascadeReportPass> {
  void runOnOperation() override {
    llvm::outs() << cascadeReport(getOperation());
    llvm::outs().flush();
    markAllAnalysesPreserved();
  }
};
} // namespace
} // namespace seqc
