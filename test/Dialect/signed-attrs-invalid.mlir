// RUN: seq-opt %s -split-input-file -verify-diagnostics
//
// Axes are signed (si64): negative ones count from the end and must stay
// in [-rank, rank). Counts kept as i64 (k, batch_dims, group, rotary_dim,
// chunk_size) reject negative values.

func.func @gather_neg_axis(%x: tensor<3x4xf32>, %i: tensor<2xi64>) {
  // expected-error @+1 {{axis -3 is out of range for rank 2}}
  %0 = seq.gather %x[%i] axis = -3 : (tensor<3x4xf32>, tensor<2xi64>) -> tensor<2x4xf32>
  return
}

// -----

func.func @softmax_neg_axis(%x: tensor<3x4xf32>) {
  // expected-error @+1 {{axis -3 is out of range for rank 2}}
  %0 = seq.softmax %x axis = -3 : tensor<3x4xf32>
  return
}

// -----

func.func @layer_norm_neg_axis(%x: tensor<3x4xf32>, %s: tensor<4xf32>) {
  // expected-error @+1 {{axis -3 is out of range for rank 2}}
  %0 = seq.layer_norm %x, %s axis = -3 epsilon = 1.0e-5 : (tensor<3x4xf32>, tensor<4xf32>) -> tensor<3x4xf32>
  return
}

// -----

func.func @rms_norm_neg_axis(%x: tensor<3x4xf32>, %s: tensor<4xf32>) {
  // expected-error @+1 {{axis -5 is out of range for rank 2}}
  %0 = seq.rms_norm %x, %s axis = -5 epsilon = 1.0e-5 : (tensor<3x4xf32>, tensor<4xf32>) -> tensor<3x4xf32>
  return
}

// -----

func.func @argmin_neg_axis(%x: tensor<3x4xf32>) {
  // expected-error @+1 {{axis -3 is out of range for rank 2}}
  %0 = seq.argmin %x axis = -3 : tensor<3x4xf32> -> tensor<4xi64>
  return
}

// -----

func.func @topk_neg_axis(%x: tensor<3x4xf32>) {
  // expected-error @+1 {{axis -3 is out of range for rank 2}}
  %v, %i = seq.topk %x k = 1 axis = -3 : tensor<3x4xf32> -> tensor<3x1xf32>, tensor<3x1xi64>
  return
}

// -----

func.func @topk_neg_k(%x: tensor<3x4xf32>) {
  // expected-error @+1 {{k = -1 is out of range for an axis of size 4}}
  %v, %i = seq.topk %x k = -1 axis = 1 : tensor<3x4xf32> -> tensor<3x1xf32>, tensor<3x1xi64>
  return
}

// -----

func.func @cumsum_neg_axis(%x: tensor<3x4xf32>) {
  // expected-error @+1 {{axis -3 is out of range for rank 2}}
  %0 = seq.cumsum %x axis = -3 : tensor<3x4xf32>
  return
}

// -----

func.func @gather_elements_neg_axis(%x: tensor<3x4xf32>, %i: tensor<3x4xi64>) {
  // expected-error @+1 {{axis -3 is out of range for rank 2}}
  %0 = seq.gather_elements %x[%i] axis = -3 : (tensor<3x4xf32>, tensor<3x4xi64>) -> tensor<3x4xf32>
  return
}

// -----

func.func @scatter_elements_neg_axis(%x: tensor<3x4xf32>, %i: tensor<3x4xi64>) {
  // expected-error @+1 {{axis -3 is out of range for rank 2}}
  %0 = seq.scatter_elements none %x[%i] = %x axis = -3 : (tensor<3x4xf32>, tensor<3x4xi64>, tensor<3x4xf32>) -> tensor<3x4xf32>
  return
}

// -----

func.func @gather_nd_neg_batch_dims(%x: tensor<2x3xf32>, %i: tensor<2x1xi64>) {
  // expected-error @+1 {{batch_dims = -1 and index tuples of length 1 do not fit data of rank 2}}
  %0 = seq.gather_nd %x[%i] {batch_dims = -1 : i64} : (tensor<2x3xf32>, tensor<2x1xi64>) -> tensor<2xf32>
  return
}

// -----

func.func @conv_neg_group(%x: tensor<1x2x8xf32>, %w: tensor<4x2x3xf32>) {
  // expected-error @+1 {{group -1 does not fit input channels 2}}
  %0 = seq.conv %x, %w strides = [1] dilations = [1] pads = [0, 0] group = -1 : (tensor<1x2x8xf32>, tensor<4x2x3xf32>) -> tensor<1x4x6xf32>
  return
}

// -----

func.func @rope_neg_rotary_dim(%x: tensor<1x2x4x8xf32>, %c: tensor<1x1x4x4xf32>) {
  // expected-error @+1 {{rotary_dim must be even and >= 0, got -2}}
  %0 = seq.rope %x, %c, %c rotary_dim = -2 : (tensor<1x2x4x8xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @moe_gate_neg_k(%l: tensor<4x8xf32>) {
  // expected-error @+1 {{k = -1 must be in [1, 8] (the number of experts)}}
  %w, %i = seq.moe_gate %l k = -1 : tensor<4x8xf32> -> tensor<4x1xf32>, tensor<4x1xi64>
  return
}

// -----

// A signless offset is not the op's attribute type.
func.func @attention_signless_offset(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{attribute 'query_offset' failed to satisfy constraint: 64-bit signed integer attribute}}
  %0 = seq.attention %q, %q, %q scale = 1.0 {query_offset = 1 : i64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @attention_window_right(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{window_left/window_right must be -1 (unbounded) or >= 0, got -1/-2}}
  %0 = seq.attention %q, %q, %q scale = 1.0 {window_right = -2 : si64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return
}
