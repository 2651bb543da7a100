// RUN: seq-opt %s --split-input-file --seq-to-linalg | FileCheck %s

// A forward scan: one scf.for over the sequence with the state and the
// stacked output as iter_args; the body's seq ops are lowered inside it.
// CHECK-LABEL: func @cumsum
// CHECK-SAME: (%[[H0:.*]]: tensor<2x4xf32>, %[[XS:.*]]: tensor<5x2x4xf32>)
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C5:.*]] = arith.constant 5 : index
// CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<5x2x4xf32>
// CHECK: %[[LOOP:.*]]:2 = scf.for %[[I:.*]] = %[[C0]] to %[[C5]] step %[[C1]] iter_args(%[[H:.*]] = %[[H0]], %[[ACC:.*]] = %[[EMPTY]]) -> (tensor<2x4xf32>, tensor<5x2x4xf32>) {
// CHECK:   %[[X:.*]] = tensor.extract_slice %[[XS]][%[[I]], 0, 0] [1, 2, 4] [1, 1, 1] : tensor<5x2x4xf32> to tensor<2x4xf32>
// CHECK:   %[[S:.*]] = linalg.generic
// CHECK-SAME: ins(%[[H]], %[[X]] : tensor<2x4xf32>, tensor<2x4xf32>)
// CHECK:     arith.addf
// The new state is copied into the carried tensor (equivalent yield).
// CHECK:   %[[NEW:.*]] = linalg.copy ins(%[[S]] : tensor<2x4xf32>) outs(%[[H]] : tensor<2x4xf32>)
// CHECK:   %[[INS:.*]] = tensor.insert_slice %[[S]] into %[[ACC]][%[[I]], 0, 0] [1, 2, 4] [1, 1, 1] : tensor<2x4xf32> into tensor<5x2x4xf32>
// CHECK:   scf.yield %[[NEW]], %[[INS]] : tensor<2x4xf32>, tensor<5x2x4xf32>
// CHECK: return %[[LOOP]]#0, %[[LOOP]]#1
// CHECK-NOT: seq.
func.func @cumsum(%h0: tensor<2x4xf32>, %xs: tensor<5x2x4xf32>) -> (tensor<2x4xf32>, tensor<5x2x4xf32>) {
  %r:2 = seq.scan inits(%h0 : tensor<2x4xf32>) inputs(%xs : tensor<5x2x4xf32>)
      input_axes = [0] input_reverse = [false] output_axes = [0] output_reverse = [false]
      -> (tensor<2x4xf32>, tensor<5x2x4xf32>) {
  ^bb0(%h: tensor<2x4xf32>, %x: tensor<2x4xf32>):
    %s = seq.add %h, %x : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
    seq.yield %s, %s : tensor<2x4xf32>, tensor<2x4xf32>
  }
  return %r#0, %r#1 : tensor<2x4xf32>, tensor<5x2x4xf32>
}

// -----

// Reverse input and output on axis 1 index T-1-i; the body reads a value
// from above.
// CHECK-LABEL: func @reverse
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C6:.*]] = arith.constant 6 : index
// CHECK: scf.for %[[I:.*]] = {{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (tensor<3x7xf32>)
// CHECK:   %[[R:.*]] = arith.subi %[[C6]], %[[I]] : index
// CHECK:   tensor.extract_slice %{{.*}}[0, %[[R]]] [3, 1] [1, 1] : tensor<3x7xf32> to tensor<3xf32>
// CHECK:   arith.mulf
// CHECK:   tensor.insert_slice %{{.*}} into %[[ACC]][0, %[[R]]] [3, 1] [1, 1] : tensor<3xf32> into tensor<3x7xf32>
func.func @reverse(%xs: tensor<3x7xf32>, %w: tensor<3xf32>) -> tensor<3x7xf32> {
  %r = seq.scan inputs(%xs : tensor<3x7xf32>)
      input_axes = [1] input_reverse = [true] output_axes = [1] output_reverse = [true]
      -> (tensor<3x7xf32>) {
  ^bb0(%x: tensor<3xf32>):
    %m = seq.mul %x, %w : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
    seq.yield %m : tensor<3xf32>
  }
  return %r : tensor<3x7xf32>
}

// -----

// A dynamic sequence length is read with tensor.dim.
// CHECK-LABEL: func @dynamic
// CHECK: %[[T:.*]] = tensor.dim %{{.*}}, %{{.*}} : tensor<?x1x4xf32>
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[T]]
// CHECK:   linalg.generic
// CHECK:     arith.mulf
// CHECK:     arith.addf
// CHECK:   math.tanh
func.func @dynamic(%h0: tensor<1x4xf32>, %xs: tensor<?x1x4xf32>, %r: tensor<4x4xf32>) -> tensor<1x4xf32> {
  %res = seq.scan inits(%h0 : tensor<1x4xf32>) inputs(%xs : tensor<?x1x4xf32>)
      input_axes = [0] input_reverse = [false] output_axes = [] output_reverse = []
      -> (tensor<1x4xf32>) {
  ^bb0(%h: tensor<1x4xf32>, %x: tensor<1x4xf32>):
    %hr = seq.matmul %h, %r : (tensor<1x4xf32>, tensor<4x4xf32>) -> tensor<1x4xf32>
    %s = seq.add %hr, %x : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
    %t = seq.tanh %s : (tensor<1x4xf32>) -> tensor<1x4xf32>
    seq.yield %t : tensor<1x4xf32>
  }
  return %res : tensor<1x4xf32>
}
