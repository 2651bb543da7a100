//===- QuantPasses.h - passes of the quantization family --------*- C++ -*-===//

#ifndef SEQC_CONVERSION_QUANTPASSES_H
#define SEQC_CONVERSION_QUANTPASSES_H

#include "mlir/Support/LLVM.h"

#include <memory>
#include <string>

namespace mlir {
class Pass;
} // namespace mlir

namespace seqc {
/// seq-lower-quant-matmul: seq.quant_matmul -> a seqc_uk_qgemm call on the
/// operands' buffers (lib/Target/CPU/QuantMatMulToUkernel.cpp).
std::unique_ptr<mlir::Pass> createLowerQuantMatMulPass();
/// Registers the passes above with the global registry (seq-opt, pipelines).
void registerQuantPasses();

/// seq-quantize-weights (lib/Transforms/QuantizeWeights.cpp): constant f32
/// matmul weights -> seq.quant_matmul, for `seqc --quantize=SPEC`.
void registerQuantizeWeightsPass();
/// The textual pass for SPEC = w8|w4[:group=N][:sym|:asym]; on a malformed
/// SPEC fails with a message in `error`.
mlir::LogicalResult quantizePipeline(llvm::StringRef spec,
                                     std::string &pipeline, std::string &error);
} // namespace seqc

#endif // SEQC_CONVERSION_QUANTPASSES_H
