//===- ValueSwitch.cpp - run-time switches over input values
//---------------===//
//
// A graph input that decides a node's output shape (Reduce* axes, TopK's K,
// Split's sizes...) is only known at run time, but it ranges over a small
// finite set. Instead of requiring --const-input, the node is imported once
// per candidate value, by re-invoking its converter with that input replaced
// by the constant, and scf.index_switch runs the case of the run-time value:
//
//   %key = <seq ops computing the candidate key of the run-time input>
//   %r = scf.index_switch %key -> tensor<3x?xf32>
//   case 1 { <node with input = c1>; tensor.cast; scf.yield }
//   ...
//   default { cf.assert false, "<node>: <input> ..."; scf.yield <empty> }
//
// Results whose dims differ between candidates get dynamic dims (seq-run /
// seqc_run_alloc return them with their actual shapes).
//
//===----------------------------------------------------------------------===//

#include "ImporterInternal.h"

#include "seq/IR/SeqDialect.h"
#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

#include <functional>

using namespace mlir;

namespace seqc::import {
namespace {

constexpr llvm::StringLiteral kSwitchOfAttr = "seq.switch_of";
constexpr llvm::StringLiteral kSwitchInputAttr = "seq.switch_input";

struct Candidate {
  int64_t key;
  SmallVector<int64_t> value;
};

/// The usual error for an input that must be a compile-time constant, with
/// why no switch was built.
LogicalResult constantRequired(NodeContext &nc, unsigned i, StringRef what,
                               StringRef why) {
  InFlightDiagnostic d = nc.error() << what << " (input " << i
                                    << ") must be a constant integer tensor ("
                                    << why << ")";
  noteGraphInput(d, nc.input(i));
  return d;
}

/// Input `i` as an i64 tensor.
Value asI64(NodeContext &nc, unsigned i) {
  Value v = nc.input(i);
  auto t = nc.inputType(i);
  Type i64 = nc.b().getI64Type();
  if (t.getElementType() == i64)
    return v;
  return seq::CastOp::create(nc.b(), nc.loc(), t.clone(i64), v);
}

/// `v + rank` where `v` < 0.
Value normalizeAxes(NodeContext &nc, Value v, int64_t rank) {
  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  Type i64 = b.getI64Type();
  Value neg = seq::LessOp::create(b, loc, v, nc.scalarConstant(i64, 0));
  return seq::SelectOp::create(
      b, loc, v.getType(), neg,
      seq::AddOp::create(b, loc, v, nc.scalarConstant(i64, rank)), v);
}

/// Sums all elements of the i64 tensor `v` into a rank-0 tensor.
Value sumAll(NodeContext &nc, Value v) {
  auto t = cast<RankedTensorType>(v.getType());
  if (t.getRank() == 0)
    return v;
  SmallVector<int64_t> axes;
  for (int64_t d = 0; d < t.getRank(); ++d)
    axes.push_back(d);
  OpBuilder &b = nc.b();
  return seq::ReduceOp::create(
      b, nc.loc(), RankedTensorType::get({}, t.getElementType()), v,
      seq::ReduceKindAttr::get(nc.ctx(), seq::ReduceKind::sum),
      b.getDenseI64ArrayAttr(axes), UnitAttr());
}

/// Imports the node once per candidate of input `i` and selects the case
/// whose key equals the run-time `selector` (a rank-0 i64 tensor).
LogicalResult buildSwitch(NodeContext &nc, ConvertFn convert, unsigned i,
                          StringRef what, ArrayRef<Candidate> candidates,
                          Value selector) {
  MLIRContext *ctx = nc.ctx();
  ctx->getOrLoadDialect<scf::SCFDialect>();
  ctx->getOrLoadDialect<cf::ControlFlowDialect>();
  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  auto inType = nc.inputType(i);
  auto intType = cast<IntegerType>(inType.getElementType());
  SmallVector<unsigned> outputs;
  for (unsigned o = 0; o < nc.numOutputs(); ++o)
    if (nc.isOutputUsed(o))
      outputs.push_back(o);

  // Each candidate is imported into a detached block; the ones the converter
  // rejects (their diagnostics captured, not reported) are dropped.
  struct Case {
    int64_t key;
    std::unique_ptr<Block> block;
    SmallVector<Value> results;
  };
  SmallVector<Case> cases;
  std::string firstError;
  {
    ScopedDiagnosticHandler capture(ctx, [&](Diagnostic &d) {
      if (d.getSeverity() != DiagnosticSeverity::Error)
        return failure(); // not ours: pass it on
      if (firstError.empty())
        firstError = d.str();
      return success();
    });
    for (const Candidate &c : candidates) {
      auto block = std::make_unique<Block>();
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToEnd(block.get());
      SmallVector<APInt> bits;
      for (int64_t x : c.value)
        bits.push_back(APInt(intType.getWidth(), x, /*isSigned=*/true));
      Value cst = arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(inType, bits));
      llvm::StringMap<Value> values = nc.valueMap();
      NodeContext sub = nc.withOperand(i, cst, values);
      if (failed(convert(sub)))
        continue;
      Case k{c.key, std::move(block), {}};
      for (unsigned o : outputs)
        k.results.push_back(values.lookup(nc.node().output(o)));
      if (llvm::is_contained(k.results, Value()))
        continue;
      cases.push_back(std::move(k));
    }
  }
  if (cases.empty()) {
    InFlightDiagnostic d = nc.error()
                           << what << " (input " << i
                           << ") is only known at run time and none of its "
                           << candidates.size() << " possible values imports";
    if (!firstError.empty())
      d << "; the first fails with: " << firstError;
    return d;
  }

