//===- SeqDialect.td - seq dialect definition --------------*- tablegen -*-===//
//
// The `seq` dialect: graph-level tensor ops for sequence models. Generic
// numpy-style elementwise/shape ops live next to the sequence-model ops
// (attention, norms, ...) so that the raising patterns and the cascade
// lowering all work on one dialect.
//
//===----------------------------------------------------------------------===//

#ifndef SEQ_DIALECT_TD
#define SEQ_DIALECT_TD

include "mlir/IR/OpBase.td"

def Seq_Dialect : Dialect {
  let name = "seq";
  let summary = "Sequence-model tensor dialect (attention, norms, scans, MoE).";
  let description = [{
    Value-semantics ops on ranked tensors. Elementwise ops broadcast with numpy
    (ONNX multidirectional) rules. Sequence-model ops carry their semantics as
    attributes (heads, scale, causal masking, ...) so that one op serves every
    exporter's spelling of the same computation.
  }];
  let cppNamespace = "::mlir::seq";
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::tensor::TensorDialect"];
  // Folds that produce attributes become arith.constant.
  let hasConstantMaterializer = 1;
  // Op families with their own .td and generated files (Seq<Family>Ops.td),
  // so that changing one family rebuilds only its users.
  let extraClassDeclaration = [{
    void registerMoEOps();
    void registerKVCacheOps();
    void registerQuantOps();
  }];
}

class Seq_Op<string mnemonic, list<Trait> traits = []>
    : Op<Seq_Dialect, mnemonic, traits>;

// Axes and positions that may be negative (an axis counting from the end,
// -1 for "no window"): a signed attribute, so that getters return int64_t
// and `seq-opt` prints `: si64` in attribute dictionaries. The builder call
// lets ODS generate builders and setters taking int64_t.
def Seq_SI64Attr : TypedSignedIntegerAttrBase<SI64, "int64_t",
                                              "64-bit signed integer attribute"> {
  let constBuilderCall = "::mlir::seq::getSI64Attr($_builder, $0)";
}

#endif // SEQ_DIALECT_TD
