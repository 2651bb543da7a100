// RUN: seq-opt --seq-lower-to-ukernels --split-input-file %s | FileCheck %s

// Einsum `bmk,kn->bmn` (a batched activation times a shared weight): the
// zero fill folds into the call (flags 0), the size-1 batch loop is dropped
// and B gets no batch stride.
#mA = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#mB = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
#mC = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-LABEL: func.func @mk_kn
// CHECK-NOT: linalg.fill
// CHECK: memref.extract_strided_metadata %arg0
// CHECK: %[[F:.*]] = arith.constant 0 : i64
// CHECK-NEXT: %[[Z:.*]] = arith.constant 0 : i64
// CHECK-NEXT: %[[ONE:.*]] = arith.constant 1 : i64
// CHECK-NEXT: call @seqc_uk_sgemm(%[[F]], %[[ONE]], %[[ONE]], %[[ONE]], {{[^,]*}}, {{[^,]*}}, {{[^,]*}}, {{[^,]*}}, %[[Z]], %[[Z]], %[[Z]], {{[^,]*}}, {{[^,]*}}, {{[^,]*}}, %[[Z]], %[[Z]], %[[Z]],
// CHECK-NOT: linalg.generic
func.func @mk_kn(%a: memref<1x128x512xf32>, %b: memref<512x256xf32>, %c: memref<1x128x256xf32>) {
  %z = arith.constant 0.0 : f32
  linalg.fill ins(%z : f32) outs(%c : memref<1x128x256xf32>)
  linalg.generic {indexing_maps = [#mA, #mB, #mC],
                  iterator_types = ["parallel", "parallel", "reduction", "parallel"]}
      ins(%a, %b : memref<1x128x512xf32>, memref<512x256xf32>) outs(%c : memref<1x128x256xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %p, %acc : f32
    linalg.yield %s : f32
  }
  return
}
// CHECK: func.func private @seqc_uk_sgemm(i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64)

// -----

// Transposed B (`hqd,hkd->hqk`, Q*K^T): one batch loop, k innermost in both
// operands; no fill before, so the call accumulates (flags 1).
#q = affine_map<(h, i, j, d) -> (h, i, d)>
#k = affine_map<(h, i, j, d) -> (h, j, d)>
#s = affine_map<(h, i, j, d) -> (h, i, j)>
// CHECK-LABEL: func.func @nt
// CHECK: memref.extract_strided_metadata %arg1
// CHECK: %[[BN:.*]] = arith.index_cast %[[BS:strides.*]]#1 : index to i64
// CHECK-NEXT: %[[BK:.*]] = arith.index_cast %[[BS]]#2 : index to i64
// CHECK: %[[ACC:.*]] = arith.constant 1 : i64
// CHECK: call @seqc_uk_sgemm(%[[ACC]], {{.*}}, %[[BK]], %[[BN]], {{.*}}) :
func.func @nt(%q: memref<8x64x32xf32>, %kk: memref<8x80x32xf32>, %s: memref<8x64x80xf32>) {
  linalg.generic {indexing_maps = [#q, #k, #s],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %kk : memref<8x64x32xf32>, memref<8x80x32xf32>) outs(%s : memref<8x64x80xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %y, %x : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// Named ops are generalized first.
// CHECK-LABEL: func.func @named
// CHECK: call @seqc_uk_sgemm
// CHECK-NOT: linalg.matmul
func.func @named(%a: memref<?x?xf32>, %b: memref<?x?xf32>, %c: memref<?x?xf32>) {
  linalg.matmul ins(%a, %b : memref<?x?xf32>, memref<?x?xf32>) outs(%c : memref<?x?xf32>)
  return
}

// -----

// Not contractions for the kernel: f64, a body with extra work, tensors.
// CHECK-LABEL: func.func @negative
// CHECK-NOT: seqc_uk_sgemm
// CHECK-COUNT-2: linalg.generic
// CHECK: linalg.matmul
#a = affine_map<(i, j, k) -> (i, k)>
#b = affine_map<(i, j, k) -> (k, j)>
#c = affine_map<(i, j, k) -> (i, j)>
func.func @negative(%a: memref<4x8xf64>, %b: memref<8x4xf64>, %c: memref<4x4xf64>,
                    %x: memref<4x8xf32>, %y: memref<8x4xf32>, %z: memref<4x4xf32>,
                    %t: tensor<4x8xf32>, %u: tensor<8x4xf32>, %v: tensor<4x4xf32>) -> tensor<4x4xf32> {
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<4x8xf64>, memref<8x4xf64>) outs(%c : memref<4x4xf64>) {
  ^bb0(%p: f64, %q: f64, %r: f64):
    %m = arith.mulf %p, %q : f64
    %s = arith.addf %m, %r : f64
    linalg.yield %s : f64
  }
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %y : memref<4x8xf32>, memref<8x4xf32>) outs(%z : memref<4x4xf32>) {
  ^bb0(%p: f32, %q: f32, %r: f32):
    %m = arith.mulf %p, %q : f32
    %e = math.exp %m : f32
    %s = arith.addf %e, %r : f32
    linalg.yield %s : f32
  }
  %r = linalg.matmul ins(%t, %u : tensor<4x8xf32>, tensor<8x4xf32>) outs(%v : tensor<4x4xf32>) -> tensor<4x4xf32>
  return %r : tensor<4x4xf32>
}

// -----

// B is a view of a constant global (a weight): flag SEQC_UK_B_CONST (2) lets
// the runtime cache its packed form; with the zero fill folded, flags = 2.
memref.global "private" constant @w : memref<8x4xf32> = dense<1.0>
#a = affine_map<(i, j, k) -> (i, k)>
#b = affine_map<(i, j, k) -> (k, j)>
#c = affine_map<(i, j, k) -> (i, j)>
// CHECK-LABEL: func.func @const_b
// CHECK: %[[F:.*]] = arith.constant 2 : i64
// CHECK: call @seqc_uk_sgemm(%[[F]],
func.func @const_b(%x: memref<4x8xf32>, %y: memref<4x4xf32>) {
  %z = arith.constant 0.0 : f32
  %g = memref.get_global @w : memref<8x4xf32>
  %v = memref.cast %g : memref<8x4xf32> to memref<?x4xf32>
  linalg.fill ins(%z : f32) outs(%y : memref<4x4xf32>)
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %v : memref<4x8xf32>, memref<?x4xf32>) outs(%y : memref<4x4xf32>) {
  ^bb0(%p: f32, %q: f32, %r: f32):
    %m = arith.mulf %p, %q : f32
    %s = arith.addf %m, %r : f32
    linalg.yield %s : f32
  }
  return
}
