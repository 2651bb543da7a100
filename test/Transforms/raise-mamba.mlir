// RUN: seq-opt %s --split-input-file --seq-raise | FileCheck %s

// HF Mamba's slow_forward, unrolled per time step by the exporter (T = 3,
// D = 4 channels, N = 2 states): h_t = exp(Δ·A)[t] * h_{t-1} + (Δ·B·x)[t],
// y_t = h_t · C[t], concatenated along time. One linear_scan replaces the
// chain: every channel is a head, decay = Δ·A, k = Δ·B, v = x, q = C
// broadcast over the channels; a zero h_{-1} is no initial state. The last
// index is written -1 (normalized).
// CHECK-LABEL: func @mamba_scan
// CHECK-SAME: (%[[LA:.*]]: tensor<1x4x3x2xf32>, %[[K:.*]]: tensor<1x4x3x2xf32>, %[[X:.*]]: tensor<1x4x3x1xf32>, %[[C:.*]]: tensor<1x3x2xf32>)
// CHECK: %[[CR:.*]] = seq.reshape %[[C]] : tensor<1x3x2xf32> -> tensor<1x1x3x2xf32>
// CHECK: %[[Q:.*]] = seq.broadcast %[[CR]] : tensor<1x1x3x2xf32> -> tensor<1x4x3x2xf32>
// CHECK: %[[O:.*]], %{{.*}} = seq.linear_scan additive %[[Q]], %[[K]], %[[X]] decay %[[LA]] scale = 1.000000e+00 :
// CHECK-SAME: -> (tensor<1x4x3x1xf32>, tensor<1x4x2x1xf32>)
// CHECK: %[[Y:.*]] = seq.reshape %[[O]] : tensor<1x4x3x1xf32> -> tensor<1x4x3xf32>
// CHECK-NOT: seq.gather
// CHECK-NOT: seq.matmul
// CHECK: return %[[Y]]
func.func @mamba_scan(%la: tensor<1x4x3x2xf32>, %k: tensor<1x4x3x2xf32>, %x: tensor<1x4x3x1xf32>, %c: tensor<1x3x2xf32>) -> (tensor<1x4x3xf32>) {
  %h0 = arith.constant dense<0.000000e+00> : tensor<1x4x2xf32>
  %i0 = arith.constant dense<0> : tensor<i64>
  %i1 = arith.constant dense<1> : tensor<i64>
  %i2 = arith.constant dense<-1> : tensor<i64>
  %dA = seq.exp %la : (tensor<1x4x3x2xf32>) -> tensor<1x4x3x2xf32>
  %dBx = seq.mul %k, %x : (tensor<1x4x3x2xf32>, tensor<1x4x3x1xf32>) -> tensor<1x4x3x2xf32>
  %a0 = seq.gather %dA[%i0] axis = 2 : (tensor<1x4x3x2xf32>, tensor<i64>) -> tensor<1x4x2xf32>
  %m0 = seq.mul %a0, %h0 : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %b0 = seq.gather %dBx[%i0] axis = 2 : (tensor<1x4x3x2xf32>, tensor<i64>) -> tensor<1x4x2xf32>
  %h1 = seq.add %m0, %b0 : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %c0 = seq.gather %c[%i0] axis = 1 : (tensor<1x3x2xf32>, tensor<i64>) -> tensor<1x2xf32>
  %cr0 = seq.reshape %c0 : tensor<1x2xf32> -> tensor<1x2x1xf32>
  %y0 = seq.matmul %h1, %cr0 : (tensor<1x4x2xf32>, tensor<1x2x1xf32>) -> tensor<1x4x1xf32>
  %g0 = seq.gather %y0[%i0] axis = 2 : (tensor<1x4x1xf32>, tensor<i64>) -> tensor<1x4xf32>
  %r0 = seq.reshape %g0 : tensor<1x4xf32> -> tensor<1x4x1xf32>
  %a1 = seq.gather %dA[%i1] axis = 2 : (tensor<1x4x3x2xf32>, tensor<i64>) -> tensor<1x4x2xf32>
  %m1 = seq.mul %a1, %h1 : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %b1 = seq.gather %dBx[%i1] axis = 2 : (tensor<1x4x3x2xf32>, tensor<i64>) -> tensor<1x4x2xf32>
  %h2 = seq.add %m1, %b1 : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %c1 = seq.gather %c[%i1] axis = 1 : (tensor<1x3x2xf32>, tensor<i64>) -> tensor<1x2xf32>
  %cr1 = seq.reshape %c1 : tensor<1x2xf32> -> tensor<1x2x1xf32>
  %y1 = seq.matmul %h2, %cr1 : (tensor<1x4x2xf32>, tensor<1x2x1xf32>) -> tensor<1x4x1xf32>
  %g1 = seq.gather %y1[%i0] axis = 2 : (tensor<1x4x1xf32>, tensor<i64>) -> tensor<1x4xf32>
  %r1 = seq.reshape %g1 : tensor<1x4xf32> -> tensor<1x4x1xf32>
  %a2 = seq.gather %dA[%i2] axis = 2 : (tensor<1x4x3x2xf32>, tensor<i64>) -> tensor<1x4x2xf32>
  %m2 = seq.mul %a2, %h2 : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %b2 = seq.gather %dBx[%i2] axis = 2 : (tensor<1x4x3x2xf32>, tensor<i64>) -> tensor<1x4x2xf32>
  %h3 = seq.add %m2, %b2 : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %c2 = seq.gather %c[%i2] axis = 1 : (tensor<1x3x2xf32>, tensor<i64>) -> tensor<1x2xf32>
  %cr2 = seq.reshape %c2 : tensor<1x2xf32> -> tensor<1x2x1xf32>
  %y2 = seq.matmul %h3, %cr2 : (tensor<1x4x2xf32>, tensor<1x2x1xf32>) -> tensor<1x4x1xf32>
  %g2 = seq.gather %y2[%i0] axis = 2 : (tensor<1x4x1xf32>, tensor<i64>) -> tensor<1x4xf32>
  %r2 = seq.reshape %g2 : tensor<1x4xf32> -> tensor<1x4x1xf32>
  %cat = tensor.concat dim(2) %r0, %r1, %r2 : (tensor<1x4x1xf32>, tensor<1x4x1xf32>, tensor<1x4x1xf32>) -> tensor<1x4x3xf32>
  return %cat : tensor<1x4x3xf32>
}

