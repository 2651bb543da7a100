//===- NodeContext.cpp - helpers for op converters
//-------------------------===//

#include "ImporterInternal.h"

#include "seq/IR/SeqDialect.h"
#include "seq/IR/SeqOps.h"
#include "seq/IR/SeqSemantics.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;

namespace seqc::import {

RankedTensorType NodeContext::inputType(unsigned i) const {
  Value v = input(i);
  return v ? dyn_cast<RankedTensorType>(v.getType()) : RankedTensorType();
}

bool NodeContext::isOutputUsed(unsigned i) const {
  if (i >= static_cast<unsigned>(nodeProto.output_size()))
    return false;
  const std::string &name = nodeProto.output(i);
  return !name.empty() && usedNames.contains(name);
}

void NodeContext::setOutput(unsigned i, Value v) {
  if (i < static_cast<unsigned>(nodeProto.output_size()) &&
      !nodeProto.output(i).empty())
    values[nodeProto.output(i)] = v;
}

InFlightDiagnostic NodeContext::error() {
  InFlightDiagnostic d = emitError(location);
  d << nodeProto.op_type() << " node";
  if (!nodeProto.name().empty())
    d << " '" << nodeProto.name() << "'";
  d << ": ";
  return d;
}

const onnx::AttributeProto *NodeContext::attr(StringRef name) const {
  for (const auto &a : nodeProto.attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

int64_t NodeContext::attrInt(StringRef name, int64_t dflt) const {
  const onnx::AttributeProto *a = attr(name);
  return a ? a->i() : dflt;
}

float NodeContext::attrFloat(StringRef name, float dflt) const {
  const onnx::AttributeProto *a = attr(name);
  return a ? a->f() : dflt;
}

std::string NodeContext::attrString(StringRef name, StringRef dflt) const {
  const onnx::AttributeProto *a = attr(name);
  return a ? a->s() : dflt.str();
}

std::optional<SmallVector<int64_t>>
NodeContext::attrInts(StringRef name) const {
  const onnx::AttributeProto *a = attr(name);
  if (!a)
    return std::nullopt;
  return SmallVector<int64_t>(a->ints().begin(), a->ints().end());
}

LogicalResult NodeContext::constInts(unsigned i, SmallVector<int64_t> &out,
                                     StringRef what) {
  out.clear();
  Value v = input(i);
  // An empty tensor has a single value, whatever produces it (e.g. a graph
  // input declared [0], as Reduce* axes often are).
  auto vt = v ? dyn_cast<RankedTensorType>(v.getType()) : RankedTensorType();
  if (vt && vt.hasStaticShape() && vt.getNumElements() == 0 &&
      isa<IntegerType>(vt.getElementType()))
    return success();
  Attribute attr;
  if (v && matchPattern(v, m_Constant(&attr))) {
    if (auto dense = dyn_cast<DenseIntElementsAttr>(attr)) {
      for (const APInt &x : dense.getValues<APInt>())
        out.push_back(x.getSExtValue());
      return success();
    }
    if (auto res = dyn_cast<DenseResourceElementsAttr>(attr)) {
      AsmResourceBlob *blob = res.getRawHandle().getBlob();
      Type elt = res.getType().getElementType();
      if (blob && (elt.isInteger(64) || elt.isInteger(32))) {
        ArrayRef<char> data = blob->getData();
        size_t w = elt.isInteger(64) ? 8 : 4;
        for (size_t k = 0; k + w <= data.size(); k += w) {
          int64_t x = 0;
          if (w == 8)
            std::memcpy(&x, data.data() + k, 8);
          else {
            int32_t y;
            std::memcpy(&y, data.data() + k, 4);
            x = y;
          }
          out.push_back(x);
        }
        return success();
      }
    }
  }
  InFlightDiagnostic d = error() << what << " (input " << i
                                 << ") must be a constant integer tensor";
  noteGraphInput(d, v);
  return d;
}

void noteGraphInput(InFlightDiagnostic &d, Value v) {
  auto arg = dyn_cast_or_null<BlockArgument>(v);
  auto fn = arg ? dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp())
                : func::FuncOp();
  if (!fn)
    return;
  if (auto name =
          fn.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "seq.name"))
    d << "; it is graph input '" << name.getValue()
      << "', which must be known at compile time: specialize it with "
         "--const-input "
      << name.getValue() << "=VALUES (or =FILE.pb)";
}

std::optional<double> NodeContext::constScalar(unsigned i) const {
  Value v = input(i);
  DenseElementsAttr dense;
  if (!v || !matchPattern(v, m_Constant(&dense)) || dense.getNumElements() != 1)
    return std::nullopt;
  Type elt = dense.getElementType();
  if (isa<FloatType>(elt)) {
    APFloat f = *dense.value_begin<APFloat>();
    bool lost;
    f.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
    return f.convertToDouble();
  }
  if (isa<IntegerType>(elt))
    return static_cast<double>((*dense.value_begin<APInt>()).getSExtValue());
  return std::nullopt;
}

LogicalResult NodeContext::normalizeAxis(int64_t &axis, int64_t rank,
                                         StringRef what) {
  std::optional<int64_t> a = seq::normalizeAxis(axis, rank);
  if (!a)
    return error() << what << " " << axis << " is out of range for rank "
                   << rank;
  axis = *a;
  return success();
}

Value NodeContext::scalarConstant(Type elt, double value) {
  auto type = RankedTensorType::get({}, elt);
  Attribute a;
  if (auto ft = dyn_cast<FloatType>(elt))
    a = FloatAttr::get(ft, value);
  else
    a = IntegerAttr::get(elt, static_cast<int64_t>(value));
  return arith::ConstantOp::create(builder, location,
                                   DenseElementsAttr::get(type, a));
}

LogicalResult NodeContext::broadcast(ArrayRef<Value> vals,
                                     SmallVector<int64_t> &shape) {
  SmallVector<ArrayRef<int64_t>> shapes;
  for (Value v : vals)
    shapes.push_back(cast<RankedTensorType>(v.getType()).getShape());
  FailureOr<SmallVector<int64_t>> r = seq::broadcastShapes(shapes);
  if (failed(r)) {
    InFlightDiagnostic d = error();
    d << "incompatible shapes";
    for (auto [k, s] : llvm::enumerate(shapes))
      d << (k ? " and " : " ") << shapeStr(s);
    d << " (not broadcastable)";
    return d;
  }
  shape = *r;
  return checkSwitchBroadcast(*this, vals, shape);
}

LogicalResult NodeContext::sameElementType(ArrayRef<Value> vals) {
  Type first = cast<RankedTensorType>(vals[0].getType()).getElementType();
  for (Value v : vals.drop_front()) {
    Type t = cast<RankedTensorType>(v.getType()).getElementType();
    if (t != first)
      return error() << "operand element types differ (" << first << " vs " << t
                     << ")";
  }
  return success();
}

Value NodeContext::reshape(Value v, ArrayRef<int64_t> shape) {
  auto t = cast<RankedTensorType>(v.getType());
  if (t.getShape() == shape)
    return v;
  return seq::ReshapeOp::create(
      builder, location, RankedTensorType::get(shape, t.getElementType()), v);
}

Value NodeContext::transpose(Value v, ArrayRef<int64_t> perm) {
  auto t = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(t.getDimSize(p));
  return seq::TransposeOp::create(
      builder, location, RankedTensorType::get(shape, t.getElementType()), v,
      perm);
}

std::pair<int64_t, int64_t> shapeAttrRange(const NodeContext &nc,
                                           int64_t rank) {
  int64_t start = nc.attrInt("start", 0), end = nc.attrInt("end", rank);
  if (start < 0)
    start += rank;
  if (end < 0)
    end += rank;
  start = std::clamp<int64_t>(start, 0, rank);
  end = std::clamp<int64_t>(end, start, rank);
  return {start, end};
}

} // namespace seqc::import
