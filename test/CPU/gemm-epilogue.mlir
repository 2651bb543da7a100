// RUN: seq-opt --seq-lower-to-ukernels %s | FileCheck %s
// RUN: seq-opt --seq-lower-to-ukernels=epilogues=false %s | FileCheck %s --check-prefix=OFF
// RUN: env SEQC_GEMM_EPILOGUES=0 seq-opt --seq-lower-to-ukernels %s | FileCheck %s --check-prefix=OFF

// The elementwise consumer of a contraction (bias, residual, activation)
// becomes the epilogue of a seqc_uk_sgemm_ep call: descriptor slots 0-2 are
// the activation (SEQC_UK_ACT_*), the number of terms and how many come
// before the activation. Near misses keep a plain call and the generic.

// OFF-NOT: call @seqc_uk_sgemm_ep(

#mk = affine_map<(m, n, k) -> (m, k)>
#kn = affine_map<(m, n, k) -> (k, n)>
#mn = affine_map<(m, n, k) -> (m, n)>
#id = affine_map<(m, n) -> (m, n)>
#tr = affine_map<(m, n) -> (n, m)>
#col = affine_map<(m, n) -> (n)>
#id3 = affine_map<(b, m, n) -> (b, m, n)>

// Qwen2-style biased projection: the bias is added in place.
// CHECK-LABEL: func.func @bias(
// CHECK-NOT: linalg.fill
// CHECK: memref.alloca_scope
// CHECK-NEXT: %[[D:.*]] = memref.alloca() : memref<21xi64>
// CHECK-NEXT: %[[ACT:.*]] = arith.constant 0 : i64
// CHECK-NEXT: %[[S0:.*]] = arith.constant 0 : index
// CHECK-NEXT: memref.store %[[ACT]], %[[D]][%[[S0]]]
// CHECK-NEXT: %[[NT:.*]] = arith.constant 1 : i64
// CHECK-NEXT: %[[S1:.*]] = arith.constant 1 : index
// CHECK-NEXT: memref.store %[[NT]], %[[D]][%[[S1]]]
// CHECK-NEXT: %[[NP:.*]] = arith.constant 1 : i64
// CHECK-NEXT: %[[S2:.*]] = arith.constant 2 : index
// CHECK-NEXT: memref.store %[[NP]], %[[D]][%[[S2]]]
// CHECK: call @seqc_uk_sgemm_ep(
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @bias(%a: memref<16x64xf32>, %b: memref<64x32xf32>, %bias: memref<32xf32>, %y: memref<16x32xf32>) {
  %z = arith.constant 0.0 : f32
  %x = memref.alloc() : memref<16x32xf32>
  linalg.fill ins(%z : f32) outs(%x : memref<16x32xf32>)
  linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<16x64xf32>, memref<64x32xf32>) outs(%x : memref<16x32xf32>) {
  ^bb0(%i: f32, %j: f32, %o: f32):
    %p = arith.mulf %i, %j : f32
    %s = arith.addf %p, %o : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %bias : memref<16x32xf32>, memref<32xf32>) outs(%x : memref<16x32xf32>) {
  ^bb0(%i: f32, %c: f32, %o: f32):
    %s = arith.addf %i, %c : f32
    linalg.yield %s : f32
  }
  memref.copy %x, %y : memref<16x32xf32> to memref<16x32xf32>
  memref.dealloc %x : memref<16x32xf32>
  return
}

