// RUN: seq-opt %s --split-input-file --seq-raise | FileCheck %s

// The torch export: x * reciprocal(sqrt(mean(x * x) + eps)), times the weight.
// CHECK-LABEL: func @rms_norm_reciprocal
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x8xf32>, %[[W:.*]]: tensor<8xf32>)
// CHECK: %[[R:.*]] = seq.rms_norm %[[X]], %[[W]] axis = 2 epsilon = 9.99999997E-7
// CHECK-NOT: seq.
// CHECK: return %[[R]]
func.func @rms_norm_reciprocal(%x: tensor<2x3x8xf32>, %w: tensor<8xf32>) -> tensor<2x3x8xf32> {
  %eps = arith.constant dense<9.99999997E-7> : tensor<f32>
  %0 = seq.mul %x, %x : (tensor<2x3x8xf32>, tensor<2x3x8xf32>) -> tensor<2x3x8xf32>
  %1 = seq.reduce mean %0 axes = [2] keep_dims : tensor<2x3x8xf32> -> tensor<2x3x1xf32>
  %2 = seq.add %1, %eps : (tensor<2x3x1xf32>, tensor<f32>) -> tensor<2x3x1xf32>
  %3 = seq.sqrt %2 : (tensor<2x3x1xf32>) -> tensor<2x3x1xf32>
  %4 = seq.reciprocal %3 : (tensor<2x3x1xf32>) -> tensor<2x3x1xf32>
  %5 = seq.mul %x, %4 : (tensor<2x3x8xf32>, tensor<2x3x1xf32>) -> tensor<2x3x8xf32>
  %6 = seq.mul %w, %5 : (tensor<8xf32>, tensor<2x3x8xf32>) -> tensor<2x3x8xf32>
  return %6 : tensor<2x3x8xf32>
}

// -----

// Div form, pow(x, 2), eps on the left, negative axis, no weight: the scale
// is ones.
// CHECK-LABEL: func @rms_norm_div_pow
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>)
// CHECK: %[[ONES:.*]] = arith.constant dense<1.000000e+00> : tensor<8xf32>
// CHECK: %[[R:.*]] = seq.rms_norm %[[X]], %[[ONES]] axis = 1 epsilon = 9.99999974E-6
// CHECK-NOT: seq.
// CHECK: return %[[R]]
func.func @rms_norm_div_pow(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %two = arith.constant dense<2.0> : tensor<f32>
  %eps = arith.constant dense<1.0e-5> : tensor<1xf32>
  %0 = seq.pow %x, %two : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %1 = seq.reduce mean %0 axes = [-1] keep_dims : tensor<4x8xf32> -> tensor<4x1xf32>
  %2 = seq.add %eps, %1 : (tensor<1xf32>, tensor<4x1xf32>) -> tensor<4x1xf32>
  %3 = seq.sqrt %2 : (tensor<4x1xf32>) -> tensor<4x1xf32>
  %4 = seq.div %x, %3 : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  return %4 : tensor<4x8xf32>
}

// -----

// A weight that varies along other dims stays a separate multiply.
// CHECK-LABEL: func @rms_norm_2d_weight
// CHECK: %[[R:.*]] = seq.rms_norm
// CHECK: seq.mul %[[R]]
func.func @rms_norm_2d_weight(%x: tensor<4x8xf32>, %w: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %eps = arith.constant dense<1.0e-5> : tensor<f32>
  %0 = seq.mul %x, %x : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %1 = seq.reduce mean %0 axes = [1] keep_dims : tensor<4x8xf32> -> tensor<4x1xf32>
  %2 = seq.add %1, %eps : (tensor<4x1xf32>, tensor<f32>) -> tensor<4x1xf32>
  %3 = seq.sqrt %2 : (tensor<4x1xf32>) -> tensor<4x1xf32>
  %4 = seq.div %x, %3 : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  %5 = seq.mul %4, %w : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %5 : tensor<4x8xf32>
}

// -----

