//===- SeqQuantOps.td - Quantized weights and the matmuls that read them -*- tablegen -*-===//
//
// Quantized weights and the matmuls that read them. A family with its own generated files
// (SeqQuantOps.h.inc/.cpp.inc, header seq/IR/SeqQuantOps.h), registered by
// SeqDialect::registerQuantOps().
//
//===----------------------------------------------------------------------===//

#ifndef SEQ_QUANT_OPS_TD
#define SEQ_QUANT_OPS_TD

include "seq/IR/SeqDialect.td"
include "mlir/IR/EnumAttr.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Seq_QuantMatMulOp : Seq_Op<"quant_matmul", [Pure]> {
  let summary = "f32 activations times block-quantized int4/int8 weights";
  let description = [{
    `result[..., m, n] = sum_k input[..., m, k] * W[k, n]` with the weight
    stored quantized per output column `n` in blocks of `group` consecutive
    `k` (the layout of com.microsoft::MatMulNBits):

    - `weight`: `[N, G, group * bits / 8]` unsigned bytes, `G = ceil(K /
      group)`; element `k` of column `n` is byte `(k % group) * bits / 8` of
      block `k / group`, in its low nibble first for 4 bits. Padding past K
      is ignored.
    - `scales`: `[N, G]` f32 or f16.
    - `zero_points` (optional, asymmetric): `[N, G]` unsigned, one per byte.
      Without it the quantization is symmetric around `2^(bits-1)`.

    `W[k, n] = (q[n, k] - zp[n, k / group]) * scales[n, k / group]`. The
    weight is never dequantized as a whole: the lowering calls a runtime
    micro-kernel that dequantizes in registers (lib/Runtime/ukernels/qgemm*.c).

    `int8_activations` allows the kernel to quantize the input per row and
    block of `group` k to int8 (scale max|x| / 127) and compute exact integer
    block dot products (MatMulNBits accuracy_level 4; AVX-512 VNNI), on a
    weight the compiler repacks for it when it is a constant.

    `mlas_order` (with `int8_activations`, 4 bits, group 32; set for
    MatMulNBits accuracy_level 4) asks for onnxruntime's MLAS AVX-512 VNNI
    f32 summation order (partial dot products of 8 k per lane, lanes folded
    in MLAS's tree, zero points as a separate sum over blocks), so the
    result equals onnxruntime's bit for bit; same value otherwise.
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$weight,
                       AnyRankedTensor:$scales,
                       Optional<AnyRankedTensor>:$zero_points,
                       I64Attr:$bits, I64Attr:$group,
                       UnitAttr:$int8_activations, UnitAttr:$mlas_order);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight `,` $scales (`,` $zero_points^)? `bits` `=` $bits
    `group` `=` $group attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Reduction size K (the input's last dim) and output columns N.
    int64_t getK();
    int64_t getN();
  }];
}

#endif // SEQ_QUANT_OPS_TD