  // Result types: the candidates' shapes, dynamic where they differ.
  SmallVector<Type> types;
  for (unsigned r = 0; r < outputs.size(); ++r) {
    auto first = cast<RankedTensorType>(cases[0].results[r].getType());
    SmallVector<int64_t> shape(first.getShape());
    for (const Case &k : cases) {
      auto t = cast<RankedTensorType>(k.results[r].getType());
      if (t.getRank() != first.getRank() ||
          t.getElementType() != first.getElementType())
        return nc.error() << "output " << outputs[r] << " is " << typeStr(first)
                          << " or " << typeStr(t) << " depending on " << what
                          << " (input " << i
                          << "), which is only known at run time";
      for (int64_t d = 0; d < t.getRank(); ++d)
        if (t.getDimSize(d) != shape[d])
          shape[d] = ShapedType::kDynamic;
    }
    types.push_back(first.clone(shape));
  }

  Value key = tensor::ExtractOp::create(b, loc, selector, ValueRange());
  key = arith::IndexCastOp::create(b, loc, b.getIndexType(), key);
  SmallVector<int64_t> keys;
  for (const Case &k : cases)
    keys.push_back(k.key);
  auto sw = scf::IndexSwitchOp::create(b, loc, types, key, keys, keys.size());
  // What checkSwitchBroadcast names when a dynamic result dim would need
  // broadcasting.
  std::string of;
  llvm::raw_string_ostream ofs(of);
  ofs << what << " (input " << i << ") of " << nc.node().op_type() << " node";
  if (!nc.node().name().empty())
    ofs << " '" << nc.node().name() << "'";
  sw->setAttr(kSwitchOfAttr, b.getStringAttr(ofs.str()));
  sw->setAttr(kSwitchInputAttr, b.getStringAttr(nc.node().input(i)));
  auto yieldCast = [&](ValueRange vals) {
    SmallVector<Value> yielded;
    for (auto [v, t] : llvm::zip(vals, types))
      yielded.push_back(
          v.getType() == t ? v : Value(tensor::CastOp::create(b, loc, t, v)));
    scf::YieldOp::create(b, loc, yielded);
  };
  OpBuilder::InsertionGuard guard(b);
  for (auto [k, region] : llvm::zip(cases, sw.getCaseRegions())) {
    region.push_back(k.block.release());
    b.setInsertionPointToEnd(&region.front());
    yieldCast(k.results);
  }
  // Any other value: a run-time check failure naming the node and input.
  b.setInsertionPointToEnd(&sw.getDefaultRegion().emplaceBlock());
  std::string msg;
  llvm::raw_string_ostream os(msg);
  os << nc.node().op_type() << " node";
  if (!nc.node().name().empty())
    os << " '" << nc.node().name() << "'";
  os << ": " << what << " (input " << i << ", '" << nc.node().input(i)
     << "') has a value that is out of range or invalid for this node";
  cf::AssertOp::create(b, loc, arith::ConstantIntOp::create(b, loc, 0, 1),
                       os.str());
  SmallVector<Value> empty;
  for (Type t : types) {
    auto rt = cast<RankedTensorType>(t);
    SmallVector<int64_t> shape(rt.getShape());
    for (int64_t &d : shape)
      if (ShapedType::isDynamic(d))
        d = 0;
    empty.push_back(
        tensor::EmptyOp::create(b, loc, shape, rt.getElementType()));
  }
  yieldCast(empty);
  for (auto [o, r] : llvm::zip(outputs, sw.getResults()))
    nc.setOutput(o, r);
  return success();
}

/// Checks what a switch over input `i` needs: a static integer shape.
LogicalResult checkSwitchable(NodeContext &nc, unsigned i, StringRef what) {
  auto t = nc.inputType(i);
  if (!isa<IntegerType>(t.getElementType()) || !t.hasStaticShape())
    return constantRequired(nc, i, what,
                            "a run-time value needs a static integer shape, "
                            "got " +
                                typeStr(t));
  return success();
}

/// n choose k, saturated above the candidate cap.
int64_t choose(int64_t n, int64_t k) {
  if (k < 0 || k > n)
    return 0;
  int64_t r = 1;
  for (int64_t j = 1; j <= k; ++j) {
    r = r * (n - k + j) / j;
    if (r > kMaxSwitchCandidates)
      return kMaxSwitchCandidates + 1;
  }
  return r;
}

std::string tooMany(int64_t n) {
  return "it is only known at run time and has " +
         (n > kMaxSwitchCandidates
              ? "more than " + std::to_string(kMaxSwitchCandidates)
              : std::to_string(n)) +
         " possible values";
}

} // namespace

