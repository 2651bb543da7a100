// RUN: seq-opt %s --split-input-file --seq-kv-cache-state --verify-diagnostics | FileCheck %s

// Decode form: present = concat(past, new) on axis 2 becomes an in-place
// append into the past argument (now the full cache), the present output is
// dropped, and attention reads the valid prefix (kv_seqlen = past_len + 1).
// CHECK: module attributes {seq.cache_names = ["present.key", "present.value"]}
// CHECK-LABEL: func @main
// CHECK-SAME: %[[K:[a-z0-9]+]]: tensor<1x2x64x32xf32> {seq.cache_index = 0 : i64, seq.name = "past.key", seq.role = "cache"}
// CHECK-SAME: %[[V:[a-z0-9]+]]: tensor<1x2x64x32xf32> {seq.cache_index = 1 : i64, seq.name = "past.value", seq.role = "cache"}
// CHECK-SAME: %[[P:[a-z0-9]+]]: tensor<i64> {seq.name = "seq.past_len", seq.role = "pos"}
// CHECK-SAME: -> (tensor<1x4x1x32xf32> {seq.name = "out"})
// CHECK: %[[AK:.*]] = seq.kv_cache_append %{{.*}} into %[[K]] at %[[P]]
// CHECK: %[[AV:.*]] = seq.kv_cache_append %{{.*}} into %[[V]] at %[[P]]
// CHECK: %[[LEN:.*]] = seq.add %[[P]]
// CHECK: %[[LEN1:.*]] = seq.reshape %[[LEN]] : tensor<i64> -> tensor<1xi64>
// CHECK: seq.attention %{{.*}}, %[[AK]], %[[AV]] kv_seqlen %[[LEN1]]
// CHECK-NOT: tensor.concat
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

// A past that is concatenated on another axis is no cache.
// expected-error @+1 {{no output is concat(past, new) along axis 2}}
func.func @main(%k: tensor<1x2x63x1xf32>, %pk: tensor<1x2x63x32xf32>,
                %p: tensor<i64> {seq.role = "pos"}) -> tensor<1x2x63x33xf32> {
  %ck = tensor.concat dim(3) %pk, %k : (tensor<1x2x63x32xf32>, tensor<1x2x63x1xf32>) -> tensor<1x2x63x33xf32>
  return %ck : tensor<1x2x63x33xf32>
}

// -----

// Without a run-time past length there is nothing to append at.
// expected-error @+1 {{has no run-time past length}}
func.func @main(%k: tensor<1x2x1x32xf32>, %pk: tensor<1x2x63x32xf32>) -> tensor<1x2x64x32xf32> {
  %ck = tensor.concat dim(2) %pk, %k : (tensor<1x2x63x32xf32>, tensor<1x2x1x32xf32>) -> tensor<1x2x64x32xf32>
  return %ck : tensor<1x2x64x32xf32>
}