// GPT-2 residual: read through a unit-dim reshape, written to a new buffer;
// the product's buffer is freed right after.
// CHECK-LABEL: func.func @residual(
// CHECK: memref.alloca_scope
// CHECK-NEXT: memref.alloca() : memref<21xi64>
// CHECK-NEXT: arith.constant 0 : i64
// CHECK: arith.constant 1 : i64
// CHECK: arith.constant 1 : i64
// CHECK: call @seqc_uk_sgemm_ep(
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @residual(%a: memref<16x64xf32>, %b: memref<64x32xf32>, %r: memref<1x16x32xf32>, %y: memref<1x16x32xf32>) {
  %z = arith.constant 0.0 : f32
  %x = memref.alloc() : memref<16x32xf32>
  linalg.fill ins(%z : f32) outs(%x : memref<16x32xf32>)
  linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<16x64xf32>, memref<64x32xf32>) outs(%x : memref<16x32xf32>) {
  ^bb0(%i: f32, %j: f32, %o: f32):
    %p = arith.mulf %i, %j : f32
    %s = arith.addf %p, %o : f32
    linalg.yield %s : f32
  }
  %xv = memref.expand_shape %x [[0, 1], [2]] output_shape [1, 16, 32] : memref<16x32xf32> into memref<1x16x32xf32>
  linalg.generic {indexing_maps = [#id3, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%r, %xv : memref<1x16x32xf32>, memref<1x16x32xf32>) outs(%y : memref<1x16x32xf32>) {
  ^bb0(%i: f32, %c: f32, %o: f32):
    %s = arith.addf %i, %c : f32
    linalg.yield %s : f32
  }
  memref.dealloc %x : memref<16x32xf32>
  return
}

// GPT-2 MLP: the exporter's tanh GELU, written to the function's output.
// CHECK-LABEL: func.func @gelu_tanh(
// CHECK: memref.alloca_scope
// CHECK-NEXT: memref.alloca() : memref<21xi64>
// CHECK-NEXT: arith.constant 2 : i64
// CHECK: arith.constant 0 : i64
// CHECK: arith.constant 0 : i64
// CHECK: call @seqc_uk_sgemm_ep(
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @gelu_tanh(%a: memref<16x64xf32>, %b: memref<64x32xf32>, %y: memref<16x32xf32>) {
  %z = arith.constant 0.0 : f32
  %c0 = arith.constant 0.044715 : f32
  %c1 = arith.constant 0.797884583 : f32
  %half = arith.constant 0.5 : f32
  %one = arith.constant 1.0 : f32
  %x = memref.alloc() : memref<16x32xf32>
  linalg.fill ins(%z : f32) outs(%x : memref<16x32xf32>)
  linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<16x64xf32>, memref<64x32xf32>) outs(%x : memref<16x32xf32>) {
  ^bb0(%i: f32, %j: f32, %o: f32):
    %p = arith.mulf %i, %j : f32
    %s = arith.addf %p, %o : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<16x32xf32>) outs(%y : memref<16x32xf32>) {
  ^bb0(%in: f32, %o: f32):
    %0 = arith.mulf %in, %in : f32
    %1 = arith.mulf %0, %in : f32
    %2 = arith.mulf %1, %c0 : f32
    %3 = arith.addf %in, %2 : f32
    %4 = arith.mulf %3, %c1 : f32
    %5 = math.tanh %4 : f32
    %6 = arith.mulf %in, %half : f32
    %7 = arith.addf %5, %one : f32
    %8 = arith.mulf %6, %7 : f32
    linalg.yield %8 : f32
  }
  memref.dealloc %x : memref<16x32xf32>
  return
}

// Bias, then ReLU spelled as maximumf.
// CHECK-LABEL: func.func @bias_relu(
// CHECK: memref.alloca_scope
// CHECK-NEXT: memref.alloca() : memref<21xi64>
// CHECK-NEXT: arith.constant 1 : i64
// CHECK: arith.constant 1 : i64
// CHECK: arith.constant 1 : i64
// CHECK: call @seqc_uk_sgemm_ep(
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @bias_relu(%a: memref<16x64xf32>, %b: memref<64x32xf32>, %bias: memref<32xf32>, %y: memref<16x32xf32>) {
  %z = arith.constant 0.0 : f32
  %x = memref.alloc() : memref<16x32xf32>
  linalg.fill ins(%z : f32) outs(%x : memref<16x32xf32>)
  linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<16x64xf32>, memref<64x32xf32>) outs(%x : memref<16x32xf32>) {
  ^bb0(%i: f32, %j: f32, %o: f32):
    %p = arith.mulf %i, %j : f32
    %s = arith.addf %p, %o : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#col, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%bias, %x : memref<32xf32>, memref<16x32xf32>) outs(%y : memref<16x32xf32>) {
  ^bb0(%c: f32, %i: f32, %o: f32):
    %s = arith.addf %c, %i : f32
    %r = arith.maximumf %s, %z : f32
    linalg.yield %r : f32
  }
  memref.dealloc %x : memref<16x32xf32>
  return
}

