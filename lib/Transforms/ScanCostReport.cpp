//===- ScanCostReport.cpp - passes, memory, FLOPs of lowered linear scans -===//
//
// Appended to the seq-cascade-report table (`seqc --emit=cascade`): one row
// per loop the seq.linear_scan lowering tagged (`seq.scan` = step, chunked
// or step-remainder, with its steps, chunk length and shapes):
//
// * seq-passes: sweeps over the sequence. Each form reads every q/k/v/decay
//   row once, in time order, carrying only the state; a remainder loop that
//   continues a chunk loop's state is the same pass (as a K/V tile-loop
//   chain is for attention).
// * state-B: the carried [B, Hkv, Dk, Dv] state.
// * working-set: the state plus every fresh buffer one iteration of the
//   loop allocates (per head for the step form, per chunk for the chunked
//   form: the C x C scores, C x D rows); independent of the sequence length.
// * flops / exp: float arith and math ops x iteration space x trip counts
//   (the step form's time loop runs `steps` times per head; nested loops
//   their constant trip counts), plus the exp(decay) prologue.
// * bytes-moved: slices read from values defined outside the loop, results
//   written back, and the prologue's operands.
//
//===----------------------------------------------------------------------===//

#include "CostReport.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;

namespace seqc {
namespace {

int64_t attrInt(Operation *op, StringRef name) {
  auto a = op->getAttrOfType<IntegerAttr>(name);
  return a ? a.getInt() : -1;
}

/// Times `op` runs per iteration of `top`: the product of the constant trip
/// counts of the scf.for loops in between (`steps` for the step form's time
/// loop, whose bound may be dynamic).
int64_t innerTrips(Operation *op, Operation *top, int64_t steps) {
  int64_t n = 1;
  for (Operation *p = op->getParentOp(); p && p != top; p = p->getParentOp()) {
    auto loop = dyn_cast<scf::ForOp>(p);
    if (!loop)
      continue;
    std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound()),
                           ub = getConstantIntValue(loop.getUpperBound()),
                           st = getConstantIntValue(loop.getStep());
    if (lb && ub && st && *st > 0)
      n *= (*ub - *lb + *st - 1) / *st;
    else
      n *= std::max<int64_t>(steps, 1);
  }
  return n;
}

struct ScanRow {
  std::string where, form;
  int64_t steps = 0, chunk = 0, heads = 0, group = 0, dk = 0, dv = 0;
  int64_t passes = 1, state = 0, workingSet = 0, flops = 0, trans = 0,
          bytes = 0;
};

ScanRow analyze(Operation *loop) {
  ScanRow row;
  std::string s;
  llvm::raw_string_ostream os(s);
  loop->getLoc().print(os);
  row.where = s;
  row.form = loop->getAttrOfType<StringAttr>("seq.scan").getValue().str();
  row.steps = attrInt(loop, "seq.scan_steps");
  row.chunk = attrInt(loop, "seq.scan_chunk");
  row.heads = attrInt(loop, "seq.scan_heads");
  row.group = attrInt(loop, "seq.scan_group");
  row.dk = attrInt(loop, "seq.scan_dk");
  row.dv = attrInt(loop, "seq.scan_dv");
  row.state = attrInt(loop, "seq.scan_state_bytes");
  // A remainder loop continuing a chunk loop's state: the same sweep.
  if (auto f = dyn_cast<scf::ForOp>(loop))
    for (Value init : f.getInitArgs())
      if (Operation *d = init.getDefiningOp(); d && d->hasAttr("seq.scan"))
        row.passes = 0;

  // Iterations of the tagged loop: (batch, kv head) pairs for the step form,
  // chunks for the chunked one.
  int64_t trips = 1;
  if (auto forall = dyn_cast<scf::ForallOp>(loop)) {
    for (OpFoldResult ub : forall.getMixedUpperBound())
      trips *= getConstantIntValue(ub).value_or(1);
  } else {
    auto f = cast<scf::ForOp>(loop);
    std::optional<int64_t> lb = getConstantIntValue(f.getLowerBound()),
                           ub = getConstantIntValue(f.getUpperBound()),
                           st = getConstantIntValue(f.getStep());
    trips = lb && ub && st && *st > 0 ? (*ub - *lb + *st - 1) / *st
                                      : std::max<int64_t>(row.steps, 1);
  }
  auto outside = [&](Value v) {
    return !loop->isAncestor(v.getParentBlock()->getParentOp());
  };
  row.workingSet = row.state;
  DenseSet<Operation *> prologue;
  loop->walk([&](Operation *op) {
    if (op == loop)
      return;
    int64_t n = trips * innerTrips(op, loop, row.steps);
    if (auto lop = dyn_cast<linalg::LinalgOp>(op)) {
      auto [f, t] = opWork(lop);
      row.flops += f * n;
      row.trans += t * n;
      for (OpOperand &init : lop.getDpsInitsMutable()) {
        Value v = init.get();
        if (auto fill = v.getDefiningOp<linalg::FillOp>())
          v = fill.getOutputs()[0];
        if (v.getDefiningOp<tensor::EmptyOp>())
          row.workingSet += bytesOf(init.get().getType());
      }
      return;
    }
    if (auto sl = dyn_cast<tensor::ExtractSliceOp>(op)) {
      if (!outside(sl.getSource()))
        return;
      row.bytes += bytesOf(sl.getType()) * n;
      if (auto def = sl.getSource().getDefiningOp<linalg::LinalgOp>())
        if (def->hasAttr("seq.scan_prologue"))
          prologue.insert(def);
      return;
    }
    // Output rows: the chunked form inserts into its carried output (the
    // step form's rows are a view of the output, written back once below).
    if (auto ins = dyn_cast<tensor::InsertSliceOp>(op)) {
      auto arg = dyn_cast<BlockArgument>(ins.getDest());
      if (arg && arg.getOwner()->getParentOp() == loop)
        row.bytes += bytesOf(ins.getSourceType()) * n;
      return;
    }
    if (auto pins = dyn_cast<tensor::ParallelInsertSliceOp>(op))
      row.bytes += bytesOf(pins.getSourceType()) * trips;
  });
  for (Operation *p : prologue) {
    auto lop = cast<linalg::LinalgOp>(p);
    auto [f, t] = opWork(lop);
    row.flops += f;
    row.trans += t;
    for (Value v : p->getOperands())
      row.bytes += bytesOf(v.getType());
  }
  return row;
}

} // namespace

