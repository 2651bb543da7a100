// RUN: seq-opt %s --seq-lower-moe --seq-cascade-report -o /dev/null | FileCheck %s

// The expert FLOPs seq.moe runs (k = 2 of 16 experts per token: 1/8 of a
// dense mixture) and the weight bytes against the export's per-slot gather.
// CHECK: seq-moe-report: 1 mixture(s) of experts
// CHECK: #    tokens   k  experts  expert-flops  dense-flops      run  gather-bytes  weight-bytes
// 2 * 128 * 2 * (1024 * 512 + 512 * 512) = 402.65M; x 16 / 2 = 3.22G.
// CHECK: 0       128   2       16       402.65M        3.22G    0.125      805.31MB       50.33MB
// CHECK: #0 at loc("moe")
func.func @main(%x: tensor<128x512xf32>, %w: tensor<128x2xf32>, %i: tensor<128x2xi64>,
                %up: tensor<16x1024x512xf32>, %down: tensor<16x512x512xf32>) -> tensor<128x512xf32> {
  %0 = seq.moe %x, %w, %i experts(%up, %down) activation = swiglu
      : (tensor<128x512xf32>, tensor<128x2xf32>, tensor<128x2xi64>, tensor<16x1024x512xf32>, tensor<16x512x512xf32>) -> tensor<128x512xf32> loc("moe")
  return %0 : tensor<128x512xf32>
}
