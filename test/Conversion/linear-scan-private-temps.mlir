// RUN: seq-opt %s --seq-to-linalg --canonicalize --cse --seq-clone-shared-fills --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --canonicalize --cse --canonicalize | FileCheck %s

// The delta rule's per-step r = Sᵀk buffer ([1, Dv]) is a temporary of each
// head of the parallel loop. Here a reduction outside the loop has a zero
// accumulator of the same type ([1, 16]); CSE must not merge the two
// fills, or every head would write r into one shared buffer (a data race
// that perturbed chunked-prefill logits). The buffer is allocated inside
// the parallel loop, once per head (not per step).
// CHECK-LABEL: func @prefill
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%[[SUM:.*]] : memref<1x16xf32>)
// CHECK: scf.forall
// CHECK: %[[R:.*]] = memref.alloc() {{.*}} : memref<1x16xf32>
// CHECK: scf.for
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%[[R]] : memref<1x16xf32>)
// CHECK-NOT: outs(%[[SUM]] :
// CHECK: seq.scan = "step"
func.func @prefill(%x: tensor<1x16x64xf32>, %q: tensor<1x4x16x16xf32>, %k: tensor<1x4x16x16xf32>, %v: tensor<1x4x16x16xf32>, %s0: tensor<1x4x16x16xf32>, %g: tensor<1x4x16x1xf32>, %b: tensor<1x4x16x1xf32>) -> (tensor<1x16xf32>, tensor<1x4x16x16xf32>, tensor<1x4x16x16xf32>) {
  %sum = seq.reduce sum %x axes = [2] : tensor<1x16x64xf32> -> tensor<1x16xf32>
  %o, %s = seq.linear_scan delta %q, %k, %v state %s0 decay %g beta %b scale = 0.25 : (tensor<1x4x16x16xf32>, tensor<1x4x16x16xf32>, tensor<1x4x16x16xf32>, tensor<1x4x16x16xf32>, tensor<1x4x16x1xf32>, tensor<1x4x16x1xf32>) -> (tensor<1x4x16x16xf32>, tensor<1x4x16x16xf32>)
  return %sum, %o, %s : tensor<1x16xf32>, tensor<1x4x16x16xf32>, tensor<1x4x16x16xf32>
}
