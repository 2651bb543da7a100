// RUN: seq-opt %s --split-input-file --seq-kv-cache-state --verify-diagnostics | FileCheck %s

// Opset-24 static caches: present = TensorScatter(past, new, write_indices)
// (as lib/Import/CacheOps.cpp imports it) becomes an in-place append into
// the past buffer at a new run-time position; the present outputs and the
// write_indices / nonpad_kv_seqlen arguments disappear (the session supplies
// p and p + T), and attention reads kv_seqlen = p + T.
// CHECK: module attributes {seq.cache_names = ["present_key", "present_value"]}
// CHECK-LABEL: func @main
// CHECK-SAME: %[[K:[a-z0-9]+]]: tensor<2x2x64x16xf32> {seq.cache_index = 0 : i64, seq.name = "past_key", seq.role = "cache"}
// CHECK-SAME: %[[V:[a-z0-9]+]]: tensor<2x2x64x16xf32> {seq.cache_index = 1 : i64, seq.name = "past_value", seq.role = "cache"}
// CHECK-NOT: write_indices
// CHECK-NOT: nonpad_kv_seqlen
// CHECK-SAME: %[[P:[a-z0-9]+]]: tensor<i64> {seq.name = "seq.past_len", seq.role = "pos"}
// CHECK-SAME: -> (tensor<2x4x2x16xf32> {seq.name = "out"})
// CHECK: %[[T:.*]] = arith.constant dense<2> : tensor<i64>
// CHECK: %[[LEN:.*]] = seq.add %[[P]], %[[T]]
// CHECK: %[[LEN1:.*]] = seq.reshape %[[LEN]] : tensor<i64> -> tensor<1xi64>
// CHECK: %[[LENB:.*]] = seq.broadcast %[[LEN1]] : tensor<1xi64> -> tensor<2xi64>
// CHECK-NOT: seq.scatter_elements
// CHECK: %[[AK:.*]] = seq.kv_cache_append %{{.*}} into %[[K]] at %[[P]] : tensor<2x2x2x16xf32> into tensor<2x2x64x16xf32>
// CHECK: %[[AV:.*]] = seq.kv_cache_append %{{.*}} into %[[V]] at %[[P]]
// CHECK: seq.attention %{{.*}}, %[[AK]], %[[AV]] kv_seqlen %[[LENB]] scale = {{.*}} causal
// CHECK: return %{{.*}} : tensor<2x4x2x16xf32>
func.func @main(%q: tensor<2x4x2x16xf32> {seq.name = "q"},
                %k: tensor<2x2x2x16xf32> {seq.name = "k"},
                %v: tensor<2x2x2x16xf32> {seq.name = "v"},
                %pk: tensor<2x2x64x16xf32> {seq.name = "past_key"},
                %pv: tensor<2x2x64x16xf32> {seq.name = "past_value"},
                %w: tensor<2xi64> {seq.name = "write_indices"},
                %len: tensor<2xi64> {seq.name = "nonpad_kv_seqlen"})
    -> (tensor<2x4x2x16xf32> {seq.name = "out"},
        tensor<2x2x64x16xf32> {seq.name = "present_key"},
        tensor<2x2x64x16xf32> {seq.name = "present_value"}) {
  %iota = arith.constant dense<[[[[0], [1]]]]> : tensor<1x1x2x1xi64>
  %w4 = seq.reshape %w : tensor<2xi64> -> tensor<2x1x1x1xi64>
  %i = seq.add %w4, %iota : (tensor<2x1x1x1xi64>, tensor<1x1x2x1xi64>) -> tensor<2x1x2x1xi64>
  %ib = seq.broadcast %i : tensor<2x1x2x1xi64> -> tensor<2x2x2x16xi64>
  %sk = seq.scatter_elements none %pk[%ib] = %k axis = 2 : (tensor<2x2x64x16xf32>, tensor<2x2x2x16xi64>, tensor<2x2x2x16xf32>) -> tensor<2x2x64x16xf32>
  %sv = seq.scatter_elements none %pv[%ib] = %v axis = 2 : (tensor<2x2x64x16xf32>, tensor<2x2x2x16xi64>, tensor<2x2x2x16xf32>) -> tensor<2x2x64x16xf32>
  %o = seq.attention %q, %sk, %sv kv_seqlen %len scale = 0.25 causal : (tensor<2x4x2x16xf32>, tensor<2x2x64x16xf32>, tensor<2x2x64x16xf32>, tensor<2xi64>) -> tensor<2x4x2x16xf32>
  return %o, %sk, %sv : tensor<2x4x2x16xf32>, tensor<2x2x64x16xf32>, tensor<2x2x64x16xf32>
}

