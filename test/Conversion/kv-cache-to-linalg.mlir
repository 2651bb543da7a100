// RUN: seq-opt %s --split-input-file --seq-to-linalg | FileCheck %s

// Contiguous: one insert_slice at the checked, clamped run-time position.
// CHECK-LABEL: func @contiguous
// CHECK: %[[P:.*]] = tensor.extract %arg2[] : tensor<i64>
// CHECK: cf.assert %{{.*}}, "seq.kv_cache_append{{.*}}: the position plus the 1 appended positions exceeds the cache of 64"
// CHECK: %[[C:.*]] = arith.minsi
// CHECK: tensor.insert_slice %arg0 into %arg1[0, 0, %[[C]], 0] [1, 2, 1, 32] [1, 1, 1, 1] : tensor<1x2x1x32xf32> into tensor<1x2x64x32xf32>
func.func @contiguous(%new: tensor<1x2x1x32xf32>, %cache: tensor<1x2x64x32xf32>,
                      %pos: tensor<i64>) -> tensor<1x2x64x32xf32> {
  %0 = seq.kv_cache_append %new into %cache at %pos
      : tensor<1x2x1x32xf32> into tensor<1x2x64x32xf32>, tensor<i64>
  return %0 : tensor<1x2x64x32xf32>
}

// -----

// Paged: each (row, position) goes to block_table[b, p / 16] at p % 16;
// the view gathers the blocks back in order.
// CHECK-LABEL: func @paged
// CHECK: cf.assert {{.*}}the appended positions exceed the block table's 4 blocks of 16
// CHECK: scf.for
// CHECK: scf.for
// CHECK: arith.divsi
// CHECK: arith.remsi
// CHECK: cf.assert {{.*}}a block id is outside the 8 cache blocks
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[%{{.*}}, 0, %{{.*}}, 0] [1, 2, 1, 32]
// CHECK: linalg.generic
// CHECK: tensor.extract %arg2[%{{.*}}, %{{.*}}] : tensor<1x4xi32>
// CHECK: tensor.extract %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] : tensor<8x2x16x32xf32>
func.func @paged(%new: tensor<1x2x3x32xf32>, %cache: tensor<8x2x16x32xf32>,
                 %table: tensor<1x4xi32>, %pos: tensor<i64>) -> tensor<1x2x64x32xf32> {
  %0 = seq.kv_cache_append %new into %cache at %pos blocks %table
      : tensor<1x2x3x32xf32> into tensor<8x2x16x32xf32>, tensor<i64>, tensor<1x4xi32>
  %1 = seq.kv_cache_view %0 blocks %table
      : tensor<8x2x16x32xf32>, tensor<1x4xi32> -> tensor<1x2x64x32xf32>
  return %1 : tensor<1x2x64x32xf32>
}
