// RUN: seq-opt --seq-raise --split-input-file %s | FileCheck %s

// Gemma-2 / Mistral sliding window as HF builds it (Where(causal & j > i - W,
// 0, finfo.min)), folded to a constant at import: W = 3 keys per query
// becomes `causal` with window_left = W - 1 = 2.
// CHECK-LABEL: func @gemma2_window
// CHECK: seq.attention %{{.*}}, %{{.*}}, %{{.*}} scale = 1.250000e-01 causal {window_left = 2 : si64} :
// CHECK-NOT: mask
func.func @gemma2_window(%q: tensor<1x2x5x8xf32>, %k: tensor<1x2x5x8xf32>, %v: tensor<1x2x5x8xf32>) -> tensor<1x2x5x8xf32> {
  %m = arith.constant dense<[[0.0, -3.40282347E+38, -3.40282347E+38, -3.40282347E+38, -3.40282347E+38], [0.0, 0.0, -3.40282347E+38, -3.40282347E+38, -3.40282347E+38], [0.0, 0.0, 0.0, -3.40282347E+38, -3.40282347E+38], [-3.40282347E+38, 0.0, 0.0, 0.0, -3.40282347E+38], [-3.40282347E+38, -3.40282347E+38, 0.0, 0.0, 0.0]]> : tensor<5x5xf32>
  %0 = seq.attention %q, %k, %v mask %m scale = 0.125 : (tensor<1x2x5x8xf32>, tensor<1x2x5x8xf32>, tensor<1x2x5x8xf32>, tensor<5x5xf32>) -> tensor<1x2x5x8xf32>
  return %0 : tensor<1x2x5x8xf32>
}

// -----

// The boolean form, window of one key (each query sees only itself).
// CHECK-LABEL: func @bool_window
// CHECK: seq.attention {{.*}} causal {window_left = 0 : si64} :
func.func @bool_window(%q: tensor<1x2x5x8xf32>, %k: tensor<1x2x5x8xf32>, %v: tensor<1x2x5x8xf32>) -> tensor<1x2x5x8xf32> {
  %m = arith.constant dense<[[true, false, false, false, false], [false, true, false, false, false], [false, false, true, false, false], [false, false, false, true, false], [false, false, false, false, true]]> : tensor<5x5xi1>
  %0 = seq.attention %q, %k, %v mask %m scale = 0.125 : (tensor<1x2x5x8xf32>, tensor<1x2x5x8xf32>, tensor<1x2x5x8xf32>, tensor<5x5xi1>) -> tensor<1x2x5x8xf32>
  return %0 : tensor<1x2x5x8xf32>
}

// -----

// A window as long as the sequence is plain causal: no window_left.
// CHECK-LABEL: func @window_covers_all
// CHECK: seq.attention {{.*}} causal :
// CHECK-NOT: window_left
func.func @window_covers_all(%q: tensor<1x2x5x8xf32>, %k: tensor<1x2x5x8xf32>, %v: tensor<1x2x5x8xf32>) -> tensor<1x2x5x8xf32> {
  %m = arith.constant dense<[[0.0, -3.40282347E+38, -3.40282347E+38, -3.40282347E+38, -3.40282347E+38], [0.0, 0.0, -3.40282347E+38, -3.40282347E+38, -3.40282347E+38], [0.0, 0.0, 0.0, -3.40282347E+38, -3.40282347E+38], [0.0, 0.0, 0.0, 0.0, -3.40282347E+38], [0.0, 0.0, 0.0, 0.0, 0.0]]> : tensor<5x5xf32>
  %0 = seq.attention %q, %k, %v mask %m scale = 0.125 : (tensor<1x2x5x8xf32>, tensor<1x2x5x8xf32>, tensor<1x2x5x8xf32>, tensor<5x5xf32>) -> tensor<1x2x5x8xf32>
  return %0 : tensor<1x2x5x8xf32>
}

// -----

// Near miss: a band with one extra hidden key (row 1 hides key 0 but row 4
// sees two keys back) is no sliding window; the mask stays.
// CHECK-LABEL: func @window_hole
// CHECK: seq.attention {{.*}} mask
// CHECK-NOT: causal
func.func @window_hole(%q: tensor<1x2x5x8xf32>, %k: tensor<1x2x5x8xf32>, %v: tensor<1x2x5x8xf32>) -> tensor<1x2x5x8xf32> {
  %m = arith.constant dense<[[0.0, -3.40282347E+38, -3.40282347E+38, -3.40282347E+38, -3.40282347E+38], [-3.40282347E+38, 0.0, -3.40282347E+38, -3.40282347E+38, -3.40282347E+38], [0.0, 0.0, 0.0, -3.40282347E+38, -3.40282347E+38], [-3.40282347E+38, 0.0, 0.0, 0.0, -3.40282347E+38], [-3.40282347E+38, -3.40282347E+38, 0.0, 0.0, 0.0]]> : tensor<5x5xf32>
  %0 = seq.attention %q, %k, %v mask %m scale = 0.125 : (tensor<1x2x5x8xf32>, tensor<1x2x5x8xf32>, tensor<1x2x5x8xf32>, tensor<5x5xf32>) -> tensor<1x2x5x8xf32>
  return %0 : tensor<1x2x5x8xf32>
}

// -----

// Near miss: a window mask computed at run time (here an argument, e.g. a
// window read from an input) is not a constant; the mask stays.
// CHECK-LABEL: func @runtime_window
// CHECK: seq.attention {{.*}} mask
// CHECK-NOT: causal
func.func @runtime_window(%q: tensor<1x2x5x8xf32>, %k: tensor<1x2x5x8xf32>, %v: tensor<1x2x5x8xf32>, %m: tensor<5x5xf32>) -> tensor<1x2x5x8xf32> {
  %0 = seq.attention %q, %k, %v mask %m scale = 0.125 : (tensor<1x2x5x8xf32>, tensor<1x2x5x8xf32>, tensor<1x2x5x8xf32>, tensor<5x5xf32>) -> tensor<1x2x5x8xf32>
  return %0 : tensor<1x2x5x8xf32>
}
