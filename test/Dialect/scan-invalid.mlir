// RUN: seq-opt %s -split-input-file -verify-diagnostics

func.func @no_inputs(%h0: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'seq.scan' op needs at least one scanned input (it sets the sequence length)}}
  %r = seq.scan inits(%h0 : tensor<4xf32>) 
      input_axes = [] input_reverse = [] output_axes = [] output_reverse = []
      -> (tensor<4xf32>) {
  ^bb0(%h: tensor<4xf32>):
    seq.yield %h : tensor<4xf32>
  }
  return %r : tensor<4xf32>
}

// -----

func.func @axes_count(%h0: tensor<4xf32>, %xs: tensor<3x4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'seq.scan' op has 1 scanned inputs but 2 input_axes and 1 input_reverse entries}}
  %r = seq.scan inits(%h0 : tensor<4xf32>) inputs(%xs : tensor<3x4xf32>)
      input_axes = [0, 0] input_reverse = [false] output_axes = [] output_reverse = []
      -> (tensor<4xf32>) {
  ^bb0(%h: tensor<4xf32>, %x: tensor<4xf32>):
    seq.yield %h : tensor<4xf32>
  }
  return %r : tensor<4xf32>
}

// -----

func.func @axis_range(%h0: tensor<4xf32>, %xs: tensor<3x4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'seq.scan' op input_axes[0] = 2 is out of range for scanned input 0 of rank 2}}
  %r = seq.scan inits(%h0 : tensor<4xf32>) inputs(%xs : tensor<3x4xf32>)
      input_axes = [2] input_reverse = [false] output_axes = [] output_reverse = []
      -> (tensor<4xf32>) {
  ^bb0(%h: tensor<4xf32>, %x: tensor<4xf32>):
    seq.yield %h : tensor<4xf32>
  }
  return %r : tensor<4xf32>
}

// -----

func.func @lengths(%a: tensor<3x4xf32>, %b: tensor<5x4xf32>) -> tensor<3x4xf32> {
  // expected-error @+1 {{'seq.scan' op scanned input 1 has length 5 along axis 0 but earlier inputs have length 3}}
  %r = seq.scan inputs(%a, %b : tensor<3x4xf32>, tensor<5x4xf32>)
      input_axes = [0, 0] input_reverse = [false, false] output_axes = [0] output_reverse = [false]
      -> (tensor<3x4xf32>) {
  ^bb0(%x: tensor<4xf32>, %y: tensor<4xf32>):
    seq.yield %x : tensor<4xf32>
  }
  return %r : tensor<3x4xf32>
}

// -----

func.func @final_state(%h0: tensor<4xf32>, %xs: tensor<3x4xf32>) -> tensor<4xf64> {
  // expected-error @+1 {{'seq.scan' op final state 0 has type 'tensor<4xf64>' but its init has type 'tensor<4xf32>'}}
  %r = seq.scan inits(%h0 : tensor<4xf32>) inputs(%xs : tensor<3x4xf32>)
      input_axes = [0] input_reverse = [false] output_axes = [] output_reverse = []
      -> (tensor<4xf64>) {
  ^bb0(%h: tensor<4xf32>, %x: tensor<4xf32>):
    seq.yield %h : tensor<4xf32>
  }
  return %r : tensor<4xf64>
}

// -----

func.func @out_length(%xs: tensor<3x4xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'seq.scan' op scan output 0 has length 2 along axis 0 but the sequence length is 3}}
  %r = seq.scan inputs(%xs : tensor<3x4xf32>)
      input_axes = [0] input_reverse = [false] output_axes = [0] output_reverse = [false]
      -> (tensor<2x4xf32>) {
  ^bb0(%x: tensor<4xf32>):
    seq.yield %x : tensor<4xf32>
  }
  return %r : tensor<2x4xf32>
}

// -----

func.func @slice_type(%xs: tensor<3x4xf32>) -> tensor<3x4xf32> {
  // expected-error @+1 {{'seq.scan' op body argument 0 (slice of input 0) has type 'tensor<3x4xf32>', expected 'tensor<4xf32>'}}
  %r = seq.scan inputs(%xs : tensor<3x4xf32>)
      input_axes = [0] input_reverse = [false] output_axes = [0] output_reverse = [false]
      -> (tensor<3x4xf32>) {
  ^bb0(%x: tensor<3x4xf32>):
    seq.yield %x : tensor<3x4xf32>
  }
  return %r : tensor<3x4xf32>
}

// -----

func.func @yield_count(%h0: tensor<4xf32>, %xs: tensor<3x4xf32>) -> tensor<4xf32> {
  %r = seq.scan inits(%h0 : tensor<4xf32>) inputs(%xs : tensor<3x4xf32>)
      input_axes = [0] input_reverse = [false] output_axes = [] output_reverse = []
      -> (tensor<4xf32>) {
  ^bb0(%h: tensor<4xf32>, %x: tensor<4xf32>):
    // expected-error @+1 {{'seq.yield' op yields 2 values, expected 1 states and 0 per-step outputs}}
    seq.yield %h, %x : tensor<4xf32>, tensor<4xf32>
  }
  return %r : tensor<4xf32>
}

// -----

func.func @yield_state(%h0: tensor<4xf32>, %xs: tensor<3x2xf32>) -> tensor<4xf32> {
  %r = seq.scan inits(%h0 : tensor<4xf32>) inputs(%xs : tensor<3x2xf32>)
      input_axes = [0] input_reverse = [false] output_axes = [] output_reverse = []
      -> (tensor<4xf32>) {
  ^bb0(%h: tensor<4xf32>, %x: tensor<2xf32>):
    // expected-error @+1 {{'seq.yield' op state 0 has type 'tensor<2xf32>' but the init has type 'tensor<4xf32>'}}
    seq.yield %x : tensor<2xf32>
  }
  return %r : tensor<4xf32>
}

// -----

func.func @stack(%xs: tensor<3x4xf32>) -> tensor<3x5xf32> {
  %r = seq.scan inputs(%xs : tensor<3x4xf32>)
      input_axes = [0] input_reverse = [false] output_axes = [0] output_reverse = [false]
      -> (tensor<3x5xf32>) {
  ^bb0(%x: tensor<4xf32>):
    // expected-error @+1 {{'seq.yield' op per-step output 0 of type 'tensor<4xf32>' does not stack into 'tensor<3x5xf32>' along axis 0}}
    seq.yield %x : tensor<4xf32>
  }
  return %r : tensor<3x5xf32>
}

// -----

func.func @yield_parent(%x: tensor<4xf32>) {
  // expected-error @+1 {{'seq.yield' op expects parent op to be one of 'seq.scan, seq.attention'}}
  seq.yield %x : tensor<4xf32>
}
