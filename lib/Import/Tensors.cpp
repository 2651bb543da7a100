//===- Tensors.cpp - ONNX TensorProto -> constant attributes
//---------------===//

#include "ImporterInternal.h"
#include "OnnxDataTypes.h"
#include "seqc/Onnx/TensorData.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cstring>

using namespace mlir;

namespace seqc::import {

Type convertElementType(MLIRContext *ctx, int32_t t) {
  Builder b(ctx);
  switch (t) {
  case onnx::TensorProto::FLOAT:
    return b.getF32Type();
  case onnx::TensorProto::FLOAT16:
    return b.getF16Type();
  case onnx::TensorProto::BFLOAT16:
    return b.getBF16Type();
  case onnx::TensorProto::DOUBLE:
    return b.getF64Type();
  // Signed (and signless) integers are signless; unsigned ONNX types stay
  // unsigned at the `seq` level so that division, comparisons, min/max and
  // widening casts use unsigned semantics (seq-to-linalg strips signedness).
  case onnx::TensorProto::INT8:
    return b.getIntegerType(8);
  case onnx::TensorProto::INT16:
    return b.getIntegerType(16);
  case onnx::TensorProto::INT32:
    return b.getIntegerType(32);
  case onnx::TensorProto::INT64:
    return b.getIntegerType(64);
  case dtype::Int4:
    return b.getIntegerType(4);
  case dtype::Int2:
    return b.getIntegerType(2);
  case onnx::TensorProto::UINT8:
    return b.getIntegerType(8, /*isSigned=*/false);
  case onnx::TensorProto::UINT16:
    return b.getIntegerType(16, /*isSigned=*/false);
  case onnx::TensorProto::UINT32:
    return b.getIntegerType(32, /*isSigned=*/false);
  case onnx::TensorProto::UINT64:
    return b.getIntegerType(64, /*isSigned=*/false);
  case dtype::UInt4:
    return b.getIntegerType(4, /*isSigned=*/false);
  case dtype::UInt2:
    return b.getIntegerType(2, /*isSigned=*/false);
  case dtype::Float8E4M3FN:
    return Float8E4M3FNType::get(ctx);
  case dtype::Float8E4M3FNUZ:
    return Float8E4M3FNUZType::get(ctx);
  case dtype::Float8E5M2:
    return Float8E5M2Type::get(ctx);
  case dtype::Float8E5M2FNUZ:
    return Float8E5M2FNUZType::get(ctx);
  case dtype::Float8E8M0:
    return Float8E8M0FNUType::get(ctx);
  case dtype::Float4E2M1:
    return Float4E2M1FNType::get(ctx);
  case onnx::TensorProto::BOOL:
    return b.getI1Type();
  default:
    return {};
  }
}

std::string onnxTypeName(int32_t t) {
  if (onnx::TensorProto_DataType_IsValid(t))
    return onnx::TensorProto_DataType_Name(
        static_cast<onnx::TensorProto_DataType>(t));
  return "data type " + std::to_string(t);
}

std::string shapeStr(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (auto [i, d] : llvm::enumerate(shape)) {
    if (i)
      s += ",";
    s += ShapedType::isDynamic(d) ? "?" : std::to_string(d);
  }
  return s + "]";
}

std::string typeStr(Type t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << t;
  return s;
}

static std::string sanitize(llvm::StringRef name) {
  std::string s;
  for (char c : name)
    s += (llvm::isAlnum(c) || c == '_' || c == '.') ? c : '_';
  if (s.empty() || llvm::isDigit(s[0]) || s[0] == '.')
    s = "t_" + s;
  return s;
}

/// Reads external data (`location`/`offset`/`length` relative to `baseDir`).
static LogicalResult readExternal(const onnx::TensorProto &t, Location loc,
                                  StringRef baseDir, StringRef what,
                                  size_t expected, std::vector<char> &out) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto &kv : t.external_data()) {
    if (kv.key() == "location")
      location = kv.value();
    else if (kv.key() == "offset")
      offset = std::atoll(kv.value().c_str());
    else if (kv.key() == "length")
      length = std::atoll(kv.value().c_str());
  }
  if (location.empty())
    return emitError(loc) << what << " '" << t.name()
                          << "': external data without a 'location'";
  llvm::SmallString<256> file(baseDir);
  llvm::sys::path::append(file, location);
  auto buf = llvm::MemoryBuffer::getFile(file, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!buf)
    return emitError(loc) << what << " '" << t.name()
                          << "': cannot read external data file '" << file
                          << "': " << buf.getError().message();
  if (length < 0)
    length = expected;
  if (static_cast<size_t>(length) != expected)
    return emitError(loc) << what << " '" << t.name()
                          << "': external data length " << length
                          << " does not match the expected " << expected
                          << " bytes";
  size_t size = (*buf)->getBufferSize();
  if (offset < 0 || static_cast<size_t>(offset) + expected > size)
    return emitError(loc) << what << " '" << t.name()
                          << "': external data file '" << file
                          << "' is too short (" << size << " bytes; need "
                          << expected << " at offset " << offset << ")";
  const char *p = (*buf)->getBufferStart() + offset;
  out.assign(p, p + expected);
  return success();
}

