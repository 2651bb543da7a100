// RUN: seq-opt %s --seq-distinct-results | FileCheck %s

// A value returned twice gets a copy for its second occurrence.
// CHECK-LABEL: func.func @f
// CHECK: %[[Y:.*]] = math.exp
// CHECK: %[[E:.*]] = tensor.empty() : tensor<4xf32>
// CHECK: %[[C:.*]] = linalg.copy ins(%[[Y]] : tensor<4xf32>) outs(%[[E]] : tensor<4xf32>)
// CHECK: return %[[Y]], %[[C]], %arg0 :
func.func @f(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %y = math.exp %x : tensor<4xf32>
  return %y, %y, %x : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}
