// Greedy runs (merge-repeats=false: cut as soon as a run holds max-ops);
// split-functions-repeats.mlir tests the content-defined cuts.
// RUN: seq-opt --seq-split-functions="max-ops=6 merge-repeats=false" --split-input-file %s | FileCheck %s
// RUN: seq-opt --split-input-file %s \
// RUN:   --pass-pipeline='builtin.module(seq-split-functions{max-ops=6 merge-repeats=false},convert-func-to-llvm)' \
// RUN:   | FileCheck %s --check-prefix=LLVM
// RUN: seq-opt --seq-split-functions=max-ops=0 --split-input-file %s | FileCheck %s --check-prefix=OFF

// Straight-line code in runs of about 6 ops. Each run is a private noinline
// function that takes what it uses from above (the argument, the buffer
// the run before made) and returns what later code uses; constants and
// memref.get_global are cloned into the runs that use them, not passed.
// CHECK-LABEL: func.func @chain(
// CHECK-SAME: %[[ARG:.*]]: memref<8xf32>) -> memref<8xf32>
// CHECK: %[[A:.*]] = call @chain_part(%[[ARG]]) : (memref<8xf32>) -> memref<8xf32>
// CHECK: %[[B:.*]] = call @chain_part_0(%[[A]]) : (memref<8xf32>) -> memref<8xf32>
// CHECK: return %[[B]]
// CHECK: func.func private @chain_part(%[[X:.*]]: memref<8xf32>) -> memref<8xf32>
// CHECK-SAME: passthrough = ["noinline"]
// CHECK-DAG: arith.constant 0 : index
// CHECK-DAG: memref.get_global @w
// CHECK: memref.alloc()
// CHECK: return
// CHECK: func.func private @chain_part_0(%[[Y:.*]]: memref<8xf32>) -> memref<8xf32>
// CHECK-SAME: passthrough = ["noinline"]
// CHECK: memref.get_global @w
// CHECK: memref.load %[[Y]]
// CHECK: return

// LLVM: llvm.func @chain(
// LLVM: llvm.call @chain_part(
// LLVM: llvm.call @chain_part_0(
// LLVM: llvm.func @chain_part({{.*}}passthrough = ["noinline"]
// LLVM: llvm.func @chain_part_0({{.*}}passthrough = ["noinline"]

// OFF-LABEL: func.func @chain(
// OFF-NOT: call
// OFF: return
memref.global "private" constant @w : memref<8xf32> = dense<2.0>
func.func @chain(%arg: memref<8xf32>) -> memref<8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %w = memref.get_global @w : memref<8xf32>
  %a = memref.alloc() : memref<8xf32>
  %x = memref.load %arg[%c0] : memref<8xf32>
  %y = memref.load %w[%c0] : memref<8xf32>
  %s = arith.addf %x, %y : f32
  memref.store %s, %a[%c0] : memref<8xf32>
  memref.store %s, %a[%c1] : memref<8xf32>
  %b = memref.alloc() : memref<8xf32>
  %u = memref.load %a[%c1] : memref<8xf32>
  %v = memref.load %w[%c1] : memref<8xf32>
  %t = arith.mulf %u, %v : f32
  memref.store %t, %b[%c0] : memref<8xf32>
  memref.store %t, %b[%c1] : memref<8xf32>
  return %b : memref<8xf32>
}

// -----

// A constant-size stack buffer stays in the function and is passed to the
// runs that use it (the caller's frame outlives the calls).
// CHECK-LABEL: func.func @stack(
// CHECK-SAME: %[[ARG:.*]]: memref<8xf32>)
// CHECK: %[[BUF:.*]] = memref.alloca() : memref<8xf32>
// CHECK: call @stack_part(%[[ARG]], %[[BUF]])
// CHECK: %[[R:.*]] = call @stack_part_0(%[[BUF]])
// CHECK: return %[[R]]
// CHECK: func.func private @stack_part(
// CHECK-NOT: memref.alloca
// CHECK: func.func private @stack_part_0(
func.func @stack(%arg: memref<8xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %buf = memref.alloca() : memref<8xf32>
  %x = memref.load %arg[%c0] : memref<8xf32>
  memref.store %x, %buf[%c0] : memref<8xf32>
  %y = memref.load %arg[%c1] : memref<8xf32>
  memref.store %y, %buf[%c1] : memref<8xf32>
  %s = arith.addf %x, %y : f32
  memref.store %s, %buf[%c1] : memref<8xf32>
  %r = memref.load %buf[%c1] : memref<8xf32>
  return %r : f32
}

// -----

// A stack buffer whose size is computed moves into a run; no run returns
// it (or a view of it): no cut while it is live, so here nothing is split.
// CHECK-LABEL: func.func @dynamic_stack(
// CHECK-NOT: call @dynamic_stack_part
// CHECK: memref.alloca(%{{.*}}) : memref<?xf32>
// CHECK: return
// CHECK-NOT: func.func private @dynamic_stack_part
func.func @dynamic_stack(%arg: memref<8xf32>, %n: index) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %m = arith.addi %n, %c1 : index
  %buf = memref.alloca(%m) : memref<?xf32>
  %x = memref.load %arg[%c0] : memref<8xf32>
  memref.store %x, %buf[%c0] : memref<?xf32>
  %y = memref.load %arg[%c1] : memref<8xf32>
  memref.store %y, %buf[%c1] : memref<?xf32>
  %s = arith.addf %x, %y : f32
  memref.store %s, %buf[%c1] : memref<?xf32>
  %r = memref.load %buf[%c1] : memref<?xf32>
  return %r : f32
}

// -----

// Nested ops count: a loop whose body holds more than max-ops ops is one
// run (never cut inside), and the rest of the body another.
// CHECK-LABEL: func.func @loop(
// CHECK: call @loop_part(
// CHECK: call @loop_part_0(
// CHECK: func.func private @loop_part(
// CHECK: scf.for
// CHECK: func.func private @loop_part_0(
func.func @loop(%arg: memref<8xf32>, %out: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  scf.for %i = %c0 to %c8 step %c1 {
    %x = memref.load %arg[%i] : memref<8xf32>
    %y = arith.mulf %x, %x : f32
    %z = arith.addf %y, %x : f32
    %w = arith.subf %z, %y : f32
    memref.store %w, %out[%i] : memref<8xf32>
  }
  %a = memref.load %out[%c0] : memref<8xf32>
  %b = memref.load %out[%c1] : memref<8xf32>
  %s = arith.addf %a, %b : f32
  memref.store %s, %out[%c0] : memref<8xf32>
  return
}

// -----

// Small functions and declarations are left alone.
// CHECK-LABEL: func.func @small(
// CHECK-NOT: call
// CHECK: return
// CHECK-NOT: func.func private @small_part
func.func @small(%arg: memref<8xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %x = memref.load %arg[%c0] : memref<8xf32>
  return %x : f32
}
func.func private @external(memref<8xf32>)