// -----

// A given initial state and the final state returned (the cache): h_{-1}
// becomes the [B, D, N, 1] initial state, the returned h_{T-1} the final one.
// CHECK-LABEL: func @mamba_scan_state
// CHECK-SAME: %[[H0:[^:]*]]: tensor<1x4x2xf32>)
// CHECK: %[[S0:.*]] = seq.reshape %[[H0]] : tensor<1x4x2xf32> -> tensor<1x4x2x1xf32>
// CHECK: %[[O:.*]], %[[FIN:.*]] = seq.linear_scan additive %{{.*}}, %{{.*}}, %{{.*}} state %[[S0]] decay
// CHECK-DAG: %[[F:.*]] = seq.reshape %[[FIN]] : tensor<1x4x2x1xf32> -> tensor<1x4x2xf32>
// CHECK-DAG: %[[Y:.*]] = seq.reshape %[[O]] : tensor<1x4x3x1xf32> -> tensor<1x4x3xf32>
// CHECK-NOT: seq.matmul
// CHECK: return %[[Y]], %[[F]]
func.func @mamba_scan_state(%la: tensor<1x4x3x2xf32>, %k: tensor<1x4x3x2xf32>, %x: tensor<1x4x3x1xf32>, %c: tensor<1x3x2xf32>, %h0: tensor<1x4x2xf32>) -> (tensor<1x4x3xf32>, tensor<1x4x2xf32>) {
  %i0 = arith.constant dense<0> : tensor<i64>
  %i1 = arith.constant dense<1> : tensor<i64>
  %i2 = arith.constant dense<2> : tensor<i64>
  %dA = seq.exp %la : (tensor<1x4x3x2xf32>) -> tensor<1x4x3x2xf32>
  %dBx = seq.mul %k, %x : (tensor<1x4x3x2xf32>, tensor<1x4x3x1xf32>) -> tensor<1x4x3x2xf32>
  %a0 = seq.gather %dA[%i0] axis = 2 : (tensor<1x4x3x2xf32>, tensor<i64>) -> tensor<1x4x2xf32>
  %m0 = seq.mul %a0, %h0 : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %b0 = seq.gather %dBx[%i0] axis = 2 : (tensor<1x4x3x2xf32>, tensor<i64>) -> tensor<1x4x2xf32>
  %h1 = seq.add %m0, %b0 : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %c0 = seq.gather %c[%i0] axis = 1 : (tensor<1x3x2xf32>, tensor<i64>) -> tensor<1x2xf32>
  %cr0 = seq.reshape %c0 : tensor<1x2xf32> -> tensor<1x2x1xf32>
  %y0 = seq.matmul %h1, %cr0 : (tensor<1x4x2xf32>, tensor<1x2x1xf32>) -> tensor<1x4x1xf32>
  %g0 = seq.gather %y0[%i0] axis = 2 : (tensor<1x4x1xf32>, tensor<i64>) -> tensor<1x4xf32>
  %r0 = seq.reshape %g0 : tensor<1x4xf32> -> tensor<1x4x1xf32>
  %a1 = seq.gather %dA[%i1] axis = 2 : (tensor<1x4x3x2xf32>, tensor<i64>) -> tensor<1x4x2xf32>
  %m1 = seq.mul %a1, %h1 : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %b1 = seq.gather %dBx[%i1] axis = 2 : (tensor<1x4x3x2xf32>, tensor<i64>) -> tensor<1x4x2xf32>
  %h2 = seq.add %m1, %b1 : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %c1 = seq.gather %c[%i1] axis = 1 : (tensor<1x3x2xf32>, tensor<i64>) -> tensor<1x2xf32>
  %cr1 = seq.reshape %c1 : tensor<1x2xf32> -> tensor<1x2x1xf32>
  %y1 = seq.matmul %h2, %cr1 : (tensor<1x4x2xf32>, tensor<1x2x1xf32>) -> tensor<1x4x1xf32>
  %g1 = seq.gather %y1[%i0] axis = 2 : (tensor<1x4x1xf32>, tensor<i64>) -> tensor<1x4xf32>
  %r1 = seq.reshape %g1 : tensor<1x4xf32> -> tensor<1x4x1xf32>
  %a2 = seq.gather %dA[%i2] axis = 2 : (tensor<1x4x3x2xf32>, tensor<i64>) -> tensor<1x4x2xf32>
  %m2 = seq.mul %a2, %h2 : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %b2 = seq.gather %dBx[%i2] axis = 2 : (tensor<1x4x3x2xf32>, tensor<i64>) -> tensor<1x4x2xf32>
  %h3 = seq.add %m2, %b2 : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %c2 = seq.gather %c[%i2] axis = 1 : (tensor<1x3x2xf32>, tensor<i64>) -> tensor<1x2xf32>
  %cr2 = seq.reshape %c2 : tensor<1x2xf32> -> tensor<1x2x1xf32>
  %y2 = seq.matmul %h3, %cr2 : (tensor<1x4x2xf32>, tensor<1x2x1xf32>) -> tensor<1x4x1xf32>
  %g2 = seq.gather %y2[%i0] axis = 2 : (tensor<1x4x1xf32>, tensor<i64>) -> tensor<1x4xf32>
  %r2 = seq.reshape %g2 : tensor<1x4xf32> -> tensor<1x4x1xf32>
  %cat = tensor.concat dim(2) %r0, %r1, %r2 : (tensor<1x4x1xf32>, tensor<1x4x1xf32>, tensor<1x4x1xf32>) -> tensor<1x4x3xf32>
  return %cat, %h3 : tensor<1x4x3xf32>, tensor<1x4x2xf32>
}

