//===- OnnxImporter.cpp - ONNX graph -> func.func @main -------------------===//
//
// Walks the (topologically sorted) ONNX graph and dispatches every node to
// the converter registered for its op type. Graph inputs become function
// arguments, initializers and Constant nodes arith.constant ops.
//
//===----------------------------------------------------------------------===//

#include "seqc/Import/OnnxImporter.h"
#include "ImporterInternal.h"

#include "seq/IR/SeqDialect.h"
#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/Support/Path.h"

#include <queue>

using namespace mlir;
using namespace seqc::import;

namespace seqc::import {
std::string registryKey(const onnx::NodeProto &n) {
  if (n.domain().empty() || n.domain() == "ai.onnx")
    return n.op_type();
  return n.domain() + "." + n.op_type();
}

void registerGenAIOps(OpRegistry &r); // GenAIOps.cpp

void registerQuantWeightOps(OpRegistry &r); // QuantWeightOps.cpp

const OpRegistry &getDefaultDomainRegistry() {
  static const OpRegistry registry = [] {
    OpRegistry r;
    registerElementwiseOps(r);
    registerShapeOps(r);
    registerLinalgOps(r);
    registerNormOps(r);
    registerAttentionOps(r);
    registerArithOps(r);
    registerPadOps(r);
    registerQuantizeOps(r);
    registerRecurrentOps(r);
    registerRotaryOps(r);
    registerIndexingOps(r);
    registerConvNormOps(r);
    registerActivationOps(r);
    registerBitwiseOps(r);
    registerPoolOps(r);
    registerResampleOps(r);
    registerSignalOps(r);
    registerCacheOps(r);
    registerLossOps(r);
    registerMiscOps(r);
    registerControlFlowOps(r);
    registerLinearAttentionOps(r);
    registerMLOps(r);
    registerQuantWeightOps(r);
    registerGenAIOps(r);
    return r;
  }();
  return registry;
}
} // namespace seqc::import

namespace {

bool isDefaultDomain(StringRef d) { return d.empty() || d == "ai.onnx"; }

/// The ai.onnx opset of ONNX 1.23.
constexpr int64_t kNewestDefaultOpset = 28;

class Importer {
public:
  Importer(MLIRContext &ctx, StringRef path, const onnx::ModelProto &model)
      : ctx(ctx), b(&ctx), path(path), model(model), graph(model.graph()),
        fileLoc(FileLineColLoc::get(&ctx, path, 0, 0)) {
    baseDir = llvm::sys::path::parent_path(path).str();
  }

  OwningOpRef<ModuleOp> run(StringRef modelName);
  void setConstInputs(
      const std::vector<std::pair<std::string, std::string>> &specs) {
    constInputs = specs;
  }
  void
  setDimBindings(const std::vector<std::pair<std::string, int64_t>> &bindings) {
    for (const auto &[name, value] : bindings)
      dimBindings[name] = value;
  }
  /// Run-time dims (generation steps): each is bound to its static maximum
  /// for shapes and remembered with its offset from the past length.
  void setRuntimeDims(const seqc::ImportOptions &opts) {
    if (opts.runtimePastDim.empty())
      return;
    runtimePastDim = opts.runtimePastDim;
    runtimePastMax = opts.runtimePastMax;
    runtimeOffsets[opts.runtimePastDim] = 0;
    for (const auto &[name, off] : opts.runtimeDimOffsets)
      runtimeOffsets[name] = off;
    for (const auto &[name, off] : runtimeOffsets)
      dimBindings[name] = runtimePastMax + off;
  }

private:
  Location nodeLoc(const onnx::NodeProto &n) {
    StringRef name = n.name().empty() ? StringRef(n.op_type()) : n.name();
    return NameLoc::get(StringAttr::get(&ctx, name), fileLoc);
  }
  Location nameLoc(StringRef name) {
    return NameLoc::get(StringAttr::get(&ctx, name), fileLoc);
  }
  InFlightDiagnostic fileError() {
    return emitError(UnknownLoc::get(&ctx)) << path << ": ";
  }

