// RUN: seq-opt %s --split-input-file --seq-kv-cache-quantize --verify-diagnostics | FileCheck %s

// Contiguous caches (the output of seq-kv-cache-state): each f32 cache
// becomes i8 of the same shape plus a [B, H, L, 1] f32 scale cache (cache
// index n + i, named after it); the append quantizes only the new rows and
// writes values and scales in place; attention reads the dequantized cache.
// CHECK: module attributes {seq.cache_names = ["present.key", "present.value", "present.key.scale", "present.value.scale"]}
// CHECK-LABEL: func @main
// CHECK-SAME: %[[K:[a-z0-9]+]]: tensor<1x2x64x32xi8> {seq.cache_index = 0 : i64, seq.name = "past.key", seq.role = "cache"}
// CHECK-SAME: %[[V:[a-z0-9]+]]: tensor<1x2x64x32xi8> {seq.cache_index = 1 : i64, seq.name = "past.value", seq.role = "cache"}
// CHECK-SAME: %[[P:[a-z0-9]+]]: tensor<i64>
// CHECK-SAME: %[[KS:[a-z0-9]+]]: tensor<1x2x64x1xf32> {seq.cache_index = 2 : i64, seq.name = "past.key.scale", seq.role = "cache"}
// CHECK-SAME: %[[VS:[a-z0-9]+]]: tensor<1x2x64x1xf32> {seq.cache_index = 3 : i64, seq.name = "past.value.scale", seq.role = "cache"}
// CHECK: %[[KQ:.*]], %[[KSC:.*]] = seq.kv_cache_quantize %arg1 : tensor<1x2x1x32xf32> -> tensor<1x2x1x32xi8>, tensor<1x2x1x1xf32>
// CHECK: %[[AK:.*]] = seq.kv_cache_append %[[KQ]] into %[[K]] at %[[P]]
// CHECK: %[[AKS:.*]] = seq.kv_cache_append %[[KSC]] into %[[KS]] at %[[P]]
// CHECK: %[[DK:.*]] = seq.kv_cache_dequant %[[AK]] scales %[[AKS]]
// CHECK: seq.kv_cache_quantize %arg2
// CHECK: %[[DV:.*]] = seq.kv_cache_dequant
// CHECK: seq.attention %arg0, %[[DK]], %[[DV]] kv_seqlen
// CHECK-NOT: f32> into tensor<1x2x64x32xf32>
module attributes {seq.cache_names = ["present.key", "present.value"]} {
func.func @main(%q: tensor<1x4x1x32xf32> {seq.name = "q"},
                %k: tensor<1x2x1x32xf32> {seq.name = "k"},
                %v: tensor<1x2x1x32xf32> {seq.name = "v"},
                %ck: tensor<1x2x64x32xf32> {seq.cache_index = 0 : i64, seq.name = "past.key", seq.role = "cache"},
                %cv: tensor<1x2x64x32xf32> {seq.cache_index = 1 : i64, seq.name = "past.value", seq.role = "cache"},
                %p: tensor<i64> {seq.name = "seq.past_len", seq.role = "pos"},
                %len: tensor<1xi64> {seq.name = "len"})
    -> (tensor<1x4x1x32xf32> {seq.name = "out"}) {
  %ak = seq.kv_cache_append %k into %ck at %p : tensor<1x2x1x32xf32> into tensor<1x2x64x32xf32>, tensor<i64>
  %av = seq.kv_cache_append %v into %cv at %p : tensor<1x2x1x32xf32> into tensor<1x2x64x32xf32>, tensor<i64>
  %o = seq.attention %q, %ak, %av kv_seqlen %len scale = 0.25 : (tensor<1x4x1x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>, tensor<1xi64>) -> tensor<1x4x1x32xf32>
  return %o : tensor<1x4x1x32xf32>
}
}

// -----