// -----

// Negative: step 1 reads h_{-1} instead of h_0 (not a recurrence).
// CHECK-LABEL: func @not_chained
// CHECK-NOT: seq.linear_scan
// CHECK: tensor.concat
func.func @not_chained(%la: tensor<1x4x3x2xf32>, %k: tensor<1x4x3x2xf32>, %x: tensor<1x4x3x1xf32>, %c: tensor<1x3x2xf32>) -> (tensor<1x4x3xf32>) {
  %h0 = arith.constant dense<0.000000e+00> : tensor<1x4x2xf32>
  %i0 = arith.constant dense<0> : tensor<i64>
  %i1 = arith.constant dense<1> : tensor<i64>
  %i2 = arith.constant dense<-1> : tensor<i64>
  %dA = seq.exp %la : (tensor<1x4x3x2xf32>) -> tensor<1x4x3x2xf32>
  %dBx = seq.mul %k, %x : (tensor<1x4x3x2xf32>, tensor<1x4x3x1xf32>) -> tensor<1x4x3x2xf32>
  %a0 = seq.gather %dA[%i0] axis = 2 : (tensor<1x4x3x2xf32>, tensor<i64>) -> tensor<1x4x2xf32>
  %m0 = seq.mul %a0, %h0 : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %b0 = seq.gather %dBx[%i0] axis = 2 : (tensor<1x4x3x2xf32>, tensor<i64>) -> tensor<1x4x2xf32>
  %h1 = seq.add %m0, %b0 : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %c0 = seq.gather %c[%i0] axis = 1 : (tensor<1x3x2xf32>, tensor<i64>) -> tensor<1x2xf32>
  %cr0 = seq.reshape %c0 : tensor<1x2xf32> -> tensor<1x2x1xf32>
  %y0 = seq.matmul %h1, %cr0 : (tensor<1x4x2xf32>, tensor<1x2x1xf32>) -> tensor<1x4x1xf32>
  %g0 = seq.gather %y0[%i0] axis = 2 : (tensor<1x4x1xf32>, tensor<i64>) -> tensor<1x4xf32>
  %r0 = seq.reshape %g0 : tensor<1x4xf32> -> tensor<1x4x1xf32>
  %a1 = seq.gather %dA[%i1] axis = 2 : (tensor<1x4x3x2xf32>, tensor<i64>) -> tensor<1x4x2xf32>
  %m1 = seq.mul %a1, %h0 : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %b1 = seq.gather %dBx[%i1] axis = 2 : (tensor<1x4x3x2xf32>, tensor<i64>) -> tensor<1x4x2xf32>
  %h2 = seq.add %m1, %b1 : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %c1 = seq.gather %c[%i1] axis = 1 : (tensor<1x3x2xf32>, tensor<i64>) -> tensor<1x2xf32>
  %cr1 = seq.reshape %c1 : tensor<1x2xf32> -> tensor<1x2x1xf32>
  %y1 = seq.matmul %h2, %cr1 : (tensor<1x4x2xf32>, tensor<1x2x1xf32>) -> tensor<1x4x1xf32>
  %g1 = seq.gather %y1[%i0] axis = 2 : (tensor<1x4x1xf32>, tensor<i64>) -> tensor<1x4xf32>
  %r1 = seq.reshape %g1 : tensor<1x4xf32> -> tensor<1x4x1xf32>
  %a2 = seq.gather %dA[%i2] axis = 2 : (tensor<1x4x3x2xf32>, tensor<i64>) -> tensor<1x4x2xf32>
  %m2 = seq.mul %a2, %h2 : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %b2 = seq.gather %dBx[%i2] axis = 2 : (tensor<1x4x3x2xf32>, tensor<i64>) -> tensor<1x4x2xf32>
  %h3 = seq.add %m2, %b2 : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %c2 = seq.gather %c[%i2] axis = 1 : (tensor<1x3x2xf32>, tensor<i64>) -> tensor<1x2xf32>
  %cr2 = seq.reshape %c2 : tensor<1x2xf32> -> tensor<1x2x1xf32>
  %y2 = seq.matmul %h3, %cr2 : (tensor<1x4x2xf32>, tensor<1x2x1xf32>) -> tensor<1x4x1xf32>
  %g2 = seq.gather %y2[%i0] axis = 2 : (tensor<1x4x1xf32>, tensor<i64>) -> tensor<1x4xf32>
  %r2 = seq.reshape %g2 : tensor<1x4xf32> -> tensor<1x4x1xf32>
  %cat = tensor.concat dim(2) %r0, %r1, %r2 : (tensor<1x4x1xf32>, tensor<1x4x1xf32>, tensor<1x4x1xf32>) -> tensor<1x4x3xf32>
  return %cat : tensor<1x4x3xf32>
}

