// RUN: seq-opt %s | seq-opt | FileCheck %s
// seq.quant_matmul round-trips: symmetric int4, asymmetric int8 with f16
// scales, dynamic M and batch dims.

// CHECK-LABEL: func.func @int4_sym
// CHECK: seq.quant_matmul %{{.*}}, %{{.*}}, %{{.*}} bits = 4 group = 32 : (tensor<1x1x64xf32>, tensor<16x2x16xui8>, tensor<16x2xf32>) -> tensor<1x1x16xf32>
func.func @int4_sym(%x: tensor<1x1x64xf32>, %w: tensor<16x2x16xui8>, %s: tensor<16x2xf32>) -> tensor<1x1x16xf32> {
  %0 = seq.quant_matmul %x, %w, %s bits = 4 group = 32 : (tensor<1x1x64xf32>, tensor<16x2x16xui8>, tensor<16x2xf32>) -> tensor<1x1x16xf32>
  return %0 : tensor<1x1x16xf32>
}

// CHECK-LABEL: func.func @int8_asym
// CHECK: seq.quant_matmul %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} bits = 8 group = 64 : (tensor<?x100xf32>, tensor<8x2x64xui8>, tensor<8x2xf16>, tensor<8x2xui8>) -> tensor<?x8xf32>
func.func @int8_asym(%x: tensor<?x100xf32>, %w: tensor<8x2x64xui8>, %s: tensor<8x2xf16>, %z: tensor<8x2xui8>) -> tensor<?x8xf32> {
  %0 = seq.quant_matmul %x, %w, %s, %z bits = 8 group = 64 : (tensor<?x100xf32>, tensor<8x2x64xui8>, tensor<8x2xf16>, tensor<8x2xui8>) -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// CHECK-LABEL: func.func @int4_mlas_order
// CHECK: seq.quant_matmul %{{.*}}, %{{.*}}, %{{.*}} bits = 4 group = 32 {int8_activations, mlas_order} : (tensor<2x128xf32>, tensor<8x4x16xui8>, tensor<8x4xf32>) -> tensor<2x8xf32>
func.func @int4_mlas_order(%x: tensor<2x128xf32>, %w: tensor<8x4x16xui8>, %s: tensor<8x4xf32>) -> tensor<2x8xf32> {
  %0 = seq.quant_matmul %x, %w, %s bits = 4 group = 32 {int8_activations, mlas_order} : (tensor<2x128xf32>, tensor<8x4x16xui8>, tensor<8x4xf32>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}
