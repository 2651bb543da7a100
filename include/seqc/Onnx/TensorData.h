//===- TensorData.h - decoding of onnx.TensorProto payloads ------*- C++
//-*-===//
//
// One decoder of TensorProto element data, shared by the importer
// (initializers, Constant values) and seq-run (test_data_set_N/*.pb): the
// payload in raw_data, in the typed repeated field of its data type, or in
// external bytes the caller read, checked against the shape and returned in
// the natural little-endian layout with one element per byte for the packed
// sub-byte types (the layout of MLIR's dense attributes and of seqc's memory
// ABI). Plain C++17 + protobuf: seq-run does not link MLIR.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_ONNX_TENSORDATA_H
#define SEQC_ONNX_TENSORDATA_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace onnx {
class TensorProto;
} // namespace onnx

namespace seqc::tensordata {

/// TensorProto.DataType codes newer than the schema seqc compiles (the 8-,
/// 4- and 2-bit types of onnx.proto, IR version >= 9).
namespace dtype {
enum : int32_t {
  Float8E4M3FN = 17,
  Float8E4M3FNUZ = 18,
  Float8E5M2 = 19,
  Float8E5M2FNUZ = 20,
  UInt4 = 21,
  Int4 = 22,
  Float4E2M1 = 23,
  Float8E8M0 = 24,
  UInt2 = 25,
  Int2 = 26,
};
} // namespace dtype

/// Bits per element of the sub-byte types (uint4/int4/float4e2m1: 4,
/// uint2/int2: 2; packed low bits first in storage), 0 for the others.
int subByteBits(int32_t dataType);

/// Bytes per element after decoding: 8, 4 or 2 for the wide types, else 1
/// (bool, 8-bit and the unpacked sub-byte types).
size_t elementBytes(int32_t dataType);

/// The element count of `t`'s dims; -1 when a dim is negative or the count
/// overflows.
int64_t elementCount(const onnx::TensorProto &t);

/// Decodes the `count` elements of `t` into `out`. With `external`, those
/// bytes (read by the caller from `t`'s external data) are the storage;
/// otherwise raw_data or the typed field. Returns an empty string, or what
/// is wrong (e.g. "raw_data has 8 bytes; shape [2,3] needs 24") for the
/// caller to prefix with the tensor's name or file.
std::string decode(const onnx::TensorProto &t, int64_t count,
                   std::vector<char> &out,
                   const std::vector<char> *external = nullptr);

} // namespace seqc::tensordata

#endif // SEQC_ONNX_TENSORDATA_H
