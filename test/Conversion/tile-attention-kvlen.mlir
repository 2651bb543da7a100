// RUN: seq-opt --seq-tile-attention %s | FileCheck %s
// Decode from a KV cache: kv_seqlen gives the filled prefix of a 512-slot
// cache. The cascade reads K tiles in place (no transposed copy of the
// cache), its tile loop ends at ceil(kv_seqlen / Bc) with K/V tiles of 256
// (dividing the cache), and keys at or past kv_seqlen are masked.

// CHECK-LABEL: func @decode_cache
// CHECK-NOT: tensor<1x2x32x512xf32>
// CHECK: scf.forall
// CHECK: %[[N:.*]] = tensor.extract %arg2[%{{.*}}] : tensor<1xi64>
// CHECK: %[[I:.*]] = arith.index_cast %[[N]]
// CHECK: arith.floordivsi %{{.*}}, %c256
// CHECK: scf.for
// CHECK: tensor.extract_slice %arg1[%{{.*}}, %{{.*}}, %{{.*}}, 0] [1, 1, 256, 32] [1, 1, 1, 1] : tensor<1x2x512x32xf32> to tensor<256x32xf32>
// CHECK: arith.cmpi uge
// CHECK: } {seq.kv_tile_loop}
func.func @decode_cache(%q: tensor<1x4x1x32xf32>, %k: tensor<1x2x512x32xf32>,
                        %len: tensor<1xi64>) -> tensor<1x4x1x32xf32> {
  %0 = seq.attention %q, %k, %k kv_seqlen %len scale = 0.125 causal
      : (tensor<1x4x1x32xf32>, tensor<1x2x512x32xf32>, tensor<1x2x512x32xf32>, tensor<1xi64>) -> tensor<1x4x1x32xf32>
  return %0 : tensor<1x4x1x32xf32>
}
