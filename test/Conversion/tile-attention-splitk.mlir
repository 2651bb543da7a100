// RUN: seq-opt --seq-tile-attention %s --split-input-file | FileCheck %s
// RUN: seq-opt --seq-tile-attention="split-kv=1" %s --split-input-file | FileCheck %s --check-prefix=NOSPLIT
// Split-K for single-query decode: 1 query x 1024 keys is one query tile,
// so the 16 K/V tiles are split into 4 parts (auto) computed in parallel;
// each part leaves (acc, m, l) and a log-sum-exp merge combines them.

// CHECK-LABEL: func @decode
// The G = 2 query heads of a K/V head are the 2 rows of one query tile
// (each K/V tile is read once per K/V head).
// CHECK: tensor.expand_shape %{{.*}} output_shape [1, 2, 1, 2, 32]
// The part dim is outermost (parallel work for decode).
// CHECK: scf.forall (%[[P:[a-z0-9]*]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) in (4, 1, 2, 1, 1) shared_outs(%[[ACC:.*]] = %{{.*}}, %[[M:.*]] = %{{.*}}, %[[L:.*]] = %{{.*}}) -> (tensor<1x2x1x4x2x32xf32>, tensor<1x2x1x4x2xf32>, tensor<1x2x1x4x2xf32>)
// CHECK: arith.muli %[[P]], %c4
// CHECK: arith.maxsi
// CHECK: arith.minsi
// CHECK: scf.for
// CHECK: } {seq.kv_tile_loop}
// CHECK: scf.forall.in_parallel
// CHECK: tensor.parallel_insert_slice %{{.*}} into %[[ACC]]
// CHECK: tensor.parallel_insert_slice %{{.*}} into %[[M]]
// CHECK: tensor.parallel_insert_slice %{{.*}} into %[[L]]
// CHECK: seq.split_kv = 4 : i64
// Merge: M = max_p m_p; w_p = exp(m_p - M); L = sum_p w_p l_p;
// O = sum_p w_p acc_p / L.
// CHECK: iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel", "parallel"]
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: arith.divf
// NOSPLIT-LABEL: func @decode
// NOSPLIT: scf.forall ({{.*}}) in (1, 2, 1, 1) shared_outs
// NOSPLIT: seq.split_kv = 1 : i64
func.func @decode(%q: tensor<1x4x1x32xf32>, %k: tensor<1x2x1024x32xf32>) -> tensor<1x4x1x32xf32> {
  %0 = seq.attention %q, %k, %k scale = 0.125 : (tensor<1x4x1x32xf32>, tensor<1x2x1024x32xf32>, tensor<1x2x1024x32xf32>) -> tensor<1x4x1x32xf32>
  return %0 : tensor<1x4x1x32xf32>
}
