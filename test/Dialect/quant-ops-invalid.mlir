// RUN: seq-opt %s --split-input-file --verify-diagnostics
// Verifier of seq.quant_matmul.

func.func @bits(%x: tensor<1x64xf32>, %w: tensor<16x2x16xui8>, %s: tensor<16x2xf32>) {
  // expected-error @+1 {{bits must be 4 or 8, got 3}}
  %0 = seq.quant_matmul %x, %w, %s bits = 3 group = 32 : (tensor<1x64xf32>, tensor<16x2x16xui8>, tensor<16x2xf32>) -> tensor<1x16xf32>
  return
}

// -----

func.func @group(%x: tensor<1x64xf32>, %w: tensor<16x2x16xui8>, %s: tensor<16x2xf32>) {
  // expected-error @+1 {{group must be a power of two >= 16, got 24}}
  %0 = seq.quant_matmul %x, %w, %s bits = 4 group = 24 : (tensor<1x64xf32>, tensor<16x2x16xui8>, tensor<16x2xf32>) -> tensor<1x16xf32>
  return
}

// -----

func.func @input_type(%x: tensor<1x64xf16>, %w: tensor<16x2x16xui8>, %s: tensor<16x2xf32>) {
  // expected-error @+1 {{input must be f32 of rank >= 2 [..., M, K], got 'tensor<1x64xf16>'}}
  %0 = seq.quant_matmul %x, %w, %s bits = 4 group = 32 : (tensor<1x64xf16>, tensor<16x2x16xui8>, tensor<16x2xf32>) -> tensor<1x16xf32>
  return
}

// -----

func.func @dynamic_k(%x: tensor<1x?xf32>, %w: tensor<16x2x16xui8>, %s: tensor<16x2xf32>) {
  // expected-error @+1 {{input reduction dim K must be static}}
  %0 = seq.quant_matmul %x, %w, %s bits = 4 group = 32 : (tensor<1x?xf32>, tensor<16x2x16xui8>, tensor<16x2xf32>) -> tensor<1x16xf32>
  return
}

// -----

func.func @weight_blocks(%x: tensor<1x65xf32>, %w: tensor<16x2x16xui8>, %s: tensor<16x2xf32>) {
  // expected-error @+1 {{weight [16,2,16] must be [N, 3, 16] for K = 65, group = 32, bits = 4}}
  %0 = seq.quant_matmul %x, %w, %s bits = 4 group = 32 : (tensor<1x65xf32>, tensor<16x2x16xui8>, tensor<16x2xf32>) -> tensor<1x16xf32>
  return
}

// -----

func.func @weight_type(%x: tensor<1x64xf32>, %w: tensor<16x2x16xi32>, %s: tensor<16x2xf32>) {
  // expected-error @+1 {{weight must be static 8-bit [N, G, group*bits/8], got 'tensor<16x2x16xi32>'}}
  %0 = seq.quant_matmul %x, %w, %s bits = 4 group = 32 : (tensor<1x64xf32>, tensor<16x2x16xi32>, tensor<16x2xf32>) -> tensor<1x16xf32>
  return
}

// -----

func.func @scales_shape(%x: tensor<1x64xf32>, %w: tensor<16x2x16xui8>, %s: tensor<16x1xf32>) {
  // expected-error @+1 {{scales [16,1] must be [16, 2]}}
  %0 = seq.quant_matmul %x, %w, %s bits = 4 group = 32 : (tensor<1x64xf32>, tensor<16x2x16xui8>, tensor<16x1xf32>) -> tensor<1x16xf32>
  return
}

// -----

func.func @scales_type(%x: tensor<1x64xf32>, %w: tensor<16x2x16xui8>, %s: tensor<16x2xbf16>) {
  // expected-error @+1 {{scales must be f32 or f16 [N, G], got 'tensor<16x2xbf16>'}}
  %0 = seq.quant_matmul %x, %w, %s bits = 4 group = 32 : (tensor<1x64xf32>, tensor<16x2x16xui8>, tensor<16x2xbf16>) -> tensor<1x16xf32>
  return
}

// -----

func.func @zero_points(%x: tensor<1x64xf32>, %w: tensor<16x2x16xui8>, %s: tensor<16x2xf32>, %z: tensor<16x1xui8>) {
  // expected-error @+1 {{zero_points must be 8-bit [16, 2], got 'tensor<16x1xui8>'}}
  %0 = seq.quant_matmul %x, %w, %s, %z bits = 4 group = 32 : (tensor<1x64xf32>, tensor<16x2x16xui8>, tensor<16x2xf32>, tensor<16x1xui8>) -> tensor<1x16xf32>
  return
}

// -----

func.func @result(%x: tensor<2x64xf32>, %w: tensor<16x2x16xui8>, %s: tensor<16x2xf32>) {
  // expected-error @+1 {{result [2,8] must be [2,16]}}
  %0 = seq.quant_matmul %x, %w, %s bits = 4 group = 32 : (tensor<2x64xf32>, tensor<16x2x16xui8>, tensor<16x2xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @mlas_order_group(%x: tensor<1x64xf32>, %w: tensor<16x1x32xui8>, %s: tensor<16x1xf32>) {
  // expected-error @+1 {{mlas_order needs int8_activations, bits = 4 and group = 32, got bits = 4, group = 64}}
  %0 = seq.quant_matmul %x, %w, %s bits = 4 group = 64 {int8_activations, mlas_order} : (tensor<1x64xf32>, tensor<16x1x32xui8>, tensor<16x1xf32>) -> tensor<1x16xf32>
  return
}

// -----

func.func @mlas_order_f32_activations(%x: tensor<1x64xf32>, %w: tensor<16x2x16xui8>, %s: tensor<16x2xf32>) {
  // expected-error @+1 {{mlas_order needs int8_activations, bits = 4 and group = 32, got bits = 4, group = 32, no int8_activations}}
  %0 = seq.quant_matmul %x, %w, %s bits = 4 group = 32 {mlas_order} : (tensor<1x64xf32>, tensor<16x2x16xui8>, tensor<16x2xf32>) -> tensor<1x16xf32>
  return
}
