// RUN: seq-opt %s --split-input-file --seq-raise | FileCheck %s

// Gemma-2 eager attention: scores * scaling, then / softcap, tanh, * softcap,
// before the additive mask. The softcap becomes the op's `softcap` (applied
// to scale * Q K^T before masking, as the op defines it).
// CHECK-LABEL: func @gemma2_softcap
// CHECK-SAME: (%[[Q:.*]]: tensor<1x2x3x4xf32>, %[[K:.*]]: tensor<1x2x5x4xf32>, %[[V:.*]]: tensor<1x2x5x6xf32>, %[[M:.*]]: tensor<1x1x3x5xf32>)
// CHECK: %[[O:.*]] = seq.attention %[[Q]], %[[K]], %[[V]] mask %[[M]] scale = 1.250000e-01 {softcap = 5.000000e+01 : f32}
// CHECK-NOT: seq.
// CHECK: return %[[O]]
func.func @gemma2_softcap(%q: tensor<1x2x3x4xf32>, %k: tensor<1x2x5x4xf32>, %v: tensor<1x2x5x6xf32>, %m: tensor<1x1x3x5xf32>) -> tensor<1x2x3x6xf32> {
  %c = arith.constant dense<0.125> : tensor<f32>
  %cap = arith.constant dense<50.0> : tensor<f32>
  %kt = seq.transpose %k [0, 1, 3, 2] : tensor<1x2x5x4xf32> -> tensor<1x2x4x5xf32>
  %s = seq.matmul %q, %kt : (tensor<1x2x3x4xf32>, tensor<1x2x4x5xf32>) -> tensor<1x2x3x5xf32>
  %ss = seq.mul %s, %c : (tensor<1x2x3x5xf32>, tensor<f32>) -> tensor<1x2x3x5xf32>
  %d = seq.div %ss, %cap : (tensor<1x2x3x5xf32>, tensor<f32>) -> tensor<1x2x3x5xf32>
  %t = seq.tanh %d : (tensor<1x2x3x5xf32>) -> tensor<1x2x3x5xf32>
  %sc = seq.mul %cap, %t : (tensor<f32>, tensor<1x2x3x5xf32>) -> tensor<1x2x3x5xf32>
  %sm = seq.add %sc, %m : (tensor<1x2x3x5xf32>, tensor<1x1x3x5xf32>) -> tensor<1x2x3x5xf32>
  %p = seq.softmax %sm axis = -1 : tensor<1x2x3x5xf32>
  %o = seq.matmul %p, %v : (tensor<1x2x3x5xf32>, tensor<1x2x5x6xf32>) -> tensor<1x2x3x6xf32>
  return %o : tensor<1x2x3x6xf32>
}

// -----

// Division written as a multiply by 1/softcap, no mask.
// CHECK-LABEL: func @softcap_reciprocal
// CHECK: seq.attention %{{.*}}, %{{.*}}, %{{.*}} scale = 1.250000e-01 {softcap = 4.000000e+00 : f32}
// CHECK-NOT: seq.tanh
func.func @softcap_reciprocal(%q: tensor<1x2x3x4xf32>, %k: tensor<1x2x5x4xf32>, %v: tensor<1x2x5x6xf32>) -> tensor<1x2x3x6xf32> {
  %c = arith.constant dense<0.125> : tensor<f32>
  %inv = arith.constant dense<0.25> : tensor<f32>
  %cap = arith.constant dense<4.0> : tensor<f32>
  %kt = seq.transpose %k [0, 1, 3, 2] : tensor<1x2x5x4xf32> -> tensor<1x2x4x5xf32>
  %s = seq.matmul %q, %kt : (tensor<1x2x3x4xf32>, tensor<1x2x4x5xf32>) -> tensor<1x2x3x5xf32>
  %ss = seq.mul %s, %c : (tensor<1x2x3x5xf32>, tensor<f32>) -> tensor<1x2x3x5xf32>
  %d = seq.mul %ss, %inv : (tensor<1x2x3x5xf32>, tensor<f32>) -> tensor<1x2x3x5xf32>
  %t = seq.tanh %d : (tensor<1x2x3x5xf32>) -> tensor<1x2x3x5xf32>
  %sc = seq.mul %t, %cap : (tensor<1x2x3x5xf32>, tensor<f32>) -> tensor<1x2x3x5xf32>
  %p = seq.softmax %sc axis = -1 : tensor<1x2x3x5xf32>
  %o = seq.matmul %p, %v : (tensor<1x2x3x5xf32>, tensor<1x2x5x6xf32>) -> tensor<1x2x3x6xf32>
  return %o : tensor<1x2x3x6xf32>
}

