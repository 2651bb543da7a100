// RUN: seq-opt %s --split-input-file --seq-lower-moe | FileCheck %s
// RUN: seq-opt %s --split-input-file --seq-lower-moe --cse | FileCheck %s --check-prefix=CSE

// seq.moe_gate is the seq ops it stands for.
// CHECK-LABEL: func @gate
// CHECK-SAME: (%[[L:.*]]: tensor<4x8xf32>)
// CHECK: %[[P:.*]] = seq.softmax %[[L]] axis = 1 : tensor<4x8xf32>
// CHECK: %[[V:.*]], %[[I:.*]] = seq.topk %[[P]] k = 2 axis = 1 largest
// CHECK: %[[S:.*]] = seq.reduce sum %[[V]] axes = [1] keep_dims : tensor<4x2xf32> -> tensor<4x1xf32>
// CHECK: %[[W:.*]] = seq.div %[[V]], %[[S]]
// CHECK: return %[[W]], %[[I]]
func.func @gate(%l: tensor<4x8xf32>) -> (tensor<4x2xf32>, tensor<4x2xi64>) {
  %w, %i = seq.moe_gate %l k = 2 normalize : tensor<4x8xf32> -> tensor<4x2xf32>, tensor<4x2xi64>
  return %w, %i : tensor<4x2xf32>, tensor<4x2xi64>
}

// -----

// seq.moe is one seqc_uk_moe call on read-only buffers of its operands (the
// expert kinds as an i32 constant), writing a fresh buffer; constant weights
// set flag 1 (pack once).
// CHECK: func.func private @seqc_uk_moe(i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64)
// CHECK-LABEL: func @experts
// CHECK-DAG: %[[KINDS:.*]] = arith.constant dense<[0, 1, 0, 2]> : tensor<4xi32>
// CHECK-DAG: %[[FLAGS:.*]] = arith.constant 1 : i64
// CHECK-DAG: %[[OUT:.*]] = memref.alloc() {alignment = 64 : i64} : memref<3x16xf32>
// CHECK: bufferization.to_buffer %{{.*}} read_only {seq.moe_call = 0 : i64} : tensor<3x16xf32> to memref<3x16xf32, strided<[?, ?], offset: ?>>
// CHECK: bufferization.to_buffer %[[KINDS]] read_only
// CHECK: call @seqc_uk_moe(%[[FLAGS]],
// CHECK: %[[R:.*]] = bufferization.to_tensor %[[OUT]] restrict writable
// CHECK: return %[[R]]
func.func @experts(%x: tensor<3x16xf32>, %w: tensor<3x2xf32>, %i: tensor<3x2xi64>) -> tensor<3x16xf32> {
  %up = arith.constant dense<1.0> : tensor<2x64x16xf32>
  %down = arith.constant dense<1.0> : tensor<2x16x32xf32>
  %0 = seq.moe %x, %w, %i experts(%up, %down) activation = swiglu kinds = [ffn, zero, ffn, copy]
      : (tensor<3x16xf32>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<2x64x16xf32>, tensor<2x16x32xf32>) -> tensor<3x16xf32>
  return %0 : tensor<3x16xf32>
}

// -----

// i32 indices are widened; a dynamic token count sizes the result buffer;
// the shared expert and its gate set flags 4 and 8.
// CHECK-LABEL: func @dynamic_shared
// CHECK: seq.cast %{{.*}} : tensor<?x2xi32> to tensor<?x2xi64>
// CHECK-DAG: %[[FLAGS:.*]] = arith.constant 12 : i64
// CHECK-DAG: %[[T:.*]] = tensor.dim %{{.*}}, %c0
// CHECK-DAG: memref.alloc(%[[T]]) {alignment = 64 : i64} : memref<?x16xf32>
// CHECK: call @seqc_uk_moe(%[[FLAGS]],
func.func @dynamic_shared(%x: tensor<?x16xf32>, %w: tensor<?x2xf32>, %i: tensor<?x2xi32>,
                          %up: tensor<4x64x16xf32>, %down: tensor<4x16x32xf32>,
                          %sup: tensor<48x16xf32>, %sdown: tensor<16x24xf32>, %sg: tensor<1x16xf32>) -> tensor<?x16xf32> {
  %0 = seq.moe %x, %w, %i experts(%up, %down) shared(%sup, %sdown gate %sg) activation = swiglu
      : (tensor<?x16xf32>, tensor<?x2xf32>, tensor<?x2xi32>, tensor<4x64x16xf32>, tensor<4x16x32xf32>,
         tensor<48x16xf32>, tensor<16x24xf32>, tensor<1x16xf32>) -> tensor<?x16xf32>
  return %0 : tensor<?x16xf32>
}

