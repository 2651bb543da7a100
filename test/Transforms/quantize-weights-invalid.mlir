// Options the kernels do not have are refused with a message.
// RUN: not seq-opt --seq-quantize-weights="bits=5" %s 2>&1 | FileCheck %s
// RUN: not seq-opt --seq-quantize-weights="bits=4 group=24" %s 2>&1 | FileCheck %s
// RUN: not seq-opt --seq-quantize-weights="bits=8 group=8" %s 2>&1 | FileCheck %s
// An unknown option is a pipeline parse error.
// RUN: not seq-opt --seq-quantize-weights="block=32" %s 2>&1 | FileCheck %s --check-prefix=OPT

// CHECK: error: seq-quantize-weights: bits must be 4 or 8 and group a power of two >= 16
// OPT: no such option block

func.func @main(%x: tensor<1x64xf32>) -> tensor<1x64xf32> {
  %w = arith.constant dense<1.0> : tensor<64x64xf32>
  %0 = seq.matmul %x, %w : (tensor<1x64xf32>, tensor<64x64xf32>) -> tensor<1x64xf32>
  return %0 : tensor<1x64xf32>
}
