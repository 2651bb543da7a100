// RUN: seq-opt --seq-raise-qdq-matmul %s | FileCheck %s
// The import of a blocked DequantizeLinear of constant int4/int8 weights
// feeding MatMul -> seq.quant_matmul with the same integers (signed values
// shifted to unsigned, zero points too) and f32 activations.

// CHECK-LABEL: func.func @int4_zp
// CHECK: seq.quant_matmul %arg0, %{{.*}}, %{{.*}}, %{{.*}} bits = 4 group = 16 : (tensor<3x32xf32>, tensor<4x2x8xui8>, tensor<4x2xf32>, tensor<4x2xui8>) -> tensor<3x4xf32>
// CHECK-NOT: seq.matmul
func.func @int4_zp(%x: tensor<3x32xf32>) -> tensor<3x4xf32> {
  %q = arith.constant dense<3> : tensor<32x4xi4>
  %s = arith.constant dense<0.5> : tensor<2x4xf32>
  %z = arith.constant dense<-1> : tensor<2x4xi4>
  %idx = arith.constant dense<[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]> : tensor<32xi64>
  %sg = seq.gather %s[%idx] axis = 0 : (tensor<2x4xf32>, tensor<32xi64>) -> tensor<32x4xf32>
  %zg = seq.gather %z[%idx] axis = 0 : (tensor<2x4xi4>, tensor<32xi64>) -> tensor<32x4xi4>
  %qf = seq.cast %q : tensor<32x4xi4> to tensor<32x4xf32>
  %zf = seq.cast %zg : tensor<32x4xi4> to tensor<32x4xf32>
  %d = seq.sub %qf, %zf : (tensor<32x4xf32>, tensor<32x4xf32>) -> tensor<32x4xf32>
  %w = seq.mul %d, %sg : (tensor<32x4xf32>, tensor<32x4xf32>) -> tensor<32x4xf32>
  %y = seq.matmul %x, %w : (tensor<3x32xf32>, tensor<32x4xf32>) -> tensor<3x4xf32>
  return %y : tensor<3x4xf32>
}

// Symmetric int8 without zero point (implicit 0 -> 128 unsigned): no zp.
// CHECK-LABEL: func.func @int8_sym
// CHECK: seq.quant_matmul %arg0, %{{.*}}, %{{.*}} bits = 8 group = 16 : (tensor<3x32xf32>, tensor<4x2x16xui8>, tensor<4x2xf32>) -> tensor<3x4xf32>
func.func @int8_sym(%x: tensor<3x32xf32>) -> tensor<3x4xf32> {
  %q = arith.constant dense<-7> : tensor<32x4xi8>
  %s = arith.constant dense<0.25> : tensor<2x4xf32>
  %idx = arith.constant dense<[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]> : tensor<32xi64>
  %sg = seq.gather %s[%idx] axis = 0 : (tensor<2x4xf32>, tensor<32xi64>) -> tensor<32x4xf32>
  %qf = seq.cast %q : tensor<32x4xi8> to tensor<32x4xf32>
  %w = seq.mul %qf, %sg : (tensor<32x4xf32>, tensor<32x4xf32>) -> tensor<32x4xf32>
  %y = seq.matmul %x, %w : (tensor<3x32xf32>, tensor<32x4xf32>) -> tensor<3x4xf32>
  return %y : tensor<3x4xf32>
}

// Indices that are not i / block: left alone.
// CHECK-LABEL: func.func @not_blocked
// CHECK: seq.matmul
// CHECK-NOT: seq.quant_matmul
func.func @not_blocked(%x: tensor<3x32xf32>) -> tensor<3x4xf32> {
  %q = arith.constant dense<3> : tensor<32x4xi8>
  %s = arith.constant dense<0.5> : tensor<2x4xf32>
  %idx = arith.constant dense<[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]> : tensor<32xi64>
  %sg = seq.gather %s[%idx] axis = 0 : (tensor<2x4xf32>, tensor<32xi64>) -> tensor<32x4xf32>
  %qf = seq.cast %q : tensor<32x4xi8> to tensor<32x4xf32>
  %w = seq.mul %qf, %sg : (tensor<32x4xf32>, tensor<32x4xf32>) -> tensor<32x4xf32>
  %y = seq.matmul %x, %w : (tensor<3x32xf32>, tensor<32x4xf32>) -> tensor<3x4xf32>
  return %y : tensor<3x4xf32>
}

// A run-time weight: left alone.
// CHECK-LABEL: func.func @runtime_weight
// CHECK: seq.matmul
func.func @runtime_weight(%x: tensor<3x32xf32>, %w: tensor<32x4xf32>) -> tensor<3x4xf32> {
  %y = seq.matmul %x, %w : (tensor<3x32xf32>, tensor<32x4xf32>) -> tensor<3x4xf32>
  return %y : tensor<3x4xf32>
}
