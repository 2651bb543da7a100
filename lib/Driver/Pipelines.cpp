//===- Pipelines.cpp - seqc's named compilation stages --------------------===//
//
// The stages are textual pipelines so that `seqc --emit=<stage>` and
// `seq-opt --pass-pipeline=...` run exactly the same passes.
//
//===----------------------------------------------------------------------===//

#include "seqc/Driver/Pipelines.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

namespace seqc {

std::string seqFusionPipeline() {
  // seq-raise-qdq-matmul: blocked int4/int8 QDQ weights -> seq.quant_matmul.
  return "seq-raise,seq-raise-qdq-matmul";
}

std::string seqToLinalgPipeline(bool tiledAttention,
                                const std::string &tileOptions) {
  // seq-tile-attention first: what it does not handle stays seq.attention
  // and gets the naive cascade from seq-to-linalg.
  return std::string("canonicalize,cse,") +
         // Projections of one input (q, k, v) -> one GEMM (off by default).
         "seq-fuse-projections," +
         (tiledAttention ? "seq-tile-attention{" + tileOptions + "}," : "") +
         // seq.moe -> grouped expert GEMM calls (lib/Target/CPU).
         "seq-lower-moe,"
         // seq.quant_matmul -> runtime kernel calls (no linalg form).
         "seq-lower-quant-matmul,seq-to-linalg,canonicalize,cse,"
         "seq-fuse-elementwise,canonicalize,cse";
}

std::string linalgToLLVMPipeline(int64_t splitMaxOps, bool profileHooks,
                                 const std::string &profileLabel) {
  return "seq-strip-signedness,seq-distinct-results,seq-clone-shared-fills,"
         "one-shot-bufferize{bufferize-function-boundaries "
         "function-boundary-type-conversion=identity-layout-map},"
         "seq-dynamic-results,"
         "buffer-results-to-out-params{hoist-static-allocs modify-public-functions},"
         "canonicalize,buffer-deallocation-pipeline,"
         "convert-bufferization-to-memref,"
         "scf-forall-to-parallel,"
         // Contractions -> runtime micro-kernels; outermost parallel loops
         // -> the runtime thread pool (see lib/Target/CPU).
         "seq-lower-to-ukernels,seq-reassociate-reductions,"
         "convert-linalg-to-parallel-loops,"
         "seq-outline-parallel,"
         // Run-time shape checks -> seqc_rt_check_failed calls, before
         // convert-cf-to-llvm would make them abort().
         "seq-lower-runtime-checks," +
         // seq-run --profile: begin/end hooks around kernels and loop nests.
         (!profileHooks           ? std::string()
          : profileLabel.empty() ? std::string("seq-profile-hooks,")
                                 : "seq-profile-hooks{label=" + profileLabel +
                                       "},") +
         // Bounded function sizes keep LLVM's time linear in the graph.
         "seq-split-functions{max-ops=" +
         std::to_string(splitMaxOps) + "},"
         "lower-affine,convert-scf-to-cf,"
         "expand-strided-metadata,lower-affine,"
         "seq-approximate-math,convert-math-to-funcs{convert-ctlz=false},"
         "finalize-memref-to-llvm{use-generic-functions},convert-math-to-llvm,convert-math-to-libm,"
         "convert-arith-to-llvm,convert-index-to-llvm,convert-cf-to-llvm,"
         "convert-func-to-llvm,reconcile-unrealized-casts,"
         "seq-emit-c-entry-point";
}

static void registerTextPipeline(StringRef name, StringRef summary,
                                 std::string text) {
  PassPipelineRegistration<>(
      name, summary, [text](OpPassManager &pm) {
        if (failed(parsePassPipeline(text, pm)))
          llvm::report_fatal_error("invalid built-in pipeline");
      });
}

void registerPipelines() {
  registerTextPipeline("seq-fusion",
                       "Raise decomposed exporter patterns into seq ops",
                       seqFusionPipeline());
  registerTextPipeline("seq-lower-to-linalg",
                       "Lower the seq dialect to linalg on tensors",
                       seqToLinalgPipeline());
  registerTextPipeline("seq-lower-to-llvm",
                       "Bufferize and lower linalg to the LLVM dialect",
                       linalgToLLVMPipeline());
}

} // namespace seqc
