// RUN: seq-opt %s --split-input-file --verify-diagnostics

func.func @gate_k(%l: tensor<4x8xf32>) {
  // expected-error @+1 {{'seq.moe_gate' op k = 9 must be in [1, 8] (the number of experts)}}
  %w, %i = seq.moe_gate %l k = 9 : tensor<4x8xf32> -> tensor<4x9xf32>, tensor<4x9xi64>
  return
}

// -----

func.func @gate_result(%l: tensor<4x8xf32>) {
  // expected-error @+1 {{'seq.moe_gate' op indices shape [4,3] must be [4,2]}}
  %w, %i = seq.moe_gate %l k = 2 : tensor<4x8xf32> -> tensor<4x2xf32>, tensor<4x3xi64>
  return
}

// -----

func.func @gate_rank(%l: tensor<8xf32>) {
  // expected-error @+1 {{'seq.moe_gate' op logits must be [tokens, experts], got [8]}}
  %w, %i = seq.moe_gate %l k = 2 : tensor<8xf32> -> tensor<2xf32>, tensor<2xi64>
  return
}

// -----

func.func @hidden(%x: tensor<3x16xf32>, %w: tensor<3x2xf32>, %i: tensor<3x2xi64>,
                  %up: tensor<4x64x8xf32>, %down: tensor<4x16x32xf32>) {
  // expected-error @+1 {{'seq.moe' op up_weights [4,64,8] must have the input's hidden size 16 as last dim (out x in layout)}}
  %0 = seq.moe %x, %w, %i experts(%up, %down) activation = swiglu
      : (tensor<3x16xf32>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<4x64x8xf32>, tensor<4x16x32xf32>) -> tensor<3x16xf32>
  return
}

// -----

func.func @down(%x: tensor<3x16xf32>, %w: tensor<3x2xf32>, %i: tensor<3x2xi64>,
                %up: tensor<4x64x16xf32>, %down: tensor<4x16x64xf32>) {
  // expected-error @+1 {{'seq.moe' op down_weights shape [4,16,64] must be [4,16,32] (experts, hidden, intermediate)}}
  %0 = seq.moe %x, %w, %i experts(%up, %down) activation = swiglu
      : (tensor<3x16xf32>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<4x64x16xf32>, tensor<4x16x64xf32>) -> tensor<3x16xf32>
  return
}

// -----

func.func @odd_swiglu(%x: tensor<3x16xf32>, %w: tensor<3x2xf32>, %i: tensor<3x2xi64>,
                      %up: tensor<4x63x16xf32>, %down: tensor<4x16x31xf32>) {
  // expected-error @+1 {{'seq.moe' op swiglu needs an even up_weights N (gate and up halves), got 63}}
  %0 = seq.moe %x, %w, %i experts(%up, %down) activation = swiglu
      : (tensor<3x16xf32>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<4x63x16xf32>, tensor<4x16x31xf32>) -> tensor<3x16xf32>
  return
}

// -----

func.func @routing(%x: tensor<3x16xf32>, %w: tensor<3x2xf32>, %i: tensor<3x3xi64>,
                   %up: tensor<4x64x16xf32>, %down: tensor<4x16x32xf32>) {
  // expected-error @+1 {{'seq.moe' op indices shape [3,3] must equal the weights shape [3,2]}}
  %0 = seq.moe %x, %w, %i experts(%up, %down) activation = swiglu
      : (tensor<3x16xf32>, tensor<3x2xf32>, tensor<3x3xi64>, tensor<4x64x16xf32>, tensor<4x16x32xf32>) -> tensor<3x16xf32>
  return
}

// -----

func.func @too_many_k(%x: tensor<3x16xf32>, %w: tensor<3x5xf32>, %i: tensor<3x5xi64>,
                      %up: tensor<4x64x16xf32>, %down: tensor<4x16x32xf32>) {
  // expected-error @+1 {{'seq.moe' op k = 5 exceeds the 4 experts}}
  %0 = seq.moe %x, %w, %i experts(%up, %down) activation = swiglu
      : (tensor<3x16xf32>, tensor<3x5xf32>, tensor<3x5xi64>, tensor<4x64x16xf32>, tensor<4x16x32xf32>) -> tensor<3x16xf32>
  return
}

// -----