// SiLU(x + bias) + residual: one term before the activation, one after.
// The zero fill is not right before the contraction.
// CHECK-LABEL: func.func @bias_silu_residual(
// CHECK: memref.alloca_scope
// CHECK-NEXT: memref.alloca() : memref<21xi64>
// CHECK-NEXT: arith.constant 4 : i64
// CHECK: arith.constant 2 : i64
// CHECK: arith.constant 1 : i64
// CHECK: call @seqc_uk_sgemm_ep(
// CHECK-NOT: linalg
// CHECK: return
func.func @bias_silu_residual(%a: memref<16x64xf32>, %b: memref<64x32xf32>, %bias: memref<32xf32>, %r: memref<16x32xf32>, %y: memref<16x32xf32>) {
  %z = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %x = memref.alloc() : memref<16x32xf32>
  linalg.fill ins(%z : f32) outs(%x : memref<16x32xf32>)
  %other = memref.alloc() : memref<4xf32>
  linalg.fill ins(%one : f32) outs(%other : memref<4xf32>)
  linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<16x64xf32>, memref<64x32xf32>) outs(%x : memref<16x32xf32>) {
  ^bb0(%i: f32, %j: f32, %o: f32):
    %p = arith.mulf %i, %j : f32
    %s = arith.addf %p, %o : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #col, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %bias, %r : memref<16x32xf32>, memref<32xf32>, memref<16x32xf32>) outs(%y : memref<16x32xf32>) {
  ^bb0(%i: f32, %c: f32, %res: f32, %o: f32):
    %s = arith.addf %i, %c : f32
    %n = arith.negf %s : f32
    %e = math.exp %n : f32
    %d = arith.addf %e, %one : f32
    %g = arith.divf %s, %d : f32
    %t = arith.addf %res, %g : f32
    linalg.yield %t : f32
  }
  memref.dealloc %x : memref<16x32xf32>
  memref.dealloc %other : memref<4xf32>
  return
}

// erf GELU over a batched contraction (two A batches, shared B).
// CHECK-LABEL: func.func @gelu_erf_batched(
// CHECK: memref.alloca_scope
// CHECK-NEXT: memref.alloca() : memref<21xi64>
// CHECK-NEXT: arith.constant 3 : i64
// CHECK: call @seqc_uk_sgemm_ep(
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @gelu_erf_batched(%a: memref<2x16x64xf32>, %b: memref<64x32xf32>, %y: memref<2x16x32xf32>) {
  %z = arith.constant 0.0 : f32
  %half = arith.constant 0.5 : f32
  %one = arith.constant 1.0 : f32
  %rs2 = arith.constant 0.707106769 : f32
  %x = memref.alloc() : memref<2x16x32xf32>
  linalg.fill ins(%z : f32) outs(%x : memref<2x16x32xf32>)
  linalg.generic {indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (k, n)>, affine_map<(b, m, n, k) -> (b, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<2x16x64xf32>, memref<64x32xf32>) outs(%x : memref<2x16x32xf32>) {
  ^bb0(%i: f32, %j: f32, %o: f32):
    %p = arith.mulf %i, %j : f32
    %s = arith.addf %p, %o : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : memref<2x16x32xf32>) outs(%y : memref<2x16x32xf32>) {
  ^bb0(%in: f32, %o: f32):
    %0 = arith.mulf %in, %rs2 : f32
    %1 = math.erf %0 : f32
    %2 = arith.addf %1, %one : f32
    %3 = arith.mulf %in, %2 : f32
    %4 = arith.mulf %3, %half : f32
    linalg.yield %4 : f32
  }
  memref.dealloc %x : memref<2x16x32xf32>
  return
}

// Near miss: the consumer reads another element of the product too.
// CHECK-LABEL: func.func @reads_transpose(
// CHECK: call @seqc_uk_sgemm(
// CHECK: linalg.generic
func.func @reads_transpose(%a: memref<16x64xf32>, %b: memref<64x16xf32>, %y: memref<16x16xf32>) {
  %z = arith.constant 0.0 : f32
  %x = memref.alloc() : memref<16x16xf32>
  linalg.fill ins(%z : f32) outs(%x : memref<16x16xf32>)
  linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<16x64xf32>, memref<64x16xf32>) outs(%x : memref<16x16xf32>) {
  ^bb0(%i: f32, %j: f32, %o: f32):
    %p = arith.mulf %i, %j : f32
    %s = arith.addf %p, %o : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #tr, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %x : memref<16x16xf32>, memref<16x16xf32>) outs(%y : memref<16x16xf32>) {
  ^bb0(%i: f32, %t: f32, %o: f32):
    %s = arith.addf %i, %t : f32
    linalg.yield %s : f32
  }
  memref.dealloc %x : memref<16x16xf32>
  return
}