ElementsAttr convertTensor(const onnx::TensorProto &t, Location loc,
                           StringRef baseDir, StringRef what) {
  MLIRContext *ctx = loc.getContext();
  Type elt = convertElementType(ctx, t.data_type());
  if (!elt) {
    emitError(loc) << what << " '" << t.name() << "' has unsupported type "
                   << onnxTypeName(t.data_type());
    return {};
  }
  if (t.has_segment()) {
    emitError(loc) << what << " '" << t.name()
                   << "': segmented tensors are not supported";
    return {};
  }
  SmallVector<int64_t> shape;
  for (int64_t d : t.dims()) {
    if (d < 0) {
      emitError(loc) << what << " '" << t.name() << "' has negative dimension "
                     << d;
      return {};
    }
    shape.push_back(d);
  }
  int64_t n = tensordata::elementCount(t);
  if (n < 0) {
    emitError(loc) << what << " '" << t.name() << "' has too many elements "
                   << shapeStr(shape);
    return {};
  }
  size_t width = tensordata::elementBytes(t.data_type());
  int32_t subBits = tensordata::subByteBits(t.data_type());
  std::vector<char> data, external;
  if (t.data_location() == onnx::TensorProto::EXTERNAL) {
    // Sub-byte types are packed in storage.
    size_t expected = subBits ? (static_cast<size_t>(n) * subBits + 7) / 8
                              : static_cast<size_t>(n) * width;
    if (failed(readExternal(t, loc, baseDir, what, expected, external)))
      return {};
  }
  std::string error = tensordata::decode(
      t, n, data,
      t.data_location() == onnx::TensorProto::EXTERNAL ? &external : nullptr);
  if (!error.empty()) {
    emitError(loc) << what << " '" << t.name() << "': " << error;
    return {};
  }

  auto type = RankedTensorType::get(shape, elt);
  if (elt.isInteger(1)) {
    SmallVector<bool> bits;
    for (char c : data)
      bits.push_back(c != 0);
    return DenseElementsAttr::get(type, bits);
  }
  // LLVM's constant data arrays have no 4-/2-bit or 8-bit float elements, so
  // those stay dense attributes (lowered element by element) at any size.
  bool noBlob = subBits || (isa<FloatType>(elt) && width == 1);
  if (n <= 16 || noBlob) {
    bool splat = false;
    if (!DenseElementsAttr::isValidRawBuffer(type, ArrayRef<char>(data),
                                             splat)) {
      emitError(loc) << what << " '" << t.name() << "': invalid tensor payload";
      return {};
    }
    return DenseElementsAttr::getFromRawBuffer(type, ArrayRef<char>(data));
  }
  AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
      ArrayRef<char>(data), std::max<size_t>(width, alignof(uint64_t)));
  return DenseResourceElementsAttr::get(type, sanitize(t.name()),
                                        std::move(blob));
}

} // namespace seqc::import
