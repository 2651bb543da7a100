// RUN: seq-opt --seq-gpu-mark-attention --split-input-file %s | FileCheck %s --check-prefix=MARK
// RUN: seq-opt --seq-gpu-flash-attention --split-input-file %s | FileCheck %s

// seq-gpu-mark-attention: a supported attention (f16, GQA 4 -> 2 heads,
// causal) becomes a marker call on buffers; the result is a fresh buffer.
// MARK-LABEL: func @mark_causal_gqa
// MARK-DAG: %[[Q:.*]] = bufferization.to_buffer %arg0 read_only : tensor<1x4x128x64xf16> to memref<1x4x128x64xf16>
// MARK-DAG: %[[K:.*]] = bufferization.to_buffer %arg1 read_only
// MARK-DAG: %[[V:.*]] = bufferization.to_buffer %arg2 read_only
// MARK: %[[OUT:.*]] = memref.alloc() : memref<1x4x128x64xf16>
// MARK: call @seqc_flash_attention_0(%[[Q]], %[[K]], %[[V]], %[[OUT]]) {seq.flash_attention = {causal, query_offset = 0 : i64, scale = 1.250000e-01 : f32}}
// MARK: %[[R:.*]] = bufferization.to_tensor %[[OUT]] restrict writable
// MARK: return %[[R]]
// MARK: func.func private @seqc_flash_attention_0({{.*}}) attributes {seq.flash_attention}
func.func @mark_causal_gqa(%q: tensor<1x4x128x64xf16>, %k: tensor<1x2x128x64xf16>, %v: tensor<1x2x128x64xf16>) -> tensor<1x4x128x64xf16> {
  %r = seq.attention %q, %k, %v scale = 1.250000e-01 causal : (tensor<1x4x128x64xf16>, tensor<1x2x128x64xf16>, tensor<1x2x128x64xf16>) -> tensor<1x4x128x64xf16>
  return %r : tensor<1x4x128x64xf16>
}

// -----

// Unsupported (a mask here; also softcap, windows, D = 48 or > 128)
// stays seq.attention for the generic lowering.
// MARK-LABEL: func @mark_mask_unsupported
// MARK-NEXT: seq.attention
// MARK-NEXT: return
func.func @mark_mask_unsupported(%q: tensor<1x2x16x64xf16>, %k: tensor<1x2x16x64xf16>, %v: tensor<1x2x16x64xf16>, %m: tensor<1x1x16x16xi1>) -> tensor<1x2x16x64xf16> {
  %r = seq.attention %q, %k, %v mask %m scale = 1.250000e-01 : (tensor<1x2x16x64xf16>, tensor<1x2x16x64xf16>, tensor<1x2x16x64xf16>, tensor<1x1x16x16xi1>) -> tensor<1x2x16x64xf16>
  return %r : tensor<1x2x16x64xf16>
}

// -----

// -----

