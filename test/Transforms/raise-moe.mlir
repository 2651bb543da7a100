// RUN: seq-opt %s --split-input-file --seq-raise | FileCheck %s

// transformers' batched_mm experts (qwen3_moe's spelling, smaller).
// CHECK-LABEL: func @batched_swiglu
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>, %[[L:.*]]: tensor<4x4xf32>, %[[UP:.*]]: tensor<4x12x8xf32>, %[[DOWN:.*]]: tensor<4x8x6xf32>)
// CHECK: %[[W:.*]], %[[I:.*]] = seq.moe_gate %[[L]] k = 2 : tensor<4x4xf32> -> tensor<4x2xf32>, tensor<4x2xi64>
// CHECK: %[[R:.*]] = seq.moe %[[X]], %[[W]], %[[I]] experts(%[[UP]], %[[DOWN]]) activation = swiglu : (tensor<4x8xf32>, tensor<4x2xf32>, tensor<4x2xi64>, tensor<4x12x8xf32>, tensor<4x8x6xf32>) -> tensor<4x8xf32>
// CHECK-NOT: seq.
// CHECK: return %[[R]]
func.func @batched_swiglu(%x: tensor<4x8xf32>, %logits: tensor<4x4xf32>, %up: tensor<4x12x8xf32>, %down: tensor<4x8x6xf32>) -> tensor<4x8xf32> {
  %p = seq.softmax %logits axis = 1 : tensor<4x4xf32>
  %v, %i = seq.topk %p k = 2 axis = 1 largest : tensor<4x4xf32> -> tensor<4x2xf32>, tensor<4x2xi64>
  %x1 = seq.reshape %x : tensor<4x8xf32> -> tensor<4x1x8xf32>
  %xb = seq.broadcast %x1 : tensor<4x1x8xf32> -> tensor<4x2x8xf32>
  %xr = seq.reshape %xb : tensor<4x2x8xf32> -> tensor<8x8xf32>
  %w1 = seq.reshape %v : tensor<4x2xf32> -> tensor<8xf32>
  %i1 = seq.reshape %i : tensor<4x2xi64> -> tensor<8xi64>
  %i2d = seq.reshape %i1 : tensor<8xi64> -> tensor<8x1xi64>
  %gu = seq.gather_nd %up[%i2d] : (tensor<4x12x8xf32>, tensor<8x1xi64>) -> tensor<8x12x8xf32>
  %xc = seq.reshape %xr : tensor<8x8xf32> -> tensor<8x8x1xf32>
  %u3 = seq.matmul %gu, %xc : (tensor<8x12x8xf32>, tensor<8x8x1xf32>) -> tensor<8x12x1xf32>
  %u = seq.reshape %u3 : tensor<8x12x1xf32> -> tensor<8x12xf32>
  %g = tensor.extract_slice %u[0, 0] [8, 6] [1, 1] : tensor<8x12xf32> to tensor<8x6xf32>
  %uu = tensor.extract_slice %u[0, 6] [8, 6] [1, 1] : tensor<8x12xf32> to tensor<8x6xf32>
  %h = seq.swiglu %g, %uu : (tensor<8x6xf32>, tensor<8x6xf32>) -> tensor<8x6xf32>
  %gd = seq.gather_nd %down[%i2d] : (tensor<4x8x6xf32>, tensor<8x1xi64>) -> tensor<8x8x6xf32>
  %hc = seq.reshape %h : tensor<8x6xf32> -> tensor<8x6x1xf32>
  %y3 = seq.matmul %gd, %hc : (tensor<8x8x6xf32>, tensor<8x6x1xf32>) -> tensor<8x8x1xf32>
  %y = seq.reshape %y3 : tensor<8x8x1xf32> -> tensor<8x8xf32>
  %wc = seq.reshape %w1 : tensor<8xf32> -> tensor<8x1xf32>
  %yw = seq.mul %y, %wc : (tensor<8x8xf32>, tensor<8x1xf32>) -> tensor<8x8xf32>
  %y3d = seq.reshape %yw : tensor<8x8xf32> -> tensor<4x2x8xf32>
  %out = seq.reduce sum %y3d axes = [1] : tensor<4x2x8xf32> -> tensor<4x8xf32>
  return %out : tensor<4x8xf32>
}

// -----

