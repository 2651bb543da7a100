// RUN: seq-opt %s --split-input-file --seq-to-linalg --seq-fuse-elementwise | FileCheck %s

// Elementwise chains become one generic.
// CHECK-LABEL: func @chain
// CHECK: linalg.generic
// CHECK: math.tanh
// CHECK: arith.mulf
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @chain(%a: tensor<4x8xf32>, %b: tensor<8xf32>) -> tensor<4x8xf32> {
  %0 = seq.tanh %a : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %1 = seq.mul %0, %b : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  return %1 : tensor<4x8xf32>
}

// -----

// A producer is not fused into a reduction consumer, where it would be
// recomputed for every output column.
// CHECK-LABEL: func @gelu_then_matmul
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK: math.tanh
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "parallel"]
// CHECK-NOT: math.tanh
// CHECK: return
func.func @gelu_then_matmul(%a: tensor<4x8xf32>, %w: tensor<8x16xf32>) -> tensor<4x16xf32> {
  %0 = seq.tanh %a : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %1 = seq.matmul %0, %w : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  return %1 : tensor<4x16xf32>
}

// -----

// A producer with two users is computed once, not recomputed inside each
// user (the residual stream feeding a norm and the next residual add).
// CHECK-LABEL: func @shared_producer
// CHECK-COUNT-1: math.exp
// CHECK-NOT: math.exp
// CHECK: return
func.func @shared_producer(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %0 = seq.exp %a : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %1 = seq.add %0, %b : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %2 = seq.mul %0, %b : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %1, %2 : tensor<4x8xf32>, tensor<4x8xf32>
}
