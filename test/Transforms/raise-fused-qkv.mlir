// RUN: seq-opt %s --split-input-file --seq-raise | FileCheck %s

// Phi-3: one qkv_proj MatMul, Split into q/k/v along the channels (imported
// as three extract_slices), each reshaped into heads. The attention matcher
// follows Q, K and V to the slices; the slices stay, the scores go.
// CHECK-LABEL: func @phi3_fused_qkv
// CHECK: %[[QKV:.*]] = seq.matmul
// CHECK-DAG: %[[QS:.*]] = tensor.extract_slice %[[QKV]][0, 0, 0]
// CHECK-DAG: %[[KS:.*]] = tensor.extract_slice %[[QKV]][0, 0, 32]
// CHECK-DAG: %[[VS:.*]] = tensor.extract_slice %[[QKV]][0, 0, 64]
// CHECK: %[[Q:.*]] = seq.transpose
// CHECK: %[[K:.*]] = seq.transpose
// CHECK: %[[V:.*]] = seq.transpose
// CHECK: seq.attention %[[Q]], %[[K]], %[[V]] scale = 0.353553385 :
// CHECK-NOT: seq.softmax
// CHECK-NOT: seq.matmul
func.func @phi3_fused_qkv(%h: tensor<1x6x32xf32>, %wqkv: tensor<32x96xf32>) -> (tensor<1x6x32xf32>) {
  %c = arith.constant dense<0.353553385> : tensor<f32>
  %qkv = seq.matmul %h, %wqkv : (tensor<1x6x32xf32>, tensor<32x96xf32>) -> tensor<1x6x96xf32>
  %q0 = tensor.extract_slice %qkv[0, 0, 0] [1, 6, 32] [1, 1, 1] : tensor<1x6x96xf32> to tensor<1x6x32xf32>
  %k0 = tensor.extract_slice %qkv[0, 0, 32] [1, 6, 32] [1, 1, 1] : tensor<1x6x96xf32> to tensor<1x6x32xf32>
  %v0 = tensor.extract_slice %qkv[0, 0, 64] [1, 6, 32] [1, 1, 1] : tensor<1x6x96xf32> to tensor<1x6x32xf32>
  %q1 = seq.reshape %q0 : tensor<1x6x32xf32> -> tensor<1x6x4x8xf32>
  %q = seq.transpose %q1 [0, 2, 1, 3] : tensor<1x6x4x8xf32> -> tensor<1x4x6x8xf32>
  %k1 = seq.reshape %k0 : tensor<1x6x32xf32> -> tensor<1x6x4x8xf32>
  %k = seq.transpose %k1 [0, 2, 1, 3] : tensor<1x6x4x8xf32> -> tensor<1x4x6x8xf32>
  %v1 = seq.reshape %v0 : tensor<1x6x32xf32> -> tensor<1x6x4x8xf32>
  %v = seq.transpose %v1 [0, 2, 1, 3] : tensor<1x6x4x8xf32> -> tensor<1x4x6x8xf32>
  %kt = seq.transpose %k [0, 1, 3, 2] : tensor<1x4x6x8xf32> -> tensor<1x4x8x6xf32>
  %s = seq.matmul %q, %kt : (tensor<1x4x6x8xf32>, tensor<1x4x8x6xf32>) -> tensor<1x4x6x6xf32>
  %ss = seq.mul %s, %c : (tensor<1x4x6x6xf32>, tensor<f32>) -> tensor<1x4x6x6xf32>
  %p = seq.softmax %ss axis = -1 : tensor<1x4x6x6xf32>
  %o = seq.matmul %p, %v : (tensor<1x4x6x6xf32>, tensor<1x4x6x8xf32>) -> tensor<1x4x6x8xf32>
  %o1 = seq.transpose %o [0, 2, 1, 3] : tensor<1x4x6x8xf32> -> tensor<1x6x4x8xf32>
  %y = seq.reshape %o1 : tensor<1x6x4x8xf32> -> tensor<1x6x32xf32>
  return %y : tensor<1x6x32xf32>
}

// -----

