//===- RecurrentOps.cpp - Scan, RNN, GRU, LSTM -> seq.scan ----------------===//
//
// Every recurrence becomes a seq.scan. ONNX Scan imports its body graph
// into the region; the RNN cells are built here: the input projection
// X·Wᵀ (+ biases) of all steps is one matmul before the scan, the step adds
// H·Rᵀ and applies the gates. Semantics follow the ONNX specification and
// onnxruntime (which, unlike onnx.reference, honours sequence_lens,
// activations and clip).
//
//===----------------------------------------------------------------------===//

#include "ImporterInternal.h"

#include "seq/IR/SeqDialect.h"
#include "seq/IR/SeqOps.h"
#include "seq/IR/SeqSemantics.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

#include <numeric>

using namespace mlir;

namespace seqc::import {
namespace {

RankedTensorType typeOf(Value v) { return cast<RankedTensorType>(v.getType()); }

/// `v[index]` along `axis`, that dim dropped.
Value takeIndex(NodeContext &nc, Value v, int64_t axis, int64_t index) {
  auto t = typeOf(v);
  OpBuilder &b = nc.b();
  SmallVector<OpFoldResult> offs, sizes, strides;
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < t.getRank(); ++d) {
    offs.push_back(b.getIndexAttr(d == axis ? index : 0));
    strides.push_back(b.getIndexAttr(1));
    if (d == axis) {
      sizes.push_back(b.getIndexAttr(1));
      continue;
    }
    shape.push_back(t.getDimSize(d));
    if (t.isDynamicDim(d))
      sizes.push_back(tensor::DimOp::create(b, nc.loc(), v, d).getResult());
    else
      sizes.push_back(b.getIndexAttr(t.getDimSize(d)));
  }
  return tensor::ExtractSliceOp::create(b, nc.loc(), t.clone(shape), v, offs,
                                        sizes, strides);
}

/// `v[..., begin:begin+size]` (last axis).
Value lastAxisSlice(NodeContext &nc, Value v, int64_t begin, int64_t size) {
  auto t = typeOf(v);
  OpBuilder &b = nc.b();
  SmallVector<OpFoldResult> offs, sizes, strides;
  SmallVector<int64_t> shape(t.getShape());
  shape.back() = size;
  for (int64_t d = 0; d < t.getRank(); ++d) {
    bool last = d == t.getRank() - 1;
    offs.push_back(b.getIndexAttr(last ? begin : 0));
    strides.push_back(b.getIndexAttr(1));
    if (last)
      sizes.push_back(b.getIndexAttr(size));
    else if (t.isDynamicDim(d))
      sizes.push_back(tensor::DimOp::create(b, nc.loc(), v, d).getResult());
    else
      sizes.push_back(b.getIndexAttr(t.getDimSize(d)));
  }
  return tensor::ExtractSliceOp::create(b, nc.loc(), t.clone(shape), v, offs,
                                        sizes, strides);
}

Value concat(NodeContext &nc, int64_t axis, ArrayRef<Value> vals) {
  if (vals.size() == 1)
    return vals[0];
  return tensor::ConcatOp::create(nc.b(), nc.loc(), axis, vals);
}

/// `v` with a unit dim inserted at `axis`.
Value expandAt(NodeContext &nc, Value v, int64_t axis) {
  auto t = typeOf(v);
  SmallVector<int64_t> shape(t.getShape());
  shape.insert(shape.begin() + axis, 1);
  if (t.hasStaticShape())
    return nc.reshape(v, shape);
  // Dynamic dims (sequence length): tensor.expand_shape, the unit dim
  // grouped with its neighbour.
  OpBuilder &b = nc.b();
  SmallVector<ReassociationIndices> groups;
  SmallVector<OpFoldResult> sizes;
  for (int64_t i = 0, r = 0; i < t.getRank(); ++i) {
    ReassociationIndices g;
    if (i == axis)
      g.push_back(r++);
    g.push_back(r++);
    if (i == t.getRank() - 1 && axis == t.getRank())
      g.push_back(r++);
    groups.push_back(g);
  }
  for (int64_t d = 0, src = 0; d < (int64_t)shape.size(); ++d) {
    if (d == axis) {
      sizes.push_back(b.getIndexAttr(1));
      continue;
    }
    if (ShapedType::isDynamic(shape[d]))
      sizes.push_back(tensor::DimOp::create(b, nc.loc(), v, src).getResult());
    else
      sizes.push_back(b.getIndexAttr(shape[d]));
    ++src;
  }
  return tensor::ExpandShapeOp::create(b, nc.loc(), t.clone(shape), v, groups,
                                       sizes);
}

/// Frees a region block that will not be used (its ops may still use its
/// arguments and outer values).
void discard(Block *block) {
  block->dropAllReferences();
  delete block;
}

Value zerosLike(NodeContext &nc, RankedTensorType t) {
  return arith::ConstantOp::create(
      nc.b(), nc.loc(),
      DenseElementsAttr::get(t, nc.b().getZeroAttr(t.getElementType())));
}

//===----------------------------------------------------------------------===//
// Scan
//===----------------------------------------------------------------------===//

/// One seq.scan for the opset-9+ form: `states` carried, `scans` sliced
/// along `inAxes` (normalized), the body graph imported into the region.
LogicalResult buildScan(NodeContext &nc, const onnx::GraphProto &body,
                        ArrayRef<Value> states, ArrayRef<Value> scans,
                        ArrayRef<int64_t> inAxes, ArrayRef<bool> inReverse,
                        ArrayRef<int64_t> outAxesAttr,
                        ArrayRef<bool> outReverse,
                        SmallVectorImpl<Value> &results) {
  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  unsigned nStates = states.size();
  int64_t length = ShapedType::kDynamic;
  SmallVector<Type> argTypes;
  for (Value s : states)
    argTypes.push_back(s.getType());
  for (auto [j, v] : llvm::enumerate(scans)) {
    auto t = typeOf(v);
    int64_t len = t.getDimSize(inAxes[j]);
    if (!ShapedType::isDynamic(len)) {
      if (!ShapedType::isDynamic(length) && len != length)
        return nc.error() << "scan input " << j << " has length " << len
                          << " but earlier scan inputs have length " << length;
      length = len;
    }
    SmallVector<int64_t> shape(t.getShape());
    shape.erase(shape.begin() + inAxes[j]);
    argTypes.push_back(t.clone(shape));
  }
  auto *block = new Block();
  SmallVector<Location> locs(argTypes.size(), loc);
  block->addArguments(argTypes, locs);
  SmallVector<Value> outs;
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToEnd(block);
    if (failed(importSubgraph(
            nc, body, SmallVector<Value>(block->getArguments()), outs))) {
      discard(block);
      return failure();
    }
    if (outs.size() < nStates) {
      discard(block);
      return nc.error() << "body has " << outs.size() << " outputs for "
                        << nStates << " state variables";
    }
    for (unsigned i = 0; i < nStates; ++i) {
      if (outs[i].getType() == argTypes[i])
        continue;
      if (!tensor::CastOp::areCastCompatible(outs[i].getType(), argTypes[i])) {
        Type got = outs[i].getType(); // read before the block is freed
        discard(block);
        return nc.error() << "body output " << i << " has type " << typeStr(got)
                          << " but state variable " << i << " has type "
                          << typeStr(argTypes[i]);
      }
      outs[i] = tensor::CastOp::create(b, loc, argTypes[i], outs[i]);
    }
    seq::YieldOp::create(b, loc, outs);
  }
  unsigned nOut = outs.size() - nStates;
  SmallVector<Type> resultTypes(argTypes.begin(), argTypes.begin() + nStates);
  SmallVector<int64_t> outAxes;
  for (unsigned k = 0; k < nOut; ++k) {
    auto step = typeOf(outs[nStates + k]);
    int64_t attr = k < outAxesAttr.size() ? outAxesAttr[k] : 0;
    std::optional<int64_t> normalized =
        seq::normalizeAxis(attr, step.getRank() + 1);
    if (!normalized) {
      discard(block);
      return nc.error() << "scan_output_axes[" << k << "] = " << attr
                        << " is out of range for a scan output of rank "
                        << step.getRank() + 1;
    }
    int64_t axis = *normalized;
    outAxes.push_back(axis);
    SmallVector<int64_t> shape(step.getShape());
    shape.insert(shape.begin() + axis, length);
    resultTypes.push_back(step.clone(shape));
  }
  SmallVector<bool> outRev;
  for (unsigned k = 0; k < nOut; ++k)
    outRev.push_back(k < outReverse.size() && outReverse[k]);
  auto scan = seq::ScanOp::create(
      b, loc, resultTypes, states, scans, b.getDenseI64ArrayAttr(inAxes),
      b.getDenseBoolArrayAttr(inReverse), b.getDenseI64ArrayAttr(outAxes),
      b.getDenseBoolArrayAttr(outRev));
  scan.getBody().push_back(block);
  llvm::append_range(results, scan.getResults());
  return success();
}

