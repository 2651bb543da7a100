//===- Subgraph.cpp - importing control-flow bodies (GraphProto attrs) ----===//
//
// A body graph (Scan's `body`) is imported at the current insertion point,
// normally the entry block of the op's region. Its formal inputs bind to
// the given values (block arguments); every other name resolves first to
// the body's own initializers and nodes, then to the enclosing graph's
// values (ONNX lexical capture), which the region may use directly.
//
//===----------------------------------------------------------------------===//

#include "ImporterInternal.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "llvm/Support/Path.h"

using namespace mlir;

namespace seqc::import {
namespace {

/// The model file of a node location (NameLoc wrapping FileLineColLoc).
std::string modelDir(Location loc) {
  if (auto name = dyn_cast<NameLoc>(loc))
    loc = name.getChildLoc();
  if (auto file = dyn_cast<FileLineColLoc>(loc))
    return llvm::sys::path::parent_path(file.getFilename().getValue()).str();
  return "";
}

Location childLoc(Location parent, StringRef name) {
  Location file = parent;
  if (auto n = dyn_cast<NameLoc>(parent))
    file = n.getChildLoc();
  return NameLoc::get(StringAttr::get(parent.getContext(), name), file);
}

LogicalResult importConstant(NodeContext &body, StringRef dir,
                             llvm::StringMap<Value> &values) {
  const onnx::NodeProto &n = body.node();
  if (n.output_size() != 1 || n.attribute_size() != 1)
    return body.error() << "must have one output and one attribute";
  const onnx::AttributeProto &a = n.attribute(0);
  OpBuilder &b = body.b();
  TypedAttr attr;
  if (a.name() == "value") {
    onnx::TensorProto t = a.t();
    if (t.name().empty())
      t.set_name(n.output(0));
    ElementsAttr e = convertTensor(t, body.loc(), dir, "Constant");
    if (!e)
      return failure();
    attr = cast<TypedAttr>(e);
  } else if (a.name() == "value_float" || a.name() == "value_floats") {
    SmallVector<float> v(a.floats().begin(), a.floats().end());
    SmallVector<int64_t> shape{(int64_t)v.size()};
    if (a.name() == "value_float") {
      v = {a.f()};
      shape.clear();
    }
    attr = DenseElementsAttr::get(RankedTensorType::get(shape, b.getF32Type()),
                                  ArrayRef<float>(v));
  } else if (a.name() == "value_int" || a.name() == "value_ints") {
    SmallVector<int64_t> v(a.ints().begin(), a.ints().end());
    SmallVector<int64_t> shape{(int64_t)v.size()};
    if (a.name() == "value_int") {
      v = {a.i()};
      shape.clear();
    }
    attr = DenseElementsAttr::get(RankedTensorType::get(shape, b.getI64Type()),
                                  ArrayRef<int64_t>(v));
  } else {
    return body.error() << "attribute '" << a.name() << "' is not supported";
  }
  values[n.output(0)] = arith::ConstantOp::create(b, body.loc(), attr);
  return success();
}

void appendCaptured(const onnx::GraphProto &g,
                    SmallVectorImpl<std::string> &out) {
  llvm::StringSet<> defined;
  for (const auto &in : g.input())
    defined.insert(in.name());
  for (const auto &t : g.initializer())
    defined.insert(t.name());
  for (const auto &n : g.node())
    for (const std::string &o : n.output())
      defined.insert(o);
  SmallVector<std::string> reads;
  for (const auto &n : g.node()) {
    reads.append(n.input().begin(), n.input().end());
    appendCapturedNames(n, reads);
  }
  for (const auto &o : g.output())
    reads.push_back(o.name());
  for (std::string &r : reads)
    if (!r.empty() && !defined.contains(r))
      out.push_back(std::move(r));
}

} // namespace

void appendCapturedNames(const onnx::NodeProto &n,
                         SmallVectorImpl<std::string> &names) {
  for (const auto &a : n.attribute()) {
    if (a.has_g())
      appendCaptured(a.g(), names);
    for (const auto &g : a.graphs())
      appendCaptured(g, names);
  }
}

LogicalResult importSubgraph(NodeContext &nc, const onnx::GraphProto &g,
                             ArrayRef<Value> inputs,
                             SmallVectorImpl<Value> &outputs) {
  if (g.input_size() != static_cast<int>(inputs.size()))
    return nc.error() << "body graph '" << g.name() << "' has "
                      << g.input_size() << " inputs, expected "
                      << inputs.size();
  std::string dir = modelDir(nc.loc());
  OpBuilder &b = nc.b();
  // Outer values first: body names shadow them.
  llvm::StringMap<Value> values = nc.valueMap();
  for (auto [i, in] : llvm::enumerate(g.input()))
    values[in.name()] = inputs[i];
  for (const auto &t : g.initializer()) {
    ElementsAttr attr =
        convertTensor(t, childLoc(nc.loc(), t.name()), dir, "initializer");
    if (!attr)
      return failure();
    values[t.name()] = arith::ConstantOp::create(
        b, childLoc(nc.loc(), t.name()), cast<TypedAttr>(attr));
  }
  llvm::StringSet<> used;
  for (const auto &n : g.node())
    for (const std::string &in : n.input())
      used.insert(in);
  for (const auto &o : g.output())
    used.insert(o.name());

  const OpRegistry &reg = getDefaultDomainRegistry();
  // ONNX requires graph nodes in topological order; bodies are imported as
  // written and a use before definition is reported.
  for (const onnx::NodeProto &n : g.node()) {
    Location loc =
        childLoc(nc.loc(), n.name().empty() ? n.op_type() : n.name());
    SmallVector<Value> ins;
    for (const std::string &name : n.input()) {
      Value v = name.empty() ? Value() : values.lookup(name);
      if (!name.empty() && !v)
        return nc.error() << "body node " << n.op_type() << " '" << n.name()
                          << "': input '" << name
                          << "' is not defined before its use";
      ins.push_back(v);
    }
    NodeContext body(b, used, values, n, nc.opset(), loc, ins);
    bool defaultDomain = n.domain().empty() || n.domain() == "ai.onnx";
    if (defaultDomain && n.op_type() == "Constant") {
      if (failed(importConstant(body, dir, values)))
        return failure();
      continue;
    }
    auto it = reg.find(registryKey(n));
    if (it == reg.end())
      return nc.error() << "body graph uses unsupported op "
                        << (defaultDomain ? "" : n.domain() + ".")
                        << n.op_type() << " (node '" << n.name() << "')";
    const OpConverter &conv = it->second;
    unsigned numIn = ins.size();
    if (numIn < conv.minInputs || numIn > conv.maxInputs)
      return body.error() << "unexpected number of inputs (" << numIn << ")";
    for (unsigned i = 0; i < conv.minInputs; ++i)
      if (!ins[i])
        return body.error() << "required input " << i << " is empty";
    for (Value v : ins)
      if (v && !isa<RankedTensorType>(v.getType()))
        return body.error() << "operands must be ranked tensors";
    // As in the main graph: nodes whose inputs are known at compile time
    // (Shape of a static body input, Range of constants...) fold on the host.
    if (defaultDomain && foldNode(body))
      continue;
    if (failed(conv.fn(body)))
      return failure();
    for (unsigned i = 0, e = n.output_size(); i < e; ++i)
      if (body.isOutputUsed(i) && !values.count(n.output(i)))
        return body.error() << "output " << i << " ('" << n.output(i)
                            << "') is not supported";
  }
  for (const auto &o : g.output()) {
    Value v = values.lookup(o.name());
    if (!v)
      return nc.error() << "body output '" << o.name()
                        << "' is not produced by the body graph";
    outputs.push_back(v);
  }
  return success();
}

} // namespace seqc::import
