// RUN: seq-opt --seq-fuse-projections=enable=true --split-input-file %s | FileCheck %s
// RUN: env SEQC_FUSE_PROJECTIONS=1 seq-opt --seq-fuse-projections --split-input-file %s | FileCheck %s
// RUN: seq-opt --seq-fuse-projections --split-input-file %s | FileCheck %s --check-prefix=OFF
// RUN: env SEQC_FUSE_PROJECTIONS=0 seq-opt --seq-fuse-projections=enable=true --split-input-file %s | FileCheck %s --check-prefix=OFF

// q, k and v projections of one input: one matmul by the weights
// concatenated along N (row r = row r of each weight in turn), each result
// a column slice of it.
// CHECK-LABEL: func.func @qkv(
// CHECK-SAME: %[[X:.*]]: tensor<1x4x2xf32>
// CHECK: %[[W:.*]] = arith.constant dense_resource<fused_projection> : tensor<2x5xf32>
// CHECK: %[[Y:.*]] = seq.matmul %[[X]], %[[W]] : (tensor<1x4x2xf32>, tensor<2x5xf32>) -> tensor<1x4x5xf32>
// CHECK: %[[Q:.*]] = tensor.extract_slice %[[Y]][0, 0, 0] [1, 4, 2] [1, 1, 1]
// CHECK: %[[K:.*]] = tensor.extract_slice %[[Y]][0, 0, 2] [1, 4, 2] [1, 1, 1]
// CHECK: %[[V:.*]] = tensor.extract_slice %[[Y]][0, 0, 4] [1, 4, 1] [1, 1, 1]
// CHECK-NOT: seq.matmul
// CHECK: return %[[Q]], %[[K]], %[[V]]
// CHECK: fused_projection: "0x{{[0-9A-F]+}}0000803F000000400000A040000040400000A04000004040000080400000C0400000E0400000A040"
// OFF-LABEL: func.func @qkv(
// OFF-COUNT-3: seq.matmul
func.func @qkv(%x: tensor<1x4x2xf32>) -> (tensor<1x4x2xf32>, tensor<1x4x2xf32>, tensor<1x4x1xf32>) {
  %wq = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %wk = arith.constant dense<[[5.0, 3.0], [6.0, 7.0]]> : tensor<2x2xf32>
  %wv = arith.constant dense<[[5.0], [5.0]]> : tensor<2x1xf32>
  %q = seq.matmul %x, %wq : (tensor<1x4x2xf32>, tensor<2x2xf32>) -> tensor<1x4x2xf32>
  %k = seq.matmul %x, %wk : (tensor<1x4x2xf32>, tensor<2x2xf32>) -> tensor<1x4x2xf32>
  %v = seq.matmul %x, %wv : (tensor<1x4x2xf32>, tensor<2x1xf32>) -> tensor<1x4x1xf32>
  return %q, %k, %v : tensor<1x4x2xf32>, tensor<1x4x2xf32>, tensor<1x4x1xf32>
}

// -----

// A dynamic sequence length: the slices take it from the fused product.
// CHECK-LABEL: func.func @dynamic_rows(
// CHECK: %[[Y:.*]] = seq.matmul %{{.*}} : (tensor<?x2xf32>, tensor<2x3xf32>) -> tensor<?x3xf32>
// CHECK: %[[D:.*]] = tensor.dim %[[Y]], %c0
// CHECK: tensor.extract_slice %[[Y]][0, 0] [%[[D]], 1] [1, 1]
// CHECK: tensor.extract_slice %[[Y]][0, 1] [%{{.*}}, 2] [1, 1]
func.func @dynamic_rows(%x: tensor<?x2xf32>) -> (tensor<?x1xf32>, tensor<?x2xf32>) {
  %w0 = arith.constant dense<[[1.0], [2.0]]> : tensor<2x1xf32>
  %w1 = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %a = seq.matmul %x, %w0 : (tensor<?x2xf32>, tensor<2x1xf32>) -> tensor<?x1xf32>
  %b = seq.matmul %x, %w1 : (tensor<?x2xf32>, tensor<2x2xf32>) -> tensor<?x2xf32>
  return %a, %b : tensor<?x1xf32>, tensor<?x2xf32>
}

// -----

