// RUN: seq-opt %s --split-input-file --seq-raise | FileCheck %s

// The torch export (opset < 17): (x - mean) / sqrt(mean((x - mean)^2) + eps)
// * weight + bias.
// CHECK-LABEL: func @layer_norm
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x8xf32>, %[[W:.*]]: tensor<8xf32>, %[[B:.*]]: tensor<8xf32>)
// CHECK: %[[R:.*]] = seq.layer_norm %[[X]], %[[W]], %[[B]] axis = 2 epsilon = 9.99999974E-6
// CHECK-NOT: seq.
// CHECK: return %[[R]]
func.func @layer_norm(%x: tensor<2x3x8xf32>, %w: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<2x3x8xf32> {
  %two = arith.constant dense<2.0> : tensor<f32>
  %eps = arith.constant dense<1.0e-5> : tensor<f32>
  %0 = seq.reduce mean %x axes = [-1] keep_dims : tensor<2x3x8xf32> -> tensor<2x3x1xf32>
  %1 = seq.sub %x, %0 : (tensor<2x3x8xf32>, tensor<2x3x1xf32>) -> tensor<2x3x8xf32>
  %2 = seq.pow %1, %two : (tensor<2x3x8xf32>, tensor<f32>) -> tensor<2x3x8xf32>
  %3 = seq.reduce mean %2 axes = [-1] keep_dims : tensor<2x3x8xf32> -> tensor<2x3x1xf32>
  %4 = seq.add %3, %eps : (tensor<2x3x1xf32>, tensor<f32>) -> tensor<2x3x1xf32>
  %5 = seq.sqrt %4 : (tensor<2x3x1xf32>) -> tensor<2x3x1xf32>
  %6 = seq.div %1, %5 : (tensor<2x3x8xf32>, tensor<2x3x1xf32>) -> tensor<2x3x8xf32>
  %7 = seq.mul %6, %w : (tensor<2x3x8xf32>, tensor<8xf32>) -> tensor<2x3x8xf32>
  %8 = seq.add %7, %b : (tensor<2x3x8xf32>, tensor<8xf32>) -> tensor<2x3x8xf32>
  return %8 : tensor<2x3x8xf32>
}

// -----

// Two normalized dims, d * d and a reciprocal, no affine part: scale of ones
// over [3, 8].
// CHECK-LABEL: func @layer_norm_two_dims
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x8xf32>)
// CHECK: %[[ONES:.*]] = arith.constant dense<1.000000e+00> : tensor<3x8xf32>
// CHECK: %[[R:.*]] = seq.layer_norm %[[X]], %[[ONES]] axis = 1 epsilon = 9.99999997E-7
// CHECK-NOT: seq.
// CHECK: return %[[R]]
func.func @layer_norm_two_dims(%x: tensor<2x3x8xf32>) -> tensor<2x3x8xf32> {
  %eps = arith.constant dense<1.0e-6> : tensor<1xf32>
  %0 = seq.reduce mean %x axes = [1, 2] keep_dims : tensor<2x3x8xf32> -> tensor<2x1x1xf32>
  %1 = seq.sub %x, %0 : (tensor<2x3x8xf32>, tensor<2x1x1xf32>) -> tensor<2x3x8xf32>
  %2 = seq.mul %1, %1 : (tensor<2x3x8xf32>, tensor<2x3x8xf32>) -> tensor<2x3x8xf32>
  %3 = seq.reduce mean %2 axes = [2, 1] keep_dims : tensor<2x3x8xf32> -> tensor<2x1x1xf32>
  %4 = seq.add %eps, %3 : (tensor<1xf32>, tensor<2x1x1xf32>) -> tensor<2x1x1xf32>
  %5 = seq.sqrt %4 : (tensor<2x1x1xf32>) -> tensor<2x1x1xf32>
  %6 = seq.reciprocal %5 : (tensor<2x1x1xf32>) -> tensor<2x1x1xf32>
  %7 = seq.mul %6, %1 : (tensor<2x1x1xf32>, tensor<2x3x8xf32>) -> tensor<2x3x8xf32>
  return %7 : tensor<2x3x8xf32>
}

// -----

