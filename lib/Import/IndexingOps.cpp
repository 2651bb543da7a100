//===- IndexingOps.cpp - Einsum, arg/top-k, gather/scatter, Tile, Trilu ---===//
//
// Ops that become one seq indexing op, or a short composition of existing
// seq ops (Hardmax = ArgMax == iota, Trilu = select with a constant mask,
// Tile = reshape + broadcast + reshape). Ops whose result shape depends on
// input values (NonZero, Loop, SplitToSequence) are rejected with the reason.
//
//===----------------------------------------------------------------------===//

#include "ImportBuilders.h"
#include "ImporterInternal.h"

#include "seq/IR/Einsum.h"
#include "seq/IR/SeqDialect.h"
#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;

namespace seqc::import {
namespace {

/// Normalizes `axis` of an input of rank `rank`, which must be >= 1.
LogicalResult vectorAxis(NodeContext &nc, int64_t &axis, int64_t rank) {
  if (rank == 0)
    return nc.error() << "input must have rank >= 1";
  return nc.normalizeAxis(axis, rank, "axis");
}

LogicalResult convertEinsum(NodeContext &nc) {
  SmallVector<Value> inputs;
  SmallVector<ArrayRef<int64_t>> shapes;
  for (unsigned i = 0; i < nc.numInputs(); ++i) {
    if (!nc.hasInput(i))
      return nc.error() << "input " << i << " is missing";
    inputs.push_back(nc.input(i));
    shapes.push_back(nc.inputType(i).getShape());
  }
  if (failed(nc.sameElementType(inputs)))
    return failure();
  std::string eq = nc.attrString("equation", "");
  std::string error;
  FailureOr<seq::EinsumSpec> spec = seq::analyzeEinsum(eq, shapes, error);
  if (failed(spec))
    return nc.error() << "equation '" << eq << "': " << error;
  auto type = nc.inputType(0).clone(spec->resultShape());
  nc.setOutput(0, seq::EinsumOp::create(nc.b(), nc.loc(), type, inputs,
                                        nc.b().getStringAttr(eq)));
  return success();
}

/// ArgMax/ArgMin as a seq op with i64 result.
template <typename OpT>
FailureOr<Value> argReduce(NodeContext &nc, Value x, int64_t axis, bool keep,
                           bool last) {
  auto t = cast<RankedTensorType>(x.getType());
  if (failed(nc.normalizeAxis(axis, t.getRank(), "axis")))
    return failure();
  SmallVector<int64_t> shape(t.getShape());
  if (keep)
    shape[axis] = 1;
  else
    shape.erase(shape.begin() + axis);
  OpBuilder &b = nc.b();
  return OpT::create(b, nc.loc(), RankedTensorType::get(shape, b.getI64Type()),
                     x, axis, keep, last)
      .getResult();
}

template <typename OpT> LogicalResult convertArgReduce(NodeContext &nc) {
  if (nc.inputType(0).getRank() == 0)
    return nc.error() << "input must have rank >= 1";
  FailureOr<Value> r = argReduce<OpT>(nc, nc.input(0), nc.attrInt("axis", 0),
                                      nc.attrInt("keepdims", 1) != 0,
                                      nc.attrInt("select_last_index", 0) != 0);
  if (failed(r))
    return failure();
  nc.setOutput(0, *r);
  return success();
}

LogicalResult convertHardmax(NodeContext &nc) {
  auto t = nc.inputType(0);
  int64_t rank = t.getRank();
  int64_t axis = nc.attrInt("axis", nc.opset() < 13 ? 1 : -1);
  if (failed(vectorAxis(nc, axis, rank)) || failed(requireStatic(nc, 0)))
    return failure();
  if (nc.opset() < 13 && axis != rank - 1)
    return nc.error() << "opset " << nc.opset()
                      << " (flattening) semantics with axis " << axis
                      << " != rank - 1 are not supported";
  FailureOr<Value> am =
      argReduce<seq::ArgMaxOp>(nc, nc.input(0), axis, true, false);
  if (failed(am))
    return failure();
  OpBuilder &b = nc.b();
  Value eq = seq::EqualOp::create(b, nc.loc(), *am,
                                  iota(nc, rank, axis, t.getDimSize(axis)));
  nc.setOutput(0, seq::CastOp::create(b, nc.loc(), t, eq));
  return success();
}

LogicalResult convertTopK(NodeContext &nc) {
  auto t = nc.inputType(0);
  int64_t k;
  if (nc.opset() >= 10 && isRuntimeInput(nc, 1)) {
    // One case per K in [0, n].
    int64_t axis = nc.attrInt("axis", -1);
    if (failed(vectorAxis(nc, axis, t.getRank())))
      return failure();
    int64_t n = t.getDimSize(axis);
    if (ShapedType::isDynamic(n))
      return nc.error() << "a run-time K needs a static axis " << axis
                        << ", got " << shapeStr(t.getShape());
    return switchOnScalar(nc, convertTopK, 1, 0, n, 0, "K");
  }
  if (nc.opset() >= 10) {
    SmallVector<int64_t> ks;
    if (!nc.hasInput(1))
      return nc.error() << "K (input 1) is required";
    if (failed(nc.constInts(1, ks, "K")))
      return failure();
    if (ks.size() != 1)
      return nc.error() << "K must hold one value, got " << ks.size();
    k = ks[0];
  } else {
    k = nc.attrInt("k", -1);
  }
  int64_t axis = nc.attrInt("axis", -1);
  if (failed(vectorAxis(nc, axis, t.getRank())))
    return failure();
  int64_t n = t.getDimSize(axis);
  if (k < 0 || (!ShapedType::isDynamic(n) && k > n))
    return nc.error() << "K = " << k << " is out of range for axis " << axis
                      << " of size " << n;
  SmallVector<int64_t> shape(t.getShape());
  shape[axis] = k;
  OpBuilder &b = nc.b();
  auto op = seq::TopKOp::create(
      b, nc.loc(), t.clone(shape), RankedTensorType::get(shape, b.getI64Type()),
      nc.input(0), k, axis, nc.attrInt("largest", 1) != 0);
  nc.setOutput(0, op.getValues());
  nc.setOutput(1, op.getIndices());
  return success();
}

LogicalResult convertCumSum(NodeContext &nc) {
  auto t = nc.inputType(0);
  SmallVector<int64_t> axes;
  if (failed(nc.constInts(1, axes, "axis")))
    return failure();
  if (axes.size() != 1)
    return nc.error() << "axis must hold one value, got " << axes.size();
  int64_t axis = axes[0];
  if (failed(vectorAxis(nc, axis, t.getRank())))
    return failure();
  OpBuilder &b = nc.b();
  nc.setOutput(0, seq::CumSumOp::create(b, nc.loc(), t, nc.input(0), axis,
                                        nc.attrInt("exclusive", 0) != 0,
                                        nc.attrInt("reverse", 0) != 0));
  return success();
}

LogicalResult convertTrilu(NodeContext &nc) {
  auto t = nc.inputType(0);
  int64_t rank = t.getRank();
  if (rank < 2)
    return nc.error() << "input must have rank >= 2, got "
                      << shapeStr(t.getShape());
  int64_t n = t.getDimSize(rank - 2), m = t.getDimSize(rank - 1);
  if (ShapedType::isDynamic(n) || ShapedType::isDynamic(m))
    return nc.error() << "the last two dims must be static, got "
                      << shapeStr(t.getShape());
  bool upper = nc.attrInt("upper", 1) != 0;
  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  auto maskType = RankedTensorType::get({n, m}, b.getI1Type());
  Value mask;
  std::optional<double> kc = 0.0;
  if (nc.hasInput(1))
    kc = nc.constScalar(1);
  if (kc) {
    // Keep (i, j) with j - i >= k (upper) or j - i <= k (lower).
    int64_t k = static_cast<int64_t>(*kc);
    SmallVector<bool> keep(n * m);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < m; ++j)
        keep[i * m + j] = upper ? j - i >= k : j - i <= k;
    mask = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(maskType, ArrayRef(keep)));
  } else {
    // k is known only at run time; it selects data, not the shape: compare
    // the constant diagonal offsets j - i with it.
    auto kt = nc.inputType(1);
    if (!isa<IntegerType>(kt.getElementType()) || !kt.hasStaticShape() ||
        kt.getNumElements() != 1)
      return nc.error() << "k must be one integer, got " << typeStr(kt);
    Type i64 = b.getI64Type();
    Value k = nc.input(1);
    if (kt.getElementType() != i64)
      k = seq::CastOp::create(b, loc, kt.clone(i64), k);
    k = nc.reshape(k, {});
    auto vec = [&](int64_t len, ArrayRef<int64_t> shape) -> Value {
      SmallVector<int64_t> v(len);
      for (int64_t i = 0; i < len; ++i)
        v[i] = i;
      return arith::ConstantOp::create(
          b, loc,
          DenseElementsAttr::get(RankedTensorType::get(shape, i64),
                                 ArrayRef(v)));
    };
    Value d = seq::SubOp::create(b, loc, vec(m, {1, m}), vec(n, {n, 1}));
    mask = upper ? Value(seq::GreaterEqualOp::create(b, loc, d, k))
                 : Value(seq::LessEqualOp::create(b, loc, d, k));
  }
  Value zero = nc.scalarConstant(t.getElementType(), 0.0);
  nc.setOutput(0, seq::SelectOp::create(b, loc, t, mask, nc.input(0), zero));
  return success();
}