// -----

// Near miss: different constants in the two places (tanh(s / 50) * 30) is
// not a softcap; nothing is raised.
// CHECK-LABEL: func @softcap_mismatch
// CHECK-NOT: seq.attention
// CHECK: seq.tanh
// CHECK: seq.softmax
func.func @softcap_mismatch(%q: tensor<1x2x3x4xf32>, %k: tensor<1x2x5x4xf32>, %v: tensor<1x2x5x6xf32>, %m: tensor<1x1x3x5xf32>) -> tensor<1x2x3x6xf32> {
  %cap = arith.constant dense<50.0> : tensor<f32>
  %out = arith.constant dense<30.0> : tensor<f32>
  %kt = seq.transpose %k [0, 1, 3, 2] : tensor<1x2x5x4xf32> -> tensor<1x2x4x5xf32>
  %s = seq.matmul %q, %kt : (tensor<1x2x3x4xf32>, tensor<1x2x4x5xf32>) -> tensor<1x2x3x5xf32>
  %d = seq.div %s, %cap : (tensor<1x2x3x5xf32>, tensor<f32>) -> tensor<1x2x3x5xf32>
  %t = seq.tanh %d : (tensor<1x2x3x5xf32>) -> tensor<1x2x3x5xf32>
  %sc = seq.mul %t, %out : (tensor<1x2x3x5xf32>, tensor<f32>) -> tensor<1x2x3x5xf32>
  %sm = seq.add %sc, %m : (tensor<1x2x3x5xf32>, tensor<1x1x3x5xf32>) -> tensor<1x2x3x5xf32>
  %p = seq.softmax %sm axis = -1 : tensor<1x2x3x5xf32>
  %o = seq.matmul %p, %v : (tensor<1x2x3x5xf32>, tensor<1x2x5x6xf32>) -> tensor<1x2x3x6xf32>
  return %o : tensor<1x2x3x6xf32>
}

// -----

// Near miss: the tanh result is also used elsewhere; raising would drop it.
// CHECK-LABEL: func @softcap_other_use
// CHECK-NOT: seq.attention
// CHECK: seq.softmax
func.func @softcap_other_use(%q: tensor<1x2x3x4xf32>, %k: tensor<1x2x5x4xf32>, %v: tensor<1x2x5x6xf32>) -> (tensor<1x2x3x6xf32>, tensor<1x2x3x5xf32>) {
  %cap = arith.constant dense<50.0> : tensor<f32>
  %kt = seq.transpose %k [0, 1, 3, 2] : tensor<1x2x5x4xf32> -> tensor<1x2x4x5xf32>
  %s = seq.matmul %q, %kt : (tensor<1x2x3x4xf32>, tensor<1x2x4x5xf32>) -> tensor<1x2x3x5xf32>
  %d = seq.div %s, %cap : (tensor<1x2x3x5xf32>, tensor<f32>) -> tensor<1x2x3x5xf32>
  %t = seq.tanh %d : (tensor<1x2x3x5xf32>) -> tensor<1x2x3x5xf32>
  %sc = seq.mul %t, %cap : (tensor<1x2x3x5xf32>, tensor<f32>) -> tensor<1x2x3x5xf32>
  %p = seq.softmax %sc axis = -1 : tensor<1x2x3x5xf32>
  %o = seq.matmul %p, %v : (tensor<1x2x3x5xf32>, tensor<1x2x5x6xf32>) -> tensor<1x2x3x6xf32>
  return %o, %t : tensor<1x2x3x6xf32>, tensor<1x2x3x5xf32>
}
