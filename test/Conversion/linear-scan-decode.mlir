// RUN: seq-opt %s --seq-to-linalg --canonicalize --cse --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --canonicalize --cse --canonicalize | FileCheck %s

// One decode step (T = 1) of the gated delta rule with a past state, 8 heads,
// Dk = Dv = 64, after bufferization: a parallel loop over the heads, each
// working on its [64, 64] slice of the past-state buffer itself. The step is
// O(Dk·Dv) per head: gate the slice in place, r = Sᵀk, S += k ⊗ β(v - r) in
// place, o = Sᵀq written into the output row; no state-sized buffer is
// allocated, nothing is copied, and the returned final state is the
// past-state buffer.
// CHECK-LABEL: func @decode
// CHECK-SAME: %[[PAST:[^:]*]]: memref<1x8x64x64xf32>, %{{[^:]*}}: memref<1x8x1x1xf32>, %{{[^:]*}}: memref<1x8x1x1xf32>)
// CHECK-NOT: memref.alloc() {{.*}} : memref<{{.*}}64x64xf32>
// CHECK: scf.forall (%[[H:.*]]) in (8)
// CHECK: %[[S:.*]] = memref.subview %[[PAST]][0, %[[H]], 0, 0] [1, 1, 64, 64] [1, 1, 1, 1] : memref<1x8x64x64xf32> to memref<64x64xf32, strided<[64, 1], offset: ?>>
// CHECK-NOT: memref.alloc() {{.*}} : memref<{{.*}}64x64xf32>
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]} ins(%{{.*}} : memref<1x1xf32, {{.*}}>) outs(%[[S]] : memref<64x64xf32
// CHECK:   arith.mulf
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "parallel"]} ins(%[[S]], %{{.*}} : memref<64x64xf32, {{.*}}>, memref<1x64xf32, {{.*}}>) outs(%{{.*}} : memref<1x64xf32>)
// CHECK:   math.fma
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]} ins({{.*}}) outs(%[[S]] : memref<64x64xf32
// CHECK:   arith.subf
// CHECK:   math.fma
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "parallel"]} ins(%{{.*}}, %[[S]] : memref<1x64xf32, {{.*}}>, memref<64x64xf32, {{.*}}>)
// CHECK-NOT: memref.copy
// CHECK: return %{{.*}}, %[[PAST]] : memref<1x8x1x64xf32>, memref<1x8x64x64xf32>
func.func @decode(%q: tensor<1x8x1x64xf32>, %k: tensor<1x8x1x64xf32>, %v: tensor<1x8x1x64xf32>, %s0: tensor<1x8x64x64xf32>, %g: tensor<1x8x1x1xf32>, %b: tensor<1x8x1x1xf32>) -> (tensor<1x8x1x64xf32>, tensor<1x8x64x64xf32>) {
  %o, %s = seq.linear_scan delta %q, %k, %v state %s0 decay %g beta %b scale = 0.125 : (tensor<1x8x1x64xf32>, tensor<1x8x1x64xf32>, tensor<1x8x1x64xf32>, tensor<1x8x64x64xf32>, tensor<1x8x1x1xf32>, tensor<1x8x1x1xf32>) -> (tensor<1x8x1x64xf32>, tensor<1x8x64x64xf32>)
  return %o, %s : tensor<1x8x1x64xf32>, tensor<1x8x64x64xf32>
}