LogicalResult convertScan(NodeContext &nc) {
  const onnx::AttributeProto *bodyAttr = nc.attr("body");
  if (!bodyAttr || !bodyAttr->has_g())
    return nc.error() << "missing required graph attribute 'body'";
  const onnx::GraphProto &body = bodyAttr->g();
  int64_t numScan = nc.attrInt("num_scan_inputs", 0);
  bool v8 = nc.opset() < 9;
  unsigned first = v8 ? 1 : 0; // opset 8: optional sequence_lens first
  int64_t nInputs = static_cast<int64_t>(nc.numInputs()) - first;
  if (numScan <= 0 || numScan > nInputs)
    return nc.error() << "num_scan_inputs = " << numScan << " must be in [1, "
                      << nInputs << "]";
  if (v8 && nc.hasInput(0))
    return nc.error() << "sequence_lens (opset 8 Scan) is not supported";
  unsigned nStates = nInputs - numScan;
  SmallVector<Value> states, scans;
  for (unsigned i = 0; i < nInputs; ++i) {
    Value v = nc.input(first + i);
    if (!v)
      return nc.error() << "input " << first + i << " is empty";
    (i < nStates ? states : scans).push_back(v);
  }
  auto dirs = [&](StringRef name, unsigned n,
                  SmallVector<bool> &out) -> LogicalResult {
    std::optional<SmallVector<int64_t>> d = nc.attrInts(name);
    for (unsigned i = 0; i < n; ++i) {
      int64_t x = d && i < d->size() ? (*d)[i] : 0;
      if (x != 0 && x != 1)
        return nc.error() << name << "[" << i << "] = " << x
                          << " must be 0 (forward) or 1 (reverse)";
      out.push_back(x == 1);
    }
    return success();
  };
  SmallVector<bool> inRev, outRev;
  unsigned nOutputs = nc.numOutputs() - nStates;
  if (failed(
          dirs(v8 ? "directions" : "scan_input_directions", numScan, inRev)) ||
      failed(dirs("scan_output_directions", nOutputs, outRev)))
    return failure();
  SmallVector<int64_t> outAxes =
      nc.attrInts("scan_output_axes").value_or(SmallVector<int64_t>());

  SmallVector<Value> results;
  if (!v8) {
    std::optional<SmallVector<int64_t>> axesAttr =
        nc.attrInts("scan_input_axes");
    SmallVector<int64_t> inAxes;
    for (unsigned j = 0; j < numScan; ++j) {
      int64_t axis = axesAttr && j < axesAttr->size() ? (*axesAttr)[j] : 0;
      if (failed(nc.normalizeAxis(axis, typeOf(scans[j]).getRank(),
                                  "scan_input_axes entry")))
        return failure();
      inAxes.push_back(axis);
    }
    if (failed(buildScan(nc, body, states, scans, inAxes, inRev, outAxes,
                         outRev, results)))
      return failure();
  } else {
    // Opset 8: dim 0 of every input and output is a batch dim, the scan
    // axis is 1. One scan per batch entry, results stacked again.
    SmallVector<Value> all(states);
    llvm::append_range(all, scans);
    int64_t batch = ShapedType::kDynamic;
    for (Value v : all) {
      auto t = typeOf(v);
      if (t.getRank() < 1 || t.isDynamicDim(0) ||
          (!ShapedType::isDynamic(batch) && batch != t.getDimSize(0)))
        return nc.error() << "opset-8 Scan needs inputs with one static batch "
                             "dim (dim 0)";
      batch = t.getDimSize(0);
      if (llvm::is_contained(scans, v) && t.getRank() < 2)
        return nc.error() << "scan inputs need a sequence dim (dim 1)";
    }
    SmallVector<SmallVector<Value>> perBatch;
    for (int64_t bi = 0; bi < batch; ++bi) {
      SmallVector<Value> s, x, r;
      for (Value v : states)
        s.push_back(takeIndex(nc, v, 0, bi));
      for (Value v : scans)
        x.push_back(takeIndex(nc, v, 0, bi));
      SmallVector<int64_t> inAxes(numScan, 0);
      if (failed(buildScan(nc, body, s, x, inAxes, inRev, {}, outRev, r)))
        return failure();
      perBatch.push_back(r);
    }
    for (unsigned k = 0; k < perBatch.front().size(); ++k) {
      SmallVector<Value> parts;
      for (auto &r : perBatch)
        parts.push_back(expandAt(nc, r[k], 0));
      results.push_back(concat(nc, 0, parts));
    }
  }
  for (auto [i, v] : llvm::enumerate(results))
    nc.setOutput(i, v);
  return success();
}

