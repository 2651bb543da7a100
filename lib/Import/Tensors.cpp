//===- Tensors.cpp - ONNX TensorProto -> constant attributes
//---------------===//

#include "ImporterInternal.h"

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
  // Unsigned types are rejected: `seq` integers are signless and lower with
  // signed semantics (division, min/max, comparisons, widening casts), and
  // the artifact ABI has no unsigned dtypes.
  case onnx::TensorProto::INT8:
    return b.getIntegerType(8);
  case onnx::TensorProto::INT16:
    return b.getIntegerType(16);
  case onnx::TensorProto::INT32:
    return b.getIntegerType(32);
  case onnx::TensorProto::INT64:
    return b.getIntegerType(64);
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

/// Bytes per element in the natural (little-endian, 1 byte per bool) layout.
static size_t elementBytes(int32_t t) {
  switch (t) {
  case onnx::TensorProto::DOUBLE:
  case onnx::TensorProto::INT64:
  case onnx::TensorProto::UINT64:
    return 8;
  case onnx::TensorProto::FLOAT:
  case onnx::TensorProto::INT32:
  case onnx::TensorProto::UINT32:
    return 4;
  case onnx::TensorProto::FLOAT16:
  case onnx::TensorProto::BFLOAT16:
  case onnx::TensorProto::INT16:
  case onnx::TensorProto::UINT16:
    return 2;
  default:
    return 1;
  }
}

/// Copies the low `width` bytes of each value (little-endian host).
template <typename T>
static void packValues(const google::protobuf::RepeatedField<T> &vals,
                       size_t width, std::vector<char> &out) {
  out.resize(vals.size() * width);
  for (int i = 0; i < vals.size(); ++i) {
    T v = vals.Get(i);
    std::memcpy(out.data() + i * width, &v, width);
  }
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
  int64_t n = 1;
  for (int64_t d : t.dims()) {
    if (d < 0) {
      emitError(loc) << what << " '" << t.name() << "' has negative dimension "
                     << d;
      return {};
    }
    shape.push_back(d);
    n *= d;
  }
  size_t width = elementBytes(t.data_type());
  size_t expected = static_cast<size_t>(n) * width;
  std::vector<char> data;
  int64_t have = -1; // element count of a typed field
  int32_t dt = t.data_type();
  if (t.data_location() == onnx::TensorProto::EXTERNAL) {
    if (failed(readExternal(t, loc, baseDir, what, expected, data)))
      return {};
  } else if (t.has_raw_data()) {
    if (t.raw_data().size() != expected) {
      emitError(loc) << what << " '" << t.name() << "' has "
                     << t.raw_data().size() << " bytes of raw_data; shape "
                     << shapeStr(shape) << " of " << onnxTypeName(dt)
                     << " needs " << expected;
      return {};
    }
    data.assign(t.raw_data().begin(), t.raw_data().end());
  } else {
    switch (dt) {
    case onnx::TensorProto::FLOAT:
      packValues(t.float_data(), 4, data);
      have = t.float_data_size();
      break;
    case onnx::TensorProto::DOUBLE:
      packValues(t.double_data(), 8, data);
      have = t.double_data_size();
      break;
    case onnx::TensorProto::INT64:
      packValues(t.int64_data(), 8, data);
      have = t.int64_data_size();
      break;
    case onnx::TensorProto::UINT32:
    case onnx::TensorProto::UINT64:
      packValues(t.uint64_data(), width, data);
      have = t.uint64_data_size();
      break;
    default: // int8/16/32, uint8/16, bool, f16/bf16 bits: int32_data.
      packValues(t.int32_data(), width, data);
      have = t.int32_data_size();
      break;
    }
    if (have != n) {
      emitError(loc) << what << " '" << t.name() << "' has " << have
                     << " values; shape " << shapeStr(shape) << " needs " << n;
      return {};
    }
  }

  auto type = RankedTensorType::get(shape, elt);
  if (elt.isInteger(1)) {
    SmallVector<bool> bits;
    for (char c : data)
      bits.push_back(c != 0);
    return DenseElementsAttr::get(type, bits);
  }
  if (n <= 16) {
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