// -----

// A decode step (T = 1: the add of the zero position folded away) with
// int32 write_indices and nonpad_kv_seqlen: both become casts of p, p + 1.
// CHECK-LABEL: func @main
// CHECK-SAME: %[[K:[a-z0-9]+]]: tensor<1x2x64x16xf32> {seq.cache_index = 0 : i64, seq.name = "past_key", seq.role = "cache"}
// CHECK-SAME: %[[P:[a-z0-9]+]]: tensor<i64> {seq.name = "seq.past_len", seq.role = "pos"})
// CHECK-SAME: -> (tensor<1x4x1x16xf32> {seq.name = "out"}, tensor<1x2x64x16xf32> {seq.name = "v_out"})
// CHECK: %[[T:.*]] = arith.constant dense<1> : tensor<i64>
// CHECK: %[[LEN:.*]] = seq.add %[[P]], %[[T]]
// CHECK: %[[LEN1:.*]] = seq.reshape %[[LEN]]
// CHECK: %[[LEN32:.*]] = seq.cast %[[LEN1]] : tensor<1xi64> to tensor<1xi32>
// CHECK: %[[AK:.*]] = seq.kv_cache_append %{{.*}} into %[[K]] at %[[P]]
// CHECK: seq.attention %{{.*}}, %[[AK]], %{{.*}} kv_seqlen %[[LEN32]]
func.func @main(%q: tensor<1x4x1x16xf32> {seq.name = "q"},
                %k: tensor<1x2x1x16xf32> {seq.name = "k"},
                %pk: tensor<1x2x64x16xf32> {seq.name = "past_key"},
                %v: tensor<1x2x64x16xf32> {seq.name = "v"},
                %w: tensor<1xi32> {seq.name = "write_indices"},
                %len: tensor<1xi32> {seq.name = "nonpad_kv_seqlen"})
    -> (tensor<1x4x1x16xf32> {seq.name = "out"},
        tensor<1x2x64x16xf32> {seq.name = "present_key"},
        tensor<1x2x64x16xf32> {seq.name = "v_out"}) {
  %w64 = seq.cast %w : tensor<1xi32> to tensor<1xi64>
  %w4 = seq.reshape %w64 : tensor<1xi64> -> tensor<1x1x1x1xi64>
  %ib = seq.broadcast %w4 : tensor<1x1x1x1xi64> -> tensor<1x2x1x16xi64>
  %sk = seq.scatter_elements none %pk[%ib] = %k axis = 2 : (tensor<1x2x64x16xf32>, tensor<1x2x1x16xi64>, tensor<1x2x1x16xf32>) -> tensor<1x2x64x16xf32>
  %o = seq.attention %q, %sk, %v kv_seqlen %len scale = 0.25 : (tensor<1x4x1x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>, tensor<1xi32>) -> tensor<1x4x1x16xf32>
  return %o, %sk, %v : tensor<1x4x1x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>
}

// -----

// Circular mode (a ring buffer: positions mod Lmax) is no append.
func.func @main(%k: tensor<1x2x1x16xf32>, %pk: tensor<1x2x64x16xf32> {seq.name = "past_key"},
                %w: tensor<1xi64>) -> tensor<1x2x64x16xf32> {
  %c = arith.constant dense<64> : tensor<i64>
  %w4 = seq.reshape %w : tensor<1xi64> -> tensor<1x1x1x1xi64>
  %r = seq.rem %w4, %c : (tensor<1x1x1x1xi64>, tensor<i64>) -> tensor<1x1x1x1xi64>
  %ib = seq.broadcast %r : tensor<1x1x1x1xi64> -> tensor<1x2x1x16xi64>
  // expected-error @+1 {{the TensorScatter into 'past_key' is not a KV-cache write: its positions are not write_indices[b] + t}}
  %sk = seq.scatter_elements none %pk[%ib] = %k axis = 2 : (tensor<1x2x64x16xf32>, tensor<1x2x1x16xi64>, tensor<1x2x1x16xf32>) -> tensor<1x2x64x16xf32>
  return %sk : tensor<1x2x64x16xf32>
}

// -----