// seq-gpu-flash-attention, causal prefill: one kernel, CTAs over (128 packed
// rows of 2 heads x 128 queries / 64, 2 kv heads, batch 1), 128 threads, K/V
// tiles of 64 x (64+8) in shared memory filled by cp.async.
// CHECK-LABEL: func @causal_gqa
// CHECK-NOT: call @seqc_flash_attention
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c4{{.*}}, {{.*}} = %c2{{.*}}, {{.*}} = %c1{{.*}}) threads({{.*}}) in ({{.*}} = %c128{{.*}}, {{.*}}) workgroup(%[[KSH:.*]] : memref<4608xf16, #gpu.address_space<workgroup>>, %[[VSH:.*]] : memref<4608xf16, #gpu.address_space<workgroup>>)
// Q fragments stay in registers.
// CHECK: vector.load %arg0{{.*}} : memref<1x4x128x64xf16>, vector<2xf16>
// Causal tile skipping: the loop ends at ceil((max query + 1) / 64) tiles.
// CHECK: %[[SEEN:.*]] = arith.divui %{{.*}}, %c64{{.*}} : index
// CHECK: %[[END:.*]] = arith.minui %{{.*}}, %[[SEEN]] : index
// CHECK: nvgpu.device_async_copy %arg1[{{.*}}], %[[KSH]][{{.*}}], 8, {{.*}} {bypassL1}
// CHECK: nvvm.cp.async.commit.group
// CHECK: nvgpu.device_async_copy %arg2[{{.*}}], %[[VSH]][{{.*}}], 8
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[END]] step %c1{{.*}} iter_args({{.*}}) -> (f32, f32, f32, f32, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>)
// CHECK: nvvm.cp.async.wait.group 1
// CHECK: gpu.barrier
// S = Q K^T.
// CHECK: nvgpu.ldmatrix %[[KSH]][{{.*}}] {numTiles = 4 : i32, transpose = false}
// CHECK: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
// Diagonal mask (only on tiles past the CTA's smallest key limit), then the
// online softmax (quad max, exp2).
// CHECK: scf.if %{{.*}} -> (vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>)
// CHECK: arith.cmpi ult
// CHECK: arith.select {{.*}} : f32
// CHECK: gpu.shuffle  xor {{.*}}, %c1_i32{{.*}}, %c32_i32
// CHECK: gpu.shuffle  xor {{.*}}, %c2_i32{{.*}}, %c32_i32
// CHECK: math.exp2
// CHECK: math.fma
// CHECK: arith.truncf {{.*}} : f32 to f16
// K(t+1) is fetched while P V runs.
// CHECK: gpu.barrier
// CHECK: nvgpu.device_async_copy %arg1
// CHECK: nvvm.cp.async.wait.group 1
// O += P V (V fragments by transposing ldmatrix).
// CHECK: nvgpu.ldmatrix %[[VSH]][{{.*}}] {numTiles = 4 : i32, transpose = true}
// CHECK: nvgpu.mma.sync
// CHECK: nvgpu.device_async_copy %arg2
// CHECK: scf.yield
// Normalize by the row sum and store (f16 pairs).
// CHECK: nvvm.cp.async.wait.group 0
// CHECK: arith.divf
// CHECK: vector.store {{.*}}, %arg3[{{.*}}] : memref<1x4x128x64xf16>, vector<2xf16>
// CHECK: gpu.terminator
// CHECK-NOT: func.func private @seqc_flash_attention_0
func.func private @seqc_flash_attention_0(memref<1x4x128x64xf16>, memref<1x2x128x64xf16>, memref<1x2x128x64xf16>, memref<1x4x128x64xf16>) attributes {seq.flash_attention}
func.func @causal_gqa(%q: memref<1x4x128x64xf16>, %k: memref<1x2x128x64xf16>, %v: memref<1x2x128x64xf16>, %o: memref<1x4x128x64xf16>) {
  call @seqc_flash_attention_0(%q, %k, %v, %o) {seq.flash_attention = {causal, query_offset = 0 : i64, scale = 1.250000e-01 : f32}} : (memref<1x4x128x64xf16>, memref<1x2x128x64xf16>, memref<1x2x128x64xf16>, memref<1x4x128x64xf16>) -> ()
  return
}

// -----

