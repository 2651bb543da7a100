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

// -----

func.func @softmax_int(%a: tensor<2x3xi32>) {
  // expected-error @+1 {{expects floating-point elements}}
  %0 = seq.softmax %a axis = 1 : tensor<2x3xi32>
  return
}

// -----

func.func @rms_norm_int(%x: tensor<2x8xi32>, %s: tensor<8xi32>) {
  // expected-error @+1 {{expects floating-point input}}
  %0 = seq.rms_norm %x, %s axis = -1 epsilon = 1.0e-05 : (tensor<2x8xi32>, tensor<8xi32>) -> tensor<2x8xi32>
  return
}

// -----

func.func @attention_int_query(%q: tensor<1x2x4x8xi32>) {
  // expected-error @+1 {{expects floating-point query, got 'i32'}}
  %0 = seq.attention %q, %q, %q scale = 1.0 : (tensor<1x2x4x8xi32>, tensor<1x2x4x8xi32>, tensor<1x2x4x8xi32>) -> tensor<1x2x4x8xi32>
  return
}

// -----

func.func @attention_mask_elt(%q: tensor<1x2x4x8xf32>, %m: tensor<4x4xi8>) {
  // expected-error @+1 {{mask must be i1 or 'f32', got 'i8'}}
  %0 = seq.attention %q, %q, %q mask %m scale = 1.0 : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<4x4xi8>) -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @rope_table_elt(%x: tensor<1x2x4x8xf32>, %c: tensor<1x1x4x4xf16>) {
  // expected-error @+1 {{table element type 'f16' differs from the input's 'f32'}}
  %0 = seq.rope %x, %c, %c : (tensor<1x2x4x8xf32>, tensor<1x1x4x4xf16>, tensor<1x1x4x4xf16>) -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @rope_int_input(%x: tensor<1x2x4x8xi32>, %c: tensor<1x1x4x4xi32>) {
  // expected-error @+1 {{expects a floating-point input, got 'i32'}}
  %0 = seq.rope %x, %c, %c : (tensor<1x2x4x8xi32>, tensor<1x1x4x4xi32>, tensor<1x1x4x4xi32>) -> tensor<1x2x4x8xi32>
  return
}

// -----

func.func @rope_float_positions(%x: tensor<1x2x4x8xf32>, %c: tensor<16x4xf32>, %p: tensor<1x4xf32>) {
  // expected-error @+1 {{position_ids must be a 2-D integer tensor, got 'tensor<1x4xf32>'}}
  %0 = seq.rope %x, %c, %c positions %p : (tensor<1x2x4x8xf32>, tensor<16x4xf32>, tensor<16x4xf32>, tensor<1x4xf32>) -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @topk_indices_elt(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{indices must have i64 elements}}
  %v, %i = seq.topk %a k = 2 axis = 1 largest : tensor<2x3xf32> -> tensor<2x2xf32>, tensor<2x2xi32>
  return
}

// -----

func.func @topk_values_elt(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{values must have the input's element type}}
  %v, %i = seq.topk %a k = 2 axis = 1 largest : tensor<2x3xf32> -> tensor<2x2xf16>, tensor<2x2xi64>
  return
}

// -----

func.func @gather_elements_elt(%a: tensor<2x3xf32>, %i: tensor<2x2xi64>) {
  // expected-error @+1 {{result element type differs from data}}
  %0 = seq.gather_elements %a[%i] axis = 1 : (tensor<2x3xf32>, tensor<2x2xi64>) -> tensor<2x2xi32>
  return
}

// -----

func.func @scatter_elements_elt(%a: tensor<2x3xf32>, %i: tensor<2x2xi64>, %u: tensor<2x2xf16>) {
  // expected-error @+1 {{data, updates and result types must agree}}
  %0 = seq.scatter_elements none %a[%i] = %u axis = 1 : (tensor<2x3xf32>, tensor<2x2xi64>, tensor<2x2xf16>) -> tensor<2x3xf32>
  return
}

// -----

func.func @conv_elt(%x: tensor<1x2x8xf32>, %w: tensor<4x2x3xf16>) {
  // expected-error @+1 {{operand and result element types must agree}}
  %0 = seq.conv %x, %w strides = [1] dilations = [1] pads = [0, 0] group = 1 : (tensor<1x2x8xf32>, tensor<4x2x3xf16>) -> tensor<1x4x6xf32>
  return
}

// -----

func.func @gelu_int(%a: tensor<4xi32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of floating-point values, but got 'tensor<4xi32>'}}
  %0 = seq.gelu %a : (tensor<4xi32>) -> tensor<4xi32>
  return
}

// -----

func.func @swiglu_mixed(%a: tensor<4xf32>, %b: tensor<4xf16>) {
  // expected-error @+2 {{operand element types differ: 'f32' vs 'f16'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = seq.swiglu %a, %b : (tensor<4xf32>, tensor<4xf16>) -> tensor<4xf32>
  return
}
