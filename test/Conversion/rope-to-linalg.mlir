// RUN: seq-opt %s --split-input-file --seq-to-linalg | FileCheck %s

// Rotate-half over all channels with half tables: one generic on the
// [.., 2, R/2] view of x. Loop d3 picks the half, d4 the channel in it; the
// partner is the other half (1 - d3) through an affine map, the table column
// is d4 for both halves, so nothing in the body is data-dependent.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>
// CHECK-DAG: #[[PARTNER:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, -d3 + 1, d4)>
// CHECK-DAG: #[[TABLE:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (0, 0, d2, d4)>
// CHECK-LABEL: func @rope_half
// CHECK: %[[XH:.*]] = tensor.expand_shape %arg0 {{\[}}[0], [1], [2], [3, 4]] output_shape [1, 2, 4, 2, 4]
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[PARTNER]], #[[TABLE]], #[[TABLE]], #[[ID]]]
// CHECK-SAME: ins(%[[XH]], %[[XH]], %arg1, %arg2 :
// CHECK: ^bb0(%[[IN:.*]]: f32, %[[XP:.*]]: f32, %[[COS:.*]]: f32, %[[SIN:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[K:.*]] = linalg.index 3
// CHECK: %[[FIRST:.*]] = arith.cmpi eq, %[[K]]
// CHECK: %[[P:.*]] = arith.mulf %[[XP]], %[[SIN]]
// CHECK: %[[N:.*]] = arith.negf %[[P]]
// CHECK: %[[T:.*]] = arith.select %[[FIRST]], %[[N]], %[[P]]
// CHECK: %[[XC:.*]] = arith.mulf %[[IN]], %[[COS]]
// CHECK: %[[R:.*]] = arith.addf %[[XC]], %[[T]]
// CHECK: linalg.yield %[[R]]
// CHECK-NOT: tensor.extract
// CHECK: tensor.collapse_shape %[[Y]] {{\[}}[0], [1], [2], [3, 4]] : tensor<1x2x4x2x4xf32> into tensor<1x2x4x8xf32>
// CHECK-NOT: seq.
func.func @rope_half(%x: tensor<1x2x4x8xf32>, %c: tensor<1x1x4x4xf32>, %s: tensor<1x1x4x4xf32>) -> tensor<1x2x4x8xf32> {
  %0 = seq.rope %x, %c, %s : (tensor<1x2x4x8xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x2x4x8xf32>
  return %0 : tensor<1x2x4x8xf32>
}

// -----

// Full tables with per-row position ids, bshd: the ids select table rows
// once, into [B, S, T] (the only data-dependent reads); the main generic
// reads them at (b, s = d1, half d3, channel d4).
// CHECK-DAG: #[[G:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[TABLE:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3, d4)>
// CHECK-LABEL: func @rope_full_positions_bshd
// CHECK: %[[E:.*]] = tensor.empty() : tensor<2x4x8xf32>
// CHECK: %[[T:.*]]:2 = linalg.generic {indexing_maps = [#[[G]], #[[G]]], {{.*}} outs(%[[E]], %[[E]] :
// CHECK: %[[ID:.*]] = tensor.extract %arg3
// CHECK: tensor.extract %arg1
// CHECK: tensor.extract %arg2
// CHECK: %[[C:.*]] = tensor.expand_shape %[[T]]#0 {{\[}}[0], [1], [2, 3]] output_shape [2, 4, 2, 4]
// CHECK: %[[S:.*]] = tensor.expand_shape %[[T]]#1
// CHECK: %[[XH:.*]] = tensor.expand_shape %arg0
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #[[TABLE]], #[[TABLE]], #{{.*}}]
// CHECK-SAME: ins(%[[XH]], %[[XH]], %[[C]], %[[S]] :
// CHECK-NOT: tensor.extract
// CHECK: tensor.collapse_shape
func.func @rope_full_positions_bshd(%x: tensor<2x4x3x8xf32>, %c: tensor<16x8xf32>, %s: tensor<16x8xf32>, %p: tensor<2x4xi64>) -> tensor<2x4x3x8xf32> {
  %0 = seq.rope %x, %c, %s positions %p layout = bshd : (tensor<2x4x3x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>, tensor<2x4xi64>) -> tensor<2x4x3x8xf32>
  return %0 : tensor<2x4x3x8xf32>
}

// -----

// Partial rotation (rotary_dim < D) keeps the per-element form: the
// partner and table entry are read with extracts, channels >= R pass.
// CHECK-LABEL: func @rope_partial
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[X:[^ ]*]] : tensor<1x2x4x8xf32>)
// CHECK: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[D:.*]] = linalg.index 3
// CHECK: %[[ROT:.*]] = arith.cmpi ult, %[[D]], %[[C4]]
// CHECK: %[[FIRST:.*]] = arith.cmpi ult, %[[D]], %[[C2]]
// CHECK: %[[XP:.*]] = tensor.extract %[[X]]
// CHECK: %[[COS:.*]] = tensor.extract %arg1
// CHECK: %[[SIN:.*]] = tensor.extract %arg2
// CHECK: %[[P:.*]] = arith.mulf %[[XP]], %[[SIN]]
// CHECK: %[[N:.*]] = arith.negf %[[P]]
// CHECK: %[[T:.*]] = arith.select %[[FIRST]], %[[N]], %[[P]]
// CHECK: %[[XC:.*]] = arith.mulf %[[IN]], %[[COS]]
// CHECK: %[[Y:.*]] = arith.addf %[[XC]], %[[T]]
// CHECK: %[[R:.*]] = arith.select %[[ROT]], %[[Y]], %[[IN]]
// CHECK: linalg.yield %[[R]]
// CHECK-NOT: seq.
func.func @rope_partial(%x: tensor<1x2x4x8xf32>, %c: tensor<16x2xf32>, %s: tensor<16x2xf32>, %p: tensor<1x4xi64>) -> tensor<1x2x4x8xf32> {
  %0 = seq.rope %x, %c, %s positions %p rotary_dim = 4 : (tensor<1x2x4x8xf32>, tensor<16x2xf32>, tensor<16x2xf32>, tensor<1x4xi64>) -> tensor<1x2x4x8xf32>
  return %0 : tensor<1x2x4x8xf32>
}

