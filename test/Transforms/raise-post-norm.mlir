// RUN: seq-opt %s --split-input-file --seq-raise | FileCheck %s

// Gemma-2's post-attention norm: RMSNorm of the o_proj output with Gemma's
// (1 + w) scale (computed in the graph) before the residual add. The norm
// (weight included) becomes one seq.rms_norm feeding the residual.
// CHECK-LABEL: func @gemma2_post_attention_norm
// CHECK-SAME: (%[[X:.*]]: tensor<1x6x32xf32>, %[[A:.*]]: tensor<1x6x32xf32>, %[[W:.*]]: tensor<32xf32>)
// CHECK: %[[S:.*]] = seq.add %[[W]], %{{.*}} : (tensor<32xf32>, tensor<f32>) -> tensor<32xf32>
// CHECK: %[[N:.*]] = seq.rms_norm %[[A]], %[[S]] axis = 2 epsilon = 9.99999997E-7
// CHECK: %[[R:.*]] = seq.add %[[X]], %[[N]]
// CHECK-NOT: seq.reduce
// CHECK: return %[[R]]
func.func @gemma2_post_attention_norm(%x: tensor<1x6x32xf32>, %a: tensor<1x6x32xf32>, %w: tensor<32xf32>) -> tensor<1x6x32xf32> {
  %two = arith.constant dense<2.0> : tensor<f32>
  %eps = arith.constant dense<1.0e-6> : tensor<f32>
  %one = arith.constant dense<1.0> : tensor<f32>
  %0 = seq.pow %a, %two : (tensor<1x6x32xf32>, tensor<f32>) -> tensor<1x6x32xf32>
  %1 = seq.reduce mean %0 axes = [2] keep_dims : tensor<1x6x32xf32> -> tensor<1x6x1xf32>
  %2 = seq.add %1, %eps : (tensor<1x6x1xf32>, tensor<f32>) -> tensor<1x6x1xf32>
  %3 = seq.sqrt %2 : (tensor<1x6x1xf32>) -> tensor<1x6x1xf32>
  %4 = seq.reciprocal %3 : (tensor<1x6x1xf32>) -> tensor<1x6x1xf32>
  %5 = seq.mul %a, %4 : (tensor<1x6x32xf32>, tensor<1x6x1xf32>) -> tensor<1x6x32xf32>
  %s = seq.add %w, %one : (tensor<32xf32>, tensor<f32>) -> tensor<32xf32>
  %6 = seq.mul %5, %s : (tensor<1x6x32xf32>, tensor<32xf32>) -> tensor<1x6x32xf32>
  %r = seq.add %x, %6 : (tensor<1x6x32xf32>, tensor<1x6x32xf32>) -> tensor<1x6x32xf32>
  return %r : tensor<1x6x32xf32>
}

// -----

// Near miss: the mean is over the sequence axis, not the channels; no norm.
// CHECK-LABEL: func @post_norm_wrong_axis
// CHECK-NOT: seq.rms_norm
// CHECK: seq.reduce mean
func.func @post_norm_wrong_axis(%x: tensor<1x6x32xf32>, %a: tensor<1x6x32xf32>, %w: tensor<32xf32>) -> tensor<1x6x32xf32> {
  %two = arith.constant dense<2.0> : tensor<f32>
  %eps = arith.constant dense<1.0e-6> : tensor<f32>
  %0 = seq.pow %a, %two : (tensor<1x6x32xf32>, tensor<f32>) -> tensor<1x6x32xf32>
  %1 = seq.reduce mean %0 axes = [1] keep_dims : tensor<1x6x32xf32> -> tensor<1x1x32xf32>
  %2 = seq.add %1, %eps : (tensor<1x1x32xf32>, tensor<f32>) -> tensor<1x1x32xf32>
  %3 = seq.sqrt %2 : (tensor<1x1x32xf32>) -> tensor<1x1x32xf32>
  %4 = seq.reciprocal %3 : (tensor<1x1x32xf32>) -> tensor<1x1x32xf32>
  %5 = seq.mul %a, %4 : (tensor<1x6x32xf32>, tensor<1x1x32xf32>) -> tensor<1x6x32xf32>
  %6 = seq.mul %5, %w : (tensor<1x6x32xf32>, tensor<32xf32>) -> tensor<1x6x32xf32>
  %r = seq.add %x, %6 : (tensor<1x6x32xf32>, tensor<1x6x32xf32>) -> tensor<1x6x32xf32>
  return %r : tensor<1x6x32xf32>
}
