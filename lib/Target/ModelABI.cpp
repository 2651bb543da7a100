//===- ModelABI.cpp - the artifact's signature ----------------------------===//

#include "seqc/Target/ModelABI.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace seqc {

/// ONNX TensorProto.DataType code of an element type, or 0.
static int dtypeCode(Type t) {
  if (auto it = dyn_cast<IntegerType>(t)) {
    bool u = it.isUnsigned();
    switch (it.getWidth()) {
    case 1:
      return u ? 0 : 9;
    case 2:
      return u ? 25 : 26;
    case 4:
      return u ? 21 : 22;
    case 8:
      return u ? 2 : 3;
    case 16:
      return u ? 4 : 5;
    case 32:
      return u ? 12 : 6;
    case 64:
      return u ? 13 : 7;
    }
    return 0;
  }
  return llvm::TypeSwitch<Type, int>(t)
      .Case([](Float32Type) { return 1; })
      .Case([](Float16Type) { return 10; })
      .Case([](Float64Type) { return 11; })
      .Case([](BFloat16Type) { return 16; })
      .Case([](Float8E4M3FNType) { return 17; })
      .Case([](Float8E4M3FNUZType) { return 18; })
      .Case([](Float8E5M2Type) { return 19; })
      .Case([](Float8E5M2FNUZType) { return 20; })
      .Case([](Float4E2M1FNType) { return 23; })
      .Case([](Float8E8M0FNUType) { return 24; })
      .Default([](Type) { return 0; });
}

static const char *dtypeName(int code) {
  switch (code) {
  case 1: return "float";
  case 2: return "uint8";
  case 3: return "int8";
  case 4: return "uint16";
  case 5: return "int16";
  case 6: return "int32";
  case 7: return "int64";
  case 9: return "bool";
  case 10: return "float16";
  case 11: return "double";
  case 12: return "uint32";
  case 13: return "uint64";
  case 16: return "bfloat16";
  case 17: return "float8e4m3fn";
  case 18: return "float8e4m3fnuz";
  case 19: return "float8e5m2";
  case 20: return "float8e5m2fnuz";
  case 21: return "uint4";
  case 22: return "int4";
  case 23: return "float4e2m1";
  case 24: return "float8e8m0";
  case 25: return "uint2";
  case 26: return "int2";
  }
  return "?";
}

static std::string percentEncode(StringRef s) {
  std::string out;
  for (char c : s) {
    if (c == '%' || isspace((unsigned char)c) || !isprint((unsigned char)c))
      out += llvm::formatv("%{0:X2}", (unsigned)(unsigned char)c).str();
    else
      out += c;
  }
  return out;
}

/// The bytes of a constant in the artifact's layout (little-endian, one
/// byte per bool): the value an input bound with --const-input must equal.
static std::optional<std::string> naturalBytes(ElementsAttr attr) {
  auto type = cast<ShapedType>(attr.getType());
  int64_t n = type.getNumElements();
  if (auto res = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = res.getRawHandle().getBlob();
    if (!blob)
      return std::nullopt;
    ArrayRef<char> data = blob->getData();
    return std::string(data.begin(), data.end());
  }
  auto dense = dyn_cast<DenseElementsAttr>(attr);
  if (!dense)
    return std::nullopt;
  std::string out;
  if (type.getElementType().isInteger(1)) {
    for (bool b : dense.getValues<bool>())
      out.push_back(b ? 1 : 0);
    return out;
  }
  ArrayRef<char> raw = dense.getRawData();
  if (!dense.isSplat())
    return std::string(raw.begin(), raw.end());
  for (int64_t i = 0; i < n; ++i)
    out.append(raw.begin(), raw.end());
  return out;
}

namespace {
struct TensorSig {
  std::string name;
  RankedTensorType type;
};
} // namespace

static StringRef nameOf(DictionaryAttr attrs) {
  if (attrs)
    if (auto n = attrs.getAs<StringAttr>("seq.name"))
      return n.getValue();
  return {};
}

