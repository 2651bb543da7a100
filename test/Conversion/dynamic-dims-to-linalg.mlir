// RUN: seq-opt %s --split-input-file --seq-to-linalg | FileCheck %s

// Dynamic batch/sequence dims: every tensor.empty takes its run-time sizes
// from tensor.dim of the op's operands.

// CHECK-LABEL: func @rms_norm_dyn
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x8xf32>
// CHECK-DAG: %[[D0:.*]] = tensor.dim %[[X]], %c0
// CHECK-DAG: %[[D1:.*]] = tensor.dim %[[X]], %c1
// CHECK: tensor.empty(%[[D0]], %[[D1]]) : tensor<?x?xf32>
// CHECK: tensor.empty(%{{.*}}, %{{.*}}) : tensor<?x?x8xf32>
// CHECK: math.rsqrt
func.func @rms_norm_dyn(%x: tensor<?x?x8xf32>, %w: tensor<8xf32>) -> tensor<?x?x8xf32> {
  %0 = seq.rms_norm %x, %w axis = -1 epsilon = 1.0e-6 : (tensor<?x?x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %0 : tensor<?x?x8xf32>
}

// -----

// Softmax over the dynamic key dim.
// CHECK-LABEL: func @softmax_dyn
// CHECK-SAME: (%[[X:.*]]: tensor<2x?x?xf32>
// CHECK: %[[D1:.*]] = tensor.dim %[[X]], %c1
// CHECK: tensor.empty(%[[D1]]) : tensor<2x?xf32>
// CHECK: math.exp
func.func @softmax_dyn(%x: tensor<2x?x?xf32>) -> tensor<2x?x?xf32> {
  %0 = seq.softmax %x axis = -1 : tensor<2x?x?xf32>
  return %0 : tensor<2x?x?xf32>
}

// -----

// Batched matmul: M from lhs, N from rhs (not lhs's K).
// CHECK-LABEL: func @matmul_dyn
// CHECK-SAME: (%[[A:.*]]: tensor<?x2x?x4xf32>, %[[B:.*]]: tensor<?x2x4x?xf32>)
// CHECK: cf.assert %{{.*}}, "seq.matmul: dim 0 of operand 1 does not match dim 0 of operand 0
// CHECK-DAG: %[[N:.*]] = tensor.dim %[[B]], %c3
// CHECK-DAG: %[[M:.*]] = tensor.dim %[[A]], %c2
// CHECK-DAG: %[[BA:.*]] = tensor.dim %[[A]], %c0
// CHECK: tensor.empty(%[[BA]], %[[M]], %[[N]]) : tensor<?x2x?x?xf32>
func.func @matmul_dyn(%a: tensor<?x2x?x4xf32>, %b: tensor<?x2x4x?xf32>) -> tensor<?x2x?x?xf32> {
  %0 = seq.matmul %a, %b : (tensor<?x2x?x4xf32>, tensor<?x2x4x?xf32>) -> tensor<?x2x?x?xf32>
  return %0 : tensor<?x2x?x?xf32>
}

// -----

// Head split [B,S,8] -> [B,S,2,4]: B and S pass through.
// CHECK-LABEL: func @reshape_split_heads
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x8xf32>)
// CHECK-DAG: %[[B:.*]] = tensor.dim %[[X]], %c0
// CHECK-DAG: %[[S:.*]] = tensor.dim %[[X]], %c1
// CHECK: tensor.expand_shape %[[X]] {{\[\[}}0], [1], [2, 3]] output_shape [%[[B]], %[[S]], 2, 4]
func.func @reshape_split_heads(%x: tensor<?x?x8xf32>) -> tensor<?x?x2x4xf32> {
  %0 = seq.reshape %x : tensor<?x?x8xf32> -> tensor<?x?x2x4xf32>
  return %0 : tensor<?x?x2x4xf32>
}

// -----

// Head merge [B,S,2,4] -> [B,S,8].
// CHECK-LABEL: func @reshape_merge_heads
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0], [1], [2, 3]] : tensor<?x?x2x4xf32> into tensor<?x?x8xf32>
func.func @reshape_merge_heads(%x: tensor<?x?x2x4xf32>) -> tensor<?x?x8xf32> {
  %0 = seq.reshape %x : tensor<?x?x2x4xf32> -> tensor<?x?x8xf32>
  return %0 : tensor<?x?x8xf32>
}

// -----

// One dynamic result dim otherwise: the element count over the static dims.
// CHECK-LABEL: func @reshape_flatten
// CHECK: arith.divui %{{.*}}, %c8
// CHECK: tensor.expand_shape
func.func @reshape_flatten(%x: tensor<2x?x4xf32>) -> tensor<?x8xf32> {
  %0 = seq.reshape %x : tensor<2x?x4xf32> -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

// Embedding lookup: the result's S is the indices' dim.
// CHECK-LABEL: func @gather_dyn
// CHECK-SAME: (%[[E:.*]]: tensor<50x8xf32>, %[[I:.*]]: tensor<?x?xi64>)
// CHECK-DAG: %[[B:.*]] = tensor.dim %[[I]], %c0
// CHECK-DAG: %[[S:.*]] = tensor.dim %[[I]], %c1
// CHECK: tensor.empty(%[[B]], %[[S]]) : tensor<?x?x8xf32>
func.func @gather_dyn(%e: tensor<50x8xf32>, %i: tensor<?x?xi64>) -> tensor<?x?x8xf32> {
  %0 = seq.gather %e[%i] axis = 0 : (tensor<50x8xf32>, tensor<?x?xi64>) -> tensor<?x?x8xf32>
  return %0 : tensor<?x?x8xf32>
}

// -----

// Sum over the hidden dim, keeping dynamic batch/sequence dims.
// CHECK-LABEL: func @reduce_dyn
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x8xf32>)
// CHECK-DAG: %[[B:.*]] = tensor.dim %[[X]], %c0
// CHECK-DAG: %[[S:.*]] = tensor.dim %[[X]], %c1
// CHECK: tensor.empty(%[[B]], %[[S]]) : tensor<?x?xf32>
func.func @reduce_dyn(%x: tensor<?x?x8xf32>) -> tensor<?x?xf32> {
  %0 = seq.reduce sum %x axes = [-1] : tensor<?x?x8xf32> -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}
