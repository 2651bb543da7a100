// RUN: seq-opt %s --split-input-file --seq-to-linalg | FileCheck %s

// Rotate-half with half tables: the element is read through the identity
// map, its partner (d +- R/2) and the table entry (d mod R/2) by extract.
// CHECK-LABEL: func @rope_half
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C8:.*]] = arith.constant 8 : index
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[X:[^ ]*]] : tensor<1x2x4x8xf32>)
// CHECK: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[D:.*]] = linalg.index 3
// CHECK: %[[ROT:.*]] = arith.cmpi ult, %[[D]], %[[C8]]
// CHECK: %[[FIRST:.*]] = arith.cmpi ult, %[[D]], %[[C4]]
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
func.func @rope_half(%x: tensor<1x2x4x8xf32>, %c: tensor<1x1x4x4xf32>, %s: tensor<1x1x4x4xf32>) -> tensor<1x2x4x8xf32> {
  %0 = seq.rope %x, %c, %s : (tensor<1x2x4x8xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x2x4x8xf32>
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
