// RUN: seq-opt --seq-lower-quant-matmul --cse %s | FileCheck %s
// f16 scales (MatMulNBits with f16 scales, seqc --quantize=...:scale=f16)
// stay f16 through the lowering: packed into the VNNI tiles as f16 bits, or
// passed as given, with the kernels' flags = 1 (SEQC_QGEMM_F16_SCALES); no
// f32 copy of the scales (no seq.cast). f32 scales call with flags = 0.

// Constant operands: 40 columns -> 3 tiles; scales [3, 2, 16] f16, zero
// points [3, 2, 16] f32 as before.
// CHECK-LABEL: func.func @packed_f16
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1 : i64
// CHECK-DAG: arith.constant dense_resource<{{.*}}> : tensor<3x2x256xi8>
// CHECK-DAG: arith.constant dense_resource<{{.*}}> : tensor<3x2x16xf16>
// CHECK-DAG: arith.constant dense_resource<{{.*}}> : tensor<3x2x16xf32>
// CHECK-NOT: seq.cast
// CHECK: call @seqc_uk_qgemm_packed(%[[ONE]],
func.func @packed_f16(%x: tensor<?x64xf32>) -> tensor<?x40xf32> {
  %w = arith.constant dense<119> : tensor<40x2x16xui8>
  %s = arith.constant dense<0.5> : tensor<40x2xf16>
  %z = arith.constant dense<3> : tensor<40x2xui8>
  %0 = seq.quant_matmul %x, %w, %s, %z bits = 4 group = 32 {int8_activations} : (tensor<?x64xf32>, tensor<40x2x16xui8>, tensor<40x2xf16>, tensor<40x2xui8>) -> tensor<?x40xf32>
  return %0 : tensor<?x40xf32>
}

// Run-time f16 scales: their buffer goes to the f32-activation kernel.
// CHECK-LABEL: func.func @runtime_f16
// CHECK-NOT: seq.cast
// CHECK: bufferization.to_buffer %arg2 read_only {seq.qgemm_call = 1 : i64} : tensor<8x2xf16> to memref<8x2xf16>
// CHECK: %[[ONE:.*]] = arith.constant 1 : i64
// CHECK: call @seqc_uk_qgemm(%[[ONE]],
func.func @runtime_f16(%x: tensor<3x64xf32>, %w: tensor<8x2x16xui8>, %s: tensor<8x2xf16>) -> tensor<3x8xf32> {
  %0 = seq.quant_matmul %x, %w, %s bits = 4 group = 32 : (tensor<3x64xf32>, tensor<8x2x16xui8>, tensor<8x2xf16>) -> tensor<3x8xf32>
  return %0 : tensor<3x8xf32>
}

// f32 scales: flags 0, packed scales f32.
// CHECK-LABEL: func.func @packed_f32
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0 : i64
// CHECK-DAG: arith.constant dense_resource<{{.*}}> : tensor<1x1x16xf32>
// CHECK: call @seqc_uk_qgemm_packed(%[[ZERO]],
func.func @packed_f32(%x: tensor<2x32xf32>) -> tensor<2x8xf32> {
  %w = arith.constant dense<17> : tensor<8x1x16xui8>
  %s = arith.constant dense<0.25> : tensor<8x1xf32>
  %0 = seq.quant_matmul %x, %w, %s bits = 4 group = 32 {int8_activations} : (tensor<2x32xf32>, tensor<8x1x16xui8>, tensor<8x1xf32>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}
