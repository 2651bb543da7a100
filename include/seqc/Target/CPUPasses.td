//===- CPUPasses.td - passes of the CPU target -------------*- tablegen -*-===//
//
// Bufferized linalg -> runtime micro-kernel calls and the runtime thread
// pool (lib/Target/CPU). The order they run in is in lib/Driver/Pipelines.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_TARGET_CPU_PASSES
#define SEQC_TARGET_CPU_PASSES

include "mlir/Pass/PassBase.td"

def SeqLowerToUkernels : Pass<"seq-lower-to-ukernels", "::mlir::ModuleOp"> {
  let summary = "Replace f32 contractions on memrefs with runtime "
                "micro-kernel calls";
  let description = [{
    Runs after bufferization. Every linalg contraction (named matmul-like
    ops and Einsum-style linalg.generic with a `mulf`/`addf` body and one
    reduction loop, e.g. `...mk,...kn->...mn` or the transposed-B `qd,kd->qk`)
    on f32 memrefs becomes a call of `seqc_uk_sgemm` (lib/Runtime/ukernels):
    m, n, k and up to three batch loops with the element strides of each
    operand (0 for a broadcast operand), so transposed operands are read in
    place. A `linalg.fill` of zero into the output right before the
    contraction is folded into the call (overwrite instead of accumulate).
    The runtime packs, cache-blocks, multi-threads and dispatches to an
    AVX-512, AVX2/FMA or portable kernel by CPUID.

    With `epilogues`, the elementwise linalg.generic that is the only
    reader of such a contraction's output (bias, residual add, relu, GELU,
    SiLU, sigmoid, tanh; see lib/Target/CPU/GemmEpilogue.h) is folded into
    a `seqc_uk_sgemm_ep` call that writes the consumer's output and applies
    it to each finished C tile. `SEQC_GEMM_EPILOGUES=0` in the environment
    turns it off.
  }];
  let options = [
    Option<"epilogues", "epilogues", "bool", "true",
           "Fold elementwise consumers (bias, residual, activation) into "
           "the GEMM call">
  ];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect"];
}

def SeqOutlineParallel : Pass<"seq-outline-parallel", "::mlir::ModuleOp"> {
  let summary = "Run outermost scf.parallel loops on the runtime thread pool";
  let description = [{
    Each outermost `scf.parallel` without results whose static trip count
    reaches `min-iterations` is outlined into a function
    `(ctx, begin, end)` that runs the linearized iterations [begin, end) of
    all its dimensions but the innermost (which stays a whole loop), and is
    replaced by a call of `seqc_parallel_for(n, fn, ctx)`. Values the body
    uses from above are passed in an `llvm.alloca`ed struct of their LLVM
    types (memrefs as descriptors), bridged with
    `builtin.unrealized_conversion_cast`s that vanish in the final lowering.
  }];
  let options = [
    Option<"minElements", "min-elements", "int64_t", "16384",
           "Keep loops with fewer static iterations (all dimensions) serial">
  ];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect"];
}

def SeqSplitFunctions : Pass<"seq-split-functions", "::mlir::ModuleOp"> {
  let summary = "Outline runs of ops of large functions into noinline "
                "functions";
  let description = [{
    LLVM's optimizer and code generator are superlinear in the size of one
    function, and a whole graph lowers to one function. Every function with
    more than `max-ops` nested operations has its entry block (terminator
    excluded) cut into runs of about `max-ops` nested operations; each run
    becomes a private `noinline` function `<name>_part...` that takes the
    values it uses from above and returns the values used after it.
    Side-effect-free ops without operands (constants, `memref.get_global`,
    function references) are cloned into every run that uses them instead.
    Top-level stack allocations (`memref.alloca`, `llvm.alloca`) of constant
    size stay in the function and are passed to the runs that use them;
    no cut is made while a value derived from any other stack allocation
    is live, so no function returns a pointer into its own dead frame.

    With `merge-repeats`, runs end at content-defined points (a hash of the
    last ops' shapes) once they hold `max-ops / 4`, so copies of a layer are
    cut alike; runs that then differ only in the `memref.global`s they read
    (and in references to functions of equal text) become one function that
    takes those globals as arguments, each call passing its own.
  }];
  let options = [
    Option<"maxOps", "max-ops", "int64_t", "250",
           "Nested operations per outlined function (0: do not split)">,
    Option<"mergeRepeats", "merge-repeats", "bool", "true",
           "Cut at content-defined points and merge runs that differ only "
           "in the globals they read">
  ];
  let dependentDialects = ["::mlir::func::FuncDialect"];
}

def SeqProfileHooks : Pass<"seq-profile-hooks", "::mlir::ModuleOp"> {
  let summary = "Time each kernel call, parallel region and loop nest "
                "(seq-run --profile)";
  let description = [{
    Runs after seq-outline-parallel. In every function but the outlined
    parallel bodies, each unit of work is wrapped in
    `seqc_prof_begin(table, id)` / `seqc_prof_end(table, id, flops)`
    (lib/Runtime/profile.c): a call of a runtime kernel (`seqc_uk_*`,
    `seqc_parallel_for`), an outermost loop nest that calls no kernel, and a
    `memref.copy`. Loops that call kernels are not units themselves; their
    kernel calls and inner loop nests are. `flops` is computed at run time
    from the kernel's sizes (2mnk for the GEMMs) or from a static count of
    the floating-point ops of the loop body times its trip counts; a
    dynamic trip count counts at its static upper bound (the site is then
    flagged), 0 when there is none. Public functions also call
    `seqc_prof_run_begin/end`.
    The ids index `__seqc_prof_table`, an internal global holding each
    site's name (what ran, static shapes, the ONNX node names of its
    location) and its counters; the runtime registers the table the first
    time a hook runs while profiling is on. Disabled, a hook is a call and
    one predictable branch.
  }];
  let options = [
    Option<"label", "label", "std::string", "\"\"",
           "Name of this module's table in the report (generation steps)">,
    Option<"loops", "loops", "bool", "true",
           "Also time loop nests and copies (false: kernels and parallel "
           "regions only)">
  ];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::arith::ArithDialect"];
}

def SeqLowerMoE : Pass<"seq-lower-moe", "::mlir::ModuleOp"> {
  let summary = "Lower seq.moe to seqc_uk_moe calls on its buffers and "
                "seq.moe_gate to softmax/topk";
  let options = [
    Option<"generic", "generic", "bool", "false",
           "Lower seq.moe to the export's gather + batched matmul seq ops "
           "instead of the CPU runtime kernel">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::tensor::TensorDialect"];
}

def SeqLowerQuantMatMul : Pass<"seq-lower-quant-matmul", "::mlir::ModuleOp"> {
  let summary = "Lower seq.quant_matmul to seqc_uk_qgemm calls on its buffers";
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::tensor::TensorDialect"];
}

#endif // SEQC_TARGET_CPU_PASSES
