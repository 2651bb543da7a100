// RUN: seq-opt --pass-pipeline='builtin.module(func.func(seq-gpu-tensor-core-matmul{allow-tf32=true}))' --split-input-file %s | FileCheck %s
// RUN: seq-opt --pass-pipeline='builtin.module(func.func(seq-gpu-tensor-core-matmul))' --split-input-file %s | FileCheck %s --check-prefix=EXACT

// allow-tf32: f32 matmul -> one warp per 16x8 tile, k in steps of 8, inputs
// rounded to tf32 (rna), mma m16n8k8 tf32 with f32 accumulation; no
// extf/truncf around the f32 accumulator.
// CHECK-LABEL: func @matmul_f32
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c2{{.*}}, {{.*}} = %c2{{.*}}, {{.*}} = %c1{{.*}}) threads({{.*}}) in ({{.*}} = %c32
// CHECK-NOT: arith.extf
// CHECK: scf.for {{.*}} = %c0{{.*}} to %c24{{.*}} step %c8{{.*}} iter_args({{.*}}) -> (vector<2x2xf32>)
// CHECK-COUNT-6: nvvm.convert.float.to.tf32 {{.*}} {rnd = #nvvm.fp_rnd_mode<rna>}
// CHECK: nvvm.mma.sync A[{{.*}}, {{.*}}, {{.*}}, {{.*}}] B[{{.*}}, {{.*}}] C[{{.*}}, {{.*}}, {{.*}}, {{.*}}] {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<tf32>, multiplicandBPtxType = #nvvm.mma_type<tf32>, shape = #nvvm.shape<m = 16, n = 8, k = 8>}
// CHECK-NOT: arith.truncf
// CHECK-NOT: linalg.matmul
// Without the option f32 stays on the exact generic mapping.
// EXACT-LABEL: func @matmul_f32
// EXACT-NOT: gpu.launch
// EXACT: linalg.matmul
func.func @matmul_f32(%a: memref<32x24xf32>, %b: memref<24x16xf32>, %c: memref<32x16xf32>) {
  linalg.matmul ins(%a, %b : memref<32x24xf32>, memref<24x16xf32>) outs(%c : memref<32x16xf32>)
  return
}

// -----

// K not a multiple of 8: left to the generic mapping even with allow-tf32.
// CHECK-LABEL: func @odd_k_f32
// CHECK-NOT: gpu.launch
// CHECK: linalg.matmul
// EXACT-LABEL: func @odd_k_f32
func.func @odd_k_f32(%a: memref<16x12xf32>, %b: memref<12x8xf32>, %c: memref<16x8xf32>) {
  linalg.matmul ins(%a, %b : memref<16x12xf32>, memref<12x8xf32>) outs(%c : memref<16x8xf32>)
  return
}

// -----

// f16 is unaffected by the option (m16n8k16).
// CHECK-LABEL: func @matmul_f16
// CHECK: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 16]}
// CHECK-NOT: tf32
// EXACT-LABEL: func @matmul_f16
func.func @matmul_f16(%a: memref<16x16xf16>, %b: memref<16x8xf16>, %c: memref<16x8xf16>) {
  linalg.matmul ins(%a, %b : memref<16x16xf16>, memref<16x8xf16>) outs(%c : memref<16x8xf16>)
  return
}
