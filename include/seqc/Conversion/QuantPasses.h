//===- QuantPasses.h - passes of the quantization family --------*- C++ -*-===//

#ifndef SEQC_CONVERSION_QUANTPASSES_H
#define SEQC_CONVERSION_QUANTPASSES_H

#include <memory>

namespace mlir {
class Pass;
} // namespace mlir

namespace seqc {
/// seq-lower-quant-matmul: seq.quant_matmul -> a seqc_uk_qgemm call on the
/// operands' buffers (lib/Conversion/Ukernels/QuantMatMulToUkernel.cpp).
std::unique_ptr<mlir::Pass> createLowerQuantMatMulPass();
/// Registers the passes above with the global registry (seq-opt, pipelines).
void registerQuantPasses();
} // namespace seqc

#endif // SEQC_CONVERSION_QUANTPASSES_H
