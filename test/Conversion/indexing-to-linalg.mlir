// RUN: seq-opt %s --split-input-file --seq-to-linalg | FileCheck %s

// Arg reductions carry (value, index) through one generic; the axis loop is
// the innermost reduction. Strict compare keeps the first index on ties.
// CHECK-LABEL: func @argmax
// CHECK: %[[V:.*]]:2 = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK: linalg.index 1
// CHECK: arith.cmpf ogt
// CHECK: tensor.expand_shape %[[V]]#1
func.func @argmax(%x: tensor<3x4xf32>) -> tensor<3x1xi64> {
  %0 = seq.argmax %x axis = 1 keep_dims : tensor<3x4xf32> -> tensor<3x1xi64>
  return %0 : tensor<3x1xi64>
}

// -----

// select_last_index takes ties (<=); the axis is moved last in the loops.
// CHECK-DAG: #[[T:.*]] = affine_map<(d0, d1) -> (d1, d0)>
// CHECK-LABEL: func @argmin_last
// CHECK: linalg.generic {indexing_maps = [#[[T]], {{.*}}]
// CHECK: arith.cmpi sle
func.func @argmin_last(%x: tensor<3x4xi32>) -> tensor<4xi64> {
  %0 = seq.argmin %x axis = 0 select_last_index : tensor<3x4xi32> -> tensor<4xi64>
  return %0 : tensor<4xi64>
}

// -----

// TopK: k selection passes; pass t takes the best element after pass t-1's
// pick (value first, then lower index) and inserts it at t.
// CHECK-LABEL: func @topk
// CHECK: scf.for %[[T:[^ ]+]] = %{{.*}} to %c2 {{.*}} -> (tensor<3x2xf32>, tensor<3x2xi64>, tensor<3xf32>, tensor<3xi64>)
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK: arith.cmpf ogt
// CHECK: arith.cmpi slt
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, %[[T]]] [3, 1] [1, 1] : tensor<3xf32> into tensor<3x2xf32>
func.func @topk(%x: tensor<3x4xf32>) -> (tensor<3x2xf32>, tensor<3x2xi64>) {
  %v, %i = seq.topk %x k = 2 axis = -1 largest : tensor<3x4xf32> -> tensor<3x2xf32>, tensor<3x2xi64>
  return %v, %i : tensor<3x2xf32>, tensor<3x2xi64>
}

// -----

// Reverse exclusive CumSum: a scan from the last slice; the running sum is
// inserted before the add.
// CHECK-LABEL: func @cumsum
// CHECK: scf.for %[[I:[^ ]+]] = {{.*}} -> (tensor<3x4xf32>, tensor<3x1xf32>)
// CHECK: %[[P:.*]] = arith.subi %c3, %[[I]]
// CHECK: tensor.extract_slice %{{.*}}[0, %[[P]]] [3, 1] [1, 1]
// CHECK: tensor.insert_slice
// CHECK: linalg.generic
// CHECK: arith.addf
func.func @cumsum(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {
  %2 = seq.cumsum %x axis = 1 exclusive reverse : tensor<3x4xf32>
  return %2 : tensor<3x4xf32>
}

// -----

// GatherElements iterates the indices; negative indices wrap.
// CHECK-LABEL: func @gather_elements
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<2x2xi64>)
// CHECK: arith.cmpi slt
// CHECK: tensor.extract %{{.*}}[%{{.*}}, %{{.*}}] : tensor<2x3xf32>
func.func @gather_elements(%d: tensor<2x3xf32>, %i: tensor<2x2xi64>) -> tensor<2x2xf32> {
  %0 = seq.gather_elements %d[%i] axis = 1 : (tensor<2x3xf32>, tensor<2x2xi64>) -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

// GatherND reads each index tuple element with tensor.extract.
// CHECK-LABEL: func @gather_nd
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<2x2xf32>)
// CHECK: tensor.extract %{{.*}}[%{{.*}}, %c0] : tensor<2x1xi64>
// CHECK: tensor.extract %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}] : tensor<2x2x2xf32>
func.func @gather_nd(%d: tensor<2x2x2xf32>, %nd: tensor<2x1xi64>) -> tensor<2x2xf32> {
  %1 = seq.gather_nd %d[%nd] {batch_dims = 1 : i64} : (tensor<2x2x2xf32>, tensor<2x1xi64>) -> tensor<2x2xf32>
  return %1 : tensor<2x2xf32>
}

// -----

// Scatters: in-order scf.for nests over the updates, into a copy of data.
// CHECK-LABEL: func @scatter_elements
// CHECK: %[[C:.*]] = linalg.copy
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %[[C]])
// CHECK: scf.for
// CHECK: arith.addf
// CHECK: tensor.insert
func.func @scatter_elements(%d: tensor<3x3xf32>, %i: tensor<2x3xi64>, %u: tensor<2x3xf32>) -> tensor<3x3xf32> {
  %0 = seq.scatter_elements add %d[%i] = %u axis = 0 : (tensor<3x3xf32>, tensor<2x3xi64>, tensor<2x3xf32>) -> tensor<3x3xf32>
  return %0 : tensor<3x3xf32>
}

// -----

// CHECK-LABEL: func @scatter_nd
// CHECK: linalg.copy
// CHECK: scf.for
// CHECK: scf.for
// CHECK-NOT: arith.addf
// CHECK: tensor.insert
func.func @scatter_nd(%d: tensor<4x3xf32>, %i: tensor<2x1xi64>, %u: tensor<2x3xf32>) -> tensor<4x3xf32> {
  %0 = seq.scatter_nd none %d[%i] = %u : (tensor<4x3xf32>, tensor<2x1xi64>, tensor<2x3xf32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}
