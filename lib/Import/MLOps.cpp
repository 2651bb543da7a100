//===- MLOps.cpp - ai.onnx.ml ops and TfIdfVectorizer ---------------------===//
//
// The classic-ML operators, whose parameters (trees, n-gram pools, label
// maps) are attributes: they are unrolled at import into constant tables
// and a few vectorized seq ops (compares, gathers, matmuls, reductions).
// STRING tensors do not exist in seqc, so string keys/values/pools are
// rejected with an error.
//
//===----------------------------------------------------------------------===//

#include "ImportBuilders.h"
#include "ImporterInternal.h"

#include "seq/IR/SeqDialect.h"
#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "llvm/ADT/DenseSet.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <map>

using namespace mlir;

namespace seqc::import {
namespace {

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

Value gather(NodeContext &nc, Value data, Value indices, int64_t axis) {
  auto t = cast<RankedTensorType>(data.getType());
  auto it = cast<RankedTensorType>(indices.getType());
  SmallVector<int64_t> shape(t.getShape().take_front(axis));
  llvm::append_range(shape, it.getShape());
  llvm::append_range(shape, t.getShape().drop_front(axis + 1));
  return seq::GatherOp::create(nc.b(), nc.loc(), t.clone(shape), data, indices,
                               axis);
}

/// Appends v's shape with a trailing unit dim.
Value expandLast(NodeContext &nc, Value v) {
  SmallVector<int64_t> shape(cast<RankedTensorType>(v.getType()).getShape());
  shape.push_back(1);
  return nc.reshape(v, shape);
}

template <typename T> double loadRaw(const std::string &raw, size_t i) {
  T x;
  std::memcpy(&x, raw.data() + i * sizeof(T), sizeof(T));
  return static_cast<double>(x);
}

/// Reads the values of a (numeric, non-external) tensor attribute. Fails
/// with an error naming `what` for strings, external data and 16-bit or
/// smaller float types.
LogicalResult tensorValues(NodeContext &nc, const onnx::TensorProto &t,
                           StringRef what, SmallVector<double> &out) {
  using TP = onnx::TensorProto;
  out.clear();
  int64_t n = 1;
  for (int64_t d : t.dims())
    n *= d;
  if (t.data_location() == TP::EXTERNAL)
    return nc.error() << "attribute '" << what
                      << "' with external data is not supported";
  const std::string &raw = t.raw_data();
  bool hasRaw = t.has_raw_data();
  size_t width = 0;
  switch (t.data_type()) {
  case TP::FLOAT:
  case TP::INT32:
  case TP::UINT32:
    width = 4;
    break;
  case TP::DOUBLE:
  case TP::INT64:
  case TP::UINT64:
    width = 8;
    break;
  case TP::INT16:
  case TP::UINT16:
    width = 2;
    break;
  case TP::INT8:
  case TP::UINT8:
  case TP::BOOL:
    width = 1;
    break;
  default:
    return nc.error() << "attribute '" << what << "' of type "
                      << onnxTypeName(t.data_type()) << " is not supported";
  }
  if (hasRaw) {
    if (raw.size() != static_cast<size_t>(n) * width)
      return nc.error() << "attribute '" << what << "': raw_data holds "
                        << raw.size() << " bytes for " << n << " elements";
    for (int64_t i = 0; i < n; ++i) {
      switch (t.data_type()) {
      case TP::FLOAT:
        out.push_back(loadRaw<float>(raw, i));
        break;
      case TP::INT32:
        out.push_back(loadRaw<int32_t>(raw, i));
        break;
      case TP::UINT32:
        out.push_back(loadRaw<uint32_t>(raw, i));
        break;
      case TP::DOUBLE:
        out.push_back(loadRaw<double>(raw, i));
        break;
      case TP::INT64:
        out.push_back(loadRaw<int64_t>(raw, i));
        break;
      case TP::UINT64:
        out.push_back(loadRaw<uint64_t>(raw, i));
        break;
      case TP::INT16:
        out.push_back(loadRaw<int16_t>(raw, i));
        break;
      case TP::UINT16:
        out.push_back(loadRaw<uint16_t>(raw, i));
        break;
      case TP::INT8:
        out.push_back(loadRaw<int8_t>(raw, i));
        break;
      default: // UINT8, BOOL
        out.push_back(loadRaw<uint8_t>(raw, i));
        break;
      }
    }
    return success();
  }
  switch (t.data_type()) {
  case TP::FLOAT:
    out.append(t.float_data().begin(), t.float_data().end());
    break;
  case TP::DOUBLE:
    out.append(t.double_data().begin(), t.double_data().end());
    break;
  case TP::INT64:
    out.append(t.int64_data().begin(), t.int64_data().end());
    break;
  case TP::UINT32:
  case TP::UINT64:
    out.append(t.uint64_data().begin(), t.uint64_data().end());
    break;
  default: // the types stored in int32_data
    out.append(t.int32_data().begin(), t.int32_data().end());
    break;
  }
  if (static_cast<int64_t>(out.size()) != n)
    return nc.error() << "attribute '" << what << "' holds " << out.size()
                      << " values for " << n << " elements";
  return success();
}

/// A float list attribute or a tensor attribute, as doubles. Absent: empty.
LogicalResult numbersAttr(NodeContext &nc, StringRef name,
                          SmallVector<double> &out) {
  out.clear();
  const onnx::AttributeProto *a = nc.attr(name);
  if (!a)
    return success();
  if (a->has_t())
    return tensorValues(nc, a->t(), name, out);
  out.append(a->floats().begin(), a->floats().end());
  return success();
}

//===----------------------------------------------------------------------===//
// Binarizer, ArrayFeatureExtractor
//===----------------------------------------------------------------------===//

LogicalResult convertBinarizer(NodeContext &nc) {
  auto t = nc.inputType(0);
  Type elt = t.getElementType();
  double thr = nc.attrFloat("threshold", 0.0f);
  // x > thr on integers is x > floor(thr).
  if (!isa<FloatType>(elt)) {
    if (!isa<IntegerType>(elt) || elt.isInteger(1))
      return nc.error() << "unsupported input element type " << elt;
    thr = std::floor(thr);
  }
  OpBuilder &b = nc.b();
  Value gt = seq::GreaterOp::create(b, nc.loc(), nc.input(0),
                                    nc.scalarConstant(elt, thr));
  nc.setOutput(0, seq::SelectOp::create(b, nc.loc(), gt,
                                        nc.scalarConstant(elt, 1.0),
                                        nc.scalarConstant(elt, 0.0)));
  return success();
}

LogicalResult convertArrayFeatureExtractor(NodeContext &nc) {
  auto t = nc.inputType(0), it = nc.inputType(1);
  if (failed(requireStatic(nc, 0)) || failed(requireStatic(nc, 1)))
    return failure();
  if (t.getRank() < 1)
    return nc.error() << "input X must have rank >= 1";
  if (!isa<IntegerType>(it.getElementType()) ||
      it.getElementType().isInteger(1))
    return nc.error() << "indices must be integers, got "
                      << it.getElementType();
  // The indices select along the last axis, flattened; a 1-D X gives one
  // row (onnxruntime's and the reference's shape).
  Value idx = nc.reshape(nc.input(1), {it.getNumElements()});
  Value g = gather(nc, nc.input(0), idx, t.getRank() - 1);
  if (t.getRank() == 1)
    g = nc.reshape(g, {1, it.getNumElements()});
  nc.setOutput(0, g);
  return success();
}

//===----------------------------------------------------------------------===//
// LabelEncoder
//===----------------------------------------------------------------------===//

/// One of LabelEncoder's keys_* / values_* attributes, as numbers with their
/// element type. Fails for string lists and when none is given.
LogicalResult labelList(NodeContext &nc, StringRef prefix,
                        SmallVector<double> &vals, Type &elt) {
  OpBuilder &b = nc.b();
  std::string base = prefix.str();
  if (nc.attr(base + "strings") ||
      (nc.attr(base + "tensor") &&
       nc.attr(base + "tensor")->t().data_type() == onnx::TensorProto::STRING))
    return nc.error() << "string " << prefix
                      << "* are not supported (seqc has no string tensors)";
  if (const onnx::AttributeProto *a = nc.attr(base + "floats")) {
    vals.assign(a->floats().begin(), a->floats().end());
    elt = b.getF32Type();
    return success();
  }
  if (const onnx::AttributeProto *a = nc.attr(base + "int64s")) {
    vals.assign(a->ints().begin(), a->ints().end());
    elt = b.getI64Type();
    return success();
  }
  if (const onnx::AttributeProto *a = nc.attr(base + "tensor")) {
    elt = convertElementType(nc.ctx(), a->t().data_type());
    if (!elt)
      return nc.error() << "attribute '" << base << "tensor' of type "
                        << onnxTypeName(a->t().data_type())
                        << " is not supported";
    return tensorValues(nc, a->t(), base + "tensor", vals);
  }
  return nc.error() << "missing attribute " << prefix
                    << "{floats,int64s,tensor}";
}

LogicalResult convertLabelEncoder(NodeContext &nc) {
  auto t = nc.inputType(0);
  Type inElt = t.getElementType();
  SmallVector<double> keys, vals;
  Type keyElt, valElt;
  if (failed(labelList(nc, "keys_", keys, keyElt)) ||
      failed(labelList(nc, "values_", vals, valElt)))
    return failure();
  if (keys.size() != vals.size())
    return nc.error() << "has " << keys.size() << " keys but " << vals.size()
                      << " values";
  if (isa<FloatType>(keyElt) != isa<FloatType>(inElt))
    return nc.error() << "input element type " << inElt
                      << " does not match the keys' type " << keyElt;
  // The default that matches the values' attribute.
  double dflt;
  if (nc.attr("values_tensor")) {
    SmallVector<double> d;
    if (const onnx::AttributeProto *a = nc.attr("default_tensor")) {
      if (failed(tensorValues(nc, a->t(), "default_tensor", d)))
        return failure();
      if (d.size() != 1)
        return nc.error() << "default_tensor must hold one value, got "
                          << d.size();
      dflt = d[0];
    } else {
      dflt = isa<FloatType>(valElt) ? -0.0 : -1.0;
    }
  } else if (nc.attr("values_floats")) {
    dflt = nc.attrFloat("default_float", -0.0f);
  } else {
    dflt = static_cast<double>(nc.attrInt("default_int64", -1));
  }
  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  int64_t k = keys.size();
  // score[..., i] = i + 1 where x matches key i; the maximum picks the last
  // matching key (it takes precedence), 0 means no key matches.
  Value x = expandLast(nc, nc.input(0));
  Value eq = seq::EqualOp::create(b, loc, x, constTensor(nc, inElt, {k}, keys));
  if (isa<FloatType>(inElt) &&
      llvm::any_of(keys, [](double v) { return std::isnan(v); })) {
    // NaN keys match any NaN input.
    SmallVector<double> nanKey;
    for (double v : keys)
      nanKey.push_back(std::isnan(v));
    Value keyIsNaN = constTensor(nc, b.getI1Type(), {k}, nanKey);
    eq = seq::OrOp::create(
        b, loc, eq,
        seq::AndOp::create(b, loc, seq::IsNaNOp::create(b, loc, x), keyIsNaN));
  }
  SmallVector<int64_t> rank1(k);
  for (int64_t i = 0; i < k; ++i)
    rank1[i] = i + 1;
  Value score = seq::MulOp::create(b, loc, castTo(nc, eq, b.getI64Type()),
                                   i64Tensor(nc, {k}, rank1));
  Value idx = reduce(nc, score, seq::ReduceKind::max, t.getRank());
  SmallVector<double> table{dflt};
  table.append(vals);
  nc.setOutput(0, gather(nc, constTensor(nc, valElt, {k + 1}, table), idx, 0));
  return success();
}

//===----------------------------------------------------------------------===//
// TreeEnsemble (ai.onnx.ml opset 5)
//===----------------------------------------------------------------------===//

enum TreeMode { LEQ, LT, GTE, GT, EQ, NEQ, MEMBER };

LogicalResult convertTreeEnsemble(NodeContext &nc) {
  auto t = nc.inputType(0);
  if (failed(requireStatic(nc, 0)))
    return failure();
  if (t.getRank() != 2)
    return nc.error() << "input X must have rank 2 ([N, F]), got "
                      << shapeStr(t.getShape());
  Type elt = t.getElementType();
  if (!isa<FloatType>(elt))
    return nc.error() << "input X must be floating-point, got " << elt;
  int64_t n = t.getDimSize(0), f = t.getDimSize(1);

  auto ints = [&](StringRef name) {
    return nc.attrInts(name).value_or(SmallVector<int64_t>());
  };
  SmallVector<int64_t> featureIds = ints("nodes_featureids"),
                       trueIds = ints("nodes_truenodeids"),
                       trueLeafs = ints("nodes_trueleafs"),
                       falseIds = ints("nodes_falsenodeids"),
                       falseLeafs = ints("nodes_falseleafs"),
                       targetIds = ints("leaf_targetids"),
                       roots = ints("tree_roots"),
                       tracksTrue = ints("nodes_missing_value_tracks_true");
  SmallVector<double> splits, modesD, weights, members;
  if (failed(numbersAttr(nc, "nodes_splits", splits)) ||
      failed(numbersAttr(nc, "nodes_modes", modesD)) ||
      failed(numbersAttr(nc, "leaf_weights", weights)) ||
      failed(numbersAttr(nc, "membership_values", members)))
    return failure();
  int64_t m = featureIds.size(), numLeaves = weights.size();
  int64_t numTargets = nc.attrInt("n_targets", -1);
  if (numTargets <= 0)
    return nc.error() << "n_targets must be > 0, got " << numTargets;
  if ((int64_t)trueIds.size() != m || (int64_t)trueLeafs.size() != m ||
      (int64_t)falseIds.size() != m || (int64_t)falseLeafs.size() != m ||
      (int64_t)modesD.size() != m || (int64_t)splits.size() != m ||
      (!tracksTrue.empty() && (int64_t)tracksTrue.size() != m))
    return nc.error() << "the nodes_* attributes must all have " << m
                      << " entries";
  if ((int64_t)targetIds.size() != numLeaves)
    return nc.error() << "leaf_targetids has " << targetIds.size()
                      << " entries for " << numLeaves << " leaf_weights";
  if (roots.empty())
    return nc.error() << "tree_roots is empty";
  for (int64_t id : targetIds)
    if (id < 0 || id >= numTargets)
      return nc.error() << "leaf target id " << id << " is out of range [0, "
                        << numTargets << ")";
  for (int64_t id : featureIds)
    if (id < 0 || id >= f)
      return nc.error() << "feature id " << id << " is out of range for " << f
                        << " features";
  SmallVector<int64_t> modes;
  for (double d : modesD) {
    if (d < LEQ || d > MEMBER)
      return nc.error() << "unknown node mode " << d;
    modes.push_back(static_cast<int64_t>(d));
  }
  // Member sets, NaN-delimited, in the order of the MEMBER nodes.
  SmallVector<SmallVector<double>> sets(m);
  {
    size_t pos = 0;
    for (int64_t i = 0; i < m; ++i) {
      if (modes[i] != MEMBER)
        continue;
      if (pos >= members.size())
        return nc.error() << "membership_values has no set for node " << i;
      for (; pos < members.size() && !std::isnan(members[pos]); ++pos)
        sets[i].push_back(members[pos]);
      ++pos; // the NaN delimiter
    }
  }

  // One index space for nodes [0, M) and leaves [M, M + L): a leaf's
  // successors are itself, so `depth` steps of "follow the branch" reach
  // every tree's leaf.
  int64_t s = m + numLeaves;
  SmallVector<int64_t> nextTrue(s), nextFalse(s);
  for (int64_t i = 0; i < m; ++i) {
    int64_t tgt = trueLeafs[i] ? m + trueIds[i] : trueIds[i];
    int64_t fgt = falseLeafs[i] ? m + falseIds[i] : falseIds[i];
    if (tgt < 0 || tgt >= s || (!trueLeafs[i] && tgt >= m) || fgt < 0 ||
        fgt >= s || (!falseLeafs[i] && fgt >= m))
      return nc.error() << "node " << i << " has an out-of-range branch";
    nextTrue[i] = tgt;
    nextFalse[i] = fgt;
  }
  for (int64_t l = m; l < s; ++l)
    nextTrue[l] = nextFalse[l] = l;
  // The start of every tree, and the deepest root-to-leaf path (iterative
  // post-order; a node met again on the current path is a cycle).
  SmallVector<int64_t> start, depth(m, -1);
  SmallVector<char> onPath(m, 0);
  int64_t maxDepth = 0;
  for (auto [treeIdx, root] : llvm::enumerate(roots)) {
    if (root < 0 || root >= m)
      return nc.error() << "tree root " << root << " is out of range";
    if (trueLeafs[root] && falseLeafs[root] &&
        trueIds[root] == falseIds[root]) { // a tree that is a single leaf
      start.push_back(nextTrue[root]);
      continue;
    }
    start.push_back(root);
    SmallVector<int64_t> stack{root};
    while (!stack.empty()) {
      int64_t node = stack.back();
      if (depth[node] >= 0) {
        stack.pop_back();
        continue;
      }
      onPath[node] = 1;
      bool ready = true;
      for (int64_t next : {nextTrue[node], nextFalse[node]}) {
        if (next >= m || depth[next] >= 0)
          continue;
        if (onPath[next])
          return nc.error()
                 << "tree " << treeIdx << " has a cycle through node " << next;
        stack.push_back(next);
        ready = false;
      }
      if (!ready)
        continue;
      int64_t d = 0;
      for (int64_t next : {nextTrue[node], nextFalse[node]})
        d = std::max(d, next >= m ? 0 : depth[next]);
      depth[node] = d + 1;
      onPath[node] = 0;
      stack.pop_back();
    }
    maxDepth = std::max(maxDepth, depth[root]);
  }
  int64_t numTrees = roots.size();

  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  Type i64 = b.getI64Type(), i1 = b.getI1Type();
  auto i64Table = [&](ArrayRef<int64_t> v) {
    return i64Tensor(nc, {(int64_t)v.size()}, v);
  };
  // cur[N, T]: the node (or leaf) each sample is at in each tree.
  Value cur = seq::BroadcastOp::create(
      b, loc, RankedTensorType::get({n, numTrees}, i64),
      i64Tensor(nc, {1, numTrees}, start));
  SmallVector<int64_t> featT(s, 0), modeT(s, LEQ);
  SmallVector<double> splitT(s, 0.0), nanT(s, 0.0);
  for (int64_t i = 0; i < m; ++i) {
    featT[i] = featureIds[i];
    modeT[i] = modes[i];
    splitT[i] = splits[i];
    nanT[i] = !tracksTrue.empty() && tracksTrue[i];
  }
  SmallVector<int64_t> presentModes;
  for (int64_t mode = LEQ; mode <= MEMBER; ++mode)
    if (llvm::is_contained(modes, mode))
      presentModes.push_back(mode);
  bool anyTracks = llvm::is_contained(nanT, 1.0);
  Value featC = i64Table(featT), splitC = constTensor(nc, elt, {s}, splitT),
        trueC = i64Table(nextTrue), falseC = i64Table(nextFalse);
  Value modeC = presentModes.size() > 1 ? i64Table(modeT) : Value();
  Value nanC = anyTracks ? constTensor(nc, i1, {s}, nanT) : Value();
  Value setC;
  int64_t setSize = 1;
  if (llvm::is_contained(presentModes, (int64_t)MEMBER)) {
    // Sets padded with NaN (never equal) to the largest size.
    for (auto &set : sets)
      setSize = std::max<int64_t>(setSize, set.size());
    SmallVector<double> table(s * setSize, std::nan(""));
    for (int64_t i = 0; i < m; ++i)
      llvm::copy(sets[i], table.begin() + i * setSize);
    setC = constTensor(nc, elt, {s, setSize}, table);
  }
  for (int64_t step = 0; step < maxDepth; ++step) {
    Value feat = gather(nc, featC, cur, 0);
    Value xv = seq::GatherElementsOp::create(b, loc, t.clone({n, numTrees}),
                                             nc.input(0), feat, 1);
    Value split = gather(nc, splitC, cur, 0);
    Value mode = presentModes.size() > 1 ? gather(nc, modeC, cur, 0) : Value();
    Value cond;
    for (int64_t md : presentModes) {
      Value c;
      switch (md) {
      case LEQ:
        c = seq::LessEqualOp::create(b, loc, xv, split);
        break;
      case LT:
        c = seq::LessOp::create(b, loc, xv, split);
        break;
      case GTE:
        c = seq::GreaterEqualOp::create(b, loc, xv, split);
        break;
      case GT:
        c = seq::GreaterOp::create(b, loc, xv, split);
        break;
      case EQ:
        c = seq::EqualOp::create(b, loc, xv, split);
        break;
      case NEQ:
        c = seq::NotOp::create(b, loc, seq::EqualOp::create(b, loc, xv, split));
        break;
      default: {
        Value eq = seq::EqualOp::create(b, loc, expandLast(nc, xv),
                                        gather(nc, setC, cur, 0));
        Value hits =
            reduce(nc, castTo(nc, eq, b.getF32Type()), seq::ReduceKind::max, 2);
        c = seq::GreaterOp::create(b, loc, hits,
                                   nc.scalarConstant(b.getF32Type(), 0.0));
        break;
      }
      }
      if (!cond)
        cond = c;
      else
        cond = seq::SelectOp::create(
            b, loc,
            seq::EqualOp::create(b, loc, mode, nc.scalarConstant(i64, md)), c,
            cond);
    }
    if (anyTracks)
      cond = seq::OrOp::create(
          b, loc, cond,
          seq::AndOp::create(b, loc, seq::IsNaNOp::create(b, loc, xv),
                             gather(nc, nanC, cur, 0)));
    cur = seq::SelectOp::create(b, loc, cond, gather(nc, trueC, cur, 0),
                                gather(nc, falseC, cur, 0));
  }

  // Each tree's leaf weight lands on its target: select over [N, T, targets]
  // and reduce over the trees, in tree order.
  int64_t agg = nc.attrInt("aggregate_function", 1);
  if (agg < 0 || agg > 3)
    return nc.error() << "unknown aggregate_function " << agg;
  double init = 0.0, scale = agg == 0 ? 1.0 / numTrees : 1.0;
  if (agg >= 2)
    init = APFloat::getLargest(cast<FloatType>(elt).getFloatSemantics(),
                               /*Negative=*/agg == 3)
               .convertToDouble();
  SmallVector<double> leafW(s, 0.0);
  SmallVector<int64_t> leafT(s, 0), targets(numTargets);
  for (int64_t l = 0; l < numLeaves; ++l) {
    leafW[m + l] = weights[l] * scale;
    leafT[m + l] = targetIds[l];
  }
  for (int64_t k = 0; k < numTargets; ++k)
    targets[k] = k;
  Value w =
      expandLast(nc, gather(nc, constTensor(nc, elt, {s}, leafW), cur, 0));
  Value tg = expandLast(nc, gather(nc, i64Table(leafT), cur, 0));
  Value hit = seq::EqualOp::create(b, loc, tg, i64Table(targets));
  Value v = seq::SelectOp::create(b, loc, hit, w, nc.scalarConstant(elt, init));
  seq::ReduceKind kinds[] = {seq::ReduceKind::sum, seq::ReduceKind::sum,
                             seq::ReduceKind::min, seq::ReduceKind::max};
  Value y = reduce(nc, v, kinds[agg], 1);

  switch (nc.attrInt("post_transform", 0)) {
  case 0:
    break;
  case 1:
    y = seq::SoftmaxOp::create(b, loc, y, 1, /*log=*/false);
    break;
  case 2:
    y = seq::SigmoidOp::create(b, loc, y);
    break;
  default:
    return nc.error() << "post_transform " << nc.attrInt("post_transform", 0)
                      << " (SOFTMAX_ZERO/PROBIT) is not supported";
  }
  nc.setOutput(0, y);
  return success();
}

//===----------------------------------------------------------------------===//
// TfIdfVectorizer
//===----------------------------------------------------------------------===//

LogicalResult convertTfIdfVectorizer(NodeContext &nc) {
  auto t = nc.inputType(0);
  if (failed(requireStatic(nc, 0)))
    return failure();
  Type inElt = t.getElementType();
  if (!isa<IntegerType>(inElt) || inElt.isInteger(1))
    return nc.error() << "input must be int32 or int64, got " << inElt;
  if (nc.attr("pool_strings"))
    return nc.error() << "pool_strings is not supported (seqc has no string "
                         "tensors)";
  std::string mode = nc.attrString("mode", "");
  if (mode != "TF" && mode != "IDF" && mode != "TFIDF")
    return nc.error() << "unknown mode '" << mode << "'";
  int64_t minGram = nc.attrInt("min_gram_length", 0),
          maxGram = nc.attrInt("max_gram_length", 0),
          maxSkip = nc.attrInt("max_skip_count", 0);
  if (minGram < 1 || maxGram < minGram || maxSkip < 0)
    return nc.error() << "invalid min_gram_length " << minGram
                      << ", max_gram_length " << maxGram
                      << " or max_skip_count " << maxSkip;
  SmallVector<int64_t>
      counts = nc.attrInts("ngram_counts").value_or(SmallVector<int64_t>()),
      indexes = nc.attrInts("ngram_indexes").value_or(SmallVector<int64_t>()),
      pool = nc.attrInts("pool_int64s").value_or(SmallVector<int64_t>());
  SmallVector<double> weights;
  if (failed(numbersAttr(nc, "weights", weights)))
    return failure();
  if (indexes.empty())
    return nc.error() << "ngram_indexes is empty";
  int64_t outSize = *llvm::max_element(indexes) + 1;
  if (llvm::any_of(indexes, [](int64_t i) { return i < 0; }))
    return nc.error() << "ngram_indexes must be >= 0";
  if (!weights.empty() && (int64_t)weights.size() < outSize)
    return nc.error() << "weights has " << weights.size() << " entries for "
                      << outSize << " outputs";

  // The pool's n-grams of the counted sizes. Ids number every n-gram of the
  // pool in order; a repeated n-gram counts under its last id (as in the
  // reference's trie).
  std::map<SmallVector<int64_t>, int64_t> gramId;
  int64_t id = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    int64_t size = i + 1;
    int64_t start = counts[i];
    int64_t end = i + 1 < counts.size() ? counts[i + 1] : pool.size();
    if (start < 0 || end < start || end > (int64_t)pool.size())
      return nc.error() << "ngram_counts " << shapeStr(counts)
                        << " does not fit a pool of " << pool.size();
    int64_t grams = (end - start) / size;
    for (int64_t g = 0; g < grams; ++g, ++id) {
      if (size < minGram || size > maxGram)
        continue;
      SmallVector<int64_t> gram(pool.begin() + start + g * size,
                                pool.begin() + start + (g + 1) * size);
      gramId[gram] = id;
    }
  }
  if (id > (int64_t)indexes.size())
    return nc.error() << "ngram_indexes has " << indexes.size()
                      << " entries for " << id << " n-grams";

