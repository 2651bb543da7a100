// RUN: seq-opt --pass-pipeline='builtin.module(seq-gpu-host-to-device)' --split-input-file -verify-diagnostics %s | FileCheck %s

// Arguments get device mirrors (copied back only if a kernel writes them),
// allocations become gpu.alloc, weights are copied to the device.
// CHECK-LABEL: func @graph
// CHECK-SAME: (%[[IN:.*]]: memref<4xf32>, %[[OUT:.*]]: memref<4xf32>)
// CHECK-DAG: %[[DOUT:.*]] = gpu.alloc () : memref<4xf32>
// CHECK-DAG: gpu.memcpy %[[DOUT]], %[[OUT]]
// CHECK-DAG: %[[DIN:.*]] = gpu.alloc () : memref<4xf32>
// CHECK-DAG: gpu.memcpy %[[DIN]], %[[IN]]
// CHECK: %[[DW:.*]] = gpu.alloc () : memref<4xf32>
// CHECK: %[[W:.*]] = memref.get_global @w
// CHECK: gpu.memcpy %[[DW]], %[[W]]
// CHECK: %[[TMP:.*]] = gpu.alloc () : memref<4xf32>
// CHECK: gpu.launch_func @k::@k blocks {{.*}} args(%[[DIN]] : memref<4xf32>, %[[DW]] : memref<4xf32>, %[[TMP]] : memref<4xf32>)
// CHECK: gpu.launch_func @k::@k blocks {{.*}} args(%[[TMP]] : memref<4xf32>, %[[DW]] : memref<4xf32>, %[[DOUT]] : memref<4xf32>)
// CHECK: gpu.dealloc %[[TMP]]
// CHECK-NOT: gpu.memcpy %[[IN]]
// CHECK: gpu.memcpy %[[OUT]], %[[DOUT]]
// CHECK: return
module attributes {gpu.container_module} {
  memref.global "private" constant @w : memref<4xf32> = dense<1.0>
  gpu.module @k {
    gpu.func @k(%a: memref<4xf32>, %b: memref<4xf32>, %c: memref<4xf32>) kernel {
      %i = gpu.thread_id x
      %x = memref.load %a[%i] : memref<4xf32>
      %y = memref.load %b[%i] : memref<4xf32>
      %z = arith.addf %x, %y : f32
      memref.store %z, %c[%i] : memref<4xf32>
      gpu.return
    }
  }
  func.func @graph(%in: memref<4xf32>, %out: memref<4xf32>) {
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    %w = memref.get_global @w : memref<4xf32>
    %tmp = memref.alloc() : memref<4xf32>
    gpu.launch_func @k::@k blocks in (%c1, %c1, %c1) threads in (%c4, %c1, %c1) args(%in : memref<4xf32>, %w : memref<4xf32>, %tmp : memref<4xf32>)
    gpu.launch_func @k::@k blocks in (%c1, %c1, %c1) threads in (%c4, %c1, %c1) args(%tmp : memref<4xf32>, %w : memref<4xf32>, %out : memref<4xf32>)
    memref.dealloc %tmp : memref<4xf32>
    return
  }
}

// -----

// Host code that still reads tensor memory is an error, not a crash at run
// time.
module attributes {gpu.container_module} {
  func.func @host_load(%in: memref<4xf32>) -> f32 {
    %c0 = arith.constant 0 : index
    // expected-error@+1 {{CUDA target: host code accesses tensor memory (memref.load was not mapped to a kernel)}}
    %x = memref.load %in[%c0] : memref<4xf32>
    return %x : f32
  }
}