// Renormalised top-k weights (norm_topk_prob, Mixtral) and GELU experts.
// CHECK-LABEL: func @batched_renorm_gelu
// CHECK: seq.moe_gate %{{.*}} k = 2 normalize
// CHECK: seq.moe %{{.*}} activation = gelu :
// CHECK-NOT: seq.gather_nd
func.func @batched_renorm_gelu(%x: tensor<4x8xf32>, %logits: tensor<4x4xf32>, %up: tensor<4x6x8xf32>, %down: tensor<4x8x6xf32>) -> tensor<4x8xf32> {
  %p = seq.softmax %logits axis = 1 : tensor<4x4xf32>
  %v, %i = seq.topk %p k = 2 axis = 1 largest : tensor<4x4xf32> -> tensor<4x2xf32>, tensor<4x2xi64>
  %s = seq.reduce sum %v axes = [1] keep_dims : tensor<4x2xf32> -> tensor<4x1xf32>
  %vn = seq.div %v, %s : (tensor<4x2xf32>, tensor<4x1xf32>) -> tensor<4x2xf32>
  %x1 = seq.reshape %x : tensor<4x8xf32> -> tensor<4x1x8xf32>
  %xb = seq.broadcast %x1 : tensor<4x1x8xf32> -> tensor<4x2x8xf32>
  %xr = seq.reshape %xb : tensor<4x2x8xf32> -> tensor<8x8xf32>
  %w1 = seq.reshape %vn : tensor<4x2xf32> -> tensor<8xf32>
  %i1 = seq.reshape %i : tensor<4x2xi64> -> tensor<8xi64>
  %i2d = seq.reshape %i1 : tensor<8xi64> -> tensor<8x1xi64>
  %gu = seq.gather_nd %up[%i2d] : (tensor<4x6x8xf32>, tensor<8x1xi64>) -> tensor<8x6x8xf32>
  %xc = seq.reshape %xr : tensor<8x8xf32> -> tensor<8x8x1xf32>
  %u3 = seq.matmul %gu, %xc : (tensor<8x6x8xf32>, tensor<8x8x1xf32>) -> tensor<8x6x1xf32>
  %u = seq.reshape %u3 : tensor<8x6x1xf32> -> tensor<8x6xf32>
  %h = seq.gelu %u : (tensor<8x6xf32>) -> tensor<8x6xf32>
  %gd = seq.gather_nd %down[%i2d] : (tensor<4x8x6xf32>, tensor<8x1xi64>) -> tensor<8x8x6xf32>
  %hc = seq.reshape %h : tensor<8x6xf32> -> tensor<8x6x1xf32>
  %y3 = seq.matmul %gd, %hc : (tensor<8x8x6xf32>, tensor<8x6x1xf32>) -> tensor<8x8x1xf32>
  %y = seq.reshape %y3 : tensor<8x8x1xf32> -> tensor<8x8xf32>
  %wc = seq.reshape %w1 : tensor<8xf32> -> tensor<8x1xf32>
  %yw = seq.mul %y, %wc : (tensor<8x8xf32>, tensor<8x1xf32>) -> tensor<8x8xf32>
  %y3d = seq.reshape %yw : tensor<8x8xf32> -> tensor<4x2x8xf32>
  %out = seq.reduce sum %y3d axes = [1] : tensor<4x2x8xf32> -> tensor<4x8xf32>
  return %out : tensor<4x8xf32>
}

// -----

// Top-k of something other than a softmax: the topk stays, seq.moe takes
// its values and indices.
// CHECK-LABEL: func @batched_sigmoid_router
// CHECK: %[[V:.*]], %[[I:.*]] = seq.topk
// CHECK-NOT: seq.moe_gate
// CHECK: seq.moe %{{.*}}, %[[V]], %[[I]] experts
// CHECK-NOT: seq.gather_nd
func.func @batched_sigmoid_router(%x: tensor<4x8xf32>, %logits: tensor<4x4xf32>, %up: tensor<4x12x8xf32>, %down: tensor<4x8x6xf32>) -> tensor<4x8xf32> {
  %p = seq.sigmoid %logits : (tensor<4x4xf32>) -> tensor<4x4xf32>
  %v, %i = seq.topk %p k = 2 axis = 1 largest : tensor<4x4xf32> -> tensor<4x2xf32>, tensor<4x2xi64>
  %x1 = seq.reshape %x : tensor<4x8xf32> -> tensor<4x1x8xf32>
  %xb = seq.broadcast %x1 : tensor<4x1x8xf32> -> tensor<4x2x8xf32>
  %xr = seq.reshape %xb : tensor<4x2x8xf32> -> tensor<8x8xf32>
  %w1 = seq.reshape %v : tensor<4x2xf32> -> tensor<8xf32>
  %i1 = seq.reshape %i : tensor<4x2xi64> -> tensor<8xi64>
  %i2d = seq.reshape %i1 : tensor<8xi64> -> tensor<8x1xi64>
  %gu = seq.gather_nd %up[%i2d] : (tensor<4x12x8xf32>, tensor<8x1xi64>) -> tensor<8x12x8xf32>
  %xc = seq.reshape %xr : tensor<8x8xf32> -> tensor<8x8x1xf32>
  %u3 = seq.matmul %gu, %xc : (tensor<8x12x8xf32>, tensor<8x8x1xf32>) -> tensor<8x12x1xf32>
  %u = seq.reshape %u3 : tensor<8x12x1xf32> -> tensor<8x12xf32>
  %g = tensor.extract_slice %u[0, 0] [8, 6] [1, 1] : tensor<8x12xf32> to tensor<8x6xf32>
  %uu = tensor.extract_slice %u[0, 6] [8, 6] [1, 1] : tensor<8x12xf32> to tensor<8x6xf32>
  %h = seq.swiglu %g, %uu : (tensor<8x6xf32>, tensor<8x6xf32>) -> tensor<8x6xf32>
  %gd = seq.gather_nd %down[%i2d] : (tensor<4x8x6xf32>, tensor<8x1xi64>) -> tensor<8x8x6xf32>
  %hc = seq.reshape %h : tensor<8x6xf32> -> tensor<8x6x1xf32>
  %y3 = seq.matmul %gd, %hc : (tensor<8x8x6xf32>, tensor<8x6x1xf32>) -> tensor<8x8x1xf32>
  %y = seq.reshape %y3 : tensor<8x8x1xf32> -> tensor<8x8xf32>
  %wc = seq.reshape %w1 : tensor<8xf32> -> tensor<8x1xf32>
  %yw = seq.mul %y, %wc : (tensor<8x8xf32>, tensor<8x1xf32>) -> tensor<8x8xf32>
  %y3d = seq.reshape %yw : tensor<8x8xf32> -> tensor<4x2x8xf32>
  %out = seq.reduce sum %y3d axes = [1] : tensor<4x2x8xf32> -> tensor<4x8xf32>
  return %out : tensor<4x8xf32>
}

