// RUN: seq-opt --seq-tile-attention %s --split-input-file | FileCheck %s
// RUN: seq-opt --seq-tile-attention --seq-to-linalg %s --split-input-file | FileCheck %s --check-prefix=NAIVE

// Forms the one-pass tiled cascade does not handle stay seq.attention for
// seq-to-linalg's naive cascade (which materializes the scores and has no
// scf.forall over query tiles): each case below is such a fallback.

// Dynamic shapes.
// CHECK-LABEL: func @dynamic_length
// CHECK-NOT: scf.forall
// CHECK: seq.attention
// NAIVE-LABEL: func @dynamic_length
// NAIVE-NOT: seq.attention
// NAIVE-NOT: scf.forall
// NAIVE: linalg.generic
func.func @dynamic_length(%q: tensor<1x2x?x8xf32>, %k: tensor<1x2x?x8xf32>) -> tensor<1x2x?x8xf32> {
  %0 = seq.attention %q, %k, %k scale = 0.5 : (tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>) -> tensor<1x2x?x8xf32>
  return %0 : tensor<1x2x?x8xf32>
}

// -----

// Half types compute in f32 on the naive path.
// CHECK-LABEL: func @half
// CHECK-NOT: scf.forall
// CHECK: seq.attention
// NAIVE-LABEL: func @half
// NAIVE-NOT: seq.attention
func.func @half(%q: tensor<1x2x64x16xf16>) -> tensor<1x2x64x16xf16> {
  %0 = seq.attention %q, %q, %q scale = 0.25 : (tensor<1x2x64x16xf16>, tensor<1x2x64x16xf16>, tensor<1x2x64x16xf16>) -> tensor<1x2x64x16xf16>
  return %0 : tensor<1x2x64x16xf16>
}

// -----

// The scores result needs the whole [B, Hq, Sq, Skv] tensor.
// CHECK-LABEL: func @scores
// CHECK-NOT: scf.forall
// CHECK: seq.attention
// NAIVE-LABEL: func @scores
// NAIVE-NOT: seq.attention
func.func @scores(%q: tensor<1x2x64x16xf32>) -> (tensor<1x2x64x16xf32>, tensor<1x2x64x64xf32>) {
  %0:2 = seq.attention %q, %q, %q scale = 0.25 {scores_mode = 3 : i64} : (tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>) -> (tensor<1x2x64x16xf32>, tensor<1x2x64x64xf32>)
  return %0#0, %0#1 : tensor<1x2x64x16xf32>, tensor<1x2x64x64xf32>
}

// -----

// score_mod acts on the whole scores tensor.
// CHECK-LABEL: func @score_mod
// CHECK-NOT: scf.forall
// CHECK: seq.attention
// NAIVE-LABEL: func @score_mod
// NAIVE-NOT: seq.attention
func.func @score_mod(%q: tensor<1x2x64x16xf32>) -> tensor<1x2x64x16xf32> {
  %0 = seq.attention %q, %q, %q scale = 0.25 : (tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>) -> tensor<1x2x64x16xf32> score_mod {
  ^bb0(%s: tensor<1x2x64x64xf32>):
    %t = seq.tanh %s : (tensor<1x2x64x64xf32>) -> tensor<1x2x64x64xf32>
    seq.yield %t : tensor<1x2x64x64xf32>
  }
  return %0 : tensor<1x2x64x16xf32>
}

// -----

// An explicit softmax_precision.
// CHECK-LABEL: func @softmax_precision
// CHECK-NOT: scf.forall
// CHECK: seq.attention
// NAIVE-LABEL: func @softmax_precision
// NAIVE-NOT: seq.attention
func.func @softmax_precision(%q: tensor<1x2x64x16xf32>) -> tensor<1x2x64x16xf32> {
  %0 = seq.attention %q, %q, %q scale = 0.25 softmax_precision = f64 : (tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>) -> tensor<1x2x64x16xf32>
  return %0 : tensor<1x2x64x16xf32>
}
