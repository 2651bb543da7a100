//===- ApproximateMath.cpp - vectorizable f32 transcendentals -------------===//
//
// math.exp and friends become libm calls (expf, tanhf, ...) that LLVM cannot
// vectorize, so every elementwise loop holding one stays scalar. MLIR's
// polynomial approximations are arithmetic only; this pass applies them to
// f32 ops before the LLVM lowering.
//
//===----------------------------------------------------------------------===//

#include "seqc/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;

namespace seqc {
#define GEN_PASS_DEF_SEQAPPROXIMATEMATH
#include "seqc/Transforms/Passes.h.inc"

namespace {
struct SeqApproximateMathPass
    : impl::SeqApproximateMathBase<SeqApproximateMathPass> {
  using Base::Base;

  void runOnOperation() override {
    llvm::StringSet<> wanted;
    if (ops.empty())
      for (StringRef op :
           {"exp", "expm1", "tanh", "erf", "log", "log1p", "log2"})
        wanted.insert(("math." + Twine(op)).str());
    else
      for (const std::string &op : ops)
        wanted.insert(("math." + Twine(op)).str());
    RewritePatternSet patterns(&getContext());
    // No f32 expansion patterns: f16/bf16 ops are already computed in f32
    // by seq-to-linalg, and f64 must keep libm precision.
    populateMathPolynomialApproximationPatterns(
        patterns, [&](StringRef name) { return wanted.contains(name); });
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
} // namespace seqc