NodeContext NodeContext::withOperand(unsigned i, Value v,
                                     llvm::StringMap<Value> &outs) const {
  SmallVector<Value> ops(operands);
  ops[i] = v;
  return NodeContext(builder, usedNames, outs, nodeProto, opsetVersion,
                     location, ops);
}

LogicalResult checkSwitchBroadcast(NodeContext &nc, ArrayRef<Value> vals,
                                   ArrayRef<int64_t> shape) {
  int64_t rank = shape.size();
  for (auto [k, v] : llvm::enumerate(vals)) {
    auto t = cast<RankedTensorType>(v.getType());
    if (t.hasStaticShape())
      continue;
    // Back through shape-preserving one-operand seq ops to a switch.
    Value src = v;
    scf::IndexSwitchOp sw;
    while (Operation *op = src.getDefiningOp()) {
      if ((sw = dyn_cast<scf::IndexSwitchOp>(op)))
        break;
      if (!isa<seq::SeqDialect>(op->getDialect()) ||
          op->getNumOperands() != 1 || op->getNumResults() != 1)
        break;
      auto in = dyn_cast<RankedTensorType>(op->getOperand(0).getType());
      if (!in || in.getShape() != t.getShape())
        break;
      src = op->getOperand(0);
    }
    if (!sw || !sw->hasAttr(kSwitchOfAttr))
      continue;
    unsigned res = cast<OpResult>(src).getResultNumber();
    int64_t off = rank - t.getRank();
    for (int64_t d = 0; d < t.getRank(); ++d) {
      int64_t want = shape[off + d];
      if (!t.isDynamicDim(d) || ShapedType::isDynamic(want) || want == 1)
        continue;
      for (Region &r : sw.getCaseRegions()) {
        Value y = r.front().getTerminator()->getOperand(res);
        if (auto c = y.getDefiningOp<tensor::CastOp>())
          y = c.getSource();
        if (cast<RankedTensorType>(y.getType()).getDimSize(d) != 1)
          continue;
        InFlightDiagnostic diag =
            nc.error()
            << "dim " << d << " of operand " << k << " (" << typeStr(t)
            << ") is 1 for some values of "
            << sw->getAttrOfType<StringAttr>(kSwitchOfAttr).getValue()
            << ", which is only known at run time, and a dynamic "
               "dim is not broadcast to "
            << want;
        noteGraphInput(
            diag,
            nc.valueMap().lookup(
                sw->getAttrOfType<StringAttr>(kSwitchInputAttr).getValue()));
        return diag;
      }
    }
  }
  return success();
}

bool isRuntimeInput(NodeContext &nc, unsigned i) {
  Value v = nc.input(i);
  if (!v || matchPattern(v, m_Constant()))
    return false;
  auto t = nc.inputType(i);
  return !(t && t.hasStaticShape() && t.getNumElements() == 0);
}