// -----

// Expert weights stored in x out (transposed views) are read in place: the
// call gets the source buffer with swapped strides, the transposes go away.
// CHECK-LABEL: func @transposed_weights
// CHECK-NOT: seq.transpose
// CHECK: %[[B:.*]] = bufferization.to_buffer %{{.*}} read_only {seq.moe_call = 0 : i64} : tensor<2x16x64xf32> to memref<2x16x64xf32, strided<[?, ?, ?], offset: ?>>
// CHECK: %{{.*}}, %{{.*}}, %{{.*}}:3, %[[S:.*]]:3 = memref.extract_strided_metadata %[[B]]
// CHECK-DAG: %[[SE:.*]] = arith.index_cast %[[S]]#0
// CHECK-DAG: %[[SK:.*]] = arith.index_cast %[[S]]#1
// CHECK-DAG: %[[SN:.*]] = arith.index_cast %[[S]]#2
// CHECK: call @seqc_uk_moe({{.*}}, %c64_i64, %{{.*}}, %[[SE]], %[[SN]], %[[SK]], %c32_i64,
func.func @transposed_weights(%x: tensor<3x16xf32>, %w: tensor<3x2xf32>, %i: tensor<3x2xi64>) -> tensor<3x16xf32> {
  %up_t = arith.constant dense<1.0> : tensor<2x16x64xf32>
  %down_t = arith.constant dense<1.0> : tensor<2x32x16xf32>
  %up = seq.transpose %up_t [0, 2, 1] : tensor<2x16x64xf32> -> tensor<2x64x16xf32>
  %down = seq.transpose %down_t [0, 2, 1] : tensor<2x32x16xf32> -> tensor<2x16x32xf32>
  %0 = seq.moe %x, %w, %i experts(%up, %down) activation = swiglu
      : (tensor<3x16xf32>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<2x64x16xf32>, tensor<2x16x32xf32>) -> tensor<3x16xf32>
  return %0 : tensor<3x16xf32>
}

// -----

// Each call reads its operands through its own to_buffer (tagged with the
// call's number): CSE must not merge the second call's read of %x into the
// first's, since the kernel reads through an address bufferization cannot
// see (an in-place write of %x's buffer between the calls would go unseen).
// CSE-LABEL: func @two_calls
// CSE: bufferization.to_buffer %[[X:.*]] read_only {seq.moe_call = 0 : i64} : tensor<3x16xf32>
// CSE: call @seqc_uk_moe(
// CSE: bufferization.to_buffer %[[X]] read_only {seq.moe_call = 1 : i64} : tensor<3x16xf32>
// CSE: call @seqc_uk_moe(
func.func @two_calls(%x: tensor<3x16xf32>, %w: tensor<3x2xf32>, %i: tensor<3x2xi64>) -> (tensor<3x16xf32>, tensor<3x16xf32>) {
  %up = arith.constant dense<1.0> : tensor<2x64x16xf32>
  %down = arith.constant dense<1.0> : tensor<2x16x32xf32>
  %0 = seq.moe %x, %w, %i experts(%up, %down) activation = swiglu
      : (tensor<3x16xf32>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<2x64x16xf32>, tensor<2x16x32xf32>) -> tensor<3x16xf32>
  %1 = seq.moe %x, %w, %i experts(%up, %down) activation = swiglu
      : (tensor<3x16xf32>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<2x64x16xf32>, tensor<2x16x32xf32>) -> tensor<3x16xf32>
  return %0, %1 : tensor<3x16xf32>, tensor<3x16xf32>
}
