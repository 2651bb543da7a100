//===- SeqOps.td - seq dialect operations ------------------*- tablegen -*-===//

#ifndef SEQ_OPS_TD
#define SEQ_OPS_TD

include "seq/IR/SeqDialect.td"
include "seq/IR/SeqInterfaces.td"
include "mlir/IR/EnumAttr.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Elementwise ops (numpy broadcasting).
//===----------------------------------------------------------------------===//

// Every elementwise op: its scalar semantics (`scalar`, C++ returning the
// result element from `args`) and a result type inferred by broadcasting.
// `resultElt` names the result element type: "" keeps the first operand's.
class Seq_ElementwiseOp<string mnemonic, string scalar, string resultElt,
                        list<Trait> traits = []>
    : Seq_Op<mnemonic, traits # [Pure,
        DeclareOpInterfaceMethods<Seq_ElementwiseOpInterface>,
        DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat =
      "operands attr-dict `:` functional-type(operands, results)";
  // Constant operands fold on the host (SeqFolds.cpp).
  let hasFolder = 1;
  let extraClassDefinition = [{
    ::mlir::OpFoldResult $cppClass::fold(FoldAdaptor adaptor) {
      return foldElementwise(getOperation(), adaptor.getOperands());
    }
    ::mlir::Value $cppClass::buildScalar(::mlir::OpBuilder &b,
        ::mlir::Location loc, ::mlir::ValueRange args,
        ::mlir::Type resultType) {
      }] # scalar # [{
    }
    ::llvm::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *ctx, ::std::optional<::mlir::Location> loc,
        ::mlir::ValueRange operands, ::mlir::DictionaryAttr,
        ::mlir::OpaqueProperties, ::mlir::RegionRange,
        ::llvm::SmallVectorImpl<::mlir::Type> &inferred) {
      return inferElementwiseResult(ctx, loc, operands, "}] # resultElt #
        [{", inferred);
    }
  }];
}

class Seq_UnaryOp<string mnemonic, string scalar, list<Trait> traits = []>
    : Seq_ElementwiseOp<mnemonic, scalar, "", traits> {
  let summary = "elementwise " # mnemonic;
  let arguments = (ins AnyRankedTensor:$input);
}

class Seq_BinaryOp<string mnemonic, string scalar, string resultElt = "",
                   list<Trait> traits = []>
    : Seq_ElementwiseOp<mnemonic, scalar, resultElt, traits> {
  let summary = "elementwise " # mnemonic # " with numpy broadcasting";
  let arguments = (ins AnyRankedTensor:$lhs, AnyRankedTensor:$rhs);
}

// Arithmetic: float, signed and unsigned integer spellings of the same scalar
// op (`uop` for unsigned element types, where the semantics differ).
class Seq_ArithOp<string mnemonic, string fop, string iop, string uop = iop,
                  list<Trait> traits = []>
    : Seq_BinaryOp<mnemonic, "return buildFloatOrInt<" # fop # ", " # iop #
                   ", " # uop # ">(b, loc, args, isUnsignedElementwise(*this));",
                   "", traits>;

def Seq_AddOp : Seq_ArithOp<"add", "arith::AddFOp", "arith::AddIOp", "arith::AddIOp", [Commutative]>;
def Seq_SubOp : Seq_ArithOp<"sub", "arith::SubFOp", "arith::SubIOp">;
def Seq_MulOp : Seq_ArithOp<"mul", "arith::MulFOp", "arith::MulIOp", "arith::MulIOp", [Commutative]>;
def Seq_DivOp : Seq_ArithOp<"div", "arith::DivFOp", "arith::DivSIOp", "arith::DivUIOp">;
def Seq_MaxOp : Seq_ArithOp<"max", "arith::MaximumFOp", "arith::MaxSIOp", "arith::MaxUIOp", [Commutative]>;
def Seq_MinOp : Seq_ArithOp<"min", "arith::MinimumFOp", "arith::MinSIOp", "arith::MinUIOp", [Commutative]>;
// Remainder with the sign of the dividend (C fmod / ONNX Mod fmod=1).
def Seq_RemOp : Seq_ArithOp<"rem", "arith::RemFOp", "arith::RemSIOp", "arith::RemUIOp">;
def Seq_PowOp : Seq_BinaryOp<"pow", "return buildPow(b, loc, args, resultType);">;
def Seq_AndOp : Seq_BinaryOp<"and", "return arith::AndIOp::create(b, loc, args[0], args[1]);", "", [Commutative]>;
def Seq_OrOp : Seq_BinaryOp<"or", "return arith::OrIOp::create(b, loc, args[0], args[1]);", "", [Commutative]>;
def Seq_XorOp : Seq_BinaryOp<"xor", "return arith::XOrIOp::create(b, loc, args[0], args[1]);", "", [Commutative]>;