std::string scanCostReport(Operation *root) {
  std::vector<ScanRow> rows;
  root->walk([&](Operation *op) {
    if (op->hasAttr("seq.scan"))
      rows.push_back(analyze(op));
  });
  if (rows.empty())
    return "";
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "seq-scan-report: " << rows.size() << " linear scan loop(s)\n";
  os << llvm::formatv("{0,-3} {1,-14} {2,6} {3,5} {4,6} {5,3} {6,4} {7,4} "
                      "{8,10} {9,9} {10,12} {11,10} {12,10} {13,12}\n",
                      "#", "scan", "steps", "chunk", "heads", "G", "Dk", "Dv",
                      "seq-passes", "state-B", "working-set", "flops", "exp",
                      "bytes-moved");
  for (auto [i, r] : llvm::enumerate(rows))
    os << llvm::formatv("{0,-3} {1,-14} {2,6} {3,5} {4,6} {5,3} {6,4} {7,4} "
                        "{8,10} {9,9} {10,12} {11,10} {12,10} {13,12}\n",
                        i, r.form, r.steps < 0 ? "?" : std::to_string(r.steps),
                        r.chunk, r.heads, r.group, r.dk, r.dv, r.passes,
                        humanCount(r.state), humanCount(r.workingSet),
                        humanCount(r.flops), humanCount(r.trans),
                        humanCount(r.bytes));
  for (auto [i, r] : llvm::enumerate(rows))
    os << "  #" << i << " at " << r.where << "\n";
  return s;
}

} // namespace seqc
