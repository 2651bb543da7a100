// RUN: seq-opt %s | seq-opt | FileCheck %s
// int8 KV-cache rows (seqc --quantize=kv8): quantize a step's rows, read a
// cache of int8 rows and [.., 1] scales as floats.

// CHECK-LABEL: func @roundtrip
// CHECK: %[[Q:.*]], %[[S:.*]] = seq.kv_cache_quantize %arg0 : tensor<1x2x1x32xf32> -> tensor<1x2x1x32xi8>, tensor<1x2x1x1xf32>
// CHECK: seq.kv_cache_append %[[Q]] into %arg1 at %arg3 : tensor<1x2x1x32xi8> into tensor<1x2x64x32xi8>, tensor<i64>
// CHECK: seq.kv_cache_append %[[S]] into %arg2 at %arg3 : tensor<1x2x1x1xf32> into tensor<1x2x64x1xf32>, tensor<i64>
// CHECK: seq.kv_cache_dequant %{{.*}} scales %{{.*}} : tensor<1x2x64x32xi8>, tensor<1x2x64x1xf32> -> tensor<1x2x64x32xf32>
func.func @roundtrip(%new: tensor<1x2x1x32xf32>, %cache: tensor<1x2x64x32xi8>,
                     %scales: tensor<1x2x64x1xf32>, %pos: tensor<i64>)
    -> tensor<1x2x64x32xf32> {
  %q, %s = seq.kv_cache_quantize %new
      : tensor<1x2x1x32xf32> -> tensor<1x2x1x32xi8>, tensor<1x2x1x1xf32>
  %c = seq.kv_cache_append %q into %cache at %pos
      : tensor<1x2x1x32xi8> into tensor<1x2x64x32xi8>, tensor<i64>
  %cs = seq.kv_cache_append %s into %scales at %pos
      : tensor<1x2x1x1xf32> into tensor<1x2x64x1xf32>, tensor<i64>
  %k = seq.kv_cache_dequant %c scales %cs
      : tensor<1x2x64x32xi8>, tensor<1x2x64x1xf32> -> tensor<1x2x64x32xf32>
  return %k : tensor<1x2x64x32xf32>
}
