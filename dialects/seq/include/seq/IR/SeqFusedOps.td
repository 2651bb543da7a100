//===- SeqFusedOps.td - rope, gelu, swiglu -----------------*- tablegen -*-===//
//
// Sequence-model ops that ONNX-23 imports directly and that seq-raise
// recognizes in the decomposed form older exporters emit. Included from
// SeqOps.td (which provides Seq_Op and the elementwise classes).
//
//===----------------------------------------------------------------------===//

#ifndef SEQ_FUSED_OPS_TD
#define SEQ_FUSED_OPS_TD

def Seq_RopeLayout : I32EnumAttr<"RopeLayout", "rope input layout", [
    I32EnumAttrCase<"bhsd", 0>, I32EnumAttrCase<"bshd", 1>]> {
  let cppNamespace = "::mlir::seq";
}

def Seq_RopeOp : Seq_Op<"rope", [Pure]> {
  let summary = "rotary position embedding (rotate-half or interleaved)";
  let description = [{
    Rotates pairs of the first `rotary_dim` (0: all) channels of the 4-D
    `input` (`layout` names its dims: batch, heads, sequence, head dim D);
    the remaining channels pass through. A pair is (d, d + R/2) for the
    rotate-half form and (2i, 2i + 1) when `interleaved`. For the first
    element `a` of a pair and its partner `b`:

      out[a] = x[a] * cos[a] - x[b] * sin[a]
      out[b] = x[b] * cos[b] + x[a] * sin[b]

    The tables' last dim T is R / 2 ("half" tables, one angle per pair, as
    ONNX RotaryEmbedding: both elements of pair p read entry p) or R ("full"
    tables, as Hugging Face's `x * cos + rotate_half(x) * sin`: channel d
    reads entry d). Without `position_ids` the tables are 4-D in the input's
    layout with each leading dim 1 or the input's; with `position_ids`
    (integer [B or 1, S or 1]) they are [max_position, T] and row
    `position_ids[b, s]` is used (negative ids count from the end).
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$cos,
                       AnyRankedTensor:$sin,
                       Optional<AnyRankedTensor>:$position_ids,
                       UnitAttr:$interleaved,
                       DefaultValuedAttr<I64Attr, "0">:$rotary_dim,
                       DefaultValuedAttr<Seq_RopeLayout,
                                         "::mlir::seq::RopeLayout::bhsd">:$layout);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `,` $cos `,` $sin (`positions` $position_ids^)?
    (`interleaved` $interleaved^)? (`rotary_dim` `=` $rotary_dim^)?
    (`layout` `=` $layout^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Head dim (-1 if dynamic) and rotated channel count R.
    int64_t getHeadDim();
    int64_t getRotaryDimOrHeadDim();
  }];
}

def Seq_GeluApproximation : I32EnumAttr<"GeluApproximation",
    "gelu approximation", [
    I32EnumAttrCase<"none", 0>, I32EnumAttrCase<"tanh", 1>]> {
  let cppNamespace = "::mlir::seq";
}

def Seq_GeluOp : Seq_UnaryOp<"gelu", [{
    Type t = args[0].getType();
    auto c = [&](double v) -> Value {
      return arith::ConstantOp::create(b, loc, b.getFloatAttr(t, v));
    };
    Value x = args[0], inner;
    if (getApproximate() == GeluApproximation::tanh) {
      // tanh(sqrt(2/pi) * (x + 0.044715 x^3))
      Value x3 = arith::MulFOp::create(b, loc,
                                       arith::MulFOp::create(b, loc, x, x), x);
      Value u = arith::AddFOp::create(
          b, loc, x, arith::MulFOp::create(b, loc, x3, c(0.044715)));
      inner = math::TanhOp::create(
          b, loc, arith::MulFOp::create(b, loc, u, c(0.7978845608028654)));
    } else {
      inner = math::ErfOp::create(
          b, loc, arith::MulFOp::create(b, loc, x, c(0.7071067811865476)));
    }
    Value half = arith::MulFOp::create(b, loc, x, c(0.5));
    return arith::MulFOp::create(b, loc, half,
                                 arith::AddFOp::create(b, loc, inner, c(1.0)));
  }]> {
  let summary = "elementwise GELU (exact erf form or tanh approximation)";
  let arguments = (ins RankedTensorOf<[AnyFloat]>:$input,
                       DefaultValuedAttr<Seq_GeluApproximation,
                           "::mlir::seq::GeluApproximation::none">:$approximate);
  let assemblyFormat = [{
    $input (`approximate` `=` $approximate^)? attr-dict `:`
    functional-type(operands, results)
  }];
}

def Seq_SwiGLUOp : Seq_BinaryOp<"swiglu", [{
    Value g = args[0];
    Value silu = arith::MulFOp::create(b, loc, g, buildSigmoid(b, loc, g));
    return arith::MulFOp::create(b, loc, silu, args[1]);
  }]> {
  let summary = "SwiGLU gating: silu(gate) * up with numpy broadcasting";
  let description = [{
    `gate * sigmoid(gate) * up`, the elementwise core of a SwiGLU MLP
    `down(swiglu(x Wg, x Wu))`.
  }];
  let arguments = (ins RankedTensorOf<[AnyFloat]>:$lhs, RankedTensorOf<[AnyFloat]>:$rhs);
}

#endif // SEQ_FUSED_OPS_TD
