// RUN: seq-opt %s | seq-opt | FileCheck %s

// CHECK-LABEL: func @cumsum
// CHECK: %[[R:.*]]:2 = seq.scan inits(%{{.*}} : tensor<2x4xf32>) inputs(%{{.*}} : tensor<5x2x4xf32>) input_axes = [0] input_reverse = [false] output_axes = [0] output_reverse = [false] -> (tensor<2x4xf32>, tensor<5x2x4xf32>) {
// CHECK: ^bb0(%[[H:.*]]: tensor<2x4xf32>, %[[X:.*]]: tensor<2x4xf32>):
// CHECK:   %[[S:.*]] = seq.add %[[H]], %[[X]]
// CHECK:   seq.yield %[[S]], %[[S]] : tensor<2x4xf32>, tensor<2x4xf32>
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

// No state, a reversed input on axis 1 and an output stacked on axis 1 in
// reverse; the body reads a weight defined above.
// CHECK-LABEL: func @stateless
// CHECK: seq.scan inputs(%{{.*}} : tensor<3x7xf32>) input_axes = [1] input_reverse = [true] output_axes = [1] output_reverse = [true] -> (tensor<3x7xf32>)
// CHECK: ^bb0(%{{.*}}: tensor<3xf32>):
func.func @stateless(%xs: tensor<3x7xf32>, %w: tensor<3xf32>) -> tensor<3x7xf32> {
  %r = seq.scan inputs(%xs : tensor<3x7xf32>)
      input_axes = [1] input_reverse = [true] output_axes = [1] output_reverse = [true]
      -> (tensor<3x7xf32>) {
  ^bb0(%x: tensor<3xf32>):
    %m = seq.mul %x, %w : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
    seq.yield %m : tensor<3xf32>
  }
  return %r : tensor<3x7xf32>
}

// Dynamic sequence length.
// CHECK-LABEL: func @dynamic
// CHECK: seq.scan inits(%{{.*}} : tensor<4xf32>) inputs(%{{.*}} : tensor<?x4xf32>)
func.func @dynamic(%h0: tensor<4xf32>, %xs: tensor<?x4xf32>) -> tensor<4xf32> {
  %r = seq.scan inits(%h0 : tensor<4xf32>) inputs(%xs : tensor<?x4xf32>)
      input_axes = [0] input_reverse = [false] output_axes = [] output_reverse = []
      -> (tensor<4xf32>) {
  ^bb0(%h: tensor<4xf32>, %x: tensor<4xf32>):
    %s = seq.mul %h, %x : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    seq.yield %s : tensor<4xf32>
  }
  return %r : tensor<4xf32>
}
