// RUN: seq-opt %s --split-input-file --seq-ssm-state --verify-diagnostics | FileCheck %s

// Decode form: outputs that are the final state of a linear_scan or the new
// state of a causal_conv started from an argument of the same type make
// that argument a session-owned state: the output is dropped and the final
// state is materialized into the argument's buffer (taken before any use).
// CHECK: module attributes {seq.state_names = ["present_conv", "present_state"]}
// CHECK-LABEL: func @main
// CHECK-SAME: %[[CS:[a-z0-9]+]]: tensor<1x8x3xf32> {seq.name = "past_conv", seq.role = "state", seq.state_index = 0 : i64}
// CHECK-SAME: %[[S:[a-z0-9]+]]: tensor<1x2x4x4xf32> {seq.name = "past_state", seq.role = "state", seq.state_index = 1 : i64}
// CHECK-SAME: -> (tensor<1x2x1x4xf32> {seq.name = "out"})
// CHECK-DAG: %[[SB:.*]] = bufferization.to_buffer %[[S]] read_only : tensor<1x2x4x4xf32> to memref<1x2x4x4xf32>
// CHECK-DAG: %[[CB:.*]] = bufferization.to_buffer %[[CS]] read_only : tensor<1x8x3xf32> to memref<1x8x3xf32>
// CHECK: %{{.*}}, %[[NCS:.*]] = seq.causal_conv %{{.*}} state %[[CS]]
// CHECK: %[[O:.*]], %[[FS:.*]] = seq.linear_scan additive %{{.*}} state %[[S]]
// CHECK-DAG: bufferization.materialize_in_destination %[[NCS]] in writable %[[CB]]
// CHECK-DAG: bufferization.materialize_in_destination %[[FS]] in writable %[[SB]]
// CHECK: return %[[O]] : tensor<1x2x1x4xf32>
func.func @main(%x: tensor<1x8x1xf32> {seq.name = "x"},
                %w: tensor<8x4xf32> {seq.name = "w"},
                %cs: tensor<1x8x3xf32> {seq.name = "past_conv"},
                %q: tensor<1x2x1x4xf32> {seq.name = "q"},
                %s0: tensor<1x2x4x4xf32> {seq.name = "past_state"})
    -> (tensor<1x2x1x4xf32> {seq.name = "out"},
        tensor<1x8x3xf32> {seq.name = "present_conv"},
        tensor<1x2x4x4xf32> {seq.name = "present_state"}) {
  %y, %ncs = seq.causal_conv %x, %w state %cs activation = silu : (tensor<1x8x1xf32>, tensor<8x4xf32>, tensor<1x8x3xf32>) -> (tensor<1x8x1xf32>, tensor<1x8x3xf32>)
  %k = seq.reshape %y : tensor<1x8x1xf32> -> tensor<1x2x1x4xf32>
  %o, %s = seq.linear_scan additive %q, %k, %k state %s0 scale = 0.5 : (tensor<1x2x1x4xf32>, tensor<1x2x1x4xf32>, tensor<1x2x1x4xf32>, tensor<1x2x4x4xf32>) -> (tensor<1x2x1x4xf32>, tensor<1x2x4x4xf32>)
  return %o, %ncs, %s : tensor<1x2x1x4xf32>, tensor<1x8x3xf32>, tensor<1x2x4x4xf32>
}

// -----

// Negative: outputs that are not the final state of a scan of that input
// stay ordinary outputs: a function of the final state, the final state of
// a scan started from zeros, and the scan's output (not its state).
// CHECK: module attributes {seq.state_names = []}
// CHECK-LABEL: func @main
// CHECK-NOT: seq.role
// CHECK-NOT: bufferization
// CHECK: return %{{.*}}, %{{.*}}, %{{.*}} : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x1x4xf32>
func.func @main(%q: tensor<1x2x1x4xf32> {seq.name = "q"},
                %s0: tensor<1x2x4x4xf32> {seq.name = "past_state"})
    -> (tensor<1x2x4x4xf32> {seq.name = "present_state"},
        tensor<1x2x4x4xf32> {seq.name = "present_state_zero"},
        tensor<1x2x1x4xf32> {seq.name = "present_out"}) {
  %o, %s = seq.linear_scan additive %q, %q, %q state %s0 scale = 0.5 : (tensor<1x2x1x4xf32>, tensor<1x2x1x4xf32>, tensor<1x2x1x4xf32>, tensor<1x2x4x4xf32>) -> (tensor<1x2x1x4xf32>, tensor<1x2x4x4xf32>)
  %s2 = seq.add %s, %s : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o3, %s3 = seq.linear_scan additive %q, %q, %q scale = 0.5 : (tensor<1x2x1x4xf32>, tensor<1x2x1x4xf32>, tensor<1x2x1x4xf32>) -> (tensor<1x2x1x4xf32>, tensor<1x2x4x4xf32>)
  return %s2, %s3, %o : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x1x4xf32>
}

