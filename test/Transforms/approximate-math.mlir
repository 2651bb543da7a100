// RUN: seq-opt --seq-approximate-math --split-input-file %s | FileCheck %s
// RUN: seq-opt --seq-approximate-math=ops=tanh --split-input-file %s | FileCheck %s --check-prefix=ONLY-TANH

// f32 exp/tanh become arithmetic (vectorizable); f64 keeps libm precision.
// CHECK-LABEL: func @transcendentals
// CHECK-NOT: math.exp {{.*}} : f32
// CHECK-NOT: math.tanh
// CHECK: math.exp {{.*}} : f64
// ONLY-TANH-LABEL: func @transcendentals
// ONLY-TANH: math.exp {{.*}} : f32
// ONLY-TANH-NOT: math.tanh
func.func @transcendentals(%x: f32, %y: f64) -> (f32, f32, f64) {
  %0 = math.exp %x : f32
  %1 = math.tanh %x : f32
  %2 = math.exp %y : f64
  return %0, %1, %2 : f32, f32, f64
}

// -----

// Ops outside the list (sqrt) are left alone.
// CHECK-LABEL: func @untouched
// CHECK: math.sqrt
func.func @untouched(%x: f32) -> f32 {
  %0 = math.sqrt %x : f32
  return %0 : f32
}