// -----

// Negative: weights of one topk, experts of another: generic lowering.
// CHECK-LABEL: func @other_topk
// CHECK-NOT: seq.moe
// CHECK: seq.gather_nd
func.func @other_topk(%x: tensor<4x8xf32>, %logits: tensor<4x4xf32>, %up: tensor<4x12x8xf32>, %down: tensor<4x8x6xf32>, %logits2: tensor<4x4xf32>) -> tensor<4x8xf32> {
  %p = seq.softmax %logits axis = 1 : tensor<4x4xf32>
  %v, %i = seq.topk %p k = 2 axis = 1 largest : tensor<4x4xf32> -> tensor<4x2xf32>, tensor<4x2xi64>
  %v2, %i2 = seq.topk %logits2 k = 2 axis = 1 largest : tensor<4x4xf32> -> tensor<4x2xf32>, tensor<4x2xi64>
  %x1 = seq.reshape %x : tensor<4x8xf32> -> tensor<4x1x8xf32>
  %xb = seq.broadcast %x1 : tensor<4x1x8xf32> -> tensor<4x2x8xf32>
  %xr = seq.reshape %xb : tensor<4x2x8xf32> -> tensor<8x8xf32>
  %w1 = seq.reshape %v : tensor<4x2xf32> -> tensor<8xf32>
  %i1 = seq.reshape %i2 : tensor<4x2xi64> -> tensor<8xi64>
  %i2d = seq.reshape %i1 : tensor<8xi64> -> tensor<8x1xi64>
  %gu = seq.gather_nd %up[%i2d] : (tensor<4x12x8xf32>, tensor<8x1xi64>) -> tensor<8x12x8xf32>
  %xc = seq.reshape %xr : tensor<8x8xf32> -> tensor<8x8x1xf32>
  %u3 = seq.matmul %gu, %xc : (tensor<8x12x8xf32>, tensor<8x8x1xf32>) -> tensor<8x12x1xf32>
  %u = seq.reshape %u3 : tensor<8x12x1xf32> -> tensor<8x12xf32>
  %g = tensor.extract_slice %u[0, 0] [8, 6] [1, 1] : tensor<8x12xf32> to tensor<8x6xf32>
  %uu = tensor.extract_slice %u[0, 6] [8, 6] [1, 1] : tensor<8x12xf32> to tensor<8x6xf32>
  %h = seq.swiglu %g, %uu : (tensor<8x6xf32>, tensor<8x6xf32>) -> tensor<8x6xf32>
  %gd = seq.gather_nd %down[%i2d] : (tensor<4x8x6xf32>, tensor<8x1xi64>) -> tensor<8x8x6xf32>
  %hc = seq.reshape %h : tensor<8x6xf32> -> tensor<8x6x1xf32>
  %y3 = seq.matmul %gd, %hc : (tensor<8x8x6xf32>, tensor<8x6x1xf32>) -> tensor<8x8x1xf32>
  %y = seq.reshape %y3 : tensor<8x8x1xf32> -> tensor<8x8xf32>
  %wc = seq.reshape %w1 : tensor<8xf32> -> tensor<8x1xf32>
  %yw = seq.mul %y, %wc : (tensor<8x8xf32>, tensor<8x1xf32>) -> tensor<8x8xf32>
  %y3d = seq.reshape %yw : tensor<8x8xf32> -> tensor<4x2x8xf32>
  %out = seq.reduce sum %y3d axes = [1] : tensor<4x2x8xf32> -> tensor<4x8xf32>
  return %out : tensor<4x8xf32>
}

