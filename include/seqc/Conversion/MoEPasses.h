//===- MoEPasses.h - passes of the mixture-of-experts family -----*- C++
//-*-===//

#ifndef SEQC_CONVERSION_MOEPASSES_H
#define SEQC_CONVERSION_MOEPASSES_H

#include <memory>

namespace mlir {
class Pass;
} // namespace mlir

namespace seqc {
/// seq-lower-moe: seq.moe_gate -> softmax/topk seq ops; seq.moe -> one
/// seqc_uk_moe call on the operands' buffers
/// (lib/Target/CPU/MoEToUkernel.cpp).
std::unique_ptr<mlir::Pass> createLowerMoEPass();
/// Registers the passes above with the global registry (seq-opt, pipelines).
void registerMoEPasses();
} // namespace seqc

#endif // SEQC_CONVERSION_MOEPASSES_H
