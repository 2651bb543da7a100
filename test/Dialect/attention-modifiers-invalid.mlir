// RUN: seq-opt %s --split-input-file --verify-diagnostics
// Verifier of seq.attention's score_mod / prob_mod regions.

func.func @arg_type(%q: tensor<1x2x3x8xf32>) {
  // expected-error @+1 {{'seq.attention' op score_mod argument has type 'tensor<1x2x3x4xf32>', expected 'tensor<1x2x3x3xf32>'}}
  %0 = seq.attention %q, %q, %q scale = 1.0 : (tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>) -> tensor<1x2x3x8xf32> score_mod {
  ^bb0(%s: tensor<1x2x3x4xf32>):
    seq.yield %s : tensor<1x2x3x4xf32>
  }
  return
}

// -----

// Half inputs: the softmax type (and the regions') is f32.
func.func @arg_elt_half(%q: tensor<1x2x3x8xf16>) {
  // expected-error @+1 {{'seq.attention' op prob_mod argument has type 'tensor<1x2x3x3xf16>', expected 'tensor<1x2x3x3xf32>'}}
  %0 = seq.attention %q, %q, %q scale = 1.0 : (tensor<1x2x3x8xf16>, tensor<1x2x3x8xf16>, tensor<1x2x3x8xf16>) -> tensor<1x2x3x8xf16> prob_mod {
  ^bb0(%p: tensor<1x2x3x3xf16>):
    seq.yield %p : tensor<1x2x3x3xf16>
  }
  return
}

// -----

func.func @arg_count(%q: tensor<1x2x3x8xf32>) {
  // expected-error @+1 {{'seq.attention' op score_mod must have one block argument (the scores 'tensor<1x2x3x3xf32>'), got 2}}
  %0 = seq.attention %q, %q, %q scale = 1.0 : (tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>) -> tensor<1x2x3x8xf32> score_mod {
  ^bb0(%s: tensor<1x2x3x3xf32>, %t: tensor<1x2x3x3xf32>):
    seq.yield %s : tensor<1x2x3x3xf32>
  }
  return
}

// -----

func.func @yield_type(%q: tensor<1x2x3x8xf32>) {
  %0 = seq.attention %q, %q, %q scale = 1.0 softmax_precision = f64 : (tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>) -> tensor<1x2x3x8xf32> prob_mod {
  ^bb0(%p: tensor<1x2x3x3xf64>):
    %c = seq.cast %p : tensor<1x2x3x3xf64> to tensor<1x2x3x3xf32>
    // expected-error @+1 {{'seq.yield' op in prob_mod yields 'tensor<1x2x3x3xf32>', expected 'tensor<1x2x3x3xf64>'}}
    seq.yield %c : tensor<1x2x3x3xf32>
  }
  return
}

// -----

func.func @yield_count(%q: tensor<1x2x3x8xf32>) {
  %0 = seq.attention %q, %q, %q scale = 1.0 : (tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>) -> tensor<1x2x3x8xf32> score_mod {
  ^bb0(%s: tensor<1x2x3x3xf32>):
    // expected-error @+1 {{'seq.yield' op in score_mod must yield one value, got 2}}
    seq.yield %s, %s : tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>
  }
  return
}

// -----

func.func @with_scores(%q: tensor<1x2x3x8xf32>) {
  // expected-error @+1 {{'seq.attention' op the scores result cannot be combined with score_mod/prob_mod regions}}
  %0, %1 = seq.attention %q, %q, %q scale = 1.0 {scores_mode = 3 : i64} : (tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>) -> (tensor<1x2x3x8xf32>, tensor<1x2x3x3xf32>) prob_mod {
  ^bb0(%p: tensor<1x2x3x3xf32>):
    seq.yield %p : tensor<1x2x3x3xf32>
  }
  return
}

// -----

func.func @precision_not_float(%q: tensor<1x2x3x8xf32>) {
  // expected-error @+1 {{'seq.attention' op attribute 'softmax_precision' failed to satisfy constraint: type attribute of floating-point}}
  %0 = seq.attention %q, %q, %q scale = 1.0 softmax_precision = i32 : (tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>) -> tensor<1x2x3x8xf32>
  return
}

// -----

func.func @two_blocks(%q: tensor<1x2x3x8xf32>) {
  // expected-error @+1 {{'seq.attention' op region #0 ('score_mod') failed to verify constraint: region with at most 1 blocks}}
  %0 = seq.attention %q, %q, %q scale = 1.0 : (tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>) -> tensor<1x2x3x8xf32> score_mod {
  ^bb0(%s: tensor<1x2x3x3xf32>):
    cf.br ^bb1
  ^bb1:
    seq.yield %s : tensor<1x2x3x3xf32>
  }
  return
}

// -----

func.func @yield_outside(%x: tensor<2xf32>) {
  // expected-error @+1 {{'seq.yield' op expects parent op to be one of 'seq.scan, seq.attention'}}
  seq.yield %x : tensor<2xf32>
}
