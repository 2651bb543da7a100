// RUN: seq-opt %s --split-input-file --seq-emit-c-entry-point --verify-diagnostics | FileCheck %s

// The entry point loads one descriptor pointer per graph parameter from its
// argument array and calls the graph; every defined function is hidden (the
// .so exports only the runtime's ABI) and the ABI string becomes a global.

// CHECK-LABEL: module
// CHECK-NOT: seq.abi_desc
// CHECK: llvm.func hidden @_mlir_ciface_seqc_graph(
// CHECK: llvm.func hidden @helper()
// CHECK: llvm.func @external(!llvm.ptr)
// CHECK: llvm.func hidden @seqc_model_entry(%[[ARGS:.*]]: !llvm.ptr) {
// CHECK:   %[[P0:.*]] = llvm.getelementptr %[[ARGS]][0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK:   %[[A0:.*]] = llvm.load %[[P0]] : !llvm.ptr -> !llvm.ptr
// CHECK:   %[[P1:.*]] = llvm.getelementptr %[[ARGS]][1] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK:   %[[A1:.*]] = llvm.load %[[P1]] : !llvm.ptr -> !llvm.ptr
// CHECK:   llvm.call @_mlir_ciface_seqc_graph(%[[A0]], %[[A1]])
// CHECK:   llvm.return
// CHECK: llvm.mlir.global external hidden constant @seqc_model_desc("in x f32 2 2 3\00")
module attributes {seq.abi_desc = "in x f32 2 2 3"} {
  llvm.func @_mlir_ciface_seqc_graph(%a: !llvm.ptr, %b: !llvm.ptr) {
    llvm.return
  }
  llvm.func @helper() {
    llvm.return
  }
  llvm.func @external(!llvm.ptr)
}

// -----

// A graph without parameters: the entry point only calls it.
// CHECK-LABEL: module
// CHECK: llvm.func hidden @seqc_model_entry(%{{.*}}: !llvm.ptr) {
// CHECK-NEXT: llvm.call @_mlir_ciface_seqc_graph() : () -> ()
// CHECK-NEXT: llvm.return
module attributes {seq.abi_desc = ""} {
  llvm.func @_mlir_ciface_seqc_graph() {
    llvm.return
  }
}

// -----

// expected-error @+1 {{expected a 'seq.abi_desc' attribute and '_mlir_ciface_seqc_graph' (run after lowering to LLVM)}}
module {
  llvm.func @_mlir_ciface_seqc_graph() {
    llvm.return
  }
}

// -----

// expected-error @+1 {{expected a 'seq.abi_desc' attribute and '_mlir_ciface_seqc_graph'}}
module attributes {seq.abi_desc = "x"} {
  func.func @seqc_graph() {
    return
  }
}