  LogicalResult readOpsets();
  LogicalResult checkSupported();
  FailureOr<RankedTensorType>
  convertValueInfo(const onnx::ValueInfoProto &vi, StringRef what,
                   SmallVector<std::string> *names,
                   SmallVector<std::optional<int64_t>> *rtOffsets = nullptr);
  LogicalResult topoSort(SmallVector<const onnx::NodeProto *> &order);
  LogicalResult importConstantNode(const onnx::NodeProto &n);
  LogicalResult importNode(const onnx::NodeProto &n);
  LogicalResult checkOutputType(const onnx::ValueInfoProto &vi, Value v);

  MLIRContext &ctx;
  OpBuilder b;
  std::string path, baseDir;
  const onnx::ModelProto &model;
  const onnx::GraphProto &graph;
  Location fileLoc;
  int64_t opset = 0;
  llvm::StringSet<> importedDomains;
  llvm::StringMap<Value> values;
  llvm::StringSet<> used;
  std::vector<std::pair<std::string, std::string>> constInputs;
  /// --dim bindings, and the names that some input dim used.
  llvm::StringMap<int64_t> dimBindings;
  llvm::StringSet<> boundDimsUsed;
  std::optional<int64_t> boundDim(StringRef param,
                                  std::optional<int64_t> *runtimeOffset = nullptr);
  std::string runtimePastDim;
  int64_t runtimePastMax = 0;
  llvm::StringMap<int64_t> runtimeOffsets;
  RuntimeDims runtimeDims{used};
};

/// The static value of dim_param `param` under the --dim bindings: `NAME`,
/// `NAME + K` or `NAME - K` (spaces optional), as exporters write them.
std::optional<int64_t>
Importer::boundDim(StringRef param, std::optional<int64_t> *runtimeOffset) {
  if (dimBindings.empty())
    return std::nullopt;
  StringRef rest = param.trim();
  size_t end = rest.find_first_of("+- ");
  StringRef name = rest.substr(0, end);
  auto it = dimBindings.find(name);
  if (it == dimBindings.end())
    return std::nullopt;
  int64_t value = it->second;
  rest = rest.substr(name.size()).trim();
  if (!rest.empty()) {
    char sign = rest.front();
    int64_t k;
    if ((sign != '+' && sign != '-') ||
        rest.drop_front().trim().getAsInteger(10, k))
      return std::nullopt;
    value += sign == '+' ? k : -k;
  }
  if (runtimeOffset) {
    auto rt = runtimeOffsets.find(name);
    if (rt != runtimeOffsets.end())
      *runtimeOffset = rt->second + (value - dimBindings.lookup(name));
  }
  boundDimsUsed.insert(name);
  return value;
}

LogicalResult Importer::readOpsets() {
  for (const auto &o : model.opset_import()) {
    importedDomains.insert(isDefaultDomain(o.domain()) ? "" : o.domain());
    if (isDefaultDomain(o.domain()))
      opset = o.version();
  }
  // A model of only another domain (e.g. ai.onnx.ml) may omit the default
  // domain; its converters then see the newest default opset.
  if (opset <= 0 && !importedDomains.empty() && !importedDomains.contains(""))
    opset = kNewestDefaultOpset;
  if (opset <= 0)
    return fileError() << "model imports no version of the default ONNX "
                          "domain (opset_import)";
  return success();
}

LogicalResult Importer::checkSupported() {
  const OpRegistry &reg = getDefaultDomainRegistry();
  struct Info {
    unsigned count = 0;
    std::string first;
  };
  std::vector<std::pair<std::string, Info>> unsupported;
  llvm::StringMap<unsigned> index;
  for (const auto &n : graph.node()) {
    StringRef domain = isDefaultDomain(n.domain()) ? "" : StringRef(n.domain());
    if (!importedDomains.contains(domain))
      return emitError(nodeLoc(n))
             << n.op_type() << " node '" << n.name() << "': uses domain '"
             << n.domain() << "', which the model does not import";
    std::string key = registryKey(n);
    if ((domain.empty() && n.op_type() == "Constant") || reg.contains(key))
      continue;
    auto [it, inserted] = index.try_emplace(key, unsupported.size());
    if (inserted)
      unsupported.push_back({key, Info()});
    Info &info = unsupported[it->second].second;
    if (info.count++ == 0)
      info.first = n.name().empty() ? n.op_type() : n.name();
  }
  if (unsupported.empty())
    return success();
  InFlightDiagnostic d = fileError();
  d << "unsupported ONNX ops: ";
  bool firstOp = true;
  for (auto &[op, info] : unsupported) {
    d << (firstOp ? "" : ", ") << op << " (" << info.count
      << (info.count == 1 ? " node, '" : " nodes, first '") << info.first
      << "')";
    firstOp = false;
  }
  return d;
}

FailureOr<RankedTensorType>
Importer::convertValueInfo(const onnx::ValueInfoProto &vi, StringRef what,
                           SmallVector<std::string> *names,
                           SmallVector<std::optional<int64_t>> *rtOffsets) {
  Location loc = nameLoc(vi.name());
  if (!vi.type().has_tensor_type())
    return emitError(loc) << what << " '" << vi.name()
                          << "' is not a tensor (sequence/map/optional types "
                             "are not supported)";
  const auto &tt = vi.type().tensor_type();
  Type elt = convertElementType(&ctx, tt.elem_type());
  if (!elt)
    return emitError(loc) << what << " '" << vi.name()
                          << "' has unsupported element type "
                          << onnxTypeName(tt.elem_type());
  if (!tt.has_shape())
    return emitError(loc) << what << " '" << vi.name()
                          << "' has no shape (unranked tensors are not "
                             "supported)";
  SmallVector<int64_t> shape;
  for (const auto &d : tt.shape().dim()) {
    std::optional<int64_t> bound, rtOffset;
    if (d.has_dim_param())
      bound = boundDim(d.dim_param(), &rtOffset);
    if (rtOffsets)
      rtOffsets->push_back(rtOffset);
    if (bound && *bound < 0)
      return emitError(loc) << what << " '" << vi.name() << "': --dim makes "
                            << "dimension '" << d.dim_param() << "' " << *bound;
    if (bound) {
      shape.push_back(*bound);
      if (names)
        names->push_back("");
    } else if (d.has_dim_value() && d.dim_value() >= 0) {
      shape.push_back(d.dim_value());
      if (names)
        names->push_back("");
    } else {
      shape.push_back(ShapedType::kDynamic);
      if (names)
        names->push_back(d.has_dim_param() ? d.dim_param() : "");
    }
  }
  return RankedTensorType::get(shape, elt);
}

LogicalResult Importer::topoSort(SmallVector<const onnx::NodeProto *> &order) {
  llvm::StringMap<unsigned> producer;
  int numNodes = graph.node_size();
  for (int i = 0; i < numNodes; ++i)
    for (const std::string &o : graph.node(i).output()) {
      if (o.empty())
        continue;
      if (values.count(o) || !producer.try_emplace(o, i).second)
        return emitError(nodeLoc(graph.node(i)))
               << graph.node(i).op_type() << " node '" << graph.node(i).name()
               << "': value '" << o << "' is defined more than once";
    }
  std::vector<SmallVector<unsigned>> users(numNodes);
  std::vector<unsigned> pending(numNodes, 0);
  for (int i = 0; i < numNodes; ++i) {
    const onnx::NodeProto &n = graph.node(i);
    SmallVector<std::string> ins(n.input().begin(), n.input().end());
    appendCapturedNames(n, ins); // subgraph bodies depend on them too
    for (const std::string &in : ins) {
      if (in.empty() || values.count(in))
        continue;
      auto it = producer.find(in);
      if (it == producer.end())
        return emitError(nodeLoc(n))
               << n.op_type() << " node '" << n.name() << "': input '" << in
               << "' is not produced by any node, initializer or graph input";
      users[it->second].push_back(i);
      ++pending[i];
    }
  }
  std::priority_queue<unsigned, std::vector<unsigned>, std::greater<unsigned>>
      ready;
  for (int i = 0; i < numNodes; ++i)
    if (!pending[i])
      ready.push(i);
  while (!ready.empty()) {
    unsigned i = ready.top();
    ready.pop();
    order.push_back(&graph.node(i));
    for (unsigned u : users[i])
      if (--pending[u] == 0)
        ready.push(u);
  }
  if (order.size() != static_cast<size_t>(numNodes)) {
    for (int i = 0; i < numNodes; ++i)
      if (pending[i])
        return emitError(nodeLoc(graph.node(i)))
               << "the graph has a cycle through " << graph.node(i).op_type()
               << " node '" << graph.node(i).name() << "'";
  }
  return success();
}

LogicalResult Importer::importConstantNode(const onnx::NodeProto &n) {
  Location loc = nodeLoc(n);
  if (n.output_size() != 1 || n.input_size() != 0 || n.attribute_size() != 1)
    return emitError(loc) << "Constant node '" << n.name()
                          << "' must have no inputs, one output and one "
                             "attribute";
  const onnx::AttributeProto &a = n.attribute(0);
  ElementsAttr attr;
  if (a.name() == "value") {
    onnx::TensorProto t = a.t();
    if (t.name().empty())
      t.set_name(n.output(0));
    attr = convertTensor(t, loc, baseDir, "Constant");
    if (!attr)
      return failure();
  } else if (a.name() == "value_float" || a.name() == "value_floats") {
    SmallVector<float> v;
    if (a.name() == "value_float")
      v.push_back(a.f());
    else
      v.append(a.floats().begin(), a.floats().end());
    SmallVector<int64_t> shape;
    if (a.name() == "value_floats")
      shape.push_back(v.size());
    attr = DenseElementsAttr::get(RankedTensorType::get(shape, b.getF32Type()),
                                  ArrayRef<float>(v));
  } else if (a.name() == "value_int" || a.name() == "value_ints") {
    SmallVector<int64_t> v;
    if (a.name() == "value_int")
      v.push_back(a.i());
    else
      v.append(a.ints().begin(), a.ints().end());
    SmallVector<int64_t> shape;
    if (a.name() == "value_ints")
      shape.push_back(v.size());
    attr = DenseElementsAttr::get(RankedTensorType::get(shape, b.getI64Type()),
                                  ArrayRef<int64_t>(v));
  } else {
    return emitError(loc) << "Constant node '" << n.name() << "': attribute '"
                          << a.name() << "' is not supported";
  }
  values[n.output(0)] =
      arith::ConstantOp::create(b, loc, cast<TypedAttr>(attr));
  return success();
}

LogicalResult Importer::importNode(const onnx::NodeProto &n) {
  bool defaultDomain = n.domain().empty() || n.domain() == "ai.onnx";
  if (defaultDomain && n.op_type() == "Constant")
    return importConstantNode(n);
  const OpConverter &conv =
      getDefaultDomainRegistry().find(registryKey(n))->second;
  SmallVector<Value> inputs;
  for (const std::string &in : n.input())
    inputs.push_back(in.empty() ? Value() : values.lookup(in));
  NodeContext nc(b, used, values, n, opset, nodeLoc(n), inputs);
  unsigned numIn = n.input_size();
  if (numIn < conv.minInputs || numIn > conv.maxInputs) {
    InFlightDiagnostic d = nc.error();
    d << "expects ";
    if (conv.minInputs == conv.maxInputs)
      d << conv.minInputs;
    else if (conv.maxInputs == ~0u)
      d << "at least " << conv.minInputs;
    else
      d << conv.minInputs << " to " << conv.maxInputs;
    return d << " inputs, got " << numIn;
  }
  // Variadic inputs (Sum, Max, Concat...) are never optional, unless the
  // converter checks them itself (minInputs 0: Scan's optional first input).
  unsigned required = conv.maxInputs != ~0u ? conv.minInputs
                      : conv.minInputs == 0 ? 0
                                            : numIn;
  for (unsigned i = 0; i < required; ++i)
    if (!inputs[i])
      return nc.error() << "required input " << i << " is empty";
  for (Value v : inputs)
    if (v && !isa<RankedTensorType>(v.getType()))
      return nc.error() << "operands must be ranked tensors";
  if (std::optional<LogicalResult> rt =
          runtimeDims.importNode(nc, conv, defaultDomain, registryKey(n))) {
    if (failed(*rt))
      return failure();
  } else if (defaultDomain && foldNode(nc)) {
    return success();
  } else if (failed(conv.fn(nc))) {
    return failure();
  }
  for (unsigned i = 0, e = n.output_size(); i < e; ++i)
    if (nc.isOutputUsed(i) && !values.count(n.output(i)))
      return nc.error() << "output " << i << " ('" << n.output(i)
                        << "') is not supported";
  return success();
}

LogicalResult Importer::checkOutputType(const onnx::ValueInfoProto &vi,
                                        Value v) {
  auto computed = cast<RankedTensorType>(v.getType());
  Location loc = nameLoc(vi.name());
  if (!vi.has_type() || !vi.type().has_tensor_type())
    return success();
  const auto &tt = vi.type().tensor_type();
  auto conflict = [&]() {
    return emitError(loc) << "graph output '" << vi.name()
                          << "': declared type conflicts with the computed "
                          << typeStr(computed);
  };
  if (tt.elem_type() != 0) {
    Type elt = convertElementType(&ctx, tt.elem_type());
    if (elt != computed.getElementType())
      return conflict() << " (declared element type "
                        << onnxTypeName(tt.elem_type()) << ")";
  }
  if (!tt.has_shape())
    return success();
  SmallVector<int64_t> declared;
  for (const auto &d : tt.shape().dim())
    declared.push_back(d.has_dim_value() ? d.dim_value()
                                         : ShapedType::kDynamic);
  bool ok = declared.size() == static_cast<size_t>(computed.getRank());
  for (size_t i = 0; ok && i < declared.size(); ++i)
    ok = ShapedType::isDynamic(declared[i]) || computed.isDynamicDim(i) ||
         declared[i] == computed.getDimSize(i);
  if (!ok)
    return conflict() << " (declared shape " << shapeStr(declared) << ")";
  return success();
}

OwningOpRef<ModuleOp> Importer::run(StringRef modelName) {
  if (failed(readOpsets()) || failed(checkSupported()))
    return nullptr;
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  (*module)->setAttr("seq.model_name", b.getStringAttr(modelName));
  b.setInsertionPointToEnd(module->getBody());

  llvm::StringSet<> initNames;
  for (const auto &t : graph.initializer())
    initNames.insert(t.name());
  for (const auto &n : graph.node()) {
    SmallVector<std::string> ins(n.input().begin(), n.input().end());
    appendCapturedNames(n, ins);
    for (const std::string &in : ins)
      if (!in.empty())
        used.insert(in);
  }
  for (const auto &o : graph.output())
    used.insert(o.name());

  // Arguments.
  SmallVector<Type> argTypes;
  SmallVector<const onnx::ValueInfoProto *> args;
  SmallVector<SmallVector<std::string>> dimNames;
  SmallVector<SmallVector<std::optional<int64_t>>> rtOffsets;
  for (const auto &in : graph.input()) {
    if (initNames.contains(in.name()))
      continue;
    dimNames.emplace_back();
    rtOffsets.emplace_back();
    FailureOr<RankedTensorType> t = convertValueInfo(
        in, "graph input", &dimNames.back(), &rtOffsets.back());
    if (failed(t))
      return nullptr;
    argTypes.push_back(*t);
    args.push_back(&in);
  }
  for (const auto &binding : dimBindings)
    if (!boundDimsUsed.contains(binding.first())) {
      fileError() << "--dim " << binding.first()
                  << ": no graph input has a dimension of that name";
      return nullptr;
    }
  // Inputs bound at compile time (--const-input) keep their argument.
  SmallVector<ElementsAttr> bound(args.size());
  for (const auto &binding : constInputs) {
    const std::string &name = binding.first, &spec = binding.second;
    auto it = llvm::find_if(args, [&](const onnx::ValueInfoProto *vi) {
      return vi->name() == name;
    });
    if (it == args.end()) {
      InFlightDiagnostic d = fileError();
      d << "--const-input " << name << ": no graph input of that name (inputs:";
      for (const onnx::ValueInfoProto *vi : args)
        d << " '" << vi->name() << "'";
      d << ")";
      return nullptr;
    }
    unsigned i = it - args.begin();
    auto declared = cast<RankedTensorType>(argTypes[i]);
    bound[i] = parseConstInput(name, spec, declared, nameLoc(name));
    if (!bound[i])
      return nullptr;
    argTypes[i] =
        RankedTensorType::get(cast<ShapedType>(bound[i].getType()).getShape(),
                              declared.getElementType());
  }
  // The run-time past length of a generation step, last argument.
  bool hasPastLen = !runtimePastDim.empty();
  if (hasPastLen)
    argTypes.push_back(RankedTensorType::get({}, b.getI64Type()));
  auto fn =
      func::FuncOp::create(b, fileLoc, "main", b.getFunctionType(argTypes, {}));
  Block *entry = fn.addEntryBlock();
  if (hasPastLen) {
    unsigned k = argTypes.size() - 1;
    fn.setArgAttr(k, "seq.name", b.getStringAttr("seq.past_len"));
    fn.setArgAttr(k, "seq.role", b.getStringAttr("pos"));
    runtimeDims.setPastLen(entry->getArgument(k), runtimePastDim,
                           runtimePastMax);
    for (auto [i, offs] : llvm::enumerate(rtOffsets))
      runtimeDims.noteArg(entry->getArgument(i), offs);
  }
  for (auto [i, vi] : llvm::enumerate(args)) {
    values[vi->name()] = entry->getArgument(i);
    fn.setArgAttr(i, "seq.name", b.getStringAttr(vi->name()));
    if (llvm::any_of(dimNames[i], [](auto &s) { return !s.empty(); })) {
      SmallVector<StringRef> refs(dimNames[i].begin(), dimNames[i].end());
      fn.setArgAttr(i, "seq.dim_names", b.getStrArrayAttr(refs));
    }
  }
  b.setInsertionPointToStart(entry);
  for (auto [i, attr] : llvm::enumerate(bound)) {
    if (!attr)
      continue;
    fn.setArgAttr(i, "seq.bound_value", attr);
    values[args[i]->name()] = arith::ConstantOp::create(
        b, nameLoc(args[i]->name()), cast<TypedAttr>(attr));
  }

  // Initializers.
  for (const auto &t : graph.initializer()) {
    Location loc = nameLoc(t.name());
    ElementsAttr attr = convertTensor(t, loc, baseDir, "initializer");
    if (!attr)
      return nullptr;
    values[t.name()] = arith::ConstantOp::create(b, loc, cast<TypedAttr>(attr));
  }

  SmallVector<const onnx::NodeProto *> order;
  if (failed(topoSort(order)))
    return nullptr;
  for (const onnx::NodeProto *n : order)
    if (failed(importNode(*n)))
      return nullptr;

  SmallVector<Value> results;
  SmallVector<Type> resultTypes;
  for (const auto &o : graph.output()) {
    Value v = values.lookup(o.name());
    if (!v) {
      emitError(nameLoc(o.name()))
          << "graph output '" << o.name() << "' is not produced by any node";
      return nullptr;
    }
    if (failed(checkOutputType(o, v)))
      return nullptr;
    results.push_back(v);
    resultTypes.push_back(v.getType());
  }
  func::ReturnOp::create(b, fileLoc, results);
  fn.setFunctionType(b.getFunctionType(argTypes, resultTypes));
  for (auto [i, o] : llvm::enumerate(graph.output()))
    fn.setResultAttr(i, "seq.name", b.getStringAttr(o.name()));
  return module;
}

} // namespace

