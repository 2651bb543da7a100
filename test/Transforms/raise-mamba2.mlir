// RUN: seq-opt %s --split-input-file --seq-raise | FileCheck %s

// Mamba-2's chunked SSD as HF's torch_forward writes it (2 chunks of 2 steps,
// 2 heads, P = N = 2): Y_diag + Y_off over the chunked X (x·Δ), B, C and the
// per-head log decay A [b, h, c, l]. It is one additive linear_scan over
// T = 4 steps with q = C, k = B, v = X, decay = A (one value per head); the
// zero chunk state is no initial state.
// CHECK-LABEL: func @mamba2_ssd
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x2x2x2xf32>, %[[B:.*]]: tensor<1x2x2x2x2xf32>, %[[C:.*]]: tensor<1x2x2x2x2xf32>, %[[A:.*]]: tensor<1x2x2x2xf32>)
// CHECK: %[[CF:.*]] = seq.reshape %[[C]] : tensor<1x2x2x2x2xf32> -> tensor<1x4x2x2xf32>
// CHECK: %[[Q:.*]] = seq.transpose %[[CF]] [0, 2, 1, 3] : tensor<1x4x2x2xf32> -> tensor<1x2x4x2xf32>
// CHECK: %[[BF:.*]] = seq.reshape %[[B]]
// CHECK: %[[K:.*]] = seq.transpose %[[BF]] [0, 2, 1, 3]
// CHECK: %[[XF:.*]] = seq.reshape %[[X]]
// CHECK: %[[V:.*]] = seq.transpose %[[XF]] [0, 2, 1, 3]
// CHECK: %[[G:.*]] = seq.reshape %[[A]] : tensor<1x2x2x2xf32> -> tensor<1x2x4x1xf32>
// CHECK: %[[O:.*]], %{{.*}} = seq.linear_scan additive %[[Q]], %[[K]], %[[V]] decay %[[G]] scale = 1.000000e+00 :
// CHECK-SAME: -> (tensor<1x2x4x2xf32>, tensor<1x2x2x2xf32>)
// CHECK: %[[OT:.*]] = seq.transpose %[[O]] [0, 2, 1, 3] : tensor<1x2x4x2xf32> -> tensor<1x4x2x2xf32>
// CHECK: %[[Y:.*]] = seq.reshape %[[OT]] : tensor<1x4x2x2xf32> -> tensor<1x2x2x2x2xf32>
// CHECK-NOT: seq.einsum
// CHECK-NOT: seq.cumsum
// CHECK: return %[[Y]]
func.func @mamba2_ssd(%x: tensor<1x2x2x2x2xf32>, %b: tensor<1x2x2x2x2xf32>, %c: tensor<1x2x2x2x2xf32>, %a: tensor<1x2x2x2xf32>) -> tensor<1x2x2x2x2xf32> {
  %zero = arith.constant dense<0.000000e+00> : tensor<f32>
  %ninf = arith.constant dense<0xFF800000> : tensor<f32>
  %m1 = arith.constant dense<[[true, true], [false, true]]> : tensor<2x2xi1>
  %m2 = arith.constant dense<[[false, true], [false, false]]> : tensor<2x2xi1>
  %m31 = arith.constant dense<[[true, true, true], [false, true, true], [false, false, true]]> : tensor<3x3xi1>
  %m32 = arith.constant dense<[[false, true, true], [false, false, true], [false, false, false]]> : tensor<3x3xi1>
  %last = arith.constant dense<1> : tensor<i64>
  %zc = arith.constant dense<0.000000e+00> : tensor<1x2x1xf32>
  %s0 = arith.constant dense<0.000000e+00> : tensor<1x1x2x2x2xf32>
  %acum = seq.cumsum %a axis = 3 : tensor<1x2x2x2xf32>
  // Y_diag: C·B times exp(segsum(A)), times X.
  %r = seq.reshape %a : tensor<1x2x2x2xf32> -> tensor<1x2x2x2x1xf32>
  %bc = seq.broadcast %r : tensor<1x2x2x2x1xf32> -> tensor<1x2x2x2x2xf32>
  %s1 = seq.select %m1, %zero, %bc : (tensor<2x2xi1>, tensor<f32>, tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  %cs = seq.cumsum %s1 axis = 3 : tensor<1x2x2x2x2xf32>
  %s2 = seq.select %m2, %ninf, %cs : (tensor<2x2xi1>, tensor<f32>, tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  %L = seq.exp %s2 : (tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  %G = seq.einsum "bclhn,bcshn->bclsh" %c, %b : (tensor<1x2x2x2x2xf32>, tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  %Lp = seq.transpose %L [0, 2, 3, 4, 1] : tensor<1x2x2x2x2xf32> -> tensor<1x2x2x2x2xf32>
  %M = seq.mul %G, %Lp : (tensor<1x2x2x2x2xf32>, tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  %yd = seq.einsum "bclsh,bcshp->bclhp" %M, %x : (tensor<1x2x2x2x2xf32>, tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  // Chunk states: B·exp(Acum[-1] - Acum) times X.
  %al = tensor.extract_slice %acum[0, 0, 0, 1] [1, 2, 2, 1] [1, 1, 1, 1] : tensor<1x2x2x2xf32> to tensor<1x2x2x1xf32>
  %ds = seq.sub %al, %acum : (tensor<1x2x2x1xf32>, tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %de = seq.exp %ds : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %dt = seq.transpose %de [0, 2, 3, 1] : tensor<1x2x2x2xf32> -> tensor<1x2x2x2xf32>
  %dr = seq.reshape %dt : tensor<1x2x2x2xf32> -> tensor<1x2x2x2x1xf32>
  %bd = seq.mul %b, %dr : (tensor<1x2x2x2x2xf32>, tensor<1x2x2x2x1xf32>) -> tensor<1x2x2x2x2xf32>
  %st = seq.einsum "bclhn,bclhp->bchpn" %bd, %x : (tensor<1x2x2x2x2xf32>, tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  %cat = tensor.concat dim(1) %s0, %st : (tensor<1x1x2x2x2xf32>, tensor<1x2x2x2x2xf32>) -> tensor<1x3x2x2x2xf32>
  // Inter-chunk recurrence: exp(segsum(pad(Acum[..., -1]))).
  %g = seq.gather %acum[%last] axis = 3 : (tensor<1x2x2x2xf32>, tensor<i64>) -> tensor<1x2x2xf32>
  %pad = tensor.concat dim(2) %zc, %g : (tensor<1x2x1xf32>, tensor<1x2x2xf32>) -> tensor<1x2x3xf32>
  %pr = seq.reshape %pad : tensor<1x2x3xf32> -> tensor<1x2x3x1xf32>
  %pb = seq.broadcast %pr : tensor<1x2x3x1xf32> -> tensor<1x2x3x3xf32>
  %q1 = seq.select %m31, %zero, %pb : (tensor<3x3xi1>, tensor<f32>, tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %qc = seq.cumsum %q1 axis = 2 : tensor<1x2x3x3xf32>
  %q2 = seq.select %m32, %ninf, %qc : (tensor<3x3xi1>, tensor<f32>, tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %qe = seq.exp %q2 : (tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %dc = seq.transpose %qe [0, 3, 2, 1] : tensor<1x2x3x3xf32> -> tensor<1x3x3x2xf32>
  %ns = seq.einsum "bzch,bzhpn->bchpn" %dc, %cat : (tensor<1x3x3x2xf32>, tensor<1x3x2x2x2xf32>) -> tensor<1x3x2x2x2xf32>
  %prev = tensor.extract_slice %ns[0, 0, 0, 0, 0] [1, 2, 2, 2, 2] [1, 1, 1, 1, 1] : tensor<1x3x2x2x2xf32> to tensor<1x2x2x2x2xf32>
  // Y_off: C times the entering state, times exp(Acum).
  %ea = seq.exp %acum : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %cst = seq.einsum "bclhn,bchpn->bclhp" %c, %prev : (tensor<1x2x2x2x2xf32>, tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  %et = seq.transpose %ea [0, 2, 3, 1] : tensor<1x2x2x2xf32> -> tensor<1x2x2x2xf32>
  %er = seq.reshape %et : tensor<1x2x2x2xf32> -> tensor<1x2x2x2x1xf32>
  %yo = seq.mul %cst, %er : (tensor<1x2x2x2x2xf32>, tensor<1x2x2x2x1xf32>) -> tensor<1x2x2x2x2xf32>
  %y = seq.add %yd, %yo : (tensor<1x2x2x2x2xf32>, tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  return %y : tensor<1x2x2x2x2xf32>
}

// -----

// A given initial chunk state [b, 1, h, p, n] enters as the [b, h, n, p]
// linear_scan state.
// CHECK-LABEL: func @mamba2_ssd_state
// CHECK-SAME: %[[S0:[^:]*]]: tensor<1x1x2x2x2xf32>)
// CHECK: %[[SR:.*]] = seq.reshape %[[S0]] : tensor<1x1x2x2x2xf32> -> tensor<1x2x2x2xf32>
// CHECK: %[[ST:.*]] = seq.transpose %[[SR]] [0, 1, 3, 2]
// CHECK: seq.linear_scan additive %{{.*}}, %{{.*}}, %{{.*}} state %[[ST]] decay
// CHECK-NOT: seq.einsum
func.func @mamba2_ssd_state(%x: tensor<1x2x2x2x2xf32>, %b: tensor<1x2x2x2x2xf32>, %c: tensor<1x2x2x2x2xf32>, %a: tensor<1x2x2x2xf32>, %s0: tensor<1x1x2x2x2xf32>) -> tensor<1x2x2x2x2xf32> {
  %zero = arith.constant dense<0.000000e+00> : tensor<f32>
  %ninf = arith.constant dense<0xFF800000> : tensor<f32>
  %m1 = arith.constant dense<[[true, true], [false, true]]> : tensor<2x2xi1>
  %m2 = arith.constant dense<[[false, true], [false, false]]> : tensor<2x2xi1>
  %m31 = arith.constant dense<[[true, true, true], [false, true, true], [false, false, true]]> : tensor<3x3xi1>
  %m32 = arith.constant dense<[[false, true, true], [false, false, true], [false, false, false]]> : tensor<3x3xi1>
  %last = arith.constant dense<1> : tensor<i64>
  %zc = arith.constant dense<0.000000e+00> : tensor<1x2x1xf32>
  %acum = seq.cumsum %a axis = 3 : tensor<1x2x2x2xf32>
  // Y_diag: C·B times exp(segsum(A)), times X.
  %r = seq.reshape %a : tensor<1x2x2x2xf32> -> tensor<1x2x2x2x1xf32>
  %bc = seq.broadcast %r : tensor<1x2x2x2x1xf32> -> tensor<1x2x2x2x2xf32>
  %s1 = seq.select %m1, %zero, %bc : (tensor<2x2xi1>, tensor<f32>, tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  %cs = seq.cumsum %s1 axis = 3 : tensor<1x2x2x2x2xf32>
  %s2 = seq.select %m2, %ninf, %cs : (tensor<2x2xi1>, tensor<f32>, tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  %L = seq.exp %s2 : (tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  %G = seq.einsum "bclhn,bcshn->bclsh" %c, %b : (tensor<1x2x2x2x2xf32>, tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  %Lp = seq.transpose %L [0, 2, 3, 4, 1] : tensor<1x2x2x2x2xf32> -> tensor<1x2x2x2x2xf32>
  %M = seq.mul %G, %Lp : (tensor<1x2x2x2x2xf32>, tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  %yd = seq.einsum "bclsh,bcshp->bclhp" %M, %x : (tensor<1x2x2x2x2xf32>, tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  // Chunk states: B·exp(Acum[-1] - Acum) times X.
  %al = tensor.extract_slice %acum[0, 0, 0, 1] [1, 2, 2, 1] [1, 1, 1, 1] : tensor<1x2x2x2xf32> to tensor<1x2x2x1xf32>
  %ds = seq.sub %al, %acum : (tensor<1x2x2x1xf32>, tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %de = seq.exp %ds : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %dt = seq.transpose %de [0, 2, 3, 1] : tensor<1x2x2x2xf32> -> tensor<1x2x2x2xf32>
  %dr = seq.reshape %dt : tensor<1x2x2x2xf32> -> tensor<1x2x2x2x1xf32>
  %bd = seq.mul %b, %dr : (tensor<1x2x2x2x2xf32>, tensor<1x2x2x2x1xf32>) -> tensor<1x2x2x2x2xf32>
  %st = seq.einsum "bclhn,bclhp->bchpn" %bd, %x : (tensor<1x2x2x2x2xf32>, tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  %cat = tensor.concat dim(1) %s0, %st : (tensor<1x1x2x2x2xf32>, tensor<1x2x2x2x2xf32>) -> tensor<1x3x2x2x2xf32>
  // Inter-chunk recurrence: exp(segsum(pad(Acum[..., -1]))).
  %g = seq.gather %acum[%last] axis = 3 : (tensor<1x2x2x2xf32>, tensor<i64>) -> tensor<1x2x2xf32>
  %pad = tensor.concat dim(2) %zc, %g : (tensor<1x2x1xf32>, tensor<1x2x2xf32>) -> tensor<1x2x3xf32>
  %pr = seq.reshape %pad : tensor<1x2x3xf32> -> tensor<1x2x3x1xf32>
  %pb = seq.broadcast %pr : tensor<1x2x3x1xf32> -> tensor<1x2x3x3xf32>
  %q1 = seq.select %m31, %zero, %pb : (tensor<3x3xi1>, tensor<f32>, tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %qc = seq.cumsum %q1 axis = 2 : tensor<1x2x3x3xf32>
  %q2 = seq.select %m32, %ninf, %qc : (tensor<3x3xi1>, tensor<f32>, tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %qe = seq.exp %q2 : (tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %dc = seq.transpose %qe [0, 3, 2, 1] : tensor<1x2x3x3xf32> -> tensor<1x3x3x2xf32>
  %ns = seq.einsum "bzch,bzhpn->bchpn" %dc, %cat : (tensor<1x3x3x2xf32>, tensor<1x3x2x2x2xf32>) -> tensor<1x3x2x2x2xf32>
  %prev = tensor.extract_slice %ns[0, 0, 0, 0, 0] [1, 2, 2, 2, 2] [1, 1, 1, 1, 1] : tensor<1x3x2x2x2xf32> to tensor<1x2x2x2x2xf32>
  // Y_off: C times the entering state, times exp(Acum).
  %ea = seq.exp %acum : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %cst = seq.einsum "bclhn,bchpn->bclhp" %c, %prev : (tensor<1x2x2x2x2xf32>, tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  %et = seq.transpose %ea [0, 2, 3, 1] : tensor<1x2x2x2xf32> -> tensor<1x2x2x2xf32>
  %er = seq.reshape %et : tensor<1x2x2x2xf32> -> tensor<1x2x2x2x1xf32>
  %yo = seq.mul %cst, %er : (tensor<1x2x2x2x2xf32>, tensor<1x2x2x2x1xf32>) -> tensor<1x2x2x2x2xf32>
  %y = seq.add %yd, %yo : (tensor<1x2x2x2x2xf32>, tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  return %y : tensor<1x2x2x2x2xf32>
}

// -----

// Negative: the first segment-sum mask keeps the diagonal (j > i instead of
// j >= i is filled), so it is not exp(segsum(A)).
// CHECK-LABEL: func @bad_segsum_mask
// CHECK-NOT: seq.linear_scan
// CHECK: seq.einsum "bclsh,bcshp->bclhp"
func.func @bad_segsum_mask(%x: tensor<1x2x2x2x2xf32>, %b: tensor<1x2x2x2x2xf32>, %c: tensor<1x2x2x2x2xf32>, %a: tensor<1x2x2x2xf32>) -> tensor<1x2x2x2x2xf32> {
  %zero = arith.constant dense<0.000000e+00> : tensor<f32>
  %ninf = arith.constant dense<0xFF800000> : tensor<f32>
  %m1 = arith.constant dense<[[false, true], [false, false]]> : tensor<2x2xi1>
  %m2 = arith.constant dense<[[false, true], [false, false]]> : tensor<2x2xi1>
  %m31 = arith.constant dense<[[true, true, true], [false, true, true], [false, false, true]]> : tensor<3x3xi1>
  %m32 = arith.constant dense<[[false, true, true], [false, false, true], [false, false, false]]> : tensor<3x3xi1>
  %last = arith.constant dense<1> : tensor<i64>
  %zc = arith.constant dense<0.000000e+00> : tensor<1x2x1xf32>
  %s0 = arith.constant dense<0.000000e+00> : tensor<1x1x2x2x2xf32>
  %acum = seq.cumsum %a axis = 3 : tensor<1x2x2x2xf32>
  // Y_diag: C·B times exp(segsum(A)), times X.
  %r = seq.reshape %a : tensor<1x2x2x2xf32> -> tensor<1x2x2x2x1xf32>
  %bc = seq.broadcast %r : tensor<1x2x2x2x1xf32> -> tensor<1x2x2x2x2xf32>
  %s1 = seq.select %m1, %zero, %bc : (tensor<2x2xi1>, tensor<f32>, tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  %cs = seq.cumsum %s1 axis = 3 : tensor<1x2x2x2x2xf32>
  %s2 = seq.select %m2, %ninf, %cs : (tensor<2x2xi1>, tensor<f32>, tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  %L = seq.exp %s2 : (tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  %G = seq.einsum "bclhn,bcshn->bclsh" %c, %b : (tensor<1x2x2x2x2xf32>, tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  %Lp = seq.transpose %L [0, 2, 3, 4, 1] : tensor<1x2x2x2x2xf32> -> tensor<1x2x2x2x2xf32>
  %M = seq.mul %G, %Lp : (tensor<1x2x2x2x2xf32>, tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  %yd = seq.einsum "bclsh,bcshp->bclhp" %M, %x : (tensor<1x2x2x2x2xf32>, tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  // Chunk states: B·exp(Acum[-1] - Acum) times X.
  %al = tensor.extract_slice %acum[0, 0, 0, 1] [1, 2, 2, 1] [1, 1, 1, 1] : tensor<1x2x2x2xf32> to tensor<1x2x2x1xf32>
  %ds = seq.sub %al, %acum : (tensor<1x2x2x1xf32>, tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %de = seq.exp %ds : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %dt = seq.transpose %de [0, 2, 3, 1] : tensor<1x2x2x2xf32> -> tensor<1x2x2x2xf32>
  %dr = seq.reshape %dt : tensor<1x2x2x2xf32> -> tensor<1x2x2x2x1xf32>
  %bd = seq.mul %b, %dr : (tensor<1x2x2x2x2xf32>, tensor<1x2x2x2x1xf32>) -> tensor<1x2x2x2x2xf32>
  %st = seq.einsum "bclhn,bclhp->bchpn" %bd, %x : (tensor<1x2x2x2x2xf32>, tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  %cat = tensor.concat dim(1) %s0, %st : (tensor<1x1x2x2x2xf32>, tensor<1x2x2x2x2xf32>) -> tensor<1x3x2x2x2xf32>
  // Inter-chunk recurrence: exp(segsum(pad(Acum[..., -1]))).
  %g = seq.gather %acum[%last] axis = 3 : (tensor<1x2x2x2xf32>, tensor<i64>) -> tensor<1x2x2xf32>
  %pad = tensor.concat dim(2) %zc, %g : (tensor<1x2x1xf32>, tensor<1x2x2xf32>) -> tensor<1x2x3xf32>
  %pr = seq.reshape %pad : tensor<1x2x3xf32> -> tensor<1x2x3x1xf32>
  %pb = seq.broadcast %pr : tensor<1x2x3x1xf32> -> tensor<1x2x3x3xf32>
  %q1 = seq.select %m31, %zero, %pb : (tensor<3x3xi1>, tensor<f32>, tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %qc = seq.cumsum %q1 axis = 2 : tensor<1x2x3x3xf32>
  %q2 = seq.select %m32, %ninf, %qc : (tensor<3x3xi1>, tensor<f32>, tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %qe = seq.exp %q2 : (tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %dc = seq.transpose %qe [0, 3, 2, 1] : tensor<1x2x3x3xf32> -> tensor<1x3x3x2xf32>
  %ns = seq.einsum "bzch,bzhpn->bchpn" %dc, %cat : (tensor<1x3x3x2xf32>, tensor<1x3x2x2x2xf32>) -> tensor<1x3x2x2x2xf32>
  %prev = tensor.extract_slice %ns[0, 0, 0, 0, 0] [1, 2, 2, 2, 2] [1, 1, 1, 1, 1] : tensor<1x3x2x2x2xf32> to tensor<1x2x2x2x2xf32>
  // Y_off: C times the entering state, times exp(Acum).
  %ea = seq.exp %acum : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %cst = seq.einsum "bclhn,bchpn->bclhp" %c, %prev : (tensor<1x2x2x2x2xf32>, tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  %et = seq.transpose %ea [0, 2, 3, 1] : tensor<1x2x2x2xf32> -> tensor<1x2x2x2xf32>
  %er = seq.reshape %et : tensor<1x2x2x2xf32> -> tensor<1x2x2x2x1xf32>
  %yo = seq.mul %cst, %er : (tensor<1x2x2x2x2xf32>, tensor<1x2x2x2x1xf32>) -> tensor<1x2x2x2x2xf32>
  %y = seq.add %yd, %yo : (tensor<1x2x2x2x2xf32>, tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  return %y : tensor<1x2x2x2x2xf32>
}

// -----

// Negative: Y_off reads the chunk states with another C than Y_diag.
// CHECK-LABEL: func @other_c
// CHECK-NOT: seq.linear_scan
// CHECK: seq.einsum "bclsh,bcshp->bclhp"
func.func @other_c(%x: tensor<1x2x2x2x2xf32>, %b: tensor<1x2x2x2x2xf32>, %c: tensor<1x2x2x2x2xf32>, %a: tensor<1x2x2x2xf32>, %c2: tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32> {
  %zero = arith.constant dense<0.000000e+00> : tensor<f32>
  %ninf = arith.constant dense<0xFF800000> : tensor<f32>
  %m1 = arith.constant dense<[[true, true], [false, true]]> : tensor<2x2xi1>
  %m2 = arith.constant dense<[[false, true], [false, false]]> : tensor<2x2xi1>
  %m31 = arith.constant dense<[[true, true, true], [false, true, true], [false, false, true]]> : tensor<3x3xi1>
  %m32 = arith.constant dense<[[false, true, true], [false, false, true], [false, false, false]]> : tensor<3x3xi1>
  %last = arith.constant dense<1> : tensor<i64>
  %zc = arith.constant dense<0.000000e+00> : tensor<1x2x1xf32>
  %s0 = arith.constant dense<0.000000e+00> : tensor<1x1x2x2x2xf32>
  %acum = seq.cumsum %a axis = 3 : tensor<1x2x2x2xf32>
  // Y_diag: C·B times exp(segsum(A)), times X.
  %r = seq.reshape %a : tensor<1x2x2x2xf32> -> tensor<1x2x2x2x1xf32>
  %bc = seq.broadcast %r : tensor<1x2x2x2x1xf32> -> tensor<1x2x2x2x2xf32>
  %s1 = seq.select %m1, %zero, %bc : (tensor<2x2xi1>, tensor<f32>, tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  %cs = seq.cumsum %s1 axis = 3 : tensor<1x2x2x2x2xf32>
  %s2 = seq.select %m2, %ninf, %cs : (tensor<2x2xi1>, tensor<f32>, tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  %L = seq.exp %s2 : (tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  %G = seq.einsum "bclhn,bcshn->bclsh" %c, %b : (tensor<1x2x2x2x2xf32>, tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  %Lp = seq.transpose %L [0, 2, 3, 4, 1] : tensor<1x2x2x2x2xf32> -> tensor<1x2x2x2x2xf32>
  %M = seq.mul %G, %Lp : (tensor<1x2x2x2x2xf32>, tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  %yd = seq.einsum "bclsh,bcshp->bclhp" %M, %x : (tensor<1x2x2x2x2xf32>, tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  // Chunk states: B·exp(Acum[-1] - Acum) times X.
  %al = tensor.extract_slice %acum[0, 0, 0, 1] [1, 2, 2, 1] [1, 1, 1, 1] : tensor<1x2x2x2xf32> to tensor<1x2x2x1xf32>
  %ds = seq.sub %al, %acum : (tensor<1x2x2x1xf32>, tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %de = seq.exp %ds : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %dt = seq.transpose %de [0, 2, 3, 1] : tensor<1x2x2x2xf32> -> tensor<1x2x2x2xf32>
  %dr = seq.reshape %dt : tensor<1x2x2x2xf32> -> tensor<1x2x2x2x1xf32>
  %bd = seq.mul %b, %dr : (tensor<1x2x2x2x2xf32>, tensor<1x2x2x2x1xf32>) -> tensor<1x2x2x2x2xf32>
  %st = seq.einsum "bclhn,bclhp->bchpn" %bd, %x : (tensor<1x2x2x2x2xf32>, tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  %cat = tensor.concat dim(1) %s0, %st : (tensor<1x1x2x2x2xf32>, tensor<1x2x2x2x2xf32>) -> tensor<1x3x2x2x2xf32>
  // Inter-chunk recurrence: exp(segsum(pad(Acum[..., -1]))).
  %g = seq.gather %acum[%last] axis = 3 : (tensor<1x2x2x2xf32>, tensor<i64>) -> tensor<1x2x2xf32>
  %pad = tensor.concat dim(2) %zc, %g : (tensor<1x2x1xf32>, tensor<1x2x2xf32>) -> tensor<1x2x3xf32>
  %pr = seq.reshape %pad : tensor<1x2x3xf32> -> tensor<1x2x3x1xf32>
  %pb = seq.broadcast %pr : tensor<1x2x3x1xf32> -> tensor<1x2x3x3xf32>
  %q1 = seq.select %m31, %zero, %pb : (tensor<3x3xi1>, tensor<f32>, tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %qc = seq.cumsum %q1 axis = 2 : tensor<1x2x3x3xf32>
  %q2 = seq.select %m32, %ninf, %qc : (tensor<3x3xi1>, tensor<f32>, tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %qe = seq.exp %q2 : (tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %dc = seq.transpose %qe [0, 3, 2, 1] : tensor<1x2x3x3xf32> -> tensor<1x3x3x2xf32>
  %ns = seq.einsum "bzch,bzhpn->bchpn" %dc, %cat : (tensor<1x3x3x2xf32>, tensor<1x3x2x2x2xf32>) -> tensor<1x3x2x2x2xf32>
  %prev = tensor.extract_slice %ns[0, 0, 0, 0, 0] [1, 2, 2, 2, 2] [1, 1, 1, 1, 1] : tensor<1x3x2x2x2xf32> to tensor<1x2x2x2x2xf32>
  // Y_off: C times the entering state, times exp(Acum).
  %ea = seq.exp %acum : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %cst = seq.einsum "bclhn,bchpn->bclhp" %c2, %prev : (tensor<1x2x2x2x2xf32>, tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  %et = seq.transpose %ea [0, 2, 3, 1] : tensor<1x2x2x2xf32> -> tensor<1x2x2x2xf32>
  %er = seq.reshape %et : tensor<1x2x2x2xf32> -> tensor<1x2x2x2x1xf32>
  %yo = seq.mul %cst, %er : (tensor<1x2x2x2x2xf32>, tensor<1x2x2x2x1xf32>) -> tensor<1x2x2x2x2xf32>
  %y = seq.add %yd, %yo : (tensor<1x2x2x2x2xf32>, tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  return %y : tensor<1x2x2x2x2xf32>
}