LogicalResult switchOnAxes(NodeContext &nc, ConvertFn convert, unsigned i,
                           int64_t rank, StringRef what) {
  if (failed(checkSwitchable(nc, i, what)))
    return failure();
  int64_t n = nc.inputType(i).getNumElements();
  // The key of a set of axes is its bit mask (rank <= 32 keeps the sums
  // below overflow).
  if (rank > 32)
    return constantRequired(nc, i, what, "rank above 32");
  int64_t count = choose(rank, n);
  if (count == 0)
    return nc.error() << what << " (input " << i << ") holds " << n
                      << " distinct axes of a rank-" << rank << " tensor";
  if (count > kMaxSwitchCandidates)
    return constantRequired(nc, i, what, tooMany(count));
  // Every n-subset of [0, rank), sorted (count <= the cap, so this is cheap).
  SmallVector<Candidate> candidates;
  SmallVector<int64_t> cur;
  std::function<void(int64_t)> subsets = [&](int64_t from) {
    if (static_cast<int64_t>(cur.size()) == n) {
      int64_t mask = 0;
      for (int64_t a : cur)
        mask |= int64_t(1) << a;
      candidates.push_back({mask, cur});
      return;
    }
    for (int64_t a = from; a + (n - static_cast<int64_t>(cur.size())) <= rank;
         ++a) {
      cur.push_back(a);
      subsets(a + 1);
      cur.pop_back();
    }
  };
  subsets(0);
  // Run time: sum of 1 << axis over the normalized axes; an axis out of
  // range adds 1 << rank and repeated axes carry into fewer bits, so neither
  // matches an n-subset.
  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  Type i64 = b.getI64Type();
  Value a = normalizeAxes(nc, asI64(nc, i), rank);
  Value valid = seq::AndOp::create(
      b, loc, seq::GreaterEqualOp::create(b, loc, a, nc.scalarConstant(i64, 0)),
      seq::LessOp::create(b, loc, a, nc.scalarConstant(i64, rank)));
  a = seq::SelectOp::create(b, loc, a.getType(), valid, a,
                            nc.scalarConstant(i64, rank));
  Value bits = seq::ShiftLeftOp::create(b, loc, nc.scalarConstant(i64, 1), a);
  return buildSwitch(nc, convert, i, what, candidates, sumAll(nc, bits));
}

LogicalResult switchOnScalar(NodeContext &nc, ConvertFn convert, unsigned i,
                             int64_t lo, int64_t hi, int64_t axisRank,
                             StringRef what) {
  if (failed(checkSwitchable(nc, i, what)))
    return failure();
  if (nc.inputType(i).getNumElements() != 1)
    return nc.error() << what << " (input " << i
                      << ") must hold one value, got "
                      << typeStr(nc.inputType(i));
  if (hi - lo + 1 > kMaxSwitchCandidates)
    return constantRequired(nc, i, what, tooMany(hi - lo + 1));
  SmallVector<Candidate> candidates;
  for (int64_t v = lo; v <= hi; ++v)
    candidates.push_back({v, {v}});
  Value v = nc.reshape(asI64(nc, i), {});
  if (axisRank > 0)
    v = normalizeAxes(nc, v, axisRank);
  return buildSwitch(nc, convert, i, what, candidates, v);
}

LogicalResult switchOnValues(NodeContext &nc, ConvertFn convert, unsigned i,
                             ArrayRef<SmallVector<int64_t>> values,
                             StringRef what) {
  if (failed(checkSwitchable(nc, i, what)))
    return failure();
  if (static_cast<int64_t>(values.size()) > kMaxSwitchCandidates)
    return constantRequired(nc, i, what, tooMany(values.size()));
  auto t = nc.inputType(i);
  int64_t n = t.getNumElements();
  SmallVector<Candidate> candidates;
  SmallVector<int64_t> table, ids;
  for (auto [k, v] : llvm::enumerate(values)) {
    assert(static_cast<int64_t>(v.size()) == n && "candidate of wrong size");
    candidates.push_back({static_cast<int64_t>(k), v});
    table.append(v.begin(), v.end());
    ids.push_back(k + 1);
  }
  // Run time: the row of the candidate table equal to the input (1-based,
  // 0 for none), minus 1.
  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  Type i64 = b.getI64Type();
  int64_t m = values.size();
  Value tab = arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(RankedTensorType::get({m, n}, i64),
                             ArrayRef(table)));
  Value in = nc.reshape(asI64(nc, i), {1, n});
  Value eq = seq::CastOp::create(b, loc, RankedTensorType::get({m, n}, i64),
                                 seq::EqualOp::create(b, loc, tab, in));
  Value rowEq = seq::ReduceOp::create(
      b, loc, RankedTensorType::get({m}, i64), eq,
      seq::ReduceKindAttr::get(nc.ctx(), seq::ReduceKind::min),
      b.getDenseI64ArrayAttr({1}), UnitAttr());
  Value idv = arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(RankedTensorType::get({m}, i64), ArrayRef(ids)));
  Value key = seq::SubOp::create(
      b, loc, sumAll(nc, seq::MulOp::create(b, loc, rowEq, idv)),
      nc.scalarConstant(i64, 1));
  return buildSwitch(nc, convert, i, what, candidates, key);
}

} // namespace seqc::import