// Comparisons produce i1 (`upred` for unsigned operands).
class Seq_CompareOp<string mnemonic, string fpred, string ipred, string upred>
    : Seq_BinaryOp<mnemonic, "return buildCompare(b, loc, args, arith::CmpFPredicate::" #
                   fpred # ", isUnsignedElementwise(*this) ? arith::CmpIPredicate::" #
                   upred # " : arith::CmpIPredicate::" # ipred # ");", "i1">;
def Seq_EqualOp : Seq_CompareOp<"equal", "OEQ", "eq", "eq">;
def Seq_LessOp : Seq_CompareOp<"less", "OLT", "slt", "ult">;
def Seq_LessEqualOp : Seq_CompareOp<"less_equal", "OLE", "sle", "ule">;
def Seq_GreaterOp : Seq_CompareOp<"greater", "OGT", "sgt", "ugt">;
def Seq_GreaterEqualOp : Seq_CompareOp<"greater_equal", "OGE", "sge", "uge">;

def Seq_NegOp : Seq_UnaryOp<"neg", "return buildNeg(b, loc, args[0]);">;
def Seq_AbsOp : Seq_UnaryOp<"abs", "return isUnsignedElementwise(*this) ? args[0] : buildFloatOrInt<math::AbsFOp, math::AbsIOp, math::AbsIOp>(b, loc, args, false);">;
def Seq_ExpOp : Seq_UnaryOp<"exp", "return math::ExpOp::create(b, loc, args[0]);">;
def Seq_LogOp : Seq_UnaryOp<"log", "return math::LogOp::create(b, loc, args[0]);">;
def Seq_SqrtOp : Seq_UnaryOp<"sqrt", "return math::SqrtOp::create(b, loc, args[0]);">;
def Seq_TanhOp : Seq_UnaryOp<"tanh", "return math::TanhOp::create(b, loc, args[0]);">;
def Seq_ErfOp : Seq_UnaryOp<"erf", "return math::ErfOp::create(b, loc, args[0]);">;
def Seq_RoundOp : Seq_UnaryOp<"round", "return math::RoundEvenOp::create(b, loc, args[0]);"> {
  let summary = "elementwise round to nearest integer, ties to even";
}
// Trigonometric and hyperbolic functions (math dialect; libm on the CPU).
def Seq_SinOp : Seq_UnaryOp<"sin", "return math::SinOp::create(b, loc, args[0]);">;
def Seq_CosOp : Seq_UnaryOp<"cos", "return math::CosOp::create(b, loc, args[0]);">;
def Seq_TanOp : Seq_UnaryOp<"tan", "return math::TanOp::create(b, loc, args[0]);">;
def Seq_AsinOp : Seq_UnaryOp<"asin", "return math::AsinOp::create(b, loc, args[0]);">;
def Seq_AcosOp : Seq_UnaryOp<"acos", "return math::AcosOp::create(b, loc, args[0]);">;
def Seq_AtanOp : Seq_UnaryOp<"atan", "return math::AtanOp::create(b, loc, args[0]);">;
def Seq_SinhOp : Seq_UnaryOp<"sinh", "return math::SinhOp::create(b, loc, args[0]);">;
def Seq_CoshOp : Seq_UnaryOp<"cosh", "return math::CoshOp::create(b, loc, args[0]);">;
def Seq_AsinhOp : Seq_UnaryOp<"asinh", "return math::AsinhOp::create(b, loc, args[0]);">;
def Seq_AcoshOp : Seq_UnaryOp<"acosh", "return math::AcoshOp::create(b, loc, args[0]);">;
def Seq_AtanhOp : Seq_UnaryOp<"atanh", "return math::AtanhOp::create(b, loc, args[0]);">;
// Bit shifts (ONNX BitShift): right shifts of signed integers are
// arithmetic; a negative shift or one by the bit width or more leaves only
// the sign fill (-1 for a right shift of a negative signed value, else 0).
def Seq_ShiftLeftOp : Seq_BinaryOp<"shift_left", "return buildShift(b, loc, args, /*left=*/true, isUnsignedElementwise(*this));">;
def Seq_ShiftRightOp : Seq_BinaryOp<"shift_right", "return buildShift(b, loc, args, /*left=*/false, isUnsignedElementwise(*this));">;
def Seq_FloorOp : Seq_UnaryOp<"floor", "return math::FloorOp::create(b, loc, args[0]);">;
def Seq_CeilOp : Seq_UnaryOp<"ceil", "return math::CeilOp::create(b, loc, args[0]);">;
def Seq_ReciprocalOp : Seq_UnaryOp<"reciprocal", "return buildReciprocal(b, loc, args[0]);">;
def Seq_SigmoidOp : Seq_UnaryOp<"sigmoid", "return buildSigmoid(b, loc, args[0]);">;
def Seq_NotOp : Seq_UnaryOp<"not", "return buildNot(b, loc, args[0]);">;
def Seq_IsNaNOp : Seq_ElementwiseOp<"is_nan",
    "return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, args[0], args[0]);", "i1"> {
  let summary = "elementwise NaN test";
  let arguments = (ins AnyRankedTensor:$input);
}