// -----

// Negative: the transition is sigmoid(.), not exp(.) of a log decay.
// CHECK-LABEL: func @not_exp_decay
// CHECK-NOT: seq.linear_scan
// CHECK: tensor.concat
func.func @not_exp_decay(%la: tensor<1x4x3x2xf32>, %k: tensor<1x4x3x2xf32>, %x: tensor<1x4x3x1xf32>, %c: tensor<1x3x2xf32>) -> (tensor<1x4x3xf32>) {
  %h0 = arith.constant dense<0.000000e+00> : tensor<1x4x2xf32>
  %i0 = arith.constant dense<0> : tensor<i64>
  %i1 = arith.constant dense<1> : tensor<i64>
  %i2 = arith.constant dense<-1> : tensor<i64>
  %dA = seq.sigmoid %la : (tensor<1x4x3x2xf32>) -> tensor<1x4x3x2xf32>
  %dBx = seq.mul %k, %x : (tensor<1x4x3x2xf32>, tensor<1x4x3x1xf32>) -> tensor<1x4x3x2xf32>
  %a0 = seq.gather %dA[%i0] axis = 2 : (tensor<1x4x3x2xf32>, tensor<i64>) -> tensor<1x4x2xf32>
  %m0 = seq.mul %a0, %h0 : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %b0 = seq.gather %dBx[%i0] axis = 2 : (tensor<1x4x3x2xf32>, tensor<i64>) -> tensor<1x4x2xf32>
  %h1 = seq.add %m0, %b0 : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %c0 = seq.gather %c[%i0] axis = 1 : (tensor<1x3x2xf32>, tensor<i64>) -> tensor<1x2xf32>
  %cr0 = seq.reshape %c0 : tensor<1x2xf32> -> tensor<1x2x1xf32>
  %y0 = seq.matmul %h1, %cr0 : (tensor<1x4x2xf32>, tensor<1x2x1xf32>) -> tensor<1x4x1xf32>
  %g0 = seq.gather %y0[%i0] axis = 2 : (tensor<1x4x1xf32>, tensor<i64>) -> tensor<1x4xf32>
  %r0 = seq.reshape %g0 : tensor<1x4xf32> -> tensor<1x4x1xf32>
  %a1 = seq.gather %dA[%i1] axis = 2 : (tensor<1x4x3x2xf32>, tensor<i64>) -> tensor<1x4x2xf32>
  %m1 = seq.mul %a1, %h1 : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %b1 = seq.gather %dBx[%i1] axis = 2 : (tensor<1x4x3x2xf32>, tensor<i64>) -> tensor<1x4x2xf32>
  %h2 = seq.add %m1, %b1 : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %c1 = seq.gather %c[%i1] axis = 1 : (tensor<1x3x2xf32>, tensor<i64>) -> tensor<1x2xf32>
  %cr1 = seq.reshape %c1 : tensor<1x2xf32> -> tensor<1x2x1xf32>
  %y1 = seq.matmul %h2, %cr1 : (tensor<1x4x2xf32>, tensor<1x2x1xf32>) -> tensor<1x4x1xf32>
  %g1 = seq.gather %y1[%i0] axis = 2 : (tensor<1x4x1xf32>, tensor<i64>) -> tensor<1x4xf32>
  %r1 = seq.reshape %g1 : tensor<1x4xf32> -> tensor<1x4x1xf32>
  %a2 = seq.gather %dA[%i2] axis = 2 : (tensor<1x4x3x2xf32>, tensor<i64>) -> tensor<1x4x2xf32>
  %m2 = seq.mul %a2, %h2 : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %b2 = seq.gather %dBx[%i2] axis = 2 : (tensor<1x4x3x2xf32>, tensor<i64>) -> tensor<1x4x2xf32>
  %h3 = seq.add %m2, %b2 : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %c2 = seq.gather %c[%i2] axis = 1 : (tensor<1x3x2xf32>, tensor<i64>) -> tensor<1x2xf32>
  %cr2 = seq.reshape %c2 : tensor<1x2xf32> -> tensor<1x2x1xf32>
  %y2 = seq.matmul %h3, %cr2 : (tensor<1x4x2xf32>, tensor<1x2x1xf32>) -> tensor<1x4x1xf32>
  %g2 = seq.gather %y2[%i0] axis = 2 : (tensor<1x4x1xf32>, tensor<i64>) -> tensor<1x4xf32>
  %r2 = seq.reshape %g2 : tensor<1x4xf32> -> tensor<1x4x1xf32>
  %cat = tensor.concat dim(2) %r0, %r1, %r2 : (tensor<1x4x1xf32>, tensor<1x4x1xf32>, tensor<1x4x1xf32>) -> tensor<1x4x3xf32>
  return %cat : tensor<1x4x3xf32>
}

