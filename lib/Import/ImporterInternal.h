//===- ImporterInternal.h - shared state of the ONNX importer --*- C++ -*-===//
//
// Private to lib/Import. `NodeContext` is what an op converter sees: the
// node, its (already imported) operands, attribute and constant helpers, and
// a way to report errors at the node's location.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_LIB_IMPORT_IMPORTERINTERNAL_H
#define SEQC_LIB_IMPORT_IMPORTERINTERNAL_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include "onnx.pb.h"

#include <optional>
#include <string>

namespace seqc::import {

using mlir::Location;
using mlir::LogicalResult;
using mlir::RankedTensorType;
using mlir::Type;
using mlir::Value;

/// Maps an ONNX TensorProto data type to a builtin element type; null for
/// unsupported types (unsigned, string, complex, float8...).
Type convertElementType(mlir::MLIRContext *ctx, int32_t onnxType);
/// Human-readable ONNX data type name, for diagnostics.
std::string onnxTypeName(int32_t onnxType);

/// Converts a TensorProto into a constant attribute: DenseElementsAttr for at
/// most 16 elements (and for bool), DenseResourceElementsAttr (blob keyed by
/// the sanitized tensor name) otherwise. `baseDir` resolves external data.
/// Emits an error at `loc` and returns null on failure.
mlir::ElementsAttr convertTensor(const onnx::TensorProto &t, Location loc,
                                 llvm::StringRef baseDir, llvm::StringRef what);

/// Shape helpers.
std::string shapeStr(llvm::ArrayRef<int64_t> shape);
std::string typeStr(Type t);

class NodeContext {
public:
  NodeContext(mlir::OpBuilder &builder, const llvm::StringSet<> &usedNames,
              llvm::StringMap<Value> &values, const onnx::NodeProto &node,
              int64_t opset, Location loc, llvm::SmallVector<Value> inputs)
      : builder(builder), usedNames(usedNames), values(values), nodeProto(node),
        opsetVersion(opset), location(loc), operands(std::move(inputs)) {}

  const onnx::NodeProto &node() const { return nodeProto; }
  int64_t opset() const { return opsetVersion; }
  Location loc() const { return location; }
  mlir::OpBuilder &b() { return builder; }
  mlir::MLIRContext *ctx() { return builder.getContext(); }

  /// Number of inputs as written (trailing empty names included).
  unsigned numInputs() const { return operands.size(); }
  /// Operand `i`; null when absent (past the end, or an empty name).
  Value input(unsigned i) const {
    return i < operands.size() ? operands[i] : Value();
  }
  RankedTensorType inputType(unsigned i) const;
  bool hasInput(unsigned i) const { return static_cast<bool>(input(i)); }

  unsigned numOutputs() const { return nodeProto.output_size(); }
  /// True when output `i` is named and consumed (by a node or the graph).
  bool isOutputUsed(unsigned i) const;
  void setOutput(unsigned i, Value v);

  /// Error at the node, prefixed by "<op_type> node '<name>': ".
  mlir::InFlightDiagnostic error();

  // Attributes.
  const onnx::AttributeProto *attr(llvm::StringRef name) const;
  int64_t attrInt(llvm::StringRef name, int64_t dflt) const;
  float attrFloat(llvm::StringRef name, float dflt) const;
  std::string attrString(llvm::StringRef name, llvm::StringRef dflt) const;
  std::optional<llvm::SmallVector<int64_t>>
  attrInts(llvm::StringRef name) const;

  /// Reads operand `i` as a constant integer vector (any integer element
  /// type). Emits an error naming `what` and fails if it is not a constant.
  LogicalResult constInts(unsigned i, llvm::SmallVector<int64_t> &out,
                          llvm::StringRef what);
  /// Reads operand `i` as a constant scalar (any rank, one element) as double.
  std::optional<double> constScalar(unsigned i) const;

  /// Normalizes `axis` into [0, rank); emits an error and fails when out of
  /// range.
  LogicalResult normalizeAxis(int64_t &axis, int64_t rank,
                              llvm::StringRef what);

  /// Builds a rank-0 (or `shape`d splat) constant of `elt` with `value`.
  Value scalarConstant(Type elt, double value);

  /// Numpy broadcast of the operand types; emits an error naming the node on
  /// incompatible shapes.
  LogicalResult broadcast(llvm::ArrayRef<Value> vals,
                          llvm::SmallVector<int64_t> &shape);
  /// Requires that all `vals` have the same element type.
  LogicalResult sameElementType(llvm::ArrayRef<Value> vals);

