// RUN: seq-opt --pass-pipeline='builtin.module(func.func(seq-gpu-tensor-core-matmul))' --split-input-file %s | FileCheck %s

// One warp per 16x8 tile of C; k in steps of 16; f32 accumulator.
// CHECK-LABEL: func @matmul_f16
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c6{{.*}}, {{.*}} = %c4{{.*}}, {{.*}} = %c1{{.*}}) threads({{.*}}) in ({{.*}} = %c32
// CHECK: arith.extf {{.*}} : f16 to f32
// CHECK: scf.for {{.*}} = %c0{{.*}} to %c32{{.*}} step %c16{{.*}} iter_args({{.*}}) -> (vector<2x2xf32>)
// CHECK: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
// CHECK: arith.truncf {{.*}} : f32 to f16
// CHECK-NOT: linalg.generic
#mA = affine_map<(d0, d1, d2) -> (d0, d1)>
#mB = affine_map<(d0, d1, d2) -> (d1, d2)>
#mC = affine_map<(d0, d1, d2) -> (d0, d2)>
func.func @matmul_f16(%a: memref<64x32xf16>, %b: memref<32x48xf16>, %c: memref<64x48xf16>) {
  linalg.generic {indexing_maps = [#mA, #mB, #mC], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%a, %b : memref<64x32xf16>, memref<32x48xf16>) outs(%c : memref<64x48xf16>) {
  ^bb0(%x: f16, %y: f16, %z: f16):
    %m = arith.mulf %x, %y : f16
    %s = arith.addf %m, %z : f16
    linalg.yield %s : f16
  }
  return
}

// -----

// K not a multiple of 16: left to the generic mapping.
// CHECK-LABEL: func @odd_k
// CHECK-NOT: gpu.launch
// CHECK: linalg.matmul
func.func @odd_k(%a: memref<16x24xf16>, %b: memref<24x8xf16>, %c: memref<16x8xf16>) {
  linalg.matmul ins(%a, %b : memref<16x24xf16>, memref<24x8xf16>) outs(%c : memref<16x8xf16>)
  return
}

// -----

// bf16: nvvm.mma.sync on i32-packed fragments.
// CHECK-LABEL: func @matmul_bf16
// CHECK: gpu.launch
// CHECK: nvvm.mma.sync A[{{.*}}] B[{{.*}}] C[{{.*}}] {{.*}}multiplicandAPtxType = #nvvm.mma_type<bf16>
// CHECK: arith.truncf {{.*}} : f32 to bf16
func.func @matmul_bf16(%a: memref<16x16xbf16>, %b: memref<16x8xbf16>, %c: memref<16x8xbf16>) {
  linalg.matmul ins(%a, %b : memref<16x16xbf16>, memref<16x8xbf16>) outs(%c : memref<16x8xbf16>)
  return
}
