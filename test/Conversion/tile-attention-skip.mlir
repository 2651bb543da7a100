// RUN: seq-opt --seq-tile-attention="block-q=32 block-kv=32 approx-exp=false" %s --split-input-file | FileCheck %s
// RUN: seq-opt --seq-tile-attention="block-q=32 block-kv=32 skip-masked=false approx-exp=false" %s --split-input-file | FileCheck %s --check-prefix=DENSE
// Skipping K/V tiles the positional masks hide entirely: the tile loop runs
// over [lo, hi) computed from the query tile's first and last positions.

// Causal, 128 x 128 in 32-tiles: query tile t visits t + 1 of 4 K/V tiles
// (10 of 16 per head). The visited range is split into tiles below the
// diagonal, visible to every row (no positional select), and the diagonal
// tile(s) that mask.
// CHECK-LABEL: func @causal
// CHECK: scf.forall
// CHECK: arith.minsi %{{.*}}, %c127
// CHECK: arith.floordivsi
// CHECK: %[[HI:.*]] = arith.minsi %c4
// CHECK: scf.for
// CHECK: arith.cmpi sgt
// CHECK: } {seq.kv_tile_loop}
// CHECK: scf.for
// CHECK-NOT: arith.cmpi
// CHECK: } {seq.kv_tile_loop}
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[HI]]
// CHECK: arith.cmpi sgt
// CHECK: } {seq.kv_tile_loop}
// CHECK: seq.kv_tiles_dense = 32 : i64, seq.kv_tiles_visited = 20 : i64
// DENSE-LABEL: func @causal
// DENSE-NOT: arith.floordivsi
// DENSE: seq.kv_tiles_dense = 32 : i64, seq.kv_tiles_visited = 32 : i64
func.func @causal(%q: tensor<1x2x128x16xf32>, %k: tensor<1x2x128x16xf32>) -> tensor<1x2x128x16xf32> {
  %0 = seq.attention %q, %k, %k scale = 0.25 causal : (tensor<1x2x128x16xf32>, tensor<1x2x128x16xf32>, tensor<1x2x128x16xf32>) -> tensor<1x2x128x16xf32>
  return %0 : tensor<1x2x128x16xf32>
}

// -----

// Sliding window (left 16, right 0) with a query offset of 64 (cached keys):
// each 32-row query tile sees at most 2 of the 6 K/V tiles, so both ends of
// the range are computed; both band edges mask, nothing is interior.
// CHECK-LABEL: func @window
// CHECK: arith.floordivsi
// CHECK: %[[HI:.*]] = arith.minsi %c6
// CHECK: arith.floordivsi
// CHECK: arith.maxsi
// CHECK: %[[LO:.*]] = arith.minsi
// CHECK: scf.for %{{.*}} = %[[LO]] to
// CHECK: arith.subi
// CHECK: arith.cmpi sgt, %{{.*}}, %c16
// CHECK: arith.subi
// CHECK: arith.cmpi sgt, %{{.*}}, %c0
// CHECK: } {seq.kv_tile_loop}
// CHECK: scf.for
// CHECK: } {seq.kv_tile_loop}
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[HI]]
// CHECK: seq.kv_tiles_dense = 24 : i64, seq.kv_tiles_visited = 8 : i64
func.func @window(%q: tensor<1x1x128x16xf32>, %k: tensor<1x1x192x16xf32>) -> tensor<1x1x128x16xf32> {
  %0 = seq.attention %q, %k, %k scale = 0.25 {query_offset = 64 : si64, window_left = 16 : si64, window_right = 0 : si64} : (tensor<1x1x128x16xf32>, tensor<1x1x192x16xf32>, tensor<1x1x192x16xf32>) -> tensor<1x1x128x16xf32>
  return %0 : tensor<1x1x128x16xf32>
}
