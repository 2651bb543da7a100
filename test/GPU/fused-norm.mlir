// RUN: seq-opt --seq-gpu-mark-norms --split-input-file %s | FileCheck %s --check-prefix=MARK
// RUN: seq-opt --seq-gpu-mark-norms --split-input-file %s | seq-opt --pass-pipeline='builtin.module(seq-to-linalg,one-shot-bufferize{bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map},seq-gpu-fused-norms)' --split-input-file | FileCheck %s

// A layer norm over the last dim of a 3-D f16 tensor: x and the output are
// viewed as [rows, N] = [6, 8] (seq.reshape: views after bufferization), the
// bias [1, 8] as [8]; one marker call replaces the op.
// MARK-LABEL: func @layer_norm_3d
// MARK: %[[X:.*]] = seq.reshape %arg0 : tensor<2x3x8xf16> -> tensor<6x8xf16>
// MARK: %[[XB:.*]] = bufferization.to_buffer %[[X]] read_only
// MARK: %[[B:.*]] = seq.reshape %arg2 : tensor<1x8xf16> -> tensor<8xf16>
// MARK: %[[OUT:.*]] = memref.alloc() : memref<6x8xf16>
// MARK: call @seqc_fused_norm_0(%[[XB]], %{{.*}}, %{{.*}}, %[[OUT]]) {seq.fused_norm = {bias, epsilon = {{.*}}, kind = "layer"}}
// MARK: %[[T:.*]] = bufferization.to_tensor %[[OUT]]
// MARK: %[[R:.*]] = seq.reshape %[[T]] : tensor<6x8xf16> -> tensor<2x3x8xf16>
// MARK: return %[[R]]
// MARK-NOT: seq.layer_norm
//
// The kernel: a warp per row (4 rows, 128 threads per CTA, 2 CTAs for 6
// rows, so rows past the end are guarded), the mean and the centred sum of
// squares each reduced by 5 xor shuffles, the row written in f16.
// CHECK-LABEL: func @layer_norm_3d
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c2{{.*}}, {{.*}} = %c1{{.*}}, {{.*}} = %c1{{.*}}) threads({{.*}}) in ({{.*}} = %c128{{.*}}, {{.*}} = %c1{{.*}}, {{.*}} = %c1{{.*}})
// CHECK: scf.if
// CHECK: scf.for
// CHECK: memref.load {{.*}} : memref<6x8xf16
// CHECK: arith.extf
// CHECK-COUNT-5: gpu.shuffle  xor
// CHECK: scf.for
// CHECK-COUNT-5: gpu.shuffle  xor
// CHECK: math.rsqrt
// CHECK: scf.for
// CHECK: arith.truncf {{.*}} : f32 to f16
// CHECK: memref.store
// CHECK-NOT: call @seqc_fused_norm
func.func @layer_norm_3d(%x: tensor<2x3x8xf16>, %s: tensor<8xf16>, %b: tensor<1x8xf16>) -> tensor<2x3x8xf16> {
  %r = seq.layer_norm %x, %s, %b axis = 2 epsilon = 1.000000e-05 : (tensor<2x3x8xf16>, tensor<8xf16>, tensor<1x8xf16>) -> tensor<2x3x8xf16>
  return %r : tensor<2x3x8xf16>
}

// -----

// RMS norm over the trailing two dims ([4] rows of 2 x 64 = 128 columns, a
// multiple of 32: no column guard, no row guard).
// MARK-LABEL: func @rms_trailing_dims
// MARK: call @seqc_fused_norm_0({{.*}}) {seq.fused_norm = {epsilon = {{.*}}, kind = "rms"}} : (memref<4x128xf32>, memref<128xf32>, memref<4x128xf32>) -> ()
// CHECK-LABEL: func @rms_trailing_dims
// CHECK: gpu.launch
// CHECK-NOT: scf.if
// CHECK: arith.mulf
// CHECK-COUNT-5: gpu.shuffle  xor
// CHECK: math.rsqrt
func.func @rms_trailing_dims(%x: tensor<4x2x64xf32>, %s: tensor<2x64xf32>) -> tensor<4x2x64xf32> {
  %r = seq.rms_norm %x, %s axis = 1 epsilon = 1.000000e-06 : (tensor<4x2x64xf32>, tensor<2x64xf32>) -> tensor<4x2x64xf32>
  return %r : tensor<4x2x64xf32>
}

// -----

// Softmax and log-softmax over the last axis: max, then sum of exp.
// MARK-LABEL: func @softmaxes
// MARK: kind = "softmax"
// MARK: kind = "log_softmax"
// CHECK-LABEL: func @softmaxes
// CHECK: gpu.launch
// CHECK: arith.maxnumf
// CHECK: math.exp
// CHECK: arith.divf
// CHECK: gpu.launch
// CHECK: math.log
func.func @softmaxes(%x: tensor<8x40xf32>) -> (tensor<8x40xf32>, tensor<8x40xf32>) {
  %a = seq.softmax %x axis = -1 : tensor<8x40xf32>
  %b = seq.softmax %x axis = 1 log : tensor<8x40xf32>
  return %a, %b : tensor<8x40xf32>, tensor<8x40xf32>
}

// -----

// Not a row of the fused kernel: softmax over a leading axis, a scale that
// does not match the normalized dims (broadcast from [1]), dynamic shapes.
// MARK-LABEL: func @kept
// MARK: seq.softmax %arg0 axis = 0
// MARK: seq.rms_norm
// MARK: seq.layer_norm
// MARK-NOT: call
func.func @kept(%x: tensor<8x40xf32>, %s: tensor<1xf32>, %d: tensor<?x40xf32>, %ds: tensor<40xf32>) -> (tensor<8x40xf32>, tensor<8x40xf32>, tensor<?x40xf32>) {
  %a = seq.softmax %x axis = 0 : tensor<8x40xf32>
  %b = seq.rms_norm %x, %s axis = 1 epsilon = 1.000000e-06 : (tensor<8x40xf32>, tensor<1xf32>) -> tensor<8x40xf32>
  %c = seq.layer_norm %d, %ds axis = 1 epsilon = 1.000000e-06 : (tensor<?x40xf32>, tensor<40xf32>) -> tensor<?x40xf32>
  return %a, %b, %c : tensor<8x40xf32>, tensor<8x40xf32>, tensor<?x40xf32>
}
