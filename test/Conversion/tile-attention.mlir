// RUN: seq-opt --seq-tile-attention="approx-exp=false" %s --split-input-file | FileCheck %s
// RUN: seq-opt --seq-tile-attention="block-kv=0 approx-exp=false" %s --split-input-file | FileCheck %s --check-prefix=ONLINE
// RUN: seq-opt --seq-tile-attention %s --split-input-file | FileCheck %s --check-prefix=APPROX
// The tiled 1-pass cascade: parallel (b, h, g, query tile) forall around a
// sequential K/V tile loop carrying (max, sum, acc) with exp(m_old - m_new)
// correction; Einsum tile contractions with a contiguous inner loop.

// CHECK-DAG: #[[QD:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[DK:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[QK:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func @mha
// Kᵀ once, outside the loops.
// CHECK: linalg.generic {{.*}} ins(%arg1 : tensor<1x2x128x16xf32>) outs(%{{.*}} : tensor<1x2x16x128xf32>)
// CHECK: scf.forall (%[[B:.*]], %[[H:.*]], %[[G:.*]], %[[T:.*]]) in (1, 2, 1, 2) shared_outs(%[[OUT:.*]] = %{{.*}}) -> (tensor<1x2x1x128x16xf32>)
// CHECK: %[[Q0:.*]] = tensor.extract_slice {{.*}} : tensor<1x2x1x128x16xf32> to tensor<64x16xf32>
// No softcap: the scale is applied to the Q tile once.
// CHECK: %[[Q:.*]] = linalg.generic {{.*}} ins(%[[Q0]] : tensor<64x16xf32>)
// CHECK: arith.mulf
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[M:.*]] = %{{.*}}, %[[L:.*]] = %{{.*}}, %[[ACC:.*]] = %{{.*}}) -> (tensor<64xf32>, tensor<64xf32>, tensor<64x16xf32>)
// CHECK: tensor.extract_slice {{.*}} : tensor<1x2x16x128xf32> to tensor<16x64xf32>
// CHECK: tensor.extract_slice {{.*}} : tensor<1x2x128x16xf32> to tensor<64x16xf32>
// QK per tile: "qd,dk->qk", loops (q, d, k); nothing to mask, so its
// result feeds the running max directly.
// CHECK: linalg.generic {indexing_maps = [#[[QD]], #[[DK]], #[[QK]]], iterator_types = ["parallel", "reduction", "parallel"]} ins(%[[Q]], %{{.*}} : tensor<64x16xf32>, tensor<16x64xf32>) {{.*}}seq.kv_dim = 2
// CHECK: arith.mulf
// CHECK-NEXT: arith.addf
// Running max, correction, probabilities, sum, rescaled accumulator.
// CHECK: arith.maximumf {{.*}} fastmath<reassoc>
// CHECK: arith.maximumf
// CHECK: arith.cmpf oeq
// CHECK: math.exp
// CHECK: math.exp
// CHECK: arith.mulf
// CHECK: arith.addf {{.*}} fastmath<reassoc>
// CHECK: arith.mulf
// PV per tile: "qk,ke->qe".
// CHECK: linalg.generic {indexing_maps = [#[[QD]], #[[DK]], #[[QK]]], iterator_types = ["parallel", "reduction", "parallel"]} {{.*}}seq.kv_dim = 1
// CHECK: scf.yield
// CHECK: } {seq.kv_tile_loop}
// CHECK: arith.divf
// CHECK: scf.forall.in_parallel
// CHECK: tensor.parallel_insert_slice {{.*}} into %[[OUT]]
// CHECK: seq.block_kv = 64 : i64, seq.block_q = 64 : i64, seq.cascade = "online", seq.kv_tiles_dense = 8 : i64, seq.kv_tiles_visited = 8 : i64, seq.split_kv = 1 : i64
// The f32 exps in the cascade become a vectorizable polynomial.
// APPROX-LABEL: func @mha
// APPROX: scf.forall
// APPROX-NOT: math.exp
// APPROX: math.fma
// APPROX-NOT: math.exp
// APPROX: seq.cascade = "online"
// Untiled online softmax: one K/V tile of the whole length.
// ONLINE-LABEL: func @mha
// ONLINE: scf.for
// ONLINE: tensor<16x128xf32>
// ONLINE: seq.block_kv = 128 : i64
func.func @mha(%q: tensor<1x2x128x16xf32>, %k: tensor<1x2x128x16xf32>, %v: tensor<1x2x128x16xf32>) -> tensor<1x2x128x16xf32> {
  %0 = seq.attention %q, %k, %v scale = 0.25 : (tensor<1x2x128x16xf32>, tensor<1x2x128x16xf32>, tensor<1x2x128x16xf32>) -> tensor<1x2x128x16xf32>
  return %0 : tensor<1x2x128x16xf32>
}

// -----

// GQA (4 query heads over 2 kv heads) with an i1 mask and padding: 100
// queries / 70 keys in 64-wide tiles pad to 128 / 128; padded keys are
// masked.
// CHECK-LABEL: func @gqa_mask_pad
// CHECK: tensor.pad
// CHECK: scf.forall ({{.*}}) in (1, 2, 2, 2)
// CHECK: scf.for
// CHECK: tensor.extract_slice {{.*}} : tensor<1x1x1x128x128xi1> to tensor<64x64xi1>
// CHECK: arith.select
// CHECK: arith.cmpi uge, %{{.*}}, %c70
// CHECK: tensor.extract_slice {{.*}} : tensor<1x2x2x128x16xf32> to tensor<1x2x2x100x16xf32>
func.func @gqa_mask_pad(%q: tensor<1x4x100x16xf32>, %k: tensor<1x2x70x16xf32>, %v: tensor<1x2x70x16xf32>, %m: tensor<100x70xi1>) -> tensor<1x4x100x16xf32> {
  %0 = seq.attention %q, %k, %v mask %m scale = 0.25 : (tensor<1x4x100x16xf32>, tensor<1x2x70x16xf32>, tensor<1x2x70x16xf32>, tensor<100x70xi1>) -> tensor<1x4x100x16xf32>
  return %0 : tensor<1x4x100x16xf32>
}

// -----

// A run-time kv_seqlen with causal masking: the query offset
// kv_seqlen[b] - Sq is read inside the forall (features the cascade does
// not handle are in tile-attention-fallbacks.mlir).
// CHECK-LABEL: func @kv_seqlen_causal
// CHECK-NOT: seq.attention
// CHECK: scf.forall
// CHECK: tensor.extract %arg2[%{{.*}}] : tensor<2xi64>
// CHECK: arith.subi %{{.*}}, %c4
func.func @kv_seqlen_causal(%q: tensor<2x2x4x8xf32>, %k: tensor<2x2x6x8xf32>, %l: tensor<2xi64>) -> tensor<2x2x4x8xf32> {
  %0 = seq.attention %q, %k, %k kv_seqlen %l scale = 0.5 causal : (tensor<2x2x4x8xf32>, tensor<2x2x6x8xf32>, tensor<2x2x6x8xf32>, tensor<2xi64>) -> tensor<2x2x4x8xf32>
  return %0 : tensor<2x2x4x8xf32>
}
