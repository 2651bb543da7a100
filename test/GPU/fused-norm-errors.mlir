// RUN: seq-opt --seq-gpu-fused-norms --split-input-file --verify-diagnostics %s

// A marker call whose attributes do not name a known kind.
func.func private @seqc_fused_norm_0(memref<4x8xf32>, memref<4x8xf32>) attributes {seq.fused_norm}
func.func @bad_kind(%x: memref<4x8xf32>, %o: memref<4x8xf32>) {
  // expected-error @+1 {{malformed fused-norm marker call}}
  call @seqc_fused_norm_0(%x, %o) {seq.fused_norm = {epsilon = 1.0e-5 : f32, kind = "group"}} : (memref<4x8xf32>, memref<4x8xf32>) -> ()
  return
}

// -----

// Buffers that are not [rows, N].
func.func private @seqc_fused_norm_0(memref<2x2x8xf32>, memref<2x2x8xf32>) attributes {seq.fused_norm}
func.func @bad_rank(%x: memref<2x2x8xf32>, %o: memref<2x2x8xf32>) {
  // expected-error @+1 {{fused norm: expected [rows, N] buffers}}
  call @seqc_fused_norm_0(%x, %o) {seq.fused_norm = {epsilon = 1.0e-5 : f32, kind = "softmax"}} : (memref<2x2x8xf32>, memref<2x2x8xf32>) -> ()
  return
}
