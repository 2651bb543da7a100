// RUN: seq-opt %s --seq-gpu-align-workgroup | FileCheck %s

// cp.async and ldmatrix need 16-byte aligned shared-memory rows: every
// workgroup attribution without an alignment gets llvm.align = 16; an
// explicit one is kept; private attributions and kernels without
// attributions are untouched.

module attributes {gpu.container_module} {
  gpu.module @kernels {
    // CHECK-LABEL: gpu.func @k()
    // CHECK-SAME: workgroup(%{{.*}} : memref<64xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %{{.*}} : memref<8xf32, #gpu.address_space<workgroup>> {llvm.align = 32 : i64})
    // CHECK-SAME: private(%{{.*}} : memref<4xf32, #gpu.address_space<private>>) kernel
    gpu.func @k() workgroup(%a : memref<64xf16, #gpu.address_space<workgroup>>, %b : memref<8xf32, #gpu.address_space<workgroup>> {llvm.align = 32 : i64}) private(%p : memref<4xf32, #gpu.address_space<private>>) kernel {
      gpu.return
    }
    // CHECK-LABEL: gpu.func @none() kernel {
    gpu.func @none() kernel {
      gpu.return
    }
  }
}