// -----

// Negative: swiglu of the same half twice is not a gate/up split.
// CHECK-LABEL: func @bad_halves
// CHECK-NOT: seq.moe
// CHECK: seq.gather_nd
func.func @bad_halves(%x: tensor<4x8xf32>, %logits: tensor<4x4xf32>, %up: tensor<4x12x8xf32>, %down: tensor<4x8x6xf32>) -> tensor<4x8xf32> {
  %p = seq.softmax %logits axis = 1 : tensor<4x4xf32>
  %v, %i = seq.topk %p k = 2 axis = 1 largest : tensor<4x4xf32> -> tensor<4x2xf32>, tensor<4x2xi64>
  %x1 = seq.reshape %x : tensor<4x8xf32> -> tensor<4x1x8xf32>
  %xb = seq.broadcast %x1 : tensor<4x1x8xf32> -> tensor<4x2x8xf32>
  %xr = seq.reshape %xb : tensor<4x2x8xf32> -> tensor<8x8xf32>
  %w1 = seq.reshape %v : tensor<4x2xf32> -> tensor<8xf32>
  %i1 = seq.reshape %i : tensor<4x2xi64> -> tensor<8xi64>
  %i2d = seq.reshape %i1 : tensor<8xi64> -> tensor<8x1xi64>
  %gu = seq.gather_nd %up[%i2d] : (tensor<4x12x8xf32>, tensor<8x1xi64>) -> tensor<8x12x8xf32>
  %xc = seq.reshape %xr : tensor<8x8xf32> -> tensor<8x8x1xf32>
  %u3 = seq.matmul %gu, %xc : (tensor<8x12x8xf32>, tensor<8x8x1xf32>) -> tensor<8x12x1xf32>
  %u = seq.reshape %u3 : tensor<8x12x1xf32> -> tensor<8x12xf32>
  %g = tensor.extract_slice %u[0, 0] [8, 6] [1, 1] : tensor<8x12xf32> to tensor<8x6xf32>
  %uu = tensor.extract_slice %u[0, 0] [8, 6] [1, 1] : tensor<8x12xf32> to tensor<8x6xf32>
  %h = seq.swiglu %g, %uu : (tensor<8x6xf32>, tensor<8x6xf32>) -> tensor<8x6xf32>
  %gd = seq.gather_nd %down[%i2d] : (tensor<4x8x6xf32>, tensor<8x1xi64>) -> tensor<8x8x6xf32>
  %hc = seq.reshape %h : tensor<8x6xf32> -> tensor<8x6x1xf32>
  %y3 = seq.matmul %gd, %hc : (tensor<8x8x6xf32>, tensor<8x6x1xf32>) -> tensor<8x8x1xf32>
  %y = seq.reshape %y3 : tensor<8x8x1xf32> -> tensor<8x8xf32>
  %wc = seq.reshape %w1 : tensor<8xf32> -> tensor<8x1xf32>
  %yw = seq.mul %y, %wc : (tensor<8x8xf32>, tensor<8x1xf32>) -> tensor<8x8xf32>
  %y3d = seq.reshape %yw : tensor<8x8xf32> -> tensor<4x2x8xf32>
  %out = seq.reduce sum %y3d axes = [1] : tensor<4x2x8xf32> -> tensor<4x8xf32>
  return %out : tensor<4x8xf32>
}

// -----