// Near miss: the product is read again after the consumer.
// CHECK-LABEL: func.func @second_use(
// CHECK: call @seqc_uk_sgemm(
// CHECK: linalg.generic
// CHECK: memref.copy
func.func @second_use(%a: memref<16x64xf32>, %b: memref<64x32xf32>, %bias: memref<32xf32>, %y: memref<16x32xf32>, %y2: memref<16x32xf32>) {
  %z = arith.constant 0.0 : f32
  %x = memref.alloc() : memref<16x32xf32>
  linalg.fill ins(%z : f32) outs(%x : memref<16x32xf32>)
  linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<16x64xf32>, memref<64x32xf32>) outs(%x : memref<16x32xf32>) {
  ^bb0(%i: f32, %j: f32, %o: f32):
    %p = arith.mulf %i, %j : f32
    %s = arith.addf %p, %o : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %bias : memref<16x32xf32>, memref<32xf32>) outs(%y : memref<16x32xf32>) {
  ^bb0(%i: f32, %c: f32, %o: f32):
    %s = arith.addf %i, %c : f32
    linalg.yield %s : f32
  }
  memref.copy %x, %y2 : memref<16x32xf32> to memref<16x32xf32>
  memref.dealloc %x : memref<16x32xf32>
  return
}

// Near miss: the consumer's output is f16.
// CHECK-LABEL: func.func @f16_out(
// CHECK: call @seqc_uk_sgemm(
// CHECK: linalg.generic
func.func @f16_out(%a: memref<16x64xf32>, %b: memref<64x32xf32>, %y: memref<16x32xf16>) {
  %z = arith.constant 0.0 : f32
  %x = memref.alloc() : memref<16x32xf32>
  linalg.fill ins(%z : f32) outs(%x : memref<16x32xf32>)
  linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<16x64xf32>, memref<64x32xf32>) outs(%x : memref<16x32xf32>) {
  ^bb0(%i: f32, %j: f32, %o: f32):
    %p = arith.mulf %i, %j : f32
    %s = arith.addf %p, %o : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<16x32xf32>) outs(%y : memref<16x32xf16>) {
  ^bb0(%i: f32, %o: f16):
    %t = arith.truncf %i : f32 to f16
    linalg.yield %t : f16
  }
  memref.dealloc %x : memref<16x32xf32>
  return
}

// Near miss: a function of the sum that is no known activation (a scale).
// CHECK-LABEL: func.func @scale(
// CHECK: call @seqc_uk_sgemm(
// CHECK: linalg.generic
func.func @scale(%a: memref<16x64xf32>, %b: memref<64x32xf32>, %y: memref<16x32xf32>) {
  %z = arith.constant 0.0 : f32
  %three = arith.constant 3.0 : f32
  %x = memref.alloc() : memref<16x32xf32>
  linalg.fill ins(%z : f32) outs(%x : memref<16x32xf32>)
  linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<16x64xf32>, memref<64x32xf32>) outs(%x : memref<16x32xf32>) {
  ^bb0(%i: f32, %j: f32, %o: f32):
    %p = arith.mulf %i, %j : f32
    %s = arith.addf %p, %o : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<16x32xf32>) outs(%y : memref<16x32xf32>) {
  ^bb0(%i: f32, %o: f32):
    %t = arith.mulf %i, %three : f32
    linalg.yield %t : f32
  }
  memref.dealloc %x : memref<16x32xf32>
  return
}

