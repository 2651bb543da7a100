// RUN: seq-opt --seq-tile-attention="approx-exp=false" %s --split-input-file | FileCheck %s
// RUN: seq-opt --seq-tile-attention="approx-exp=false head-layout=false" %s --split-input-file | FileCheck %s --check-prefix=OFF
// Head-swapping transposes around seq.attention (Q/K/V as [B, S, H, D] ->
// [B, H, S, D], the output back) are not materialized: the tiles are
// strided slices of the [B, S, H, D] values, a rope of a swapped input is
// rebuilt in its bshd layout, and the output tiles are written straight into
// a [B, S, Hkv, G, Dv] result that replaces the transposes.

// CHECK-LABEL: func @llama_layout
// CHECK-SAME: (%[[XQ:.*]]: tensor<1x128x4x16xf32>, %[[XK:.*]]: tensor<1x128x2x16xf32>, %[[XV:.*]]: tensor<1x128x2x16xf32>, %[[COS:.*]]: tensor<1x1x128x16xf32>, %[[SIN:.*]]: tensor<1x1x128x16xf32>)
// CHECK-NOT: seq.transpose
// CHECK-DAG: %[[C:.*]] = seq.reshape %[[COS]] : tensor<1x1x128x16xf32> -> tensor<1x128x1x16xf32>
// CHECK-DAG: %[[S:.*]] = seq.reshape %[[SIN]] : tensor<1x1x128x16xf32> -> tensor<1x128x1x16xf32>
// CHECK: %[[Q:.*]] = seq.rope %[[XQ]], %[[C]], %[[S]] layout = bshd : (tensor<1x128x4x16xf32>, {{.*}}) -> tensor<1x128x4x16xf32>
// CHECK: %[[K:.*]] = seq.rope %[[XK]], %{{.*}}, %{{.*}} layout = bshd : (tensor<1x128x2x16xf32>, {{.*}}) -> tensor<1x128x2x16xf32>
// CHECK-NOT: seq.transpose
// CHECK: tensor.expand_shape {{.*}} output_shape [1, 128, 2, 2, 16]
// No Kᵀ: the stacked tiles read K's [64, 16] rows from the bshd rope.
// CHECK-NOT: tensor<1x2x16x128xf32>
// The two query heads of a K/V head are stacked into one tile (see
// tile-attention-stack-heads.mlir): their rows are contiguous in bshd.
// CHECK: scf.forall (%[[B:.*]], %[[H:.*]], %{{.*}}, %{{.*}}) in (1, 2, 1, 4) shared_outs(%[[OUT:.*]] = %{{.*}}) -> (tensor<1x128x2x2x16xf32>)
// CHECK: tensor.extract_slice %{{.*}}[%[[B]], %[[I0:.*]], %[[H]], 0, 0] [1, 32, 1, 2, 16] [1, 1, 1, 1, 1] : tensor<1x128x2x2x16xf32> to tensor<32x2x16xf32>
// CHECK: scf.for
// CHECK: tensor.extract_slice %[[K]][%[[B]], %[[J0:.*]], %[[H]], 0] [1, 64, 1, 16] [1, 1, 1, 1] : tensor<1x128x2x16xf32> to tensor<64x16xf32>
// CHECK: tensor.extract_slice %[[XV]][%[[B]], %[[J0]], %[[H]], 0] [1, 64, 1, 16] [1, 1, 1, 1] : tensor<1x128x2x16xf32> to tensor<64x16xf32>
// CHECK: scf.forall.in_parallel
// CHECK: tensor.parallel_insert_slice %{{.*}} into %[[OUT]][%[[B]], %[[I0]], %[[H]], 0, 0] [1, 32, 1, 2, 16]
// CHECK-NOT: seq.transpose
// CHECK: %[[R:.*]] = tensor.expand_shape {{.*}} output_shape [1, 128, 4, 16] : tensor<8192xf32> into tensor<1x128x4x16xf32>
// CHECK-NOT: seq.
// CHECK: return %[[R]] : tensor<1x128x4x16xf32>
// head-layout=false: the transposes stay (as before the option existed).
// OFF-LABEL: func @llama_layout
// OFF-COUNT-3: seq.transpose %arg
// OFF: scf.forall
// OFF: seq.transpose %{{.*}} [0, 2, 1, 3] : tensor<1x4x128x16xf32> -> tensor<1x128x4x16xf32>
func.func @llama_layout(%xq: tensor<1x128x4x16xf32>, %xk: tensor<1x128x2x16xf32>, %xv: tensor<1x128x2x16xf32>, %cos: tensor<1x1x128x16xf32>, %sin: tensor<1x1x128x16xf32>) -> tensor<1x128x4x16xf32> {
  %qt = seq.transpose %xq [0, 2, 1, 3] : tensor<1x128x4x16xf32> -> tensor<1x4x128x16xf32>
  %q = seq.rope %qt, %cos, %sin : (tensor<1x4x128x16xf32>, tensor<1x1x128x16xf32>, tensor<1x1x128x16xf32>) -> tensor<1x4x128x16xf32>
  %kt = seq.transpose %xk [0, 2, 1, 3] : tensor<1x128x2x16xf32> -> tensor<1x2x128x16xf32>
  %k = seq.rope %kt, %cos, %sin : (tensor<1x2x128x16xf32>, tensor<1x1x128x16xf32>, tensor<1x1x128x16xf32>) -> tensor<1x2x128x16xf32>
  %v = seq.transpose %xv [0, 2, 1, 3] : tensor<1x128x2x16xf32> -> tensor<1x2x128x16xf32>
  %o = seq.attention %q, %k, %v scale = 0.25 causal : (tensor<1x4x128x16xf32>, tensor<1x2x128x16xf32>, tensor<1x2x128x16xf32>) -> tensor<1x4x128x16xf32>
  %r = seq.transpose %o [0, 2, 1, 3] : tensor<1x4x128x16xf32> -> tensor<1x128x4x16xf32>
  return %r : tensor<1x128x4x16xf32>
}