namespace seqc {

LogicalResult readGraphSignature(MLIRContext &ctx, StringRef path,
                                 std::vector<GraphInputInfo> &inputs,
                                 std::vector<std::string> &outputs) {
  std::unique_ptr<onnx::ModelProto> model = loadOnnxModel(ctx, path);
  if (!model)
    return failure();
  llvm::StringSet<> inits;
  for (const auto &t : model->graph().initializer())
    inits.insert(t.name());
  for (const auto &in : model->graph().input()) {
    if (inits.contains(in.name()))
      continue;
    GraphInputInfo info;
    info.name = in.name();
    const auto &tt = in.type().tensor_type();
    info.elemType = tt.elem_type();
    for (const auto &d : tt.shape().dim()) {
      info.dimParams.push_back(d.has_dim_param() ? d.dim_param() : "");
      info.dims.push_back(d.has_dim_value() ? d.dim_value() : -1);
    }
    inputs.push_back(std::move(info));
  }
  for (const auto &o : model->graph().output())
    outputs.push_back(o.name());
  return success();
}

OwningOpRef<ModuleOp> importOnnxFile(MLIRContext &ctx, StringRef path,
                                     const ImportOptions &opts) {
  ctx.loadDialect<func::FuncDialect, arith::ArithDialect, tensor::TensorDialect,
                  mlir::seq::SeqDialect>();
  std::unique_ptr<onnx::ModelProto> model = loadOnnxModel(ctx, path);
  if (!model || failed(inlineLocalFunctions(ctx, path, *model)))
    return nullptr;
  std::string name = opts.modelName;
  if (name.empty())
    name = llvm::sys::path::stem(path).str();
  Importer importer(ctx, path, *model);
  importer.setConstInputs(opts.constInputs);
  importer.setDimBindings(opts.dimBindings);
  importer.setRuntimeDims(opts);
  return importer.run(name);
}

} // namespace seqc
