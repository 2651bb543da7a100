// RUN: seq-opt %s --split-input-file --seq-raise | FileCheck %s

// softmax(Q K^T * c) V with a 4-D transpose of K.
// CHECK-LABEL: func @sdpa_plain
// CHECK-SAME: (%[[Q:.*]]: tensor<1x2x3x4xf32>, %[[K:.*]]: tensor<1x2x5x4xf32>, %[[V:.*]]: tensor<1x2x5x6xf32>)
// CHECK: %[[O:.*]] = seq.attention %[[Q]], %[[K]], %[[V]] scale = 1.250000e-01 :
// CHECK-SAME: -> tensor<1x2x3x6xf32>
// CHECK-NOT: seq.
// CHECK: return %[[O]]
func.func @sdpa_plain(%q: tensor<1x2x3x4xf32>, %k: tensor<1x2x5x4xf32>, %v: tensor<1x2x5x6xf32>) -> tensor<1x2x3x6xf32> {
  %c = arith.constant dense<0.125> : tensor<f32>
  %kt = seq.transpose %k [0, 1, 3, 2] : tensor<1x2x5x4xf32> -> tensor<1x2x4x5xf32>
  %s = seq.matmul %q, %kt : (tensor<1x2x3x4xf32>, tensor<1x2x4x5xf32>) -> tensor<1x2x3x5xf32>
  %ss = seq.mul %s, %c : (tensor<1x2x3x5xf32>, tensor<f32>) -> tensor<1x2x3x5xf32>
  %p = seq.softmax %ss axis = -1 : tensor<1x2x3x5xf32>
  %o = seq.matmul %p, %v : (tensor<1x2x3x5xf32>, tensor<1x2x5x6xf32>) -> tensor<1x2x3x6xf32>
  return %o : tensor<1x2x3x6xf32>
}

// -----