//===----------------------------------------------------------------------===//
// RNN, GRU, LSTM
//===----------------------------------------------------------------------===//

/// An activation function of the RNN ops with its alpha/beta.
struct Activation {
  std::string name;
  float alpha = 0, beta = 0;
};

/// Applies `act` to `x` with seq ops.
FailureOr<Value> applyActivation(NodeContext &nc, const Activation &act,
                                 Value x) {
  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  Type elt = typeOf(x).getElementType();
  auto c = [&](double v) { return nc.scalarConstant(elt, v); };
  auto mul = [&](Value a, Value y) { return seq::MulOp::create(b, loc, a, y); };
  auto add = [&](Value a, Value y) { return seq::AddOp::create(b, loc, a, y); };
  StringRef n = act.name;
  if (n.equals_insensitive("sigmoid"))
    return (Value)seq::SigmoidOp::create(b, loc, x);
  if (n.equals_insensitive("tanh"))
    return (Value)seq::TanhOp::create(b, loc, x);
  if (n.equals_insensitive("relu"))
    return (Value)seq::MaxOp::create(b, loc, x, c(0));
  if (n.equals_insensitive("affine"))
    return (Value)add(mul(x, c(act.alpha)), c(act.beta));
  if (n.equals_insensitive("leakyrelu")) {
    Value neg = seq::LessOp::create(b, loc, x, c(0));
    return (Value)seq::SelectOp::create(b, loc, neg, mul(x, c(act.alpha)), x);
  }
  if (n.equals_insensitive("thresholdedrelu")) {
    Value keep = seq::GreaterOp::create(b, loc, x, c(act.alpha));
    return (Value)seq::SelectOp::create(b, loc, keep, x, c(0));
  }
  if (n.equals_insensitive("scaledtanh"))
    return (Value)mul(c(act.alpha),
                      seq::TanhOp::create(b, loc, mul(x, c(act.beta))));
  if (n.equals_insensitive("hardsigmoid")) {
    Value y = add(mul(x, c(act.alpha)), c(act.beta));
    return (Value)seq::MaxOp::create(b, loc, c(0),
                                     seq::MinOp::create(b, loc, c(1), y));
  }
  if (n.equals_insensitive("elu")) {
    Value neg = seq::LessOp::create(b, loc, x, c(0));
    Value e = seq::SubOp::create(b, loc, seq::ExpOp::create(b, loc, x), c(1));
    return (Value)seq::SelectOp::create(b, loc, neg, mul(e, c(act.alpha)), x);
  }
  if (n.equals_insensitive("softsign"))
    return (Value)seq::DivOp::create(b, loc, x,
                                     add(c(1), seq::AbsOp::create(b, loc, x)));
  if (n.equals_insensitive("softplus"))
    return (Value)seq::LogOp::create(b, loc,
                                     add(c(1), seq::ExpOp::create(b, loc, x)));
  return nc.error() << "unsupported activation '" << act.name << "'";
}

