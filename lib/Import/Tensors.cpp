//===- Tensors.cpp - ONNX TensorProto -> constant attributes
//---------------===//

#include "ImporterInternal.h"
#include "OnnxDataTypes.h"

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

/// Unpacks `n` elements of `bits` bits (low bits of each byte first) into one
/// byte per element, the layout of sub-byte element types in MLIR's dense
/// attributes and in seqc's memory ABI.
static std::vector<char> unpackSubByte(const std::vector<char> &packed,
                                       int64_t n, int bits) {
  std::vector<char> out(n);
  int perByte = 8 / bits;
  unsigned mask = (1u << bits) - 1;
  for (int64_t i = 0; i < n; ++i) {
    unsigned byte = static_cast<unsigned char>(packed[i / perByte]);
    out[i] = static_cast<char>((byte >> ((i % perByte) * bits)) & mask);
  }
  return out;
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
  int32_t subBits = dtype::subByteBits(t.data_type());
  // Sub-byte types are packed in storage; unpacked below.
  size_t expected = subBits ? (static_cast<size_t>(n) * subBits + 7) / 8
                            : static_cast<size_t>(n) * width;
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
    int64_t need = subBits ? static_cast<int64_t>(expected) : n;
    if (have != need) {
      emitError(loc) << what << " '" << t.name() << "' has " << have
                     << " values; shape " << shapeStr(shape) << " needs "
                     << need;
      return {};
    }
  }
  if (subBits)
    data = unpackSubByte(data, n, subBits);

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
