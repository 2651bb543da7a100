// RUN: seq-opt --seq-lower-quant-matmul %s | FileCheck %s
// Without seq.quant_matmul the pass changes nothing: no kernel declaration,
// the f32 matmul stays.

// CHECK-NOT: seqc_uk_qgemm
// CHECK: func.func @main
// CHECK: seq.matmul
// CHECK-NOT: seqc_uk_qgemm
func.func @main(%x: tensor<2x64xf32>, %w: tensor<64x32xf32>) -> tensor<2x32xf32> {
  %0 = seq.matmul %x, %w : (tensor<2x64xf32>, tensor<64x32xf32>) -> tensor<2x32xf32>
  return %0 : tensor<2x32xf32>
}