/// What the RNN-family converters share: shapes, layout, direction,
/// activations and the output assembly.
struct RnnCommon {
  int64_t numGates; // per-direction blocks of W's rows
  int64_t numActs;  // activations per direction
  int64_t seqLen, batch, hidden, numDirs;
  Type elt;
  Value x; // [T, B, I] (layout 0)
  std::string direction;
  std::optional<float> clip;
  SmallVector<Activation> acts; // numDirs * numActs

  LogicalResult init(NodeContext &nc, ArrayRef<StringRef> defaultActs) {
    numActs = defaultActs.size();
    x = nc.input(0);
    auto xt = typeOf(x), wt = nc.inputType(1), rt = nc.inputType(2);
    elt = xt.getElementType();
    if (!isa<FloatType>(elt))
      return nc.error() << "X must have floating-point elements, got " << elt;
    if (failed(nc.sameElementType({nc.input(0), nc.input(1), nc.input(2)})))
      return failure();
    if (xt.getRank() != 3 || wt.getRank() != 3 || rt.getRank() != 3)
      return nc.error() << "X, W and R must be 3-D, got "
                        << shapeStr(xt.getShape()) << ", "
                        << shapeStr(wt.getShape()) << ", "
                        << shapeStr(rt.getShape());
    int64_t layout = nc.attrInt("layout", 0);
    if (layout != 0 && layout != 1)
      return nc.error() << "layout must be 0 or 1, got " << layout;
    if (layout == 1)
      x = nc.transpose(x, {1, 0, 2});
    seqLen = typeOf(x).getDimSize(0);
    batch = typeOf(x).getDimSize(1);
    direction = nc.attrString("direction", "forward");
    if (direction != "forward" && direction != "reverse" &&
        direction != "bidirectional")
      return nc.error() << "direction must be forward, reverse or "
                           "bidirectional, got '"
                        << direction << "'";
    numDirs = direction == "bidirectional" ? 2 : 1;
    hidden = rt.getDimSize(2);
    if (ShapedType::isDynamic(hidden) || wt.isDynamicDim(1) ||
        wt.isDynamicDim(0) || ShapedType::isDynamic(batch))
      return nc.error() << "needs static W/R shapes and batch size";
    if (const onnx::AttributeProto *a = nc.attr("hidden_size");
        a && a->i() != hidden)
      return nc.error() << "hidden_size " << a->i()
                        << " does not match R's last dim " << hidden;
    if (wt.getDimSize(0) != numDirs || rt.getDimSize(0) != numDirs)
      return nc.error() << "W and R need " << numDirs
                        << " directions (dim 0) for direction '" << direction
                        << "'";
    if (wt.getDimSize(1) != numGates * hidden ||
        rt.getDimSize(1) != numGates * hidden)
      return nc.error() << "W " << shapeStr(wt.getShape()) << " and R "
                        << shapeStr(rt.getShape()) << " must have "
                        << numGates * hidden << " rows (" << numGates
                        << " gates x hidden " << hidden << ")";
    if (!ShapedType::isDynamic(xt.getDimSize(2)) &&
        xt.getDimSize(2) != wt.getDimSize(2))
      return nc.error() << "input size " << xt.getDimSize(2)
                        << " of X differs from W's " << wt.getDimSize(2);
    if (const onnx::AttributeProto *a = nc.attr("clip"))
      clip = a->f();
    // Activations and their alpha/beta (consumed in order by the functions
    // that take them).
    SmallVector<std::string> names;
    if (const onnx::AttributeProto *a = nc.attr("activations"))
      names.assign(a->strings().begin(), a->strings().end());
    else
      for (int64_t d = 0; d < numDirs; ++d)
        for (StringRef s : defaultActs)
          names.push_back(s.str());
    if ((int64_t)names.size() != numDirs * numActs)
      return nc.error() << "expects " << numDirs * numActs
                        << " activations, got " << names.size();
    SmallVector<float> alphas, betas;
    if (const onnx::AttributeProto *a = nc.attr("activation_alpha"))
      alphas.assign(a->floats().begin(), a->floats().end());
    if (const onnx::AttributeProto *a = nc.attr("activation_beta"))
      betas.assign(a->floats().begin(), a->floats().end());
    size_t ai = 0, bi = 0;
    for (const std::string &name : names) {
      Activation act{name};
      StringRef n = name;
      auto take = [](SmallVector<float> &v, size_t &i, float dflt) {
        return i < v.size() ? v[i++] : dflt;
      };
      if (n.equals_insensitive("affine") ||
          n.equals_insensitive("scaledtanh")) {
        act.alpha = take(alphas, ai, 1.0f);
        act.beta = take(betas, bi, n.equals_insensitive("affine") ? 0.f : 1.f);
      } else if (n.equals_insensitive("hardsigmoid")) {
        act.alpha = take(alphas, ai, 0.2f);
        act.beta = take(betas, bi, 0.5f);
      } else if (n.equals_insensitive("leakyrelu")) {
        act.alpha = take(alphas, ai, 0.01f);
      } else if (n.equals_insensitive("thresholdedrelu") ||
                 n.equals_insensitive("elu")) {
        act.alpha = take(alphas, ai, 1.0f);
      }
      acts.push_back(act);
    }
    if (nc.hasInput(4) && !isa<IntegerType>(nc.inputType(4).getElementType()))
      return nc.error() << "sequence_lens must be an integer tensor";
    return success();
  }

