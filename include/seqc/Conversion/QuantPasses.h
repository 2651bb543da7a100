//===- QuantPasses.h - passes of the quantization family --------*- C++ -*-===//

#ifndef SEQC_CONVERSION_QUANTPASSES_H
#define SEQC_CONVERSION_QUANTPASSES_H

#include "mlir/Support/LLVM.h"

#include <string>

namespace seqc {
/// `seqc --quantize=SPEC` (w8|w4[:group=N][:sym|:asym]) as the textual
/// seq-quantize-weights pass; on a malformed SPEC fails with a message in
/// `error`.
mlir::LogicalResult quantizePipeline(llvm::StringRef spec,
                                     std::string &pipeline, std::string &error);
} // namespace seqc

#endif // SEQC_CONVERSION_QUANTPASSES_H
