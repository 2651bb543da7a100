// RUN: seq-opt --seq-to-linalg --seq-cascade-report %s -o /dev/null | FileCheck %s
// A seq.attention with score_mod / prob_mod regions stays one naive 3-pass
// cascade: the reshapes merging the heads around the region ops carry the
// K/V dim, so the report follows them. The modifier ops add their outputs
// (2 x 128 KiB) to the working set and their adds/muls (2 x 32K) to the
// FLOPs of the same attention without modifiers.

// CHECK: seq-cascade-report: 2 attention cascade(s)
// CHECK: 0 naive 3 - 804.86K 262.14K 2.33M 32.77K 1.94M -
// CHECK: 1 naive 3 - 542.72K 262.14K 2.26M 32.77K 1.38M -
func.func @mods(%q: tensor<1x4x64x16xf32>, %k: tensor<1x2x128x16xf32>, %bias: tensor<64x128xf32>) -> tensor<1x4x64x16xf32> {
  %0 = seq.attention %q, %k, %k scale = 0.25 : (tensor<1x4x64x16xf32>, tensor<1x2x128x16xf32>, tensor<1x2x128x16xf32>) -> tensor<1x4x64x16xf32> score_mod {
  ^bb0(%s: tensor<1x4x64x128xf32>):
    %b = seq.add %s, %bias : (tensor<1x4x64x128xf32>, tensor<64x128xf32>) -> tensor<1x4x64x128xf32>
    seq.yield %b : tensor<1x4x64x128xf32>
  } prob_mod {
  ^bb0(%p: tensor<1x4x64x128xf32>):
    %c = arith.constant dense<2.0> : tensor<f32>
    %t = seq.mul %p, %c : (tensor<1x4x64x128xf32>, tensor<f32>) -> tensor<1x4x64x128xf32>
    seq.yield %t : tensor<1x4x64x128xf32>
  }
  %1 = seq.attention %q, %k, %k scale = 0.25 : (tensor<1x4x64x16xf32>, tensor<1x2x128x16xf32>, tensor<1x2x128x16xf32>) -> tensor<1x4x64x16xf32>
  %2 = seq.add %0, %1 : (tensor<1x4x64x16xf32>, tensor<1x4x64x16xf32>) -> tensor<1x4x64x16xf32>
  return %2 : tensor<1x4x64x16xf32>
}
