// RUN: seq-opt --seq-quantize-weights="bits=4 group=32 asym=true f16-scales=true" %s | FileCheck %s --check-prefix=W4
// RUN: seq-opt --seq-quantize-weights="bits=8 group=64 asym=false f16-scales=true" %s | FileCheck %s --check-prefix=W8
// seqc --quantize=...:scale=f16: the scales of the quantized weight are
// stored in f16 (zero points stay ui8); the op takes them as they are.

// W4-LABEL: func.func @const_weight
// W4: %[[W:.*]] = arith.constant dense_resource<{{.*}}> : tensor<64x4x16xui8>
// W4: %[[S:.*]] = arith.constant dense_resource<{{.*}}> : tensor<64x4xf16>
// W4: %[[Z:.*]] = arith.constant dense_resource<{{.*}}> : tensor<64x4xui8>
// W4: seq.quant_matmul %arg0, %[[W]], %[[S]], %[[Z]] bits = 4 group = 32 {int8_activations} : (tensor<2x5x128xf32>, tensor<64x4x16xui8>, tensor<64x4xf16>, tensor<64x4xui8>) -> tensor<2x5x64xf32>
// W8-LABEL: func.func @const_weight
// W8: seq.quant_matmul %arg0, %{{.*}}, %{{.*}} bits = 8 group = 64 {int8_activations} : (tensor<2x5x128xf32>, tensor<64x2x64xui8>, tensor<64x2xf16>) -> tensor<2x5x64xf32>
func.func @const_weight(%x: tensor<2x5x128xf32>) -> tensor<2x5x64xf32> {
  %w = arith.constant dense<0.25> : tensor<128x64xf32>
  %0 = seq.matmul %x, %w : (tensor<2x5x128xf32>, tensor<128x64xf32>) -> tensor<2x5x64xf32>
  return %0 : tensor<2x5x64xf32>
}
