// RUN: seq-opt %s --split-input-file --seq-to-linalg | FileCheck %s

// Casts to 8-/4-bit floats round |x| (as f32) to the format's quantum with
// roundeven and assemble the bit pattern in i32 arithmetic; with
// saturate = false, FLOAT8E4M3FN overflows to NaN (0x7f).
// CHECK-LABEL: func @to_f8
// CHECK-DAG: %[[NAN:.*]] = arith.constant 127 : i32
// CHECK-DAG: %[[MAX:.*]] = arith.constant 4.480000e+02 : f32
// CHECK: linalg.generic
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: math.roundeven
// CHECK: arith.cmpf ogt, %{{.*}}, %[[MAX]] : f32
// CHECK: arith.select %{{.*}}, %[[NAN]], %{{.*}} : i32
// CHECK: %[[T:.*]] = arith.trunci %{{.*}} : i32 to i8
// CHECK: arith.bitcast %[[T]] : i8 to f8E4M3FN
// CHECK-NOT: func.call
func.func @to_f8(%a: tensor<4xf16>) -> tensor<4xf8E4M3FN> {
  %0 = seq.cast %a {saturate = false} : tensor<4xf16> to tensor<4xf8E4M3FN>
  return %0 : tensor<4xf8E4M3FN>
}

// -----

// Casts from them read a table of all bit patterns.
// CHECK-LABEL: func @from_f4
// CHECK: %[[TAB:.*]] = arith.constant dense<[0.000000e+00, 5.000000e-01, 1.000000e+00, 1.500000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00, 6.000000e+00, -0.000000e+00, -5.000000e-01, {{.*}}]> : tensor<16xf32>
// CHECK: linalg.generic
// CHECK: %[[I:.*]] = arith.bitcast %{{.*}} : f4E2M1FN to i4
// CHECK: %[[X:.*]] = arith.index_castui %[[I]] : i4 to index
// CHECK: %[[F:.*]] = tensor.extract %[[TAB]][%[[X]]] : tensor<16xf32>
// CHECK: arith.truncf %[[F]] : f32 to f16
func.func @from_f4(%a: tensor<4xf4E2M1FN>) -> tensor<4xf16> {
  %0 = seq.cast %a : tensor<4xf4E2M1FN> to tensor<4xf16>
  return %0 : tensor<4xf16>
}