  /// Activation `k` of direction `d` applied to `v`, after clipping.
  FailureOr<Value> act(NodeContext &nc, int64_t d, int64_t k, Value v) {
    if (clip) {
      v = seq::MinOp::create(nc.b(), nc.loc(), v,
                             nc.scalarConstant(elt, *clip));
      v = seq::MaxOp::create(nc.b(), nc.loc(), v,
                             nc.scalarConstant(elt, -*clip));
    }
    return applyActivation(nc, acts[d * numActs + k], v);
  }

  /// Operand `i` ([D, ...]) for direction d, or zeros of `[dims...]`.
  Value perDir(NodeContext &nc, unsigned i, int64_t d,
               ArrayRef<int64_t> zeroShape) {
    if (!nc.hasInput(i))
      return zerosLike(nc, RankedTensorType::get(zeroShape, elt));
    return takeIndex(nc, nc.input(i), 0, d);
  }

  /// Initial state input `i` ([D, B, H], or [B, D, H] for layout 1) for d.
  FailureOr<Value> initialState(NodeContext &nc, unsigned i, int64_t d) {
    if (!nc.hasInput(i))
      return zerosLike(nc, RankedTensorType::get({batch, hidden}, elt));
    Value v = nc.input(i);
    if (nc.attrInt("layout", 0) == 1)
      v = nc.transpose(v, {1, 0, 2});
    auto t = typeOf(v);
    if (t.getRank() != 3 || t.getElementType() != elt ||
        t.getShape() != ArrayRef<int64_t>{numDirs, batch, hidden})
      return nc.error() << "initial state (input " << i << ") must be "
                        << shapeStr({numDirs, batch, hidden}) << " of " << elt
                        << ", got " << typeStr(t);
    return takeIndex(nc, v, 0, d);
  }

  /// X·Wᵀ + bias for direction d: [T, B, G*H].
  Value projectInput(NodeContext &nc, int64_t d, Value bias) {
    Value w = takeIndex(nc, nc.input(1), 0, d);
    Value wt = nc.transpose(w, {1, 0});
    Value xw = seq::MatMulOp::create(nc.b(), nc.loc(), x, wt);
    return seq::AddOp::create(nc.b(), nc.loc(), xw, bias);
  }

