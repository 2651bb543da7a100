//===- Registration.h - dialects and passes seqc tools use ------*- C++ -*-===//

#ifndef SEQC_DRIVER_REGISTRATION_H
#define SEQC_DRIVER_REGISTRATION_H

#include "mlir/IR/DialectRegistry.h"

namespace seqc {
/// The seq dialect plus every upstream dialect, extension and LLVM
/// translation interface the pipelines use.
void registerAllDialects(mlir::DialectRegistry &registry);
/// Upstream passes, seqc's passes and seqc's named pipelines.
void registerAllPasses();
} // namespace seqc

#endif