LogicalResult convertTile(NodeContext &nc) {
  auto t = nc.inputType(0);
  SmallVector<int64_t> reps;
  if (failed(nc.constInts(1, reps, "repeats")) || failed(requireStatic(nc, 0)))
    return failure();
  if ((int64_t)reps.size() != t.getRank())
    return nc.error() << "repeats has " << reps.size()
                      << " entries for an input of rank " << t.getRank();
  // [d0, d1] -> [1, d0, 1, d1] -> broadcast [r0, d0, r1, d1] -> [r0*d0, r1*d1]
  SmallVector<int64_t> split, bcast, out;
  for (auto [r, d] : llvm::zip(reps, t.getShape())) {
    if (r < 0)
      return nc.error() << "repeats must be >= 0, got " << r;
    split.append({1, d});
    bcast.append({r, d});
    out.push_back(r * d);
  }
  Value v = nc.reshape(nc.input(0), split);
  if (bcast != split)
    v = seq::BroadcastOp::create(nc.b(), nc.loc(), t.clone(bcast), v);
  nc.setOutput(0, nc.reshape(v, out));
  return success();
}

LogicalResult convertGatherElements(NodeContext &nc) {
  auto t = nc.inputType(0), it = nc.inputType(1);
  int64_t axis = nc.attrInt("axis", 0);
  if (failed(nc.normalizeAxis(axis, t.getRank(), "axis")))
    return failure();
  if (it.getRank() != t.getRank())
    return nc.error() << "indices rank " << it.getRank()
                      << " differs from data rank " << t.getRank();
  OpBuilder &b = nc.b();
  nc.setOutput(
      0, seq::GatherElementsOp::create(b, nc.loc(), t.clone(it.getShape()),
                                       nc.input(0), nc.input(1), axis));
  return success();
}