// Dense one-hot/Where routing: every expert on every token, combined with
// Where(Equal(indices, arange(E)), w, 0); in x out weights become views.
// CHECK-LABEL: func @dense_where
// CHECK-SAME: (%[[X:.*]]: tensor<5x16xf32>, %[[R:.*]]: tensor<16x4xf32>, %[[UP:.*]]: tensor<4x16x16xf32>, %[[DOWN:.*]]: tensor<4x8x16xf32>)
// CHECK-DAG: %[[UPT:.*]] = seq.transpose %[[UP]] [0, 2, 1] : tensor<4x16x16xf32> -> tensor<4x16x16xf32>
// CHECK-DAG: %[[DOWNT:.*]] = seq.transpose %[[DOWN]] [0, 2, 1] : tensor<4x8x16xf32> -> tensor<4x16x8xf32>
// CHECK-DAG: %[[L:.*]] = seq.matmul %[[X]], %[[R]]
// CHECK: %[[W:.*]], %[[I:.*]] = seq.moe_gate %[[L]] k = 2
// CHECK: seq.moe %{{.*}}, %[[W]], %[[I]] experts(%[[UPT]], %[[DOWNT]]) activation = swiglu
// CHECK-NOT: seq.select
func.func @dense_where(%x: tensor<5x16xf32>, %router: tensor<16x4xf32>, %wup: tensor<4x16x16xf32>, %wdown: tensor<4x8x16xf32>) -> tensor<5x16xf32> {
  %iota = arith.constant dense<[0, 1, 2, 3]> : tensor<4xi64>
  %zero = arith.constant dense<0.000000e+00> : tensor<f32>
  %1 = seq.matmul %x, %router : (tensor<5x16xf32>, tensor<16x4xf32>) -> tensor<5x4xf32>
  %2 = seq.softmax %1 axis = 1 : tensor<5x4xf32>
  %values, %indices = seq.topk %2 k = 2 axis = 1 largest : tensor<5x4xf32> -> tensor<5x2xf32>, tensor<5x2xi64>
  %3 = seq.reshape %values : tensor<5x2xf32> -> tensor<5x2x1xf32>
  %4 = seq.reshape %indices : tensor<5x2xi64> -> tensor<5x2x1xi64>
  %5 = seq.equal %4, %iota : (tensor<5x2x1xi64>, tensor<4xi64>) -> tensor<5x2x4xi1>
  %6 = seq.select %5, %3, %zero : (tensor<5x2x4xi1>, tensor<5x2x1xf32>, tensor<f32>) -> tensor<5x2x4xf32>
  %7 = seq.reduce sum %6 axes = [1] : tensor<5x2x4xf32> -> tensor<5x4xf32>
  %8 = seq.transpose %7 [1, 0] : tensor<5x4xf32> -> tensor<4x5xf32>
  %9 = seq.reshape %8 : tensor<4x5xf32> -> tensor<4x5x1xf32>
  %10 = seq.reshape %x : tensor<5x16xf32> -> tensor<1x5x16xf32>
  %11 = seq.matmul %10, %wup : (tensor<1x5x16xf32>, tensor<4x16x16xf32>) -> tensor<4x5x16xf32>
  %s0 = tensor.extract_slice %11[0, 0, 0] [4, 5, 8] [1, 1, 1] : tensor<4x5x16xf32> to tensor<4x5x8xf32>
  %s1 = tensor.extract_slice %11[0, 0, 8] [4, 5, 8] [1, 1, 1] : tensor<4x5x16xf32> to tensor<4x5x8xf32>
  %12 = seq.swiglu %s0, %s1 : (tensor<4x5x8xf32>, tensor<4x5x8xf32>) -> tensor<4x5x8xf32>
  %13 = seq.matmul %12, %wdown : (tensor<4x5x8xf32>, tensor<4x8x16xf32>) -> tensor<4x5x16xf32>
  %14 = seq.mul %13, %9 : (tensor<4x5x16xf32>, tensor<4x5x1xf32>) -> tensor<4x5x16xf32>
  %15 = seq.reduce sum %14 axes = [0] : tensor<4x5x16xf32> -> tensor<5x16xf32>
  return %15 : tensor<5x16xf32>
}

// -----

// Negative: the mask compares against a permuted arange: generic lowering.
// CHECK-LABEL: func @dense_permuted_iota
// CHECK-NOT: seq.moe
// CHECK: seq.select
func.func @dense_permuted_iota(%x: tensor<5x16xf32>, %router: tensor<16x4xf32>, %wup: tensor<4x16x16xf32>, %wdown: tensor<4x8x16xf32>) -> tensor<5x16xf32> {
  %iota = arith.constant dense<[0, 2, 1, 3]> : tensor<4xi64>
  %zero = arith.constant dense<0.000000e+00> : tensor<f32>
  %1 = seq.matmul %x, %router : (tensor<5x16xf32>, tensor<16x4xf32>) -> tensor<5x4xf32>
  %2 = seq.softmax %1 axis = 1 : tensor<5x4xf32>
  %values, %indices = seq.topk %2 k = 2 axis = 1 largest : tensor<5x4xf32> -> tensor<5x2xf32>, tensor<5x2xi64>
  %3 = seq.reshape %values : tensor<5x2xf32> -> tensor<5x2x1xf32>
  %4 = seq.reshape %indices : tensor<5x2xi64> -> tensor<5x2x1xi64>
  %5 = seq.equal %4, %iota : (tensor<5x2x1xi64>, tensor<4xi64>) -> tensor<5x2x4xi1>
  %6 = seq.select %5, %3, %zero : (tensor<5x2x4xi1>, tensor<5x2x1xf32>, tensor<f32>) -> tensor<5x2x4xf32>
  %7 = seq.reduce sum %6 axes = [1] : tensor<5x2x4xf32> -> tensor<5x4xf32>
  %8 = seq.transpose %7 [1, 0] : tensor<5x4xf32> -> tensor<4x5xf32>
  %9 = seq.reshape %8 : tensor<4x5xf32> -> tensor<4x5x1xf32>
  %10 = seq.reshape %x : tensor<5x16xf32> -> tensor<1x5x16xf32>
  %11 = seq.matmul %10, %wup : (tensor<1x5x16xf32>, tensor<4x16x16xf32>) -> tensor<4x5x16xf32>
  %s0 = tensor.extract_slice %11[0, 0, 0] [4, 5, 8] [1, 1, 1] : tensor<4x5x16xf32> to tensor<4x5x8xf32>
  %s1 = tensor.extract_slice %11[0, 0, 8] [4, 5, 8] [1, 1, 1] : tensor<4x5x16xf32> to tensor<4x5x8xf32>
  %12 = seq.swiglu %s0, %s1 : (tensor<4x5x8xf32>, tensor<4x5x8xf32>) -> tensor<4x5x8xf32>
  %13 = seq.matmul %12, %wdown : (tensor<4x5x8xf32>, tensor<4x8x16xf32>) -> tensor<4x5x16xf32>
  %14 = seq.mul %13, %9 : (tensor<4x5x16xf32>, tensor<4x5x1xf32>) -> tensor<4x5x16xf32>
  %15 = seq.reduce sum %14 axes = [0] : tensor<4x5x16xf32> -> tensor<5x16xf32>
  return %15 : tensor<5x16xf32>
}