// -----

// Negative: step 1 reads C[2] (the output is not y_t = h_t · C_t).
// CHECK-LABEL: func @wrong_c_step
// CHECK-NOT: seq.linear_scan
// CHECK: tensor.concat
func.func @wrong_c_step(%la: tensor<1x4x3x2xf32>, %k: tensor<1x4x3x2xf32>, %x: tensor<1x4x3x1xf32>, %c: tensor<1x3x2xf32>) -> (tensor<1x4x3xf32>) {
  %h0 = arith.constant dense<0.000000e+00> : tensor<1x4x2xf32>
  %i0 = arith.constant dense<0> : tensor<i64>
  %i1 = arith.constant dense<1> : tensor<i64>
  %i2 = arith.constant dense<-1> : tensor<i64>
  %dA = seq.exp %la : (tensor<1x4x3x2xf32>) -> tensor<1x4x3x2xf32>
  %dBx = seq.mul %k, %x : (tensor<1x4x3x2xf32>, tensor<1x4x3x1xf32>) -> tensor<1x4x3x2xf32>
  %a0 = seq.gather %dA[%i0] axis = 2 : (tensor<1x4x3x2xf32>, tensor<i64>) -> tensor<1x4x2xf32>
  %m0 = seq.mul %a0, %h0 : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %b0 = seq.gather %dBx[%i0] axis = 2 : (tensor<1x4x3x2xf32>, tensor<i64>) -> tensor<1x4x2xf32>
  %h1 = seq.add %m0, %b0 : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %c0 = seq.gather %c[%i0] axis = 1 : (tensor<1x3x2xf32>, tensor<i64>) -> tensor<1x2xf32>
  %cr0 = seq.reshape %c0 : tensor<1x2xf32> -> tensor<1x2x1xf32>
  %y0 = seq.matmul %h1, %cr0 : (tensor<1x4x2xf32>, tensor<1x2x1xf32>) -> tensor<1x4x1xf32>
  %g0 = seq.gather %y0[%i0] axis = 2 : (tensor<1x4x1xf32>, tensor<i64>) -> tensor<1x4xf32>
  %r0 = seq.reshape %g0 : tensor<1x4xf32> -> tensor<1x4x1xf32>
  %a1 = seq.gather %dA[%i1] axis = 2 : (tensor<1x4x3x2xf32>, tensor<i64>) -> tensor<1x4x2xf32>
  %m1 = seq.mul %a1, %h1 : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %b1 = seq.gather %dBx[%i1] axis = 2 : (tensor<1x4x3x2xf32>, tensor<i64>) -> tensor<1x4x2xf32>
  %h2 = seq.add %m1, %b1 : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %c1 = seq.gather %c[%i2] axis = 1 : (tensor<1x3x2xf32>, tensor<i64>) -> tensor<1x2xf32>
  %cr1 = seq.reshape %c1 : tensor<1x2xf32> -> tensor<1x2x1xf32>
  %y1 = seq.matmul %h2, %cr1 : (tensor<1x4x2xf32>, tensor<1x2x1xf32>) -> tensor<1x4x1xf32>
  %g1 = seq.gather %y1[%i0] axis = 2 : (tensor<1x4x1xf32>, tensor<i64>) -> tensor<1x4xf32>
  %r1 = seq.reshape %g1 : tensor<1x4xf32> -> tensor<1x4x1xf32>
  %a2 = seq.gather %dA[%i2] axis = 2 : (tensor<1x4x3x2xf32>, tensor<i64>) -> tensor<1x4x2xf32>
  %m2 = seq.mul %a2, %h2 : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %b2 = seq.gather %dBx[%i2] axis = 2 : (tensor<1x4x3x2xf32>, tensor<i64>) -> tensor<1x4x2xf32>
  %h3 = seq.add %m2, %b2 : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %c2 = seq.gather %c[%i2] axis = 1 : (tensor<1x3x2xf32>, tensor<i64>) -> tensor<1x2xf32>
  %cr2 = seq.reshape %c2 : tensor<1x2xf32> -> tensor<1x2x1xf32>
  %y2 = seq.matmul %h3, %cr2 : (tensor<1x4x2xf32>, tensor<1x2x1xf32>) -> tensor<1x4x1xf32>
  %g2 = seq.gather %y2[%i0] axis = 2 : (tensor<1x4x1xf32>, tensor<i64>) -> tensor<1x4xf32>
  %r2 = seq.reshape %g2 : tensor<1x4xf32> -> tensor<1x4x1xf32>
  %cat = tensor.concat dim(2) %r0, %r1, %r2 : (tensor<1x4x1xf32>, tensor<1x4x1xf32>, tensor<1x4x1xf32>) -> tensor<1x4x3xf32>
  return %cat : tensor<1x4x3xf32>
}

