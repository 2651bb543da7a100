// RUN: seq-opt --seq-to-linalg %s | FileCheck %s
// RUN: seq-opt --seq-tile-attention --seq-gpu-mark-attention %s | FileCheck %s --check-prefix=KEEP
// seq.attention with score_mod / prob_mod regions (FlexAttention) and a
// softmax_precision takes the naive cascade: the region ops are cloned
// between the stages, on the scores with the [Hkv, G] heads merged, and are
// lowered like any seq op. The tiled cascade and the CUDA flash kernel
// decline both forms.

// KEEP-LABEL: func @mods
// KEEP: seq.attention {{.*}} score_mod {
// KEEP: } prob_mod {
// CHECK-LABEL: func @mods
// QK in f32, scaled:
// CHECK: %[[QK:.*]] = linalg.generic {{.*}} attrs = {seq.kv_dim = 4 : i64}
// CHECK: %[[L:.*]] = linalg.generic {{.*}} ins(%[[QK]] : tensor<1x2x2x3x5xf32>)
// CHECK: arith.mulf %{{.*}}, %cst
// score_mod on [1, 4, 3, 5], then back to [1, 2, 2, 3, 5]:
// CHECK: %[[LM:.*]] = tensor.collapse_shape %[[L]] {{\[\[}}0], [1, 2], [3], [4]] : tensor<1x2x2x3x5xf32> into tensor<1x4x3x5xf32>
// CHECK: %[[SM:.*]] = linalg.generic {{.*}} ins(%[[LM]], %arg2 : tensor<1x4x3x5xf32>, tensor<3x5xf32>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.addf
// CHECK: %[[LX:.*]] = tensor.expand_shape %[[SM]] {{\[\[}}0], [1, 2], [3], [4]] output_shape [1, 2, 2, 3, 5]
// softmax of the modified scores:
// CHECK: linalg.generic {{.*}} ins(%[[LX]] : tensor<1x2x2x3x5xf32>)
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: arith.addf
// CHECK: %[[P:.*]] = linalg.generic
// CHECK: arith.divf
// prob_mod on the probabilities, then PV:
// CHECK: %[[PM:.*]] = tensor.collapse_shape %[[P]]
// CHECK: %[[PT:.*]] = linalg.generic {{.*}} ins(%[[PM]] : tensor<1x4x3x5xf32>)
// CHECK: math.tanh
// CHECK: %[[PX:.*]] = tensor.expand_shape %[[PT]]
// CHECK: linalg.generic {{.*}} ins(%[[PX]], %arg1 : tensor<1x2x2x3x5xf32>, tensor<1x2x5x8xf32>)
// CHECK-NOT: seq.
func.func @mods(%q: tensor<1x4x3x8xf32>, %k: tensor<1x2x5x8xf32>, %bias: tensor<3x5xf32>) -> tensor<1x4x3x8xf32> {
  %0 = seq.attention %q, %k, %k scale = 0.5 : (tensor<1x4x3x8xf32>, tensor<1x2x5x8xf32>, tensor<1x2x5x8xf32>) -> tensor<1x4x3x8xf32> score_mod {
  ^bb0(%s: tensor<1x4x3x5xf32>):
    %b = seq.add %s, %bias : (tensor<1x4x3x5xf32>, tensor<3x5xf32>) -> tensor<1x4x3x5xf32>
    seq.yield %b : tensor<1x4x3x5xf32>
  } prob_mod {
  ^bb0(%p: tensor<1x4x3x5xf32>):
    %t = seq.tanh %p : (tensor<1x4x3x5xf32>) -> tensor<1x4x3x5xf32>
    seq.yield %t : tensor<1x4x3x5xf32>
  }
  return %0 : tensor<1x4x3x8xf32>
}

// softmax_precision = f16 on f32: QK accumulates in f32 (the wider type),
// the scaled scores are truncated to f16, softmax and PV run in f16 and the
// result is extended back to f32.
// KEEP-LABEL: func @precision
// KEEP: seq.attention {{.*}} softmax_precision = f16
// CHECK-LABEL: func @precision
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<1x2x1x3x3xf32>) attrs = {seq.kv_dim = 4 : i64}
// CHECK: arith.addf
// CHECK: arith.mulf %{{.*}}, %{{.*}} : f32
// CHECK-NEXT: arith.truncf %{{.*}} : f32 to f16
// CHECK: math.exp %{{.*}} : f16
// CHECK: arith.truncf %{{.*}} : f32 to f16
// CHECK: arith.mulf %{{.*}}, %{{.*}} : f16
// CHECK: arith.extf %{{.*}} : f16 to f32
func.func @precision(%q: tensor<1x2x3x8xf32>) -> tensor<1x2x3x8xf32> {
  %0 = seq.attention %q, %q, %q scale = 0.125 softmax_precision = f16 : (tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>) -> tensor<1x2x3x8xf32>
  return %0 : tensor<1x2x3x8xf32>
}

// Dynamic batch and lengths: the merged scores keep them dynamic.
// CHECK-LABEL: func @dynamic
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0], [1, 2], [3], [4]] : tensor<?x2x2x?x?xf32> into tensor<?x4x?x?xf32>
// CHECK: math.tanh
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2], [3], [4]] output_shape [%{{.*}}, 2, 2, %{{.*}}, %{{.*}}] : tensor<?x4x?x?xf32> into tensor<?x2x2x?x?xf32>
func.func @dynamic(%q: tensor<?x4x?x8xf32>, %k: tensor<?x2x?x8xf32>) -> tensor<?x4x?x8xf32> {
  %0 = seq.attention %q, %k, %k scale = 0.5 : (tensor<?x4x?x8xf32>, tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>) -> tensor<?x4x?x8xf32> score_mod {
  ^bb0(%s: tensor<?x4x?x?xf32>):
    %t = seq.tanh %s : (tensor<?x4x?x?xf32>) -> tensor<?x4x?x?xf32>
    seq.yield %t : tensor<?x4x?x?xf32>
  }
  return %0 : tensor<?x4x?x8xf32>
}
