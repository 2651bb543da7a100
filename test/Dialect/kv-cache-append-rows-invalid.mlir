// RUN: seq-opt %s --split-input-file --verify-diagnostics

// Per-row positions: one per cache batch row.
func.func @rows_batch(%new: tensor<3x2x1x32xf32>, %cache: tensor<3x2x64x32xf32>,
                      %pos: tensor<2xi64>) -> tensor<3x2x64x32xf32> {
  // expected-error @+1 {{per-row position 'tensor<2xi64>' differs from the cache batch 3}}
  %0 = seq.kv_cache_append %new into %cache at %pos
      : tensor<3x2x1x32xf32> into tensor<3x2x64x32xf32>, tensor<2xi64>
  return %0 : tensor<3x2x64x32xf32>
}

// -----

func.func @rows_rank2(%new: tensor<3x2x1x32xf32>, %cache: tensor<3x2x64x32xf32>,
                      %pos: tensor<3x1xi64>) -> tensor<3x2x64x32xf32> {
  // expected-error @+1 {{expects a rank-0 or [batch] position, got 'tensor<3x1xi64>'}}
  %0 = seq.kv_cache_append %new into %cache at %pos
      : tensor<3x2x1x32xf32> into tensor<3x2x64x32xf32>, tensor<3x1xi64>
  return %0 : tensor<3x2x64x32xf32>
}

// -----

// A paged append reads one position through the block table.
func.func @rows_paged(%new: tensor<1x2x1x32xf32>, %pool: tensor<8x2x16x32xf32>,
                      %pos: tensor<1xi64>, %table: tensor<1x4xi32>) -> tensor<8x2x16x32xf32> {
  // expected-error @+1 {{a paged append takes one rank-0 position, got 'tensor<1xi64>'}}
  %0 = seq.kv_cache_append %new into %pool at %pos blocks %table
      : tensor<1x2x1x32xf32> into tensor<8x2x16x32xf32>, tensor<1xi64>, tensor<1x4xi32>
  return %0 : tensor<8x2x16x32xf32>
}