LogicalResult convertGatherND(NodeContext &nc) {
  auto t = nc.inputType(0), it = nc.inputType(1);
  int64_t r = t.getRank(), q = it.getRank(), bd = nc.attrInt("batch_dims", 0);
  if (q < 1 || it.isDynamicDim(q - 1))
    return nc.error() << "indices of shape " << shapeStr(it.getShape())
                      << " need a static last dim";
  int64_t m = it.getDimSize(q - 1);
  if (bd < 0 || bd >= std::min(r, q) || bd + m > r)
    return nc.error() << "batch_dims = " << bd << " and index tuples of length "
                      << m << " do not fit data " << shapeStr(t.getShape())
                      << " and indices " << shapeStr(it.getShape());
  SmallVector<int64_t> shape(it.getShape().drop_back());
  llvm::append_range(shape, t.getShape().drop_front(bd + m));
  OpBuilder &b = nc.b();
  nc.setOutput(0,
               seq::GatherNDOp::create(b, nc.loc(), t.clone(shape), nc.input(0),
                                       nc.input(1), b.getI64IntegerAttr(bd)));
  return success();
}

FailureOr<seq::ScatterReduction> scatterReduction(NodeContext &nc) {
  std::string r = nc.attrString("reduction", "none");
  std::optional<seq::ScatterReduction> k = seq::symbolizeScatterReduction(r);
  if (!k)
    return nc.error() << "unknown reduction '" << r << "'";
  return *k;
}