  // Work on [B, C] i64; a 1-D (or scalar) input is one row.
  bool batched = t.getRank() == 2;
  if (t.getRank() > 2)
    return nc.error() << "input must have rank 1 or 2, got "
                      << shapeStr(t.getShape());
  int64_t rows = batched ? t.getDimSize(0) : 1;
  int64_t c = batched ? t.getDimSize(1) : t.getNumElements();
  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  Type f32 = b.getF32Type();
  Value x = nc.reshape(castTo(nc, nc.input(0), b.getI64Type()), {rows, c});

  // freq[B, O] = sum over sizes of count[B, G] @ onehot[G, O].
  Value freq;
  for (int64_t size = minGram; size <= maxGram; ++size) {
    SmallVector<int64_t> tokens, outIdx; // [G, size], [G]
    for (auto &[gram, gid] : gramId)
      if ((int64_t)gram.size() == size) {
        llvm::append_range(tokens, gram);
        outIdx.push_back(indexes[gid]);
      }
    int64_t g = outIdx.size();
    if (!g)
      continue;
    Value count;
    // Unigrams do not depend on the skip distance and count once.
    int64_t maxDist = size == 1 ? 1 : maxSkip + 1;
    for (int64_t dist = 1; dist <= maxDist; ++dist) {
      int64_t w = c - (size - 1) * dist; // the starts where the n-gram fits
      if (w <= 0)
        break;
      Value match;
      for (int64_t k = 0; k < size; ++k) {
        SmallVector<int64_t> pos(w), tok(g);
        for (int64_t j = 0; j < w; ++j)
          pos[j] = k * dist + j;
        for (int64_t j = 0; j < g; ++j)
          tok[j] = tokens[j * size + k];
        Value item = expandLast(nc, gather(nc, x, i64Tensor(nc, {w}, pos), 1));
        Value eq = seq::EqualOp::create(b, loc, item, i64Tensor(nc, {g}, tok));
        match = match ? seq::AndOp::create(b, loc, match, eq) : eq;
      }
      Value cnt = reduce(nc, castTo(nc, match, f32), seq::ReduceKind::sum, 1);
      count = count ? seq::AddOp::create(b, loc, count, cnt) : cnt;
    }
    if (!count)
      continue;
    SmallVector<float> onehot(g * outSize, 0.0f);
    for (int64_t j = 0; j < g; ++j)
      onehot[j * outSize + outIdx[j]] += 1.0f;
    Value part = seq::MatMulOp::create(b, loc, count,
                                       f32Tensor(nc, {g, outSize}, onehot));
    freq = freq ? seq::AddOp::create(b, loc, freq, part) : part;
  }
  Value y;
  if (!freq) {
    y = f32Tensor(nc, {rows, outSize},
                  SmallVector<float>(rows * outSize, 0.0f));
  } else if (mode == "TF" || (mode == "TFIDF" && weights.empty())) {
    y = freq;
  } else {
    SmallVector<float> wf(outSize, 1.0f);
    for (int64_t i = 0; i < outSize && !weights.empty(); ++i)
      wf[i] = weights[i];
    Value wc = f32Tensor(nc, {outSize}, wf);
    if (mode == "TFIDF") {
      y = seq::MulOp::create(b, loc, freq, wc);
    } else {
      Value present =
          seq::GreaterOp::create(b, loc, freq, nc.scalarConstant(f32, 0.0));
      y = seq::SelectOp::create(b, loc, present, wc,
                                nc.scalarConstant(f32, 0.0));
    }
  }
  if (!batched)
    y = nc.reshape(y, {outSize});
  nc.setOutput(0, y);
  return success();
}

} // namespace

void registerMLOps(OpRegistry &r) {
  r["ai.onnx.ml.Binarizer"] = {convertBinarizer, 1, 1};
  r["ai.onnx.ml.ArrayFeatureExtractor"] = {convertArrayFeatureExtractor, 2, 2};
  r["ai.onnx.ml.LabelEncoder"] = {convertLabelEncoder, 1, 1};
  r["ai.onnx.ml.TreeEnsemble"] = {convertTreeEnsemble, 1, 1};
  r["TfIdfVectorizer"] = {convertTfIdfVectorizer, 1, 1};
}

} // namespace seqc::import
