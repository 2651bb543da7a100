// RUN: seq-opt %s --split-input-file --seq-to-linalg | FileCheck %s

// Dynamic dims that the lowering reads as equal get a cf.assert (lowered
// by seq-lower-runtime-checks); static ones get none.

// CHECK-LABEL: func @add_dyn
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32>, %[[Y:.*]]: tensor<?x4xf32>
// CHECK-DAG: %[[DY:.*]] = tensor.dim %[[Y]], %c0
// CHECK-DAG: %[[DX:.*]] = tensor.dim %[[X]], %c0
// CHECK: %[[EQ:.*]] = arith.cmpi eq, %[[DY]], %[[DX]]
// CHECK: cf.assert %[[EQ]], "seq.add: dim 0 of operand 1 does not match dim 0 of operand 0
// CHECK: linalg.generic
func.func @add_dyn(%x: tensor<?x4xf32>, %y: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %0 = seq.add %x, %y : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// CHECK-LABEL: func @add_static
// CHECK-NOT: cf.assert
func.func @add_static(%x: tensor<1x4xf32>, %y: tensor<3x4xf32>) -> tensor<3x4xf32> {
  %0 = seq.add %x, %y : (tensor<1x4xf32>, tensor<3x4xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// CHECK-LABEL: func @matmul_dyn_k
// CHECK: cf.assert %{{.*}}, "seq.matmul: the contraction dim (last of lhs) does not match the second-to-last dim of rhs"
func.func @matmul_dyn_k(%a: tensor<2x?xf32>, %b: tensor<?x3xf32>) -> tensor<2x3xf32> {
  %0 = seq.matmul %a, %b : (tensor<2x?xf32>, tensor<?x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func @reshape_to_static
// CHECK: cf.assert %{{.*}}, "seq.reshape: the run-time element count of the dynamic input does not match the 12 elements of the target shape"
// CHECK: tensor.cast %{{.*}} : tensor<?xf32> to tensor<12xf32>
func.func @reshape_to_static(%x: tensor<?x4xf32>) -> tensor<2x6xf32> {
  %0 = seq.reshape %x : tensor<?x4xf32> -> tensor<2x6xf32>
  return %0 : tensor<2x6xf32>
}

// -----

// CHECK-LABEL: func @reshape_split
// CHECK: arith.remui
// CHECK: cf.assert %{{.*}}, "seq.reshape: the run-time element count of the input is not a multiple of 256
func.func @reshape_split(%x: tensor<1x?x32xf32>) -> tensor<1x16x?x16xf32> {
  %0 = seq.reshape %x : tensor<1x?x32xf32> -> tensor<1x16x?x16xf32>
  return %0 : tensor<1x16x?x16xf32>
}
