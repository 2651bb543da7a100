// RUN: seq-opt %s | seq-opt | FileCheck %s
// RUN: seq-opt %s --mlir-print-op-generic | seq-opt | FileCheck %s
// seq.attention with FlexAttention's score_mod / prob_mod regions and a
// softmax_precision: round trip through the custom and the generic form.

// CHECK-LABEL: func @score_mod
func.func @score_mod(%q: tensor<1x4x3x8xf32>, %k: tensor<1x2x5x8xf32>, %v: tensor<1x2x5x6xf32>, %bias: tensor<3x5xf32>) -> tensor<1x4x3x6xf32> {
  // CHECK: seq.attention %{{.*}}, %{{.*}}, %{{.*}} scale = 5.000000e-01 : (tensor<1x4x3x8xf32>, tensor<1x2x5x8xf32>, tensor<1x2x5x6xf32>) -> tensor<1x4x3x6xf32> score_mod {
  // CHECK-NEXT: ^bb0(%[[S:.*]]: tensor<1x4x3x5xf32>):
  // CHECK-NEXT: %[[B:.*]] = seq.add %[[S]], %{{.*}} : (tensor<1x4x3x5xf32>, tensor<3x5xf32>) -> tensor<1x4x3x5xf32>
  // CHECK-NEXT: seq.yield %[[B]] : tensor<1x4x3x5xf32>
  // CHECK-NEXT: }
  // CHECK-NOT: prob_mod
  %0 = seq.attention %q, %k, %v scale = 0.5 : (tensor<1x4x3x8xf32>, tensor<1x2x5x8xf32>, tensor<1x2x5x6xf32>) -> tensor<1x4x3x6xf32> score_mod {
  ^bb0(%s: tensor<1x4x3x5xf32>):
    %b = seq.add %s, %bias : (tensor<1x4x3x5xf32>, tensor<3x5xf32>) -> tensor<1x4x3x5xf32>
    seq.yield %b : tensor<1x4x3x5xf32>
  }
  return %0 : tensor<1x4x3x6xf32>
}

// Half inputs: the regions work on f32 (the default softmax type).
// CHECK-LABEL: func @both_half
func.func @both_half(%q: tensor<1x2x3x8xf16>) -> tensor<1x2x3x8xf16> {
  // CHECK: seq.attention {{.*}} scale = 1.250000e-01 causal : {{.*}} score_mod {
  // CHECK: ^bb0(%{{.*}}: tensor<1x2x3x3xf32>):
  // CHECK: seq.tanh
  // CHECK: } prob_mod {
  // CHECK: ^bb0(%{{.*}}: tensor<1x2x3x3xf32>):
  // CHECK: seq.mul
  %0 = seq.attention %q, %q, %q scale = 0.125 causal : (tensor<1x2x3x8xf16>, tensor<1x2x3x8xf16>, tensor<1x2x3x8xf16>) -> tensor<1x2x3x8xf16> score_mod {
  ^bb0(%s: tensor<1x2x3x3xf32>):
    %t = seq.tanh %s : (tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
    seq.yield %t : tensor<1x2x3x3xf32>
  } prob_mod {
  ^bb0(%p: tensor<1x2x3x3xf32>):
    %c = arith.constant dense<2.0> : tensor<f32>
    %m = seq.mul %p, %c : (tensor<1x2x3x3xf32>, tensor<f32>) -> tensor<1x2x3x3xf32>
    seq.yield %m : tensor<1x2x3x3xf32>
  }
  return %0 : tensor<1x2x3x8xf16>
}

// softmax_precision sets the regions' element type.
// CHECK-LABEL: func @precision
func.func @precision(%q: tensor<1x2x3x8xf32>) -> tensor<1x2x3x8xf32> {
  // CHECK: seq.attention {{.*}} scale = 1.250000e-01 softmax_precision = f16 : {{.*}} prob_mod {
  // CHECK: ^bb0(%{{.*}}: tensor<1x2x3x3xf16>):
  %0 = seq.attention %q, %q, %q scale = 0.125 softmax_precision = f16 : (tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>) -> tensor<1x2x3x8xf32> prob_mod {
  ^bb0(%p: tensor<1x2x3x3xf16>):
    seq.yield %p : tensor<1x2x3x3xf16>
  }
  // CHECK: seq.attention {{.*}} softmax_precision = f64 : {{.*}} -> tensor<1x2x3x8xf32>
  // CHECK-NOT: score_mod
  %1 = seq.attention %q, %q, %q scale = 0.125 softmax_precision = f64 : (tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>) -> tensor<1x2x3x8xf32>
  %2 = seq.add %0, %1 : (tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>) -> tensor<1x2x3x8xf32>
  return %2 : tensor<1x2x3x8xf32>
}