// A weight varying along a non-normalized dim stays a separate multiply (and
// the bias add after it too).
// CHECK-LABEL: func @layer_norm_row_weight
// CHECK: %[[R:.*]] = seq.layer_norm
// CHECK: %[[M:.*]] = seq.mul %[[R]]
// CHECK: seq.add %[[M]]
func.func @layer_norm_row_weight(%x: tensor<4x8xf32>, %w: tensor<4x1xf32>, %b: tensor<8xf32>) -> tensor<4x8xf32> {
  %two = arith.constant dense<2.0> : tensor<f32>
  %eps = arith.constant dense<1.0e-5> : tensor<f32>
  %0 = seq.reduce mean %x axes = [1] keep_dims : tensor<4x8xf32> -> tensor<4x1xf32>
  %1 = seq.sub %x, %0 : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  %2 = seq.pow %1, %two : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %3 = seq.reduce mean %2 axes = [1] keep_dims : tensor<4x8xf32> -> tensor<4x1xf32>
  %4 = seq.add %3, %eps : (tensor<4x1xf32>, tensor<f32>) -> tensor<4x1xf32>
  %5 = seq.sqrt %4 : (tensor<4x1xf32>) -> tensor<4x1xf32>
  %6 = seq.div %1, %5 : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  %7 = seq.mul %6, %w : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  %8 = seq.add %7, %b : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  return %8 : tensor<4x8xf32>
}

// -----

// Statistics over a leading axis (not the trailing dims a layer_norm
// normalizes), over different axes in mean and variance, a variance of x
// instead of x - mean, and an eps that is not a constant: none is a
// layer_norm.
// CHECK-LABEL: func @no_layer_norm
// CHECK-NOT: seq.layer_norm
func.func @no_layer_norm(%x: tensor<4x8xf32>, %e: tensor<f32>) -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) {
  %two = arith.constant dense<2.0> : tensor<f32>
  %eps = arith.constant dense<1.0e-5> : tensor<f32>
  // axis 0
  %a0 = seq.reduce mean %x axes = [0] keep_dims : tensor<4x8xf32> -> tensor<1x8xf32>
  %a1 = seq.sub %x, %a0 : (tensor<4x8xf32>, tensor<1x8xf32>) -> tensor<4x8xf32>
  %a2 = seq.pow %a1, %two : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %a3 = seq.reduce mean %a2 axes = [0] keep_dims : tensor<4x8xf32> -> tensor<1x8xf32>
  %a4 = seq.add %a3, %eps : (tensor<1x8xf32>, tensor<f32>) -> tensor<1x8xf32>
  %a5 = seq.sqrt %a4 : (tensor<1x8xf32>) -> tensor<1x8xf32>
  %a6 = seq.div %a1, %a5 : (tensor<4x8xf32>, tensor<1x8xf32>) -> tensor<4x8xf32>
  // mean over [1], variance over [0, 1]
  %b0 = seq.reduce mean %x axes = [1] keep_dims : tensor<4x8xf32> -> tensor<4x1xf32>
  %b1 = seq.sub %x, %b0 : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  %b2 = seq.pow %b1, %two : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %b3 = seq.reduce mean %b2 axes = [0, 1] keep_dims : tensor<4x8xf32> -> tensor<1x1xf32>
  %b4 = seq.add %b3, %eps : (tensor<1x1xf32>, tensor<f32>) -> tensor<1x1xf32>
  %b5 = seq.sqrt %b4 : (tensor<1x1xf32>) -> tensor<1x1xf32>
  %b6 = seq.div %b1, %b5 : (tensor<4x8xf32>, tensor<1x1xf32>) -> tensor<4x8xf32>
  // E[x^2] instead of E[(x - mean)^2]
  %c2 = seq.pow %x, %two : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %c3 = seq.reduce mean %c2 axes = [1] keep_dims : tensor<4x8xf32> -> tensor<4x1xf32>
  %c4 = seq.add %c3, %eps : (tensor<4x1xf32>, tensor<f32>) -> tensor<4x1xf32>
  %c5 = seq.sqrt %c4 : (tensor<4x1xf32>) -> tensor<4x1xf32>
  %c6 = seq.div %b1, %c5 : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  // eps from an argument
  %d3 = seq.reduce mean %b2 axes = [1] keep_dims : tensor<4x8xf32> -> tensor<4x1xf32>
  %d4 = seq.add %d3, %e : (tensor<4x1xf32>, tensor<f32>) -> tensor<4x1xf32>
  %d5 = seq.sqrt %d4 : (tensor<4x1xf32>) -> tensor<4x1xf32>
  %d6 = seq.div %b1, %d5 : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  return %a6, %b6, %c6, %d6 : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}
