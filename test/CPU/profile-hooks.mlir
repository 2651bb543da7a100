// RUN: seq-opt --pass-pipeline='builtin.module(seq-outline-parallel,seq-profile-hooks)' --split-input-file %s | FileCheck %s
// RUN: seq-opt --pass-pipeline='builtin.module(seq-outline-parallel,seq-profile-hooks{label=decode},convert-scf-to-cf,expand-strided-metadata,finalize-memref-to-llvm,convert-arith-to-llvm,convert-index-to-llvm,convert-cf-to-llvm,convert-func-to-llvm,reconcile-unrealized-casts)' --split-input-file %s \
// RUN:   | FileCheck %s --check-prefix=LLVM

// A sgemm call, a parallel elementwise region and a serial reduction: each
// is timed between seqc_prof_begin/end with its id in the module's table;
// the public function also times whole runs. FLOPs: 2*m*n*k from the
// kernel's size operands, the outlined body's static count times the
// iterations, the serial nest's static count.
// CHECK-LABEL: func.func @graph(
// CHECK: call @seqc_prof_run_begin(%{{.*}})
// CHECK: %[[F0:.*]] = arith.muli %{{.*}}, %c32_i64 : i64
// CHECK: %[[ID0:.*]] = arith.constant 0 : i64
// CHECK-NEXT: %[[T0:.*]] = llvm.mlir.addressof @__seqc_prof_table : !llvm.ptr
// CHECK-NEXT: call @seqc_prof_begin(%[[T0]], %[[ID0]])
// CHECK-NEXT: call @seqc_uk_sgemm(
// CHECK-NEXT: %[[T0E:.*]] = llvm.mlir.addressof @__seqc_prof_table
// CHECK-NEXT: call @seqc_prof_end(%[[T0E]], %[[ID0]], %[[F0]])
// CHECK: %[[PF:.*]] = arith.muli %{{.*}}, %{{.*}} : i64
// CHECK: %[[ID1:.*]] = arith.constant 1 : i64
// CHECK: call @seqc_prof_begin(%{{.*}}, %[[ID1]])
// CHECK-NEXT: call @seqc_parallel_for(
// CHECK-NEXT: llvm.mlir.addressof
// CHECK-NEXT: call @seqc_prof_end(%{{.*}}, %[[ID1]], %[[PF]])
// CHECK: %[[SF:.*]] = arith.constant 512 : i64
// CHECK: %[[ID2:.*]] = arith.constant 2 : i64
// CHECK: call @seqc_prof_begin(%{{.*}}, %[[ID2]])
// CHECK-NEXT: scf.for
// CHECK: call @seqc_prof_end(%{{.*}}, %[[ID2]], %[[SF]])
// CHECK: call @seqc_prof_run_end(
// CHECK-NEXT: return
// The outlined body runs on the pool's threads: no hooks there.
// CHECK: func.func private @graph_par0(
// CHECK-NOT: seqc_prof
// CHECK: return
// CHECK: llvm.mlir.global private constant @__seqc_prof_table_name0("sgemm 64x128x32 (model.onnx: /mlp/MatMul)\00")
// CHECK: llvm.mlir.global private constant @__seqc_prof_table_name1("parallel 64x512 [mulf] (model.onnx: /act/Mul)\00")
// CHECK: llvm.mlir.global private constant @__seqc_prof_table_name2("loops 512 [addf] (model.onnx: /sum/ReduceSum)\00")
// CHECK: llvm.mlir.global internal @__seqc_prof_table() {{.*}} : !llvm.struct<(i64, i64, ptr, ptr, i64, i64, i64, array<3 x struct<(ptr, i64, i64, i64, i64)>>)>
// Every count is exact: no site has its flags (field 4) set.
// CHECK-NOT: [7, {{[0-9]+}}, 4]
// CHECK: llvm.return

