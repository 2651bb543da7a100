// RUN: seq-opt --seq-profile-hooks --verify-diagnostics %s
// RUN: not seq-opt --pass-pipeline='builtin.module(seq-profile-hooks{loops=maybe})' %s 2>&1 | FileCheck %s --check-prefix=OPT

// OPT: 'maybe' is invalid value for boolean argument

// A module instrumented twice would time every site twice.
// expected-error @+1 {{the module already has profile hooks ('__seqc_prof_table'): seq-profile-hooks runs once}}
module {
  llvm.mlir.global internal @__seqc_prof_table(0 : i64) : i64
  func.func @f(%a: memref<4xf32>) {
    memref.copy %a, %a : memref<4xf32> to memref<4xf32>
    return
  }
}

// The hooks exist on the CPU target only.
// RUN: not seqc %s --profile-hooks --target=cuda -o %t.so 2>&1 | FileCheck %s --check-prefix=CUDA
// CUDA: seqc: error: --profile-hooks applies only to --target=cpu
