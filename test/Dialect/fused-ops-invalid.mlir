// RUN: seq-opt %s --split-input-file --verify-diagnostics

func.func @rope_rank(%x: tensor<2x4x8xf32>, %c: tensor<1x1x4x4xf32>) {
  // expected-error @+1 {{'seq.rope' op input must be 4-D, got rank 3}}
  %0 = seq.rope %x, %c, %c : (tensor<2x4x8xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<2x4x8xf32>
  return
}

// -----

func.func @rope_table_dim(%x: tensor<1x2x4x8xf32>, %c: tensor<1x1x4x5xf32>) {
  // expected-error @+1 {{table last dim 5 must be rotary_dim / 2 (4) or rotary_dim (8)}}
  %0 = seq.rope %x, %c, %c : (tensor<1x2x4x8xf32>, tensor<1x1x4x5xf32>, tensor<1x1x4x5xf32>) -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @rope_odd_rotary_dim(%x: tensor<1x2x4x8xf32>, %c: tensor<1x1x4x3xf32>) {
  // expected-error @+1 {{rotary_dim must be even and >= 0, got 3}}
  %0 = seq.rope %x, %c, %c rotary_dim = 3 : (tensor<1x2x4x8xf32>, tensor<1x1x4x3xf32>, tensor<1x1x4x3xf32>) -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @rope_rotary_dim_too_big(%x: tensor<1x2x4x8xf32>, %c: tensor<1x1x4x5xf32>) {
  // expected-error @+1 {{rotary_dim 10 exceeds the head dim 8}}
  %0 = seq.rope %x, %c, %c rotary_dim = 10 : (tensor<1x2x4x8xf32>, tensor<1x1x4x5xf32>, tensor<1x1x4x5xf32>) -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @rope_table_batch(%x: tensor<1x2x4x8xf32>, %c: tensor<1x1x3x4xf32>) {
  // expected-error @+1 {{table dim 2 (3) must be 1 or the input's (4)}}
  %0 = seq.rope %x, %c, %c : (tensor<1x2x4x8xf32>, tensor<1x1x3x4xf32>, tensor<1x1x3x4xf32>) -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @rope_cos_sin(%x: tensor<1x2x4x8xf32>, %c: tensor<1x1x4x4xf32>, %s: tensor<1x1x4x8xf32>) {
  // expected-error @+1 {{cos 'tensor<1x1x4x4xf32>' and sin 'tensor<1x1x4x8xf32>' tables must have the same type}}
  %0 = seq.rope %x, %c, %s : (tensor<1x2x4x8xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x8xf32>) -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @rope_positions_shape(%x: tensor<1x2x4x8xf32>, %c: tensor<16x4xf32>, %p: tensor<1x2xi64>) {
  // expected-error @+1 {{position_ids 'tensor<1x2xi64>' do not broadcast to [batch, sequence] = [1, 4]}}
  %0 = seq.rope %x, %c, %c positions %p : (tensor<1x2x4x8xf32>, tensor<16x4xf32>, tensor<16x4xf32>, tensor<1x2xi64>) -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @rope_positions_table(%x: tensor<1x2x4x8xf32>, %c: tensor<1x1x4x4xf32>, %p: tensor<1x4xi64>) {
  // expected-error @+1 {{with position_ids the tables must be 2-D [max_position, T]}}
  %0 = seq.rope %x, %c, %c positions %p : (tensor<1x2x4x8xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x4xi64>) -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @rope_result(%x: tensor<1x2x4x8xf32>, %c: tensor<1x1x4x4xf32>) {
  // expected-error @+1 {{result type 'tensor<1x2x4x4xf32>' must equal the input type 'tensor<1x2x4x8xf32>'}}
  %0 = seq.rope %x, %c, %c : (tensor<1x2x4x8xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32>
  return
}

// -----

func.func @gelu_int(%x: tensor<4xi32>) {
  // expected-error @+1 {{'seq.gelu' op operand #0 must be ranked tensor of floating-point values}}
  %0 = seq.gelu %x : (tensor<4xi32>) -> tensor<4xi32>
  return
}
