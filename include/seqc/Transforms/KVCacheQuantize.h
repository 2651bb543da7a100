//===- KVCacheQuantize.h - int8 KV caches (seqc --quantize=kv8) -*- C++ -*-===//

#ifndef SEQC_TRANSFORMS_KVCACHEQUANTIZE_H
#define SEQC_TRANSFORMS_KVCACHEQUANTIZE_H

#include "mlir/Support/LLVM.h"

#include <string>

namespace seqc {
/// Splits `seqc --quantize=SPEC` at commas: `kv8` sets `kv8`, the other part
/// (at most one: the weight spec, checked by quantizePipeline) goes to
/// `weights`. Fails with a message in `error` on a repeated part.
mlir::LogicalResult splitQuantizeSpec(llvm::StringRef spec,
                                      std::string &weights, bool &kv8,
                                      std::string &error);
} // namespace seqc

#endif // SEQC_TRANSFORMS_KVCACHEQUANTIZE_H
