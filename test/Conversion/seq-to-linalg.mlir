// RUN: seq-opt %s --split-input-file --seq-to-linalg | FileCheck %s

// Elementwise ops read broadcast operands through indexing maps.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func @add_broadcast
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK: arith.addf
func.func @add_broadcast(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = seq.add %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// A unit dim under a non-unit loop reads index 0.
// CHECK-DAG: #[[B0:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-LABEL: func @select_unit_dim
// CHECK: linalg.generic {indexing_maps = [#[[B0]], {{.*}}]
// CHECK: arith.select
func.func @select_unit_dim(%c: tensor<2x1xi1>, %a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = seq.select %c, %a, %a : (tensor<2x1xi1>, tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// matmul is the Einsum ...mk,kn->...mn with the batch dim broadcast; loops
// (b, m, k, n) keep the innermost loop contiguous.
// CHECK-DAG: #[[L:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-DAG: #[[R:.*]] = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
// CHECK-DAG: #[[O:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-LABEL: func @matmul
// CHECK: linalg.fill
// CHECK: linalg.generic {indexing_maps = [#[[L]], #[[R]], #[[O]]], iterator_types = ["parallel", "parallel", "reduction", "parallel"]}
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @matmul(%a: tensor<4x2x3xf32>, %b: tensor<3x5xf32>) -> tensor<4x2x5xf32> {
  %0 = seq.matmul %a, %b : (tensor<4x2x3xf32>, tensor<3x5xf32>) -> tensor<4x2x5xf32>
  return %0 : tensor<4x2x5xf32>
}

// -----

// CHECK-LABEL: func @transpose
// CHECK: linalg.transpose ins({{.*}} : tensor<2x3x4xf32>) outs({{.*}} : tensor<4x2x3xf32>) permutation = [2, 0, 1]
func.func @transpose(%a: tensor<2x3x4xf32>) -> tensor<4x2x3xf32> {
  %0 = seq.transpose %a [2, 0, 1] : tensor<2x3x4xf32> -> tensor<4x2x3xf32>
  return %0 : tensor<4x2x3xf32>
}

// -----

// CHECK-LABEL: func @reshape
// CHECK: tensor.collapse_shape {{.*}} into tensor<6xf32>
// CHECK: tensor.expand_shape {{.*}} output_shape [3, 2]
func.func @reshape(%a: tensor<2x3xf32>) -> tensor<3x2xf32> {
  %0 = seq.reshape %a : tensor<2x3xf32> -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// Negative indices wrap around the gathered dim.
// CHECK-LABEL: func @gather
// CHECK: linalg.generic
// CHECK: arith.index_cast
// CHECK: arith.cmpi slt
// CHECK: arith.select
// CHECK: tensor.extract
func.func @gather(%a: tensor<6x4xf32>, %i: tensor<5xi64>) -> tensor<5x4xf32> {
  %0 = seq.gather %a[%i] axis = 0 : (tensor<6x4xf32>, tensor<5xi64>) -> tensor<5x4xf32>
  return %0 : tensor<5x4xf32>
}

// -----

// mean = sum, then divide by the count; keep_dims re-expands.
// CHECK-LABEL: func @reduce_mean
// CHECK: %[[N:.*]] = arith.constant 4.000000e+00
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: arith.addf
// CHECK: arith.divf %{{.*}}, %[[N]]
// CHECK: tensor.expand_shape {{.*}} tensor<3x1xf32>
func.func @reduce_mean(%a: tensor<3x4xf32>) -> tensor<3x1xf32> {
  %0 = seq.reduce mean %a axes = [-1] keep_dims : tensor<3x4xf32> -> tensor<3x1xf32>
  return %0 : tensor<3x1xf32>
}

// -----

// softmax: max, exp(x - max), sum, divide.
// CHECK-LABEL: func @softmax
// CHECK: arith.maximumf
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: arith.addf
// CHECK: arith.divf
func.func @softmax(%a: tensor<3x4xf32>) -> tensor<3x4xf32> {
  %0 = seq.softmax %a axis = 1 : tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// CHECK-LABEL: func @rms_norm
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: math.rsqrt
func.func @rms_norm(%a: tensor<3x4xf32>, %w: tensor<4xf32>) -> tensor<3x4xf32> {
  %0 = seq.rms_norm %a, %w axis = -1 epsilon = 1.0e-6 : (tensor<3x4xf32>, tensor<4xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// GQA attention: query heads split as [kv_heads, group] so K/V are read
// through projected permutations, then QK, mask, softmax, PV (K and V
// share the map (b, h, j, d|e)).
// CHECK-DAG: #[[Q:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d5)>
// CHECK-DAG: #[[K:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d4, d5)>
// CHECK-DAG: #[[P:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d4)>
// CHECK-LABEL: func @attention
// CHECK: tensor.expand_shape {{.*}} tensor<1x2x2x3x8xf32>
// CHECK: linalg.generic {indexing_maps = [#[[Q]], #[[K]], {{.*}}]
// CHECK: linalg.index 3
// CHECK: linalg.index 4
// CHECK: arith.cmpi sle
// CHECK: math.exp
// CHECK: arith.divf
// CHECK: linalg.generic {indexing_maps = [#[[P]], #[[K]], #[[Q]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "parallel"]}
// CHECK: tensor.expand_shape {{.*}} tensor<1x4x3x8xf32>
func.func @attention(%q: tensor<1x4x3x8xf32>, %k: tensor<1x2x5x8xf32>, %v: tensor<1x2x5x8xf32>) -> tensor<1x4x3x8xf32> {
  %0 = seq.attention %q, %k, %v scale = 0.5 causal : (tensor<1x4x3x8xf32>, tensor<1x2x5x8xf32>, tensor<1x2x5x8xf32>) -> tensor<1x4x3x8xf32>
  return %0 : tensor<1x4x3x8xf32>
}
