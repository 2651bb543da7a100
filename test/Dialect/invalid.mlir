// RUN: seq-opt %s --split-input-file --verify-diagnostics

func.func @add_not_broadcastable(%a: tensor<2x3xf32>, %b: tensor<4xf32>) {
  // expected-error @+2 {{operand shapes [2,3], [4] are not broadcast-compatible}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = seq.add %a, %b : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @add_wrong_result(%a: tensor<2x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+2 {{'seq.add' op inferred type(s) 'tensor<2x3xf32>' are incompatible with return type(s) of operation 'tensor<3x3xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = seq.add %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<3x3xf32>
  return
}

// -----

func.func @select_cond_type(%c: tensor<2xf32>, %a: tensor<2xf32>) {
  // expected-error @+1 {{condition must have i1 elements, got 'f32'}}
  %0 = seq.select %c, %a, %a : (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @matmul_contraction(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) {
  // expected-error @+2 {{contraction dims differ: lhs [2,3] rhs [4,5]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = seq.matmul %a, %b : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  return
}

// -----

func.func @transpose_perm(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{permutation is not a permutation of [0, 2)}}
  %0 = seq.transpose %a [0, 0] : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @transpose_result(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{result dim 0 is 2 but input dim 1 is 3}}
  %0 = seq.transpose %a [1, 0] : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @reshape_count(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{cannot reshape [2,3] (6 elements) to [7] (7 elements)}}
  %0 = seq.reshape %a : tensor<2x3xf32> -> tensor<7xf32>
  return
}

// -----

func.func @broadcast_bad(%a: tensor<3xf32>) {
  // expected-error @+1 {{cannot broadcast [3] to [2,4]}}
  %0 = seq.broadcast %a : tensor<3xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @gather_axis(%a: tensor<3x4xf32>, %i: tensor<2xi64>) {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = seq.gather %a[%i] axis = 2 : (tensor<3x4xf32>, tensor<2xi64>) -> tensor<2x4xf32>
  return
}

// -----

func.func @gather_shape(%a: tensor<3x4xf32>, %i: tensor<2xi64>) {
  // expected-error @+1 {{result shape [4,2] does not match expected [2,4]}}
  %0 = seq.gather %a[%i] axis = 0 : (tensor<3x4xf32>, tensor<2xi64>) -> tensor<4x2xf32>
  return
}

// -----

func.func @reduce_repeated(%a: tensor<3x4xf32>) {
  // expected-error @+1 {{axis -1 is repeated}}
  %0 = seq.reduce sum %a axes = [1, -1] : tensor<3x4xf32> -> tensor<3xf32>
  return
}

// -----

func.func @reduce_shape(%a: tensor<3x4xf32>) {
  // expected-error @+1 {{result shape [3] does not match expected [3,1]}}
  %0 = seq.reduce max %a axes = [1] keep_dims : tensor<3x4xf32> -> tensor<3xf32>
  return
}

// -----

func.func @softmax_axis(%a: tensor<3x4xf32>) {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = seq.softmax %a axis = 2 : tensor<3x4xf32>
  return
}

// -----

func.func @norm_scale(%a: tensor<3x4xf32>, %s: tensor<3xf32>) {
  // expected-error @+1 {{parameter of shape [3] does not broadcast to input [3,4]}}
  %0 = seq.rms_norm %a, %s axis = -1 epsilon = 1.0e-5 : (tensor<3x4xf32>, tensor<3xf32>) -> tensor<3x4xf32>
  return
}

// -----

func.func @attention_heads(%q: tensor<1x3x4x8xf32>, %k: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{query heads (3) must be a multiple of kv heads (2)}}
  %0 = seq.attention %q, %k, %k scale = 1.0 : (tensor<1x3x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x3x4x8xf32>
  return
}

// -----

func.func @attention_head_dim(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x16xf32>) {
  // expected-error @+1 {{query head dim 8 differs from key head dim 16}}
  %0 = seq.attention %q, %k, %k scale = 1.0 : (tensor<1x2x4x8xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>) -> tensor<1x2x4x16xf32>
  return
}

// -----

func.func @attention_mask(%q: tensor<1x2x4x8xf32>, %m: tensor<4x5xi1>) {
  // expected-error @+1 {{mask of shape [4,5] does not broadcast to the scores [1,2,4,4]}}
  %0 = seq.attention %q, %q, %q mask %m scale = 1.0 : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<4x5xi1>) -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @attention_rank(%q: tensor<2x4x8xf32>) {
  // expected-error @+1 {{query, key and value must be 4-D [B, H, S, D]}}
  %0 = seq.attention %q, %q, %q scale = 1.0 : (tensor<2x4x8xf32>, tensor<2x4x8xf32>, tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  return
}

// -----

func.func @bitcast_width(%x: tensor<4xf32>) {
  // expected-error @+1 {{'seq.bitcast' op bitcasts between element types of the same bit width, got 'f32' to 'i16'}}
  %0 = seq.bitcast %x : tensor<4xf32> to tensor<4xi16>
  return
}
