//===- Passes.h - seqc seq-level transformation passes ----------*- C++ -*-===//

#ifndef SEQC_TRANSFORMS_PASSES_H
#define SEQC_TRANSFORMS_PASSES_H

#include "seq/IR/SeqDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/Pass.h"

namespace seqc {
#define GEN_PASS_DECL
#include "seqc/Transforms/Passes.h.inc"

/// x * rsqrt(mean(x^2) + eps) * w -> seq.rms_norm.
void populateRaiseRMSNormPatterns(mlir::RewritePatternSet &patterns);
/// softmax(scale * Q K^T + mask) V -> seq.attention.
void populateRaiseAttentionPatterns(mlir::RewritePatternSet &patterns);
/// Every seq-raise pattern.
void populateSeqRaisePatterns(mlir::RewritePatternSet &patterns);

#define GEN_PASS_REGISTRATION
#include "seqc/Transforms/Passes.h.inc"
} // namespace seqc

#endif // SEQC_TRANSFORMS_PASSES_H
