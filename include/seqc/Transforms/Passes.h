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
/// x * cos + rotate_half(x) * sin (or interleaved) -> seq.rope.
void populateRaiseRopePatterns(mlir::RewritePatternSet &patterns);
/// The seq-cascade-report table for the attention cascades under `root`.
std::string cascadeReport(mlir::Operation *root);
/// (x - mean) / sqrt(var + eps) * w + b -> seq.layer_norm.
void populateRaiseLayerNormPatterns(mlir::RewritePatternSet &patterns);
/// tanh/erf GELU -> seq.gelu; silu(g) * u -> seq.swiglu.
void populateRaiseActivationPatterns(mlir::RewritePatternSet &patterns);
/// merge_heads(attention) * sigmoid(g) -> the gate in the attention layout.
void populateRaiseGatedAttentionPatterns(mlir::RewritePatternSet &patterns);
void populateRaiseCausalMaskPatterns(mlir::RewritePatternSet &patterns);
/// Every seq-raise pattern.
void populateSeqRaisePatterns(mlir::RewritePatternSet &patterns);

#define GEN_PASS_REGISTRATION
#include "seqc/Transforms/Passes.h.inc"
} // namespace seqc

#endif // SEQC_TRANSFORMS_PASSES_H
