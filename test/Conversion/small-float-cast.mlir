// RUN: seq-opt %s --split-input-file --seq-to-linalg | FileCheck %s

// Casts to and from 8-/4-bit floats call the runtime's converters with the
// ONNX data type code (17 = FLOAT8E4M3FN, 23 = FLOAT4E2M1) and `saturate`.
// CHECK-DAG: func.func private @seqc_f32_to_small_float(f32, i32, i32) -> i8
// CHECK-DAG: func.func private @seqc_small_float_to_f32(i8, i32) -> f32
// CHECK-LABEL: func @to_f8
// CHECK: linalg.generic
// CHECK: %[[X:.*]] = arith.extf %{{.*}} : f16 to f32
// CHECK: %[[B:.*]] = func.call @seqc_f32_to_small_float(%[[X]], %c17_i32, %c0_i32)
// CHECK: arith.bitcast %[[B]] : i8 to f8E4M3FN
func.func @to_f8(%a: tensor<4xf16>) -> tensor<4xf8E4M3FN> {
  %0 = seq.cast %a {saturate = false} : tensor<4xf16> to tensor<4xf8E4M3FN>
  return %0 : tensor<4xf8E4M3FN>
}

// -----

// CHECK-LABEL: func @from_f4
// CHECK: %[[I:.*]] = arith.bitcast %{{.*}} : f4E2M1FN to i4
// CHECK: %[[W:.*]] = arith.extui %[[I]] : i4 to i8
// CHECK: %[[F:.*]] = func.call @seqc_small_float_to_f32(%[[W]], %c23_i32)
// CHECK: arith.truncf %[[F]] : f32 to f16
func.func @from_f4(%a: tensor<4xf4E2M1FN>) -> tensor<4xf16> {
  %0 = seq.cast %a : tensor<4xf4E2M1FN> to tensor<4xf16>
  return %0 : tensor<4xf16>
}
