// RUN: seq-opt --seq-to-linalg --seq-cascade-report %s -o /dev/null | FileCheck %s

// The seq.linear_scan rows of the cascade report. Chunked prefill at T = 16
// and T = 64 (chunks of 8, one decay value per head): one sweep over the
// sequence, the same working set (state + one chunk's C x C scores and
// C x D rows), FLOPs, exps and bytes growing linearly with T. A step-by-step
// scan (GQA: 2 query heads per kv head): one sweep, per-head temporaries
// only. T = 20 in chunks of 8: the 4 remaining steps continue the chunk
// loop's state, the same sweep (0 more passes). Output rows are written
// in place (no chunk-sized temporary in the working set).
// CHECK: seq-scan-report: 5 linear scan loop(s)
// CHECK: #   scan            steps chunk  heads   G   Dk   Dv seq-passes   state-B  working-set      flops        exp  bytes-moved
// CHECK-NEXT: 0   chunked            16     8      2   1    8    8          1       512        3.20K     18.18K      1.02K        4.22K
// CHECK-NEXT: 1   chunked            64     8      2   1    8    8          1       512        3.20K     72.70K      4.10K       16.90K
// CHECK-NEXT: 2   step               20     1      2   2    8    8          1       512          512     20.48K          0        8.19K
// CHECK-NEXT: 3   chunked            16     8      2   2    8    8          1       512        4.61K     29.18K          0        6.14K
// CHECK-NEXT: 4   step-remainder      4     1      2   2    8    8          0       512          768      3.20K          0        1.54K
// CHECK-NEXT:   #0 at loc(
func.func @scans(%q: tensor<1x2x16x8xf32>, %g: tensor<1x2x16x1xf32>, %q2: tensor<1x2x64x8xf32>, %g2: tensor<1x2x64x1xf32>, %q3: tensor<1x4x20x8xf32>, %k3: tensor<1x2x20x8xf32>, %s3: tensor<1x2x8x8xf32>) -> (tensor<1x2x16x8xf32>, tensor<1x2x64x8xf32>, tensor<1x4x20x8xf32>, tensor<1x4x20x8xf32>) {
  %o1, %s1 = seq.linear_scan additive %q, %q, %q decay %g scale = 1.0 chunk_size = 8 : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x1xf32>) -> (tensor<1x2x16x8xf32>, tensor<1x2x8x8xf32>)
  %o2, %s2 = seq.linear_scan additive %q2, %q2, %q2 decay %g2 scale = 1.0 chunk_size = 8 : (tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>, tensor<1x2x64x1xf32>) -> (tensor<1x2x64x8xf32>, tensor<1x2x8x8xf32>)
  %o3, %s4 = seq.linear_scan additive %q3, %k3, %k3 state %s3 scale = 0.5 : (tensor<1x4x20x8xf32>, tensor<1x2x20x8xf32>, tensor<1x2x20x8xf32>, tensor<1x2x8x8xf32>) -> (tensor<1x4x20x8xf32>, tensor<1x2x8x8xf32>)
  %o4, %s5 = seq.linear_scan additive %q3, %k3, %k3 scale = 0.5 chunk_size = 8 : (tensor<1x4x20x8xf32>, tensor<1x2x20x8xf32>, tensor<1x2x20x8xf32>) -> (tensor<1x4x20x8xf32>, tensor<1x2x8x8xf32>)
  return %o1, %o2, %o3, %o4 : tensor<1x2x16x8xf32>, tensor<1x2x64x8xf32>, tensor<1x4x20x8xf32>, tensor<1x4x20x8xf32>
}
