// RUN: seq-opt %s --split-input-file --seq-ssm-state="present-names=present_state,present_conv" --verify-diagnostics | FileCheck %s

// Prefill form (a graph without past states): the named outputs fill new
// state arguments, in the order named.
// CHECK: module attributes {seq.state_names = ["present_state", "present_conv"]}
// CHECK-LABEL: func @main
// CHECK-SAME: %[[NS:[a-z0-9]+]]: tensor<1x2x4x4xf32> {seq.name = "state.present_state", seq.role = "state", seq.state_index = 0 : i64}
// CHECK-SAME: %[[NC:[a-z0-9]+]]: tensor<1x8x3xf32> {seq.name = "state.present_conv", seq.role = "state", seq.state_index = 1 : i64}
// CHECK-SAME: -> (tensor<1x2x8x4xf32> {seq.name = "out"})
// CHECK-DAG: %[[CB:.*]] = bufferization.to_buffer %[[NC]] read_only
// CHECK-DAG: %[[SB:.*]] = bufferization.to_buffer %[[NS]] read_only
// CHECK: %[[O:.*]], %[[FS:.*]] = seq.linear_scan
// CHECK-DAG: bufferization.materialize_in_destination %[[FS]] in writable %[[SB]]
// CHECK-DAG: bufferization.materialize_in_destination %{{.*}} in writable %[[CB]]
// CHECK: return %[[O]] : tensor<1x2x8x4xf32>
func.func @main(%q: tensor<1x2x8x4xf32> {seq.name = "q"},
                %x: tensor<1x8x8xf32> {seq.name = "x"},
                %w: tensor<8x4xf32> {seq.name = "w"})
    -> (tensor<1x2x8x4xf32> {seq.name = "out"},
        tensor<1x2x4x4xf32> {seq.name = "present_state"},
        tensor<1x8x3xf32> {seq.name = "present_conv"}) {
  %o, %s = seq.linear_scan additive %q, %q, %q scale = 0.5 : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> (tensor<1x2x8x4xf32>, tensor<1x2x4x4xf32>)
  %y, %ncs = seq.causal_conv %x, %w : (tensor<1x8x8xf32>, tensor<8x4xf32>) -> (tensor<1x8x8xf32>, tensor<1x8x3xf32>)
  return %o, %s, %ncs : tensor<1x2x8x4xf32>, tensor<1x2x4x4xf32>, tensor<1x8x3xf32>
}

// -----

// A name that is no output is an error naming it.
// expected-error @+1 {{seq-ssm-state: no output named 'present_state'}}
func.func @main(%q: tensor<1x2x8x4xf32> {seq.name = "q"})
    -> (tensor<1x2x4x4xf32> {seq.name = "present_conv"}) {
  %o, %s = seq.linear_scan additive %q, %q, %q scale = 0.5 : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> (tensor<1x2x8x4xf32>, tensor<1x2x4x4xf32>)
  return %s : tensor<1x2x4x4xf32>
}