// -----

// Interleaved pairs (d, d ^ 1); position ids select the table row and
// negative ids wrap by the row count.
// CHECK-LABEL: func @rope_positions
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK: linalg.generic
// CHECK: %[[D:.*]] = linalg.index 3
// CHECK: arith.andi %[[D]], %[[C1]]
// CHECK: %[[HALF:.*]] = arith.shrui %[[D]], %[[C1]]
// CHECK: %[[ID:.*]] = tensor.extract %arg3
// CHECK: %[[IDX:.*]] = arith.index_cast %[[ID]] : i64 to index
// CHECK: arith.addi %[[IDX]], %[[C16]]
// CHECK: tensor.extract %arg1[
// CHECK: tensor.extract %arg2[
// CHECK-NOT: seq.
func.func @rope_positions(%x: tensor<1x2x4x8xf32>, %c: tensor<16x4xf32>, %s: tensor<16x4xf32>, %p: tensor<1x4xi64>) -> tensor<1x2x4x8xf32> {
  %0 = seq.rope %x, %c, %s positions %p interleaved : (tensor<1x2x4x8xf32>, tensor<16x4xf32>, tensor<16x4xf32>, tensor<1x4xi64>) -> tensor<1x2x4x8xf32>
  return %0 : tensor<1x2x4x8xf32>
}

// -----

// CHECK-LABEL: func @gelu_swiglu
// CHECK: linalg.generic
// CHECK: math.tanh
// CHECK: linalg.generic
// CHECK: math.erf
// CHECK: linalg.generic
// CHECK: math.exp
// CHECK-NOT: seq.
func.func @gelu_swiglu(%a: tensor<8xf32>, %b: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) {
  %0 = seq.gelu %a approximate = tanh : (tensor<8xf32>) -> tensor<8xf32>
  %1 = seq.gelu %a : (tensor<8xf32>) -> tensor<8xf32>
  %2 = seq.swiglu %a, %b : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %0, %1, %2 : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
}
