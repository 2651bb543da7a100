// RUN: seq-opt %s --split-input-file --seq-raise | FileCheck %s

// GPT-2's tanh GELU as torch.onnx exports it.
// CHECK-LABEL: func @gelu_tanh
// CHECK-SAME: (%[[X:.*]]: tensor<1x4x16xf32>)
// CHECK: %[[R:.*]] = seq.gelu %[[X]] approximate = tanh : (tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
// CHECK-NOT: seq.
// CHECK: return %[[R]]
func.func @gelu_tanh(%x: tensor<1x4x16xf32>) -> tensor<1x4x16xf32> {
  %half = arith.constant dense<5.000000e-01> : tensor<f32>
  %three = arith.constant dense<3.000000e+00> : tensor<f32>
  %c = arith.constant dense<4.471500e-02> : tensor<f32>
  %k = arith.constant dense<0.797884583> : tensor<f32>
  %one = arith.constant dense<1.000000e+00> : tensor<f32>
  %0 = seq.mul %x, %half : (tensor<1x4x16xf32>, tensor<f32>) -> tensor<1x4x16xf32>
  %1 = seq.pow %x, %three : (tensor<1x4x16xf32>, tensor<f32>) -> tensor<1x4x16xf32>
  %2 = seq.mul %1, %c : (tensor<1x4x16xf32>, tensor<f32>) -> tensor<1x4x16xf32>
  %3 = seq.add %x, %2 : (tensor<1x4x16xf32>, tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  %4 = seq.mul %3, %k : (tensor<1x4x16xf32>, tensor<f32>) -> tensor<1x4x16xf32>
  %5 = seq.tanh %4 : (tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  %6 = seq.add %5, %one : (tensor<1x4x16xf32>, tensor<f32>) -> tensor<1x4x16xf32>
  %7 = seq.mul %0, %6 : (tensor<1x4x16xf32>, tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  return %7 : tensor<1x4x16xf32>
}

// -----

// The ONNX Gelu importer's spelling: x * x * x, the 0.5 on x, 1 on the right.
// CHECK-LABEL: func @gelu_tanh_cube
// CHECK: seq.gelu %{{.*}} approximate = tanh
// CHECK-NOT: seq.
func.func @gelu_tanh_cube(%x: tensor<8xf32>) -> tensor<8xf32> {
  %half = arith.constant dense<5.000000e-01> : tensor<f32>
  %c = arith.constant dense<4.471500e-02> : tensor<f32>
  %k = arith.constant dense<0.797884583> : tensor<f32>
  %one = arith.constant dense<1.000000e+00> : tensor<f32>
  %0 = seq.mul %x, %x : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %1 = seq.mul %0, %x : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %2 = seq.mul %1, %c : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %3 = seq.add %x, %2 : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %4 = seq.mul %3, %k : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %5 = seq.tanh %4 : (tensor<8xf32>) -> tensor<8xf32>
  %6 = seq.add %5, %one : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %7 = seq.mul %x, %half : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %8 = seq.mul %7, %6 : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %8 : tensor<8xf32>
}

// -----

// Exact GELU: x * 0.5 * (1 + erf(x / sqrt(2))).
// CHECK-LABEL: func @gelu_erf
// CHECK-SAME: (%[[X:.*]]: tensor<2x8xf32>)
// CHECK: %[[R:.*]] = seq.gelu %[[X]] : (tensor<2x8xf32>) -> tensor<2x8xf32>
// CHECK-NOT: seq.
// CHECK: return %[[R]]
func.func @gelu_erf(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %sqrt2 = arith.constant dense<1.41421354> : tensor<f32>
  %half = arith.constant dense<5.000000e-01> : tensor<f32>
  %one = arith.constant dense<1.000000e+00> : tensor<f32>
  %0 = seq.div %x, %sqrt2 : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %1 = seq.erf %0 : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %2 = seq.add %one, %1 : (tensor<f32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %3 = seq.mul %x, %2 : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %4 = seq.mul %3, %half : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  return %4 : tensor<2x8xf32>
}

// -----

// Wrong constants (0.6 instead of 0.5; 0.79 instead of sqrt(2/pi)), erf of
// x / 2, and an outer x that is not the inner one: not GELUs.
// CHECK-LABEL: func @no_gelu
// CHECK-NOT: seq.gelu
func.func @no_gelu(%x: tensor<8xf32>, %y: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) {
  %half = arith.constant dense<5.000000e-01> : tensor<f32>
  %bad = arith.constant dense<6.000000e-01> : tensor<f32>
  %two = arith.constant dense<2.000000e+00> : tensor<f32>
  %sqrt2 = arith.constant dense<1.41421354> : tensor<f32>
  %three = arith.constant dense<3.000000e+00> : tensor<f32>
  %c = arith.constant dense<4.471500e-02> : tensor<f32>
  %k = arith.constant dense<0.79> : tensor<f32>
  %one = arith.constant dense<1.000000e+00> : tensor<f32>
  %e0 = seq.div %x, %sqrt2 : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %e1 = seq.erf %e0 : (tensor<8xf32>) -> tensor<8xf32>
  %e2 = seq.add %e1, %one : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %e3 = seq.mul %x, %bad : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %r0 = seq.mul %e3, %e2 : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %f0 = seq.div %x, %two : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %f1 = seq.erf %f0 : (tensor<8xf32>) -> tensor<8xf32>
  %f2 = seq.add %f1, %one : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %f3 = seq.mul %x, %half : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %r1 = seq.mul %f3, %f2 : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %t0 = seq.pow %x, %three : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %t1 = seq.mul %t0, %c : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %t2 = seq.add %x, %t1 : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %t3 = seq.mul %t2, %k : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %t4 = seq.tanh %t3 : (tensor<8xf32>) -> tensor<8xf32>
  %t5 = seq.add %t4, %one : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %r2 = seq.mul %f3, %t5 : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %y0 = seq.mul %y, %half : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %r3 = seq.mul %y0, %e2 : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %r0, %r1, %r2, %r3 : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
}

// -----

// The llama MLP: silu(x Wg) * (x Wu), then the down projection.
// CHECK-LABEL: func @swiglu_mlp
// CHECK: %[[G:.*]] = seq.matmul %{{.*}}, %{{.*}} : (tensor<1x4x8xf32>, tensor<8x16xf32>)
// CHECK: %[[U:.*]] = seq.matmul %{{.*}}, %{{.*}} : (tensor<1x4x8xf32>, tensor<8x16xf32>)
// CHECK: %[[S:.*]] = seq.swiglu %[[G]], %[[U]] : (tensor<1x4x16xf32>, tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
// CHECK-NOT: seq.sigmoid
// CHECK: seq.matmul %[[S]]
func.func @swiglu_mlp(%x: tensor<1x4x8xf32>, %wg: tensor<8x16xf32>, %wu: tensor<8x16xf32>, %wd: tensor<16x8xf32>) -> tensor<1x4x8xf32> {
  %g = seq.matmul %x, %wg : (tensor<1x4x8xf32>, tensor<8x16xf32>) -> tensor<1x4x16xf32>
  %s = seq.sigmoid %g : (tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  %silu = seq.mul %g, %s : (tensor<1x4x16xf32>, tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  %u = seq.matmul %x, %wu : (tensor<1x4x8xf32>, tensor<8x16xf32>) -> tensor<1x4x16xf32>
  %h = seq.mul %silu, %u : (tensor<1x4x16xf32>, tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  %o = seq.matmul %h, %wd : (tensor<1x4x16xf32>, tensor<16x8xf32>) -> tensor<1x4x8xf32>
  return %o : tensor<1x4x8xf32>
}

// -----

// Other association: (u * sigmoid(g)) * g.
// CHECK-LABEL: func @swiglu_reassociated
// CHECK-SAME: (%[[G:.*]]: tensor<4x16xf32>, %[[U:.*]]: tensor<4x16xf32>)
// CHECK: %[[S:.*]] = seq.swiglu %[[G]], %[[U]]
// CHECK-NOT: seq.
// CHECK: return %[[S]]
func.func @swiglu_reassociated(%g: tensor<4x16xf32>, %u: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %s = seq.sigmoid %g : (tensor<4x16xf32>) -> tensor<4x16xf32>
  %0 = seq.mul %u, %s : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  %1 = seq.mul %0, %g : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  return %1 : tensor<4x16xf32>
}

// -----

// A plain silu, a sigmoid of a tensor not among the factors, and a scaled
// product: not SwiGLU.
// CHECK-LABEL: func @no_swiglu
// CHECK-NOT: seq.swiglu
func.func @no_swiglu(%g: tensor<16xf32>, %u: tensor<16xf32>, %v: tensor<16xf32>) -> (tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) {
  %two = arith.constant dense<2.000000e+00> : tensor<f32>
  %s = seq.sigmoid %g : (tensor<16xf32>) -> tensor<16xf32>
  %silu = seq.mul %g, %s : (tensor<16xf32>, tensor<16xf32>) -> tensor<16xf32>
  %sv = seq.sigmoid %v : (tensor<16xf32>) -> tensor<16xf32>
  %a0 = seq.mul %g, %sv : (tensor<16xf32>, tensor<16xf32>) -> tensor<16xf32>
  %a1 = seq.mul %a0, %u : (tensor<16xf32>, tensor<16xf32>) -> tensor<16xf32>
  %b0 = seq.mul %silu, %two : (tensor<16xf32>, tensor<f32>) -> tensor<16xf32>
  %b1 = seq.mul %b0, %u : (tensor<16xf32>, tensor<16xf32>) -> tensor<16xf32>
  return %silu, %a1, %b1 : tensor<16xf32>, tensor<16xf32>, tensor<16xf32>
}
