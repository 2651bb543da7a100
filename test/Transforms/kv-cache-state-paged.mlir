// RUN: seq-opt %s --split-input-file --seq-kv-cache-state="block-size=16" --verify-diagnostics | FileCheck %s

// Paged: the cache argument becomes a pool of B * 64 / 16 blocks, a block
// table argument is added, the append goes through it and attention reads
// the gathered view.
// CHECK-LABEL: func @main
// CHECK-SAME: %[[K:[a-z0-9]+]]: tensor<4x2x16x32xf32> {seq.cache_index = 0 : i64
// CHECK-SAME: %[[T:[a-z0-9]+]]: tensor<1x4xi32> {seq.name = "seq.block_table", seq.role = "blocks"}
// CHECK: %[[A:.*]] = seq.kv_cache_append %{{.*}} into %[[K]] at %{{.*}} blocks %[[T]]
// CHECK: %[[VIEW:.*]] = seq.kv_cache_view %[[A]] blocks %[[T]] : tensor<4x2x16x32xf32>, tensor<1x4xi32> -> tensor<1x2x64x32xf32>
// CHECK: seq.attention %{{.*}}, %[[VIEW]]
func.func @main(%q: tensor<1x4x1x32xf32> {seq.name = "q"},
                %k: tensor<1x2x1x32xf32> {seq.name = "k"},
                %v: tensor<1x2x1x32xf32> {seq.name = "v"},
                %pk: tensor<1x2x63x32xf32> {seq.name = "past.key"},
                %pv: tensor<1x2x63x32xf32> {seq.name = "past.value"},
                %p: tensor<i64> {seq.name = "seq.past_len", seq.role = "pos"})
    -> (tensor<1x4x1x32xf32> {seq.name = "out"},
        tensor<1x2x64x32xf32> {seq.name = "present.key"},
        tensor<1x2x64x32xf32> {seq.name = "present.value"}) {
  %ck = tensor.concat dim(2) %pk, %k : (tensor<1x2x63x32xf32>, tensor<1x2x1x32xf32>) -> tensor<1x2x64x32xf32>
  %cv = tensor.concat dim(2) %pv, %v : (tensor<1x2x63x32xf32>, tensor<1x2x1x32xf32>) -> tensor<1x2x64x32xf32>
  %o = seq.attention %q, %ck, %cv scale = 0.25 : (tensor<1x4x1x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>) -> tensor<1x4x1x32xf32>
  return %o, %ck, %cv : tensor<1x4x1x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>
}

// -----

// expected-error @+1 {{block size 16 does not divide the cache length 40}}
func.func @main(%k: tensor<1x2x1x32xf32>, %pk: tensor<1x2x39x32xf32>,
                %p: tensor<i64> {seq.role = "pos"}) -> tensor<1x2x40x32xf32> {
  %ck = tensor.concat dim(2) %pk, %k : (tensor<1x2x39x32xf32>, tensor<1x2x1x32xf32>) -> tensor<1x2x40x32xf32>
  return %ck : tensor<1x2x40x32xf32>
}
