//===- Patterns.h - seq-to-linalg pattern groups ----------------*- C++ -*-===//

#ifndef SEQC_LIB_CONVERSION_SEQTOLINALG_PATTERNS_H
#define SEQC_LIB_CONVERSION_SEQTOLINALG_PATTERNS_H

#include "mlir/IR/PatternMatch.h"

namespace seqc::lowering {
void populateElementwisePatterns(mlir::RewritePatternSet &patterns);
void populateSmallFloatCastPatterns(mlir::RewritePatternSet &patterns);
void populateShapePatterns(mlir::RewritePatternSet &patterns);
void populateContractionPatterns(mlir::RewritePatternSet &patterns);
void populateNormPatterns(mlir::RewritePatternSet &patterns);
void populateAttentionPatterns(mlir::RewritePatternSet &patterns);
void populateRopePatterns(mlir::RewritePatternSet &patterns);
void populateScanPatterns(mlir::RewritePatternSet &patterns);
void populateEinsumPatterns(mlir::RewritePatternSet &patterns);
void populateIndexingPatterns(mlir::RewritePatternSet &patterns);
void populateConvPatterns(mlir::RewritePatternSet &patterns);
void populateLinearScanPatterns(mlir::RewritePatternSet &patterns);
void populateResizePatterns(mlir::RewritePatternSet &patterns);
void populateKVCachePatterns(mlir::RewritePatternSet &patterns);
} // namespace seqc::lowering

#endif
