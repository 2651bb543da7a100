//===- ControlFlowOps.cpp - If and friends
//----------------------------------===//
//
// ONNX If, Compress, Unique, NonMaxSuppression, QLinearMatMul, RoiAlign,
// DeformConv.
//
// If imports only the taken branch when the condition is known at compile
// time, and otherwise both branches followed by an elementwise select.
// Compress, Unique and NonMaxSuppression have output shapes that depend on
// input values: they are computed at import time when those inputs are
// constants, and rejected with an error naming the input otherwise (a graph
// input can then be bound with --const-input). RoiAlign and DeformConv
// sample their input bilinearly: four gathers of the corner values with
// run-time computed indices and weights.
//
//===----------------------------------------------------------------------===//

#include "ImportBuilders.h"
#include "ImporterInternal.h"

#include "seq/IR/SeqDialect.h"
#include "seq/IR/SeqFolds.h"
#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>

using namespace mlir;

namespace seqc::import {
namespace {

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

/// A compile-time known tensor, read from a constant operand (integers,
/// bool included as 0/1, exactly in `i`; floats in `f`).
using HostVals = seq::HostTensor;

std::optional<HostVals> readConst(Value v) {
  Attribute attr;
  if (!v || !matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  return HostVals::read(attr, /*maxElements=*/1 << 22);
}

/// A tensor of `elt` from host values (`f` for floats, `i` otherwise).
Value materialize(NodeContext &nc, Type elt, ArrayRef<int64_t> shape,
                  ArrayRef<double> f, ArrayRef<int64_t> i) {
  auto type = RankedTensorType::get(shape, elt);
  if (auto ft = dyn_cast<FloatType>(elt))
    return constTensor(nc, elt, shape, f);
  unsigned w = elt.getIntOrFloatBitWidth();
  SmallVector<APInt> v;
  for (int64_t x : i)
    v.push_back(APInt(w, static_cast<uint64_t>(x), /*isSigned=*/w > 1));
  return arith::ConstantOp::create(nc.b(), nc.loc(),
                                   DenseElementsAttr::get(type, v));
}

/// The error for an input whose values determine an output shape.
LogicalResult dataDependent(NodeContext &nc, unsigned i, StringRef what) {
  InFlightDiagnostic d = nc.error();
  d << "the output shape depends on the values of " << what << " (input " << i
    << "), which are not known at compile time";
  noteGraphInput(d, nc.input(i));
  return d;
}

int64_t product(ArrayRef<int64_t> v) {
  return std::accumulate(v.begin(), v.end(), int64_t(1),
                         std::multiplies<int64_t>());
}

//===----------------------------------------------------------------------===//
// QLinearMatMul
//===----------------------------------------------------------------------===//

/// Brings a scale or zero point of a matmul operand to a shape that
/// broadcasts onto the [..., M, N] product: per tensor (one element), per
/// row (1-D of M, `rows`) or per column (1-D of N), or already of the
/// operand's rank ([..., M, 1] / [..., 1, N]).
FailureOr<Value> alignQParam(NodeContext &nc, unsigned i, int64_t rank,
                             int64_t dim, bool rows, StringRef what) {
  Value p = nc.input(i);
  auto pt = nc.inputType(i);
  if (!pt.hasStaticShape())
    return nc.error() << what << " needs a static shape, got " << typeStr(pt);
  if (pt.getNumElements() == 1 && pt.getRank() <= 1)
    return nc.reshape(p, {});
  if (pt.getRank() == 1 && pt.getDimSize(0) == dim)
    return rows ? nc.reshape(p, {dim, 1}) : p;
  if (pt.getRank() == rank)
    return p;
  return nc.error() << what << " of shape " << shapeStr(pt.getShape())
                    << " is neither per tensor nor per "
                    << (rows ? "row" : "column") << " (" << dim << ")";
}

/// y = saturate(round((a - a_zp) x (b - b_zp) * (a_scale * b_scale /
/// y_scale)) + y_zp), the integer product in i32 and the rescale in f64 like
/// the ONNX reference (the scale ratio in the scales' own type).
LogicalResult convertQLinearMatMul(NodeContext &nc) {
  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  auto at = nc.inputType(0), bt = nc.inputType(3);
  for (Type t : {at.getElementType(), bt.getElementType()})
    if (!isa<IntegerType>(t) || t.getIntOrFloatBitWidth() != 8)
      return nc.error() << "expects int8/uint8 operands, got " << t;
  if (at.getRank() < 2 || bt.getRank() < 2)
    return nc.error() << "operands of rank < 2 are not supported";
  if (!at.hasStaticShape() || !bt.hasStaticShape())
    return nc.error() << "needs static operand shapes";
  int64_t m = at.getDimSize(at.getRank() - 2);
  int64_t n = bt.getDimSize(bt.getRank() - 1);
  Type sElt = nc.inputType(1).getElementType();
  for (unsigned i : {1u, 4u, 6u})
    if (!isa<FloatType>(nc.inputType(i).getElementType()) ||
        nc.inputType(i).getElementType() != sElt)
      return nc.error() << "scales must share one floating-point type";
  Type yElt = nc.inputType(7).getElementType();
  if (!isa<IntegerType>(yElt) || yElt.getIntOrFloatBitWidth() != 8)
    return nc.error() << "expects an int8/uint8 output zero point, got "
                      << yElt;
  if (nc.inputType(2).getElementType() != at.getElementType() ||
      nc.inputType(5).getElementType() != bt.getElementType())
    return nc.error() << "zero point types must match their operands";

  auto aScale = alignQParam(nc, 1, at.getRank(), m, true, "a_scale");
  auto aZp = alignQParam(nc, 2, at.getRank(), m, true, "a_zero_point");
  auto bScale = alignQParam(nc, 4, bt.getRank(), n, false, "b_scale");
  auto bZp = alignQParam(nc, 5, bt.getRank(), n, false, "b_zero_point");
  auto yScale = alignQParam(nc, 6, at.getRank(), m, true, "y_scale");
  auto yZp = alignQParam(nc, 7, at.getRank(), m, true, "y_zero_point");
  if (failed(aScale) || failed(aZp) || failed(bScale) || failed(bZp) ||
      failed(yScale) || failed(yZp))
    return failure();

  Type i32 = b.getI32Type(), f64 = b.getF64Type();
  Value a = seq::SubOp::create(b, loc, castTo(nc, nc.input(0), i32),
                               castTo(nc, *aZp, i32));
  Value bm = seq::SubOp::create(b, loc, castTo(nc, nc.input(3), i32),
                                castTo(nc, *bZp, i32));
  Value c = seq::MatMulOp::create(b, loc, a, bm);
  Value scale = seq::DivOp::create(
      b, loc, seq::MulOp::create(b, loc, *aScale, *bScale), *yScale);
  Value y =
      seq::MulOp::create(b, loc, castTo(nc, c, f64), castTo(nc, scale, f64));
  y = seq::AddOp::create(b, loc, y, castTo(nc, *yZp, f64));
  y = seq::RoundOp::create(b, loc, y);
  bool isUnsigned = yElt.isUnsignedInteger();
  y = seq::MaxOp::create(b, loc, y,
                         nc.scalarConstant(f64, isUnsigned ? 0 : -128));
  y = seq::MinOp::create(b, loc, y,
                         nc.scalarConstant(f64, isUnsigned ? 255 : 127));
  nc.setOutput(0, castTo(nc, y, yElt));
  return success();
}

//===----------------------------------------------------------------------===//
// If
//===----------------------------------------------------------------------===//

const onnx::GraphProto *graphAttr(NodeContext &nc, StringRef name) {
  const onnx::AttributeProto *a = nc.attr(name);
  return a && a->has_g() ? &a->g() : nullptr;
}

LogicalResult convertIf(NodeContext &nc) {
  const onnx::GraphProto *thenG = graphAttr(nc, "then_branch");
  const onnx::GraphProto *elseG = graphAttr(nc, "else_branch");
  if (!thenG || !elseG)
    return nc.error() << "needs then_branch and else_branch graphs";
  for (const onnx::GraphProto *g : {thenG, elseG})
    if (g->output_size() != static_cast<int>(nc.numOutputs()))
      return nc.error() << "branch '" << g->name() << "' has "
                        << g->output_size() << " outputs, the node has "
                        << nc.numOutputs();
  auto ct = nc.inputType(0);
  if (!ct.getElementType().isInteger(1) || !ct.hasStaticShape() ||
      ct.getNumElements() != 1)
    return nc.error() << "expects a one-element bool condition, got "
                      << typeStr(ct);

  // A known condition: only the taken branch exists.
  if (std::optional<double> c = nc.constScalar(0)) {
    SmallVector<Value> outs;
    if (failed(importSubgraph(nc, *c != 0 ? *thenG : *elseG, {}, outs)))
      return failure();
    for (auto [i, v] : llvm::enumerate(outs))
      nc.setOutput(i, v);
    return success();
  }

  // Both branches are side-effect free: compute both and select.
  SmallVector<Value> thenOuts, elseOuts;
  if (failed(importSubgraph(nc, *thenG, {}, thenOuts)) ||
      failed(importSubgraph(nc, *elseG, {}, elseOuts)))
    return failure();
  Value cond = nc.reshape(nc.input(0), {});
  for (unsigned i = 0; i < nc.numOutputs(); ++i) {
    auto tt = dyn_cast<RankedTensorType>(thenOuts[i].getType());
    auto et = dyn_cast<RankedTensorType>(elseOuts[i].getType());
    if (!tt || !et || tt != et) {
      InFlightDiagnostic d = nc.error();
      d << "with a condition known only at run time, output " << i
        << " needs the same type in both branches, got "
        << typeStr(thenOuts[i].getType()) << " and "
        << typeStr(elseOuts[i].getType());
      noteGraphInput(d, nc.input(0));
      return d;
    }
    nc.setOutput(i, seq::SelectOp::create(nc.b(), nc.loc(), cond, thenOuts[i],
                                          elseOuts[i]));
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Compress
//===----------------------------------------------------------------------===//

/// With a constant condition: a Gather of the selected positions.
LogicalResult convertCompress(NodeContext &nc) {
  auto xt = nc.inputType(0);
  if (!xt.hasStaticShape())
    return nc.error() << "needs a static input shape, got " << typeStr(xt);
  std::optional<HostVals> cond = readConst(nc.input(1));
  if (!cond)
    return dataDependent(nc, 1, "condition");
  if (cond->isFloat() || cond->shape.size() != 1)
    return nc.error() << "expects a 1-D bool condition, got "
                      << typeStr(nc.inputType(1));
  Value x = nc.input(0);
  int64_t axis = 0;
  if (nc.attr("axis")) {
    axis = nc.attrInt("axis", 0);
    if (failed(nc.normalizeAxis(axis, xt.getRank(), "axis")))
      return failure();
  } else {
    x = nc.reshape(x, {xt.getNumElements()});
  }
  auto t = cast<RankedTensorType>(x.getType());
  int64_t dim = t.getDimSize(axis);
  SmallVector<int64_t> idx;
  for (auto [k, c] : llvm::enumerate(cond->i)) {
    if (!c)
      continue;
    if (static_cast<int64_t>(k) >= dim)
      return nc.error() << "condition selects position " << k
                        << ", past the size " << dim << " of the axis";
    idx.push_back(k);
  }
  if (idx.empty())
    return nc.error() << "condition selects nothing (an empty output is not "
                         "supported)";
  SmallVector<int64_t> shape(t.getShape());
  shape[axis] = idx.size();
  Value indices = i64Tensor(nc, {(int64_t)idx.size()}, idx);
  nc.setOutput(0, seq::GatherOp::create(nc.b(), nc.loc(), t.clone(shape), x,
                                        indices, axis));
  return success();
}

//===----------------------------------------------------------------------===//
// Unique
//===----------------------------------------------------------------------===//

/// Folded on the host (numpy.unique semantics, first-occurrence order when
/// not sorted).
LogicalResult convertUnique(NodeContext &nc) {
  std::optional<HostVals> x = readConst(nc.input(0));
  if (!x)
    return dataDependent(nc, 0, "X");
  int64_t rank = x->shape.size();
  bool hasAxis = nc.attr("axis") != nullptr;
  int64_t axis = 0;
  SmallVector<int64_t> shape = x->shape;
  if (hasAxis) {
    axis = nc.attrInt("axis", 0);
    if (failed(nc.normalizeAxis(axis, rank, "axis")))
      return failure();
  } else {
    shape = {x->size()};
  }
  // Slices along `axis`: outer x n x inner; slice j is the values
  // [o, j, in] for all o, in, compared lexicographically.
  int64_t n = shape[axis];
  int64_t outer = product(ArrayRef(shape).take_front(axis));
  int64_t inner = product(ArrayRef(shape).drop_front(axis + 1));
  if (n == 0)
    return nc.error() << "an empty input is not supported";
  auto at = [&](int64_t j, int64_t k) {
    int64_t o = k / inner, in = k % inner;
    return (o * n + j) * inner + in;
  };
  int64_t len = outer * inner;
  auto cmp = [&](int64_t p, int64_t q) -> int {
    for (int64_t k = 0; k < len; ++k) {
      int64_t ip = at(p, k), iq = at(q, k);
      if (x->isFloat()) {
        double a = x->f[ip], c = x->f[iq];
        // NaN sorts last and equals NaN (numpy.unique), keeping the order
        // strict weak.
        if (std::isnan(a) || std::isnan(c)) {
          if (std::isnan(a) != std::isnan(c))
            return std::isnan(a) ? 1 : -1;
          continue;
        }
        if (a < c)
          return -1;
        if (c < a)
          return 1;
      } else {
        int64_t a = x->i[ip], c = x->i[iq];
        if (seq::isUnsignedInt(x->elt) ? (uint64_t)a < (uint64_t)c : a < c)
          return -1;
        if (seq::isUnsignedInt(x->elt) ? (uint64_t)c < (uint64_t)a : c < a)
          return 1;
      }
    }
    return 0;
  };
  // Group equal slices: `first` holds each group's first occurrence.
  SmallVector<int64_t> first, inverse(n), counts;
  for (int64_t j = 0; j < n; ++j) {
    int64_t g = 0;
    for (; g < (int64_t)first.size(); ++g)
      if (cmp(first[g], j) == 0)
        break;
    if (g == (int64_t)first.size()) {
      first.push_back(j);
      counts.push_back(0);
    }
    inverse[j] = g;
    ++counts[g];
  }
  SmallVector<int64_t> order(first.size());
  std::iota(order.begin(), order.end(), 0);
  if (nc.attrInt("sorted", 1))
    llvm::sort(order, [&](int64_t a, int64_t c) {
      int r = cmp(first[a], first[c]);
      return r ? r < 0 : a < c;
    });
  SmallVector<int64_t> rankOf(order.size());
  for (auto [r, g] : llvm::enumerate(order))
    rankOf[g] = r;

  int64_t u = order.size();
  SmallVector<int64_t> yShape = shape;
  yShape[axis] = u;
  std::vector<double> yf;
  std::vector<int64_t> yi;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t g : order)
      for (int64_t in = 0; in < inner; ++in) {
        int64_t k = (o * n + first[g]) * inner + in;
        if (x->isFloat())
          yf.push_back(x->f[k]);
        else
          yi.push_back(x->i[k]);
      }
  SmallVector<int64_t> indices, inv, cnt;
  for (int64_t g : order) {
    indices.push_back(first[g]);
    cnt.push_back(counts[g]);
  }
  for (int64_t j = 0; j < n; ++j)
    inv.push_back(rankOf[inverse[j]]);
  nc.setOutput(0, materialize(nc, x->elt, yShape, yf, yi));
  nc.setOutput(1, i64Tensor(nc, {u}, indices));
  nc.setOutput(2, i64Tensor(nc, {n}, inv));
  nc.setOutput(3, i64Tensor(nc, {u}, cnt));
  return success();
}

//===----------------------------------------------------------------------===//
// NonMaxSuppression
//===----------------------------------------------------------------------===//

/// Whether box `p` suppresses box `q` (IoU > threshold), in f32 like the
/// ONNX reference.
bool suppressByIoU(const float *p, const float *q, bool centerPoint,
                   float threshold) {
  auto minMax = [](float a, float c) {
    return a >= c ? std::make_pair(c, a) : std::make_pair(a, c);
  };
  float x1lo, x1hi, x2lo, x2hi, y1lo, y1hi, y2lo, y2hi;
  if (!centerPoint) {
    std::tie(x1lo, x1hi) = minMax(p[1], p[3]);
    std::tie(x2lo, x2hi) = minMax(q[1], q[3]);
    std::tie(y1lo, y1hi) = minMax(p[0], p[2]);
    std::tie(y2lo, y2hi) = minMax(q[0], q[2]);
  } else {
    x1lo = p[0] - p[2] / 2, x1hi = p[0] + p[2] / 2;
    x2lo = q[0] - q[2] / 2, x2hi = q[0] + q[2] / 2;
    y1lo = p[1] - p[3] / 2, y1hi = p[1] + p[3] / 2;
    y2lo = q[1] - q[3] / 2, y2hi = q[1] + q[3] / 2;
  }
  float ixlo = std::max(x1lo, x2lo), ixhi = std::min(x1hi, x2hi);
  if (ixhi <= ixlo)
    return false;
  float iylo = std::max(y1lo, y2lo), iyhi = std::min(y1hi, y2hi);
  if (iyhi <= iylo)
    return false;
  float inter = (ixhi - ixlo) * (iyhi - iylo);
  if (inter <= 0)
    return false;
  float area1 = (x1hi - x1lo) * (y1hi - y1lo);
  float area2 = (x2hi - x2lo) * (y2hi - y2lo);
  float uni = area1 + area2 - inter;
  if (area1 <= 0 || area2 <= 0 || uni <= 0)
    return false;
  return inter / uni > threshold;
}

/// Folded on the host: the number of selected boxes is the output shape.
LogicalResult convertNonMaxSuppression(NodeContext &nc) {
  static const char *names[] = {"boxes", "scores", "max_output_boxes_per_class",
                                "iou_threshold", "score_threshold"};
  std::optional<HostVals> in[5];
  for (unsigned i = 0; i < 5; ++i) {
    if (!nc.hasInput(i))
      continue;
    in[i] = readConst(nc.input(i));
    if (!in[i])
      return dataDependent(nc, i, names[i]);
  }
  const HostVals &boxes = *in[0], &scores = *in[1];
  if (!boxes.isFloat() || !scores.isFloat() || boxes.shape.size() != 3 ||
      boxes.shape[2] != 4 || scores.shape.size() != 3 ||
      scores.shape[0] != boxes.shape[0] || scores.shape[2] != boxes.shape[1])
    return nc.error() << "expects float boxes [B, N, 4] and scores [B, C, N], "
                         "got "
                      << typeStr(nc.inputType(0)) << " and "
                      << typeStr(nc.inputType(1));
  int64_t maxOut = 0;
  float iou = 0, scoreThr = 0;
  bool hasScoreThr = false;
  if (in[2] && in[2]->size())
    maxOut = std::max<int64_t>(in[2]->isFloat() ? 0 : in[2]->i[0], 0);
  if (in[3] && in[3]->size())
    iou = in[3]->getF(0);
  if (in[4] && in[4]->size()) {
    scoreThr = in[4]->getF(0);
    hasScoreThr = true;
  }
  bool center = nc.attrInt("center_point_box", 0) != 0;
  int64_t nb = boxes.shape[0], nbox = boxes.shape[1], ncls = scores.shape[1];
  std::vector<float> bx(boxes.f.begin(), boxes.f.end());
  SmallVector<int64_t> sel;
  for (int64_t bi = 0; bi < nb; ++bi)
    for (int64_t ci = 0; ci < ncls; ++ci) {
      const double *s = &scores.f[(bi * ncls + ci) * nbox];
      SmallVector<int64_t> cand;
      for (int64_t k = 0; k < nbox; ++k)
        if (!hasScoreThr || (float)s[k] > scoreThr)
          cand.push_back(k);
      // Highest score first, the lower index first among equal scores.
      llvm::sort(cand, [&](int64_t p, int64_t q) {
        float sp = s[p], sq = s[q];
        return sp != sq ? sp > sq : p < q;
      });
      SmallVector<int64_t> kept;
      for (int64_t k : cand) {
        if ((int64_t)kept.size() >= maxOut)
          break;
        bool keep = llvm::none_of(kept, [&](int64_t j) {
          return suppressByIoU(&bx[(bi * nbox + k) * 4],
                               &bx[(bi * nbox + j) * 4], center, iou);
        });
        if (!keep)
          continue;
        kept.push_back(k);
        sel.append({bi, ci, k});
      }
    }
  if (sel.empty())
    return nc.error() << "selects no boxes (an empty output is not supported)";
  nc.setOutput(0, i64Tensor(nc, {(int64_t)sel.size() / 3, 3}, sel));
  return success();
}

//===----------------------------------------------------------------------===//
// Bilinear sampling (RoiAlign, DeformConv)
//===----------------------------------------------------------------------===//

struct Sampler : ElemBuilder {
  OpBuilder &b;
  Location loc;
  explicit Sampler(NodeContext &nc, Type ft)
      : ElemBuilder{nc, ft}, b(nc.b()), loc(nc.loc()) {}

  Value ci(int64_t v) { return nc.scalarConstant(b.getI64Type(), v); }
  Value toInt(Value x) { return castTo(nc, x, b.getI64Type()); }
  Value toFloat(Value x) { return castTo(nc, x, elt); }
  Value col(Value v, int64_t k, int64_t axis) {
    auto t = cast<RankedTensorType>(v.getType());
    SmallVector<int64_t> shape(t.getShape());
    shape.erase(shape.begin() + axis);
    return seq::GatherOp::create(b, loc, t.clone(shape), v, ci(k), axis);
  }
  /// Gathers rows of `table` [rows, C] at `idx` [...] -> [..., C].
  Value gather(Value table, Value idx) {
    auto t = cast<RankedTensorType>(table.getType());
    auto it = cast<RankedTensorType>(idx.getType());
    SmallVector<int64_t> shape(it.getShape());
    shape.push_back(t.getDimSize(1));
    return seq::GatherOp::create(b, loc, t.clone(shape), table, idx, 0);
  }
  Value expand(Value v) { // appends a unit dim
    auto t = cast<RankedTensorType>(v.getType());
    SmallVector<int64_t> shape(t.getShape());
    shape.push_back(1);
    return nc.reshape(v, shape);
  }
  Value reduce(Value v, seq::ReduceKind kind, ArrayRef<int64_t> axes) {
    return import::reduce(nc, v, kind, axes);
  }
};

//===----------------------------------------------------------------------===//
// RoiAlign
//===----------------------------------------------------------------------===//

/// Per axis (y or x): RoiAlign's sample positions and their clamped corner
/// indices and weights, as in the ONNX reference.
struct AxisSamples {
  Value lo, hi;   // i64 corner indices
  Value wLo, wHi; // weights, zero for samples outside [-1, size]
};

AxisSamples roiAxis(Sampler &s, Value pos, int64_t size) {
  Value valid = seq::AndOp::create(
      s.b, s.loc, seq::GreaterEqualOp::create(s.b, s.loc, pos, s.c(-1.0)),
      seq::LessEqualOp::create(s.b, s.loc, pos, s.c((double)size)));
  Value p = s.max(pos, s.c(0.0));
  Value lo = s.toInt(p); // p >= 0: truncation is floor
  Value last = s.ci(size - 1);
  Value atEnd = seq::GreaterEqualOp::create(s.b, s.loc, lo, last);
  lo = s.select(atEnd, last, lo);
  Value hi = s.select(atEnd, last, s.add(lo, s.ci(1)));
  p = s.select(atEnd, s.toFloat(last), p);
  Value l = s.sub(p, s.toFloat(lo));
  Value h = s.sub(s.c(1.0), l);
  Value zero = s.c(0.0);
  return {lo, hi, s.select(valid, h, zero), s.select(valid, l, zero)};
}

LogicalResult convertRoiAlign(NodeContext &nc) {
  auto xt = nc.inputType(0), rt = nc.inputType(1), bt = nc.inputType(2);
  if (xt.getRank() != 4 || !xt.hasStaticShape())
    return nc.error() << "expects a static 4-D X, got " << typeStr(xt);
  Type ft = xt.getElementType();
  if (!isa<FloatType>(ft) || rt.getElementType() != ft)
    return nc.error() << "expects float X and rois of one type";
  if (rt.getRank() != 2 || rt.getDimSize(1) != 4 || bt.getRank() != 1 ||
      !rt.hasStaticShape() || bt.getDimSize(0) != rt.getDimSize(0))
    return nc.error() << "expects rois [R, 4] and batch_indices [R], got "
                      << typeStr(rt) << " and " << typeStr(bt);
  int64_t ratio = nc.attrInt("sampling_ratio", 0);
  std::string mode = nc.attrString("mode", "avg");
  if (mode != "avg" && mode != "max")
    return nc.error() << "unsupported mode '" << mode << "'";
  std::string ctm =
      nc.attrString("coordinate_transformation_mode", "half_pixel");
  if (ctm != "half_pixel" && ctm != "output_half_pixel")
    return nc.error() << "unsupported coordinate_transformation_mode '" << ctm
                      << "'";
  bool halfPixel = ctm == "half_pixel";
  int64_t ph = nc.attrInt("output_height", 1),
          pw = nc.attrInt("output_width", 1);
  if (ph <= 0 || pw <= 0)
    return nc.error() << "output_height/output_width must be positive";
  double scale = nc.attrFloat("spatial_scale", 1.0f);
  int64_t n = xt.getDimSize(0), ch = xt.getDimSize(1), h = xt.getDimSize(2),
          w = xt.getDimSize(3), r = rt.getDimSize(0);
  double off = halfPixel ? 0.5 : 0.0;

  // Samples per bin along y and x, per roi: sampling_ratio, or adaptive
  // ceil(roi size / output size) from constant rois (in f32, like the
  // reference). gh/gw are the largest; a roi's samples past its own grid
  // are masked out.
  int64_t gh = ratio, gw = ratio;
  SmallVector<int64_t> gridH(r, ratio), gridW(r, ratio);
  if (ratio <= 0) {
    std::optional<HostVals> rv = readConst(nc.input(1));
    if (!rv) {
      InFlightDiagnostic d = nc.error();
      d << "sampling_ratio " << ratio
        << " derives the sampling grid from the roi sizes, which needs "
           "constant rois (input 1)";
      noteGraphInput(d, nc.input(1));
      return d;
    }
    auto grid = [&](int64_t roi, int k, int64_t pooled) {
      auto at = [&](int j) {
        return (float)rv->f[roi * 4 + j] * (float)scale - (float)off;
      };
      float size = at(k + 2) - at(k);
      if (!halfPixel)
        size = std::max(size, 1.0f);
      return std::max<int64_t>((int64_t)std::ceil(size / (float)pooled), 0);
    };
    gh = gw = 1;
    for (int64_t i = 0; i < r; ++i) {
      gridH[i] = grid(i, 1, ph);
      gridW[i] = grid(i, 0, pw);
      gh = std::max(gh, gridH[i]);
      gw = std::max(gw, gridW[i]);
    }
  }
  bool uniform = ratio > 0;

  Sampler s(nc, ft);
  Value rois = nc.input(1);
  auto coord = [&](int64_t k) {
    return s.sub(s.mul(s.col(rois, k, 1), s.c(scale)), s.c(off));
  };
  Value startW = coord(0), startH = coord(1);
  Value roiW = s.sub(coord(2), startW), roiH = s.sub(coord(3), startH);
  if (!halfPixel) { // malformed rois become 1x1
    roiW = s.max(roiW, s.c(1.0));
    roiH = s.max(roiH, s.c(1.0));
  }
  // pos[r, p, i] = start[r] + p * bin[r] + (i + 0.5) * bin[r] / grid[r].
  auto positions = [&](Value start, Value roiSize, int64_t pooled, int64_t g,
                       ArrayRef<int64_t> grid) {
    Value bin = nc.reshape(s.div(roiSize, s.c((double)pooled)), {r, 1, 1});
    SmallVector<double> pv, iv, gv;
    for (int64_t p = 0; p < pooled; ++p)
      pv.push_back(p);
    for (int64_t i = 0; i < g; ++i)
      iv.push_back(i + 0.5);
    for (int64_t x : grid)
      gv.push_back(x);
    Value pIdx = constTensor(nc, ft, {1, pooled, 1}, pv);
    Value iIdx = constTensor(nc, ft, {1, 1, g}, iv);
    Value gDiv = uniform ? s.c((double)g) : constTensor(nc, ft, {r, 1, 1}, gv);
    Value pos = s.add(nc.reshape(start, {r, 1, 1}), s.mul(pIdx, bin));
    return s.add(pos, s.div(s.mul(iIdx, bin), gDiv));
  };
  AxisSamples ys = roiAxis(s, positions(startH, roiH, ph, gh, gridH), h);
  AxisSamples xs = roiAxis(s, positions(startW, roiW, pw, gw, gridW), w);
  // Which of the [R, 1, GH, 1, GW] samples lie in their roi's grid.
  Value inGrid;
  if (!uniform) {
    SmallVector<double> m;
    for (int64_t i = 0; i < r; ++i)
      for (int64_t iy = 0; iy < gh; ++iy)
        for (int64_t ix = 0; ix < gw; ++ix)
          m.push_back(iy < gridH[i] && ix < gridW[i]);
    inGrid = constTensor(nc, nc.b().getI1Type(), {r, 1, gh, 1, gw}, m);
  }

  // X as a table of channel rows: [N*H*W, C]; row = (b*H + y)*W + x over
  // samples [R, PH, G, PW, G].
  Value table =
      nc.reshape(nc.transpose(nc.input(0), {0, 2, 3, 1}), {n * h * w, ch});
  Value base = nc.reshape(
      s.mul(castTo(nc, nc.input(2), nc.b().getI64Type()), s.ci(h * w)),
      {r, 1, 1, 1, 1});
  auto yIdx = [&](Value v) {
    return nc.reshape(s.mul(v, s.ci(w)), {r, ph, gh, 1, 1});
  };
  auto xIdx = [&](Value v) { return nc.reshape(v, {r, 1, 1, pw, gw}); };
  auto yW = [&](Value v) { return nc.reshape(v, {r, ph, gh, 1, 1}); };
  auto xW = [&](Value v) { return nc.reshape(v, {r, 1, 1, pw, gw}); };
  Value acc;
  for (int k = 0; k < 4; ++k) {
    bool yHi = k >= 2, xHi = k % 2;
    Value idx = s.add(s.add(base, yIdx(yHi ? ys.hi : ys.lo)),
                      xIdx(xHi ? xs.hi : xs.lo));
    Value wt = s.mul(yW(yHi ? ys.wHi : ys.wLo), xW(xHi ? xs.wHi : xs.wLo));
    if (inGrid)
      wt = s.select(inGrid, wt, s.c(0.0));
    Value v = s.mul(s.gather(table, idx), s.expand(wt)); // [R,PH,GH,PW,GW,C]
    acc = !acc ? v : mode == "avg" ? s.add(acc, v) : s.max(acc, v);
  }
  Value y;
  if (mode == "avg") {
    SmallVector<double> cnt;
    for (int64_t i = 0; i < r; ++i)
      cnt.push_back(std::max<int64_t>(gridH[i] * gridW[i], 1));
    Value count =
        uniform ? s.c((double)cnt[0]) : constTensor(nc, ft, {r, 1, 1, 1}, cnt);
    y = s.div(s.reduce(acc, seq::ReduceKind::sum, {2, 4}), count);
  } else {
    // Samples outside a roi's grid take no part; an empty grid gives 0.
    if (inGrid)
      acc = s.select(s.expand(inGrid), acc,
                     s.c(-std::numeric_limits<double>::infinity()));
    y = s.reduce(acc, seq::ReduceKind::max, {2, 4});
    if (!uniform) {
      SmallVector<double> some;
      for (int64_t i = 0; i < r; ++i)
        some.push_back(gridH[i] * gridW[i] > 0);
      y = s.select(constTensor(nc, nc.b().getI1Type(), {r, 1, 1, 1}, some), y,
                   s.c(0.0));
    }
  }
  nc.setOutput(0, nc.transpose(y, {0, 3, 1, 2}));
  return success();
}

//===----------------------------------------------------------------------===//
// DeformConv
//===----------------------------------------------------------------------===//

/// 2-D deformable convolution: every kernel tap samples X bilinearly (zero
/// outside) at its offset position, scaled by the mask; the samples are
/// then contracted with W per group by a batched matmul.
LogicalResult convertDeformConv(NodeContext &nc) {
  auto xt = nc.inputType(0), wt = nc.inputType(1), ot = nc.inputType(2);
  if (xt.getRank() != 4 || wt.getRank() != 4 || ot.getRank() != 4 ||
      !xt.hasStaticShape() || !wt.hasStaticShape() || !ot.hasStaticShape())
    return nc.error() << "only static 2-D convolutions are supported, got X "
                      << typeStr(xt);
  Type ft = xt.getElementType();
  if (!isa<FloatType>(ft) || wt.getElementType() != ft ||
      ot.getElementType() != ft)
    return nc.error() << "expects X, W and offset of one float type";
  int64_t n = xt.getDimSize(0), ic = xt.getDimSize(1), ih = xt.getDimSize(2),
          iw = xt.getDimSize(3);
  int64_t oc = wt.getDimSize(0), icg = wt.getDimSize(1);
  int64_t group = nc.attrInt("group", 1), og = nc.attrInt("offset_group", 1);
  SmallVector<int64_t> ks =
      nc.attrInts("kernel_shape")
          .value_or(SmallVector<int64_t>{wt.getDimSize(2), wt.getDimSize(3)});
  SmallVector<int64_t> pads =
      nc.attrInts("pads").value_or(SmallVector<int64_t>{0, 0, 0, 0});
  SmallVector<int64_t> strides =
      nc.attrInts("strides").value_or(SmallVector<int64_t>{1, 1});
  SmallVector<int64_t> dil =
      nc.attrInts("dilations").value_or(SmallVector<int64_t>{1, 1});
  if (ks.size() != 2 || pads.size() != 4 || strides.size() != 2 ||
      dil.size() != 2 || group <= 0 || og <= 0)
    return nc.error() << "bad kernel_shape/pads/strides/dilations/group";
  int64_t kh = ks[0], kw = ks[1];
  if (kh != wt.getDimSize(2) || kw != wt.getDimSize(3) || ic != icg * group ||
      oc % group || ic % og)
    return nc.error() << "inconsistent X " << typeStr(xt) << ", W "
                      << typeStr(wt) << ", group " << group
                      << " and offset_group " << og;
  int64_t oh =
      (ih + pads[0] + pads[2] - ((kh - 1) * dil[0] + 1)) / strides[0] + 1;
  int64_t ow =
      (iw + pads[1] + pads[3] - ((kw - 1) * dil[1] + 1)) / strides[1] + 1;
  if (ot.getShape() != ArrayRef<int64_t>{n, og * kh * kw * 2, oh, ow})
    return nc.error() << "offset " << typeStr(ot) << " does not match [" << n
                      << ", " << og * kh * kw * 2 << ", " << oh << ", " << ow
                      << "]";
  if (nc.hasInput(4) && (nc.inputType(4).getShape() !=
                             ArrayRef<int64_t>{n, og * kh * kw, oh, ow} ||
                         nc.inputType(4).getElementType() != ft))
    return nc.error() << "mask " << typeStr(nc.inputType(4))
                      << " does not match [" << n << ", " << og * kh * kw
                      << ", " << oh << ", " << ow << "]";
  if (nc.hasInput(3) && (nc.inputType(3).getShape() != ArrayRef<int64_t>{oc} ||
                         nc.inputType(3).getElementType() != ft))
    return nc.error() << "B " << typeStr(nc.inputType(3)) << " is not [" << oc
                      << "]";

  Sampler s(nc, ft);
  // Sample positions [N, OG, KH, KW, OH, OW].
  SmallVector<int64_t> sshape{n, og, kh, kw, oh, ow};
  Value offs = nc.reshape(nc.input(2), {n, og, kh, kw, 2, oh, ow});
  auto basePos = [&](int64_t axis) { // axis 0: rows, 1: columns
    SmallVector<double> v;
    int64_t k = axis ? kw : kh, o = axis ? ow : oh;
    for (int64_t ki = 0; ki < k; ++ki)
      for (int64_t oi = 0; oi < o; ++oi)
        v.push_back(-pads[axis] + oi * strides[axis] + ki * dil[axis]);
    return axis ? constTensor(nc, ft, {1, 1, 1, kw, 1, ow}, v)
                : constTensor(nc, ft, {1, 1, kh, 1, oh, 1}, v);
  };
  Value py = s.add(basePos(0), s.col(offs, 0, 4));
  Value px = s.add(basePos(1), s.col(offs, 1, 4));
  Value y0f = seq::FloorOp::create(s.b, s.loc, py);
  Value x0f = seq::FloorOp::create(s.b, s.loc, px);
  Value ly = s.sub(py, y0f), lx = s.sub(px, x0f);
  Value y0 = s.toInt(y0f), x0 = s.toInt(x0f);

  // X as channel rows [N*OG*H*W, C/OG]; a corner outside X reads row 0
  // with weight 0.
  int64_t cg = ic / og;
  Value table =
      nc.reshape(nc.transpose(nc.reshape(nc.input(0), {n, og, cg, ih, iw}),
                              {0, 1, 3, 4, 2}),
                 {n * og * ih * iw, cg});
  SmallVector<int64_t> nog;
  for (int64_t i = 0; i < n * og; ++i)
    nog.push_back(i * ih * iw);
  Value base = i64Tensor(nc, {n, og, 1, 1, 1, 1}, nog);
  Value mask;
  if (nc.hasInput(4))
    mask = nc.reshape(nc.input(4), sshape);
  Value acc;
  for (int k = 0; k < 4; ++k) {
    bool yHi = k >= 2, xHi = k % 2;
    Value yi = yHi ? s.add(y0, s.ci(1)) : y0;
    Value xi = xHi ? s.add(x0, s.ci(1)) : x0;
    Value wy = yHi ? ly : s.sub(s.c(1.0), ly);
    Value wx = xHi ? lx : s.sub(s.c(1.0), lx);
    auto inRange = [&](Value v, int64_t size) {
      return seq::AndOp::create(
          s.b, s.loc, seq::GreaterEqualOp::create(s.b, s.loc, v, s.ci(0)),
          seq::LessOp::create(s.b, s.loc, v, s.ci(size)));
    };
    Value valid =
        seq::AndOp::create(s.b, s.loc, inRange(yi, ih), inRange(xi, iw));
    Value wgt = s.select(valid, s.mul(wy, wx), s.c(0.0));
    if (mask)
      wgt = s.mul(wgt, mask);
    Value row = s.add(base, s.add(s.mul(yi, s.ci(iw)), xi));
    row = s.select(valid, row, s.ci(0));
    Value v = s.mul(s.gather(table, row), s.expand(wgt));
    acc = acc ? s.add(acc, v) : v; // [N, OG, KH, KW, OH, OW, Cg]
  }
  // [N, OG, Cg, KH, KW, OH*OW] -> [N, G, C/G*KH*KW, OH*OW].
  Value cols = nc.transpose(acc, {0, 1, 6, 2, 3, 4, 5});
  cols = nc.reshape(cols, {n, group, icg * kh * kw, oh * ow});
  Value wm = nc.reshape(nc.input(1), {group, oc / group, icg * kh * kw});
  Value y = seq::MatMulOp::create(s.b, s.loc, wm, cols);
  y = nc.reshape(y, {n, oc, oh, ow});
  if (nc.hasInput(3))
    y = s.add(y, nc.reshape(nc.input(3), {oc, 1, 1}));
  nc.setOutput(0, y);
  return success();
}

} // namespace

void registerControlFlowOps(OpRegistry &r) {
  r["QLinearMatMul"] = {convertQLinearMatMul, 8, 8};
  r["If"] = {convertIf, 1, 1};
  r["Compress"] = {convertCompress, 2, 2};
  r["Unique"] = {convertUnique, 1, 1};
  r["NonMaxSuppression"] = {convertNonMaxSuppression, 2, 5};
  r["RoiAlign"] = {convertRoiAlign, 3, 3};
  r["DeformConv"] = {convertDeformConv, 3, 5};
}

} // namespace seqc::import
