//===- RuntimeDims.cpp - symbolic dims known only at run time -------------===//
//
// A generation step is compiled once for a cache of `max_len` positions, but
// its graph computes positions and masks from the *actual* past length
// (`Shape(past_key)[2]` feeding RoPE and the causal mask). The importer keeps
// shapes static: a run-time dim takes its maximum value, so every tensor has
// the shape of a full cache. Values computed from such a dim get a run-time
// *twin*:
//   - `Shape`/`Size` of a graph input with a run-time dim fold as usual (the
//     static value serves shape consumers: Reshape, Expand, ...), and their
//     twin is built from the `past_len` argument;
//   - a folded node with twin inputs is folded a second time with every
//     input at "one less" (its alt value). If its result keeps its shape but
//     changes value, the node is converted once more on the twins (positions,
//     mask thresholds); if its shape changes (Range(0, total)), the static
//     result stands for the full-cache extent and masks hide the tail;
//   - a node imported as IR reads the twins of its data operands. Operands
//     that only give a shape (Reshape's shape, Expand's, ...) keep the static
//     value; a twin in any other compile-time position (a Slice start, ...)
//     is an error, never a silently wrong value.
//
//===----------------------------------------------------------------------===//

#include "ImporterInternal.h"

#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;

namespace seqc::import {

namespace {
/// Operands that only decide a result shape: with a twin they keep their
/// static (full-cache) value.
bool isShapeOnlyOperand(StringRef key, unsigned i) {
  if (key == "Reshape" || key == "Expand" || key == "Tile")
    return i == 1;
  if (key == "ConstantOfShape")
    return i == 0;
  // total_sequence_length sizes the attention; seqlens_k masks the keys.
  if (key == "com.microsoft.GroupQueryAttention")
    return i == 6;
  return false;
}

/// Operands a converter reads at compile time (axes, bounds, sizes): a twin
/// there would be silently replaced by its static value.
bool isCompileTimeOperand(StringRef key, unsigned i) {
  static const llvm::StringSet<> firstOnly = {
      "Squeeze",   "Unsqueeze",    "ReduceSum",       "ReduceMean",
      "ReduceMax", "ReduceMin",    "ReduceProd",      "ReduceL1",
      "ReduceL2",  "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare",
      "TopK",      "Split",        "CumSum",          "OneHot"};
  if (firstOnly.contains(key))
    return i == 1;
  if (key == "Slice")
    return i >= 1;
  if (key == "Pad")
    return i == 1 || i == 3;
  if (key == "Resize" || key == "Upsample")
    return i >= 1;
  if (key == "Range")
    return true;
  return false;
}

bool sameConstant(Value a, Value b) {
  Attribute x, y;
  if (!matchPattern(a, m_Constant(&x)) || !matchPattern(b, m_Constant(&y)))
    return false;
  return x == y;
}
} // namespace

void RuntimeDims::noteArg(Value arg, ArrayRef<std::optional<int64_t>> offsets) {
  if (llvm::any_of(offsets, [](auto o) { return o.has_value(); }))
    argOffsets[arg] = SmallVector<std::optional<int64_t>>(offsets);
}

/// Twin and alt of Shape/Size of a graph input with run-time dims.
LogicalResult RuntimeDims::shapeOrigin(NodeContext &nc, bool isSize) {
  auto it = argOffsets.find(nc.input(0));
  if (it == argOffsets.end())
    return success();
  Value folded = nc.valueMap().lookup(nc.node().output(0));
  if (!folded)
    return success();
  auto type = nc.inputType(0);
  int64_t r = type.getRank();
  auto [start, end] =
      isSize ? std::pair<int64_t, int64_t>{0, r} : shapeAttrRange(nc, r);
  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  Type i64 = b.getI64Type();
  const auto &offsets = it->second;
  if (isSize) {
    // Size = (p + off) * (product of the other dims), one run-time dim.
    int64_t other = 1, off = 0, numRuntime = 0;
    for (int64_t d = 0; d < r; ++d) {
      if (offsets[d]) {
        off = *offsets[d];
        ++numRuntime;
      } else {
        other *= type.getDimSize(d);
      }
    }
    if (numRuntime != 1)
      return nc.error() << "the size of a tensor with " << numRuntime
                        << " run-time dims is not supported";
    auto scalar = RankedTensorType::get({}, i64);
    auto cst = [&](int64_t v) -> Value {
      return arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(scalar, ArrayRef<int64_t>{v}));
    };
    Value twin = seq::MulOp::create(
        b, loc, seq::AddOp::create(b, loc, pastLen, cst(off)), cst(other));
    int64_t altValue = (maxPast - 1 + off) * other;
    record(folded, twin, cst(altValue));
    return success();
  }
  // Shape = C0 + M * p: C0 holds the static dims and the offsets of the
  // run-time ones, M marks the run-time ones.
  SmallVector<int64_t> c0, m, alt;
  for (int64_t d = start; d < end; ++d) {
    bool rt = offsets[d].has_value();
    c0.push_back(rt ? *offsets[d] : type.getDimSize(d));
    m.push_back(rt ? 1 : 0);
    alt.push_back(rt ? maxPast - 1 + *offsets[d] : type.getDimSize(d));
  }
  if (llvm::all_of(m, [](int64_t x) { return x == 0; }))
    return success();
  auto vec = RankedTensorType::get({(int64_t)c0.size()}, i64);
  auto cst = [&](ArrayRef<int64_t> v) -> Value {
    return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(vec, v));
  };
  Value twin = seq::AddOp::create(b, loc, cst(c0),
                                  seq::MulOp::create(b, loc, cst(m), pastLen));
  record(folded, twin, cst(alt));
  return success();
}