  /// seq.reshape / seq.transpose with the result type computed here.
  Value reshape(Value v, llvm::ArrayRef<int64_t> shape);
  Value transpose(Value v, llvm::ArrayRef<int64_t> perm);

  /// The values visible at this node (subgraph bodies capture them).
  llvm::StringMap<Value> &valueMap() { return values; }

  /// The same node with operand `i` replaced by `v`, its outputs set in
  /// `outs` (a run-time value switch imports the node once per candidate).
  NodeContext withOperand(unsigned i, Value v,
                          llvm::StringMap<Value> &outs) const;

private:
  mlir::OpBuilder &builder;
  const llvm::StringSet<> &usedNames;
  llvm::StringMap<Value> &values;
  const onnx::NodeProto &nodeProto;
  int64_t opsetVersion;
  Location location;
  llvm::SmallVector<Value> operands;
};

/// Shape's `start`/`end` attributes for an input of rank `rank`: negatives
/// count from the end, both clamped to [0, rank], end >= start.
std::pair<int64_t, int64_t> shapeAttrRange(const NodeContext &nc, int64_t rank);

/// One ONNX op converter. Inputs are checked against [minInputs, maxInputs]
/// before `fn` runs.
struct OpConverter {
  LogicalResult (*fn)(NodeContext &);
  unsigned minInputs;
  unsigned maxInputs;
};

using OpRegistry = llvm::StringMap<OpConverter>;

/// Registration, one function per op family (file).
void registerElementwiseOps(OpRegistry &r);
void registerShapeOps(OpRegistry &r);
void registerLinalgOps(OpRegistry &r);
void registerNormOps(OpRegistry &r);
void registerAttentionOps(OpRegistry &r);
void registerQuantizeOps(OpRegistry &r);
void registerRecurrentOps(OpRegistry &r);

/// Imports body graph `g` (e.g. Scan's `body`) at nc's insertion point: its
/// inputs bind to `inputs`, other names resolve to the body's own values and
/// then to the enclosing graph's (lexical capture). Appends the values of
/// the graph outputs to `outputs`. Errors name nc's node.
LogicalResult importSubgraph(NodeContext &nc, const onnx::GraphProto &g,
                             llvm::ArrayRef<Value> inputs,
                             llvm::SmallVectorImpl<Value> &outputs);
/// Appends the outer-scope names that the graph attributes of `n` (and
/// their nested graphs) read: implicit inputs of `n`.
void appendCapturedNames(const onnx::NodeProto &n,
                         llvm::SmallVectorImpl<std::string> &names);
void registerRotaryOps(OpRegistry &r);
void registerIndexingOps(OpRegistry &r);
void registerConvNormOps(OpRegistry &r);

/// Import-time constant folding (ConstantFolding.cpp): when every input of
/// the node is known at compile time, evaluates it on the host, sets its
/// outputs to constants and returns true; false leaves it to the converter.
bool isFoldableOp(llvm::StringRef opType);
bool foldNode(NodeContext &nc);

/// When `v` is a graph input, appends to `d` that it must be known at compile
/// time and how to bind it (--const-input).
void noteGraphInput(mlir::InFlightDiagnostic &d, Value v);
/// Parses the value of `seqc --const-input NAME=SPEC` for graph input
/// `name` declared as `declared` (ConstInputs.cpp). Emits an error at `loc`
/// and returns null on failure.
mlir::ElementsAttr parseConstInput(llvm::StringRef name, llvm::StringRef spec,
                                   RankedTensorType declared, Location loc);

/// Replaces every call of a model-local function (ModelProto.functions) in
/// the main graph by the function body (FunctionInlining.cpp).
LogicalResult inlineLocalFunctions(mlir::MLIRContext &ctx,
                                   llvm::StringRef path,
                                   onnx::ModelProto &model);

void registerArithOps(OpRegistry &r); // Mod, Floor, Ceil, Sign, Range
void registerPadOps(OpRegistry &r);
void registerActivationOps(OpRegistry &r);
void registerBitwiseOps(OpRegistry &r);
void registerPoolOps(OpRegistry &r);
void registerResampleOps(OpRegistry &r);
void registerSignalOps(OpRegistry &r);
void registerCacheOps(OpRegistry &r);
void registerLossOps(OpRegistry &r);
void registerMiscOps(OpRegistry &r);
void registerControlFlowOps(OpRegistry &r);
void registerLinearAttentionOps(OpRegistry &r);
void registerMLOps(OpRegistry &r); // ai.onnx.ml, TfIdfVectorizer

/// Run-time value switches (ValueSwitch.cpp). An input that decides a
/// node's output shape but is only known at run time, and that ranges over
/// few values (axes, TopK's K, Split's sizes, DFT's axis), is handled by
/// importing the node with `convert` once per candidate value, that input
/// replaced by the constant, and selecting the case of the run-time value
/// with scf.index_switch. Result dims that differ between candidates become
/// dynamic; candidates that `convert` rejects are left out; any other value
/// fails at run time with a check naming the node and input. Beyond
/// kMaxSwitchCandidates candidates, or for an input of dynamic shape, the
/// usual --const-input error is emitted instead.
using ConvertFn = LogicalResult (*)(NodeContext &);
constexpr int64_t kMaxSwitchCandidates = 64;
/// Fails (naming the switched input and --const-input) when a broadcast of
/// `vals` to `shape` would have to broadcast a dim that a value switch made
/// dynamic and that is 1 in some case: dynamic dims are not broadcast at
/// run time. NodeContext::broadcast calls it.
LogicalResult checkSwitchBroadcast(NodeContext &nc, llvm::ArrayRef<Value> vals,
                                   llvm::ArrayRef<int64_t> shape);
/// True when operand `i` is present, not a compile-time constant and not
/// empty.
bool isRuntimeInput(NodeContext &nc, unsigned i);
/// Input `i` holds distinct axes of a rank-`rank` tensor, in [-rank, rank).
LogicalResult switchOnAxes(NodeContext &nc, ConvertFn convert, unsigned i,
                           int64_t rank, llvm::StringRef what);
/// Input `i` is one integer in [lo, hi]; with `axisRank` > 0 it is an axis
/// of that rank, negative values counting from the end.
LogicalResult switchOnScalar(NodeContext &nc, ConvertFn convert, unsigned i,
                             int64_t lo, int64_t hi, int64_t axisRank,
                             llvm::StringRef what);
/// Input `i` equals one of `candidates` (its elements, row-major).
LogicalResult
switchOnValues(NodeContext &nc, ConvertFn convert, unsigned i,
               llvm::ArrayRef<llvm::SmallVector<int64_t>> candidates,
               llvm::StringRef what);

/// Symbolic dims known only at run time (RuntimeDims.cpp): a generation
/// step compiled for a full cache whose positions and masks follow the
/// actual past length, read from the rank-0 i64 argument `pastLen`.
class RuntimeDims {
public:
  RuntimeDims(const llvm::StringSet<> &usedNames) : usedNames(usedNames) {}
  bool empty() const { return !pastLen; }
  /// `pastLen` holds the run-time value of dim `name`, whose static (shape)
  /// value is `maxPast`.
  void setPastLen(Value v, llvm::StringRef name, int64_t max) {
    pastLen = v;
    pastName = name.str();
    maxPast = max;
  }
  /// Graph input `arg`: per axis, the offset of its run-time dim from the
  /// past length (none for static axes).
  void noteArg(Value arg, llvm::ArrayRef<std::optional<int64_t>> offsets);
  /// Imports `nc` when it involves run-time dims; std::nullopt leaves it to
  /// the caller.
  std::optional<LogicalResult> importNode(NodeContext &nc,
                                          const OpConverter &conv,
                                          bool defaultDomain,
                                          llvm::StringRef key);

private:
  LogicalResult shapeOrigin(NodeContext &nc, bool isSize);
  void record(Value folded, Value twin, Value alt);

  const llvm::StringSet<> &usedNames;
  Value pastLen;
  std::string pastName;
  int64_t maxPast = 0;
  llvm::DenseMap<Value, llvm::SmallVector<std::optional<int64_t>>> argOffsets;
  /// Folded value -> its run-time value, and its value at one less length.
  llvm::DenseMap<Value, Value> twins, alts;
};

/// The registry of every supported op. Ops of the default ("" / "ai.onnx")
/// domain are keyed by their op type, others by "<domain>.<op type>" (e.g.
/// "ai.onnx.preview.FlexAttention", "ai.onnx.ml.Binarizer").
const OpRegistry &getDefaultDomainRegistry();
/// The registry key of node `n` (see above).
std::string registryKey(const onnx::NodeProto &n);

} // namespace seqc::import

#endif // SEQC_LIB_IMPORT_IMPORTERINTERNAL_H
