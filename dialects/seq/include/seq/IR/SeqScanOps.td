//===- SeqScanOps.td - seq.scan and seq.yield --------------*- tablegen -*-===//
//
// Linear recurrences (RNN/LSTM/GRU cells, state-space scans, ONNX Scan) as
// one structured op: the loop-carried state and the per-step slicing and
// stacking are explicit, the step itself is a region of ordinary seq ops.
//
//===----------------------------------------------------------------------===//

#ifndef SEQ_SCAN_OPS_TD
#define SEQ_SCAN_OPS_TD

include "seq/IR/SeqDialect.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Seq_ScanOp : Seq_Op<"scan", [RecursiveMemoryEffects,
    AttrSizedOperandSegments, SingleBlock]> {
  let summary = "recurrence over a sequence axis with loop-carried state";
  let description = [{
    Runs the body once per step t in [0, T). The body block's arguments are
    the current states (one per `inits` operand, of the same type) followed by
    one slice per scanned input: `inputs[j]` indexed at step t along
    `input_axes[j]` (that dim dropped), read from the end when
    `input_reverse[j]`. All scanned inputs have the same length T along
    their axes.

    The body ends in `seq.yield` of the new states followed by the per-step
    outputs. The op's results are the final states (the inits when T = 0)
    followed by the per-step outputs stacked along `output_axes[k]`, step t
    written at position t (or T-1-t when `output_reverse[k]`).

    ```mlir
    %h, %ys = seq.scan inits(%h0 : tensor<2x4xf32>)
        inputs(%xs : tensor<5x2x4xf32>)
        input_axes = [0] input_reverse = [false]
        output_axes = [0] output_reverse = [false]
        -> (tensor<2x4xf32>, tensor<5x2x4xf32>) {
    ^bb0(%hp: tensor<2x4xf32>, %x: tensor<2x4xf32>):
      %s = seq.add %hp, %x : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
      seq.yield %s, %s : tensor<2x4xf32>, tensor<2x4xf32>
    }
    ```

    The body may use values defined above the op (weights).
  }];
  let arguments = (ins Variadic<AnyRankedTensor>:$inits,
                       Variadic<AnyRankedTensor>:$inputs,
                       DenseI64ArrayAttr:$input_axes,
                       DenseBoolArrayAttr:$input_reverse,
                       DenseI64ArrayAttr:$output_axes,
                       DenseBoolArrayAttr:$output_reverse);
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    (`inits` `(` $inits^ `:` type($inits) `)`)?
    (`inputs` `(` $inputs^ `:` type($inputs) `)`)?
    `input_axes` `=` $input_axes `input_reverse` `=` $input_reverse
    `output_axes` `=` $output_axes `output_reverse` `=` $output_reverse
    attr-dict `->` `(` type($results) `)` $body
  }];
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    /// Number of loop-carried states (= leading results).
    unsigned getNumStates() { return getInits().size(); }
    /// Number of stacked per-step outputs (= trailing results).
    unsigned getNumScanOutputs() { return getResults().size() - getNumStates(); }
    ::mlir::ResultRange getFinalStates() {
      return getResults().take_front(getNumStates());
    }
    ::mlir::ResultRange getScanOutputs() {
      return getResults().drop_front(getNumStates());
    }
    /// The slice type of scanned input `j`: its type without the scan axis.
    ::mlir::RankedTensorType getSliceType(unsigned j);
  }];
}

def Seq_YieldOp : Seq_Op<"yield", [Pure, Terminator,
    ParentOneOf<["ScanOp", "AttentionOp"]>]> {
  let summary = "ends a seq.scan step (new states, then per-step outputs) "
                # "or a seq.attention modifier region (the modified tensor)";
  let arguments = (ins Variadic<AnyRankedTensor>:$values);
  let assemblyFormat = "($values^ `:` type($values))? attr-dict";
}

#endif // SEQ_SCAN_OPS_TD