LogicalResult convertScatterElements(NodeContext &nc) {
  auto t = nc.inputType(0), it = nc.inputType(1), ut = nc.inputType(2);
  int64_t axis = nc.attrInt("axis", 0);
  FailureOr<seq::ScatterReduction> red = scatterReduction(nc);
  if (failed(red) || failed(nc.normalizeAxis(axis, t.getRank(), "axis")) ||
      failed(nc.sameElementType({nc.input(0), nc.input(2)})))
    return failure();
  if (it.getRank() != t.getRank() || it.getShape() != ut.getShape())
    return nc.error() << "indices " << shapeStr(it.getShape())
                      << " and updates " << shapeStr(ut.getShape())
                      << " must have one shape of data's rank " << t.getRank();
  OpBuilder &b = nc.b();
  nc.setOutput(0, seq::ScatterElementsOp::create(
                      b, nc.loc(), t, nc.input(0), nc.input(1), nc.input(2),
                      seq::getSI64Attr(b, axis),
                      seq::ScatterReductionAttr::get(nc.ctx(), *red)));
  return success();
}

LogicalResult convertScatterND(NodeContext &nc) {
  auto t = nc.inputType(0), it = nc.inputType(1), ut = nc.inputType(2);
  FailureOr<seq::ScatterReduction> red = scatterReduction(nc);
  if (failed(red) || failed(nc.sameElementType({nc.input(0), nc.input(2)})))
    return failure();
  int64_t q = it.getRank();
  if (q < 1 || it.isDynamicDim(q - 1) || it.getDimSize(q - 1) > t.getRank())
    return nc.error() << "indices of shape " << shapeStr(it.getShape())
                      << " do not fit data of rank " << t.getRank();
  SmallVector<int64_t> shape(it.getShape().drop_back());
  llvm::append_range(shape, t.getShape().drop_front(it.getDimSize(q - 1)));
  if (ut.getShape() != ArrayRef(shape))
    return nc.error() << "updates of shape " << shapeStr(ut.getShape())
                      << " should be " << shapeStr(shape);
  OpBuilder &b = nc.b();
  nc.setOutput(0, seq::ScatterNDOp::create(
                      b, nc.loc(), t, nc.input(0), nc.input(1), nc.input(2),
                      seq::ScatterReductionAttr::get(nc.ctx(), *red)));
  return success();
}

LogicalResult convertDataDependent(NodeContext &nc) {
  StringRef op = nc.node().op_type();
  const char *why =
      op == "NonZero" ? "its output shape depends on the input values"
      : op == "Loop"  ? "its trip count and outputs depend on runtime values"
                      : "it produces a tensor sequence whose length depends on "
                        "the input";
  return nc.error() << "is not supported: " << why
                    << " (seqc compiles static shapes only)";
}

} // namespace

void registerIndexingOps(OpRegistry &r) {
  r["Einsum"] = {convertEinsum, 1, 64};
  r["ArgMax"] = {convertArgReduce<seq::ArgMaxOp>, 1, 1};
  r["ArgMin"] = {convertArgReduce<seq::ArgMinOp>, 1, 1};
  r["Hardmax"] = {convertHardmax, 1, 1};
  r["TopK"] = {convertTopK, 1, 2};
  r["CumSum"] = {convertCumSum, 2, 2};
  r["Trilu"] = {convertTrilu, 1, 2};
  r["Tile"] = {convertTile, 2, 2};
  r["GatherElements"] = {convertGatherElements, 2, 2};
  r["GatherND"] = {convertGatherND, 2, 2};
  r["ScatterElements"] = {convertScatterElements, 3, 3};
  r["Scatter"] = {convertScatterElements, 3, 3};
  r["ScatterND"] = {convertScatterND, 3, 3};
  r["NonZero"] = {convertDataDependent, 1, 1};
  r["Loop"] = {convertDataDependent, 2, 64};
  r["SplitToSequence"] = {convertDataDependent, 1, 2};
}

} // namespace seqc::import
