// RUN: seq-opt %s | seq-opt | FileCheck %s
// RUN: seq-opt %s --mlir-print-op-generic | seq-opt | FileCheck %s

// CHECK-LABEL: func @einsum
func.func @einsum(%a: tensor<5x2x3xf32>, %b: tensor<5x3x4xf32>, %d: tensor<3x5x5xf32>) -> (tensor<5x2x4xf32>, tensor<3x5xf32>, tensor<f32>) {
  // CHECK: seq.einsum "bij,bjk->bik" %{{.*}}, %{{.*}} : (tensor<5x2x3xf32>, tensor<5x3x4xf32>) -> tensor<5x2x4xf32>
  %0 = seq.einsum "bij,bjk->bik" %a, %b : (tensor<5x2x3xf32>, tensor<5x3x4xf32>) -> tensor<5x2x4xf32>
  // CHECK: seq.einsum "...ii->...i"
  %1 = seq.einsum "...ii->...i" %d : (tensor<3x5x5xf32>) -> tensor<3x5xf32>
  // CHECK: seq.einsum "bij,bij"
  %2 = seq.einsum "bij,bij" %a, %a : (tensor<5x2x3xf32>, tensor<5x2x3xf32>) -> tensor<f32>
  return %0, %1, %2 : tensor<5x2x4xf32>, tensor<3x5xf32>, tensor<f32>
}

// CHECK-LABEL: func @arg_topk_cumsum
func.func @arg_topk_cumsum(%x: tensor<3x4xf32>) -> (tensor<3x1xi64>, tensor<4xi64>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<3x4xf32>) {
  // CHECK: seq.argmax %{{.*}} axis = 1 keep_dims : tensor<3x4xf32> -> tensor<3x1xi64>
  %0 = seq.argmax %x axis = 1 keep_dims : tensor<3x4xf32> -> tensor<3x1xi64>
  // CHECK: seq.argmin %{{.*}} axis = 0 select_last_index : tensor<3x4xf32> -> tensor<4xi64>
  %1 = seq.argmin %x axis = 0 select_last_index : tensor<3x4xf32> -> tensor<4xi64>
  // CHECK: seq.topk %{{.*}} k = 2 axis = -1 largest : tensor<3x4xf32> -> tensor<3x2xf32>, tensor<3x2xi64>
  %v, %i = seq.topk %x k = 2 axis = -1 largest : tensor<3x4xf32> -> tensor<3x2xf32>, tensor<3x2xi64>
  // CHECK: seq.cumsum %{{.*}} axis = 1 exclusive reverse : tensor<3x4xf32>
  %2 = seq.cumsum %x axis = 1 exclusive reverse : tensor<3x4xf32>
  return %0, %1, %v, %i, %2 : tensor<3x1xi64>, tensor<4xi64>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<3x4xf32>
}

// CHECK-LABEL: func @gather_scatter
func.func @gather_scatter(%d: tensor<2x2x2xf32>, %i3: tensor<2x2x2xi64>, %nd: tensor<2x1x2xi64>, %u: tensor<2x1x2xf32>) -> (tensor<2x2x2xf32>, tensor<2x1x2xf32>, tensor<2x2x2xf32>, tensor<2x2x2xf32>) {
  // CHECK: seq.gather_elements %{{.*}}[%{{.*}}] axis = 1
  %0 = seq.gather_elements %d[%i3] axis = 1 : (tensor<2x2x2xf32>, tensor<2x2x2xi64>) -> tensor<2x2x2xf32>
  // CHECK: seq.gather_nd %{{.*}}[%{{.*}}] : (tensor<2x2x2xf32>, tensor<2x1x2xi64>) -> tensor<2x1x2xf32>
  %1 = seq.gather_nd %d[%nd] : (tensor<2x2x2xf32>, tensor<2x1x2xi64>) -> tensor<2x1x2xf32>
  // CHECK: seq.scatter_elements add %{{.*}}[%{{.*}}] = %{{.*}} axis = 0
  %2 = seq.scatter_elements add %d[%i3] = %d axis = 0 : (tensor<2x2x2xf32>, tensor<2x2x2xi64>, tensor<2x2x2xf32>) -> tensor<2x2x2xf32>
  // CHECK: seq.scatter_nd none %{{.*}}[%{{.*}}] = %{{.*}} :
  %3 = seq.scatter_nd none %d[%nd] = %u : (tensor<2x2x2xf32>, tensor<2x1x2xi64>, tensor<2x1x2xf32>) -> tensor<2x2x2xf32>
  return %0, %1, %2, %3 : tensor<2x2x2xf32>, tensor<2x1x2xf32>, tensor<2x2x2xf32>, tensor<2x2x2xf32>
}

// CHECK-LABEL: func @conv
func.func @conv(%x: tensor<1x4x5x5xf32>, %w: tensor<6x2x3x3xf32>, %b: tensor<6xf32>) -> tensor<1x6x3x3xf32> {
  // CHECK: seq.conv %{{.*}}, %{{.*}}, %{{.*}} strides = [2, 2] dilations = [1, 1] pads = [1, 1, 1, 1] group = 2
  %0 = seq.conv %x, %w, %b strides = [2, 2] dilations = [1, 1] pads = [1, 1, 1, 1] group = 2 : (tensor<1x4x5x5xf32>, tensor<6x2x3x3xf32>, tensor<6xf32>) -> tensor<1x6x3x3xf32>
  return %0 : tensor<1x6x3x3xf32>
}
