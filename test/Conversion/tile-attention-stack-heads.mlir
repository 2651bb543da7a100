// RUN: seq-opt --seq-tile-attention="approx-exp=false" %s --split-input-file | FileCheck %s
// RUN: seq-opt --seq-tile-attention="approx-exp=false stack-heads=false" %s --split-input-file | FileCheck %s --check-prefix=OFF
// GQA: the G query heads of a K/V head become the rows of one query tile
// ([Br * G, D], row r = query i0 + r / G of head r % G), so each K/V tile is
// packed and multiplied once per K/V head by G-times-taller products.

// CHECK-DAG: #[[QD:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[KD:.*]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// CHECK-DAG: #[[QK:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func @gqa_causal
// K is read in place ([Bc, D] row tiles packed by the micro-kernel once for
// all G heads), not transposed first.
// CHECK-NOT: tensor<1x2x16x128xf32>
// One task per (batch, K/V head, query tile): the group extent is 1. With
// 64-row query tiles there would be 4 tasks: they are halved to 32 rows
// (128 once stacked) for 8.
// CHECK: scf.forall (%[[B:.*]], %[[H:.*]], %{{.*}}, %[[T:.*]]) in (1, 2, 1, 4) shared_outs(%[[OUT:.*]] = %{{.*}}) -> (tensor<1x2x4x128x16xf32>)
// CHECK: %[[I0:.*]] = arith.muli %[[T]], %c32
// The group's [G, Br, D] query rows, scaled and reordered to (i, g).
// CHECK: %[[QS:.*]] = tensor.extract_slice %{{.*}}[%[[B]], %[[H]], 0, %[[I0]], 0] [1, 1, 4, 32, 16] [1, 1, 1, 1, 1] : tensor<1x2x4x128x16xf32> to tensor<4x32x16xf32>
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[QS]] : tensor<4x32x16xf32>) outs(%{{.*}} : tensor<32x4x16xf32>)
// CHECK: arith.mulf
// CHECK: tensor.expand_shape {{.*}} output_shape [128, 16]
// CHECK: scf.for {{.*}} -> (tensor<128xf32>, tensor<128xf32>, tensor<128x16xf32>)
// CHECK: %[[KT:.*]] = tensor.extract_slice %arg1[%[[B]], %[[H]], %{{.*}}, 0] [1, 1, 64, 16] [1, 1, 1, 1] : tensor<1x2x128x16xf32> to tensor<64x16xf32>
// CHECK: linalg.generic {indexing_maps = [#[[QD]], #[[KD]], #[[QK]]], {{.*}} ins(%{{.*}}, %[[KT]] : tensor<128x16xf32>, tensor<64x16xf32>) outs(%{{.*}} : tensor<128x64xf32>) {{.*}}seq.kv_dim = 2
// On the diagonal's edge tiles, the row's query position is r / G.
// CHECK: %[[ROW:.*]] = linalg.index 0
// CHECK: arith.divui %[[ROW]], %c4
// CHECK: arith.cmpi sgt
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<128x64xf32>, tensor<64x16xf32>) outs(%{{.*}} : tensor<128x16xf32>) {{.*}}seq.kv_dim = 1
// CHECK: } {seq.kv_tile_loop}
// O = acc / l, written as [G, Br, Dv] for the [B, Hkv, G, S, Dv] result.
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<32x4x16xf32>, tensor<32x4xf32>) outs(%{{.*}} : tensor<4x32x16xf32>)
// CHECK: arith.divf
// CHECK: tensor.parallel_insert_slice %{{.*}} into %[[OUT]][%[[B]], %[[H]], 0, %[[I0]], 0] [1, 1, 4, 32, 16]
// CHECK: seq.block_kv = 64 : i64, seq.block_q = 32 : i64, seq.cascade = "online", seq.kv_tiles_dense = 64 : i64, seq.kv_tiles_visited = 48 : i64
// OFF-LABEL: func @gqa_causal
// OFF: scf.forall ({{.*}}) in (1, 2, 4, 2)
// OFF-NOT: arith.divui
// OFF: seq.kv_tiles_dense = 32 : i64, seq.kv_tiles_visited = 24 : i64
func.func @gqa_causal(%q: tensor<1x8x128x16xf32>, %k: tensor<1x2x128x16xf32>, %v: tensor<1x2x128x16xf32>) -> tensor<1x8x128x16xf32> {
  %0 = seq.attention %q, %k, %v scale = 0.25 causal : (tensor<1x8x128x16xf32>, tensor<1x2x128x16xf32>, tensor<1x2x128x16xf32>) -> tensor<1x8x128x16xf32>
  return %0 : tensor<1x8x128x16xf32>
}

// -----

// Enough tasks (2 K/V heads x 8 query tiles): 64-row tiles, 256 rows stacked.
// CHECK-LABEL: func @gqa_long
// CHECK: scf.forall ({{.*}}) in (1, 2, 1, 8)
// CHECK: scf.for {{.*}} -> (tensor<256xf32>, tensor<256xf32>, tensor<256x16xf32>)
// CHECK: seq.block_q = 64 : i64
func.func @gqa_long(%q: tensor<1x8x512x16xf32>, %k: tensor<1x2x512x16xf32>, %v: tensor<1x2x512x16xf32>) -> tensor<1x8x512x16xf32> {
  %0 = seq.attention %q, %k, %v scale = 0.25 causal : (tensor<1x8x512x16xf32>, tensor<1x2x512x16xf32>, tensor<1x2x512x16xf32>) -> tensor<1x8x512x16xf32>
  return %0 : tensor<1x8x512x16xf32>
}

// -----

// Softcap: the stacked Q tile is copied unscaled (the scale is applied
// inside the softcap).
// CHECK-LABEL: func @gqa_softcap
// CHECK: scf.forall ({{.*}}) in (1, 1, 1, 1)
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<32x2x16xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: linalg.yield %[[IN]] : f32
// CHECK: math.tanh
func.func @gqa_softcap(%q: tensor<1x2x32x16xf32>, %k: tensor<1x1x32x16xf32>, %v: tensor<1x1x32x16xf32>) -> tensor<1x2x32x16xf32> {
  %0 = seq.attention %q, %k, %v scale = 0.25 {softcap = 30.0 : f32} : (tensor<1x2x32x16xf32>, tensor<1x1x32x16xf32>, tensor<1x1x32x16xf32>) -> tensor<1x2x32x16xf32>
  return %0 : tensor<1x2x32x16xf32>
}

// -----

// Negative: a mask (its rows would repeat per head) and one query head per
// K/V head keep one head per tile.
// CHECK-LABEL: func @not_stacked
// CHECK: scf.forall ({{.*}}) in (1, 2, 2, 1)
// CHECK-NOT: arith.divui
// CHECK: scf.forall ({{.*}}) in (1, 2, 1, 1)
// CHECK-NOT: arith.divui
// CHECK: return
func.func @not_stacked(%q: tensor<1x4x64x16xf32>, %k: tensor<1x2x64x16xf32>, %v: tensor<1x2x64x16xf32>, %m: tensor<64x64xi1>, %q2: tensor<1x2x64x16xf32>) -> (tensor<1x4x64x16xf32>, tensor<1x2x64x16xf32>) {
  %0 = seq.attention %q, %k, %v mask %m scale = 0.25 : (tensor<1x4x64x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>, tensor<64x64xi1>) -> tensor<1x4x64x16xf32>
  %1 = seq.attention %q2, %k, %v scale = 0.25 causal : (tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>) -> tensor<1x2x64x16xf32>
  return %0, %1 : tensor<1x4x64x16xf32>, tensor<1x2x64x16xf32>
}