// Near miss: the consumer also reads its output buffer's old contents.
// CHECK-LABEL: func.func @output_read(
// CHECK: call @seqc_uk_sgemm(
// CHECK: linalg.generic
func.func @output_read(%a: memref<16x64xf32>, %b: memref<64x32xf32>, %y: memref<16x32xf32>) {
  %z = arith.constant 0.0 : f32
  %x = memref.alloc() : memref<16x32xf32>
  linalg.fill ins(%z : f32) outs(%x : memref<16x32xf32>)
  linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<16x64xf32>, memref<64x32xf32>) outs(%x : memref<16x32xf32>) {
  ^bb0(%i: f32, %j: f32, %o: f32):
    %p = arith.mulf %i, %j : f32
    %s = arith.addf %p, %o : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<16x32xf32>) outs(%y : memref<16x32xf32>) {
  ^bb0(%i: f32, %o: f32):
    %t = arith.addf %i, %o : f32
    linalg.yield %t : f32
  }
  memref.dealloc %x : memref<16x32xf32>
  return
}

// The bufferizer reuses a result buffer as the product's scratch; the
// product is dead once a later op rewrites the whole buffer.
// CHECK-LABEL: func.func @scratch_result(
// CHECK: call @seqc_uk_sgemm_ep(
// CHECK-NOT: call @seqc_uk_sgemm(
// CHECK: return
func.func @scratch_result(%a: memref<16x64xf32>, %b: memref<64x32xf32>, %bias: memref<32xf32>, %y: memref<16x32xf32>) {
  %z = arith.constant 0.0 : f32
  %t = memref.alloc() : memref<16x32xf32>
  linalg.fill ins(%z : f32) outs(%y : memref<16x32xf32>)
  linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<16x64xf32>, memref<64x32xf32>) outs(%y : memref<16x32xf32>) {
  ^bb0(%i: f32, %j: f32, %o: f32):
    %p = arith.mulf %i, %j : f32
    %s = arith.addf %p, %o : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%y, %bias : memref<16x32xf32>, memref<32xf32>) outs(%t : memref<16x32xf32>) {
  ^bb0(%i: f32, %c: f32, %o: f32):
    %s = arith.addf %i, %c : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%t : memref<16x32xf32>) outs(%y : memref<16x32xf32>) {
  ^bb0(%i: f32, %o: f32):
    %d = arith.addf %i, %i : f32
    linalg.yield %d : f32
  }
  memref.dealloc %t : memref<16x32xf32>
  return
}

// Near miss: the product lives in a result buffer that the caller reads.
// CHECK-LABEL: func.func @result_live_out(
// CHECK: call @seqc_uk_sgemm(
// CHECK: linalg.generic
func.func @result_live_out(%a: memref<16x64xf32>, %b: memref<64x32xf32>, %bias: memref<32xf32>, %y: memref<16x32xf32>, %y2: memref<16x32xf32>) {
  %z = arith.constant 0.0 : f32
  linalg.fill ins(%z : f32) outs(%y : memref<16x32xf32>)
  linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<16x64xf32>, memref<64x32xf32>) outs(%y : memref<16x32xf32>) {
  ^bb0(%i: f32, %j: f32, %o: f32):
    %p = arith.mulf %i, %j : f32
    %s = arith.addf %p, %o : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%y, %bias : memref<16x32xf32>, memref<32xf32>) outs(%y2 : memref<16x32xf32>) {
  ^bb0(%i: f32, %c: f32, %o: f32):
    %s = arith.addf %i, %c : f32
    linalg.yield %s : f32
  }
  return
}
