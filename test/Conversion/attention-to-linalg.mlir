// RUN: seq-opt --seq-to-linalg %s --split-input-file | FileCheck %s
// Positional constraints and the scores result of the naive seq.attention
// lowering.

// kv_seqlen: per-batch offset p = i + len[b] - Sq; causal j <= p, window
// p - j <= 2, padding j < len[b]; masked scores become -inf and an empty row
// softmaxes to 0 (the max == -inf and sum == 0 guards).
// CHECK-DAG: #[[B:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0)>
// CHECK-LABEL: func @lens_window
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[B]], #{{.*}}]
// CHECK: ^bb0(%[[S:.*]]: f32, %[[LEN:.*]]: i64, %{{.*}}: f32):
// CHECK: %[[I:.*]] = arith.index_cast %{{.*}} : index to i64
// CHECK: %[[J:.*]] = arith.index_cast %{{.*}} : index to i64
// CHECK: %[[OFF:.*]] = arith.subi %[[LEN]], %c4_i64
// CHECK: %[[P:.*]] = arith.addi %[[I]], %[[OFF]]
// CHECK: arith.cmpi sle, %[[J]], %[[P]]
// CHECK: %[[D:.*]] = arith.subi %[[P]], %[[J]]
// CHECK: arith.cmpi sle, %[[D]], %c2_i64
// CHECK: arith.cmpi slt, %[[J]], %[[LEN]]
// CHECK: arith.select %{{.*}}, %{{.*}}, %cst
// CHECK: arith.maximumf
// CHECK: arith.cmpf oeq
// CHECK: math.exp
// CHECK: arith.addf
// CHECK: arith.cmpf oeq
// CHECK: arith.divf
func.func @lens_window(%q: tensor<2x2x4x8xf32>, %k: tensor<2x2x6x8xf32>, %l: tensor<2xi64>) -> tensor<2x2x4x8xf32> {
  %0 = seq.attention %q, %k, %k kv_seqlen %l scale = 0.5 causal {window_left = 2 : si64} : (tensor<2x2x4x8xf32>, tensor<2x2x6x8xf32>, tensor<2x2x6x8xf32>, tensor<2xi64>) -> tensor<2x2x4x8xf32>
  return %0 : tensor<2x2x4x8xf32>
}

// -----

// A static query_offset (KV cache length) and a right window.
// CHECK-LABEL: func @offset_right_window
// CHECK: %[[I:.*]] = arith.index_cast %{{.*}} : index to i64
// CHECK: %[[J:.*]] = arith.index_cast %{{.*}} : index to i64
// CHECK: %[[P:.*]] = arith.addi %[[I]], %c3_i64
// CHECK: %[[D:.*]] = arith.subi %[[J]], %[[P]]
// CHECK: arith.cmpi sle, %[[D]], %c1_i64
func.func @offset_right_window(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x7x8xf32>) -> tensor<1x2x4x8xf32> {
  %0 = seq.attention %q, %k, %k scale = 0.5 {query_offset = 3 : si64, window_right = 1 : si64} : (tensor<1x2x4x8xf32>, tensor<1x2x7x8xf32>, tensor<1x2x7x8xf32>) -> tensor<1x2x4x8xf32>
  return %0 : tensor<1x2x4x8xf32>
}

// -----

// scores_mode 1: the logits generic has a second result (after softcap,
// before masks) returned as [B, Hq, Sq, Skv].
// CHECK-LABEL: func @scores_softcap
// CHECK: %[[L:.*]]:2 = linalg.generic
// CHECK: math.tanh
// CHECK: linalg.yield %{{.*}}, %{{.*}} : f32, f32
// CHECK: %[[SC:.*]] = tensor.collapse_shape %[[L]]#1
// CHECK: %[[SE:.*]] = tensor.expand_shape %[[SC]]
// CHECK: return %{{.*}}, %[[SE]] : tensor<1x4x3x8xf32>, tensor<1x4x3x5xf32>
func.func @scores_softcap(%q: tensor<1x4x3x8xf32>, %k: tensor<1x2x5x8xf32>) -> (tensor<1x4x3x8xf32>, tensor<1x4x3x5xf32>) {
  %0:2 = seq.attention %q, %k, %k scale = 0.5 {softcap = 2.0 : f32, scores_mode = 1 : i64} : (tensor<1x4x3x8xf32>, tensor<1x2x5x8xf32>, tensor<1x2x5x8xf32>) -> (tensor<1x4x3x8xf32>, tensor<1x4x3x5xf32>)
  return %0#0, %0#1 : tensor<1x4x3x8xf32>, tensor<1x4x3x5xf32>
}

// -----

// Half precision: QK, softmax and PV run in f32; outputs are truncated.
// CHECK-LABEL: func @half_probs
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: math.exp %{{.*}} : f32
// CHECK: arith.truncf %{{.*}} : f32 to f16
// CHECK: return %{{.*}}, %{{.*}} : tensor<1x2x3x8xf16>, tensor<1x2x3x5xf16>
func.func @half_probs(%q: tensor<1x2x3x8xf16>, %k: tensor<1x2x5x8xf16>) -> (tensor<1x2x3x8xf16>, tensor<1x2x3x5xf16>) {
  %0:2 = seq.attention %q, %k, %k scale = 0.5 {scores_mode = 3 : i64} : (tensor<1x2x3x8xf16>, tensor<1x2x5x8xf16>, tensor<1x2x5x8xf16>) -> (tensor<1x2x3x8xf16>, tensor<1x2x3x5xf16>)
  return %0#0, %0#1 : tensor<1x2x3x8xf16>, tensor<1x2x3x5xf16>
}
