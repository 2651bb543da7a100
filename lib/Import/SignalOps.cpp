//===- SignalOps.cpp ---------------------------------------------------------===//
//
// ONNX ConvTranspose, DFT, STFT.
//
//===----------------------------------------------------------------------===//

#include "ImporterInternal.h"

namespace seqc::import {

void registerSignalOps(OpRegistry &) {}

} // namespace seqc::import
