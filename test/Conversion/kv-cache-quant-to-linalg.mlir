// RUN: seq-opt %s --split-input-file --seq-to-linalg | FileCheck %s
// seq.kv_cache_quantize / seq.kv_cache_dequant (seqc --quantize=kv8).

// Quantize: per (b, h, t) row, absmax over D, scale = absmax / 127, values
// round-half-even(x / scale) clamped to [-127, 127], 0 for an all-zero row.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>
// CHECK-LABEL: func @quantize
// CHECK: %[[AMAX:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%arg0 : tensor<1x2x3x32xf32>)
// CHECK: math.absf
// CHECK: arith.maximumf
// CHECK: %[[S:.*]] = linalg.generic {{.*}} ins(%[[AMAX]] : tensor<1x2x3x1xf32>)
// CHECK: arith.divf %{{.*}}, %cst
// CHECK: %[[Q:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], {{.*}} ins(%arg0, %[[S]] : tensor<1x2x3x32xf32>, tensor<1x2x3x1xf32>) outs(%{{.*}} : tensor<1x2x3x32xi8>)
// CHECK: math.roundeven
// CHECK: arith.maximumf
// CHECK: arith.minimumf
// CHECK: arith.cmpf oeq
// CHECK: arith.select
// CHECK: arith.fptosi %{{.*}} : f32 to i8
// CHECK: return %[[Q]], %[[S]]
func.func @quantize(%x: tensor<1x2x3x32xf32>) -> (tensor<1x2x3x32xi8>, tensor<1x2x3x1xf32>) {
  %q, %s = seq.kv_cache_quantize %x : tensor<1x2x3x32xf32> -> tensor<1x2x3x32xi8>, tensor<1x2x3x1xf32>
  return %q, %s : tensor<1x2x3x32xi8>, tensor<1x2x3x1xf32>
}

// -----

// Dequant read whole (a reader other than tiled attention): values * scale.
// CHECK-LABEL: func @dequant
// CHECK: linalg.generic {{.*}} ins(%arg0, %arg1 : tensor<1x2x64x32xi8>, tensor<1x2x64x1xf32>) outs(%{{.*}} : tensor<1x2x64x32xf32>)
// CHECK: arith.sitofp %{{.*}} : i8 to f32
// CHECK: arith.mulf
func.func @dequant(%v: tensor<1x2x64x32xi8>, %s: tensor<1x2x64x1xf32>) -> tensor<1x2x64x32xf32> {
  %k = seq.kv_cache_dequant %v scales %s : tensor<1x2x64x32xi8>, tensor<1x2x64x1xf32> -> tensor<1x2x64x32xf32>
  return %k : tensor<1x2x64x32xf32>
}

// -----

// The int8 append itself is the ordinary in-place insert_slice.
// CHECK-LABEL: func @append_int8
// CHECK: tensor.insert_slice %arg0 into %arg1[0, 0, %{{.*}}, 0] [1, 2, 1, 32] [1, 1, 1, 1] : tensor<1x2x1x32xi8> into tensor<1x2x64x32xi8>
func.func @append_int8(%new: tensor<1x2x1x32xi8>, %cache: tensor<1x2x64x32xi8>,
                       %pos: tensor<i64>) -> tensor<1x2x64x32xi8> {
  %0 = seq.kv_cache_append %new into %cache at %pos
      : tensor<1x2x1x32xi8> into tensor<1x2x64x32xi8>, tensor<i64>
  return %0 : tensor<1x2x64x32xi8>
}
