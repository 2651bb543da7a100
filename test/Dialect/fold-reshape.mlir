// RUN: seq-opt %s --canonicalize --split-input-file | FileCheck %s
// ReshapeOp::fold: identity, reshape of a reshape, and a constant operand
// (folded to a new constant through the dialect's constant materializer).

// CHECK-LABEL: func @constant
// CHECK-NEXT: %[[C:.*]] = arith.constant dense<{{\[}}[1.000000e+00, 2.000000e+00, 3.000000e+00], [4.000000e+00, 5.000000e+00, 6.000000e+00]]> : tensor<2x3xf32>
// CHECK-NEXT: return %[[C]]
func.func @constant() -> tensor<2x3xf32> {
  %c = arith.constant dense<[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]> : tensor<6xf32>
  %r = seq.reshape %c : tensor<6xf32> -> tensor<2x3xf32>
  return %r : tensor<2x3xf32>
}

// -----

// A splat stays a splat.
// CHECK-LABEL: func @splat
// CHECK-NEXT: %[[C:.*]] = arith.constant dense<7> : tensor<3x1x2xi64>
// CHECK-NEXT: return %[[C]]
func.func @splat() -> tensor<3x1x2xi64> {
  %c = arith.constant dense<7> : tensor<6xi64>
  %r = seq.reshape %c : tensor<6xi64> -> tensor<3x1x2xi64>
  return %r : tensor<3x1x2xi64>
}

// -----

// CHECK-LABEL: func @identity
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NEXT: return %[[X]]
func.func @identity(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %r = seq.reshape %x : tensor<2x3xf32> -> tensor<2x3xf32>
  return %r : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func @chain
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NEXT: %[[R:.*]] = seq.reshape %[[X]] : tensor<2x3xf32> -> tensor<3x2xf32>
// CHECK-NEXT: return %[[R]]
func.func @chain(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  %a = seq.reshape %x : tensor<2x3xf32> -> tensor<6xf32>
  %b = seq.reshape %a : tensor<6xf32> -> tensor<3x2xf32>
  return %b : tensor<3x2xf32>
}

// -----

// A dynamic operand is not a constant: nothing to fold.
// CHECK-LABEL: func @not_constant
// CHECK: seq.reshape
func.func @not_constant(%x: tensor<6xf32>) -> tensor<2x3xf32> {
  %r = seq.reshape %x : tensor<6xf32> -> tensor<2x3xf32>
  return %r : tensor<2x3xf32>
}
