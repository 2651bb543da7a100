// RUN: seq-opt %s | seq-opt | FileCheck %s

// seq ops accept unsigned, sub-byte and 8-/4-bit float element types;
// seq.cast carries `saturate` (printed only when false).
// CHECK-LABEL: func.func @types
// CHECK: seq.div %{{.*}}, %{{.*}} : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
// CHECK: seq.less %{{.*}}, %{{.*}} : (tensor<4xui64>, tensor<4xui64>) -> tensor<4xi1>
// CHECK: seq.round %{{.*}} : (tensor<4xf32>) -> tensor<4xf32>
// CHECK: seq.cast %{{.*}} : tensor<4xf32> to tensor<4xf8E5M2>
// CHECK: seq.cast %{{.*}} {saturate = false} : tensor<4xf32> to tensor<4xf8E4M3FNUZ>
// CHECK: seq.cast %{{.*}} : tensor<4xi4> to tensor<4xf4E2M1FN>
func.func @types(%a: tensor<4xui8>, %b: tensor<4xui64>, %f: tensor<4xf32>, %i: tensor<4xi4>)
    -> (tensor<4xui8>, tensor<4xi1>, tensor<4xf32>, tensor<4xf8E5M2>, tensor<4xf8E4M3FNUZ>, tensor<4xf4E2M1FN>) {
  %0 = seq.div %a, %a : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  %1 = seq.less %b, %b : (tensor<4xui64>, tensor<4xui64>) -> tensor<4xi1>
  %2 = seq.round %f : (tensor<4xf32>) -> tensor<4xf32>
  %3 = seq.cast %f {saturate = true} : tensor<4xf32> to tensor<4xf8E5M2>
  %4 = seq.cast %f {saturate = false} : tensor<4xf32> to tensor<4xf8E4M3FNUZ>
  %5 = seq.cast %i : tensor<4xi4> to tensor<4xf4E2M1FN>
  return %0, %1, %2, %3, %4, %5 : tensor<4xui8>, tensor<4xi1>, tensor<4xf32>, tensor<4xf8E5M2>, tensor<4xf8E4M3FNUZ>, tensor<4xf4E2M1FN>
}