// LLVM: llvm.mlir.global private constant @__seqc_prof_table_label("decode\00")
// LLVM: llvm.mlir.global internal @__seqc_prof_table()
// LLVM: llvm.call @seqc_prof_begin
// LLVM: llvm.call @seqc_uk_sgemm
// LLVM: llvm.call @seqc_prof_end
#f = loc("model.onnx":0:0)
func.func private @seqc_uk_sgemm(i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64)
func.func @graph(%a: memref<64x512xf32>, %b: memref<64x512xf32>, %s: f32, %acc: memref<f32>, %p: i64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %c512 = arith.constant 512 : index
  %z = arith.constant 0 : i64
  %o = arith.constant 1 : i64
  %m = arith.constant 64 : i64
  %n = arith.constant 128 : i64
  %k = arith.constant 32 : i64
  call @seqc_uk_sgemm(%z, %o, %o, %o, %m, %n, %k, %p, %z, %z, %z, %k, %o, %p, %z, %z, %z, %n, %o, %p, %z, %z, %z, %n, %o) : (i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64) -> () loc("/mlp/MatMul"(#f))
  scf.parallel (%i, %j) = (%c0, %c0) to (%c64, %c512) step (%c1, %c1) {
    %x = memref.load %a[%i, %j] : memref<64x512xf32>
    %y = arith.mulf %x, %s : f32
    memref.store %y, %b[%i, %j] : memref<64x512xf32>
    scf.reduce
  } loc("/act/Mul"(#f))
  scf.for %j = %c0 to %c512 step %c1 {
    %x = memref.load %b[%c0, %j] : memref<64x512xf32>
    %r = memref.load %acc[] : memref<f32>
    %t = arith.addf %r, %x : f32
    memref.store %t, %acc[] : memref<f32>
  } loc("/sum/ReduceSum"(#f))
  return
}

// -----

// A loop that calls a kernel is not a site itself: its kernel call and its
// inner loop nests are.
// CHECK-LABEL: func.func @rows(
// CHECK: scf.for
// CHECK: call @seqc_prof_begin
// CHECK-NEXT: call @seqc_uk_sgemm(
// CHECK-NEXT: llvm.mlir.addressof
// CHECK-NEXT: call @seqc_prof_end
// CHECK: @__seqc_prof_table_name0("sgemm ?x8x8 (profile-hooks.mlir)\00")
func.func private @seqc_uk_sgemm(i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64)
func.func @rows(%nrows: index, %p: i64, %m: i64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %z = arith.constant 0 : i64
  %o = arith.constant 1 : i64
  %e = arith.constant 8 : i64
  scf.for %r = %c0 to %nrows step %c1 {
    func.call @seqc_uk_sgemm(%z, %o, %o, %o, %m, %e, %e, %p, %z, %z, %z, %e, %o, %p, %z, %z, %z, %e, %o, %p, %z, %z, %z, %e, %o) : (i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64) -> ()
  }
  return
}

// -----

// A loop whose trip count is only bounded (min(n, 8)): FLOPs at the bound,
// and the site flagged (field 4 = 1) so the report prints "<=" GFLOP/s.
// CHECK-LABEL: func.func @bounded(
// CHECK: %[[F:.*]] = arith.constant 8 : i64
// CHECK: call @seqc_prof_begin
// CHECK-NEXT: scf.for
// CHECK: call @seqc_prof_end(%{{.*}}, %{{.*}}, %[[F]])
// CHECK: @__seqc_prof_table_name0("loops ? [mulf] (profile-hooks.mlir)\00")
// CHECK: llvm.insertvalue %{{.*}}, %{{.*}}[7, 0, 4]
func.func @bounded(%a: memref<8xf32>, %n: index, %s: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %m = arith.minsi %n, %c8 : index
  scf.for %i = %c0 to %m step %c1 {
    %x = memref.load %a[%i] : memref<8xf32>
    %y = arith.mulf %x, %s : f32
    memref.store %y, %a[%i] : memref<8xf32>
  }
  return
}

// -----

// Nothing to time: the module is left as it is (no table, no hooks).
// CHECK-LABEL: func.func @nothing(
// CHECK-NOT: seqc_prof
// CHECK-NOT: __seqc_prof_table
func.func @nothing(%a: memref<4xf32>, %x: f32) {
  %c0 = arith.constant 0 : index
  memref.store %x, %a[%c0] : memref<4xf32>
  return
}
