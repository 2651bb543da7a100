// RUN: seq-opt --seq-outline-parallel --split-input-file %s | FileCheck %s
// RUN: seq-opt --split-input-file %s \
// RUN:   --pass-pipeline='builtin.module(seq-outline-parallel,convert-scf-to-cf,expand-strided-metadata,finalize-memref-to-llvm,convert-arith-to-llvm,convert-index-to-llvm,convert-cf-to-llvm,convert-func-to-llvm,reconcile-unrealized-casts)' \
// RUN:   | FileCheck %s --check-prefix=LLVM

// A 64x512 elementwise loop: captured memrefs and the scalar travel in an
// alloca'ed struct; constant bounds are re-materialized in the body, which
// walks linear iterations [begin, end) row by row.
// CHECK-LABEL: func.func @ew(
// CHECK: %[[CTX:.*]] = llvm.alloca %{{.*}} x !llvm.struct<(struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>, f32, struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>)>
// CHECK-NOT: scf.parallel
// CHECK: llvm.store %{{.*}}, %[[CTX]]
// CHECK: %[[F:.*]] = constant @ew_par0 : (!llvm.ptr, i64, i64) -> ()
// CHECK: call @seqc_parallel_for(%{{.*}}, %[[F]], %[[CTX]])
// CHECK: func.func private @ew_par0(%[[P:.*]]: !llvm.ptr, %[[B:.*]]: i64, %[[E:.*]]: i64)
// CHECK: llvm.load %[[P]]
// CHECK: %[[A:.*]] = builtin.unrealized_conversion_cast %{{.*}} to memref<64x512xf32>
// CHECK: scf.for %[[ROW:.*]] =
// CHECK:   scf.for %[[COL:.*]] =
// CHECK:     memref.load %[[A]]
// CHECK:     arith.mulf
// CHECK:     memref.store

// LLVM-LABEL: llvm.func @ew(
// LLVM: llvm.mlir.addressof @ew_par0
// LLVM: llvm.call @seqc_parallel_for
// LLVM-NOT: unrealized_conversion_cast
func.func @ew(%a: memref<64x512xf32>, %b: memref<64x512xf32>, %s: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %c512 = arith.constant 512 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c64, %c512) step (%c1, %c1) {
    %x = memref.load %a[%i, %j] : memref<64x512xf32>
    %y = arith.mulf %x, %s : f32
    memref.store %y, %b[%i, %j] : memref<64x512xf32>
    scf.reduce
  }
  return
}

// -----

// Too little work to pay for waking the pool: stays a serial scf.parallel.
// CHECK-LABEL: func.func @small(
// CHECK: scf.parallel
// CHECK-NOT: call @seqc_parallel_for
func.func @small(%a: memref<4x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %z = arith.constant 0.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c4) step (%c1, %c1) {
    memref.store %z, %a[%i, %j] : memref<4x4xf32>
    scf.reduce
  }
  return
}

// -----

// Dynamic bounds: the trip count is computed at the call site and passed.
// CHECK-LABEL: func.func @dyn(
// CHECK: arith.ceildivsi
// CHECK: call @seqc_parallel_for
// CHECK: func.func private @dyn_par0
// CHECK: scf.for
func.func @dyn(%a: memref<?xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %z = arith.constant 0.0 : f32
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %z, %a[%i] : memref<?xf32>
    scf.reduce
  }
  return
}
