// RUN: seq-opt --seq-lower-quant-matmul --cse %s | FileCheck %s
// seq.quant_matmul -> one runtime kernel call on the operand buffers: the
// f32-activation kernel on the weight as given (here a function argument),
// or, with int8_activations and constant operands, the VNNI kernel on a
// weight repacked at compile time into 16-column tiles. Batch dims collapse
// into M; no f32 copy of the weight appears.

// CHECK-LABEL: func.func @runtime_weight
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2]] : tensor<2x3x64xf32> into tensor<6x64xf32>
// CHECK: bufferization.to_buffer %{{.*}} read_only {seq.qgemm_call = 0 : i64} : tensor<6x64xf32> to memref<6x64xf32, strided<[?, ?], offset: ?>>
// CHECK: bufferization.to_buffer %{{.*}} read_only {seq.qgemm_call = 0 : i64} : tensor<40x2x16xui8> to memref<40x2x16xui8>
// CHECK: memref.alloc() {alignment = 64 : i64} : memref<6x40xf32>
// CHECK: call @seqc_uk_qgemm(
// CHECK: bufferization.to_tensor %{{.*}} restrict writable
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0, 1], [2]] output_shape [2, 3, 40]
// CHECK-NOT: seq.quant_matmul
func.func @runtime_weight(%x: tensor<2x3x64xf32>, %w: tensor<40x2x16xui8>, %s: tensor<40x2xf32>) -> tensor<2x3x40xf32> {
  %0 = seq.quant_matmul %x, %w, %s bits = 4 group = 32 : (tensor<2x3x64xf32>, tensor<40x2x16xui8>, tensor<40x2xf32>) -> tensor<2x3x40xf32>
  return %0 : tensor<2x3x40xf32>
}

// Constant operands and int8 activations: 40 columns -> 3 tiles of 16,
// 2 blocks of 16 columns x 16 bytes; scales and zero points [3, 2, 16] f32.
// CHECK-LABEL: func.func @packed
// CHECK-DAG: arith.constant dense_resource<{{.*}}> : tensor<3x2x256xi8>
// CHECK-DAG: arith.constant dense_resource<{{.*}}> : tensor<3x2x16xf32>
// CHECK: call @seqc_uk_qgemm_packed(
// CHECK-NOT: call @seqc_uk_qgemm(
func.func @packed(%x: tensor<?x64xf32>) -> tensor<?x40xf32> {
  %w = arith.constant dense<119> : tensor<40x2x16xui8>
  %s = arith.constant dense<0.5> : tensor<40x2xf32>
  %z = arith.constant dense<3> : tensor<40x2xui8>
  %0 = seq.quant_matmul %x, %w, %s, %z bits = 4 group = 32 {int8_activations} : (tensor<?x64xf32>, tensor<40x2x16xui8>, tensor<40x2xf32>, tensor<40x2xui8>) -> tensor<?x40xf32>
  return %0 : tensor<?x40xf32>
}

// int8_activations with a run-time weight: nothing to pack, the f32 kernel.
// CHECK-LABEL: func.func @int8_runtime_weight
// CHECK: call @seqc_uk_qgemm(
func.func @int8_runtime_weight(%x: tensor<1x64xf32>, %w: tensor<8x1x64xui8>, %s: tensor<8x1xf16>) -> tensor<1x8xf32> {
  %0 = seq.quant_matmul %x, %w, %s bits = 8 group = 64 {int8_activations} : (tensor<1x64xf32>, tensor<8x1x64xui8>, tensor<8x1xf16>) -> tensor<1x8xf32>
  return %0 : tensor<1x8xf32>
}

// Two kernels reading the same input each take its buffer right before their
// call (bufferization sees the read there); CSE does not merge the two.
// CHECK-LABEL: func.func @same_input
// CHECK: bufferization.to_buffer %arg0 read_only {seq.qgemm_call = 3 : i64}
// CHECK: call @seqc_uk_qgemm(
// CHECK: bufferization.to_buffer %arg0 read_only {seq.qgemm_call = 4 : i64}
// CHECK: call @seqc_uk_qgemm(
func.func @same_input(%x: tensor<2x64xf32>, %w: tensor<8x2x16xui8>, %s: tensor<8x2xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>) {
  %0 = seq.quant_matmul %x, %w, %s bits = 4 group = 32 : (tensor<2x64xf32>, tensor<8x2x16xui8>, tensor<8x2xf32>) -> tensor<2x8xf32>
  %1 = seq.quant_matmul %x, %w, %s bits = 4 group = 32 : (tensor<2x64xf32>, tensor<8x2x16xui8>, tensor<8x2xf32>) -> tensor<2x8xf32>
  return %0, %1 : tensor<2x8xf32>, tensor<2x8xf32>
}

// mlas_order (MatMulNBits accuracy_level 4, 4 bits, group 32): the packed
// kernel's flags carry SEQC_QGEMM_MLAS_ORDER (2).
// CHECK-LABEL: func.func @packed_mlas_order
// CHECK: %[[FLAGS:.*]] = arith.constant 2 : i64
// CHECK: call @seqc_uk_qgemm_packed(%[[FLAGS]],
func.func @packed_mlas_order(%x: tensor<1x64xf32>) -> tensor<1x16xf32> {
  %w = arith.constant dense<119> : tensor<16x2x16xui8>
  %s = arith.constant dense<0.5> : tensor<16x2xf32>
  %0 = seq.quant_matmul %x, %w, %s bits = 4 group = 32 {int8_activations, mlas_order} : (tensor<1x64xf32>, tensor<16x2x16xui8>, tensor<16x2xf32>) -> tensor<1x16xf32>
  return %0 : tensor<1x16xf32>
}
