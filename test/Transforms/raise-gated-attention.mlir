// RUN: seq-opt %s --split-input-file --seq-raise | FileCheck %s

// Qwen3-Next style: the merged [B, S, H*Dv] attention output times
// sigmoid(gate) moves into the attention's [B, H, S, Dv] layout.
// CHECK-LABEL: func @gated_attention
// CHECK-SAME: (%[[Q:.*]]: tensor<1x2x4x8xf32>, %[[K:.*]]: tensor<1x2x4x8xf32>, %[[V:.*]]: tensor<1x2x4x8xf32>, %[[G:.*]]: tensor<1x4x16xf32>,
// CHECK: %[[A:.*]] = seq.attention %[[Q]], %[[K]], %[[V]]
// CHECK: %[[GR:.*]] = seq.reshape %[[G]] : tensor<1x4x16xf32> -> tensor<1x4x2x8xf32>
// CHECK: %[[GT:.*]] = seq.transpose %[[GR]] [0, 2, 1, 3] : tensor<1x4x2x8xf32> -> tensor<1x2x4x8xf32>
// CHECK: %[[GS:.*]] = seq.sigmoid %[[GT]]
// CHECK: %[[M:.*]] = seq.mul %[[A]], %[[GS]] {seq.attention_gate} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
// CHECK: %[[T:.*]] = seq.transpose %[[M]] [0, 2, 1, 3]
// CHECK: %[[R:.*]] = seq.reshape %[[T]] : tensor<1x4x2x8xf32> -> tensor<1x4x16xf32>
// CHECK: seq.matmul %[[R]]
func.func @gated_attention(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %g: tensor<1x4x16xf32>, %wo: tensor<16x16xf32>) -> tensor<1x4x16xf32> {
  %a = seq.attention %q, %k, %v scale = 0.353553385 : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %t = seq.transpose %a [0, 2, 1, 3] : tensor<1x2x4x8xf32> -> tensor<1x4x2x8xf32>
  %o = seq.reshape %t : tensor<1x4x2x8xf32> -> tensor<1x4x16xf32>
  %s = seq.sigmoid %g : (tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  %y = seq.mul %o, %s : (tensor<1x4x16xf32>, tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  %p = seq.matmul %y, %wo : (tensor<1x4x16xf32>, tensor<16x16xf32>) -> tensor<1x4x16xf32>
  return %p : tensor<1x4x16xf32>
}

// -----

// A per-head gate [B, S, H, 1] on the unmerged output.
// CHECK-LABEL: func @gated_attention_headwise
// CHECK: %[[A:.*]] = seq.attention
// CHECK: %[[GT:.*]] = seq.transpose %{{.*}} [0, 2, 1, 3] : tensor<1x4x2x1xf32> -> tensor<1x2x4x1xf32>
// CHECK: %[[GS:.*]] = seq.sigmoid %[[GT]]
// CHECK: seq.mul %[[A]], %[[GS]] {seq.attention_gate} : (tensor<1x2x4x8xf32>, tensor<1x2x4x1xf32>) -> tensor<1x2x4x8xf32>
func.func @gated_attention_headwise(%q: tensor<1x2x4x8xf32>, %g: tensor<1x4x2x1xf32>) -> tensor<1x4x2x8xf32> {
  %a = seq.attention %q, %q, %q scale = 0.353553385 : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %t = seq.transpose %a [0, 2, 1, 3] : tensor<1x2x4x8xf32> -> tensor<1x4x2x8xf32>
  %s = seq.sigmoid %g : (tensor<1x4x2x1xf32>) -> tensor<1x4x2x1xf32>
  %y = seq.mul %s, %t : (tensor<1x4x2x1xf32>, tensor<1x4x2x8xf32>) -> tensor<1x4x2x8xf32>
  return %y : tensor<1x4x2x8xf32>
}

// -----

// Not a head merge (transpose [0, 1, 3, 2]), a gate that broadcasts along
// the sequence ([1, 1, 16]), and an attention output with another user: the
// multiply stays where it is.
// CHECK-LABEL: func @no_gated_attention
// CHECK-NOT: seq.attention_gate
func.func @no_gated_attention(%q: tensor<1x2x4x4xf32>, %g: tensor<1x2x4x4xf32>, %h: tensor<1x1x8xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x4x8xf32>, tensor<1x2x4x4xf32>) {
  %a = seq.attention %q, %q, %q scale = 0.5 : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %t = seq.transpose %a [0, 1, 3, 2] : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
  %s = seq.sigmoid %g : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %y = seq.mul %t, %s : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %b = seq.attention %q, %q, %q scale = 0.5 : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %bt = seq.transpose %b [0, 2, 1, 3] : tensor<1x2x4x4xf32> -> tensor<1x4x2x4xf32>
  %bo = seq.reshape %bt : tensor<1x4x2x4xf32> -> tensor<1x4x8xf32>
  %hs = seq.sigmoid %h : (tensor<1x1x8xf32>) -> tensor<1x1x8xf32>
  %z = seq.mul %bo, %hs : (tensor<1x4x8xf32>, tensor<1x1x8xf32>) -> tensor<1x4x8xf32>
  %c = seq.attention %q, %q, %q scale = 0.5 : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %ct = seq.transpose %c [0, 2, 1, 3] : tensor<1x2x4x4xf32> -> tensor<1x4x2x4xf32>
  %co = seq.reshape %ct : tensor<1x4x2x4xf32> -> tensor<1x4x8xf32>
  %cs = seq.sigmoid %co : (tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
  %w = seq.mul %co, %cs : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
  %u = seq.add %w, %z : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
  return %y, %u, %c : tensor<1x2x4x4xf32>, tensor<1x4x8xf32>, tensor<1x2x4x4xf32>
}
