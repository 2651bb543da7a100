// RUN: seq-opt %s --split-input-file --seq-to-linalg --verify-diagnostics

// Valid seq ops in forms the CPU lowering does not implement end
// seq-to-linalg with one error naming the op (never a crash or a silently
// unlowered op).

func.func @topk_dynamic(%x: tensor<?x4xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{cannot lower 'seq.topk' to linalg (unsupported form)}}
  %v, %i = seq.topk %x k = 2 axis = 1 largest : tensor<?x4xf32> -> tensor<?x2xf32>, tensor<?x2xi64>
  return %v : tensor<?x2xf32>
}

// -----

func.func @cumsum_dynamic(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{cannot lower 'seq.cumsum' to linalg (unsupported form)}}
  %0 = seq.cumsum %x axis = 0 : tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// The naive cascade reshapes the mask to [B, Hkv, G, Sq, Skv]: it needs a
// static mask shape.
func.func @attention_dynamic_mask(%q: tensor<1x2x64x16xf32>, %m: tensor<?x64xi1>) -> tensor<1x2x64x16xf32> {
  // expected-error @+1 {{cannot lower 'seq.attention' to linalg (unsupported form)}}
  %0 = seq.attention %q, %q, %q mask %m scale = 0.25 : (tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>, tensor<?x64xi1>) -> tensor<1x2x64x16xf32>
  return %0 : tensor<1x2x64x16xf32>
}
