// RUN: seq-opt --seq-gpu-mark-quant-matmul --seq-gpu-quant-matmul --split-input-file --verify-diagnostics %s

// A symbolic row count: the CUDA kernels are built for static shapes.
func.func @dynamic_rows(%x: tensor<?x64xf32>, %w: tensor<8x2x16xui8>, %s: tensor<8x2xf32>) -> tensor<?x8xf32> {
  // expected-error @+1 {{seq.quant_matmul: --target=cuda needs static shapes (bind symbolic dims with --dim), got 'tensor<?x64xf32>'}}
  %r = seq.quant_matmul %x, %w, %s bits = 4 group = 32 : (tensor<?x64xf32>, tensor<8x2x16xui8>, tensor<8x2xf32>) -> tensor<?x8xf32>
  return %r : tensor<?x8xf32>
}

// -----

// A marker call without its attributes.
func.func private @seqc_quant_matmul_0(memref<4x64xf32>, memref<8x2x16xi8>, memref<8x2xf32>, memref<4x8xf32>) attributes {seq.gpu_quant_matmul}
func.func @no_attrs(%x: memref<4x64xf32>, %w: memref<8x2x16xi8>, %s: memref<8x2xf32>, %o: memref<4x8xf32>) {
  // expected-error @+1 {{malformed quantized-matmul marker call}}
  call @seqc_quant_matmul_0(%x, %w, %s, %o) {seq.gpu_quant_matmul = {group = 32 : i64}} : (memref<4x64xf32>, memref<8x2x16xi8>, memref<8x2xf32>, memref<4x8xf32>) -> ()
  return
}

// -----

// A weight whose block bytes do not hold group * bits / 8.
func.func private @seqc_quant_matmul_0(memref<4x64xf32>, memref<8x2x8xi8>, memref<8x2xf32>, memref<4x8xf32>) attributes {seq.gpu_quant_matmul}
func.func @bad_block(%x: memref<4x64xf32>, %w: memref<8x2x8xi8>, %s: memref<8x2xf32>, %o: memref<4x8xf32>) {
  // expected-error @+1 {{quantized matmul: inconsistent shapes}}
  call @seqc_quant_matmul_0(%x, %w, %s, %o) {seq.gpu_quant_matmul = {bits = 4 : i64, group = 32 : i64}} : (memref<4x64xf32>, memref<8x2x8xi8>, memref<8x2xf32>, memref<4x8xf32>) -> ()
  return
}
