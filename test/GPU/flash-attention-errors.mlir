// RUN: seq-opt --pass-pipeline='builtin.module(seq-gpu-flash-attention{warps=3})' --split-input-file --verify-diagnostics %s

// A warp count the kernel does not tile by is refused with the accepted
// values, not miscompiled.
func.func private @seqc_flash_attention_0(memref<1x4x128x64xf16>, memref<1x2x128x64xf16>, memref<1x2x128x64xf16>, memref<1x4x128x64xf16>) attributes {seq.flash_attention}
func.func @bad_warps(%q: memref<1x4x128x64xf16>, %k: memref<1x2x128x64xf16>, %v: memref<1x2x128x64xf16>, %o: memref<1x4x128x64xf16>) {
  // expected-error @+1 {{flash attention: warps=3 (expected 0, 1, 2, 4 or 8)}}
  call @seqc_flash_attention_0(%q, %k, %v, %o) {seq.flash_attention = {causal, query_offset = 0 : i64, scale = 1.250000e-01 : f32}} : (memref<1x4x128x64xf16>, memref<1x2x128x64xf16>, memref<1x2x128x64xf16>, memref<1x4x128x64xf16>) -> ()
  return
}

// -----

// A marker call without its attribute dictionary.
func.func private @seqc_flash_attention_0(memref<1x4x128x64xf16>, memref<1x2x128x64xf16>, memref<1x2x128x64xf16>, memref<1x4x128x64xf16>) attributes {seq.flash_attention}
func.func @malformed(%q: memref<1x4x128x64xf16>, %k: memref<1x2x128x64xf16>, %v: memref<1x2x128x64xf16>, %o: memref<1x4x128x64xf16>) {
  // expected-error @+1 {{malformed flash-attention marker call}}
  call @seqc_flash_attention_0(%q, %k, %v, %o) {seq.flash_attention = 1 : i64} : (memref<1x4x128x64xf16>, memref<1x2x128x64xf16>, memref<1x2x128x64xf16>, memref<1x4x128x64xf16>) -> ()
  return
}
