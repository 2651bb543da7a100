// RUN: seq-opt --seq-gpu-drop-data-checks %s | FileCheck %s

// Data checks (seq.data_check) read tensor data on the host: dropped on the
// CUDA target. Shape checks (no data read) stay.
// CHECK-LABEL: func @checks
// CHECK-NOT: "index out of range"
// CHECK: cf.assert %arg1, "dims differ"
// CHECK-NOT: cf.assert
func.func @checks(%ok: i1, %dims: i1) {
  cf.assert %ok, "index out of range" {seq.data_check}
  cf.assert %dims, "dims differ"
  return
}
