// RUN: seq-opt %s --split-input-file --verify-diagnostics

func.func @elt(%new: tensor<1x2x1x32xf16>, %cache: tensor<1x2x64x32xf32>, %pos: tensor<i64>) {
  // expected-error @+1 {{cache element type 'f32' differs from the update's 'f16'}}
  %0 = seq.kv_cache_append %new into %cache at %pos
      : tensor<1x2x1x32xf16> into tensor<1x2x64x32xf32>, tensor<i64>
  return
}

// -----

func.func @heads(%new: tensor<1x4x1x32xf32>, %cache: tensor<1x2x64x32xf32>, %pos: tensor<i64>) {
  // expected-error @+1 {{differ in heads (dim 1) or head size (dim 3)}}
  %0 = seq.kv_cache_append %new into %cache at %pos
      : tensor<1x4x1x32xf32> into tensor<1x2x64x32xf32>, tensor<i64>
  return
}

// -----

func.func @too_long(%new: tensor<1x2x65x32xf32>, %cache: tensor<1x2x64x32xf32>, %pos: tensor<i64>) {
  // expected-error @+1 {{update of 65 positions does not fit a cache of 64}}
  %0 = seq.kv_cache_append %new into %cache at %pos
      : tensor<1x2x65x32xf32> into tensor<1x2x64x32xf32>, tensor<i64>
  return
}

// -----

func.func @rank(%new: tensor<2x1x32xf32>, %cache: tensor<2x64x32xf32>, %pos: tensor<i64>) {
  // expected-error @+1 {{expects rank-4 cache and update}}
  %0 = seq.kv_cache_append %new into %cache at %pos
      : tensor<2x1x32xf32> into tensor<2x64x32xf32>, tensor<i64>
  return
}

// -----

func.func @batch(%new: tensor<2x2x1x32xf32>, %cache: tensor<1x2x64x32xf32>, %pos: tensor<i64>) {
  // expected-error @+1 {{cache batch 1 differs from the update's 2}}
  %0 = seq.kv_cache_append %new into %cache at %pos
      : tensor<2x2x1x32xf32> into tensor<1x2x64x32xf32>, tensor<i64>
  return
}

// -----

func.func @table(%new: tensor<1x2x1x32xf32>, %cache: tensor<8x2x16x32xf32>, %pos: tensor<i64>,
                 %table: tensor<4xi32>) {
  // expected-error @+1 {{expects a rank-2 integer block table}}
  %0 = seq.kv_cache_append %new into %cache at %pos blocks %table
      : tensor<1x2x1x32xf32> into tensor<8x2x16x32xf32>, tensor<i64>, tensor<4xi32>
  return
}

// -----

func.func @view_len(%cache: tensor<8x2x16x32xf32>, %table: tensor<1x4xi32>) {
  // expected-error @+1 {{view of 80 positions exceeds the table's 4 blocks of 16}}
  %0 = seq.kv_cache_view %cache blocks %table
      : tensor<8x2x16x32xf32>, tensor<1x4xi32> -> tensor<1x2x80x32xf32>
  return
}
