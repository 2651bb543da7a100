//===- OnnxDataTypes.h - TensorProto data type codes -----------*- C++ -*-===//
//
// The libonnx-dev schema seqc compiles predates the 8-, 4- and 2-bit types;
// their TensorProto.DataType codes (onnx.proto, IR version >= 9) are spelled
// out here so the importer can name them.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_LIB_IMPORT_ONNXDATATYPES_H
#define SEQC_LIB_IMPORT_ONNXDATATYPES_H

#include <cstdint>

namespace seqc::import::dtype {
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

/// Bits per element of the sub-byte types (packed in TensorProto storage,
/// low bits first), 0 for the others.
inline int subByteBits(int32_t t) {
  switch (t) {
  case UInt4:
  case Int4:
  case Float4E2M1:
    return 4;
  case UInt2:
  case Int2:
    return 2;
  default:
    return 0;
  }
}
} // namespace seqc::import::dtype

#endif // SEQC_LIB_IMPORT_ONNXDATATYPES_H