// A scatter along the head-size axis is no cache write.
func.func @main(%k: tensor<1x2x64x1xf32>, %pk: tensor<1x2x64x16xf32> {seq.name = "past_key"},
                %w: tensor<1xi64>) -> tensor<1x2x64x16xf32> {
  %w4 = seq.reshape %w : tensor<1xi64> -> tensor<1x1x1x1xi64>
  %ib = seq.broadcast %w4 : tensor<1x1x1x1xi64> -> tensor<1x2x64x1xi64>
  // expected-error @+1 {{it writes along axis 3 of a rank-4 buffer, not the sequence axis 2}}
  %sk = seq.scatter_elements none %pk[%ib] = %k axis = 3 : (tensor<1x2x64x16xf32>, tensor<1x2x64x1xi64>, tensor<1x2x64x1xf32>) -> tensor<1x2x64x16xf32>
  return %sk : tensor<1x2x64x16xf32>
}

// -----

// The scattered buffer is not an output: no step would carry it.
func.func @main(%q: tensor<1x2x1x16xf32>, %k: tensor<1x2x1x16xf32>,
                %pk: tensor<1x2x64x16xf32> {seq.name = "past_key"},
                %w: tensor<1xi64>) -> tensor<1x2x1x16xf32> {
  %w4 = seq.reshape %w : tensor<1xi64> -> tensor<1x1x1x1xi64>
  %ib = seq.broadcast %w4 : tensor<1x1x1x1xi64> -> tensor<1x2x1x16xi64>
  // expected-error @+1 {{its result is not a graph output}}
  %sk = seq.scatter_elements none %pk[%ib] = %k axis = 2 : (tensor<1x2x64x16xf32>, tensor<1x2x1x16xi64>, tensor<1x2x1x16xf32>) -> tensor<1x2x64x16xf32>
  %o = seq.attention %q, %sk, %sk scale = 0.25 : (tensor<1x2x1x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>) -> tensor<1x2x1x16xf32>
  return %o : tensor<1x2x1x16xf32>
}

// -----

// The past buffer is read besides the scatter (the old contents would be
// overwritten in place).
func.func @main(%k: tensor<1x2x1x16xf32>, %pk: tensor<1x2x64x16xf32> {seq.name = "past_key"},
                %w: tensor<1xi64>) -> (tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>) {
  %w4 = seq.reshape %w : tensor<1xi64> -> tensor<1x1x1x1xi64>
  %ib = seq.broadcast %w4 : tensor<1x1x1x1xi64> -> tensor<1x2x1x16xi64>
  // expected-error @+1 {{the past buffer has readers besides the scatter}}
  %sk = seq.scatter_elements none %pk[%ib] = %k axis = 2 : (tensor<1x2x64x16xf32>, tensor<1x2x1x16xi64>, tensor<1x2x1x16xf32>) -> tensor<1x2x64x16xf32>
  %e = seq.exp %pk : (tensor<1x2x64x16xf32>) -> tensor<1x2x64x16xf32>
  return %sk, %e : tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>
}

// -----

// A chunk of 2 positions with non-causal attention would see the chunk's
// later positions and the session's padding.
func.func @main(%q: tensor<1x2x2x16xf32>, %k: tensor<1x2x2x16xf32>,
                %pk: tensor<1x2x64x16xf32> {seq.name = "past_key"},
                %w: tensor<1xi64>, %len: tensor<1xi64>)
    -> (tensor<1x2x2x16xf32>, tensor<1x2x64x16xf32>) {
  %iota = arith.constant dense<[[[[0], [1]]]]> : tensor<1x1x2x1xi64>
  %w4 = seq.reshape %w : tensor<1xi64> -> tensor<1x1x1x1xi64>
  %i = seq.add %w4, %iota : (tensor<1x1x1x1xi64>, tensor<1x1x2x1xi64>) -> tensor<1x1x2x1xi64>
  %ib = seq.broadcast %i : tensor<1x1x2x1xi64> -> tensor<1x2x2x16xi64>
  %sk = seq.scatter_elements none %pk[%ib] = %k axis = 2 : (tensor<1x2x64x16xf32>, tensor<1x2x2x16xi64>, tensor<1x2x2x16xf32>) -> tensor<1x2x64x16xf32>
  // expected-error @+1 {{attention over the static cache 'past_key' is not causal: a step of 2 positions}}
  %o = seq.attention %q, %sk, %sk kv_seqlen %len scale = 0.25 : (tensor<1x2x2x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>, tensor<1xi64>) -> tensor<1x2x2x16xf32>
  return %o, %sk : tensor<1x2x2x16xf32>, tensor<1x2x64x16xf32>
}