def Seq_SelectOp : Seq_ElementwiseOp<"select",
    "return arith::SelectOp::create(b, loc, args[0], args[1], args[2]);", "rhs"> {
  let summary = "elementwise `cond ? lhs : rhs` with numpy broadcasting";
  let arguments = (ins AnyRankedTensor:$cond, AnyRankedTensor:$lhs,
                       AnyRankedTensor:$rhs);
  let hasVerifier = 1;
}

def Seq_CastOp : Seq_Op<"cast", [Pure, SameOperandsAndResultShape,
    DeclareOpInterfaceMethods<Seq_ElementwiseOpInterface>]> {
  let summary = "elementwise element-type conversion (ONNX Cast semantics)";
  let description = [{
    Integers wrap, float -> integer truncates toward zero; unsigned element
    types convert as unsigned. `saturate` applies to 8-bit float results:
    out-of-range values become the largest finite value instead of
    infinity/NaN.
  }];
  let arguments = (ins AnyRankedTensor:$input,
                       DefaultValuedAttr<BoolAttr, "true">:$saturate);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasFolder = 1;
}

def Seq_BitcastOp : Seq_Op<"bitcast", [Pure, SameOperandsAndResultShape,
    DeclareOpInterfaceMethods<Seq_ElementwiseOpInterface>]> {
  let summary = "elementwise reinterpretation of the bits (ONNX BitCast)";
  let description = [{
    The input and result element types have the same bit width; each element
    keeps its bit pattern.
  }];
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Linear algebra and shape ops.
//===----------------------------------------------------------------------===//

def Seq_MatMulOp : Seq_Op<"matmul", [Pure,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "numpy matmul: [..., M, K] x [..., K, N] -> [..., M, N]";
  let description = [{
    Both operands have rank >= 2; leading (batch) dimensions broadcast.
  }];
  let arguments = (ins AnyRankedTensor:$lhs, AnyRankedTensor:$rhs);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat =
      "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}

def Seq_TransposeOp : Seq_Op<"transpose", [Pure]> {
  let summary = "permutes dimensions: result dim i is input dim perm[i]";
  let arguments = (ins AnyRankedTensor:$input, DenseI64ArrayAttr:$permutation);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input $permutation attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Seq_ReshapeOp : Seq_Op<"reshape", [Pure]> {
  let summary = "row-major reshape to the (static) result type";
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Seq_BroadcastOp : Seq_Op<"broadcast", [Pure]> {
  let summary = "numpy broadcast to the result shape (ONNX Expand)";
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Seq_GatherOp : Seq_Op<"gather", [Pure]> {
  let summary = "ONNX Gather: index `data` along `axis` (negative indices wrap)";
  let arguments = (ins AnyRankedTensor:$data, AnyRankedTensor:$indices,
                       Seq_SI64Attr:$axis);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $data `[` $indices `]` `axis` `=` $axis attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Seq_ReduceKind : I32EnumAttr<"ReduceKind", "reduction combiner", [
    I32EnumAttrCase<"sum", 0>, I32EnumAttrCase<"mean", 1>,
    I32EnumAttrCase<"max", 2>, I32EnumAttrCase<"min", 3>,
    I32EnumAttrCase<"prod", 4>]> {
  let cppNamespace = "::mlir::seq";
}

def Seq_ReduceOp : Seq_Op<"reduce", [Pure]> {
  let summary = "reduction over `axes` (kept as size-1 dims if keep_dims)";
  let arguments = (ins AnyRankedTensor:$input, Seq_ReduceKind:$kind,
                       DenseI64ArrayAttr:$axes, UnitAttr:$keep_dims);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $kind $input `axes` `=` $axes (`keep_dims` $keep_dims^)? attr-dict `:`
    type($input) `->` type($result)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Sequence-model ops.
//===----------------------------------------------------------------------===//

def Seq_SoftmaxOp : Seq_Op<"softmax", [Pure, SameOperandsAndResultType]> {
  let summary = "softmax (or log-softmax) along `axis`";
  let arguments = (ins AnyRankedTensor:$input, Seq_SI64Attr:$axis,
                       UnitAttr:$log);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat =
      "$input `axis` `=` $axis (`log` $log^)? attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Seq_LayerNormOp : Seq_Op<"layer_norm", [Pure]> {
  let summary = "layer normalization over dims [axis, rank)";
  let description = [{
    `(x - mean) / sqrt(var + epsilon) * scale + bias`, statistics over the
    trailing dims starting at `axis`. `scale`/`bias` broadcast to those dims.
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$scale,
                       Optional<AnyRankedTensor>:$bias, Seq_SI64Attr:$axis,
                       F32Attr:$epsilon);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `,` $scale (`,` $bias^)? `axis` `=` $axis `epsilon` `=` $epsilon
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Seq_RMSNormOp : Seq_Op<"rms_norm", [Pure]> {
  let summary = "RMS normalization over dims [axis, rank)";
  let description = [{
    `x / sqrt(mean(x^2) + epsilon) * scale`, the mean over the trailing dims
    starting at `axis`.
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$scale,
                       Seq_SI64Attr:$axis, F32Attr:$epsilon);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `,` $scale `axis` `=` $axis `epsilon` `=` $epsilon attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Seq_AttentionOp : Seq_Op<"attention", [RecursiveMemoryEffects,
    RecursivelySpeculatable, AttrSizedOperandSegments]> {
  let summary = "scaled dot-product attention (MHA / GQA / MQA)";
  let description = [{
    `softmax(scale * Q Kᵀ + mask) V` per head. Q is [B, Hq, Sq, D], K is
    [B, Hkv, Skv, D], V is [B, Hkv, Skv, Dv] with Hq a multiple of Hkv
    (query head h reads kv head h / (Hq / Hkv)). The optional mask
    broadcasts to [B, Hq, Sq, Skv]: i1 masks keep `true` positions, float
    masks are added to the scores. `softcap` > 0 applies
    `softcap * tanh(s / softcap)` before masking.

    Positional masks (ONNX Attention-23/24/25 semantics). Query i sits at
    absolute position `p = i + offset`, where `offset` is `query_offset`
    (the number of cached keys before this query block; 0 = top-left
    aligned) or, when `kv_seqlen` is given, `kv_seqlen[b] - Sq` per batch
    (bottom-right aligned on the valid keys; `query_offset` must then be 0):
      * `causal`: key j is allowed iff `j <= p`;
      * `window_left` >= 0: allowed iff `p - j <= window_left`;
      * `window_right` >= 0: allowed iff `j - p <= window_right`
        (-1 leaves that side of the sliding window unbounded);
      * `kv_seqlen` (1-D integer [B]): keys `j >= kv_seqlen[b]` are padding.
    A query row with no allowed key yields probabilities (and output) 0.

    `scores_mode` (present iff the optional `scores` result is) exposes the
    [B, Hq, Sq, Skv] scores at one stage: 0 = `scale * Q Kᵀ`, 1 = after
    softcap, 2 = after softcap and all masks (masked = -inf or mask added),
    3 = softmax probabilities.

    `softmax_precision` (optional float type) is the type the scores,
    softmax and P V are computed in, cast back to the result type at the
    end; without it, half types compute in f32 and wider types in their own
    type (`getSoftmaxType()`).

    Modifier regions (ONNX FlexAttention): the optional single-block
    `score_mod` and `prob_mod` regions each take one block argument, the
    [B, Hq, Sq, Skv] tensor of the softmax type, and end in `seq.yield` of a
    tensor of that same type. `score_mod` rewrites the scores after scale,
    softcap and masks (masked = -inf), before the softmax; `prob_mod`
    rewrites the probabilities before P V. They are ordinary seq ops and may
    use values defined above the op. Neither combines with the `scores`
    result.

    ```mlir
    %y = seq.attention %q, %k, %v scale = 0.5 : (...) -> tensor<1x2x3x4xf32>
        score_mod {
    ^bb0(%s: tensor<1x2x3x3xf32>):
      %t = seq.tanh %s : (tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
      seq.yield %t : tensor<1x2x3x3xf32>
    }
    ```
  }];
  let arguments = (ins AnyRankedTensor:$query, AnyRankedTensor:$key,
                       AnyRankedTensor:$value, Optional<AnyRankedTensor>:$mask,
                       Optional<AnyRankedTensor>:$kv_seqlen,
                       F32Attr:$scale, UnitAttr:$causal,
                       DefaultValuedAttr<F32Attr, "0.0f">:$softcap,
                       DefaultValuedAttr<Seq_SI64Attr, "0">:$query_offset,
                       DefaultValuedAttr<Seq_SI64Attr, "-1">:$window_left,
                       DefaultValuedAttr<Seq_SI64Attr, "-1">:$window_right,
                       OptionalAttr<I64Attr>:$scores_mode,
                       OptionalAttr<TypeAttrOf<AnyFloat>>:$softmax_precision);
  let results = (outs AnyRankedTensor:$result,
                      Optional<AnyRankedTensor>:$scores);
  let regions = (region MaxSizedRegion<1>:$score_mod,
                        MaxSizedRegion<1>:$prob_mod);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`mask` $mask^)? (`kv_seqlen` $kv_seqlen^)?
    `scale` `=` $scale (`causal` $causal^)?
    (`softmax_precision` `=` $softmax_precision^)? attr-dict `:`
    functional-type(operands, results)
    (`score_mod` $score_mod^)? (`prob_mod` $prob_mod^)?
  }];
  let builders = [
    // The plain form (no positional extras, no scores result).
    OpBuilder<(ins "Type":$result, "Value":$query, "Value":$key,
                   "Value":$value, "Value":$mask, "FloatAttr":$scale,
                   "UnitAttr":$causal, "FloatAttr":$softcap), [{
      build($_builder, $_state, result, /*scores=*/Type(), query, key, value,
            mask, /*kv_seqlen=*/Value(), scale, causal, softcap,
            /*query_offset=*/nullptr, /*window_left=*/nullptr,
            /*window_right=*/nullptr, /*scores_mode=*/nullptr,
            /*softmax_precision=*/nullptr);
    }]>
  ];
  let extraClassDeclaration = [{
    /// True when only the plain features are used (no kv_seqlen, offset,
    /// window, scores result, softmax_precision or modifier regions): what
    /// simple lowerings can handle.
    bool isPlain() {
      return !getKvSeqlen() && getQueryOffset() == 0 &&
             getWindowLeft() < 0 && getWindowRight() < 0 &&
             !getScores() && !getSoftmaxPrecision() && !hasModifiers();
    }
    /// True when a score_mod or prob_mod region is present.
    bool hasModifiers() {
      return !getScoreMod().empty() || !getProbMod().empty();
    }
    /// The element type of the scores, softmax and P V: softmax_precision,
    /// else f32 for half types and the query type otherwise.
    ::mlir::Type getSoftmaxType();
    /// The [B, Hq, Sq, Skv] scores type in the softmax type (the modifier
    /// regions' argument and yield type).
    ::mlir::RankedTensorType getModifierType();
  private:
    ::llvm::LogicalResult verifyPositionalAndScores();
  public:
  }];
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
}

include "seq/IR/SeqScanOps.td"
include "seq/IR/SeqFusedOps.td"
include "seq/IR/SeqIndexingOps.td"
include "seq/IR/SeqRecurrenceOps.td"
include "seq/IR/SeqResizeOps.td"

#endif // SEQ_OPS_TD
