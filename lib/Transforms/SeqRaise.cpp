//===- SeqRaise.cpp - the seq-raise pass ----------------------------------===//

#include "seqc/Transforms/Passes.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

namespace seqc {
#define GEN_PASS_DEF_SEQRAISE
#include "seqc/Transforms/Passes.h.inc"

/// batched-gather experts -> seq.moe_gate + seq.moe (RaiseMoE.cpp).
void populateRaiseMoEPatterns(RewritePatternSet &patterns);

/// Unrolled Mamba / Mamba-2 scans -> seq.linear_scan, causal depthwise
/// conv1d -> seq.causal_conv (RaiseLinearScan.cpp).
void populateRaiseLinearScanPatterns(RewritePatternSet &patterns);

/// onnxruntime's dynamic int8 MatMul (DynamicQuantizeLinear, MatMulInteger,
/// Cast, Mul) -> seq.quant_matmul (RaiseIntegerMatMul.cpp).
void populateRaiseIntegerMatMulPatterns(RewritePatternSet &patterns);

void populateSeqRaisePatterns(RewritePatternSet &patterns) {
  populateRaiseRMSNormPatterns(patterns);
  populateRaiseAttentionPatterns(patterns);
  populateRaiseRopePatterns(patterns);
  populateRaiseLayerNormPatterns(patterns);
  populateRaiseActivationPatterns(patterns);
  populateRaiseGatedAttentionPatterns(patterns);
  populateRaiseCausalMaskPatterns(patterns);
  populateRaiseMoEPatterns(patterns);
  populateRaiseLinearScanPatterns(patterns);
  populateRaiseIntegerMatMulPatterns(patterns);
}

namespace {
struct SeqRaisePass : impl::SeqRaiseBase<SeqRaisePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateSeqRaisePatterns(patterns);
    // Only seq ops (and the ops the patterns create) are visited, without
    // folding or constant CSE: everything the patterns do not match (and
    // `--emit=seq` shows) stays exactly as imported.
    SmallVector<Operation *> ops;
    getOperation()->walk([&](Operation *op) {
      // Slices and concats too, so rotate-half chains die with their rope.
      if (isa<seq::SeqDialect, tensor::TensorDialect>(op->getDialect()))
        ops.push_back(op);
    });
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::ExistingAndNewOps)
        .enableFolding(false)
        .enableConstantCSE(false);
    (void)applyOpPatternsGreedily(ops, std::move(patterns), config);
    // MoE anchors on the combine at the end of a chain whose activation the
    // round above may have raised after visiting it: a second round.
    RewritePatternSet moe(&getContext());
    populateRaiseMoEPatterns(moe);
    SmallVector<Operation *> rest;
    getOperation()->walk([&](Operation *op) {
      if (isa<seq::SeqDialect, tensor::TensorDialect>(op->getDialect()))
        rest.push_back(op);
    });
    (void)applyOpPatternsGreedily(rest, std::move(moe), config);
  }
};
} // namespace
} // namespace seqc
