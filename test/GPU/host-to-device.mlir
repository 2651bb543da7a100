// RUN: seq-opt --pass-pipeline='builtin.module(seq-gpu-host-to-device)' --split-input-file -verify-diagnostics %s | FileCheck %s

// Arguments get device mirrors (copied back only if a kernel writes them),
// allocations become gpu.alloc. Constant weights are device-resident: one
// seqc_cuda_resident call per weight at entry, before any gpu op (the runtime
// uploads on the first run only and caches the pointer in the weight's slot);
// no per-call gpu.alloc/memcpy/dealloc of the weight.
// CHECK-LABEL: func @graph
// CHECK-SAME: (%[[IN:.*]]: memref<4xf32>, %[[OUT:.*]]: memref<4xf32>)
// CHECK-NEXT: %[[W:.*]] = memref.get_global @w : memref<4xf32>
// CHECK-NEXT: %[[WI:.*]] = memref.extract_aligned_pointer_as_index %[[W]]
// CHECK-NEXT: %[[WL:.*]] = arith.index_cast %[[WI]] : index to i64
// CHECK-NEXT: %[[WP:.*]] = llvm.inttoptr %[[WL]] : i64 to !llvm.ptr
// CHECK-NEXT: %[[SLOT:.*]] = llvm.mlir.addressof @__seqc_dev_w : !llvm.ptr
// CHECK-NEXT: %[[BYTES:.*]] = llvm.mlir.constant(16 : i64) : i64
// CHECK-NEXT: %[[DEVP:.*]] = llvm.call @seqc_cuda_resident(%[[SLOT]], %[[WP]], %[[BYTES]]) : (!llvm.ptr, !llvm.ptr, i64) -> !llvm.ptr
// CHECK: llvm.insertvalue %[[DEVP]], %{{.*}}[0]
// CHECK: llvm.insertvalue %[[DEVP]], %{{.*}}[1]
// CHECK: %[[DW:.*]] = builtin.unrealized_conversion_cast %{{.*}} : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<4xf32>
// CHECK-NEXT: %[[DOUT:.*]] = gpu.alloc () : memref<4xf32>
// CHECK-NEXT: gpu.memcpy %[[DOUT]], %[[OUT]]
// CHECK-NEXT: %[[DIN:.*]] = gpu.alloc () : memref<4xf32>
// CHECK-NEXT: gpu.memcpy %[[DIN]], %[[IN]]
// CHECK-NOT: memref.get_global
// CHECK: %[[TMP:.*]] = gpu.alloc () : memref<4xf32>
// CHECK: gpu.launch_func @k::@k blocks {{.*}} args(%[[DIN]] : memref<4xf32>, %[[DW]] : memref<4xf32>, %[[TMP]] : memref<4xf32>)
// CHECK: gpu.launch_func @k::@k blocks {{.*}} args(%[[TMP]] : memref<4xf32>, %[[DW]] : memref<4xf32>, %[[DOUT]] : memref<4xf32>)
// CHECK: gpu.dealloc %[[TMP]]
// CHECK-NOT: gpu.memcpy %[[IN]]
// CHECK-NOT: gpu.dealloc %[[DW]]
// CHECK: gpu.memcpy %[[OUT]], %[[DOUT]]
// CHECK-NOT: gpu.dealloc %[[DW]]
// CHECK: return
// CHECK-DAG: llvm.func @seqc_cuda_resident(!llvm.ptr, !llvm.ptr, i64) -> !llvm.ptr
// CHECK-DAG: llvm.mlir.global internal @__seqc_dev_w(0 : i64)
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

// -----

// A weight read in two places (and inside a host loop) resolves once at
// entry; a mutable global keeps the per-call copy.
// CHECK-LABEL: func @twice
// CHECK: llvm.call @seqc_cuda_resident
// CHECK-NOT: llvm.call @seqc_cuda_resident
// CHECK: %[[DM:.*]] = gpu.alloc () : memref<2x3xf16>
// CHECK-NEXT: %[[M:.*]] = memref.get_global @m
// CHECK-NEXT: gpu.memcpy %[[DM]], %[[M]]
// CHECK: scf.for
// CHECK-NOT: llvm.call @seqc_cuda_resident
// CHECK: return
// CHECK: llvm.mlir.global internal @__seqc_dev_v2(0 : i64)
// CHECK-NOT: __seqc_dev_m
module attributes {gpu.container_module} {
  memref.global "private" constant @v2 : memref<2x3xf16> = dense<1.0>
  memref.global "private" @m : memref<2x3xf16> = dense<0.0>
  gpu.module @k {
    gpu.func @k(%a: memref<2x3xf16>, %b: memref<2x3xf16>) kernel {
      gpu.return
    }
  }
  func.func @twice() {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %w = memref.get_global @v2 : memref<2x3xf16>
    %m = memref.get_global @m : memref<2x3xf16>
    gpu.launch_func @k::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%w : memref<2x3xf16>, %m : memref<2x3xf16>)
    scf.for %i = %c0 to %c2 step %c1 {
      %w2 = memref.get_global @v2 : memref<2x3xf16>
      gpu.launch_func @k::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%w2 : memref<2x3xf16>, %w2 : memref<2x3xf16>)
    }
    return
  }
}
