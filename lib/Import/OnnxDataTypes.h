//===- OnnxDataTypes.h - TensorProto data type codes -----------*- C++ -*-===//
//
// The libonnx-dev schema seqc compiles predates the 8-, 4- and 2-bit types;
// their TensorProto.DataType codes live with the shared TensorProto decoder
// (seqc/Onnx/TensorData.h) and are dtype::* here.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_LIB_IMPORT_ONNXDATATYPES_H
#define SEQC_LIB_IMPORT_ONNXDATATYPES_H

#include "seqc/Onnx/TensorData.h"

namespace seqc::import {
namespace dtype = seqc::tensordata::dtype;
} // namespace seqc::import

#endif // SEQC_LIB_IMPORT_ONNXDATATYPES_H
