//===- SeqIndexingOps.td - einsum, index/scatter, conv ops -*- tablegen -*-===//
//
// Ops whose semantics are index arithmetic rather than elementwise math:
// einsum, arg reductions, top-k, cumulative sums, gather/scatter variants and
// convolution. Included from SeqOps.td so they share its generated files.
//
//===----------------------------------------------------------------------===//

#ifndef SEQ_INDEXING_OPS_TD
#define SEQ_INDEXING_OPS_TD

include "seq/IR/SeqDialect.td"
include "mlir/IR/EnumAttr.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Seq_EinsumOp : Seq_Op<"einsum", [Pure]> {
  let summary = "Einstein summation (ONNX Einsum equation syntax)";
  let description = [{
    `equation` is `"<in0>,<in1>,...->out"` or the implicit form without
    `->` (output = letters used once, alphabetical, after any ellipsis dims).
    A letter repeated within one operand reads its diagonal; `...` stands
    for numpy-broadcast leading dims. Products of all operands are summed
    over the letters absent from the output.
  }];
  let arguments = (ins Variadic<AnyRankedTensor>:$inputs, StrAttr:$equation);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $equation $inputs attr-dict `:` functional-type($inputs, results)
  }];
  let hasVerifier = 1;
}

class Seq_ArgReduceOp<string mnemonic, string what>
    : Seq_Op<mnemonic, [Pure]> {
  let summary = "index of the " # what # " along `axis` (i64 result)";
  let description = [{
    Ties resolve to the first index, or to the last with
    `select_last_index`. `keep_dims` keeps the reduced axis with size 1.
  }];
  let arguments = (ins AnyRankedTensor:$input, Seq_SI64Attr:$axis,
                       UnitAttr:$keep_dims, UnitAttr:$select_last_index);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `axis` `=` $axis (`keep_dims` $keep_dims^)?
    (`select_last_index` $select_last_index^)? attr-dict `:`
    type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Seq_ArgMaxOp : Seq_ArgReduceOp<"argmax", "maximum">;
def Seq_ArgMinOp : Seq_ArgReduceOp<"argmin", "minimum">;

def Seq_TopKOp : Seq_Op<"topk", [Pure]> {
  let summary = "the `k` largest (or smallest) elements along `axis`";
  let description = [{
    Results are sorted (descending for `largest`, ascending otherwise); equal
    values keep the lower index first. `indices` are i64.
  }];
  let arguments = (ins AnyRankedTensor:$input, I64Attr:$k,
                       Seq_SI64Attr:$axis, UnitAttr:$largest);
  let results = (outs AnyRankedTensor:$values, AnyRankedTensor:$indices);
  let assemblyFormat = [{
    $input `k` `=` $k `axis` `=` $axis (`largest` $largest^)? attr-dict `:`
    type($input) `->` type($values) `,` type($indices)
  }];
  let hasVerifier = 1;
}

def Seq_CumSumOp : Seq_Op<"cumsum", [Pure, SameOperandsAndResultType]> {
  let summary = "cumulative sum along `axis` (ONNX CumSum)";
  let arguments = (ins AnyRankedTensor:$input, Seq_SI64Attr:$axis,
                       UnitAttr:$exclusive, UnitAttr:$reverse);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `axis` `=` $axis (`exclusive` $exclusive^)? (`reverse` $reverse^)?
    attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
}

def Seq_GatherElementsOp : Seq_Op<"gather_elements", [Pure]> {
  let summary = "ONNX GatherElements: out[i] = data[i with i[axis] = idx[i]]";
  let arguments = (ins AnyRankedTensor:$data, AnyRankedTensor:$indices,
                       Seq_SI64Attr:$axis);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $data `[` $indices `]` `axis` `=` $axis attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Seq_GatherNDOp : Seq_Op<"gather_nd", [Pure]> {
  let summary = "ONNX GatherND: index tuples in the last dim of `indices`";
  let arguments = (ins AnyRankedTensor:$data, AnyRankedTensor:$indices,
                       DefaultValuedAttr<I64Attr, "0">:$batch_dims);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $data `[` $indices `]` attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Seq_ScatterReduction : I32EnumAttr<"ScatterReduction",
    "how a scattered update combines with the existing element", [
    I32EnumAttrCase<"none", 0>, I32EnumAttrCase<"add", 1>,
    I32EnumAttrCase<"mul", 2>, I32EnumAttrCase<"max", 3>,
    I32EnumAttrCase<"min", 4>]> {
  let cppNamespace = "::mlir::seq";
}

def Seq_ScatterElementsOp : Seq_Op<"scatter_elements", [Pure]> {
  let summary = "ONNX ScatterElements (updates applied in row-major order)";
  let arguments = (ins AnyRankedTensor:$data, AnyRankedTensor:$indices,
                       AnyRankedTensor:$updates, Seq_SI64Attr:$axis,
                       Seq_ScatterReduction:$reduction);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $reduction $data `[` $indices `]` `=` $updates `axis` `=` $axis attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Seq_ScatterNDOp : Seq_Op<"scatter_nd", [Pure]> {
  let summary = "ONNX ScatterND (updates applied in row-major order)";
  let arguments = (ins AnyRankedTensor:$data, AnyRankedTensor:$indices,
                       AnyRankedTensor:$updates,
                       Seq_ScatterReduction:$reduction);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $reduction $data `[` $indices `]` `=` $updates attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Seq_ConvOp : Seq_Op<"conv", [Pure]> {
  let summary = "grouped N-d convolution, NC[spatial] x MC/g[kernel]";
  let description = [{
    ONNX Conv with explicit padding: `pads` holds the begin pads of every
    spatial dim followed by the end pads. `bias`, if present, is [M].
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$weight,
                       Optional<AnyRankedTensor>:$bias,
                       DenseI64ArrayAttr:$strides,
                       DenseI64ArrayAttr:$dilations,
                       DenseI64ArrayAttr:$pads, I64Attr:$group);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? `strides` `=` $strides
    `dilations` `=` $dilations `pads` `=` $pads `group` `=` $group attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

#endif // SEQ_INDEXING_OPS_TD