// -----

// Per-expert chains with their own weights, each scaled by its column of
// the one-hot combine and added up: the weights are stacked at compile time.
// CHECK-LABEL: func @per_expert_chains
// CHECK-DAG: %[[UP:.*]] = arith.constant dense_resource<moe_stacked_up{{.*}}> : tensor<2x8x8xf32>
// CHECK-DAG: %[[DOWN:.*]] = arith.constant dense_resource<moe_stacked_down{{.*}}> : tensor<2x4x8xf32>
// CHECK-DAG: %[[UPT:.*]] = seq.transpose %[[UP]] [0, 2, 1] : tensor<2x8x8xf32> -> tensor<2x8x8xf32>
// CHECK-DAG: %[[DOWNT:.*]] = seq.transpose %[[DOWN]] [0, 2, 1] : tensor<2x4x8xf32> -> tensor<2x8x4xf32>
// CHECK: %[[W:.*]], %[[I:.*]] = seq.moe_gate %{{.*}} k = 1
// CHECK: seq.moe %{{.*}}, %[[W]], %[[I]] experts(%[[UPT]], %[[DOWNT]]) activation = swiglu
// CHECK-NOT: seq.select
func.func @per_expert_chains(%x: tensor<3x8xf32>, %router: tensor<8x2xf32>) -> tensor<3x8xf32> {
  %iota = arith.constant dense<[0, 1]> : tensor<2xi64>
  %zero = arith.constant dense<0.000000e+00> : tensor<f32>
  %l = seq.matmul %x, %router : (tensor<3x8xf32>, tensor<8x2xf32>) -> tensor<3x2xf32>
  %p = seq.softmax %l axis = 1 : tensor<3x2xf32>
  %v, %i = seq.topk %p k = 1 axis = 1 largest : tensor<3x2xf32> -> tensor<3x1xf32>, tensor<3x1xi64>
  %v3 = seq.reshape %v : tensor<3x1xf32> -> tensor<3x1x1xf32>
  %i3 = seq.reshape %i : tensor<3x1xi64> -> tensor<3x1x1xi64>
  %m = seq.equal %i3, %iota : (tensor<3x1x1xi64>, tensor<2xi64>) -> tensor<3x1x2xi1>
  %s = seq.select %m, %v3, %zero : (tensor<3x1x2xi1>, tensor<3x1x1xf32>, tensor<f32>) -> tensor<3x1x2xf32>
  %c = seq.reduce sum %s axes = [1] : tensor<3x1x2xf32> -> tensor<3x2xf32>
  %g0w = arith.constant dense<1.000000e-01> : tensor<8x4xf32>
  %u0w = arith.constant dense<5.000000e-02> : tensor<8x4xf32>
  %d0w = arith.constant dense<3.333333e-02> : tensor<4x8xf32>
  %c0 = tensor.extract_slice %c[0, 0] [3, 1] [1, 1] : tensor<3x2xf32> to tensor<3x1xf32>
  %g0 = seq.matmul %x, %g0w : (tensor<3x8xf32>, tensor<8x4xf32>) -> tensor<3x4xf32>
  %u0 = seq.matmul %x, %u0w : (tensor<3x8xf32>, tensor<8x4xf32>) -> tensor<3x4xf32>
  %a0 = seq.swiglu %g0, %u0 : (tensor<3x4xf32>, tensor<3x4xf32>) -> tensor<3x4xf32>
  %y0 = seq.matmul %a0, %d0w : (tensor<3x4xf32>, tensor<4x8xf32>) -> tensor<3x8xf32>
  %t0 = seq.mul %y0, %c0 : (tensor<3x8xf32>, tensor<3x1xf32>) -> tensor<3x8xf32>
  %g1w = arith.constant dense<2.000000e-01> : tensor<8x4xf32>
  %u1w = arith.constant dense<1.000000e-01> : tensor<8x4xf32>
  %d1w = arith.constant dense<6.666667e-02> : tensor<4x8xf32>
  %c1 = tensor.extract_slice %c[0, 1] [3, 1] [1, 1] : tensor<3x2xf32> to tensor<3x1xf32>
  %g1 = seq.matmul %x, %g1w : (tensor<3x8xf32>, tensor<8x4xf32>) -> tensor<3x4xf32>
  %u1 = seq.matmul %x, %u1w : (tensor<3x8xf32>, tensor<8x4xf32>) -> tensor<3x4xf32>
  %a1 = seq.swiglu %g1, %u1 : (tensor<3x4xf32>, tensor<3x4xf32>) -> tensor<3x4xf32>
  %y1 = seq.matmul %a1, %d1w : (tensor<3x4xf32>, tensor<4x8xf32>) -> tensor<3x8xf32>
  %t1 = seq.mul %y1, %c1 : (tensor<3x8xf32>, tensor<3x1xf32>) -> tensor<3x8xf32>
  %out = seq.add %t0, %t1 : (tensor<3x8xf32>, tensor<3x8xf32>) -> tensor<3x8xf32>
  return %out : tensor<3x8xf32>
}

