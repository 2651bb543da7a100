// RUN: seq-opt --seq-to-linalg --seq-cascade-report %s -o /dev/null | FileCheck %s --check-prefix=NAIVE
// RUN: seq-opt --seq-tile-attention="approx-exp=false" --seq-to-linalg --seq-cascade-report %s -o /dev/null | FileCheck %s --check-prefix=TILED
// RUN: seq-opt --seq-tile-attention="block-q=128 block-kv=0 approx-exp=false" --seq-to-linalg --seq-cascade-report %s -o /dev/null | FileCheck %s --check-prefix=ONLINE
// Passes over K/V from the dependence structure: the naive cascade needs 3
// (max; exp and sum; divide and ·V) and keeps the K/V-sized scores live
// across them; the tiled cascade makes 1 pass (2 over each on-chip tile:
// tile max, then exp/sum/·V), with a working set independent of S and the
// causal tiles skipped (10 of 16 per head).

// 2 heads x 256 x 256 scores = 512 KiB per K/V-sized tensor; two of them
// (the masked scores and their exponentials) are read in a later pass.
// NAIVE: seq-cascade-report: 2 attention cascade(s)
// NAIVE: # cascade kv-passes tile-pass working-set kv-live-B flops exp bytes-moved kv-tiles params
// NAIVE: 0 naive 3 - 2.17M 1.05M 17.43M 131.07K 5.51M -
// NAIVE: 1 naive 3 - 8.53M 4.19M 69.73M 524.29K 21.51M -
// TILED: seq-cascade-report: 2 attention cascade(s)
// TILED: 0 online-tiled 1 2 66.82K 0 10.81M 83.20K 589.82K 20/32 Bq=64 Bkv=64 split=1
// TILED: 1 online-tiled 1 2 66.82K 0 38.86M 299.52K 1.70M 72/128 Bq=64 Bkv=64 split=1
// TILED-NEXT: #0 at
// Untiled online softmax (one K/V tile): 1 pass, but the working set grows
// with the K/V length.
// ONLINE: 0 online-tiled 1 2 264.70K 0 {{.*}} 4/4 Bq=128 Bkv=256 split=1
// ONLINE: 1 online-tiled 1 2 461.31K 0 {{.*}} 8/8 Bq=128 Bkv=512 split=1
func.func @causal(%q: tensor<1x2x256x32xf32>, %k: tensor<1x2x256x32xf32>) -> tensor<1x2x256x32xf32> {
  %0 = seq.attention %q, %k, %k scale = 0.1767767 causal : (tensor<1x2x256x32xf32>, tensor<1x2x256x32xf32>, tensor<1x2x256x32xf32>) -> tensor<1x2x256x32xf32>
  return %0 : tensor<1x2x256x32xf32>
}

// Twice the sequence: the naive working set and live bytes grow 4x, the
// tiled working set stays the same.
func.func @causal512(%q: tensor<1x2x512x32xf32>, %k: tensor<1x2x512x32xf32>) -> tensor<1x2x512x32xf32> {
  %0 = seq.attention %q, %k, %k scale = 0.1767767 causal : (tensor<1x2x512x32xf32>, tensor<1x2x512x32xf32>, tensor<1x2x512x32xf32>) -> tensor<1x2x512x32xf32>
  return %0 : tensor<1x2x512x32xf32>
}
