// RUN: seq-opt --seq-quantize-weights="bits=4 group=32 asym=true" %s | FileCheck %s --check-prefix=W4
// RUN: seq-opt --seq-quantize-weights="bits=8 group=64 asym=false" %s | FileCheck %s --check-prefix=W8
// seqc --quantize: seq.matmul with a constant f32 [K, N] weight ->
// seq.quant_matmul with the weight quantized at compile time (MatMulNBits
// layout); run-time and small weights stay f32.

// W4-LABEL: func.func @const_weight
// W4: %[[W:.*]] = arith.constant dense_resource<{{.*}}> : tensor<64x4x16xui8>
// W4: %[[S:.*]] = arith.constant dense_resource<{{.*}}> : tensor<64x4xf32>
// W4: %[[Z:.*]] = arith.constant dense_resource<{{.*}}> : tensor<64x4xui8>
// W4: seq.quant_matmul %arg0, %[[W]], %[[S]], %[[Z]] bits = 4 group = 32 {int8_activations} : (tensor<2x5x128xf32>, tensor<64x4x16xui8>, tensor<64x4xf32>, tensor<64x4xui8>) -> tensor<2x5x64xf32>
// W8-LABEL: func.func @const_weight
// W8: seq.quant_matmul %arg0, %{{.*}}, %{{.*}} bits = 8 group = 64 {int8_activations} : (tensor<2x5x128xf32>, tensor<64x2x64xui8>, tensor<64x2xf32>) -> tensor<2x5x64xf32>
func.func @const_weight(%x: tensor<2x5x128xf32>) -> tensor<2x5x64xf32> {
  %w = arith.constant dense<0.25> : tensor<128x64xf32>
  %0 = seq.matmul %x, %w : (tensor<2x5x128xf32>, tensor<128x64xf32>) -> tensor<2x5x64xf32>
  return %0 : tensor<2x5x64xf32>
}

// W4-LABEL: func.func @runtime_weight
// W4: seq.matmul
// W4-NOT: seq.quant_matmul
func.func @runtime_weight(%x: tensor<4x128xf32>, %w: tensor<128x64xf32>) -> tensor<4x64xf32> {
  %0 = seq.matmul %x, %w : (tensor<4x128xf32>, tensor<128x64xf32>) -> tensor<4x64xf32>
  return %0 : tensor<4x64xf32>
}

// Below min-elements (4096): not worth a kernel call.
// W4-LABEL: func.func @small_weight
// W4: seq.matmul
// W4-NOT: seq.quant_matmul
func.func @small_weight(%x: tensor<4x32xf32>) -> tensor<4x16xf32> {
  %w = arith.constant dense<1.0> : tensor<32x16xf32>
  %0 = seq.matmul %x, %w : (tensor<4x32xf32>, tensor<32x16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}