// -----

// Negative: both terms scaled by column 0: not a mixture.
// CHECK-LABEL: func @same_column_twice
// CHECK-NOT: seq.moe
// CHECK: seq.select
func.func @same_column_twice(%x: tensor<3x8xf32>, %router: tensor<8x2xf32>) -> tensor<3x8xf32> {
  %iota = arith.constant dense<[0, 1]> : tensor<2xi64>
  %zero = arith.constant dense<0.000000e+00> : tensor<f32>
  %l = seq.matmul %x, %router : (tensor<3x8xf32>, tensor<8x2xf32>) -> tensor<3x2xf32>
  %p = seq.softmax %l axis = 1 : tensor<3x2xf32>
  %v, %i = seq.topk %p k = 1 axis = 1 largest : tensor<3x2xf32> -> tensor<3x1xf32>, tensor<3x1xi64>
  %v3 = seq.reshape %v : tensor<3x1xf32> -> tensor<3x1x1xf32>
  %i3 = seq.reshape %i : tensor<3x1xi64> -> tensor<3x1x1xi64>
  %m = seq.equal %i3, %iota : (tensor<3x1x1xi64>, tensor<2xi64>) -> tensor<3x1x2xi1>
  %s = seq.select %m, %v3, %zero : (tensor<3x1x2xi1>, tensor<3x1x1xf32>, tensor<f32>) -> tensor<3x1x2xf32>
  %c = seq.reduce sum %s axes = [1] : tensor<3x1x2xf32> -> tensor<3x2xf32>
  %g0w = arith.constant dense<1.000000e-01> : tensor<8x4xf32>
  %u0w = arith.constant dense<5.000000e-02> : tensor<8x4xf32>
  %d0w = arith.constant dense<3.333333e-02> : tensor<4x8xf32>
  %c0 = tensor.extract_slice %c[0, 0] [3, 1] [1, 1] : tensor<3x2xf32> to tensor<3x1xf32>
  %g0 = seq.matmul %x, %g0w : (tensor<3x8xf32>, tensor<8x4xf32>) -> tensor<3x4xf32>
  %u0 = seq.matmul %x, %u0w : (tensor<3x8xf32>, tensor<8x4xf32>) -> tensor<3x4xf32>
  %a0 = seq.swiglu %g0, %u0 : (tensor<3x4xf32>, tensor<3x4xf32>) -> tensor<3x4xf32>
  %y0 = seq.matmul %a0, %d0w : (tensor<3x4xf32>, tensor<4x8xf32>) -> tensor<3x8xf32>
  %t0 = seq.mul %y0, %c0 : (tensor<3x8xf32>, tensor<3x1xf32>) -> tensor<3x8xf32>
  %g1w = arith.constant dense<2.000000e-01> : tensor<8x4xf32>
  %u1w = arith.constant dense<1.000000e-01> : tensor<8x4xf32>
  %d1w = arith.constant dense<6.666667e-02> : tensor<4x8xf32>
  %c1 = tensor.extract_slice %c[0, 0] [3, 1] [1, 1] : tensor<3x2xf32> to tensor<3x1xf32>
  %g1 = seq.matmul %x, %g1w : (tensor<3x8xf32>, tensor<8x4xf32>) -> tensor<3x4xf32>
  %u1 = seq.matmul %x, %u1w : (tensor<3x8xf32>, tensor<8x4xf32>) -> tensor<3x4xf32>
  %a1 = seq.swiglu %g1, %u1 : (tensor<3x4xf32>, tensor<3x4xf32>) -> tensor<3x4xf32>
  %y1 = seq.matmul %a1, %d1w : (tensor<3x4xf32>, tensor<4x8xf32>) -> tensor<3x8xf32>
  %t1 = seq.mul %y1, %c1 : (tensor<3x8xf32>, tensor<3x1xf32>) -> tensor<3x8xf32>
  %out = seq.add %t0, %t1 : (tensor<3x8xf32>, tensor<3x8xf32>) -> tensor<3x8xf32>
  return %out : tensor<3x8xf32>
}

