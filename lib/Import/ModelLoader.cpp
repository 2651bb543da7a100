//===- ModelLoader.cpp - reading and printing ONNX ModelProtos
//-------------===//

#include "ImporterInternal.h"
#include "seqc/Import/OnnxImporter.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

using namespace mlir;

namespace seqc {

namespace {
struct TextErrors : google::protobuf::io::ErrorCollector {
  std::string first;
  void AddError(int line, int column, const std::string &message) override {
    if (first.empty())
      first = "line " + std::to_string(line + 1) + ":" +
              std::to_string(column + 1) + ": " + message;
  }
};
} // namespace

static bool isTextFormat(StringRef path) {
  return path.ends_with(".pbtxt") || path.ends_with(".onnxtxt") ||
         path.ends_with(".textproto");
}

std::unique_ptr<onnx::ModelProto> loadOnnxModel(MLIRContext &ctx,
                                                StringRef path) {
  Location loc = UnknownLoc::get(&ctx);
  auto buf = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!buf) {
    emitError(loc) << path
                   << ": cannot open ONNX model: " << buf.getError().message();
    return nullptr;
  }
  auto model = std::make_unique<onnx::ModelProto>();
  StringRef data = (*buf)->getBuffer();
  if (isTextFormat(path)) {
    google::protobuf::TextFormat::Parser parser;
    TextErrors errors;
    parser.RecordErrorsTo(&errors);
    if (!parser.ParseFromString(data.str(), model.get())) {
      emitError(loc) << path << ": not a valid ONNX model (text format: "
                     << errors.first << ")";
      return nullptr;
    }
  } else if (data.size() > static_cast<size_t>(INT_MAX) ||
             !model->ParseFromArray(data.data(),
                                    static_cast<int>(data.size()))) {
    emitError(loc) << path
                   << ": not a valid ONNX model (protobuf parse failed; "
                      "truncated or not a protobuf)";
    return nullptr;
  }
  if (model->ir_version() <= 0) {
    emitError(loc) << path << ": not a valid ONNX model (no ir_version)";
    return nullptr;
  }
  if (!model->has_graph()) {
    emitError(loc) << path << ": not a valid ONNX model (no graph)";
    return nullptr;
  }
  return model;
}

static void elideTensor(onnx::TensorProto &t) {
  int64_t n = 1;
  for (int64_t d : t.dims())
    n *= d;
  if (n <= 16)
    return;
  std::string note;
  if (t.has_raw_data()) {
    note = std::to_string(t.raw_data().size()) + " bytes of raw_data";
    t.clear_raw_data();
  }
  auto count = t.float_data_size() + t.int32_data_size() + t.int64_data_size() +
               t.double_data_size() + t.uint64_data_size() +
               t.string_data_size();
  if (count) {
    note = std::to_string(count) + " values";
    t.clear_float_data();
    t.clear_int32_data();
    t.clear_int64_data();
    t.clear_double_data();
    t.clear_uint64_data();
    t.clear_string_data();
  }
  if (note.empty())
    return;
  std::string doc = t.doc_string();
  t.set_doc_string((doc.empty() ? "" : doc + " ") + "[seqc: " + note +
                   " elided]");
}

static void elideGraph(onnx::GraphProto &g);

static void elideAttribute(onnx::AttributeProto &a) {
  if (a.has_t())
    elideTensor(*a.mutable_t());
  for (auto &t : *a.mutable_tensors())
    elideTensor(t);
  if (a.has_g())
    elideGraph(*a.mutable_g());
  for (auto &g : *a.mutable_graphs())
    elideGraph(g);
}

static void elideGraph(onnx::GraphProto &g) {
  for (auto &t : *g.mutable_initializer())
    elideTensor(t);
  for (auto &n : *g.mutable_node())
    for (auto &a : *n.mutable_attribute())
      elideAttribute(a);
}

void printOnnxModelText(const onnx::ModelProto &model, llvm::raw_ostream &os) {
  onnx::ModelProto copy = model;
  elideGraph(*copy.mutable_graph());
  for (auto &f : *copy.mutable_functions())
    for (auto &n : *f.mutable_node())
      for (auto &a : *n.mutable_attribute())
        elideAttribute(a);
  std::string text;
  google::protobuf::TextFormat::PrintToString(copy, &text);
  os << text;
}

LogicalResult printOnnxFileText(MLIRContext &ctx, StringRef path,
                                llvm::raw_ostream &os) {
  std::unique_ptr<onnx::ModelProto> model = loadOnnxModel(ctx, path);
  if (!model)
    return failure();
  printOnnxModelText(*model, os);
  return success();
}

} // namespace seqc
