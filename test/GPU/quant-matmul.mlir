// RUN: seq-opt --seq-gpu-mark-quant-matmul --split-input-file %s | FileCheck %s --check-prefix=MARK
// RUN: seq-opt --seq-gpu-mark-quant-matmul --split-input-file %s | seq-opt --pass-pipeline='builtin.module(seq-to-linalg,seq-strip-signedness,one-shot-bufferize{bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map},buffer-results-to-out-params{hoist-static-allocs modify-public-functions},canonicalize,seq-gpu-quant-matmul)' --split-input-file | FileCheck %s

// Decode: x [1, 1, 4096] viewed as [1, 4096] (seq.reshape: a view after
// bufferization); the marker call carries bits, group and the zero points.
// MARK-LABEL: func @decode_int4
// MARK: %[[X:.*]] = seq.reshape %arg0 : tensor<1x1x4096xf32> -> tensor<1x4096xf32>
// MARK: %[[XB:.*]] = bufferization.to_buffer %[[X]] read_only
// MARK: %[[OUT:.*]] = memref.alloc() : memref<1x96xf32>
// MARK: call @seqc_quant_matmul_0(%[[XB]], %{{.*}}, %{{.*}}, %{{.*}}, %[[OUT]]) {seq.gpu_quant_matmul = {bits = 4 : i64, group = 32 : i64, zero_points}}
// MARK: %[[T:.*]] = bufferization.to_tensor %[[OUT]]
// MARK: seq.reshape %[[T]] : tensor<1x96xf32> -> tensor<1x1x96xf32>
// MARK-NOT: seq.quant_matmul
//
// GEMV: 2048 bytes per column = 4 steps of a whole warp's 16-byte loads, 4
// columns per CTA (24 CTAs), nibbles unpacked by mask and shift, the block
// scale applied once per 32 weights, 5 xor shuffles, no tensor cores.
// CHECK-LABEL: func @decode_int4
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c24{{.*}}, {{.*}} = %c1{{.*}}, {{.*}} = %c1{{.*}}) threads({{.*}}) in ({{.*}} = %c128{{.*}}, {{.*}} = %c1{{.*}}, {{.*}} = %c1{{.*}})
// CHECK: scf.for %{{.*}} = %c0{{.*}} to %c4{{.*}} step %c1{{.*}} iter_args(%{{.*}} = %cst) -> (f32)
// CHECK: vector.load %{{.*}} {alignment = 16 : i64} : memref<96x128x16xi8>, vector<16xi8>
// CHECK: memref.load {{.*}} : memref<96x128xf32>
// CHECK: memref.load {{.*}} : memref<96x128xi8>
// CHECK: arith.andi
// CHECK: arith.uitofp
// CHECK: math.fma
// CHECK: arith.shrui
// The other 31 weights' FMAs and the block scale's.
// CHECK-COUNT-32: math.fma
// CHECK-NOT: math.fma
// CHECK-COUNT-5: gpu.shuffle  xor
// CHECK: memref.store
// CHECK-NOT: nvvm.mma.sync
func.func @decode_int4(%x: tensor<1x1x4096xf32>, %w: tensor<96x128x16xui8>, %s: tensor<96x128xf32>, %z: tensor<96x128xui8>) -> tensor<1x1x96xf32> {
  %r = seq.quant_matmul %x, %w, %s, %z bits = 4 group = 32 : (tensor<1x1x4096xf32>, tensor<96x128x16xui8>, tensor<96x128xf32>, tensor<96x128xui8>) -> tensor<1x1x96xf32>
  return %r : tensor<1x1x96xf32>
}

// -----

// Prefill, 37 rows of int8 with f16 scales: three m16 tiles per warp (the
// rows past 37 clamped on load, not stored), 4 warps of 8 columns per CTA
// (2 CTAs for 40 columns: warps past N skip), per block 8 tf32 mma.sync
// steps per tile on (q - z) built in registers from one 8-byte load per
// lane and step, then one scaled add per accumulator.
// CHECK-LABEL: func @prefill_int8
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c2{{.*}}, {{.*}} = %c1{{.*}}, {{.*}} = %c1{{.*}}) threads({{.*}}) in ({{.*}} = %c128{{.*}}, {{.*}} = %c1{{.*}}, {{.*}} = %c1{{.*}})
// CHECK: scf.if
// CHECK: arith.minui
// CHECK: scf.for {{.*}} -> (vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>)
// CHECK: scf.for %{{.*}} = %c0{{.*}} to %c8{{.*}} step %c1{{.*}} iter_args({{.*}}) -> (vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>)
// CHECK: vector.load {{.*}} {alignment = 8 : i64} : memref<40x2x64xi8>, vector<8xi8>
// CHECK: vector.bitcast {{.*}} : vector<8xi8> to vector<2xi32>
// CHECK: arith.shrui
// CHECK: arith.uitofp
// CHECK: nvvm.convert.float.to.tf32 {{.*}}rna
// CHECK: nvvm.mma.sync {{.*}}shape = #nvvm.shape<m = 16, n = 8, k = 8>
// CHECK: nvvm.mma.sync
// CHECK: nvvm.mma.sync
// CHECK: memref.load {{.*}} : memref<40x2xf16>
// CHECK: arith.extf
// CHECK-COUNT-12: math.fma
// CHECK: scf.if
// CHECK: memref.store {{.*}} : memref<37x40xf32>
func.func @prefill_int8(%x: tensor<37x128xf32>, %w: tensor<40x2x64xui8>, %s: tensor<40x2xf16>) -> tensor<37x40xf32> {
  %r = seq.quant_matmul %x, %w, %s bits = 8 group = 64 : (tensor<37x128xf32>, tensor<40x2x64xui8>, tensor<40x2xf16>) -> tensor<37x40xf32>
  return %r : tensor<37x40xf32>
}
