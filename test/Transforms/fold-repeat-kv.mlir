// RUN: seq-opt %s --split-input-file --seq-raise | FileCheck %s

// Opset-23 exports repeat K and V per query-head group before Attention:
// the attention reads the kv heads directly (GQA) instead.
// CHECK-LABEL: func @gqa_repeat
// CHECK-SAME: (%[[Q:.*]]: tensor<1x8x16x4xf32>, %[[K:.*]]: tensor<1x2x16x4xf32>, %[[V:.*]]: tensor<1x2x16x4xf32>)
// CHECK: %[[O:.*]] = seq.attention %[[Q]], %[[K]], %[[V]] scale = 5.000000e-01 causal :
// CHECK-SAME: (tensor<1x8x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x8x16x4xf32>
// CHECK-NOT: seq.broadcast
// CHECK: return %[[O]]
func.func @gqa_repeat(%q: tensor<1x8x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x8x16x4xf32> {
  %k1 = seq.reshape %k : tensor<1x2x16x4xf32> -> tensor<1x2x1x16x4xf32>
  %k2 = seq.broadcast %k1 : tensor<1x2x1x16x4xf32> -> tensor<1x2x4x16x4xf32>
  %k3 = seq.reshape %k2 : tensor<1x2x4x16x4xf32> -> tensor<1x8x16x4xf32>
  %v1 = seq.reshape %v : tensor<1x2x16x4xf32> -> tensor<1x2x1x16x4xf32>
  %v2 = seq.broadcast %v1 : tensor<1x2x1x16x4xf32> -> tensor<1x2x4x16x4xf32>
  %v3 = seq.reshape %v2 : tensor<1x2x4x16x4xf32> -> tensor<1x8x16x4xf32>
  %o = seq.attention %q, %k3, %v3 scale = 5.000000e-01 causal : (tensor<1x8x16x4xf32>, tensor<1x8x16x4xf32>, tensor<1x8x16x4xf32>) -> tensor<1x8x16x4xf32>
  return %o : tensor<1x8x16x4xf32>
}

// -----

// Only K is repeated: V has all query heads, so K keeps its repeat.
// CHECK-LABEL: func @only_k_repeated
// CHECK: seq.broadcast
// CHECK: seq.attention {{.*}} : (tensor<1x8x16x4xf32>, tensor<1x8x16x4xf32>, tensor<1x8x16x4xf32>)
func.func @only_k_repeated(%q: tensor<1x8x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x8x16x4xf32>) -> tensor<1x8x16x4xf32> {
  %k1 = seq.reshape %k : tensor<1x2x16x4xf32> -> tensor<1x2x1x16x4xf32>
  %k2 = seq.broadcast %k1 : tensor<1x2x1x16x4xf32> -> tensor<1x2x4x16x4xf32>
  %k3 = seq.reshape %k2 : tensor<1x2x4x16x4xf32> -> tensor<1x8x16x4xf32>
  %o = seq.attention %q, %k3, %v scale = 5.000000e-01 : (tensor<1x8x16x4xf32>, tensor<1x8x16x4xf32>, tensor<1x8x16x4xf32>) -> tensor<1x8x16x4xf32>
  return %o : tensor<1x8x16x4xf32>
}

// -----

// A broadcast that is not a per-head repeat (it repeats the batch) is kept.
// CHECK-LABEL: func @batch_broadcast
// CHECK: seq.broadcast
// CHECK: seq.attention {{.*}} : (tensor<2x2x16x4xf32>, tensor<2x2x16x4xf32>, tensor<2x2x16x4xf32>)
func.func @batch_broadcast(%q: tensor<2x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<2x2x16x4xf32>) -> tensor<2x2x16x4xf32> {
  %k2 = seq.broadcast %k : tensor<1x2x16x4xf32> -> tensor<2x2x16x4xf32>
  %o = seq.attention %q, %k2, %v scale = 5.000000e-01 : (tensor<2x2x16x4xf32>, tensor<2x2x16x4xf32>, tensor<2x2x16x4xf32>) -> tensor<2x2x16x4xf32>
  return %o : tensor<2x2x16x4xf32>
}
