//===- MiscOps.cpp ---------------------------------------------------------===//
//
// ONNX CumProd, EyeLike, ReverseSequence, Dropout, Det, RandomUniformLike, Bernoulli.
//
//===----------------------------------------------------------------------===//

#include "ImporterInternal.h"

namespace seqc::import {

void registerMiscOps(OpRegistry &) {}

} // namespace seqc::import
