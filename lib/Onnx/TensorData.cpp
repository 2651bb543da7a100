//===- TensorData.cpp - decoding of onnx.TensorProto payloads -------------===//

#include "seqc/Onnx/TensorData.h"

#include "onnx.pb.h"

#include <cstring>

namespace seqc::tensordata {
namespace {

std::string shapeStr(const onnx::TensorProto &t) {
  std::string s = "[";
  for (int i = 0; i < t.dims_size(); ++i)
    s += (i ? "," : "") + std::to_string(t.dims(i));
  return s + "]";
}

/// Copies the low `width` bytes of each value (little-endian host).
template <typename Field>
void packValues(const Field &vals, size_t width, std::vector<char> &out) {
  out.resize(vals.size() * width);
  for (int i = 0; i < vals.size(); ++i) {
    auto v = vals.Get(i);
    std::memcpy(out.data() + i * width, &v, width);
  }
}

} // namespace

int subByteBits(int32_t dataType) {
  switch (dataType) {
  case dtype::UInt4:
  case dtype::Int4:
  case dtype::Float4E2M1:
    return 4;
  case dtype::UInt2:
  case dtype::Int2:
    return 2;
  default:
    return 0;
  }
}

size_t elementBytes(int32_t dataType) {
  switch (dataType) {
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

int64_t elementCount(const onnx::TensorProto &t) {
  int64_t n = 1;
  for (int64_t d : t.dims()) {
    // Bounded well below INT64_MAX so that byte counts cannot overflow.
    if (d < 0 || (d > 0 && n > (INT64_MAX / 16) / d))
      return -1;
    n *= d;
  }
  return n;
}

std::string decode(const onnx::TensorProto &t, int64_t count,
                   std::vector<char> &out, const std::vector<char> *external) {
  int32_t dt = t.data_type();
  size_t width = elementBytes(dt);
  int bits = subByteBits(dt);
  // Sub-byte types are packed in storage (raw bytes, or one byte per
  // int32_data entry).
  size_t storage = bits ? (static_cast<size_t>(count) * bits + 7) / 8
                        : static_cast<size_t>(count) * width;
  std::vector<char> data;
  if (external || t.has_raw_data()) {
    const char *p = external ? external->data() : t.raw_data().data();
    size_t size = external ? external->size() : t.raw_data().size();
    if (size != storage)
      return std::string(external ? "external data" : "raw_data") + " has " +
             std::to_string(size) + " bytes; shape " + shapeStr(t) + " needs " +
             std::to_string(storage);
    data.assign(p, p + size);
  } else {
    int64_t have;
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
    default: // int8/16/32, uint8/16, bool, f16/bf16 and 8-bit float bits,
             // packed sub-byte bytes: int32_data.
      packValues(t.int32_data(), bits ? 1 : width, data);
      have = t.int32_data_size();
      break;
    }
    int64_t need = bits ? static_cast<int64_t>(storage) : count;
    if (have != need)
      return std::to_string(have) + " values; shape " + shapeStr(t) +
             " needs " + std::to_string(need);
  }
  if (!bits) {
    out = std::move(data);
    return "";
  }
  out.resize(count);
  int perByte = 8 / bits;
  unsigned mask = (1u << bits) - 1;
  for (int64_t i = 0; i < count; ++i) {
    unsigned byte = static_cast<unsigned char>(data[i / perByte]);
    out[i] = static_cast<char>((byte >> ((i % perByte) * bits)) & mask);
  }
  return "";
}

} // namespace seqc::tensordata