// -----

// Padded lengths (100 queries in 64-row tiles): the bshd operands are padded
// on their sequence dim and the result sliced back before the reshape.
// CHECK-LABEL: func @padded
// CHECK-NOT: seq.transpose
// CHECK: tensor.pad %{{.*}} low[0, 0, 0, 0, 0] high[0, 28, 0, 0, 0]
// CHECK: scf.forall {{.*}} -> (tensor<1x128x2x1x16xf32>)
// CHECK: tensor.extract_slice {{.*}} : tensor<1x128x2x1x16xf32> to tensor<1x100x2x1x16xf32>
// CHECK-NOT: seq.transpose
// CHECK: return {{.*}} : tensor<1x100x2x16xf32>
func.func @padded(%xq: tensor<1x100x2x16xf32>, %xk: tensor<1x100x2x16xf32>, %xv: tensor<1x100x2x16xf32>) -> tensor<1x100x2x16xf32> {
  %q = seq.transpose %xq [0, 2, 1, 3] : tensor<1x100x2x16xf32> -> tensor<1x2x100x16xf32>
  %k = seq.transpose %xk [0, 2, 1, 3] : tensor<1x100x2x16xf32> -> tensor<1x2x100x16xf32>
  %v = seq.transpose %xv [0, 2, 1, 3] : tensor<1x100x2x16xf32> -> tensor<1x2x100x16xf32>
  %o = seq.attention %q, %k, %v scale = 0.25 causal : (tensor<1x2x100x16xf32>, tensor<1x2x100x16xf32>, tensor<1x2x100x16xf32>) -> tensor<1x2x100x16xf32>
  %r = seq.transpose %o [0, 2, 1, 3] : tensor<1x2x100x16xf32> -> tensor<1x100x2x16xf32>
  return %r : tensor<1x100x2x16xf32>
}

// -----

