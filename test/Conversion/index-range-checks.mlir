// RUN: seq-opt --seq-to-linalg --split-input-file %s | FileCheck %s

// Run-time indices: one all-reduction over them (-size <= i < size) feeds a
// cf.assert marked seq.data_check (CUDA drops it: the data is on the
// device); the gather itself wraps negatives and clamps, so even an
// unchecked index stays inside the table.
// CHECK-LABEL: func @gather_runtime_ids
// CHECK: %[[ALL:.*]] = linalg.generic {{.*}}iterator_types = ["reduction", "reduction"]{{.*}} ins(%arg1 : tensor<1x6xi64>) outs(%{{.*}} : tensor<i1>)
// CHECK: arith.cmpi sge
// CHECK: arith.cmpi slt
// CHECK: arith.andi
// CHECK: %[[OK:.*]] = tensor.extract %[[ALL]][] : tensor<i1>
// CHECK: cf.assert %[[OK]], "seq.gather (node 'embed'): an index is out of range {{.*}}" {seq.data_check}
// CHECK: linalg.generic
// CHECK: arith.minsi
// CHECK: arith.maxsi
// CHECK: tensor.extract %arg0
func.func @gather_runtime_ids(%table: tensor<50x8xf32>, %ids: tensor<1x6xi64>) -> tensor<1x6x8xf32> {
  %y = seq.gather %table[%ids] axis = 0 : (tensor<50x8xf32>, tensor<1x6xi64>) -> tensor<1x6x8xf32> loc("embed")
  return %y : tensor<1x6x8xf32>
}

// -----

// Constant indices into a static dim are checked at compile time: no
// run-time check when they are in range.
// CHECK-LABEL: func @gather_constant_ids
// CHECK-NOT: cf.assert
// CHECK: return
func.func @gather_constant_ids(%table: tensor<50x8xf32>) -> tensor<3x8xf32> {
  %ids = arith.constant dense<[0, -50, 49]> : tensor<3xi64>
  %y = seq.gather %table[%ids] axis = 0 : (tensor<50x8xf32>, tensor<3xi64>) -> tensor<3x8xf32>
  return %y : tensor<3x8xf32>
}

// -----

// Out of range even as constants: still checked (and reported) at run time.
// CHECK-LABEL: func @gather_constant_bad
// CHECK: cf.assert {{.*}} {seq.data_check}
func.func @gather_constant_bad(%table: tensor<50x8xf32>) -> tensor<1x8xf32> {
  %ids = arith.constant dense<[50]> : tensor<1xi64>
  %y = seq.gather %table[%ids] axis = 0 : (tensor<50x8xf32>, tensor<1xi64>) -> tensor<1x8xf32>
  return %y : tensor<1x8xf32>
}
