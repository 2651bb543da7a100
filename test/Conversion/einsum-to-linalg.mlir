// RUN: seq-opt %s --split-input-file --seq-to-linalg | FileCheck %s

// The subscripts are the indexing maps: output loops (b, i, k) first, the
// summed label j last.
// CHECK-DAG: #[[X:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG: #[[Y:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>
// CHECK-DAG: #[[Z:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func @batch_matmul
// CHECK: linalg.fill
// CHECK: linalg.generic {indexing_maps = [#[[X]], #[[Y]], #[[Z]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @batch_matmul(%a: tensor<5x2x3xf32>, %b: tensor<5x3x4xf32>) -> tensor<5x2x4xf32> {
  %0 = seq.einsum "bij, bjk -> bik" %a, %b : (tensor<5x2x3xf32>, tensor<5x3x4xf32>) -> tensor<5x2x4xf32>
  return %0 : tensor<5x2x4xf32>
}

// -----

// A repeated label reads the diagonal: the same loop twice.
// CHECK-DAG: #[[D:.*]] = affine_map<(d0, d1) -> (d0, d1, d1)>
// CHECK-LABEL: func @diagonal
// CHECK: linalg.generic {indexing_maps = [#[[D]], {{.*}}], iterator_types = ["parallel", "parallel"]}
func.func @diagonal(%d: tensor<3x5x5xf32>) -> tensor<3x5xf32> {
  %1 = seq.einsum "...ii ->...i" %d : (tensor<3x5x5xf32>) -> tensor<3x5xf32>
  return %1 : tensor<3x5xf32>
}

// -----

// A size-1 ellipsis dim broadcasting against a larger one reads index 0.
// CHECK-DAG: #[[A:.*]] = affine_map<(d0, d1, d2) -> (d0, 0, d2)>
// CHECK-DAG: #[[B:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-LABEL: func @broadcast_ellipsis
// CHECK: linalg.generic {indexing_maps = [#[[A]], #[[B]], {{.*}}], iterator_types = ["parallel", "parallel", "reduction"]}
func.func @broadcast_ellipsis(%a: tensor<2x1x3xf32>, %b: tensor<4x3xf32>) -> tensor<2x4xf32> {
  %1 = seq.einsum "...j,...j->..." %a, %b : (tensor<2x1x3xf32>, tensor<4x3xf32>) -> tensor<2x4xf32>
  return %1 : tensor<2x4xf32>
}

// -----

// Implicit output of "i,i" is a scalar.
// CHECK-DAG: #[[S:.*]] = affine_map<(d0) -> ()>
// CHECK-LABEL: func @inner
// CHECK: linalg.generic {{.*}}#[[S]]], iterator_types = ["reduction"]} {{.*}} outs(%{{.*}} : tensor<f32>)
func.func @inner(%a: tensor<5xf32>) -> tensor<f32> {
  %1 = seq.einsum "i,i" %a, %a : (tensor<5xf32>, tensor<5xf32>) -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// bf16 accumulates in f32 and rounds once at the end.
// CHECK-LABEL: func @bf16
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<3xf32>)
// CHECK: arith.extf %{{.*}} : bf16 to f32
// CHECK: linalg.generic
// CHECK: arith.truncf %{{.*}} : f32 to bf16
func.func @bf16(%a: tensor<3x4xbf16>) -> tensor<3xbf16> {
  %1 = seq.einsum "ij->i" %a : (tensor<3x4xbf16>) -> tensor<3xbf16>
  return %1 : tensor<3xbf16>
}