std::optional<LogicalResult> RuntimeDims::importNode(NodeContext &nc,
                                                     const OpConverter &conv,
                                                     bool defaultDomain,
                                                     StringRef key) {
  if (empty())
    return std::nullopt;
  StringRef op = nc.node().op_type();
  if (defaultDomain && (op == "Shape" || op == "Size") &&
      argOffsets.count(nc.input(0))) {
    if (!foldNode(nc))
      return std::nullopt;
    return shapeOrigin(nc, op == "Size");
  }
  bool anyTwin = false;
  for (unsigned i = 0; i < nc.numInputs(); ++i)
    anyTwin |= nc.input(i) && twins.count(nc.input(i));
  if (!anyTwin)
    return std::nullopt;

  SmallVector<Value> staticOps, altOps, twinOps;
  for (unsigned i = 0; i < nc.numInputs(); ++i) {
    Value v = nc.input(i);
    staticOps.push_back(v);
    altOps.push_back(v && alts.count(v) ? alts.lookup(v) : v);
    twinOps.push_back(v && twins.count(v) ? twins.lookup(v) : v);
  }
  const onnx::NodeProto &n = nc.node();

  if (defaultDomain && foldNode(nc)) {
    llvm::StringMap<Value> altOuts;
    NodeContext altNc(nc.b(), usedNames, altOuts, n, nc.opset(), nc.loc(),
                      altOps);
    bool altFolded = foldNode(altNc);
    SmallVector<unsigned> needTwin;
    for (unsigned k = 0; k < nc.numOutputs(); ++k) {
      if (n.output(k).empty())
        continue;
      Value s = nc.valueMap().lookup(n.output(k));
      Value a = altFolded ? altOuts.lookup(n.output(k)) : Value();
      if (!s || !a)
        return nc.error() << "depends on a run-time dim ('" << pastName
                          << "') and cannot be evaluated for another length";
      // A result whose shape follows the length stands for the full cache.
      if (s.getType() != a.getType() || sameConstant(s, a))
        continue;
      needTwin.push_back(k);
    }
    if (needTwin.empty())
      return success();
    llvm::StringMap<Value> twinOuts;
    if (op == "Range") {
      // Same length, shifted start: static + (start twin - static start).
      if (twins.count(staticOps[1]) || twins.count(staticOps[2]))
        return nc.error() << "a run-time dim ('" << pastName
                          << "') decides the limit or delta of this Range "
                             "but not its length";
      Value s = nc.valueMap().lookup(n.output(0));
      Value shift =
          seq::SubOp::create(nc.b(), nc.loc(), twinOps[0], staticOps[0]);
      twinOuts[n.output(0)] = seq::AddOp::create(nc.b(), nc.loc(), s, shift);
    } else {
      NodeContext twinNc(nc.b(), usedNames, twinOuts, n, nc.opset(), nc.loc(),
                         twinOps);
      if (failed(conv.fn(twinNc))) {
        emitRemark(nc.loc()) << "this value depends on the run-time dim '"
                             << pastName << "' (the generation step's past "
                             << "length), so it is computed at run time";
        return failure();
      }
    }
    for (unsigned k : needTwin) {
      Value s = nc.valueMap().lookup(n.output(k));
      Value t = twinOuts.lookup(n.output(k));
      if (!t || t.getType() != s.getType())
        return nc.error() << "output " << k << " depends on the run-time dim '"
                          << pastName << "' but was not computed at run time";
      record(s, t, altOuts.lookup(n.output(k)));
    }
    return success();
  }

  // Imported as IR: data operands read their twins.
  SmallVector<Value> ops;
  for (unsigned i = 0; i < nc.numInputs(); ++i) {
    Value v = staticOps[i];
    if (!v || !twins.count(v)) {
      ops.push_back(v);
      continue;
    }
    if (isShapeOnlyOperand(key, i)) {
      ops.push_back(v);
      continue;
    }
    if (isCompileTimeOperand(key, i))
      return nc.error() << "input " << i << " depends on the run-time dim '"
                        << pastName << "' (the generation step's past "
                        << "length) but must be known at compile time";
    ops.push_back(twinOps[i]);
  }
  NodeContext rtNc(nc.b(), usedNames, nc.valueMap(), n, nc.opset(), nc.loc(),
                   ops);
  return conv.fn(rtNc);
}

void RuntimeDims::record(Value folded, Value twin, Value alt) {
  twins[folded] = twin;
  alts[folded] = alt;
}

} // namespace seqc::import
