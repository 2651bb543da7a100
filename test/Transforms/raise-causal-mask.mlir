// RUN: seq-opt --seq-raise --split-input-file %s | FileCheck %s

// A constant top-left causal mask (0 on and below the diagonal, a huge
// negative value above) becomes the positional `causal` flag.
// CHECK-LABEL: func @float_causal
// CHECK: seq.attention %{{.*}}, %{{.*}}, %{{.*}} scale = 1.250000e-01 causal :
// CHECK-SAME: -> tensor<1x2x4x8xf32>
func.func @float_causal(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %m = arith.constant dense<[[[[0.0, -3.40282347E+38, -3.40282347E+38, -3.40282347E+38], [0.0, 0.0, -3.40282347E+38, -3.40282347E+38], [0.0, 0.0, 0.0, -3.40282347E+38], [0.0, 0.0, 0.0, 0.0]]]]> : tensor<1x1x4x4xf32>
  %0 = seq.attention %q, %k, %v mask %m scale = 0.125 : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x1x4x4xf32>) -> tensor<1x2x4x8xf32>
  return %0 : tensor<1x2x4x8xf32>
}

// -----

// The boolean form (true = keep), as a 2-D mask.
// CHECK-LABEL: func @bool_causal
// CHECK: seq.attention {{.*}} causal :
func.func @bool_causal(%q: tensor<1x2x3x8xf32>, %k: tensor<1x2x3x8xf32>, %v: tensor<1x2x3x8xf32>) -> tensor<1x2x3x8xf32> {
  %m = arith.constant dense<[[true, false, false], [true, true, false], [true, true, true]]> : tensor<3x3xi1>
  %0 = seq.attention %q, %k, %v mask %m scale = 0.125 : (tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>, tensor<3x3xi1>) -> tensor<1x2x3x8xf32>
  return %0 : tensor<1x2x3x8xf32>
}

// -----

// A moderate negative bias (-1e4) is not -inf: exp() of it is not 0, keep the mask.
// CHECK-LABEL: func @soft_bias
// CHECK: seq.attention {{.*}} mask
// CHECK-NOT: causal
func.func @soft_bias(%q: tensor<1x1x2x8xf32>, %k: tensor<1x1x2x8xf32>, %v: tensor<1x1x2x8xf32>) -> tensor<1x1x2x8xf32> {
  %m = arith.constant dense<[[0.0, -1.0e4], [0.0, 0.0]]> : tensor<2x2xf32>
  %0 = seq.attention %q, %k, %v mask %m scale = 0.125 : (tensor<1x1x2x8xf32>, tensor<1x1x2x8xf32>, tensor<1x1x2x8xf32>, tensor<2x2xf32>) -> tensor<1x1x2x8xf32>
  return %0 : tensor<1x1x2x8xf32>
}

// -----

// Bottom-right shaped masks (Sq < Skv, as with a KV cache) are not top-left causal.
// CHECK-LABEL: func @not_top_left
// CHECK: seq.attention {{.*}} mask
// CHECK-NOT: causal
func.func @not_top_left(%q: tensor<1x1x1x8xf32>, %k: tensor<1x1x2x8xf32>, %v: tensor<1x1x2x8xf32>) -> tensor<1x1x1x8xf32> {
  %m = arith.constant dense<[[0.0, 0.0]]> : tensor<1x2xf32>
  %0 = seq.attention %q, %k, %v mask %m scale = 0.125 : (tensor<1x1x1x8xf32>, tensor<1x1x2x8xf32>, tensor<1x1x2x8xf32>, tensor<1x2xf32>) -> tensor<1x1x1x8xf32>
  return %0 : tensor<1x1x1x8xf32>
}

// -----

// A mask that is an input, not a constant, stays.
// CHECK-LABEL: func @dynamic_mask
// CHECK: seq.attention {{.*}} mask
func.func @dynamic_mask(%q: tensor<1x1x2x8xf32>, %k: tensor<1x1x2x8xf32>, %v: tensor<1x1x2x8xf32>, %m: tensor<2x2xf32>) -> tensor<1x1x2x8xf32> {
  %0 = seq.attention %q, %k, %v mask %m scale = 0.125 : (tensor<1x1x2x8xf32>, tensor<1x1x2x8xf32>, tensor<1x1x2x8xf32>, tensor<2x2xf32>) -> tensor<1x1x2x8xf32>
  return %0 : tensor<1x1x2x8xf32>
}