// Decode (Sq = 1, 4 query heads per kv head, 1024 cached keys, bf16): few
// CTAs, so the 16 KV tiles are split over 4 CTAs per row tile; each writes a
// normalized f32 partial and its log2-sum-exp, a second kernel merges.
// CHECK-LABEL: func @decode_split
// CHECK: %[[PART:.*]] = memref.alloc() : memref<4x2x8x1x128xf32>
// CHECK: %[[LSE:.*]] = memref.alloc() : memref<4x2x8x1xf32>
// 4 heads x 1 query = 4 rows: one warp (32 threads) per CTA.
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c4{{.*}}, {{.*}} = %c2{{.*}}, {{.*}} = %c2{{.*}}) threads({{.*}}) in ({{.*}} = %c32
// The 64 16-byte copies per thread and tile run as a loop.
// CHECK: scf.for
// CHECK: nvgpu.device_async_copy
// CHECK: nvvm.mma.sync A[{{.*}}] B[{{.*}}] C[{{.*}}] {{.*}}multiplicandAPtxType = #nvvm.mma_type<bf16>
// CHECK: vector.store {{.*}}, %[[PART]][{{.*}}] : memref<4x2x8x1x128xf32>, vector<2xf32>
// CHECK: math.log2
// CHECK: memref.store {{.*}}, %[[LSE]][{{.*}}] : memref<4x2x8x1xf32>
// Merge: one CTA per (query, head, batch), one thread per column.
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c1{{.*}}, {{.*}} = %c8{{.*}}, {{.*}} = %c2{{.*}}) threads({{.*}}) in ({{.*}} = %c128
// CHECK-COUNT-4: memref.load %[[LSE]]
// CHECK: math.exp2
// CHECK: memref.load %[[PART]]
// CHECK: memref.store {{.*}}, %arg3[{{.*}}] : memref<2x8x1x128xbf16>
// CHECK: memref.dealloc %[[PART]]
// CHECK: memref.dealloc %[[LSE]]
func.func private @seqc_flash_attention_0(memref<2x8x1x128xbf16>, memref<2x2x1024x128xbf16>, memref<2x2x1024x128xbf16>, memref<2x8x1x128xbf16>) attributes {seq.flash_attention}
func.func @decode_split(%q: memref<2x8x1x128xbf16>, %k: memref<2x2x1024x128xbf16>, %v: memref<2x2x1024x128xbf16>, %o: memref<2x8x1x128xbf16>) {
  call @seqc_flash_attention_0(%q, %k, %v, %o) {seq.flash_attention = {query_offset = 0 : i64, scale = 0.088388 : f32}} : (memref<2x8x1x128xbf16>, memref<2x2x1024x128xbf16>, memref<2x2x1024x128xbf16>, memref<2x8x1x128xbf16>) -> ()
  return
}

// -----

// f32: exact FMA kernel (no tensor cores): 256 threads, a quad of lanes per
// row, 32-key f32 tiles; Q prescaled by scale * log2(e); quad sums of the
// partial dot products.
// CHECK-LABEL: func @f32_fma
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c4{{.*}}, {{.*}} = %c2{{.*}}, {{.*}} = %c1{{.*}}) threads({{.*}}) in ({{.*}} = %c256{{.*}}, {{.*}}) workgroup(%[[KSH:.*]] : memref<2048xf32, #gpu.address_space<workgroup>>, %[[VSH:.*]] : memref<2048xf32, #gpu.address_space<workgroup>>)
// CHECK: arith.mulf
// CHECK: nvgpu.device_async_copy %arg1[{{.*}}], %[[KSH]][{{.*}}], 4, {{.*}} {bypassL1}
// CHECK: scf.for
// CHECK: memref.load %[[KSH]]
// CHECK: math.fma
// CHECK: gpu.shuffle  xor
// CHECK: math.exp2
// CHECK: memref.load %[[VSH]]
// CHECK: scf.yield
// CHECK: memref.store {{.*}}, %arg3[{{.*}}] : memref<1x4x128x64xf32>
// CHECK-NOT: nvgpu.mma.sync
func.func private @seqc_flash_attention_0(memref<1x4x128x64xf32>, memref<1x2x128x64xf32>, memref<1x2x128x64xf32>, memref<1x4x128x64xf32>) attributes {seq.flash_attention}
func.func @f32_fma(%q: memref<1x4x128x64xf32>, %k: memref<1x2x128x64xf32>, %v: memref<1x2x128x64xf32>, %o: memref<1x4x128x64xf32>) {
  call @seqc_flash_attention_0(%q, %k, %v, %o) {seq.flash_attention = {causal, query_offset = 0 : i64, scale = 1.250000e-01 : f32}} : (memref<1x4x128x64xf32>, memref<1x2x128x64xf32>, memref<1x2x128x64xf32>, memref<1x4x128x64xf32>) -> ()
  return
}