// Near miss: SwiGLU's gate and up meet in one op (the up GEMM's gated
// epilogue takes it later); a projection by a non-constant weight and one
// of another input stay as they are.
// CHECK-LABEL: func.func @not_fused(
// CHECK-NOT: extract_slice
// CHECK-COUNT-4: seq.matmul
// CHECK-NOT: extract_slice
func.func @not_fused(%x: tensor<4x2xf32>, %z: tensor<4x2xf32>, %wr: tensor<2x2xf32>) -> (tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>) {
  %wg = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %wu = arith.constant dense<[[5.0, 3.0], [6.0, 7.0]]> : tensor<2x2xf32>
  %g = seq.matmul %x, %wg : (tensor<4x2xf32>, tensor<2x2xf32>) -> tensor<4x2xf32>
  %u = seq.matmul %x, %wu : (tensor<4x2xf32>, tensor<2x2xf32>) -> tensor<4x2xf32>
  %s = seq.swiglu %g, %u : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  %r = seq.matmul %x, %wr : (tensor<4x2xf32>, tensor<2x2xf32>) -> tensor<4x2xf32>
  %o = seq.matmul %z, %wg : (tensor<4x2xf32>, tensor<2x2xf32>) -> tensor<4x2xf32>
  return %s, %r, %o : tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>
}

// -----

// Near miss: f16 weights (the pass concatenates f32 constants only).
// CHECK-LABEL: func.func @f16(
// CHECK-NOT: extract_slice
// CHECK-COUNT-2: seq.matmul
func.func @f16(%x: tensor<4x2xf16>) -> (tensor<4x2xf16>, tensor<4x2xf16>) {
  %w0 = arith.constant dense<1.0> : tensor<2x2xf16>
  %w1 = arith.constant dense<2.0> : tensor<2x2xf16>
  %a = seq.matmul %x, %w0 : (tensor<4x2xf16>, tensor<2x2xf16>) -> tensor<4x2xf16>
  %b = seq.matmul %x, %w1 : (tensor<4x2xf16>, tensor<2x2xf16>) -> tensor<4x2xf16>
  return %a, %b : tensor<4x2xf16>, tensor<4x2xf16>
}

// -----

// Qwen2's biased q/k/v: the biases are concatenated too (zeros for a
// projection without one), so the fused product keeps one bias add, which
// seq-lower-to-ukernels folds into the GEMM's epilogue.
// CHECK-LABEL: func.func @biased(
// CHECK: %[[W:.*]] = arith.constant dense_resource<fused_projection> : tensor<2x3xf32>
// CHECK: %[[M:.*]] = seq.matmul %{{.*}}, %[[W]]
// CHECK: %[[B:.*]] = arith.constant dense_resource<fused_projection_bias> : tensor<3xf32>
// CHECK: %[[Y:.*]] = seq.add %[[M]], %[[B]] : (tensor<4x3xf32>, tensor<3xf32>) -> tensor<4x3xf32>
// CHECK: %[[S0:.*]] = tensor.extract_slice %[[Y]][0, 0] [4, 1] [1, 1]
// CHECK: %[[S1:.*]] = tensor.extract_slice %[[Y]][0, 1] [4, 2] [1, 1]
// CHECK-NOT: seq.add
// CHECK: return %[[S0]], %[[S1]]
// CHECK: fused_projection_bias: "0x{{[0-9A-F]+}}000000400000000000000000"
func.func @biased(%x: tensor<4x2xf32>) -> (tensor<4x1xf32>, tensor<4x2xf32>) {
  %w0 = arith.constant dense<[[1.0], [2.0]]> : tensor<2x1xf32>
  %w1 = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %b0 = arith.constant dense<[2.0]> : tensor<1xf32>
  %a = seq.matmul %x, %w0 : (tensor<4x2xf32>, tensor<2x1xf32>) -> tensor<4x1xf32>
  %ab = seq.add %b0, %a : (tensor<1xf32>, tensor<4x1xf32>) -> tensor<4x1xf32>
  %c = seq.matmul %x, %w1 : (tensor<4x2xf32>, tensor<2x2xf32>) -> tensor<4x2xf32>
  return %ab, %c : tensor<4x1xf32>, tensor<4x2xf32>
}