// -----

// Qwen2-MoE: a shared expert with its sigmoid gate beside the routed ones is
// folded into the seq.moe ([Wg | Wu] stacked, in x out weights as views).
// CHECK-LABEL: func @shared_expert
// CHECK-DAG: %[[UP:.*]] = arith.constant dense_resource<moe_shared_up{{.*}}> : tensor<8x12xf32>
// CHECK-DAG: %[[SU:.*]] = seq.transpose %[[UP]] [1, 0] : tensor<8x12xf32> -> tensor<12x8xf32>
// CHECK-DAG: %[[SD:.*]] = seq.transpose %{{.*}} [1, 0] : tensor<6x8xf32> -> tensor<8x6xf32>
// CHECK-DAG: %[[SG:.*]] = seq.transpose %{{.*}} [1, 0] : tensor<8x1xf32> -> tensor<1x8xf32>
// CHECK: %[[R:.*]] = seq.moe %{{.*}} experts(%{{.*}}, %{{.*}}) shared(%[[SU]], %[[SD]] gate %[[SG]]) activation = swiglu
// CHECK-NOT: seq.sigmoid
// CHECK: return %[[R]]
func.func @shared_expert(%x: tensor<3x8xf32>, %w: tensor<3x2xf32>, %i: tensor<3x2xi64>,
                         %up: tensor<4x16x8xf32>, %down: tensor<4x8x8xf32>) -> tensor<3x8xf32> {
  %wg = arith.constant dense<1.000000e-01> : tensor<8x6xf32>
  %wu = arith.constant dense<2.000000e-01> : tensor<8x6xf32>
  %wd = arith.constant dense<3.000000e-01> : tensor<6x8xf32>
  %g = arith.constant dense<4.000000e-01> : tensor<8x1xf32>
  %r = seq.moe %x, %w, %i experts(%up, %down) activation = swiglu
      : (tensor<3x8xf32>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<4x16x8xf32>, tensor<4x8x8xf32>) -> tensor<3x8xf32>
  %a = seq.matmul %x, %wg : (tensor<3x8xf32>, tensor<8x6xf32>) -> tensor<3x6xf32>
  %b = seq.matmul %x, %wu : (tensor<3x8xf32>, tensor<8x6xf32>) -> tensor<3x6xf32>
  %s = seq.swiglu %a, %b : (tensor<3x6xf32>, tensor<3x6xf32>) -> tensor<3x6xf32>
  %y = seq.matmul %s, %wd : (tensor<3x6xf32>, tensor<6x8xf32>) -> tensor<3x8xf32>
  %l = seq.matmul %x, %g : (tensor<3x8xf32>, tensor<8x1xf32>) -> tensor<3x1xf32>
  %sg = seq.sigmoid %l : (tensor<3x1xf32>) -> tensor<3x1xf32>
  %ys = seq.mul %sg, %y : (tensor<3x1xf32>, tensor<3x8xf32>) -> tensor<3x8xf32>
  %out = seq.add %r, %ys : (tensor<3x8xf32>, tensor<3x8xf32>) -> tensor<3x8xf32>
  return %out : tensor<3x8xf32>
}

// -----

// Negative: a shared MLP on a different input stays as it is.
// CHECK-LABEL: func @shared_other_input
// CHECK: seq.moe %{{.*}} activation = swiglu :
// CHECK: seq.add
func.func @shared_other_input(%x: tensor<3x8xf32>, %x2: tensor<3x8xf32>, %w: tensor<3x2xf32>, %i: tensor<3x2xi64>,
                              %up: tensor<4x16x8xf32>, %down: tensor<4x8x8xf32>) -> tensor<3x8xf32> {
  %wg = arith.constant dense<1.000000e-01> : tensor<8x6xf32>
  %wu = arith.constant dense<2.000000e-01> : tensor<8x6xf32>
  %wd = arith.constant dense<3.000000e-01> : tensor<6x8xf32>
  %r = seq.moe %x, %w, %i experts(%up, %down) activation = swiglu
      : (tensor<3x8xf32>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<4x16x8xf32>, tensor<4x8x8xf32>) -> tensor<3x8xf32>
  %a = seq.matmul %x2, %wg : (tensor<3x8xf32>, tensor<8x6xf32>) -> tensor<3x6xf32>
  %b = seq.matmul %x2, %wu : (tensor<3x8xf32>, tensor<8x6xf32>) -> tensor<3x6xf32>
  %s = seq.swiglu %a, %b : (tensor<3x6xf32>, tensor<3x6xf32>) -> tensor<3x6xf32>
  %y = seq.matmul %s, %wd : (tensor<3x6xf32>, tensor<6x8xf32>) -> tensor<3x8xf32>
  %out = seq.add %r, %y : (tensor<3x8xf32>, tensor<3x8xf32>) -> tensor<3x8xf32>
  return %out : tensor<3x8xf32>
}
