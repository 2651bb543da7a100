// RUN: seq-opt %s --split-input-file --seq-dynamic-results | FileCheck %s

// A result of dynamic shape goes to the runtime's setter for its element
// type, with its index among the original results; static results stay.
// CHECK: func.func private @seqc_rt_set_output_f32(i64, memref<*xf32>)
// CHECK-LABEL: func.func @graph
// CHECK-SAME: -> memref<4xf32>
// CHECK: %[[U:.*]] = memref.cast %arg0 : memref<?x4xf32> to memref<*xf32>
// CHECK: %[[I:.*]] = arith.constant 1 : i64
// CHECK: call @seqc_rt_set_output_f32(%[[I]], %[[U]])
// CHECK: return %arg1 : memref<4xf32>
func.func @graph(%a: memref<?x4xf32>, %b: memref<4xf32>) -> (memref<4xf32>, memref<?x4xf32>) {
  return %b, %a : memref<4xf32>, memref<?x4xf32>
}

// -----

// Static results only: nothing changes.
// CHECK-LABEL: func.func @static
// CHECK-NOT: seqc_rt_set_output
func.func @static(%b: memref<4xf32>) -> memref<4xf32> {
  return %b : memref<4xf32>
}