// Near miss: the probabilities are also returned (used outside the
// attention); nothing is raised.
// CHECK-LABEL: func @fused_qkv_probs_escape
// CHECK-NOT: seq.attention
// CHECK: seq.softmax
func.func @fused_qkv_probs_escape(%h: tensor<1x6x32xf32>, %wqkv: tensor<32x96xf32>) -> (tensor<1x6x32xf32>, tensor<1x4x6x6xf32>) {
  %c = arith.constant dense<0.353553385> : tensor<f32>
  %qkv = seq.matmul %h, %wqkv : (tensor<1x6x32xf32>, tensor<32x96xf32>) -> tensor<1x6x96xf32>
  %q0 = tensor.extract_slice %qkv[0, 0, 0] [1, 6, 32] [1, 1, 1] : tensor<1x6x96xf32> to tensor<1x6x32xf32>
  %k0 = tensor.extract_slice %qkv[0, 0, 32] [1, 6, 32] [1, 1, 1] : tensor<1x6x96xf32> to tensor<1x6x32xf32>
  %v0 = tensor.extract_slice %qkv[0, 0, 64] [1, 6, 32] [1, 1, 1] : tensor<1x6x96xf32> to tensor<1x6x32xf32>
  %q1 = seq.reshape %q0 : tensor<1x6x32xf32> -> tensor<1x6x4x8xf32>
  %q = seq.transpose %q1 [0, 2, 1, 3] : tensor<1x6x4x8xf32> -> tensor<1x4x6x8xf32>
  %k1 = seq.reshape %k0 : tensor<1x6x32xf32> -> tensor<1x6x4x8xf32>
  %k = seq.transpose %k1 [0, 2, 1, 3] : tensor<1x6x4x8xf32> -> tensor<1x4x6x8xf32>
  %v1 = seq.reshape %v0 : tensor<1x6x32xf32> -> tensor<1x6x4x8xf32>
  %v = seq.transpose %v1 [0, 2, 1, 3] : tensor<1x6x4x8xf32> -> tensor<1x4x6x8xf32>
  %kt = seq.transpose %k [0, 1, 3, 2] : tensor<1x4x6x8xf32> -> tensor<1x4x8x6xf32>
  %s = seq.matmul %q, %kt : (tensor<1x4x6x8xf32>, tensor<1x4x8x6xf32>) -> tensor<1x4x6x6xf32>
  %ss = seq.mul %s, %c : (tensor<1x4x6x6xf32>, tensor<f32>) -> tensor<1x4x6x6xf32>
  %p = seq.softmax %ss axis = -1 : tensor<1x4x6x6xf32>
  %o = seq.matmul %p, %v : (tensor<1x4x6x6xf32>, tensor<1x4x6x8xf32>) -> tensor<1x4x6x8xf32>
  %o1 = seq.transpose %o [0, 2, 1, 3] : tensor<1x4x6x8xf32> -> tensor<1x6x4x8xf32>
  %y = seq.reshape %o1 : tensor<1x6x4x8xf32> -> tensor<1x6x32xf32>
  return %y, %p : tensor<1x6x32xf32>, tensor<1x4x6x6xf32>
}

// -----

// Phi-3's gate_up_proj: one MatMul split in halves, silu(gate) * up.
// CHECK-LABEL: func @phi3_fused_gate_up
// CHECK: %[[G:.*]] = tensor.extract_slice %{{.*}}[0, 0, 0] [1, 6, 48]
// CHECK: %[[U:.*]] = tensor.extract_slice %{{.*}}[0, 0, 48] [1, 6, 48]
// CHECK: seq.swiglu %[[G]], %[[U]]
// CHECK-NOT: seq.sigmoid
func.func @phi3_fused_gate_up(%h: tensor<1x6x32xf32>, %w: tensor<32x96xf32>) -> tensor<1x6x48xf32> {
  %gu = seq.matmul %h, %w : (tensor<1x6x32xf32>, tensor<32x96xf32>) -> tensor<1x6x96xf32>
  %g = tensor.extract_slice %gu[0, 0, 0] [1, 6, 48] [1, 1, 1] : tensor<1x6x96xf32> to tensor<1x6x48xf32>
  %u = tensor.extract_slice %gu[0, 0, 48] [1, 6, 48] [1, 1, 1] : tensor<1x6x96xf32> to tensor<1x6x48xf32>
  %sg = seq.sigmoid %g : (tensor<1x6x48xf32>) -> tensor<1x6x48xf32>
  %a = seq.mul %g, %sg : (tensor<1x6x48xf32>, tensor<1x6x48xf32>) -> tensor<1x6x48xf32>
  %y = seq.mul %u, %a : (tensor<1x6x48xf32>, tensor<1x6x48xf32>) -> tensor<1x6x48xf32>
  return %y : tensor<1x6x48xf32>
}

// -----

// Near miss: sigmoid(gate) * up * up (the gate itself is not a factor) is
// not silu(gate) * up.
// CHECK-LABEL: func @gate_up_crossed
// CHECK-NOT: seq.swiglu
// CHECK: seq.sigmoid
func.func @gate_up_crossed(%h: tensor<1x6x32xf32>, %w: tensor<32x96xf32>) -> tensor<1x6x48xf32> {
  %gu = seq.matmul %h, %w : (tensor<1x6x32xf32>, tensor<32x96xf32>) -> tensor<1x6x96xf32>
  %g = tensor.extract_slice %gu[0, 0, 0] [1, 6, 48] [1, 1, 1] : tensor<1x6x96xf32> to tensor<1x6x48xf32>
  %u = tensor.extract_slice %gu[0, 0, 48] [1, 6, 48] [1, 1, 1] : tensor<1x6x96xf32> to tensor<1x6x48xf32>
  %sg = seq.sigmoid %g : (tensor<1x6x48xf32>) -> tensor<1x6x48xf32>
  %a = seq.mul %u, %sg : (tensor<1x6x48xf32>, tensor<1x6x48xf32>) -> tensor<1x6x48xf32>
  %y = seq.mul %u, %a : (tensor<1x6x48xf32>, tensor<1x6x48xf32>) -> tensor<1x6x48xf32>
  return %y : tensor<1x6x48xf32>
}
