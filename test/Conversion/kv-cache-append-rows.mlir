// RUN: seq-opt %s --seq-to-linalg | FileCheck %s
// RUN: seq-opt %s --seq-to-linalg --canonicalize --cse --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --canonicalize --cse | FileCheck %s --check-prefix=INPLACE

// Per-row positions (GroupQueryAttention's seqlens_k): row b is written at
// position[b], one checked and clamped insert per row into the loop-carried
// cache, so bufferization writes in place.
// CHECK-LABEL: func @rows
// CHECK: scf.for %[[B:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %arg1) -> (tensor<3x2x64x32xf32>)
// CHECK: tensor.extract %arg2[%[[B]]] : tensor<3xi64>
// CHECK: cf.assert %{{.*}}, "seq.kv_cache_append{{.*}}: a row's position plus the 2 appended positions exceeds the cache of 64"
// CHECK: %[[P:.*]] = arith.minsi
// CHECK: %[[ROW:.*]] = tensor.extract_slice %arg0[%[[B]], 0, 0, 0] [1, 2, 2, 32] [1, 1, 1, 1] : tensor<3x2x2x32xf32> to tensor<1x2x2x32xf32>
// CHECK: %[[NEXT:.*]] = tensor.insert_slice %[[ROW]] into %[[ACC]][%[[B]], 0, %[[P]], 0] [1, 2, 2, 32] [1, 1, 1, 1]
// CHECK: scf.yield %[[NEXT]]
// In place: each row's T positions are copied into the cache argument, no
// cache-sized buffer is allocated or copied.
// INPLACE-LABEL: func @rows
// INPLACE-NOT: memref.alloc
// INPLACE: scf.for %[[B:.*]] =
// INPLACE: %[[DST:.*]] = memref.subview %arg1[%[[B]], 0, %{{.*}}, 0] [1, 2, 2, 32]
// INPLACE: memref.copy %{{.*}}, %[[DST]] : memref<1x2x2x32xf32
// INPLACE-NOT: memref.alloc
// INPLACE: return %arg1
func.func @rows(%new: tensor<3x2x2x32xf32>, %cache: tensor<3x2x64x32xf32>,
                %pos: tensor<3xi64>) -> tensor<3x2x64x32xf32> {
  %0 = seq.kv_cache_append %new into %cache at %pos
      : tensor<3x2x2x32xf32> into tensor<3x2x64x32xf32>, tensor<3xi64>
  return %0 : tensor<3x2x64x32xf32>
}
