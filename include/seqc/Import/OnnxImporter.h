//===- OnnxImporter.h - ONNX protobuf -> seq IR ----------------*- C++ -*-===//
//
// Imports an ONNX model (binary protobuf, or protobuf text format) into a
// module holding `func.func @main` written with seq / tensor / arith ops.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_IMPORT_ONNXIMPORTER_H
#define SEQC_IMPORT_ONNXIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace onnx {
class ModelProto;
} // namespace onnx

namespace seqc {

struct ImportOptions {
  /// Value of the module's `seq.model_name` attribute; the file stem when
  /// empty.
  std::string modelName;
  /// Graph inputs bound at compile time (`seqc --const-input NAME=SPEC`):
  /// (NAME, SPEC) pairs; SPEC is a TensorProto file or comma-separated
  /// values. The input stays in the ABI; the runtime checks its value.
  std::vector<std::pair<std::string, std::string>> constInputs;
  /// Symbolic dims of the graph inputs fixed at compile time (`seqc --dim
  /// NAME=N`): a dim_param NAME, or an expression `NAME + K` / `NAME - K`
  /// of it, becomes static. Every NAME must occur in some input.
  std::vector<std::pair<std::string, int64_t>> dimBindings;
  /// Generation steps: the symbolic dim `runtimePastDim` (the past length)
  /// is only known at run time. Shapes use `runtimePastMax`; the function
  /// gets a rank-0 i64 argument `seq.past_len` with its run-time value, and
  /// values computed from it follow it (lib/Import/RuntimeDims.cpp). Other
  /// symbolic dims listed in `runtimeDimOffsets` are the past length plus
  /// the given offset (e.g. a total length = past + T).
  std::string runtimePastDim;
  int64_t runtimePastMax = 0;
  std::vector<std::pair<std::string, int64_t>> runtimeDimOffsets;
};

/// A graph input as declared: its name, ONNX element type and per-axis
/// dim_param ("" for a fixed dim) and dim_value (-1 if symbolic).
struct GraphInputInfo {
  std::string name;
  int32_t elemType = 0;
  std::vector<std::string> dimParams;
  std::vector<int64_t> dims;
};
/// The inputs (initializers excluded) and output names of the model at
/// `path`; errors go through `ctx`.
mlir::LogicalResult readGraphSignature(mlir::MLIRContext &ctx,
                                       llvm::StringRef path,
                                       std::vector<GraphInputInfo> &inputs,
                                       std::vector<std::string> &outputs);

/// Parses the ONNX model at `path` (binary protobuf, or protobuf text format
/// when the file ends in .pbtxt/.onnxtxt/.textproto) and returns a module with
/// `func.func @main`. Emits diagnostics through `ctx` and returns null on any
/// error. The returned module is not verified.
mlir::OwningOpRef<mlir::ModuleOp>
importOnnxFile(mlir::MLIRContext &ctx, llvm::StringRef path,
               const ImportOptions &opts = {});

/// Loads the ModelProto at `path` with the same checks and diagnostics as
/// importOnnxFile (missing file, not a protobuf, no graph, ...). Returns null
/// on error.
std::unique_ptr<onnx::ModelProto> loadOnnxModel(mlir::MLIRContext &ctx,
                                                llvm::StringRef path);

/// Prints `model` as protobuf text format, with tensor payloads over 16
/// elements elided (a note in the tensor's doc_string says how many bytes /
/// values were dropped).
void printOnnxModelText(const onnx::ModelProto &model, llvm::raw_ostream &os);

/// Loads `path` and prints it as printOnnxModelText does (`seqc --emit=onnx`).
mlir::LogicalResult printOnnxFileText(mlir::MLIRContext &ctx,
                                      llvm::StringRef path,
                                      llvm::raw_ostream &os);

} // namespace seqc

#endif // SEQC_IMPORT_ONNXIMPORTER_H
