// RUN: seq-opt %s | seq-opt | FileCheck %s
// RUN: seq-opt %s --mlir-print-op-generic | seq-opt | FileCheck %s

// Plain linear attention: additive rule, no gate, zero initial state.
// CHECK-LABEL: func @linear
// CHECK: seq.linear_scan additive %{{.*}}, %{{.*}}, %{{.*}} scale = 0.353553385 : (tensor<2x4x3x8xf32>, tensor<2x4x3x8xf32>, tensor<2x4x3x6xf32>) -> (tensor<2x4x3x6xf32>, tensor<2x4x8x6xf32>)
func.func @linear(%q: tensor<2x4x3x8xf32>, %k: tensor<2x4x3x8xf32>, %v: tensor<2x4x3x6xf32>) -> (tensor<2x4x3x6xf32>, tensor<2x4x8x6xf32>) {
  %o, %s = seq.linear_scan additive %q, %k, %v scale = 0.353553385 : (tensor<2x4x3x8xf32>, tensor<2x4x3x8xf32>, tensor<2x4x3x6xf32>) -> (tensor<2x4x3x6xf32>, tensor<2x4x8x6xf32>)
  return %o, %s : tensor<2x4x3x6xf32>, tensor<2x4x8x6xf32>
}

// Gated DeltaNet with GQA (8 query heads on 4 kv heads), a per-head decay,
// a carried f32 state for f16 activations and the chunk-size hint.
// CHECK-LABEL: func @gated_delta_gqa
// CHECK: seq.linear_scan delta %{{.*}}, %{{.*}}, %{{.*}} state %{{.*}} decay %{{.*}} beta %{{.*}} scale = 2.500000e-01 chunk_size = 64 : (tensor<1x8x5x8xf16>, tensor<1x4x5x8xf16>, tensor<1x4x5x8xf16>, tensor<1x4x8x8xf32>, tensor<1x4x5x1xf16>, tensor<1x1x5x1xf16>) -> (tensor<1x8x5x8xf16>, tensor<1x4x8x8xf32>)
func.func @gated_delta_gqa(%q: tensor<1x8x5x8xf16>, %k: tensor<1x4x5x8xf16>, %v: tensor<1x4x5x8xf16>, %s0: tensor<1x4x8x8xf32>, %g: tensor<1x4x5x1xf16>, %b: tensor<1x1x5x1xf16>) -> (tensor<1x8x5x8xf16>, tensor<1x4x8x8xf32>) {
  %o, %s = seq.linear_scan delta %q, %k, %v state %s0 decay %g beta %b scale = 0.25 chunk_size = 64 : (tensor<1x8x5x8xf16>, tensor<1x4x5x8xf16>, tensor<1x4x5x8xf16>, tensor<1x4x8x8xf32>, tensor<1x4x5x1xf16>, tensor<1x1x5x1xf16>) -> (tensor<1x8x5x8xf16>, tensor<1x4x8x8xf32>)
  return %o, %s : tensor<1x8x5x8xf16>, tensor<1x4x8x8xf32>
}

// GLA: a diagonal (per key channel) decay; dynamic sequence length.
// CHECK-LABEL: func @gla
// CHECK: seq.linear_scan additive %{{.*}}, %{{.*}}, %{{.*}} decay %{{.*}} scale = 1.000000e+00 : (tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>) -> (tensor<1x2x?x4xf32>, tensor<1x2x4x4xf32>)
func.func @gla(%q: tensor<1x2x?x4xf32>, %g: tensor<1x2x?x4xf32>) -> (tensor<1x2x?x4xf32>, tensor<1x2x4x4xf32>) {
  %o, %s = seq.linear_scan additive %q, %q, %q decay %g scale = 1.0 : (tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>) -> (tensor<1x2x?x4xf32>, tensor<1x2x4x4xf32>)
  return %o, %s : tensor<1x2x?x4xf32>, tensor<1x2x4x4xf32>
}

// CHECK-LABEL: func @causal_conv
// CHECK: seq.causal_conv %{{.*}}, %{{.*}} : (tensor<2x4x8xf32>, tensor<4x3xf32>) -> (tensor<2x4x8xf32>, tensor<2x4x2xf32>)
// CHECK: seq.causal_conv %{{.*}}, %{{.*}} bias %{{.*}} state %{{.*}} activation = silu : (tensor<2x4x8xf32>, tensor<4x3xf32>, tensor<4xf32>, tensor<2x4x2xf32>) -> (tensor<2x4x8xf32>, tensor<2x4x2xf32>)
// CHECK: seq.causal_conv %{{.*}}, %{{.*}} : (tensor<2x4x8xf32>, tensor<4x1xf32>) -> (tensor<2x4x8xf32>, tensor<2x4x0xf32>)
func.func @causal_conv(%x: tensor<2x4x8xf32>, %w: tensor<4x3xf32>, %b: tensor<4xf32>, %s0: tensor<2x4x2xf32>, %w1: tensor<4x1xf32>) -> (tensor<2x4x8xf32>, tensor<2x4x2xf32>, tensor<2x4x0xf32>) {
  %y, %s = seq.causal_conv %x, %w : (tensor<2x4x8xf32>, tensor<4x3xf32>) -> (tensor<2x4x8xf32>, tensor<2x4x2xf32>)
  %y2, %s2 = seq.causal_conv %x, %w bias %b state %s0 activation = silu : (tensor<2x4x8xf32>, tensor<4x3xf32>, tensor<4xf32>, tensor<2x4x2xf32>) -> (tensor<2x4x8xf32>, tensor<2x4x2xf32>)
  %y3, %s3 = seq.causal_conv %x, %w1 activation = none : (tensor<2x4x8xf32>, tensor<4x1xf32>) -> (tensor<2x4x8xf32>, tensor<2x4x0xf32>)
  return %y2, %s2, %s3 : tensor<2x4x8xf32>, tensor<2x4x2xf32>, tensor<2x4x0xf32>
}
