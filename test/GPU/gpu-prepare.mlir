// RUN: seq-opt --pass-pipeline='builtin.module(func.func(seq-gpu-prepare))' --split-input-file %s | FileCheck %s

// linalg's matmul nest (i parallel, k reduction, j parallel): the j loop is
// hoisted above k so that (i, j) is a perfect parallel nest.
// CHECK-LABEL: func @matmul_nest
// CHECK: scf.parallel (%[[I:.*]]) =
// CHECK-NEXT: scf.parallel (%[[J:.*]]) =
// CHECK-NEXT: scf.for %[[K:.*]] =
// CHECK: memref.load %{{.*}}[%[[I]], %[[K]]]
// CHECK: memref.store %{{.*}}, %{{.*}}[%[[I]], %[[J]]]
func.func @matmul_nest(%a: memref<4x8xf32>, %b: memref<8x16xf32>, %c: memref<4x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    scf.for %k = %c0 to %c8 step %c1 {
      scf.parallel (%j) = (%c0) to (%c16) step (%c1) {
        %x = memref.load %a[%i, %k] : memref<4x8xf32>
        %y = memref.load %b[%k, %j] : memref<8x16xf32>
        %z = memref.load %c[%i, %j] : memref<4x16xf32>
        %m = arith.mulf %x, %y : f32
        %s = arith.addf %m, %z : f32
        memref.store %s, %c[%i, %j] : memref<4x16xf32>
        scf.reduce
      }
    }
    scf.reduce
  }
  return
}

// -----

// memref.copy becomes a parallel copy loop (a kernel); serial host code that
// touches memory is wrapped in a one-iteration parallel loop.
// CHECK-LABEL: func @copy_and_serial
// CHECK: scf.parallel (%[[I:.*]], %[[J:.*]]) = (%c0{{.*}}, %c0{{.*}}) to (%c2{{.*}}, %c3{{.*}})
// CHECK: memref.load %arg0[%[[I]], %[[J]]]
// CHECK: memref.store %{{.*}}, %arg1[%[[I]], %[[J]]]
// CHECK: scf.parallel
// CHECK-NEXT: scf.for
// CHECK-NOT: memref.copy
func.func @copy_and_serial(%a: memref<2x3xf32>, %b: memref<2x3xf32>, %s: memref<f32>) {
  memref.copy %a, %b : memref<2x3xf32> to memref<2x3xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  scf.for %i = %c0 to %c2 step %c1 {
    %x = memref.load %a[%i, %c0] : memref<2x3xf32>
    %y = memref.load %s[] : memref<f32>
    %z = arith.addf %x, %y : f32
    memref.store %z, %s[] : memref<f32>
  }
  return
}

// -----

// A parallel loop over heads whose body allocates and runs several loop
// nests becomes a host loop launching them.
// CHECK-LABEL: func @host_loop
// CHECK: scf.for %[[H:.*]] =
// CHECK: memref.alloc
// CHECK: scf.parallel
// CHECK: scf.parallel
func.func @host_loop(%a: memref<4x8xf32>, %b: memref<4x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  scf.parallel (%h) = (%c0) to (%c4) step (%c1) {
    %t = memref.alloc() : memref<8xf32>
    scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
      %x = memref.load %a[%h, %i] : memref<4x8xf32>
      memref.store %x, %t[%i] : memref<8xf32>
      scf.reduce
    }
    scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
      %x = memref.load %t[%i] : memref<8xf32>
      memref.store %x, %b[%h, %i] : memref<4x8xf32>
      scf.reduce
    }
    memref.dealloc %t : memref<8xf32>
    scf.reduce
  }
  return
}

// -----

// A host load whose value only feeds arithmetic and a store goes into the
// same one-thread kernel as them (nonpad_kv_seqlen - 2 in the expanded ONNX
// Attention); the index math used after the run stays on the host.
// CHECK-LABEL: func @scalar_chain
// CHECK: %[[E:.*]] = memref.expand_shape %arg1
// CHECK: scf.parallel
// CHECK-NEXT: %[[V:.*]] = memref.load %arg0
// CHECK-NEXT: %[[C2:.*]] = arith.constant 2 : i64
// CHECK-NEXT: %[[W:.*]] = arith.subi %[[V]], %[[C2]]
// CHECK-NEXT: memref.store %[[W]], %arg1
// CHECK-NEXT: scf.reduce
// CHECK: return %[[E]]
func.func @scalar_chain(%a: memref<1xi64>, %b: memref<1xi64>) -> memref<1x1xi64> {
  %c0 = arith.constant 0 : index
  %v = memref.load %a[%c0] : memref<1xi64>
  %e = memref.expand_shape %b [[0, 1]] output_shape [1, 1] : memref<1xi64> into memref<1x1xi64>
  %c2 = arith.constant 2 : i64
  %w = arith.subi %v, %c2 : i64
  memref.store %w, %b[%c0] : memref<1xi64>
  return %e : memref<1x1xi64>
}

