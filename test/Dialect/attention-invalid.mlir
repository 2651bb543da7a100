// RUN: seq-opt %s --split-input-file --verify-diagnostics
// Verifier of the positional (kv_seqlen / query_offset / window) and scores
// extensions of seq.attention.

func.func @offset_negative(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{query_offset must be >= 0, got -2}}
  %0 = seq.attention %q, %q, %q scale = 1.0 {query_offset = -2 : si64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @window_bad(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{window_left/window_right must be -1 (unbounded) or >= 0, got -3/-1}}
  %0 = seq.attention %q, %q, %q scale = 1.0 {window_left = -3 : si64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @lens_rank(%q: tensor<1x2x4x8xf32>, %l: tensor<1x1xi64>) {
  // expected-error @+1 {{kv_seqlen must be a 1-D signless integer tensor, got 'tensor<1x1xi64>'}}
  %0 = seq.attention %q, %q, %q kv_seqlen %l scale = 1.0 : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x1xi64>) -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @lens_batch(%q: tensor<2x2x4x8xf32>, %l: tensor<3xi64>) {
  // expected-error @+1 {{kv_seqlen has 3 entries for batch 2}}
  %0 = seq.attention %q, %q, %q kv_seqlen %l scale = 1.0 : (tensor<2x2x4x8xf32>, tensor<2x2x4x8xf32>, tensor<2x2x4x8xf32>, tensor<3xi64>) -> tensor<2x2x4x8xf32>
  return
}

// -----

func.func @lens_with_offset(%q: tensor<1x2x4x8xf32>, %l: tensor<1xi64>) {
  // expected-error @+1 {{query_offset must be 0 when kv_seqlen is given}}
  %0 = seq.attention %q, %q, %q kv_seqlen %l scale = 1.0 causal {query_offset = 2 : si64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1xi64>) -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @scores_without_mode(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{scores_mode and the scores result must be given together}}
  %0:2 = seq.attention %q, %q, %q scale = 1.0 : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> (tensor<1x2x4x8xf32>, tensor<1x2x4x4xf32>)
  return
}

// -----

func.func @mode_without_scores(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{scores_mode and the scores result must be given together}}
  %0 = seq.attention %q, %q, %q scale = 1.0 {scores_mode = 3 : i64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @mode_range(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{scores_mode must be in [0, 3], got 4}}
  %0:2 = seq.attention %q, %q, %q scale = 1.0 {scores_mode = 4 : i64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> (tensor<1x2x4x8xf32>, tensor<1x2x4x4xf32>)
  return
}

// -----

func.func @scores_shape(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x6x8xf32>) {
  // expected-error @+1 {{scores type 'tensor<1x2x4x4xf32>' does not match expected [1,2,4,6] of 'f32'}}
  %0:2 = seq.attention %q, %k, %k scale = 1.0 {scores_mode = 2 : i64} : (tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32>) -> (tensor<1x2x4x8xf32>, tensor<1x2x4x4xf32>)
  return
}
