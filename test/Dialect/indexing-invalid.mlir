// RUN: seq-opt %s --split-input-file --verify-diagnostics

func.func @einsum_operand_count(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'seq.einsum' op equation 'ij,jk->ik' has 2 input subscripts for 1 operands}}
  %0 = seq.einsum "ij,jk->ik" %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @einsum_size_mismatch(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) {
  // expected-error @+1 {{label 'j' has inconsistent sizes 3 and 4}}
  %0 = seq.einsum "ij,jk->ik" %a, %b : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  return
}

// -----

func.func @einsum_rank(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{subscript 'ijk' does not match operand 0 of rank 2}}
  %0 = seq.einsum "ijk->i" %a : (tensor<2x3xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @einsum_output_label(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{output label 'k' does not appear in any input}}
  %0 = seq.einsum "ij->k" %a : (tensor<2x3xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @einsum_result(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{result shape [2] does not match expected [3,2]}}
  %0 = seq.einsum "ij->ji" %a : (tensor<2x3xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @argmax_type(%x: tensor<3x4xf32>) {
  // expected-error @+1 {{result must have i64 elements}}
  %0 = seq.argmax %x axis = 1 : tensor<3x4xf32> -> tensor<3xi32>
  return
}

// -----

func.func @argmax_axis(%x: tensor<3x4xf32>) {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = seq.argmax %x axis = 2 : tensor<3x4xf32> -> tensor<3xi64>
  return
}

// -----

func.func @topk_k(%x: tensor<3x4xf32>) {
  // expected-error @+1 {{k = 5 is out of range for an axis of size 4}}
  %v, %i = seq.topk %x k = 5 axis = 1 : tensor<3x4xf32> -> tensor<3x5xf32>, tensor<3x5xi64>
  return
}

// -----

func.func @gather_elements_rank(%d: tensor<2x2xf32>, %i: tensor<2xi64>) {
  // expected-error @+1 {{indices rank 1 differs from data rank 2}}
  %0 = seq.gather_elements %d[%i] axis = 0 : (tensor<2x2xf32>, tensor<2xi64>) -> tensor<2xf32>
  return
}

// -----

func.func @gather_nd_fit(%d: tensor<2x2xf32>, %i: tensor<2x3xi64>) {
  // expected-error @+1 {{batch_dims = 0 and index tuples of length 3 do not fit data of rank 2}}
  %0 = seq.gather_nd %d[%i] : (tensor<2x2xf32>, tensor<2x3xi64>) -> tensor<2xf32>
  return
}

// -----

func.func @scatter_nd_updates(%d: tensor<4x3xf32>, %i: tensor<2x1xi64>, %u: tensor<2x4xf32>) {
  // expected-error @+1 {{updates shape [2,4] does not match expected [2,3]}}
  %0 = seq.scatter_nd add %d[%i] = %u : (tensor<4x3xf32>, tensor<2x1xi64>, tensor<2x4xf32>) -> tensor<4x3xf32>
  return
}

// -----

func.func @scatter_elements_float_indices(%d: tensor<4xf32>, %i: tensor<4xf32>) {
  // expected-error @+1 {{indices must be integers, got 'f32'}}
  %0 = seq.scatter_elements none %d[%i] = %d axis = 0 : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @conv_group(%x: tensor<1x3x5x5xf32>, %w: tensor<4x1x3x3xf32>) {
  // expected-error @+1 {{group 2 does not fit input channels 3}}
  %0 = seq.conv %x, %w strides = [1, 1] dilations = [1, 1] pads = [0, 0, 0, 0] group = 2 : (tensor<1x3x5x5xf32>, tensor<4x1x3x3xf32>) -> tensor<1x4x3x3xf32>
  return
}

// -----

func.func @conv_result(%x: tensor<1x1x5x5xf32>, %w: tensor<1x1x3x3xf32>) {
  // expected-error @+1 {{result shape [1,1,5,5] does not match expected [1,1,3,3]}}
  %0 = seq.conv %x, %w strides = [1, 1] dilations = [1, 1] pads = [0, 0, 0, 0] group = 1 : (tensor<1x1x5x5xf32>, tensor<1x1x3x3xf32>) -> tensor<1x1x5x5xf32>
  return
}

// -----

func.func @conv_dynamic_channels(%x: tensor<1x?x8xf32>, %w: tensor<4x?x3xf32>) {
  // expected-error @+1 {{needs static channel counts, got input [1,?,8] and weight [4,?,3]}}
  %0 = seq.conv %x, %w strides = [1] dilations = [1] pads = [0, 0] group = 1 : (tensor<1x?x8xf32>, tensor<4x?x3xf32>) -> tensor<1x4x6xf32>
  return
}
