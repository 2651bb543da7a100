// RUN: seq-opt %s | seq-opt | FileCheck %s
// RUN: seq-opt %s --mlir-print-op-generic | seq-opt | FileCheck %s

// CHECK-LABEL: func @rope
func.func @rope(%x: tensor<1x2x4x8xf32>, %c: tensor<1x1x4x4xf32>, %f: tensor<1x1x4x8xf32>,
                %pc: tensor<16x3xf32>, %p: tensor<1x4xi64>, %y: tensor<1x4x2x8xf32>,
                %yc: tensor<1x4x1x4xf32>) -> (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x4x2x8xf32>) {
  // CHECK: seq.rope %{{.*}}, %{{.*}}, %{{.*}} interleaved : (tensor<1x2x4x8xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x2x4x8xf32>
  %0 = seq.rope %x, %c, %c interleaved : (tensor<1x2x4x8xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x2x4x8xf32>
  // Full-width (Hugging Face) tables.
  // CHECK: seq.rope %{{.*}}, %{{.*}}, %{{.*}} : (tensor<1x2x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x2x4x8xf32>
  %1 = seq.rope %x, %f, %f : (tensor<1x2x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x2x4x8xf32>
  // CHECK: seq.rope %{{.*}}, %{{.*}}, %{{.*}} positions %{{.*}} rotary_dim = 6 :
  %2 = seq.rope %x, %pc, %pc positions %p rotary_dim = 6 : (tensor<1x2x4x8xf32>, tensor<16x3xf32>, tensor<16x3xf32>, tensor<1x4xi64>) -> tensor<1x2x4x8xf32>
  // CHECK: seq.rope %{{.*}}, %{{.*}}, %{{.*}} layout = bshd :
  %3 = seq.rope %y, %yc, %yc layout = bshd : (tensor<1x4x2x8xf32>, tensor<1x4x1x4xf32>, tensor<1x4x1x4xf32>) -> tensor<1x4x2x8xf32>
  return %0, %1, %2, %3 : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x4x2x8xf32>
}

// CHECK-LABEL: func @activations
func.func @activations(%a: tensor<2x8xf32>, %b: tensor<8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>) {
  // CHECK: seq.gelu %{{.*}} : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %0 = seq.gelu %a : (tensor<2x8xf32>) -> tensor<2x8xf32>
  // CHECK: seq.gelu %{{.*}} approximate = tanh : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %1 = seq.gelu %a approximate = tanh : (tensor<2x8xf32>) -> tensor<2x8xf32>
  // CHECK: seq.swiglu %{{.*}}, %{{.*}} : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  %2 = seq.swiglu %a, %b : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  return %0, %1, %2 : tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>
}
