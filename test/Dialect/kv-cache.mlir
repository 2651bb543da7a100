// RUN: seq-opt %s --split-input-file | seq-opt | FileCheck %s

// CHECK-LABEL: func @contiguous
// CHECK: seq.kv_cache_append %{{.*}} into %{{.*}} at %{{.*}} : tensor<1x2x1x32xf32> into tensor<1x2x64x32xf32>, tensor<i64>
func.func @contiguous(%new: tensor<1x2x1x32xf32>, %cache: tensor<1x2x64x32xf32>,
                      %pos: tensor<i64>) -> tensor<1x2x64x32xf32> {
  %0 = seq.kv_cache_append %new into %cache at %pos
      : tensor<1x2x1x32xf32> into tensor<1x2x64x32xf32>, tensor<i64>
  return %0 : tensor<1x2x64x32xf32>
}

// -----

// CHECK-LABEL: func @paged
// CHECK: seq.kv_cache_append %{{.*}} into %{{.*}} at %{{.*}} blocks %{{.*}} : tensor<1x2x3x32xf32> into tensor<8x2x16x32xf32>, tensor<i64>, tensor<1x4xi32>
// CHECK: seq.kv_cache_view %{{.*}} blocks %{{.*}} : tensor<8x2x16x32xf32>, tensor<1x4xi32> -> tensor<1x2x64x32xf32>
func.func @paged(%new: tensor<1x2x3x32xf32>, %cache: tensor<8x2x16x32xf32>,
                 %pos: tensor<i64>, %table: tensor<1x4xi32>) -> tensor<1x2x64x32xf32> {
  %0 = seq.kv_cache_append %new into %cache at %pos blocks %table
      : tensor<1x2x3x32xf32> into tensor<8x2x16x32xf32>, tensor<i64>, tensor<1x4xi32>
  %1 = seq.kv_cache_view %0 blocks %table
      : tensor<8x2x16x32xf32>, tensor<1x4xi32> -> tensor<1x2x64x32xf32>
  return %1 : tensor<1x2x64x32xf32>
}