  /// Sets Y, Y_h (and Y_c) from the per-direction scan results:
  /// `ys[d]` is [T, B, H], `finals[k][d]` [B, H].
  void setOutputs(NodeContext &nc, ArrayRef<Value> ys,
                  ArrayRef<SmallVector<Value>> finals) {
    bool batchFirst = nc.attrInt("layout", 0) == 1;
    SmallVector<Value> parts;
    for (Value y : ys)
      parts.push_back(expandAt(nc, y, 1));
    Value y = concat(nc, 1, parts); // [T, D, B, H]
    if (batchFirst)
      y = nc.transpose(y, {2, 0, 1, 3});
    nc.setOutput(0, y);
    for (auto [k, f] : llvm::enumerate(finals)) {
      SmallVector<Value> ps;
      for (Value v : f)
        ps.push_back(expandAt(nc, v, 0));
      Value s = concat(nc, 0, ps); // [D, B, H]
      if (batchFirst)
        s = nc.transpose(s, {1, 0, 2});
      nc.setOutput(k + 1, s);
    }
  }
};

/// `sequence_lens` as a [B, 1] i64 column when it can shorten a sequence;
/// null when absent or a constant equal to T everywhere.
Value seqLensColumn(NodeContext &nc, int64_t seqLen, int64_t batch) {
  Value lens = nc.input(4);
  if (!lens)
    return Value();
  DenseIntElementsAttr dense;
  if (matchPattern(lens, m_Constant(&dense)) &&
      llvm::all_of(dense.getValues<APInt>(),
                   [&](const APInt &v) { return v.getSExtValue() == seqLen; }))
    return Value();
  auto i64 =
      RankedTensorType::get(typeOf(lens).getShape(), nc.b().getI64Type());
  Value cast = seq::CastOp::create(nc.b(), nc.loc(), i64, lens);
  return nc.reshape(cast, {batch, 1});
}

/// Builds the seq.scan of one direction: states `inits`, scanned input
/// `xw` ([T, B, G*H]); `step(states, xw_t, newStates)` builds the cell in
/// the region. Results: final states, then the stacked hidden states.
/// With `lens` ([B, 1]), steps at time t >= lens[b] keep batch entry b's
/// states and output zeros (ONNX sequence_lens; a reverse scan thus starts
/// at t = lens[b] - 1).
LogicalResult buildCellScan(
    NodeContext &nc, ArrayRef<Value> inits, Value xw, bool reverse, Value lens,
    function_ref<LogicalResult(ValueRange, Value, SmallVectorImpl<Value> &)>
        step,
    SmallVectorImpl<Value> &results) {
  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  auto xt = typeOf(xw);
  int64_t seqLen = xt.getDimSize(0);
  SmallVector<Value> scanned{xw};
  SmallVector<Type> types;
  for (Value v : inits)
    types.push_back(v.getType());
  types.push_back(xt.clone(xt.getShape().drop_front()));
  if (lens) {
    if (ShapedType::isDynamic(seqLen))
      return nc.error() << "sequence_lens needs a static sequence length";
    // The time index of every step, scanned like X.
    SmallVector<int64_t> iota(seqLen);
    std::iota(iota.begin(), iota.end(), 0);
    auto t = RankedTensorType::get({seqLen}, b.getI64Type());
    scanned.push_back(arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(t, ArrayRef<int64_t>(iota))));
    types.push_back(RankedTensorType::get({}, b.getI64Type()));
  }
  unsigned nStates = inits.size();
  auto *block = new Block();
  block->addArguments(types, SmallVector<Location>(types.size(), loc));
  SmallVector<Value> next;
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToEnd(block);
    if (failed(step(block->getArguments().take_front(nStates),
                    block->getArgument(nStates), next))) {
      discard(block);
      return failure();
    }
    Value out = next.front(); // per-step output: the hidden state
    if (lens) {
      Value live = seq::LessOp::create(b, loc, block->getArgument(nStates + 1),
                                       lens); // [B, 1]
      for (unsigned i = 0; i < nStates; ++i)
        next[i] =
            seq::SelectOp::create(b, loc, live, next[i], block->getArgument(i));
      out = seq::SelectOp::create(
          b, loc, live, out,
          nc.scalarConstant(typeOf(out).getElementType(), 0.0));
    }
    SmallVector<Value> yields(next);
    yields.push_back(out);
    seq::YieldOp::create(b, loc, yields);
  }
  SmallVector<Type> resultTypes(types.begin(), types.begin() + nStates);
  auto h = typeOf(next.front());
  SmallVector<int64_t> yShape{seqLen};
  llvm::append_range(yShape, h.getShape());
  resultTypes.push_back(h.clone(yShape));
  SmallVector<int64_t> axes(scanned.size(), 0);
  SmallVector<bool> rev(scanned.size(), reverse);
  auto scan = seq::ScanOp::create(
      b, loc, resultTypes, inits, scanned, b.getDenseI64ArrayAttr(axes),
      b.getDenseBoolArrayAttr(rev), b.getDenseI64ArrayAttr({0}),
      b.getDenseBoolArrayAttr({reverse}));
  scan.getBody().push_back(block);
  llvm::append_range(results, scan.getResults());
  return success();
}