func.func @kinds_count(%x: tensor<3x16xf32>, %w: tensor<3x2xf32>, %i: tensor<3x2xi64>,
                       %up: tensor<4x64x16xf32>, %down: tensor<4x16x32xf32>) {
  // expected-error @+1 {{'seq.moe' op kinds has 3 ffn experts but up_weights has 4}}
  %0 = seq.moe %x, %w, %i experts(%up, %down) activation = swiglu kinds = [ffn, ffn, zero, ffn]
      : (tensor<3x16xf32>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<4x64x16xf32>, tensor<4x16x32xf32>) -> tensor<3x16xf32>
  return
}

// -----

func.func @missing_constants(%x: tensor<3x16xf32>, %w: tensor<3x2xf32>, %i: tensor<3x2xi64>,
                             %up: tensor<4x64x16xf32>, %down: tensor<4x16x32xf32>) {
  // expected-error @+1 {{'seq.moe' op kinds has 1 constant experts but no constants operand}}
  %0 = seq.moe %x, %w, %i experts(%up, %down) activation = swiglu kinds = [ffn, ffn, constant, ffn, ffn]
      : (tensor<3x16xf32>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<4x64x16xf32>, tensor<4x16x32xf32>) -> tensor<3x16xf32>
  return
}

// -----

func.func @constants_shape(%x: tensor<3x16xf32>, %w: tensor<3x2xf32>, %i: tensor<3x2xi64>,
                           %up: tensor<4x64x16xf32>, %down: tensor<4x16x32xf32>, %c: tensor<2x16xf32>) {
  // expected-error @+1 {{'seq.moe' op constants shape [2,16] must be [1,16] (one row per constant expert)}}
  %0 = seq.moe %x, %w, %i experts(%up, %down) constants(%c) activation = swiglu kinds = [ffn, ffn, constant, ffn, ffn]
      : (tensor<3x16xf32>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<4x64x16xf32>, tensor<4x16x32xf32>, tensor<2x16xf32>) -> tensor<3x16xf32>
  return
}

// -----

func.func @shared_down(%x: tensor<3x16xf32>, %w: tensor<3x2xf32>, %i: tensor<3x2xi64>,
                       %up: tensor<4x64x16xf32>, %down: tensor<4x16x32xf32>,
                       %sup: tensor<48x16xf32>, %sdown: tensor<16x32xf32>) {
  // expected-error @+1 {{'seq.moe' op shared_down shape [16,32] must be [16,24]}}
  %0 = seq.moe %x, %w, %i experts(%up, %down) shared(%sup, %sdown) activation = swiglu
      : (tensor<3x16xf32>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<4x64x16xf32>, tensor<4x16x32xf32>,
         tensor<48x16xf32>, tensor<16x32xf32>) -> tensor<3x16xf32>
  return
}

// -----

func.func @shared_gate(%x: tensor<3x16xf32>, %w: tensor<3x2xf32>, %i: tensor<3x2xi64>,
                       %up: tensor<4x64x16xf32>, %down: tensor<4x16x32xf32>,
                       %sup: tensor<48x16xf32>, %sdown: tensor<16x24xf32>, %g: tensor<16xf32>) {
  // expected-error @+1 {{'seq.moe' op shared_gate shape [16] must be [1,16]}}
  %0 = seq.moe %x, %w, %i experts(%up, %down) shared(%sup, %sdown gate %g) activation = swiglu
      : (tensor<3x16xf32>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<4x64x16xf32>, tensor<4x16x32xf32>,
         tensor<48x16xf32>, tensor<16x24xf32>, tensor<16xf32>) -> tensor<3x16xf32>
  return
}

// -----

func.func @bad_activation(%x: tensor<3x16xf32>, %w: tensor<3x2xf32>, %i: tensor<3x2xi64>,
                          %up: tensor<4x64x16xf32>, %down: tensor<4x16x32xf32>) {
  // expected-error @+1 {{unknown MoE activation 'relu' (expected swiglu, gelu or gelu_tanh)}}
  %0 = seq.moe %x, %w, %i experts(%up, %down) activation = relu
      : (tensor<3x16xf32>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<4x64x16xf32>, tensor<4x16x32xf32>) -> tensor<3x16xf32>
  return
}

// -----

func.func @bad_kind(%x: tensor<3x16xf32>, %w: tensor<3x2xf32>, %i: tensor<3x2xi64>,
                    %up: tensor<4x64x16xf32>, %down: tensor<4x16x32xf32>) {
  // expected-error @+1 {{unknown expert kind 'identity' (expected ffn, zero, copy or constant)}}
  %0 = seq.moe %x, %w, %i experts(%up, %down) activation = swiglu kinds = [ffn, identity]
      : (tensor<3x16xf32>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<4x64x16xf32>, tensor<4x16x32xf32>) -> tensor<3x16xf32>
  return
}