// The torch (opset 18) export: Q and K^T each scaled by sqrt(scale), K^T
// taken on a [B*H, S, D] reshape, a constant finite additive mask and the
// where(is_nan(p), 0, p) guard, which is safe to drop: every row keeps a
// finite score. The mask is the causal constant, so it then becomes the
// `causal` flag (raise-causal-mask.mlir).
// CHECK-LABEL: func @sdpa_torch_export
// CHECK-SAME: (%[[Q:.*]]: tensor<1x2x2x4xf32>, %[[K:.*]]: tensor<1x2x2x4xf32>, %[[V:.*]]: tensor<1x2x2x4xf32>)
// CHECK: %[[O:.*]] = seq.attention %[[Q]], %[[K]], %[[V]] scale = 2.500000e-01 causal :
// CHECK-NOT: seq.
// CHECK: return %[[O]]
func.func @sdpa_torch_export(%q: tensor<1x2x2x4xf32>, %k: tensor<1x2x2x4xf32>, %v: tensor<1x2x2x4xf32>) -> tensor<1x2x2x4xf32> {
  %half = arith.constant dense<0.5> : tensor<f32>
  %zero = arith.constant dense<0.0> : tensor<f32>
  %mask = arith.constant dense<[[[[0.0, -3.40282347E+38], [0.0, 0.0]]]]> : tensor<1x1x2x2xf32>
  %0 = seq.reshape %k : tensor<1x2x2x4xf32> -> tensor<2x2x4xf32>
  %1 = seq.transpose %0 [0, 2, 1] : tensor<2x2x4xf32> -> tensor<2x4x2xf32>
  %kt = seq.reshape %1 : tensor<2x4x2xf32> -> tensor<1x2x4x2xf32>
  %qs = seq.mul %q, %half : (tensor<1x2x2x4xf32>, tensor<f32>) -> tensor<1x2x2x4xf32>
  %kts = seq.mul %kt, %half : (tensor<1x2x4x2xf32>, tensor<f32>) -> tensor<1x2x4x2xf32>
  %s = seq.matmul %qs, %kts : (tensor<1x2x2x4xf32>, tensor<1x2x4x2xf32>) -> tensor<1x2x2x2xf32>
  %sm = seq.add %s, %mask : (tensor<1x2x2x2xf32>, tensor<1x1x2x2xf32>) -> tensor<1x2x2x2xf32>
  %p = seq.softmax %sm axis = 3 : tensor<1x2x2x2xf32>
  %nan = seq.is_nan %p : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xi1>
  %pg = seq.select %nan, %zero, %p : (tensor<1x2x2x2xi1>, tensor<f32>, tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %o = seq.matmul %pg, %v : (tensor<1x2x2x2xf32>, tensor<1x2x2x4xf32>) -> tensor<1x2x2x4xf32>
  return %o : tensor<1x2x2x4xf32>
}

// -----

// GQA: the repeat-kv unsqueeze/expand/reshape of K and V is folded away so
// that K/V keep their 2 heads; the scale is a division of the scores.
// CHECK-LABEL: func @sdpa_gqa
// CHECK-SAME: (%[[Q:.*]]: tensor<1x4x3x8xf32>, %[[K:.*]]: tensor<1x2x3x8xf32>, %[[V:.*]]: tensor<1x2x3x8xf32>, %[[M:.*]]: tensor<1x1x3x3xf32>)
// CHECK: %[[O:.*]] = seq.attention %[[Q]], %[[K]], %[[V]] mask %[[M]] scale = 2.500000e-01 :
// CHECK-SAME: (tensor<1x4x3x8xf32>, tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>, tensor<1x1x3x3xf32>) -> tensor<1x4x3x8xf32>
// CHECK-NOT: seq.
// CHECK: return %[[O]]
func.func @sdpa_gqa(%q: tensor<1x4x3x8xf32>, %k: tensor<1x2x3x8xf32>, %v: tensor<1x2x3x8xf32>, %m: tensor<1x1x3x3xf32>) -> tensor<1x4x3x8xf32> {
  %c = arith.constant dense<4.0> : tensor<f32>
  %k0 = seq.reshape %k : tensor<1x2x3x8xf32> -> tensor<1x2x1x3x8xf32>
  %k1 = seq.broadcast %k0 : tensor<1x2x1x3x8xf32> -> tensor<1x2x2x3x8xf32>
  %k2 = seq.reshape %k1 : tensor<1x2x2x3x8xf32> -> tensor<1x4x3x8xf32>
  %v0 = seq.reshape %v : tensor<1x2x3x8xf32> -> tensor<1x2x1x3x8xf32>
  %v1 = seq.broadcast %v0 : tensor<1x2x1x3x8xf32> -> tensor<1x2x2x3x8xf32>
  %v2 = seq.reshape %v1 : tensor<1x2x2x3x8xf32> -> tensor<1x4x3x8xf32>
  %kt = seq.transpose %k2 [0, 1, 3, 2] : tensor<1x4x3x8xf32> -> tensor<1x4x8x3xf32>
  %s = seq.matmul %q, %kt : (tensor<1x4x3x8xf32>, tensor<1x4x8x3xf32>) -> tensor<1x4x3x3xf32>
  %ss = seq.div %s, %c : (tensor<1x4x3x3xf32>, tensor<f32>) -> tensor<1x4x3x3xf32>
  %sm = seq.add %m, %ss : (tensor<1x1x3x3xf32>, tensor<1x4x3x3xf32>) -> tensor<1x4x3x3xf32>
  %p = seq.softmax %sm axis = 3 : tensor<1x4x3x3xf32>
  %o = seq.matmul %p, %v2 : (tensor<1x4x3x3xf32>, tensor<1x4x3x8xf32>) -> tensor<1x4x3x8xf32>
  return %o : tensor<1x4x3x8xf32>
}

// -----

// where(mask, scores, -inf) is an i1 keep-true mask.
// CHECK-LABEL: func @sdpa_bool_mask
// CHECK-SAME: %[[M:[^:]*]]: tensor<3x5xi1>
// CHECK: seq.attention {{.*}} mask %[[M]] scale = 1.000000e+00 :
func.func @sdpa_bool_mask(%q: tensor<1x2x3x4xf32>, %k: tensor<1x2x5x4xf32>, %v: tensor<1x2x5x6xf32>, %m: tensor<3x5xi1>) -> tensor<1x2x3x6xf32> {
  %ninf = arith.constant dense<0xFF800000> : tensor<f32>
  %kt = seq.transpose %k [0, 1, 3, 2] : tensor<1x2x5x4xf32> -> tensor<1x2x4x5xf32>
  %s = seq.matmul %q, %kt : (tensor<1x2x3x4xf32>, tensor<1x2x4x5xf32>) -> tensor<1x2x3x5xf32>
  %sm = seq.select %m, %s, %ninf : (tensor<3x5xi1>, tensor<1x2x3x5xf32>, tensor<f32>) -> tensor<1x2x3x5xf32>
  %p = seq.softmax %sm axis = 3 : tensor<1x2x3x5xf32>
  %o = seq.matmul %p, %v : (tensor<1x2x3x5xf32>, tensor<1x2x5x6xf32>) -> tensor<1x2x3x6xf32>
  return %o : tensor<1x2x3x6xf32>
}

// -----

// Negative: softmax over another axis.
// CHECK-LABEL: func @no_sdpa_softmax_axis
// CHECK-NOT: seq.attention
func.func @no_sdpa_softmax_axis(%q: tensor<1x2x4x4xf32>, %k: tensor<1x2x4x4xf32>, %v: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %kt = seq.transpose %k [0, 1, 3, 2] : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
  %s = seq.matmul %q, %kt : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = seq.softmax %s axis = 2 : tensor<1x2x4x4xf32>
  %o = seq.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %o : tensor<1x2x4x4xf32>
}

// -----

// Negative: the scale is not a constant.
// CHECK-LABEL: func @no_sdpa_dynamic_scale
// CHECK-NOT: seq.attention
func.func @no_sdpa_dynamic_scale(%q: tensor<1x2x3x4xf32>, %k: tensor<1x2x5x4xf32>, %v: tensor<1x2x5x6xf32>, %c: tensor<f32>) -> tensor<1x2x3x6xf32> {
  %kt = seq.transpose %k [0, 1, 3, 2] : tensor<1x2x5x4xf32> -> tensor<1x2x4x5xf32>
  %s = seq.matmul %q, %kt : (tensor<1x2x3x4xf32>, tensor<1x2x4x5xf32>) -> tensor<1x2x3x5xf32>
  %ss = seq.mul %s, %c : (tensor<1x2x3x5xf32>, tensor<f32>) -> tensor<1x2x3x5xf32>
  %p = seq.softmax %ss axis = 3 : tensor<1x2x3x5xf32>
  %o = seq.matmul %p, %v : (tensor<1x2x3x5xf32>, tensor<1x2x5x6xf32>) -> tensor<1x2x3x6xf32>
  return %o : tensor<1x2x3x6xf32>
}

// -----

// Negative: the transpose does not swap (only) the last two dims.
// CHECK-LABEL: func @no_sdpa_wrong_transpose
// CHECK-NOT: seq.attention
func.func @no_sdpa_wrong_transpose(%q: tensor<2x2x4x4xf32>, %k: tensor<2x2x4x4xf32>, %v: tensor<2x2x4x4xf32>) -> tensor<2x2x4x4xf32> {
  %kt = seq.transpose %k [1, 0, 3, 2] : tensor<2x2x4x4xf32> -> tensor<2x2x4x4xf32>
  %s = seq.matmul %q, %kt : (tensor<2x2x4x4xf32>, tensor<2x2x4x4xf32>) -> tensor<2x2x4x4xf32>
  %p = seq.softmax %s axis = 3 : tensor<2x2x4x4xf32>
  %o = seq.matmul %p, %v : (tensor<2x2x4x4xf32>, tensor<2x2x4x4xf32>) -> tensor<2x2x4x4xf32>
  return %o : tensor<2x2x4x4xf32>
}

// -----

// Negative: the NaN guard turns fully masked rows into zeros; with a mask
// that is not a known-finite constant that differs from seq.attention.
// CHECK-LABEL: func @no_sdpa_guard_opaque_mask
// CHECK-NOT: seq.attention
func.func @no_sdpa_guard_opaque_mask(%q: tensor<1x2x3x4xf32>, %k: tensor<1x2x5x4xf32>, %v: tensor<1x2x5x6xf32>, %m: tensor<1x1x3x5xf32>) -> tensor<1x2x3x6xf32> {
  %zero = arith.constant dense<0.0> : tensor<f32>
  %kt = seq.transpose %k [0, 1, 3, 2] : tensor<1x2x5x4xf32> -> tensor<1x2x4x5xf32>
  %s = seq.matmul %q, %kt : (tensor<1x2x3x4xf32>, tensor<1x2x4x5xf32>) -> tensor<1x2x3x5xf32>
  %sm = seq.add %s, %m : (tensor<1x2x3x5xf32>, tensor<1x1x3x5xf32>) -> tensor<1x2x3x5xf32>
  %p = seq.softmax %sm axis = 3 : tensor<1x2x3x5xf32>
  %nan = seq.is_nan %p : (tensor<1x2x3x5xf32>) -> tensor<1x2x3x5xi1>
  %pg = seq.select %nan, %zero, %p : (tensor<1x2x3x5xi1>, tensor<f32>, tensor<1x2x3x5xf32>) -> tensor<1x2x3x5xf32>
  %o = seq.matmul %pg, %v : (tensor<1x2x3x5xf32>, tensor<1x2x5x6xf32>) -> tensor<1x2x3x6xf32>
  return %o : tensor<1x2x3x6xf32>
}

// -----

// Negative: a constant mask with a fully -inf row under the NaN guard.
// CHECK-LABEL: func @no_sdpa_guard_inf_mask
// CHECK-NOT: seq.attention
func.func @no_sdpa_guard_inf_mask(%q: tensor<1x1x2x4xf32>, %k: tensor<1x1x2x4xf32>, %v: tensor<1x1x2x4xf32>) -> tensor<1x1x2x4xf32> {
  %zero = arith.constant dense<0.0> : tensor<f32>
  %mask = arith.constant dense<[[[[0xFF800000, 0xFF800000], [0.0, 0.0]]]]> : tensor<1x1x2x2xf32>
  %kt = seq.transpose %k [0, 1, 3, 2] : tensor<1x1x2x4xf32> -> tensor<1x1x4x2xf32>
  %s = seq.matmul %q, %kt : (tensor<1x1x2x4xf32>, tensor<1x1x4x2xf32>) -> tensor<1x1x2x2xf32>
  %sm = seq.add %s, %mask : (tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
  %p = seq.softmax %sm axis = 3 : tensor<1x1x2x2xf32>
  %nan = seq.is_nan %p : (tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xi1>
  %pg = seq.select %nan, %zero, %p : (tensor<1x1x2x2xi1>, tensor<f32>, tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
  %o = seq.matmul %pg, %v : (tensor<1x1x2x2xf32>, tensor<1x1x2x4xf32>) -> tensor<1x1x2x4xf32>
  return %o : tensor<1x1x2x4xf32>
}

// -----

// Negative: a finite fill in the select is not a -inf bool mask; a log-softmax.
// CHECK-LABEL: func @no_sdpa_finite_fill_or_log
// CHECK-NOT: seq.attention
func.func @no_sdpa_finite_fill_or_log(%q: tensor<1x2x3x4xf32>, %k: tensor<1x2x5x4xf32>, %v: tensor<1x2x5x6xf32>, %m: tensor<3x5xi1>) -> (tensor<1x2x3x6xf32>, tensor<1x2x3x6xf32>) {
  %fill = arith.constant dense<-1.0e9> : tensor<f32>
  %kt = seq.transpose %k [0, 1, 3, 2] : tensor<1x2x5x4xf32> -> tensor<1x2x4x5xf32>
  %s = seq.matmul %q, %kt : (tensor<1x2x3x4xf32>, tensor<1x2x4x5xf32>) -> tensor<1x2x3x5xf32>
  %sm = seq.select %m, %s, %fill : (tensor<3x5xi1>, tensor<1x2x3x5xf32>, tensor<f32>) -> tensor<1x2x3x5xf32>
  %p = seq.softmax %sm axis = 3 : tensor<1x2x3x5xf32>
  %o = seq.matmul %p, %v : (tensor<1x2x3x5xf32>, tensor<1x2x5x6xf32>) -> tensor<1x2x3x6xf32>
  %s2 = seq.matmul %q, %kt : (tensor<1x2x3x4xf32>, tensor<1x2x4x5xf32>) -> tensor<1x2x3x5xf32>
  %p2 = seq.softmax %s2 axis = 3 log : tensor<1x2x3x5xf32>
  %o2 = seq.matmul %p2, %v : (tensor<1x2x3x5xf32>, tensor<1x2x5x6xf32>) -> tensor<1x2x3x6xf32>
  return %o, %o2 : tensor<1x2x3x6xf32>, tensor<1x2x3x6xf32>
}

// -----

// Negative: the scores feed something else too (no duplicated matmul).
// CHECK-LABEL: func @no_sdpa_scores_reused
// CHECK-NOT: seq.attention
func.func @no_sdpa_scores_reused(%q: tensor<1x2x3x4xf32>, %k: tensor<1x2x5x4xf32>, %v: tensor<1x2x5x6xf32>) -> (tensor<1x2x3x6xf32>, tensor<1x2x3x5xf32>) {
  %kt = seq.transpose %k [0, 1, 3, 2] : tensor<1x2x5x4xf32> -> tensor<1x2x4x5xf32>
  %s = seq.matmul %q, %kt : (tensor<1x2x3x4xf32>, tensor<1x2x4x5xf32>) -> tensor<1x2x3x5xf32>
  %p = seq.softmax %s axis = 3 : tensor<1x2x3x5xf32>
  %o = seq.matmul %p, %v : (tensor<1x2x3x5xf32>, tensor<1x2x5x6xf32>) -> tensor<1x2x3x6xf32>
  return %o, %s : tensor<1x2x3x6xf32>, tensor<1x2x3x5xf32>
}
