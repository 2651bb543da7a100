// RUN: seq-opt %s --split-input-file --verify-diagnostics

func.func @rank(%q: tensor<2x3x8xf32>) {
  // expected-error @+1 {{'seq.linear_scan' op query must be 4-D [batch, heads, seq, head_dim], got 'tensor<2x3x8xf32>'}}
  %o, %s = seq.linear_scan additive %q, %q, %q scale = 1.0 : (tensor<2x3x8xf32>, tensor<2x3x8xf32>, tensor<2x3x8xf32>) -> (tensor<2x3x8xf32>, tensor<2x8x8xf32>)
  return
}

// -----

func.func @int_elt(%q: tensor<1x2x3x4xi32>) {
  // expected-error @+1 {{query must have a floating-point element type, got 'i32'}}
  %o, %s = seq.linear_scan additive %q, %q, %q scale = 1.0 : (tensor<1x2x3x4xi32>, tensor<1x2x3x4xi32>, tensor<1x2x3x4xi32>) -> (tensor<1x2x3x4xi32>, tensor<1x2x4x4xi32>)
  return
}

// -----

func.func @key_dim(%q: tensor<1x2x3x4xf32>, %k: tensor<1x2x3x5xf32>) {
  // expected-error @+1 {{key [1, 2, 3, 5] must be [batch, kv_heads, seq, head_dim] = [1, 2, 3, 4] (batch, seq and head_dim of the query)}}
  %o, %s = seq.linear_scan additive %q, %k, %q scale = 1.0 : (tensor<1x2x3x4xf32>, tensor<1x2x3x5xf32>, tensor<1x2x3x4xf32>) -> (tensor<1x2x3x4xf32>, tensor<1x2x4x4xf32>)
  return
}

// -----

func.func @value_heads(%q: tensor<1x2x3x4xf32>, %v: tensor<1x1x3x4xf32>) {
  // expected-error @+1 {{value [1, 1, 3, 4] must be [batch, kv_heads, seq, v_dim] = [1, 2, 3, 4] (kv_heads of the key)}}
  %o, %s = seq.linear_scan additive %q, %q, %v scale = 1.0 : (tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>, tensor<1x1x3x4xf32>) -> (tensor<1x2x3x4xf32>, tensor<1x2x4x4xf32>)
  return
}

// -----

func.func @gqa(%q: tensor<1x3x3x4xf32>, %k: tensor<1x2x3x4xf32>) {
  // expected-error @+1 {{query heads (3) must be a positive multiple of key/value heads (2)}}
  %o, %s = seq.linear_scan additive %q, %k, %k scale = 1.0 : (tensor<1x3x3x4xf32>, tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>) -> (tensor<1x3x3x4xf32>, tensor<1x2x4x4xf32>)
  return
}

// -----

func.func @result(%q: tensor<1x2x3x4xf32>) {
  // expected-error @+1 {{result type 'tensor<1x2x4x4xf32>' must be [1, 2, 3, 4] of 'f32' ([batch, q_heads, seq, v_dim])}}
  %o, %s = seq.linear_scan additive %q, %q, %q scale = 1.0 : (tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>)
  return
}

// -----

func.func @state_shape(%q: tensor<1x2x3x4xf32>, %s0: tensor<1x2x4x3xf32>) {
  // expected-error @+1 {{initial_state 'tensor<1x2x4x3xf32>' must be a float tensor of shape [1, 2, 4, 4] ([batch, kv_heads, head_dim, v_dim])}}
  %o, %s = seq.linear_scan additive %q, %q, %q state %s0 scale = 1.0 : (tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>, tensor<1x2x4x3xf32>) -> (tensor<1x2x3x4xf32>, tensor<1x2x4x3xf32>)
  return
}

// -----

func.func @final_state(%q: tensor<1x2x3x4xf16>, %s0: tensor<1x2x4x4xf32>) {
  // expected-error @+1 {{final_state type 'tensor<1x2x4x4xf16>' must equal the initial_state type 'tensor<1x2x4x4xf32>'}}
  %o, %s = seq.linear_scan additive %q, %q, %q state %s0 scale = 1.0 : (tensor<1x2x3x4xf16>, tensor<1x2x3x4xf16>, tensor<1x2x3x4xf16>, tensor<1x2x4x4xf32>) -> (tensor<1x2x3x4xf16>, tensor<1x2x4x4xf16>)
  return
}

// -----

func.func @decay_shape(%q: tensor<1x2x3x4xf32>, %g: tensor<1x2x3x2xf32>) {
  // expected-error @+1 {{decay [1, 2, 3, 2] must be [1, 2, 3, 4] (per key channel) or [1, 2, 3, 1] (per head)}}
  %o, %s = seq.linear_scan additive %q, %q, %q decay %g scale = 1.0 : (tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>, tensor<1x2x3x2xf32>) -> (tensor<1x2x3x4xf32>, tensor<1x2x4x4xf32>)
  return
}

// -----

func.func @delta_needs_beta(%q: tensor<1x2x3x4xf32>) {
  // expected-error @+1 {{the delta rule needs a beta operand}}
  %o, %s = seq.linear_scan delta %q, %q, %q scale = 1.0 : (tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>) -> (tensor<1x2x3x4xf32>, tensor<1x2x4x4xf32>)
  return
}

