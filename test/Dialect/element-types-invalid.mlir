// RUN: seq-opt %s --split-input-file --verify-diagnostics
// Element-type rules: each op accepts only the element types its lowering
// can compute with (arith/math ops take one integer or float type).

func.func @add_mixed(%a: tensor<4xf32>, %b: tensor<4xi32>) {
  // expected-error @+2 {{operand element types differ: 'f32' vs 'i32'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = seq.add %a, %b : (tensor<4xf32>, tensor<4xi32>) -> tensor<4xf32>
  return
}

// -----

func.func @less_mixed_floats(%a: tensor<4xf32>, %b: tensor<4xf16>) {
  // expected-error @+2 {{operand element types differ: 'f32' vs 'f16'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = seq.less %a, %b : (tensor<4xf32>, tensor<4xf16>) -> tensor<4xi1>
  return
}

// -----

func.func @pow_mixed(%a: tensor<4xf32>, %b: tensor<i64>) {
  // expected-error @+2 {{operand element types differ: 'f32' vs 'i64'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = seq.pow %a, %b : (tensor<4xf32>, tensor<i64>) -> tensor<4xf32>
  return
}

// -----

func.func @exp_index(%a: tensor<4xindex>) {
  // expected-error @+2 {{operands must have integer or floating-point elements, got 'index'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = seq.exp %a : (tensor<4xindex>) -> tensor<4xindex>
  return
}

// -----

func.func @select_mixed_branches(%c: tensor<4xi1>, %a: tensor<4xf32>, %b: tensor<4xi32>) {
  // expected-error @+1 {{branches must have the same element type}}
  %0 = seq.select %c, %a, %b : (tensor<4xi1>, tensor<4xf32>, tensor<4xi32>) -> tensor<4xi32>
  return
}

// -----

func.func @matmul_mixed(%a: tensor<2x3xf32>, %b: tensor<3x4xf16>) {
  // expected-error @+2 {{operand element types differ: 'f32' vs 'f16'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = seq.matmul %a, %b : (tensor<2x3xf32>, tensor<3x4xf16>) -> tensor<2x4xf32>
  return
}

// -----

func.func @matmul_index(%a: tensor<2x3xindex>, %b: tensor<3x4xindex>) {
  // expected-error @+2 {{expects integer or floating-point elements, got 'index'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = seq.matmul %a, %b : (tensor<2x3xindex>, tensor<3x4xindex>) -> tensor<2x4xindex>
  return
}

// -----

func.func @transpose_elt(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{result element type 'f16' differs from the input's 'f32'}}
  %0 = seq.transpose %a [1, 0] : tensor<2x3xf32> -> tensor<3x2xf16>
  return
}

// -----

func.func @gather_elt(%a: tensor<5x3xf32>, %i: tensor<2xi64>) {
  // expected-error @+1 {{result element type 'i32' differs from the data's 'f32'}}
  %0 = seq.gather %a[%i] axis = 0 : (tensor<5x3xf32>, tensor<2xi64>) -> tensor<2x3xi32>
  return
}

// -----

func.func @gather_float_indices(%a: tensor<5x3xf32>, %i: tensor<2xf32>) {
  // expected-error @+1 {{indices must be integers, got 'f32'}}
  %0 = seq.gather %a[%i] axis = 0 : (tensor<5x3xf32>, tensor<2xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @reduce_elt(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{result element type 'f64' differs from the input's 'f32'}}
  %0 = seq.reduce sum %a axes = [1] : tensor<2x3xf32> -> tensor<2xf64>
  return
}

// -----

func.func @reduce_index(%a: tensor<2x3xindex>) {
  // expected-error @+1 {{expects integer or floating-point elements, got 'index'}}
  %0 = seq.reduce max %a axes = [1] : tensor<2x3xindex> -> tensor<2xindex>
  return
}

// -----

func.func @rms_norm_scale_elt(%x: tensor<2x8xf32>, %s: tensor<8xf16>) {
  // expected-error @+1 {{scale element type 'f16' differs from the input's 'f32'}}
  %0 = seq.rms_norm %x, %s axis = -1 epsilon = 1.0e-05 : (tensor<2x8xf32>, tensor<8xf16>) -> tensor<2x8xf32>
  return
}

// -----

func.func @layer_norm_bias_elt(%x: tensor<2x8xf32>, %s: tensor<8xf32>, %b: tensor<8xbf16>) {
  // expected-error @+1 {{bias element type 'bf16' differs from the input's 'f32'}}
  %0 = seq.layer_norm %x, %s, %b axis = -1 epsilon = 1.0e-05 : (tensor<2x8xf32>, tensor<8xf32>, tensor<8xbf16>) -> tensor<2x8xf32>
  return
}

// -----

func.func @attention_key_elt(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf16>, %v: tensor<1x2x4x8xi32>) {
  // expected-error @+1 {{key element type 'f16' differs from the query's 'f32'}}
  %0 = seq.attention %q, %k, %v scale = 1.0 : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf16>, tensor<1x2x4x8xi32>) -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @attention_value_elt(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xi32>) {
  // expected-error @+1 {{value element type 'i32' differs from the query's 'f32'}}
  %0 = seq.attention %q, %k, %v scale = 1.0 : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xi32>) -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @attention_kv_seqlen_float(%q: tensor<2x2x4x8xf32>, %l: tensor<2xf32>) {
  // expected-error @+1 {{kv_seqlen must be a 1-D signless integer tensor, got 'tensor<2xf32>'}}
  %0 = seq.attention %q, %q, %q kv_seqlen %l scale = 1.0 : (tensor<2x2x4x8xf32>, tensor<2x2x4x8xf32>, tensor<2x2x4x8xf32>, tensor<2xf32>) -> tensor<2x2x4x8xf32>
  return
}

// -----

func.func @argmax_index(%a: tensor<2x3xindex>) {
  // expected-error @+1 {{expects integer or floating-point elements, got 'index'}}
  %0 = seq.argmax %a axis = 1 : tensor<2x3xindex> -> tensor<2xi64>
  return
}

// -----

func.func @topk_index(%a: tensor<2x3xindex>) {
  // expected-error @+1 {{expects integer or floating-point elements, got 'index'}}
  %v, %i = seq.topk %a k = 2 axis = 1 largest : tensor<2x3xindex> -> tensor<2x2xindex>, tensor<2x2xi64>
  return
}

// -----

func.func @cumsum_index(%a: tensor<4xindex>) {
  // expected-error @+1 {{expects integer or floating-point elements, got 'index'}}
  %0 = seq.cumsum %a axis = 0 : tensor<4xindex>
  return
}
