// RUN: seq-opt %s --split-input-file --seq-ssm-state --seq-to-linalg --canonicalize --cse --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --canonicalize --cse --canonicalize | FileCheck %s

// A decode step (T = 1) whose gated-delta-rule state and conv state are
// session-owned (seq-ssm-state): after bufferization the scan updates the
// [4, 16, 16] state slices of the argument buffer itself. No buffer of the
// state's size is allocated, the state is not copied (the materialization
// into the argument is a self-copy that folds away), and the function
// returns only its output. The conv state's K - 1 positions are rewritten
// from the padded input (the shift by T positions moves them).
// CHECK-LABEL: func @main
// CHECK-SAME: %[[CS:[^:]*]]: memref<1x8x3xf32> {seq.name = "past_conv", seq.role = "state", seq.state_index = 0 : i64}
// CHECK-SAME: %[[S:[^:]*]]: memref<1x4x16x16xf32> {seq.name = "past_state", seq.role = "state", seq.state_index = 1 : i64}
// CHECK-SAME: -> (memref<1x4x1x16xf32> {seq.name = "out"})
// CHECK-NOT: memref.alloc() {{.*}} : memref<{{.*}}16x16xf32>
// CHECK-NOT: memref.copy {{.*}}16x16xf32
// CHECK: scf.forall (%[[H:.*]]) in (4)
// CHECK: %[[SH:.*]] = memref.subview %[[S]][0, %[[H]], 0, 0] [1, 1, 16, 16] [1, 1, 1, 1]
// CHECK-NOT: memref.alloc() {{.*}} : memref<{{.*}}16x16xf32>
// CHECK-NOT: memref.copy {{.*}}16x16xf32
// CHECK: linalg.generic {{.*}} outs(%[[SH]] : memref<16x16xf32
// CHECK-NOT: memref.alloc() {{.*}} : memref<{{.*}}16x16xf32>
// CHECK-NOT: memref.copy {{.*}}16x16xf32
// CHECK: memref.copy %{{.*}}, %[[CS]] : memref<1x8x3xf32, strided<[32, 4, 1], offset: 1>> to memref<1x8x3xf32>
// CHECK-NEXT: return %{{.*}} : memref<1x4x1x16xf32>
func.func @main(%x: tensor<1x8x1xf32> {seq.name = "x"},
                %cs: tensor<1x8x3xf32> {seq.name = "past_conv"},
                %q: tensor<1x4x1x16xf32> {seq.name = "q"},
                %k: tensor<1x4x1x16xf32> {seq.name = "k"},
                %v: tensor<1x4x1x16xf32> {seq.name = "v"},
                %s0: tensor<1x4x16x16xf32> {seq.name = "past_state"},
                %g: tensor<1x4x1x1xf32> {seq.name = "g"},
                %b: tensor<1x4x1x1xf32> {seq.name = "b"})
    -> (tensor<1x4x1x16xf32> {seq.name = "out"},
        tensor<1x8x3xf32> {seq.name = "present_conv"},
        tensor<1x4x16x16xf32> {seq.name = "present_state"}) {
  %w = arith.constant dense<0.5> : tensor<8x4xf32>
  %y, %ncs = seq.causal_conv %x, %w state %cs activation = silu : (tensor<1x8x1xf32>, tensor<8x4xf32>, tensor<1x8x3xf32>) -> (tensor<1x8x1xf32>, tensor<1x8x3xf32>)
  %o, %s = seq.linear_scan delta %q, %k, %v state %s0 decay %g beta %b scale = 0.25 : (tensor<1x4x1x16xf32>, tensor<1x4x1x16xf32>, tensor<1x4x1x16xf32>, tensor<1x4x16x16xf32>, tensor<1x4x1x1xf32>, tensor<1x4x1x1xf32>) -> (tensor<1x4x1x16xf32>, tensor<1x4x16x16xf32>)
  return %o, %ncs, %s : tensor<1x4x1x16xf32>, tensor<1x8x3xf32>, tensor<1x4x16x16xf32>
}

// -----

// A chunked prefill step (T = 32 in chunks of 16, Dk = 8, Dv = 12): the
// decay and the chunk's state update write the argument's state buffer in
// place at every chunk boundary; no [2, 8, 12] buffer is allocated or
// copied.
// CHECK-LABEL: func @main
// CHECK-SAME: %[[S:[^:]*]]: memref<1x2x8x12xf32> {seq.name = "past_state", seq.role = "state", seq.state_index = 0 : i64}
// CHECK-NOT: memref.alloc() {{.*}} : memref<1x2x8x12xf32>
// CHECK-NOT: memref.copy {{.*}}8x12xf32
// CHECK: scf.for
// CHECK: linalg.generic {{.*}} outs(%[[S]] : memref<1x2x8x12xf32>)
// CHECK-NOT: memref.alloc() {{.*}} : memref<1x2x8x12xf32>
// CHECK-NOT: memref.copy {{.*}}8x12xf32
// CHECK: return %{{.*}} : memref<1x2x32x12xf32>
func.func @main(%q: tensor<1x2x32x8xf32> {seq.name = "q"},
                %v: tensor<1x2x32x12xf32> {seq.name = "v"},
                %s0: tensor<1x2x8x12xf32> {seq.name = "past_state"},
                %g: tensor<1x2x32x1xf32> {seq.name = "g"})
    -> (tensor<1x2x32x12xf32> {seq.name = "out"},
        tensor<1x2x8x12xf32> {seq.name = "present_state"}) {
  %o, %s = seq.linear_scan additive %q, %q, %v state %s0 decay %g scale = 0.25 chunk_size = 16 : (tensor<1x2x32x8xf32>, tensor<1x2x32x8xf32>, tensor<1x2x32x12xf32>, tensor<1x2x8x12xf32>, tensor<1x2x32x1xf32>) -> (tensor<1x2x32x12xf32>, tensor<1x2x8x12xf32>)
  return %o, %s : tensor<1x2x32x12xf32>, tensor<1x2x8x12xf32>
}
