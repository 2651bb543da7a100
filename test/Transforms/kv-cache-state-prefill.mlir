// RUN: seq-opt %s --split-input-file --seq-kv-cache-state="max-len=64 present-names=present.key,present.value" --verify-diagnostics | FileCheck %s

// Prefill form (no past): the named outputs fill new cache arguments at
// position 0 and the causal attention reads the cache's first T positions.
// CHECK-LABEL: func @main
// CHECK-SAME: -> (tensor<1x4x8x32xf32> {seq.name = "out"})
// CHECK: %[[Z:.*]] = arith.constant dense<0> : tensor<i64>
// CHECK-DAG: %[[AK:.*]] = seq.kv_cache_append %arg1 into %arg3 at %[[Z]] : tensor<1x2x8x32xf32> into tensor<1x2x64x32xf32>
// CHECK-DAG: %[[AV:.*]] = seq.kv_cache_append %arg2 into %arg4 at %[[Z]]
// CHECK: seq.attention %arg0, %[[AK]], %[[AV]] kv_seqlen %{{.*}} scale = 2.500000e-01 causal
func.func @main(%q: tensor<1x4x8x32xf32> {seq.name = "q"},
                %k: tensor<1x2x8x32xf32> {seq.name = "k"},
                %v: tensor<1x2x8x32xf32> {seq.name = "v"})
    -> (tensor<1x4x8x32xf32> {seq.name = "out"},
        tensor<1x2x8x32xf32> {seq.name = "present.key"},
        tensor<1x2x8x32xf32> {seq.name = "present.value"}) {
  %o = seq.attention %q, %k, %v scale = 0.25 {causal} : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return %o, %k, %v : tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>
}

// -----

// expected-error @+1 {{no output named 'present.key'}}
func.func @main(%k: tensor<1x2x8x32xf32>) -> tensor<1x2x8x32xf32> {
  return %k : tensor<1x2x8x32xf32>
}