// -----

// HF's discretization k = Δ·B with B shared by the channels: k vᵀ = B (Δ·x)ᵀ,
// so the key is B broadcast over the heads and the value Δ·x.
// CHECK-LABEL: func @mamba_scan_shared_b
// CHECK-SAME: (%[[LA:[^:]*]]: tensor<1x4x3x2xf32>, %[[DT:[^:]*]]: tensor<1x4x3x1xf32>, %[[BM:[^:]*]]: tensor<1x1x3x2xf32>, %[[X:[^:]*]]: tensor<1x4x3x1xf32>
// CHECK-DAG: %[[K:.*]] = seq.broadcast %[[BM]] : tensor<1x1x3x2xf32> -> tensor<1x4x3x2xf32>
// CHECK-DAG: %[[V:.*]] = seq.mul %[[DT]], %[[X]] : (tensor<1x4x3x1xf32>, tensor<1x4x3x1xf32>) -> tensor<1x4x3x1xf32>
// CHECK: seq.linear_scan additive %{{.*}}, %[[K]], %[[V]] decay %[[LA]] scale = 1.000000e+00 :
// CHECK-NOT: seq.matmul
func.func @mamba_scan_shared_b(%la: tensor<1x4x3x2xf32>, %dt: tensor<1x4x3x1xf32>, %bm: tensor<1x1x3x2xf32>, %x: tensor<1x4x3x1xf32>, %c: tensor<1x3x2xf32>) -> (tensor<1x4x3xf32>) {
  %h0 = arith.constant dense<0.000000e+00> : tensor<1x4x2xf32>
  %i0 = arith.constant dense<0> : tensor<i64>
  %i1 = arith.constant dense<1> : tensor<i64>
  %i2 = arith.constant dense<-1> : tensor<i64>
  %dA = seq.exp %la : (tensor<1x4x3x2xf32>) -> tensor<1x4x3x2xf32>
  %k = seq.mul %dt, %bm : (tensor<1x4x3x1xf32>, tensor<1x1x3x2xf32>) -> tensor<1x4x3x2xf32>
  %dBx = seq.mul %k, %x : (tensor<1x4x3x2xf32>, tensor<1x4x3x1xf32>) -> tensor<1x4x3x2xf32>
  %a0 = seq.gather %dA[%i0] axis = 2 : (tensor<1x4x3x2xf32>, tensor<i64>) -> tensor<1x4x2xf32>
  %m0 = seq.mul %a0, %h0 : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %b0 = seq.gather %dBx[%i0] axis = 2 : (tensor<1x4x3x2xf32>, tensor<i64>) -> tensor<1x4x2xf32>
  %h1 = seq.add %m0, %b0 : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %c0 = seq.gather %c[%i0] axis = 1 : (tensor<1x3x2xf32>, tensor<i64>) -> tensor<1x2xf32>
  %cr0 = seq.reshape %c0 : tensor<1x2xf32> -> tensor<1x2x1xf32>
  %y0 = seq.matmul %h1, %cr0 : (tensor<1x4x2xf32>, tensor<1x2x1xf32>) -> tensor<1x4x1xf32>
  %g0 = seq.gather %y0[%i0] axis = 2 : (tensor<1x4x1xf32>, tensor<i64>) -> tensor<1x4xf32>
  %r0 = seq.reshape %g0 : tensor<1x4xf32> -> tensor<1x4x1xf32>
  %a1 = seq.gather %dA[%i1] axis = 2 : (tensor<1x4x3x2xf32>, tensor<i64>) -> tensor<1x4x2xf32>
  %m1 = seq.mul %a1, %h1 : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %b1 = seq.gather %dBx[%i1] axis = 2 : (tensor<1x4x3x2xf32>, tensor<i64>) -> tensor<1x4x2xf32>
  %h2 = seq.add %m1, %b1 : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %c1 = seq.gather %c[%i1] axis = 1 : (tensor<1x3x2xf32>, tensor<i64>) -> tensor<1x2xf32>
  %cr1 = seq.reshape %c1 : tensor<1x2xf32> -> tensor<1x2x1xf32>
  %y1 = seq.matmul %h2, %cr1 : (tensor<1x4x2xf32>, tensor<1x2x1xf32>) -> tensor<1x4x1xf32>
  %g1 = seq.gather %y1[%i0] axis = 2 : (tensor<1x4x1xf32>, tensor<i64>) -> tensor<1x4xf32>
  %r1 = seq.reshape %g1 : tensor<1x4xf32> -> tensor<1x4x1xf32>
  %a2 = seq.gather %dA[%i2] axis = 2 : (tensor<1x4x3x2xf32>, tensor<i64>) -> tensor<1x4x2xf32>
  %m2 = seq.mul %a2, %h2 : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %b2 = seq.gather %dBx[%i2] axis = 2 : (tensor<1x4x3x2xf32>, tensor<i64>) -> tensor<1x4x2xf32>
  %h3 = seq.add %m2, %b2 : (tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %c2 = seq.gather %c[%i2] axis = 1 : (tensor<1x3x2xf32>, tensor<i64>) -> tensor<1x2xf32>
  %cr2 = seq.reshape %c2 : tensor<1x2xf32> -> tensor<1x2x1xf32>
  %y2 = seq.matmul %h3, %cr2 : (tensor<1x4x2xf32>, tensor<1x2x1xf32>) -> tensor<1x4x1xf32>
  %g2 = seq.gather %y2[%i0] axis = 2 : (tensor<1x4x1xf32>, tensor<i64>) -> tensor<1x4xf32>
  %r2 = seq.reshape %g2 : tensor<1x4xf32> -> tensor<1x4x1xf32>
  %cat = tensor.concat dim(2) %r0, %r1, %r2 : (tensor<1x4x1xf32>, tensor<1x4x1xf32>, tensor<1x4x1xf32>) -> tensor<1x4x3xf32>
  return %cat : tensor<1x4x3xf32>
}