bool isReverse(const RnnCommon &c, int64_t d) {
  return c.direction == "reverse" || d == 1;
}

/// Sum of the W and R bias halves of B's row d ([2*G*H]) -> [G*H]; zeros
/// without B.
Value combinedBias(NodeContext &nc, RnnCommon &c, int64_t d, Value &wb,
                   Value &rb) {
  int64_t gh = c.numGates * c.hidden;
  Value bRow = c.perDir(nc, 3, d, {2 * gh});
  wb = lastAxisSlice(nc, bRow, 0, gh);
  rb = lastAxisSlice(nc, bRow, gh, gh);
  return seq::AddOp::create(nc.b(), nc.loc(), wb, rb);
}

LogicalResult convertRNN(NodeContext &nc) {
  RnnCommon c;
  c.numGates = 1;
  if (failed(c.init(nc, {"Tanh"})))
    return failure();
  Value lens = seqLensColumn(nc, c.seqLen, c.batch);
  SmallVector<Value> ys;
  SmallVector<SmallVector<Value>> finals(1);
  for (int64_t d = 0; d < c.numDirs; ++d) {
    Value wb, rb;
    Value xw = c.projectInput(nc, d, combinedBias(nc, c, d, wb, rb));
    Value rt = nc.transpose(takeIndex(nc, nc.input(2), 0, d), {1, 0});
    FailureOr<Value> h0 = c.initialState(nc, 5, d);
    if (failed(h0))
      return failure();
    SmallVector<Value> r;
    auto step = [&](ValueRange s, Value xt, SmallVectorImpl<Value> &next) {
      Value hr = seq::MatMulOp::create(nc.b(), nc.loc(), s[0], rt);
      FailureOr<Value> h =
          c.act(nc, d, 0, seq::AddOp::create(nc.b(), nc.loc(), xt, hr));
      if (failed(h))
        return failure();
      next.push_back(*h);
      return success();
    };
    if (failed(buildCellScan(nc, {*h0}, xw, isReverse(c, d), lens, step, r)))
      return failure();
    finals[0].push_back(r[0]);
    ys.push_back(r[1]);
  }
  c.setOutputs(nc, ys, finals);
  return success();
}

LogicalResult convertGRU(NodeContext &nc) {
  RnnCommon c;
  c.numGates = 3;
  if (failed(c.init(nc, {"Sigmoid", "Tanh"})))
    return failure();
  Value lens = seqLensColumn(nc, c.seqLen, c.batch);
  bool linearBeforeReset = nc.attrInt("linear_before_reset", 0) != 0;
  int64_t h = c.hidden;
  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  SmallVector<Value> ys;
  SmallVector<SmallVector<Value>> finals(1);
  for (int64_t d = 0; d < c.numDirs; ++d) {
    Value wb, rb;
    combinedBias(nc, c, d, wb, rb);
    // z and r take both biases up front; h's recurrent bias stays in the
    // step (it is scaled by r when linear_before_reset).
    Value bias =
        concat(nc, 0,
               {seq::AddOp::create(b, loc, lastAxisSlice(nc, wb, 0, 2 * h),
                                   lastAxisSlice(nc, rb, 0, 2 * h)),
                lastAxisSlice(nc, wb, 2 * h, h)});
    Value rbh = lastAxisSlice(nc, rb, 2 * h, h);
    Value xw = c.projectInput(nc, d, bias);
    Value rt = nc.transpose(takeIndex(nc, nc.input(2), 0, d), {1, 0}); // [H,3H]
    Value rzrT = lastAxisSlice(nc, rt, 0, 2 * h);
    Value rhT = lastAxisSlice(nc, rt, 2 * h, h);
    FailureOr<Value> h0 = c.initialState(nc, 5, d);
    if (failed(h0))
      return failure();
    SmallVector<Value> r;
    auto step = [&](ValueRange s, Value xt, SmallVectorImpl<Value> &next) {
      Value hPrev = s[0];
      Value zr = seq::AddOp::create(b, loc, lastAxisSlice(nc, xt, 0, 2 * h),
                                    seq::MatMulOp::create(b, loc, hPrev, rzrT));
      FailureOr<Value> z = c.act(nc, d, 0, lastAxisSlice(nc, zr, 0, h));
      FailureOr<Value> rg = c.act(nc, d, 0, lastAxisSlice(nc, zr, h, h));
      if (failed(z) || failed(rg))
        return failure();
      Value rec;
      if (linearBeforeReset) {
        Value hr = seq::AddOp::create(
            b, loc, seq::MatMulOp::create(b, loc, hPrev, rhT), rbh);
        rec = seq::MulOp::create(b, loc, *rg, hr);
      } else {
        Value rh = seq::MulOp::create(b, loc, *rg, hPrev);
        rec = seq::AddOp::create(b, loc, seq::MatMulOp::create(b, loc, rh, rhT),
                                 rbh);
      }
      FailureOr<Value> ht = c.act(
          nc, d, 1,
          seq::AddOp::create(b, loc, lastAxisSlice(nc, xt, 2 * h, h), rec));
      if (failed(ht))
        return failure();
      // (1 - z) * ht + z * hPrev = ht + z * (hPrev - ht)
      Value diff = seq::SubOp::create(b, loc, hPrev, *ht);
      next.push_back(seq::AddOp::create(b, loc, *ht,
                                        seq::MulOp::create(b, loc, *z, diff)));
      return success();
    };
    if (failed(buildCellScan(nc, {*h0}, xw, isReverse(c, d), lens, step, r)))
      return failure();
    finals[0].push_back(r[0]);
    ys.push_back(r[1]);
  }
  c.setOutputs(nc, ys, finals);
  return success();
}