// Negative: a rope that something else also reads keeps its layout (no
// second rope), and so does its transpose; a result read by anything but a
// head swap is built in [B, H, S, D] and the swap after it stays.
// CHECK-LABEL: func @shared_rope_and_result
// CHECK: %[[QT:.*]] = seq.transpose %{{.*}} [0, 2, 1, 3]
// CHECK: %[[Q:.*]] = seq.rope %[[QT]], %{{.*}}, %{{.*}} : (tensor<1x2x128x16xf32>
// CHECK-NOT: layout = bshd
// CHECK: scf.forall {{.*}} -> (tensor<1x2x1x128x16xf32>)
// CHECK: %[[O:.*]] = tensor.expand_shape {{.*}} into tensor<1x2x128x16xf32>
// CHECK: %[[R:.*]] = seq.transpose %[[O]] [0, 2, 1, 3]
// CHECK: return %[[R]], %[[O]], %[[Q]]
func.func @shared_rope_and_result(%xq: tensor<1x128x2x16xf32>, %k: tensor<1x2x128x16xf32>, %v: tensor<1x2x128x16xf32>, %cos: tensor<1x1x128x16xf32>, %sin: tensor<1x1x128x16xf32>) -> (tensor<1x128x2x16xf32>, tensor<1x2x128x16xf32>, tensor<1x2x128x16xf32>) {
  %qt = seq.transpose %xq [0, 2, 1, 3] : tensor<1x128x2x16xf32> -> tensor<1x2x128x16xf32>
  %q = seq.rope %qt, %cos, %sin : (tensor<1x2x128x16xf32>, tensor<1x1x128x16xf32>, tensor<1x1x128x16xf32>) -> tensor<1x2x128x16xf32>
  %o = seq.attention %q, %k, %v scale = 0.25 causal : (tensor<1x2x128x16xf32>, tensor<1x2x128x16xf32>, tensor<1x2x128x16xf32>) -> tensor<1x2x128x16xf32>
  %r = seq.transpose %o [0, 2, 1, 3] : tensor<1x2x128x16xf32> -> tensor<1x128x2x16xf32>
  return %r, %o, %q : tensor<1x128x2x16xf32>, tensor<1x2x128x16xf32>, tensor<1x2x128x16xf32>
}

// -----

// Negative: a KV cache read through kv_seqlen is read as it is (the
// transposes of K and V stay); Q is still read in place.
// CHECK-LABEL: func @kv_seqlen
// CHECK-DAG: seq.transpose %arg1 [0, 2, 1, 3]
// CHECK-DAG: seq.transpose %arg2 [0, 2, 1, 3]
// CHECK-NOT: seq.transpose %arg0
// CHECK: scf.forall
func.func @kv_seqlen(%xq: tensor<1x128x2x16xf32>, %xk: tensor<1x128x2x16xf32>, %xv: tensor<1x128x2x16xf32>, %len: tensor<1xi32>) -> tensor<1x128x2x16xf32> {
  %q = seq.transpose %xq [0, 2, 1, 3] : tensor<1x128x2x16xf32> -> tensor<1x2x128x16xf32>
  %k = seq.transpose %xk [0, 2, 1, 3] : tensor<1x128x2x16xf32> -> tensor<1x2x128x16xf32>
  %v = seq.transpose %xv [0, 2, 1, 3] : tensor<1x128x2x16xf32> -> tensor<1x2x128x16xf32>
  %o = seq.attention %q, %k, %v kv_seqlen %len scale = 0.25 causal : (tensor<1x2x128x16xf32>, tensor<1x2x128x16xf32>, tensor<1x2x128x16xf32>, tensor<1xi32>) -> tensor<1x2x128x16xf32>
  %r = seq.transpose %o [0, 2, 1, 3] : tensor<1x2x128x16xf32> -> tensor<1x128x2x16xf32>
  return %r : tensor<1x128x2x16xf32>
}

// -----

// Negative: other permutations are not head swaps; decode's single query
// with folded heads keeps the [B, H, S, D] form of Q and of the output.
// CHECK-LABEL: func @not_head_swaps
// CHECK: seq.transpose %arg0 [0, 1, 3, 2]
// CHECK: seq.transpose %arg1 [0, 2, 1, 3]
// CHECK: scf.forall
// CHECK: seq.transpose %{{.*}} [0, 2, 1, 3] : tensor<1x4x1x16xf32> -> tensor<1x1x4x16xf32>
func.func @not_head_swaps(%xk: tensor<1x2x16x8xf32>, %xq: tensor<1x1x4x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x1x4x16xf32> {
  %k = seq.transpose %xk [0, 1, 3, 2] : tensor<1x2x16x8xf32> -> tensor<1x2x8x16xf32>
  %q = seq.transpose %xq [0, 2, 1, 3] : tensor<1x1x4x16xf32> -> tensor<1x4x1x16xf32>
  %o = seq.attention %q, %k, %v scale = 0.25 : (tensor<1x4x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x4x1x16xf32>
  %r = seq.transpose %o [0, 2, 1, 3] : tensor<1x4x1x16xf32> -> tensor<1x1x4x16xf32>
  return %r : tensor<1x1x4x16xf32>
}