// Paged caches: the pools become i8 and f32 [.., block, 1] pools appended
// through the same table; attention reads a dequant of the two views.
// CHECK-LABEL: func @main
// CHECK-SAME: %[[K:[a-z0-9]+]]: tensor<4x2x16x32xi8>
// CHECK-SAME: %[[T:[a-z0-9]+]]: tensor<1x4xi32>
// CHECK-SAME: %[[KS:[a-z0-9]+]]: tensor<4x2x16x1xf32> {seq.cache_index = 1 : i64, seq.name = "past.key.scale", seq.role = "cache"}
// CHECK: %[[A:.*]] = seq.kv_cache_append %{{.*}} into %[[K]] at %{{.*}} blocks %[[T]] : tensor<1x2x1x32xi8> into tensor<4x2x16x32xi8>
// CHECK: %[[AS:.*]] = seq.kv_cache_append %{{.*}} into %[[KS]] at %{{.*}} blocks %[[T]] : tensor<1x2x1x1xf32> into tensor<4x2x16x1xf32>
// CHECK: %[[V8:.*]] = seq.kv_cache_view %[[A]] blocks %[[T]] : tensor<4x2x16x32xi8>, tensor<1x4xi32> -> tensor<1x2x64x32xi8>
// CHECK: %[[VS:.*]] = seq.kv_cache_view %[[AS]] blocks %[[T]] : tensor<4x2x16x1xf32>, tensor<1x4xi32> -> tensor<1x2x64x1xf32>
// CHECK: %[[D:.*]] = seq.kv_cache_dequant %[[V8]] scales %[[VS]]
// CHECK: seq.attention %{{.*}}, %[[D]], %[[D]]
module attributes {seq.cache_names = ["present.key"]} {
func.func @main(%q: tensor<1x4x1x32xf32>, %k: tensor<1x2x1x32xf32>,
                %ck: tensor<4x2x16x32xf32> {seq.cache_index = 0 : i64, seq.name = "past.key", seq.role = "cache"},
                %t: tensor<1x4xi32> {seq.role = "blocks"},
                %p: tensor<i64> {seq.role = "pos"}) -> tensor<1x4x1x32xf32> {
  %a = seq.kv_cache_append %k into %ck at %p blocks %t : tensor<1x2x1x32xf32> into tensor<4x2x16x32xf32>, tensor<i64>, tensor<1x4xi32>
  %view = seq.kv_cache_view %a blocks %t : tensor<4x2x16x32xf32>, tensor<1x4xi32> -> tensor<1x2x64x32xf32>
  %o = seq.attention %q, %view, %view scale = 0.25 : (tensor<1x4x1x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>) -> tensor<1x4x1x32xf32>
  return %o : tensor<1x4x1x32xf32>
}
}

// -----

// expected-error @+1 {{seq-kv-cache-quantize: expects @main with KV caches (run seq-kv-cache-state first)}}
module {
func.func @main(%k: tensor<1x2x1x32xf32>) -> tensor<1x2x1x32xf32> {
  return %k : tensor<1x2x1x32xf32>
}
}

// -----

module attributes {seq.cache_names = ["present.key"]} {
func.func @main(%k: tensor<1x2x1x32xf32>,
                %ck: tensor<1x2x64x32xf32> {seq.cache_index = 0 : i64, seq.role = "cache"},
                %p: tensor<i64> {seq.role = "pos"}) -> tensor<1x2x64x32xf32> {
  // expected-error @+1 {{seq-kv-cache-quantize: a KV cache is only appended to, but 'seq.neg' reads it}}
  %n = seq.neg %ck : (tensor<1x2x64x32xf32>) -> tensor<1x2x64x32xf32>
  return %n : tensor<1x2x64x32xf32>
}
}

// -----

module attributes {seq.cache_names = ["present.key"]} {
// expected-error @+1 {{seq-kv-cache-quantize: cache argument 0 is 'tensor<1x2x64x32xf16>'; only rank-4 f32 caches are quantized to int8}}
func.func @main(%ck: tensor<1x2x64x32xf16> {seq.cache_index = 0 : i64, seq.role = "cache"})
    -> tensor<1x2x64x32xf16> {
  return %ck : tensor<1x2x64x32xf16>
}
}