LogicalResult convertLSTM(NodeContext &nc) {
  RnnCommon c;
  c.numGates = 4;
  if (failed(c.init(nc, {"Sigmoid", "Tanh", "Tanh"})))
    return failure();
  Value lens = seqLensColumn(nc, c.seqLen, c.batch);
  bool inputForget = nc.attrInt("input_forget", 0) != 0;
  int64_t h = c.hidden;
  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  if (nc.hasInput(7)) {
    auto pt = nc.inputType(7);
    if (pt.getShape() != ArrayRef<int64_t>{c.numDirs, 3 * h} ||
        pt.getElementType() != c.elt)
      return nc.error() << "P must be " << shapeStr({c.numDirs, 3 * h})
                        << ", got " << typeStr(pt);
  }
  SmallVector<Value> ys;
  SmallVector<SmallVector<Value>> finals(2);
  for (int64_t d = 0; d < c.numDirs; ++d) {
    Value wb, rb;
    Value xw = c.projectInput(nc, d, combinedBias(nc, c, d, wb, rb));
    Value rt = nc.transpose(takeIndex(nc, nc.input(2), 0, d), {1, 0});
    FailureOr<Value> h0 = c.initialState(nc, 5, d);
    FailureOr<Value> c0 = c.initialState(nc, 6, d);
    if (failed(h0) || failed(c0))
      return failure();
    Value pi, po, pf;
    if (nc.hasInput(7)) {
      Value p = takeIndex(nc, nc.input(7), 0, d);
      pi = lastAxisSlice(nc, p, 0, h);
      po = lastAxisSlice(nc, p, h, h);
      pf = lastAxisSlice(nc, p, 2 * h, h);
    }
    SmallVector<Value> r;
    auto step = [&](ValueRange s, Value xt, SmallVectorImpl<Value> &next) {
      Value hPrev = s[0], cPrev = s[1];
      Value gates = seq::AddOp::create(
          b, loc, xt, seq::MatMulOp::create(b, loc, hPrev, rt));
      auto gate = [&](int64_t k) { return lastAxisSlice(nc, gates, k * h, h); };
      auto peep = [&](Value g, Value p, Value cell) -> Value {
        if (!p)
          return g;
        return seq::AddOp::create(b, loc, g,
                                  seq::MulOp::create(b, loc, p, cell));
      };
      // Gate order in W/R/B: input, output, forget, cell.
      FailureOr<Value> i = c.act(nc, d, 0, peep(gate(0), pi, cPrev));
      if (failed(i))
        return failure();
      FailureOr<Value> f = failure();
      if (inputForget)
        f = (Value)seq::SubOp::create(b, loc, nc.scalarConstant(c.elt, 1.0),
                                      *i);
      else
        f = c.act(nc, d, 0, peep(gate(2), pf, cPrev));
      FailureOr<Value> g = c.act(nc, d, 1, gate(3));
      if (failed(f) || failed(g))
        return failure();
      Value cell =
          seq::AddOp::create(b, loc, seq::MulOp::create(b, loc, *f, cPrev),
                             seq::MulOp::create(b, loc, *i, *g));
      FailureOr<Value> o = c.act(nc, d, 0, peep(gate(1), po, cell));
      FailureOr<Value> hc = applyActivation(nc, c.acts[d * 3 + 2], cell);
      if (failed(o) || failed(hc))
        return failure();
      next.push_back(seq::MulOp::create(b, loc, *o, *hc));
      next.push_back(cell);
      return success();
    };
    if (failed(
            buildCellScan(nc, {*h0, *c0}, xw, isReverse(c, d), lens, step, r)))
      return failure();
    finals[0].push_back(r[0]);
    finals[1].push_back(r[1]);
    ys.push_back(r[2]);
  }
  c.setOutputs(nc, ys, finals);
  return success();
}

} // namespace

void registerRecurrentOps(OpRegistry &r) {
  r["Scan"] = {convertScan, 0, ~0u}; // inputs checked by the converter
  r["RNN"] = {convertRNN, 3, 6};
  r["GRU"] = {convertGRU, 3, 6};
  r["LSTM"] = {convertLSTM, 3, 8};
}

} // namespace seqc::import