// Negative: epsilon is not a constant splat.
// CHECK-LABEL: func @no_rms_norm_eps_not_splat
// CHECK-NOT: seq.rms_norm
func.func @no_rms_norm_eps_not_splat(%x: tensor<4x8xf32>, %eps: tensor<f32>) -> tensor<4x8xf32> {
  %0 = seq.mul %x, %x : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %1 = seq.reduce mean %0 axes = [1] keep_dims : tensor<4x8xf32> -> tensor<4x1xf32>
  %2 = seq.add %1, %eps : (tensor<4x1xf32>, tensor<f32>) -> tensor<4x1xf32>
  %3 = seq.sqrt %2 : (tensor<4x1xf32>) -> tensor<4x1xf32>
  %4 = seq.div %x, %3 : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  return %4 : tensor<4x8xf32>
}

// -----

// Negative: a non-splat constant epsilon.
// CHECK-LABEL: func @no_rms_norm_eps_not_uniform
// CHECK-NOT: seq.rms_norm
func.func @no_rms_norm_eps_not_uniform(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %eps = arith.constant dense<[[1.0e-5], [1.0e-6]]> : tensor<2x1xf32>
  %0 = seq.mul %x, %x : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %1 = seq.reduce mean %0 axes = [1] keep_dims : tensor<2x8xf32> -> tensor<2x1xf32>
  %2 = seq.add %1, %eps : (tensor<2x1xf32>, tensor<2x1xf32>) -> tensor<2x1xf32>
  %3 = seq.sqrt %2 : (tensor<2x1xf32>) -> tensor<2x1xf32>
  %4 = seq.div %x, %3 : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  return %4 : tensor<2x8xf32>
}

// -----

// Negative: the mean is not over the last axis.
// CHECK-LABEL: func @no_rms_norm_first_axis
// CHECK-NOT: seq.rms_norm
func.func @no_rms_norm_first_axis(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %eps = arith.constant dense<1.0e-5> : tensor<f32>
  %0 = seq.mul %x, %x : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %1 = seq.reduce mean %0 axes = [0] keep_dims : tensor<4x8xf32> -> tensor<1x8xf32>
  %2 = seq.add %1, %eps : (tensor<1x8xf32>, tensor<f32>) -> tensor<1x8xf32>
  %3 = seq.sqrt %2 : (tensor<1x8xf32>) -> tensor<1x8xf32>
  %4 = seq.div %x, %3 : (tensor<4x8xf32>, tensor<1x8xf32>) -> tensor<4x8xf32>
  return %4 : tensor<4x8xf32>
}

// -----

// Negative: sum instead of mean; the squared value is not the normalized one;
// pow with an exponent other than 2.
// CHECK-LABEL: func @no_rms_norm_mismatch
// CHECK-NOT: seq.rms_norm
func.func @no_rms_norm_mismatch(%x: tensor<4x8xf32>, %y: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) {
  %eps = arith.constant dense<1.0e-5> : tensor<f32>
  %three = arith.constant dense<3.0> : tensor<f32>
  %0 = seq.mul %x, %x : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %1 = seq.reduce sum %0 axes = [1] keep_dims : tensor<4x8xf32> -> tensor<4x1xf32>
  %2 = seq.add %1, %eps : (tensor<4x1xf32>, tensor<f32>) -> tensor<4x1xf32>
  %3 = seq.sqrt %2 : (tensor<4x1xf32>) -> tensor<4x1xf32>
  %4 = seq.div %x, %3 : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  %5 = seq.reduce mean %0 axes = [1] keep_dims : tensor<4x8xf32> -> tensor<4x1xf32>
  %6 = seq.add %5, %eps : (tensor<4x1xf32>, tensor<f32>) -> tensor<4x1xf32>
  %7 = seq.sqrt %6 : (tensor<4x1xf32>) -> tensor<4x1xf32>
  %8 = seq.div %y, %7 : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  %9 = seq.pow %x, %three : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %10 = seq.reduce mean %9 axes = [1] keep_dims : tensor<4x8xf32> -> tensor<4x1xf32>
  %11 = seq.add %10, %eps : (tensor<4x1xf32>, tensor<f32>) -> tensor<4x1xf32>
  %12 = seq.sqrt %11 : (tensor<4x1xf32>) -> tensor<4x1xf32>
  %13 = seq.div %x, %12 : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  return %4, %8, %13 : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}
