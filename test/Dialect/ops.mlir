// RUN: seq-opt %s | seq-opt | FileCheck %s
// RUN: seq-opt %s --mlir-print-op-generic | seq-opt | FileCheck %s

// CHECK-LABEL: func @elementwise
func.func @elementwise(%a: tensor<2x3xf32>, %b: tensor<3xf32>, %c: tensor<2x1xi1>) -> tensor<2x3xf32> {
  // CHECK: seq.add %{{.*}}, %{{.*}} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %0 = seq.add %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: seq.pow
  %1 = seq.pow %0, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: seq.less {{.*}} -> tensor<2x3xi1>
  %2 = seq.less %1, %a : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xi1>
  // CHECK: seq.select {{.*}} : (tensor<2x1xi1>, tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %3 = seq.select %c, %1, %b : (tensor<2x1xi1>, tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: seq.sigmoid
  %4 = seq.sigmoid %3 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: seq.is_nan {{.*}} -> tensor<2x3xi1>
  %5 = seq.is_nan %4 : (tensor<2x3xf32>) -> tensor<2x3xi1>
  // CHECK: seq.cast {{.*}} : tensor<2x3xi1> to tensor<2x3xf32>
  %6 = seq.cast %5 : tensor<2x3xi1> to tensor<2x3xf32>
  return %6 : tensor<2x3xf32>
}

// CHECK-LABEL: func @shapes
func.func @shapes(%x: tensor<2x3x4xf32>, %ids: tensor<5xi64>) -> tensor<5x4xf32> {
  // CHECK: seq.transpose %{{.*}} [2, 0, 1] : tensor<2x3x4xf32> -> tensor<4x2x3xf32>
  %t = seq.transpose %x [2, 0, 1] : tensor<2x3x4xf32> -> tensor<4x2x3xf32>
  // CHECK: seq.reshape %{{.*}} : tensor<4x2x3xf32> -> tensor<6x4xf32>
  %r = seq.reshape %t : tensor<4x2x3xf32> -> tensor<6x4xf32>
  // CHECK: seq.gather %{{.*}}[%{{.*}}] axis = 0 : (tensor<6x4xf32>, tensor<5xi64>) -> tensor<5x4xf32>
  %g = seq.gather %r[%ids] axis = 0 : (tensor<6x4xf32>, tensor<5xi64>) -> tensor<5x4xf32>
  // CHECK: seq.reduce mean %{{.*}} axes = [1] keep_dims : tensor<5x4xf32> -> tensor<5x1xf32>
  %m = seq.reduce mean %g axes = [1] keep_dims : tensor<5x4xf32> -> tensor<5x1xf32>
  // CHECK: seq.broadcast %{{.*}} : tensor<5x1xf32> -> tensor<5x4xf32>
  %b = seq.broadcast %m : tensor<5x1xf32> -> tensor<5x4xf32>
  return %b : tensor<5x4xf32>
}

// CHECK-LABEL: func @sequence_ops
func.func @sequence_ops(%x: tensor<1x4x8xf32>, %w: tensor<8xf32>, %q: tensor<1x4x4x8xf32>,
                        %k: tensor<1x2x6x8xf32>, %v: tensor<1x2x6x8xf32>,
                        %mask: tensor<4x6xi1>) -> tensor<1x4x4x8xf32> {
  // CHECK: seq.matmul %{{.*}}, %{{.*}} : (tensor<1x4x8xf32>, tensor<8x8xf32>) -> tensor<1x4x8xf32>
  %w2 = seq.broadcast %w : tensor<8xf32> -> tensor<8x8xf32>
  %mm = seq.matmul %x, %w2 : (tensor<1x4x8xf32>, tensor<8x8xf32>) -> tensor<1x4x8xf32>
  // CHECK: seq.rms_norm %{{.*}}, %{{.*}} axis = -1 epsilon = 9.99999997E-7
  %n = seq.rms_norm %mm, %w axis = -1 epsilon = 1.0e-6 : (tensor<1x4x8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
  // CHECK: seq.layer_norm %{{.*}}, %{{.*}}, %{{.*}} axis = 2 epsilon
  %l = seq.layer_norm %n, %w, %w axis = 2 epsilon = 1.0e-5 : (tensor<1x4x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
  // CHECK: seq.softmax %{{.*}} axis = -1 log : tensor<1x4x8xf32>
  %s = seq.softmax %l axis = -1 log : tensor<1x4x8xf32>
  // CHECK: seq.attention %{{.*}}, %{{.*}}, %{{.*}} mask %{{.*}} scale = 0.353553385 causal {softcap = 3.000000e+01 : f32}
  %a = seq.attention %q, %k, %v mask %mask scale = 0.353553385 causal {softcap = 30.0 : f32} : (tensor<1x4x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32>, tensor<4x6xi1>) -> tensor<1x4x4x8xf32>
  return %a : tensor<1x4x4x8xf32>
}
