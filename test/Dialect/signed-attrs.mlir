// RUN: seq-opt %s | seq-opt | FileCheck %s
//
// Signed (si64) axes and positions round-trip: in the custom formats the
// type is implied (`axis = -1`), in attribute dictionaries it prints as
// `: si64`; defaults (query_offset 0, windows -1) are elided.

// CHECK-LABEL: func @axes
func.func @axes(%x: tensor<3x4xf32>, %i: tensor<3x4xi64>, %s: tensor<4xf32>) -> (tensor<3x4xf32>, tensor<3x4xf32>, tensor<3xi64>, tensor<3x4xf32>) {
  // CHECK: seq.softmax %{{.*}} axis = -1 : tensor<3x4xf32>
  %0 = seq.softmax %x axis = -1 : tensor<3x4xf32>
  // CHECK: seq.gather_elements %{{.*}}[%{{.*}}] axis = -2 :
  %1 = seq.gather_elements %x[%i] axis = -2 : (tensor<3x4xf32>, tensor<3x4xi64>) -> tensor<3x4xf32>
  // CHECK: seq.argmax %{{.*}} axis = -1 select_last_index :
  %2 = seq.argmax %x axis = -1 select_last_index : tensor<3x4xf32> -> tensor<3xi64>
  // CHECK: seq.layer_norm %{{.*}}, %{{.*}} axis = -1 epsilon =
  %3 = seq.layer_norm %x, %s axis = -1 epsilon = 1.0e-5 : (tensor<3x4xf32>, tensor<4xf32>) -> tensor<3x4xf32>
  return %0, %1, %2, %3 : tensor<3x4xf32>, tensor<3x4xf32>, tensor<3xi64>, tensor<3x4xf32>
}

// CHECK-LABEL: func @attention_positions
func.func @attention_positions(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x7x8xf32>) -> (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) {
  // CHECK: seq.attention {{.*}} causal {query_offset = 3 : si64, window_left = 2 : si64} :
  %0 = seq.attention %q, %k, %k scale = 0.5 causal {query_offset = 3 : si64, window_left = 2 : si64} : (tensor<1x2x4x8xf32>, tensor<1x2x7x8xf32>, tensor<1x2x7x8xf32>) -> tensor<1x2x4x8xf32>
  // CHECK: seq.attention %{{.*}}, %{{.*}}, %{{.*}} scale = 5.000000e-01 : (
  %1 = seq.attention %q, %k, %k scale = 0.5 {query_offset = 0 : si64, window_left = -1 : si64, window_right = -1 : si64} : (tensor<1x2x4x8xf32>, tensor<1x2x7x8xf32>, tensor<1x2x7x8xf32>) -> tensor<1x2x4x8xf32>
  return %0, %1 : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>
}
