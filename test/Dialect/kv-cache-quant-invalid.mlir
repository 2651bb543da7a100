// RUN: seq-opt %s --split-input-file --verify-diagnostics

func.func @quantize_rank(%x: tensor<2x1x32xf32>) {
  // expected-error @+1 {{expects a rank-4 input [B, H, T, D], got 'tensor<2x1x32xf32>'}}
  %q, %s = seq.kv_cache_quantize %x
      : tensor<2x1x32xf32> -> tensor<2x1x32xi8>, tensor<2x1x1xf32>
  return
}

// -----

func.func @quantize_int_input(%x: tensor<1x2x1x32xi32>) {
  // expected-error @+1 {{expects a float input, got 'tensor<1x2x1x32xi32>'}}
  %q, %s = seq.kv_cache_quantize %x
      : tensor<1x2x1x32xi32> -> tensor<1x2x1x32xi8>, tensor<1x2x1x1xf32>
  return
}

// -----

func.func @quantize_values_type(%x: tensor<1x2x1x32xf32>) {
  // expected-error @+1 {{expects i8 values, got 'tensor<1x2x1x32xi16>'}}
  %q, %s = seq.kv_cache_quantize %x
      : tensor<1x2x1x32xf32> -> tensor<1x2x1x32xi16>, tensor<1x2x1x1xf32>
  return
}

// -----

func.func @quantize_values_shape(%x: tensor<1x2x1x32xf32>) {
  // expected-error @+1 {{values 'tensor<1x2x1x16xi8>' and input 'tensor<1x2x1x32xf32>' differ in shape}}
  %q, %s = seq.kv_cache_quantize %x
      : tensor<1x2x1x32xf32> -> tensor<1x2x1x16xi8>, tensor<1x2x1x1xf32>
  return
}

// -----

func.func @quantize_scale_type(%x: tensor<1x2x1x32xf32>) {
  // expected-error @+1 {{scale element type 'f16' differs from the input's 'f32'}}
  %q, %s = seq.kv_cache_quantize %x
      : tensor<1x2x1x32xf32> -> tensor<1x2x1x32xi8>, tensor<1x2x1x1xf16>
  return
}

// -----

func.func @quantize_scale_shape(%x: tensor<1x2x1x32xf32>) {
  // expected-error @+1 {{expects scales of one element a row [B, H, T, 1] of 'tensor<1x2x1x32xf32>', got 'tensor<1x2x1x32xf32>'}}
  %q, %s = seq.kv_cache_quantize %x
      : tensor<1x2x1x32xf32> -> tensor<1x2x1x32xi8>, tensor<1x2x1x32xf32>
  return
}

// -----

func.func @dequant_values(%v: tensor<1x2x64x32xi32>, %s: tensor<1x2x64x1xf32>) {
  // expected-error @+1 {{expects i8 values, got 'tensor<1x2x64x32xi32>'}}
  %k = seq.kv_cache_dequant %v scales %s
      : tensor<1x2x64x32xi32>, tensor<1x2x64x1xf32> -> tensor<1x2x64x32xf32>
  return
}

// -----

func.func @dequant_scales(%v: tensor<1x2x64x32xi8>, %s: tensor<1x2x32x1xf32>) {
  // expected-error @+1 {{expects scales of one element a row [B, H, T, 1] of 'tensor<1x2x64x32xf32>', got 'tensor<1x2x32x1xf32>'}}
  %k = seq.kv_cache_dequant %v scales %s
      : tensor<1x2x64x32xi8>, tensor<1x2x32x1xf32> -> tensor<1x2x64x32xf32>
  return
}

// -----

func.func @dequant_result(%v: tensor<1x2x64x32xi8>, %s: tensor<1x2x64x1xf32>) {
  // expected-error @+1 {{values 'tensor<1x2x64x32xi8>' and result 'tensor<1x2x64x16xf32>' differ in shape}}
  %k = seq.kv_cache_dequant %v scales %s
      : tensor<1x2x64x32xi8>, tensor<1x2x64x1xf32> -> tensor<1x2x64x16xf32>
  return
}
