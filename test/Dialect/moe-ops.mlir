// RUN: seq-opt %s | seq-opt | FileCheck %s
// RUN: seq-opt %s --mlir-print-op-generic | seq-opt | FileCheck %s

// CHECK-LABEL: func @gate
func.func @gate(%l: tensor<4x8xf32>) -> (tensor<4x2xf32>, tensor<4x2xi64>, tensor<4x2xf32>) {
  // CHECK: seq.moe_gate %{{.*}} k = 2 : tensor<4x8xf32> -> tensor<4x2xf32>, tensor<4x2xi64>
  %w, %i = seq.moe_gate %l k = 2 : tensor<4x8xf32> -> tensor<4x2xf32>, tensor<4x2xi64>
  // CHECK: seq.moe_gate %{{.*}} k = 2 normalize : tensor<4x8xf32>
  %w2, %i2 = seq.moe_gate %l k = 2 normalize : tensor<4x8xf32> -> tensor<4x2xf32>, tensor<4x2xi64>
  return %w, %i, %w2 : tensor<4x2xf32>, tensor<4x2xi64>, tensor<4x2xf32>
}

// CHECK-LABEL: func @experts
func.func @experts(%x: tensor<?x16xf32>, %w: tensor<?x2xf32>, %i: tensor<?x2xi64>,
                   %up: tensor<4x64x16xf32>, %down: tensor<4x16x32xf32>,
                   %gup: tensor<4x32x16xf32>) -> (tensor<?x16xf32>, tensor<?x16xf32>) {
  // CHECK: seq.moe %{{.*}}, %{{.*}}, %{{.*}} experts(%{{.*}}, %{{.*}}) activation = swiglu : (tensor<?x16xf32>, tensor<?x2xf32>, tensor<?x2xi64>, tensor<4x64x16xf32>, tensor<4x16x32xf32>) -> tensor<?x16xf32>
  %0 = seq.moe %x, %w, %i experts(%up, %down) activation = swiglu
      : (tensor<?x16xf32>, tensor<?x2xf32>, tensor<?x2xi64>, tensor<4x64x16xf32>, tensor<4x16x32xf32>) -> tensor<?x16xf32>
  // CHECK: experts(%{{.*}}, %{{.*}}) activation = gelu_tanh :
  %1 = seq.moe %x, %w, %i experts(%gup, %down) activation = gelu_tanh
      : (tensor<?x16xf32>, tensor<?x2xf32>, tensor<?x2xi64>, tensor<4x32x16xf32>, tensor<4x16x32xf32>) -> tensor<?x16xf32>
  return %0, %1 : tensor<?x16xf32>, tensor<?x16xf32>
}

// Qwen2-MoE: a shared expert with a sigmoid gate; MoE++ zero/copy/constant
// experts beside 4 ffn experts.
// CHECK-LABEL: func @shared_and_trivial
func.func @shared_and_trivial(%x: tensor<3x16xf32>, %w: tensor<3x2xf32>, %i: tensor<3x2xi32>,
                              %up: tensor<4x64x16xf32>, %down: tensor<4x16x32xf32>,
                              %sup: tensor<48x16xf32>, %sdown: tensor<16x24xf32>,
                              %sg: tensor<1x16xf32>, %c: tensor<1x16xf32>) -> tensor<3x16xf32> {
  // CHECK: seq.moe %{{.*}}, %{{.*}}, %{{.*}} experts(%{{.*}}, %{{.*}}) shared(%{{.*}}, %{{.*}} gate %{{.*}}) constants(%{{.*}}) activation = swiglu kinds = [ffn, zero, ffn, copy, ffn, constant, ffn] :
  %0 = seq.moe %x, %w, %i experts(%up, %down) shared(%sup, %sdown gate %sg) constants(%c)
      activation = swiglu kinds = [ffn, zero, ffn, copy, ffn, constant, ffn]
      : (tensor<3x16xf32>, tensor<3x2xf32>, tensor<3x2xi32>, tensor<4x64x16xf32>, tensor<4x16x32xf32>,
         tensor<48x16xf32>, tensor<16x24xf32>, tensor<1x16xf32>, tensor<1x16xf32>) -> tensor<3x16xf32>
  return %0 : tensor<3x16xf32>
}