// -----

func.func @beta_additive(%q: tensor<1x2x3x4xf32>, %b: tensor<1x2x3x1xf32>) {
  // expected-error @+1 {{beta is only allowed with the delta rule}}
  %o, %s = seq.linear_scan additive %q, %q, %q beta %b scale = 1.0 : (tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>, tensor<1x2x3x1xf32>) -> (tensor<1x2x3x4xf32>, tensor<1x2x4x4xf32>)
  return
}

// -----

func.func @beta_shape(%q: tensor<1x2x3x4xf32>, %b: tensor<1x2x3x4xf32>) {
  // expected-error @+1 {{beta [1, 2, 3, 4] must be [1, 2, 3, 1] or [1, 1, 3, 1]}}
  %o, %s = seq.linear_scan delta %q, %q, %q beta %b scale = 1.0 : (tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>) -> (tensor<1x2x3x4xf32>, tensor<1x2x4x4xf32>)
  return
}

// -----

func.func @beta_type(%q: tensor<1x2x3x4xf32>, %b: tensor<1x2x3x1xf16>) {
  // expected-error @+1 {{beta element type 'f16' differs from the query's 'f32'}}
  %o, %s = seq.linear_scan delta %q, %q, %q beta %b scale = 1.0 : (tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>, tensor<1x2x3x1xf16>) -> (tensor<1x2x3x4xf32>, tensor<1x2x4x4xf32>)
  return
}

// -----

func.func @chunk(%q: tensor<1x2x3x4xf32>) {
  // expected-error @+1 {{chunk_size must be >= 0, got -1}}
  %o, %s = seq.linear_scan additive %q, %q, %q scale = 1.0 chunk_size = -1 : (tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>) -> (tensor<1x2x3x4xf32>, tensor<1x2x4x4xf32>)
  return
}

// -----

func.func @conv_rank(%x: tensor<2x8xf32>, %w: tensor<2x3xf32>) {
  // expected-error @+1 {{'seq.causal_conv' op input must be 3-D [batch, channels, length], got 'tensor<2x8xf32>'}}
  %y, %s = seq.causal_conv %x, %w : (tensor<2x8xf32>, tensor<2x3xf32>) -> (tensor<2x8xf32>, tensor<2x2xf32>)
  return
}

// -----

func.func @conv_weight(%x: tensor<2x4x8xf32>, %w: tensor<3x3xf32>) {
  // expected-error @+1 {{weight [3, 3] must be [channels, kernel] with channels = 4}}
  %y, %s = seq.causal_conv %x, %w : (tensor<2x4x8xf32>, tensor<3x3xf32>) -> (tensor<2x4x8xf32>, tensor<2x4x2xf32>)
  return
}

// -----

func.func @conv_kernel(%x: tensor<2x4x8xf32>, %w: tensor<4x0xf32>) {
  // expected-error @+1 {{kernel size (weight dim 1) must be static and >= 1, got [4, 0]}}
  %y, %s = seq.causal_conv %x, %w : (tensor<2x4x8xf32>, tensor<4x0xf32>) -> (tensor<2x4x8xf32>, tensor<2x4x0xf32>)
  return
}

// -----

func.func @conv_bias(%x: tensor<2x4x8xf32>, %w: tensor<4x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{bias 'tensor<3xf32>' must be [4] of 'f32'}}
  %y, %s = seq.causal_conv %x, %w bias %b : (tensor<2x4x8xf32>, tensor<4x3xf32>, tensor<3xf32>) -> (tensor<2x4x8xf32>, tensor<2x4x2xf32>)
  return
}

// -----

func.func @conv_state(%x: tensor<2x4x8xf32>, %w: tensor<4x3xf32>, %s0: tensor<2x4x3xf32>) {
  // expected-error @+1 {{state 'tensor<2x4x3xf32>' must be [2, 4, 2] of 'f32' ([batch, channels, kernel - 1])}}
  %y, %s = seq.causal_conv %x, %w state %s0 : (tensor<2x4x8xf32>, tensor<4x3xf32>, tensor<2x4x3xf32>) -> (tensor<2x4x8xf32>, tensor<2x4x2xf32>)
  return
}

// -----

func.func @conv_new_state(%x: tensor<2x4x8xf32>, %w: tensor<4x3xf32>) {
  // expected-error @+1 {{new_state type 'tensor<2x4x3xf32>' must be [2, 4, 2] of 'f32' ([batch, channels, kernel - 1])}}
  %y, %s = seq.causal_conv %x, %w : (tensor<2x4x8xf32>, tensor<4x3xf32>) -> (tensor<2x4x8xf32>, tensor<2x4x3xf32>)
  return
}

// -----

func.func @conv_activation(%x: tensor<2x4x8xf32>, %w: tensor<4x3xf32>) {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'activation' [none, silu]}}
  %y, %s = seq.causal_conv %x, %w activation = gelu : (tensor<2x4x8xf32>, tensor<4x3xf32>) -> (tensor<2x4x8xf32>, tensor<2x4x2xf32>)
  return
}
