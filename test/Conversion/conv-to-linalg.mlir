// RUN: seq-opt %s --split-input-file --seq-to-linalg | FileCheck %s

// Grouped 2-D conv: pad, split channels into [G, C/G], im2col with a copy
// generic reading x at o * stride + k * dilation, then one batched matmul
// (n, g, m | r | p) seeded with the bias.
// CHECK-DAG: #[[COL:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d5 * 2 + d3, d6 * 2 + d4)>
// CHECK-DAG: #[[BIAS:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d2)>
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d1, d2, d3)>
// CHECK-DAG: #[[C:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3, d4)>
// CHECK-DAG: #[[O:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
// CHECK-LABEL: func @conv2d_group
// CHECK: tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: tensor.expand_shape {{.*}} into tensor<1x2x2x7x7xf32>
// CHECK: linalg.generic {indexing_maps = [#[[COL]], {{.*}}]{{.*}} outs(%{{.*}} : tensor<1x2x2x3x3x3x3xf32>)
// CHECK: %[[COLS:.*]] = tensor.expand_shape {{.*}} into tensor<1x2x18x9xf32>
// CHECK: %[[WT:.*]] = tensor.expand_shape {{.*}} into tensor<2x3x18xf32>
// CHECK: %[[INIT:.*]] = linalg.generic {indexing_maps = [#[[BIAS]], {{.*}}]
// CHECK: linalg.generic {indexing_maps = [#[[W]], #[[C]], #[[O]]], iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel"]} ins(%[[WT]], %[[COLS]] : {{.*}}) outs(%[[INIT]] :
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: tensor.expand_shape {{.*}} into tensor<1x6x3x3xf32>
func.func @conv2d_group(%x: tensor<1x4x5x5xf32>, %w: tensor<6x2x3x3xf32>, %b: tensor<6xf32>) -> tensor<1x6x3x3xf32> {
  %0 = seq.conv %x, %w, %b strides = [2, 2] dilations = [1, 1] pads = [1, 1, 1, 1] group = 2 : (tensor<1x4x5x5xf32>, tensor<6x2x3x3xf32>, tensor<6xf32>) -> tensor<1x6x3x3xf32>
  return %0 : tensor<1x6x3x3xf32>
}

// -----

// 1-D conv with dilation 2 and no padding or bias.
// CHECK-DAG: #[[X1:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4 + d3 * 2)>
// CHECK-LABEL: func @conv1d_dilated
// CHECK-NOT: tensor.pad
// CHECK: linalg.generic {indexing_maps = [#[[X1]], {{.*}}]{{.*}} outs(%{{.*}} : tensor<2x1x3x3x6xf32>)
// CHECK: linalg.fill
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel"]
func.func @conv1d_dilated(%x: tensor<2x3x10xf32>, %w: tensor<4x3x3xf32>) -> tensor<2x4x6xf32> {
  %0 = seq.conv %x, %w strides = [1] dilations = [2] pads = [0, 0] group = 1 : (tensor<2x3x10xf32>, tensor<4x3x3xf32>) -> tensor<2x4x6xf32>
  return %0 : tensor<2x4x6xf32>
}
