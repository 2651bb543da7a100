//===- FunctionInlining.cpp - model-local functions -----------------------===//
//
// ModelProto.functions are model-local op definitions (exporters emit them
// for submodules). The importer has no notion of calls, so every node that
// invokes one is replaced by the function body before import: formal inputs
// and outputs are renamed to the call's actual values, body-internal values
// get a unique per-call prefix, and attribute references (ref_attr_name)
// take the call's attribute (unset ones keep the op's default).
//
//===----------------------------------------------------------------------===//

#include "ImporterInternal.h"

#include "llvm/ADT/StringMap.h"

using namespace mlir;

namespace seqc::import {
namespace {

constexpr int kMaxInlineDepth = 64;

std::string functionKey(StringRef domain, StringRef name) {
  return (domain + "::" + name).str();
}

class Inliner {
public:
  Inliner(MLIRContext &ctx, StringRef path, onnx::ModelProto &model)
      : ctx(ctx), path(path), model(model) {
    for (const onnx::FunctionProto &f : model.functions())
      functions[functionKey(f.domain(), f.name())] = &f;
  }

  LogicalResult run() {
    if (functions.empty())
      return success();
    google::protobuf::RepeatedPtrField<onnx::NodeProto> out;
    for (const onnx::NodeProto &n : model.graph().node())
      if (failed(expand(n, 0, out)))
        return failure();
    *model.mutable_graph()->mutable_node() = std::move(out);
    return success();
  }

private:
  InFlightDiagnostic error(const onnx::NodeProto &n) {
    return emitError(UnknownLoc::get(&ctx))
           << path << ": " << n.op_type() << " node '" << n.name() << "': ";
  }

  LogicalResult
  expand(const onnx::NodeProto &n, int depth,
         google::protobuf::RepeatedPtrField<onnx::NodeProto> &out) {
    auto it = functions.find(functionKey(n.domain(), n.op_type()));
    if (it == functions.end()) {
      *out.Add() = n;
      return success();
    }
    if (depth >= kMaxInlineDepth)
      return error(n) << "model-local function calls nest deeper than "
                      << kMaxInlineDepth << " (recursive functions?)";
    const onnx::FunctionProto &f = *it->second;
    if (n.input_size() > f.input_size() || n.output_size() > f.output_size())
      return error(n) << "calls local function '" << f.name() << "' with "
                      << n.input_size() << " inputs and " << n.output_size()
                      << " outputs; it declares " << f.input_size() << " and "
                      << f.output_size();
    // Formal -> actual names; internal values get a unique prefix.
    std::string prefix = (n.name().empty() ? f.name() : n.name()) + "__" +
                         std::to_string(counter++) + "__";
    llvm::StringMap<std::string> rename;
    for (int i = 0; i < f.input_size(); ++i)
      rename[f.input(i)] = i < n.input_size() ? n.input(i) : "";
    for (int i = 0; i < f.output_size(); ++i)
      rename[f.output(i)] = i < n.output_size() ? n.output(i) : "";
    auto mapName = [&](const std::string &v) -> std::string {
      if (v.empty())
        return v;
      auto r = rename.find(v);
      return r != rename.end() ? r->second : prefix + v;
    };
    // Attribute values of this call (this onnx release's FunctionProto has
    // no attribute defaults: an unset reference leaves the op default).
    llvm::StringMap<const onnx::AttributeProto *> attrs;
    for (const onnx::AttributeProto &a : n.attribute())
      attrs[a.name()] = &a;

    for (const onnx::NodeProto &body : f.node()) {
      onnx::NodeProto m = body;
      m.set_name(prefix + body.name());
      for (std::string &in : *m.mutable_input())
        in = mapName(in);
      for (std::string &o : *m.mutable_output())
        o = mapName(o);
      google::protobuf::RepeatedPtrField<onnx::AttributeProto> resolved;
      for (const onnx::AttributeProto &a : body.attribute()) {
        if (a.ref_attr_name().empty()) {
          if (a.has_g() || a.graphs_size())
            return error(n) << "local function '" << f.name()
                            << "' has a node with a graph attribute ('"
                            << a.name() << "'), which is not supported";
          *resolved.Add() = a;
          continue;
        }
        auto v = attrs.find(a.ref_attr_name());
        if (v == attrs.end())
          continue; // unset optional attribute: the op's default applies
        onnx::AttributeProto copy = *v->second;
        copy.set_name(a.name());
        *resolved.Add() = std::move(copy);
      }
      *m.mutable_attribute() = std::move(resolved);
      if (failed(expand(m, depth + 1, out)))
        return failure();
    }
    return success();
  }

  MLIRContext &ctx;
  std::string path;
  onnx::ModelProto &model;
  llvm::StringMap<const onnx::FunctionProto *> functions;
  unsigned counter = 0;
};

} // namespace

LogicalResult inlineLocalFunctions(MLIRContext &ctx, StringRef path,
                                   onnx::ModelProto &model) {
  return Inliner(ctx, path, model).run();
}

} // namespace seqc::import
