//===- Passes.td - seqc conversion passes ------------------*- tablegen -*-===//

#ifndef SEQC_CONVERSION_PASSES
#define SEQC_CONVERSION_PASSES

include "mlir/Pass/PassBase.td"

def SeqToLinalg : Pass<"seq-to-linalg"> {
  let summary = "Lower seq ops to linalg/tensor/arith/math on tensors";
  let description = [{
    Elementwise ops become one linalg.generic each (broadcasting through
    indexing maps, scalar body from ElementwiseOpInterface); matmul and
    attention become Einsum-style generics; reductions, softmax and norms
    become short cascades of generics.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::cf::ControlFlowDialect"];
}

def SeqTileAttention : Pass<"seq-tile-attention"> {
  let summary = "Lower seq.attention to the tiled 1-pass (online softmax) "
                "Einsum cascade";
  let description = [{
    Rewrites the naive 3-pass cascade (QK, max, exp, sum, divide, ·V) into
    the FuseMax / FlashAttention 1-pass cascade: an `scf.forall` over
    (batch, kv head, group, query tile[, K/V part]) around an `scf.for` over
    K/V tiles that carries the running max, the running denominator and the
    unnormalized output, corrected by `exp(m_old - m_new)`. Tile
    contractions are Einsum generics (`qd,dk->qk`, `qk,ke->qe`). K/V tiles
    entirely right of the causal diagonal are not visited. With split-K the
    K/V tiles of a query tile are divided into parts computed in parallel
    and merged with a log-sum-exp. Ops with attributes or operands it does
    not handle are left to `seq-to-linalg` (naive cascade).
  }];
  let options = [
    Option<"blockQ", "block-q", "int64_t", "64",
           "Query rows per tile (0 = all rows)">,
    Option<"blockKv", "block-kv", "int64_t", "64",
           "Keys per K/V tile (0 = one tile: untiled online softmax)">,
    Option<"splitKv", "split-kv", "int64_t", "0",
           "K/V parts per query tile merged by log-sum-exp (0 = auto: only "
           "for a single query tile, 1 = off)">,
    Option<"skipMasked", "skip-masked", "bool", "true",
           "Skip K/V tiles that the causal mask hides entirely">,
    Option<"approxExp", "approx-exp", "bool", "true",
           "Expand the cascade's f32 exp into a vectorizable polynomial">,
    Option<"headLayout", "head-layout", "bool", "true",
           "Read Q/K/V and write the output in the [B, S, H, D] layout that "
           "head-swapping transposes around the op come from">,
    Option<"stackHeads", "stack-heads", "bool", "true",
           "Stack the G query heads of a K/V head into one query tile (GQA)">
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect"];
}

def SeqDistinctResults : Pass<"seq-distinct-results", "::mlir::ModuleOp"> {
  let summary = "Copy results that a function returns more than once";
  let description = [{
    A graph may name one tensor as several outputs; bufferization would then
    return one buffer twice, which buffer-results-to-out-params cannot
    handle. Each repeated return operand becomes a `linalg.copy` into a
    fresh tensor.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def SeqStripSignedness : Pass<"seq-strip-signedness", "::mlir::ModuleOp"> {
  let summary = "Make every integer type signless (after seq-to-linalg)";
  let description = [{
    seq-to-linalg keeps unsigned element types on tensors (the artifact's ABI
    reports them) but computes on signless integers, bridging the two with
    `builtin.unrealized_conversion_cast`. This pass rewrites all types and
    attributes (function signatures, block arguments, constants) to signless
    integers and removes the casts, which have become identities, so that
    bufferization and the LLVM lowering only see signless integers.
  }];
}

def SeqDynamicResults : Pass<"seq-dynamic-results", "::mlir::ModuleOp"> {
  let summary = "Hand dynamically shaped results to the runtime";
  let description = [{
    Runs on memrefs, before buffer-results-to-out-params. The caller cannot
    allocate an output whose shape is only known at run time, so each such
    result of a public function is instead passed (as an unranked memref) to
    the runtime's `seqc_rt_set_output_<elt>(i64 index, memref<*xelt>)`, which
    copies it into a buffer it returns to the caller, and is dropped from
    the function's results. `index` is the result's position among the
    original results. The buffer deallocation pipeline then frees it.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::arith::ArithDialect"];
}

def SeqLowerRuntimeChecks
    : Pass<"seq-lower-runtime-checks", "::mlir::ModuleOp"> {
  let summary = "Turn cf.assert run-time shape checks into runtime calls";
  let description = [{
    Each `cf.assert %cond, "message"` (emitted by seq-to-linalg where a
    dynamic dim must equal another) becomes
    `scf.if (not %cond) { func.call @seqc_rt_check_failed(id) }`. The
    runtime function longjmps back into seqc_run, which fails with the
    message: the pass appends `check <id> <percent-encoded message>` to the
    module's `seq.abi_desc` (when present) and lists the messages in the
    `seq.runtime_checks` module attribute. Static models have no asserts.
  }];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect"];
}

def SeqEmitCEntryPoint : Pass<"seq-emit-c-entry-point", "::mlir::ModuleOp"> {
  let summary = "Emit the artifact's C entry point and model description";
  let description = [{
    Runs on the LLVM-dialect module. Adds `seqc_model_entry(void **args)`,
    which forwards the array of memref-descriptor pointers to
    `_mlir_ciface_main`, and the `seqc_model_desc` string the runtime parses,
    taken from the module's `seq.abi_desc` attribute.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

#endif // SEQC_CONVERSION_PASSES
