// RUN: seq-opt --seq-lower-runtime-checks --split-input-file %s | FileCheck %s

// Each cf.assert becomes a guarded call of the runtime with its id; the
// messages go to the ABI description and seq.runtime_checks.
// CHECK-LABEL: module attributes
// CHECK-SAME: seq.abi_desc = "seqc 1\0Amodel m\0Acheck 0 seq.add%20(node%20'a'):%20dims%20differ\0Acheck 1 second\0A"
// CHECK-SAME: seq.runtime_checks = ["seq.add (node 'a'): dims differ", "second"]
// CHECK: func.func private @seqc_rt_check_failed(i32)
// CHECK-LABEL: func.func @f
// CHECK: %[[EQ:.*]] = arith.cmpi eq
// CHECK: %[[BAD:.*]] = arith.xori %[[EQ]], %true
// CHECK: scf.if %[[BAD]] {
// CHECK-NEXT: %[[ID:.*]] = arith.constant 0 : i32
// CHECK-NEXT: func.call @seqc_rt_check_failed(%[[ID]]) : (i32) -> ()
// CHECK: scf.if
// CHECK: arith.constant 1 : i32
// CHECK-NOT: cf.assert
module attributes {seq.abi_desc = "seqc 1\0Amodel m\0A"} {
  func.func @f(%a: index, %b: index, %c: i1) {
    %eq = arith.cmpi eq, %a, %b : index
    cf.assert %eq, "seq.add (node 'a'): dims differ"
    cf.assert %c, "second"
    return
  }
}

// -----

// No asserts (static models): nothing is added.
// CHECK-LABEL: module {
// CHECK-NOT: seqc_rt_check_failed
// CHECK-NOT: seq.runtime_checks
module {
  func.func @g() {
    return
  }
}