static SmallVector<TensorSig> signature(func::FuncOp fn, bool inputs) {
  SmallVector<TensorSig> sigs;
  FunctionType ft = fn.getFunctionType();
  unsigned n = inputs ? ft.getNumInputs() : ft.getNumResults();
  for (unsigned i = 0; i < n; ++i) {
    DictionaryAttr attrs = inputs ? fn.getArgAttrDict(i) : fn.getResultAttrDict(i);
    Type t = inputs ? ft.getInput(i) : ft.getResult(i);
    std::string name = nameOf(attrs).str();
    if (name.empty())
      name = (inputs ? "input_" : "output_") + std::to_string(i);
    sigs.push_back({name, dyn_cast<RankedTensorType>(t)});
  }
  return sigs;
}

FailureOr<std::string> describeModelABI(func::FuncOp fn, StringRef modelName,
                                        StringRef target) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "seqc 1\nmodel " << percentEncode(modelName) << "\ntarget " << target
     << "\n";
  for (bool inputs : {true, false}) {
    for (auto [idx, s] : llvm::enumerate(signature(fn, inputs))) {
      int code = s.type ? dtypeCode(s.type.getElementType()) : 0;
      if (!code || s.type.getRank() > 8)
        return fn.emitError("the C ABI cannot pass ")
               << (inputs ? "input '" : "output '") << s.name << "' of type "
               << (s.type ? (Type)s.type : Type()) ;
      os << (inputs ? "input " : "output ") << percentEncode(s.name) << " "
         << code << " " << s.type.getRank();
      for (int64_t d : s.type.getShape())
        os << " " << (ShapedType::isDynamic(d) ? -1 : d);
      os << "\n";
      if (inputs)
        if (auto bound =
                fn.getArgAttrOfType<ElementsAttr>(idx, "seq.bound_value")) {
          std::optional<std::string> bytes = naturalBytes(bound);
          if (!bytes)
            return fn.emitError("cannot serialize the bound value of input '")
                   << s.name << "'";
          // An empty value is a bare "bound".
          os << "bound" << (bytes->empty() ? "" : " ")
             << llvm::toHex(*bytes, /*LowerCase=*/true) << "\n";
        }
    }
  }
  return text;
}

static std::string identifier(StringRef s) {
  std::string out;
  for (char c : s)
    out += isalnum((unsigned char)c) ? c : '_';
  if (out.empty() || isdigit((unsigned char)out[0]))
    out = "m_" + out;
  return out;
}

std::string generateHeader(func::FuncOp fn, StringRef modelName) {
  static const char *runtimeHeader =
#include "RuntimeHeader.inc"
      ;
  std::string id = identifier(modelName);
  std::string upper = StringRef(id).upper();
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "/* Generated by seqc for model '" << modelName
     << "'. Do not edit. */\n"
     << "#ifndef SEQC_MODEL_" << upper << "_H\n#define SEQC_MODEL_" << upper
     << "_H\n\n"
     << runtimeHeader << "\n";
  SmallVector<TensorSig> ins = signature(fn, true), outs = signature(fn, false);
  os << "/* Signature of '" << modelName << "':\n";
  for (bool inputs : {true, false})
    for (auto [i, s] : llvm::enumerate(inputs ? ins : outs)) {
      os << " *   " << (inputs ? "input  " : "output ") << i << ": " << s.name
         << "  " << (s.type ? dtypeName(dtypeCode(s.type.getElementType())) : "?")
         << " [";
      if (s.type)
        for (auto [j, d] : llvm::enumerate(s.type.getShape()))
          os << (j ? ", " : "") << (ShapedType::isDynamic(d) ? -1 : d);
      os << "]\n";
    }
  os << " */\n#define SEQC_" << upper << "_NUM_INPUTS " << ins.size() << "\n"
     << "#define SEQC_" << upper << "_NUM_OUTPUTS " << outs.size() << "\n\n"
     << "static inline int seqc_" << id
     << "_run(const seqc_tensor *inputs, seqc_tensor *outputs) {\n"
     << "  return seqc_run(inputs, " << ins.size() << ", outputs, "
     << outs.size() << ");\n}\n\n"
     << "/* Outputs with a -1 dim come back allocated (free with seqc_free). */\n"
     << "static inline int seqc_" << id
     << "_run_alloc(const seqc_tensor *inputs, seqc_tensor *outputs) {\n"
     << "  return seqc_run_alloc(inputs, " << ins.size() << ", outputs, "
     << outs.size() << ");\n}\n\n#endif\n";
  return text;
}

} // namespace seqc
