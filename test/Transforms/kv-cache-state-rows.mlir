// RUN: seq-opt %s --split-input-file --seq-kv-cache-state | FileCheck %s
// RUN: seq-opt %s --split-input-file --seq-kv-cache-state=block-size=16 | FileCheck %s --check-prefix=PAGED

// GroupQueryAttention's layout: attention reads the appended cache with a
// per-row kv_seqlen (seqlens_k + 1, i32), so row b's T = 2 new positions go
// to kv_seqlen[b] - 2: the append takes an i64 [3] position.
// CHECK-LABEL: func @main
// CHECK-SAME: %[[K:[a-z0-9]+]]: tensor<3x2x64x32xf32> {seq.cache_index = 0 : i64
// CHECK-SAME: %[[V:[a-z0-9]+]]: tensor<3x2x64x32xf32> {seq.cache_index = 1 : i64
// CHECK: %[[LEN:.*]] = seq.add
// CHECK: %[[L64:.*]] = seq.cast %[[LEN]] : tensor<3xi32> to tensor<3xi64>
// CHECK: %[[T:.*]] = arith.constant dense<2> : tensor<3xi64>
// CHECK: %[[ROWS:.*]] = seq.sub %[[L64]], %[[T]]
// CHECK: %[[AK:.*]] = seq.kv_cache_append %{{.*}} into %[[K]] at %[[ROWS]] : tensor<3x2x2x32xf32> into tensor<3x2x64x32xf32>, tensor<3xi64>
// CHECK: seq.kv_cache_append %{{.*}} into %[[V]] at %{{.*}} : tensor<3x2x2x32xf32> into tensor<3x2x64x32xf32>, tensor<3xi64>
// CHECK: seq.attention %{{.*}}, %[[AK]], %{{.*}} kv_seqlen %[[LEN]]
// PAGED-LABEL: func @main
// PAGED: seq.kv_cache_append %{{.*}} at %{{.*}} blocks %{{.*}} : tensor<3x2x2x32xf32> into tensor<12x2x16x32xf32>, tensor<i64>, tensor<3x4xi32>
func.func @main(%q: tensor<3x4x2x32xf32> {seq.name = "q"},
                %k: tensor<3x2x2x32xf32> {seq.name = "k"},
                %v: tensor<3x2x2x32xf32> {seq.name = "v"},
                %sk: tensor<3xi32> {seq.name = "seqlens_k"},
                %pk: tensor<3x2x62x32xf32> {seq.name = "past.key"},
                %pv: tensor<3x2x62x32xf32> {seq.name = "past.value"},
                %p: tensor<i64> {seq.name = "seq.past_len", seq.role = "pos"})
    -> (tensor<3x4x2x32xf32> {seq.name = "out"},
        tensor<3x2x64x32xf32> {seq.name = "present.key"},
        tensor<3x2x64x32xf32> {seq.name = "present.value"}) {
  %one = arith.constant dense<1> : tensor<3xi32>
  %len = seq.add %sk, %one : (tensor<3xi32>, tensor<3xi32>) -> tensor<3xi32>
  %ck = tensor.concat dim(2) %pk, %k : (tensor<3x2x62x32xf32>, tensor<3x2x2x32xf32>) -> tensor<3x2x64x32xf32>
  %cv = tensor.concat dim(2) %pv, %v : (tensor<3x2x62x32xf32>, tensor<3x2x2x32xf32>) -> tensor<3x2x64x32xf32>
  %o = seq.attention %q, %ck, %cv kv_seqlen %len scale = 0.25 causal : (tensor<3x4x2x32xf32>, tensor<3x2x64x32xf32>, tensor<3x2x64x32xf32>, tensor<3xi32>) -> tensor<3x4x2x32xf32>
  return %o, %ck, %cv : tensor<3x4x2x32xf32>, tensor<3x2x64x32xf32>, tensor<3x2x64x32xf32>
}

// -----

// Near miss: without kv_seqlen every row appends at the past length.
// CHECK-LABEL: func @main
// CHECK-SAME: %[[P:[a-z0-9]+]]: tensor<i64> {seq.name = "seq.past_len"
// CHECK: seq.kv_cache_append %{{.*}} into %{{.*}} at %[[P]] : tensor<3x2x1x32xf32> into tensor<3x2x64x32xf32>, tensor<i64>
// PAGED-LABEL: func @main
func.func @main(%q: tensor<3x4x1x32xf32> {seq.name = "q"},
                %k: tensor<3x2x1x32xf32> {seq.name = "k"},
                %v: tensor<3x2x1x32xf32> {seq.name = "v"},
                %pk: tensor<3x2x63x32xf32> {seq.name = "past.key"},
                %pv: tensor<3x2x63x32xf32> {seq.name = "past.value"},
                %p: tensor<i64> {seq.name = "seq.past_len", seq.role = "pos"})
    -> (tensor<3x4x1x32xf32> {seq.name = "out"},
        tensor<3x2x64x32xf32> {seq.name = "present.key"},
        tensor<3x2x64x32xf32> {seq.name = "present.value"}) {
  %ck = tensor.concat dim(2) %pk, %k : (tensor<3x2x63x32xf32>, tensor<3x2x1x32xf32>) -> tensor<3x2x64x32xf32>
  %cv = tensor.concat dim(2) %pv, %v : (tensor<3x2x63x32xf32>, tensor<3x2x1x32xf32>) -> tensor<3x2x64x32xf32>
  %o = seq.attention %q, %ck, %cv scale = 0.25 : (tensor<3x4x1x32xf32>, tensor<3x2x64x32xf32>, tensor<3x2x64x32xf32>) -> tensor<3x4x1x32xf32>
  return %o, %ck, %cv : tensor<3x4x1x32xf32>, tensor<3x2x64x32xf32>, tensor<3x2x64x32xf32>
}
