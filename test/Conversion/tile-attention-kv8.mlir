// RUN: seq-opt --split-input-file --seq-tile-attention %s | FileCheck %s
// Decode over an int8 KV cache (seqc --quantize=kv8): attention reads
// seq.kv_cache_dequant of i8 rows and [.., 1] f32 row scales. Each K/V tile
// ([256, 32] i8) and its 256 scales are sliced from the caches inside the
// tile loop and dequantized into a tile-sized f32 buffer; no f32 copy of the
// whole cache ([1, 2, 512, 32]) is read.

// CHECK-LABEL: func @decode_int8
// CHECK: scf.forall
// CHECK: scf.for
// CHECK-DAG: %[[K8:.*]] = tensor.extract_slice %arg1[%{{.*}}, %{{.*}}, %[[J:.*]], 0] [1, 1, 256, 32] [1, 1, 1, 1] : tensor<1x2x512x32xi8> to tensor<256x32xi8>
// CHECK-DAG: %[[V8:.*]] = tensor.extract_slice %arg3[%{{.*}}, %{{.*}}, %[[J]], 0] [1, 1, 256, 32] [1, 1, 1, 1] : tensor<1x2x512x32xi8> to tensor<256x32xi8>
// CHECK-DAG: %[[KS:.*]] = tensor.extract_slice %arg2[%{{.*}}, %{{.*}}, %[[J]], 0] [1, 1, 256, 1] [1, 1, 1, 1] : tensor<1x2x512x1xf32> to tensor<256xf32>
// CHECK: %[[K:.*]] = linalg.generic {{.*}} ins(%[[K8]], %[[KS]] : tensor<256x32xi8>, tensor<256xf32>)
// CHECK: arith.sitofp %{{.*}} : i8 to f32
// CHECK: arith.mulf
// CHECK: %[[VS:.*]] = tensor.extract_slice %arg4[%{{.*}}, %{{.*}}, %[[J]], 0] [1, 1, 256, 1]
// CHECK: %[[V:.*]] = linalg.generic {{.*}} ins(%[[V8]], %[[VS]] : tensor<256x32xi8>, tensor<256xf32>)
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[K]] : tensor<2x32xf32>, tensor<256x32xf32>) {{.*}} {seq.kv_dim = 2 : i64}
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[V]] : tensor<2x256xf32>, tensor<256x32xf32>) {{.*}} {seq.kv_dim = 1 : i64}
// CHECK: } {seq.kv_tile_loop}
// CHECK-NOT: tensor.extract_slice %{{.*}} : tensor<1x2x512x32xf32>
func.func @decode_int8(%q: tensor<1x4x1x32xf32>, %k: tensor<1x2x512x32xi8>, %ks: tensor<1x2x512x1xf32>,
                       %v: tensor<1x2x512x32xi8>, %vs: tensor<1x2x512x1xf32>,
                       %len: tensor<1xi64>) -> tensor<1x4x1x32xf32> {
  %dk = seq.kv_cache_dequant %k scales %ks : tensor<1x2x512x32xi8>, tensor<1x2x512x1xf32> -> tensor<1x2x512x32xf32>
  %dv = seq.kv_cache_dequant %v scales %vs : tensor<1x2x512x32xi8>, tensor<1x2x512x1xf32> -> tensor<1x2x512x32xf32>
  %0 = seq.attention %q, %dk, %dv kv_seqlen %len scale = 0.125
      : (tensor<1x4x1x32xf32>, tensor<1x2x512x32xf32>, tensor<1x2x512x32xf32>, tensor<1xi64>) -> tensor<1x4x1x32xf32>
  return %0 : tensor<1x4x1x32xf32>
}

// -----

// Without kv_seqlen the tiled path does not look through the dequant: the
// op keeps its (whole) dequantized operands.
// CHECK-LABEL: func @no_kvlen
// CHECK: %[[D:.*]] = seq.kv_cache_dequant %arg1 scales %arg2
// CHECK: linalg.generic {{.*}} ins(%[[D]] : tensor<1x2x64x32xf32>)
func.func @no_kvlen(%q: tensor<1x4x1x32xf32>, %k: tensor<1x2x64x32xi8>, %ks: tensor<1x2x64x1xf32>)
    -> tensor<1x4x1x32xf32> {
  %dk = seq.kv_cache_dequant %k scales %ks : tensor<1x2x64x32xi8>, tensor<1x2x64x1xf32> -> tensor<1x2x64x32xf32>
  %0 = seq.attention %q, %dk, %dk scale = 0.125
      : (tensor<1x4x1x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>) -> tensor<1x4x1x32xf32>
  return %0 : tensor<1x4x1x32xf32>
}
