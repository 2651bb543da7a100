// RUN: seq-opt %s --split-input-file --seq-lower-moe=generic=1 --verify-diagnostics | FileCheck %s
// RUN: seq-opt %s --split-input-file --seq-lower-moe=generic=1 --seq-raise --verify-diagnostics | FileCheck %s --check-prefix=ROUNDTRIP

// The generic lowering (--target=cuda: no host kernel call on device
// buffers) is the export's gather + batched matmul form, which seq-raise
// raises back to the same ops.
// CHECK-LABEL: func @moe
// CHECK: seq.softmax
// CHECK: seq.topk
// CHECK: %[[IDX:.*]] = seq.reshape %{{.*}} : tensor<3x2xi64> -> tensor<6x1xi64>
// CHECK: seq.broadcast %{{.*}} : tensor<3x1x16xf32> -> tensor<3x2x16xf32>
// CHECK: seq.gather_nd %{{.*}}[%[[IDX]]] : (tensor<4x64x16xf32>, tensor<6x1xi64>) -> tensor<6x64x16xf32>
// CHECK: seq.matmul %{{.*}} : (tensor<6x64x16xf32>, tensor<6x16x1xf32>) -> tensor<6x64x1xf32>
// CHECK: seq.swiglu
// CHECK: seq.gather_nd %{{.*}}[%[[IDX]]] : (tensor<4x16x32xf32>, tensor<6x1xi64>) -> tensor<6x16x32xf32>
// CHECK: seq.mul
// CHECK: seq.reduce sum %{{.*}} axes = [1] : tensor<3x2x16xf32> -> tensor<3x16xf32>
// CHECK-NOT: seq.moe
// ROUNDTRIP-LABEL: func @moe
// ROUNDTRIP: %[[W:.*]], %[[I:.*]] = seq.moe_gate %{{.*}} k = 2 normalize
// ROUNDTRIP: seq.moe %{{.*}}, %[[W]], %[[I]] experts(%{{.*}}, %{{.*}}) activation = swiglu
// ROUNDTRIP-NOT: gather_nd
func.func @moe(%x: tensor<3x16xf32>, %l: tensor<3x4xf32>, %up: tensor<4x64x16xf32>,
               %down: tensor<4x16x32xf32>) -> tensor<3x16xf32> {
  %w, %i = seq.moe_gate %l k = 2 normalize : tensor<3x4xf32> -> tensor<3x2xf32>, tensor<3x2xi64>
  %0 = seq.moe %x, %w, %i experts(%up, %down) activation = swiglu
      : (tensor<3x16xf32>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<4x64x16xf32>, tensor<4x16x32xf32>) -> tensor<3x16xf32>
  return %0 : tensor<3x16xf32>
}

// -----

// GELU experts.
// CHECK-LABEL: func @gelu
// CHECK: seq.gelu %{{.*}} approximate = tanh : (tensor<6x32xf32>) -> tensor<6x32xf32>
// ROUNDTRIP-LABEL: func @gelu
// ROUNDTRIP: seq.moe {{.*}} activation = gelu_tanh
func.func @gelu(%x: tensor<3x16xf32>, %l: tensor<3x4xf32>, %up: tensor<4x32x16xf32>,
                %down: tensor<4x16x32xf32>) -> tensor<3x16xf32> {
  %w, %i = seq.moe_gate %l k = 2 : tensor<3x4xf32> -> tensor<3x2xf32>, tensor<3x2xi64>
  %0 = seq.moe %x, %w, %i experts(%up, %down) activation = gelu_tanh
      : (tensor<3x16xf32>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<4x32x16xf32>, tensor<4x16x32xf32>) -> tensor<3x16xf32>
  return %0 : tensor<3x16xf32>
}

// -----

// A shared expert (weights as transposed views) runs densely on every token;
// the views' sources feed the matmuls directly.
// CHECK-LABEL: func @shared
// CHECK-SAME: (%[[X:.*]]: tensor<3x16xf32>, %{{.*}}: tensor<3x4xf32>, %{{.*}}: tensor<4x64x16xf32>, %{{.*}}: tensor<4x16x32xf32>, %[[SU:.*]]: tensor<16x48xf32>, %[[SD:.*]]: tensor<24x16xf32>, %[[SG:.*]]: tensor<16x1xf32>)
// CHECK: %[[R:.*]] = seq.reduce sum
// CHECK: %[[U:.*]] = seq.matmul %[[X]], %[[SU]] : (tensor<3x16xf32>, tensor<16x48xf32>) -> tensor<3x48xf32>
// CHECK: %[[A:.*]] = seq.swiglu
// CHECK: %[[Y:.*]] = seq.matmul %[[A]], %[[SD]] : (tensor<3x24xf32>, tensor<24x16xf32>) -> tensor<3x16xf32>
// CHECK: %[[L:.*]] = seq.matmul %[[X]], %[[SG]] : (tensor<3x16xf32>, tensor<16x1xf32>) -> tensor<3x1xf32>
// CHECK: %[[G:.*]] = seq.sigmoid %[[L]]
// CHECK: %[[YG:.*]] = seq.mul %[[Y]], %[[G]]
// CHECK: %[[OUT:.*]] = seq.add %[[R]], %[[YG]]
// CHECK: return %[[OUT]]
// ROUNDTRIP-LABEL: func @shared
func.func @shared(%x: tensor<3x16xf32>, %l: tensor<3x4xf32>, %up: tensor<4x64x16xf32>,
                  %down: tensor<4x16x32xf32>, %su: tensor<16x48xf32>, %sd: tensor<24x16xf32>,
                  %sg: tensor<16x1xf32>) -> tensor<3x16xf32> {
  %w, %i = seq.moe_gate %l k = 2 : tensor<3x4xf32> -> tensor<3x2xf32>, tensor<3x2xi64>
  %sut = seq.transpose %su [1, 0] : tensor<16x48xf32> -> tensor<48x16xf32>
  %sdt = seq.transpose %sd [1, 0] : tensor<24x16xf32> -> tensor<16x24xf32>
  %sgt = seq.transpose %sg [1, 0] : tensor<16x1xf32> -> tensor<1x16xf32>
  %0 = seq.moe %x, %w, %i experts(%up, %down) shared(%sut, %sdt gate %sgt) activation = swiglu
      : (tensor<3x16xf32>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<4x64x16xf32>, tensor<4x16x32xf32>,
         tensor<48x16xf32>, tensor<16x24xf32>, tensor<1x16xf32>) -> tensor<3x16xf32>
  return %0 : tensor<3x16xf32>
}

// -----

func.func @trivial_experts(%x: tensor<3x16xf32>, %w: tensor<3x2xf32>, %i: tensor<3x2xi64>,
                           %up: tensor<4x64x16xf32>, %down: tensor<4x16x32xf32>) -> tensor<3x16xf32> {
  // expected-error @+1 {{'seq.moe' op with zero/copy/constant experts has no generic lowering (needs the CPU runtime kernel)}}
  %0 = seq.moe %x, %w, %i experts(%up, %down) activation = swiglu kinds = [ffn, ffn, zero, ffn, ffn]
      : (tensor<3x16xf32>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<4x64x16xf32>, tensor<4x16x32xf32>) -> tensor<3x16xf32>
  return %0 : tensor<3x16xf32>
}
