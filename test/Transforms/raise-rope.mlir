// RUN: seq-opt %s --split-input-file --seq-raise | FileCheck %s

// The Hugging Face / torch.onnx export (llama): x * cos + rotate_half(x) * sin
// with [1, 1, S, D] tables.
// CHECK-LABEL: func @rope_rotate_half
// CHECK-SAME: (%[[X:.*]]: tensor<1x8x16x16xf32>, %[[C:.*]]: tensor<1x1x16x16xf32>, %[[S:.*]]: tensor<1x1x16x16xf32>)
// CHECK: %[[R:.*]] = seq.rope %[[X]], %[[C]], %[[S]] : (tensor<1x8x16x16xf32>, tensor<1x1x16x16xf32>, tensor<1x1x16x16xf32>) -> tensor<1x8x16x16xf32>
// CHECK-NOT: seq.
// CHECK-NOT: tensor.
// CHECK: return %[[R]]
func.func @rope_rotate_half(%x: tensor<1x8x16x16xf32>, %cos: tensor<1x1x16x16xf32>, %sin: tensor<1x1x16x16xf32>) -> tensor<1x8x16x16xf32> {
  %0 = seq.mul %x, %cos : (tensor<1x8x16x16xf32>, tensor<1x1x16x16xf32>) -> tensor<1x8x16x16xf32>
  %lo = tensor.extract_slice %x[0, 0, 0, 0] [1, 8, 16, 8] [1, 1, 1, 1] : tensor<1x8x16x16xf32> to tensor<1x8x16x8xf32>
  %hi = tensor.extract_slice %x[0, 0, 0, 8] [1, 8, 16, 8] [1, 1, 1, 1] : tensor<1x8x16x16xf32> to tensor<1x8x16x8xf32>
  %1 = seq.neg %hi : (tensor<1x8x16x8xf32>) -> tensor<1x8x16x8xf32>
  %rot = tensor.concat dim(3) %1, %lo : (tensor<1x8x16x8xf32>, tensor<1x8x16x8xf32>) -> tensor<1x8x16x16xf32>
  %2 = seq.mul %rot, %sin : (tensor<1x8x16x16xf32>, tensor<1x1x16x16xf32>) -> tensor<1x8x16x16xf32>
  %3 = seq.add %0, %2 : (tensor<1x8x16x16xf32>, tensor<1x8x16x16xf32>) -> tensor<1x8x16x16xf32>
  return %3 : tensor<1x8x16x16xf32>
}

// -----

// Operands in the other orders, [S, D] tables (reshaped to 4-D).
// CHECK-LABEL: func @rope_commuted_2d_tables
// CHECK-SAME: (%[[X:.*]]: tensor<2x4x6x8xf32>, %[[C:.*]]: tensor<6x8xf32>, %[[S:.*]]: tensor<6x8xf32>)
// CHECK-DAG: %[[C4:.*]] = seq.reshape %[[C]] : tensor<6x8xf32> -> tensor<1x1x6x8xf32>
// CHECK-DAG: %[[S4:.*]] = seq.reshape %[[S]] : tensor<6x8xf32> -> tensor<1x1x6x8xf32>
// CHECK: %[[R:.*]] = seq.rope %[[X]], %[[C4]], %[[S4]] :
// CHECK: return %[[R]]
func.func @rope_commuted_2d_tables(%x: tensor<2x4x6x8xf32>, %cos: tensor<6x8xf32>, %sin: tensor<6x8xf32>) -> tensor<2x4x6x8xf32> {
  %lo = tensor.extract_slice %x[0, 0, 0, 0] [2, 4, 6, 4] [1, 1, 1, 1] : tensor<2x4x6x8xf32> to tensor<2x4x6x4xf32>
  %hi = tensor.extract_slice %x[0, 0, 0, 4] [2, 4, 6, 4] [1, 1, 1, 1] : tensor<2x4x6x8xf32> to tensor<2x4x6x4xf32>
  %1 = seq.neg %hi : (tensor<2x4x6x4xf32>) -> tensor<2x4x6x4xf32>
  %rot = tensor.concat dim(3) %1, %lo : (tensor<2x4x6x4xf32>, tensor<2x4x6x4xf32>) -> tensor<2x4x6x8xf32>
  %2 = seq.mul %sin, %rot : (tensor<6x8xf32>, tensor<2x4x6x8xf32>) -> tensor<2x4x6x8xf32>
  %0 = seq.mul %cos, %x : (tensor<6x8xf32>, tensor<2x4x6x8xf32>) -> tensor<2x4x6x8xf32>
  %3 = seq.add %2, %0 : (tensor<2x4x6x8xf32>, tensor<2x4x6x8xf32>) -> tensor<2x4x6x8xf32>
  return %3 : tensor<2x4x6x8xf32>
}

// -----

// GPT-J style rotate_every_two: stack((-x[..., 1::2], x[..., ::2]), -1)
// flattened back, with repeat-interleaved tables.
// CHECK-LABEL: func @rope_interleaved
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x4x8xf32>, %[[C:.*]]: tensor<1x1x4x8xf32>, %[[S:.*]]: tensor<1x1x4x8xf32>)
// CHECK: %[[R:.*]] = seq.rope %[[X]], %[[C]], %[[S]] interleaved :
// CHECK-NOT: seq.
// CHECK: return %[[R]]
func.func @rope_interleaved(%x: tensor<1x2x4x8xf32>, %cos: tensor<1x1x4x8xf32>, %sin: tensor<1x1x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %ev = tensor.extract_slice %x[0, 0, 0, 0] [1, 2, 4, 4] [1, 1, 1, 2] : tensor<1x2x4x8xf32> to tensor<1x2x4x4xf32>
  %od = tensor.extract_slice %x[0, 0, 0, 1] [1, 2, 4, 4] [1, 1, 1, 2] : tensor<1x2x4x8xf32> to tensor<1x2x4x4xf32>
  %n = seq.neg %od : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %a = seq.reshape %n : tensor<1x2x4x4xf32> -> tensor<1x2x4x4x1xf32>
  %b = seq.reshape %ev : tensor<1x2x4x4xf32> -> tensor<1x2x4x4x1xf32>
  %st = tensor.concat dim(4) %a, %b : (tensor<1x2x4x4x1xf32>, tensor<1x2x4x4x1xf32>) -> tensor<1x2x4x4x2xf32>
  %rot = seq.reshape %st : tensor<1x2x4x4x2xf32> -> tensor<1x2x4x8xf32>
  %0 = seq.mul %x, %cos : (tensor<1x2x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x2x4x8xf32>
  %1 = seq.mul %rot, %sin : (tensor<1x2x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x2x4x8xf32>
  %2 = seq.add %0, %1 : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %2 : tensor<1x2x4x8xf32>
}

// -----

// Negated second half: concat(x1, -x2) rotates the other way. Not a rope.
// CHECK-LABEL: func @no_rope_wrong_sign
// CHECK-NOT: seq.rope
func.func @no_rope_wrong_sign(%x: tensor<1x2x4x8xf32>, %cos: tensor<1x1x4x8xf32>, %sin: tensor<1x1x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %lo = tensor.extract_slice %x[0, 0, 0, 0] [1, 2, 4, 4] [1, 1, 1, 1] : tensor<1x2x4x8xf32> to tensor<1x2x4x4xf32>
  %hi = tensor.extract_slice %x[0, 0, 0, 4] [1, 2, 4, 4] [1, 1, 1, 1] : tensor<1x2x4x8xf32> to tensor<1x2x4x4xf32>
  %n = seq.neg %lo : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %rot = tensor.concat dim(3) %hi, %n : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x8xf32>
  %0 = seq.mul %x, %cos : (tensor<1x2x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x2x4x8xf32>
  %1 = seq.mul %rot, %sin : (tensor<1x2x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x2x4x8xf32>
  %2 = seq.add %0, %1 : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %2 : tensor<1x2x4x8xf32>
}

// -----

// The rotated tensor is not the one multiplied by cos.
// CHECK-LABEL: func @no_rope_other_x
// CHECK-NOT: seq.rope
func.func @no_rope_other_x(%x: tensor<1x2x4x8xf32>, %y: tensor<1x2x4x8xf32>, %cos: tensor<1x1x4x8xf32>, %sin: tensor<1x1x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %lo = tensor.extract_slice %y[0, 0, 0, 0] [1, 2, 4, 4] [1, 1, 1, 1] : tensor<1x2x4x8xf32> to tensor<1x2x4x4xf32>
  %hi = tensor.extract_slice %y[0, 0, 0, 4] [1, 2, 4, 4] [1, 1, 1, 1] : tensor<1x2x4x8xf32> to tensor<1x2x4x4xf32>
  %n = seq.neg %hi : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %rot = tensor.concat dim(3) %n, %lo : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x8xf32>
  %0 = seq.mul %x, %cos : (tensor<1x2x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x2x4x8xf32>
  %1 = seq.mul %rot, %sin : (tensor<1x2x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x2x4x8xf32>
  %2 = seq.add %0, %1 : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %2 : tensor<1x2x4x8xf32>
}

// -----

// Halves split at the wrong channel (a [3, 5] split) and a rotation over
// another axis: not a rope.
// CHECK-LABEL: func @no_rope_bad_split
// CHECK-NOT: seq.rope
func.func @no_rope_bad_split(%x: tensor<1x2x8x8xf32>, %cos: tensor<1x1x8x8xf32>, %sin: tensor<1x1x8x8xf32>) -> (tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) {
  %lo = tensor.extract_slice %x[0, 0, 0, 0] [1, 2, 8, 3] [1, 1, 1, 1] : tensor<1x2x8x8xf32> to tensor<1x2x8x3xf32>
  %hi = tensor.extract_slice %x[0, 0, 0, 3] [1, 2, 8, 5] [1, 1, 1, 1] : tensor<1x2x8x8xf32> to tensor<1x2x8x5xf32>
  %n = seq.neg %hi : (tensor<1x2x8x5xf32>) -> tensor<1x2x8x5xf32>
  %rot = tensor.concat dim(3) %n, %lo : (tensor<1x2x8x5xf32>, tensor<1x2x8x3xf32>) -> tensor<1x2x8x8xf32>
  %0 = seq.mul %x, %cos : (tensor<1x2x8x8xf32>, tensor<1x1x8x8xf32>) -> tensor<1x2x8x8xf32>
  %1 = seq.mul %rot, %sin : (tensor<1x2x8x8xf32>, tensor<1x1x8x8xf32>) -> tensor<1x2x8x8xf32>
  %2 = seq.add %0, %1 : (tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %slo = tensor.extract_slice %x[0, 0, 0, 0] [1, 2, 4, 8] [1, 1, 1, 1] : tensor<1x2x8x8xf32> to tensor<1x2x4x8xf32>
  %shi = tensor.extract_slice %x[0, 0, 4, 0] [1, 2, 4, 8] [1, 1, 1, 1] : tensor<1x2x8x8xf32> to tensor<1x2x4x8xf32>
  %sn = seq.neg %shi : (tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %srot = tensor.concat dim(2) %sn, %slo : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x8x8xf32>
  %3 = seq.mul %srot, %sin : (tensor<1x2x8x8xf32>, tensor<1x1x8x8xf32>) -> tensor<1x2x8x8xf32>
  %4 = seq.add %0, %3 : (tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  return %2, %4 : tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>
}

// -----

// Tables of different shapes (cos per batch, sin shared) or a table that
// broadcasts x up: the op cannot express them.
// CHECK-LABEL: func @no_rope_table_shapes
// CHECK-NOT: seq.rope
func.func @no_rope_table_shapes(%x: tensor<2x2x4x8xf32>, %cos: tensor<2x1x4x8xf32>, %sin: tensor<1x1x4x8xf32>) -> tensor<2x2x4x8xf32> {
  %lo = tensor.extract_slice %x[0, 0, 0, 0] [2, 2, 4, 4] [1, 1, 1, 1] : tensor<2x2x4x8xf32> to tensor<2x2x4x4xf32>
  %hi = tensor.extract_slice %x[0, 0, 0, 4] [2, 2, 4, 4] [1, 1, 1, 1] : tensor<2x2x4x8xf32> to tensor<2x2x4x4xf32>
  %n = seq.neg %hi : (tensor<2x2x4x4xf32>) -> tensor<2x2x4x4xf32>
  %rot = tensor.concat dim(3) %n, %lo : (tensor<2x2x4x4xf32>, tensor<2x2x4x4xf32>) -> tensor<2x2x4x8xf32>
  %0 = seq.mul %x, %cos : (tensor<2x2x4x8xf32>, tensor<2x1x4x8xf32>) -> tensor<2x2x4x8xf32>
  %1 = seq.mul %rot, %sin : (tensor<2x2x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<2x2x4x8xf32>
  %2 = seq.add %0, %1 : (tensor<2x2x4x8xf32>, tensor<2x2x4x8xf32>) -> tensor<2x2x4x8xf32>
  return %2 : tensor<2x2x4x8xf32>
}

// -----

// Interleaved form with the even channels negated: not a rope.
// CHECK-LABEL: func @no_rope_interleaved_sign
// CHECK-NOT: seq.rope
func.func @no_rope_interleaved_sign(%x: tensor<1x2x4x8xf32>, %cos: tensor<1x1x4x8xf32>, %sin: tensor<1x1x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %ev = tensor.extract_slice %x[0, 0, 0, 0] [1, 2, 4, 4] [1, 1, 1, 2] : tensor<1x2x4x8xf32> to tensor<1x2x4x4xf32>
  %od = tensor.extract_slice %x[0, 0, 0, 1] [1, 2, 4, 4] [1, 1, 1, 2] : tensor<1x2x4x8xf32> to tensor<1x2x4x4xf32>
  %n = seq.neg %ev : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %a = seq.reshape %od : tensor<1x2x4x4xf32> -> tensor<1x2x4x4x1xf32>
  %b = seq.reshape %n : tensor<1x2x4x4xf32> -> tensor<1x2x4x4x1xf32>
  %st = tensor.concat dim(4) %a, %b : (tensor<1x2x4x4x1xf32>, tensor<1x2x4x4x1xf32>) -> tensor<1x2x4x4x2xf32>
  %rot = seq.reshape %st : tensor<1x2x4x4x2xf32> -> tensor<1x2x4x8xf32>
  %0 = seq.mul %x, %cos : (tensor<1x2x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x2x4x8xf32>
  %1 = seq.mul %rot, %sin : (tensor<1x2x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x2x4x8xf32>
  %2 = seq.add %0, %1 : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %2 : tensor<1x2x4x8xf32>
}

// -----

// The ONNX RotaryEmbedding function body: half tables on the two halves,
// concat(cos * x1 - sin * x2, sin * x1 + cos * x2), then the untouched
// channels appended (partial rotation, rotary_dim = 4 of 8).
// CHECK-LABEL: func @rope_half_tables_partial
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4x8xf32>, %[[C:.*]]: tensor<2x3x1x2xf32>, %[[S:.*]]: tensor<2x3x1x2xf32>)
// CHECK: %[[R:.*]] = seq.rope %[[X]], %[[C]], %[[S]] rotary_dim = 4 : (tensor<2x3x4x8xf32>, tensor<2x3x1x2xf32>, tensor<2x3x1x2xf32>) -> tensor<2x3x4x8xf32>
// CHECK-NOT: seq.
// CHECK-NOT: tensor.
// CHECK: return %[[R]]
func.func @rope_half_tables_partial(%x: tensor<2x3x4x8xf32>, %c: tensor<2x3x1x2xf32>, %s: tensor<2x3x1x2xf32>) -> tensor<2x3x4x8xf32> {
  %rot = tensor.extract_slice %x[0, 0, 0, 0] [2, 3, 4, 4] [1, 1, 1, 1] : tensor<2x3x4x8xf32> to tensor<2x3x4x4xf32>
  %pass = tensor.extract_slice %x[0, 0, 0, 4] [2, 3, 4, 4] [1, 1, 1, 1] : tensor<2x3x4x8xf32> to tensor<2x3x4x4xf32>
  %x1 = tensor.extract_slice %rot[0, 0, 0, 0] [2, 3, 4, 2] [1, 1, 1, 1] : tensor<2x3x4x4xf32> to tensor<2x3x4x2xf32>
  %x2 = tensor.extract_slice %rot[0, 0, 0, 2] [2, 3, 4, 2] [1, 1, 1, 1] : tensor<2x3x4x4xf32> to tensor<2x3x4x2xf32>
  %0 = seq.mul %c, %x1 : (tensor<2x3x1x2xf32>, tensor<2x3x4x2xf32>) -> tensor<2x3x4x2xf32>
  %1 = seq.mul %s, %x2 : (tensor<2x3x1x2xf32>, tensor<2x3x4x2xf32>) -> tensor<2x3x4x2xf32>
  %real = seq.sub %0, %1 : (tensor<2x3x4x2xf32>, tensor<2x3x4x2xf32>) -> tensor<2x3x4x2xf32>
  %2 = seq.mul %s, %x1 : (tensor<2x3x1x2xf32>, tensor<2x3x4x2xf32>) -> tensor<2x3x4x2xf32>
  %3 = seq.mul %c, %x2 : (tensor<2x3x1x2xf32>, tensor<2x3x4x2xf32>) -> tensor<2x3x4x2xf32>
  %imag = seq.add %2, %3 : (tensor<2x3x4x2xf32>, tensor<2x3x4x2xf32>) -> tensor<2x3x4x2xf32>
  %r = tensor.concat dim(3) %real, %imag : (tensor<2x3x4x2xf32>, tensor<2x3x4x2xf32>) -> tensor<2x3x4x4xf32>
  %y = tensor.concat dim(3) %r, %pass : (tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>) -> tensor<2x3x4x8xf32>
  return %y : tensor<2x3x4x8xf32>
}

// -----

// The interleaved function body: even/odd channels, (real, imag) pairs
// stacked on a new last axis and flattened.
// CHECK-LABEL: func @rope_half_tables_interleaved
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4x8xf32>, %[[C:.*]]: tensor<2x3x1x4xf32>, %[[S:.*]]: tensor<2x3x1x4xf32>)
// CHECK: %[[R:.*]] = seq.rope %[[X]], %[[C]], %[[S]] interleaved : (tensor<2x3x4x8xf32>, tensor<2x3x1x4xf32>, tensor<2x3x1x4xf32>) -> tensor<2x3x4x8xf32>
// CHECK-NOT: seq.
// CHECK: return %[[R]]
func.func @rope_half_tables_interleaved(%x: tensor<2x3x4x8xf32>, %c: tensor<2x3x1x4xf32>, %s: tensor<2x3x1x4xf32>) -> tensor<2x3x4x8xf32> {
  %x1 = tensor.extract_slice %x[0, 0, 0, 0] [2, 3, 4, 4] [1, 1, 1, 2] : tensor<2x3x4x8xf32> to tensor<2x3x4x4xf32>
  %x2 = tensor.extract_slice %x[0, 0, 0, 1] [2, 3, 4, 4] [1, 1, 1, 2] : tensor<2x3x4x8xf32> to tensor<2x3x4x4xf32>
  %0 = seq.mul %c, %x1 : (tensor<2x3x1x4xf32>, tensor<2x3x4x4xf32>) -> tensor<2x3x4x4xf32>
  %1 = seq.mul %s, %x2 : (tensor<2x3x1x4xf32>, tensor<2x3x4x4xf32>) -> tensor<2x3x4x4xf32>
  %real = seq.sub %0, %1 : (tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>) -> tensor<2x3x4x4xf32>
  %2 = seq.mul %s, %x1 : (tensor<2x3x1x4xf32>, tensor<2x3x4x4xf32>) -> tensor<2x3x4x4xf32>
  %3 = seq.mul %c, %x2 : (tensor<2x3x1x4xf32>, tensor<2x3x4x4xf32>) -> tensor<2x3x4x4xf32>
  %imag = seq.add %3, %2 : (tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>) -> tensor<2x3x4x4xf32>
  %a = seq.reshape %real : tensor<2x3x4x4xf32> -> tensor<2x3x4x4x1xf32>
  %b = seq.reshape %imag : tensor<2x3x4x4xf32> -> tensor<2x3x4x4x1xf32>
  %st = tensor.concat dim(4) %a, %b : (tensor<2x3x4x4x1xf32>, tensor<2x3x4x4x1xf32>) -> tensor<2x3x4x4x2xf32>
  %y = seq.reshape %st : tensor<2x3x4x4x2xf32> -> tensor<2x3x4x8xf32>
  return %y : tensor<2x3x4x8xf32>
}

// -----

// cos and sin swapped in the imaginary part, and real/imag in the wrong
// order: not rotations.
// CHECK-LABEL: func @no_rope_half_tables
// CHECK-NOT: seq.rope
func.func @no_rope_half_tables(%x: tensor<2x3x4x4xf32>, %c: tensor<2x3x1x2xf32>, %s: tensor<2x3x1x2xf32>) -> (tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>) {
  %x1 = tensor.extract_slice %x[0, 0, 0, 0] [2, 3, 4, 2] [1, 1, 1, 1] : tensor<2x3x4x4xf32> to tensor<2x3x4x2xf32>
  %x2 = tensor.extract_slice %x[0, 0, 0, 2] [2, 3, 4, 2] [1, 1, 1, 1] : tensor<2x3x4x4xf32> to tensor<2x3x4x2xf32>
  %0 = seq.mul %c, %x1 : (tensor<2x3x1x2xf32>, tensor<2x3x4x2xf32>) -> tensor<2x3x4x2xf32>
  %1 = seq.mul %s, %x2 : (tensor<2x3x1x2xf32>, tensor<2x3x4x2xf32>) -> tensor<2x3x4x2xf32>
  %real = seq.sub %0, %1 : (tensor<2x3x4x2xf32>, tensor<2x3x4x2xf32>) -> tensor<2x3x4x2xf32>
  %2 = seq.mul %c, %x1 : (tensor<2x3x1x2xf32>, tensor<2x3x4x2xf32>) -> tensor<2x3x4x2xf32>
  %3 = seq.mul %s, %x2 : (tensor<2x3x1x2xf32>, tensor<2x3x4x2xf32>) -> tensor<2x3x4x2xf32>
  %bad = seq.add %2, %3 : (tensor<2x3x4x2xf32>, tensor<2x3x4x2xf32>) -> tensor<2x3x4x2xf32>
  %r0 = tensor.concat dim(3) %real, %bad : (tensor<2x3x4x2xf32>, tensor<2x3x4x2xf32>) -> tensor<2x3x4x4xf32>
  %4 = seq.mul %s, %x1 : (tensor<2x3x1x2xf32>, tensor<2x3x4x2xf32>) -> tensor<2x3x4x2xf32>
  %5 = seq.mul %c, %x2 : (tensor<2x3x1x2xf32>, tensor<2x3x4x2xf32>) -> tensor<2x3x4x2xf32>
  %imag = seq.add %4, %5 : (tensor<2x3x4x2xf32>, tensor<2x3x4x2xf32>) -> tensor<2x3x4x2xf32>
  %r1 = tensor.concat dim(3) %imag, %real : (tensor<2x3x4x2xf32>, tensor<2x3x4x2xf32>) -> tensor<2x3x4x4xf32>
  return %r0, %r1 : tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>
}

// -----

// Tables gathered from caches by position ids (rows [B, S, T] unsqueezed to
// [B, S, 1, T]) fold into the op's position_ids (layout bshd).
// CHECK-LABEL: func @rope_positions
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4x8xf32>, %[[CC:.*]]: tensor<50x4xf32>, %[[SC:.*]]: tensor<50x4xf32>, %[[P:.*]]: tensor<2x3xi64>)
// CHECK: %[[R:.*]] = seq.rope %[[X]], %[[CC]], %[[SC]] positions %[[P]] layout = bshd : (tensor<2x3x4x8xf32>, tensor<50x4xf32>, tensor<50x4xf32>, tensor<2x3xi64>) -> tensor<2x3x4x8xf32>
// CHECK-NOT: seq.
// CHECK: return %[[R]]
func.func @rope_positions(%x: tensor<2x3x4x8xf32>, %cc: tensor<50x4xf32>, %sc: tensor<50x4xf32>, %p: tensor<2x3xi64>) -> tensor<2x3x4x8xf32> {
  %g0 = seq.gather %cc[%p] axis = 0 : (tensor<50x4xf32>, tensor<2x3xi64>) -> tensor<2x3x4xf32>
  %g1 = seq.gather %sc[%p] axis = 0 : (tensor<50x4xf32>, tensor<2x3xi64>) -> tensor<2x3x4xf32>
  %c = seq.reshape %g0 : tensor<2x3x4xf32> -> tensor<2x3x1x4xf32>
  %s = seq.reshape %g1 : tensor<2x3x4xf32> -> tensor<2x3x1x4xf32>
  %y = seq.rope %x, %c, %s : (tensor<2x3x4x8xf32>, tensor<2x3x1x4xf32>, tensor<2x3x1x4xf32>) -> tensor<2x3x4x8xf32>
  return %y : tensor<2x3x4x8xf32>
}

// -----

// cos and sin gathered with different ids: stays as is.
// CHECK-LABEL: func @no_rope_positions
// CHECK: seq.gather
// CHECK: seq.gather
// CHECK: seq.rope %{{.*}}, %{{.*}}, %{{.*}} :
func.func @no_rope_positions(%x: tensor<2x3x4x8xf32>, %cc: tensor<50x4xf32>, %p: tensor<2x3xi64>, %q: tensor<2x3xi64>) -> tensor<2x3x4x8xf32> {
  %g0 = seq.gather %cc[%p] axis = 0 : (tensor<50x4xf32>, tensor<2x3xi64>) -> tensor<2x3x4xf32>
  %g1 = seq.gather %cc[%q] axis = 0 : (tensor<50x4xf32>, tensor<2x3xi64>) -> tensor<2x3x4xf32>
  %c = seq.reshape %g0 : tensor<2x3x4xf32> -> tensor<2x3x1x4xf32>
  %s = seq.reshape %g1 : tensor<2x3x4xf32> -> tensor<2x3x1x4xf32>
  %y = seq.rope %x, %c, %s : (tensor<2x3x4x8xf32>, tensor<2x3x1x4xf32>, tensor<2x3x1x4xf32>) -> tensor<2x3x4x8xf32>
  return %y : tensor<2x3x4x8xf32>
}

// -----

// The ONNX body for 4-D input rotates in [B, S, H, D] between two
// transposes: the rope takes the input directly in the other layout.
// CHECK-LABEL: func @rope_transposed
// CHECK-SAME: (%[[X:.*]]: tensor<2x4x3x8xf32>, %[[CC:.*]]: tensor<50x4xf32>, %[[SC:.*]]: tensor<50x4xf32>, %[[P:.*]]: tensor<2x3xi64>, %[[T:.*]]: tensor<2x3x1x4xf32>)
// CHECK: %[[R:.*]] = seq.rope %[[X]], %[[CC]], %[[SC]] positions %[[P]] : (tensor<2x4x3x8xf32>
// CHECK: %[[TT:.*]] = seq.transpose %[[T]] [0, 2, 1, 3] : tensor<2x3x1x4xf32> -> tensor<2x1x3x4xf32>
// CHECK: %[[R2:.*]] = seq.rope %[[X]], %[[TT]], %[[TT]] interleaved : (tensor<2x4x3x8xf32>, tensor<2x1x3x4xf32>, tensor<2x1x3x4xf32>) -> tensor<2x4x3x8xf32>
// CHECK: return %[[R]], %[[R2]]
func.func @rope_transposed(%x: tensor<2x4x3x8xf32>, %cc: tensor<50x4xf32>, %sc: tensor<50x4xf32>, %p: tensor<2x3xi64>, %t: tensor<2x3x1x4xf32>) -> (tensor<2x4x3x8xf32>, tensor<2x4x3x8xf32>) {
  %0 = seq.transpose %x [0, 2, 1, 3] : tensor<2x4x3x8xf32> -> tensor<2x3x4x8xf32>
  %1 = seq.rope %0, %cc, %sc positions %p layout = bshd : (tensor<2x3x4x8xf32>, tensor<50x4xf32>, tensor<50x4xf32>, tensor<2x3xi64>) -> tensor<2x3x4x8xf32>
  %2 = seq.transpose %1 [0, 2, 1, 3] : tensor<2x3x4x8xf32> -> tensor<2x4x3x8xf32>
  %3 = seq.rope %0, %t, %t interleaved : (tensor<2x3x4x8xf32>, tensor<2x3x1x4xf32>, tensor<2x3x1x4xf32>) -> tensor<2x3x4x8xf32>
  %4 = seq.transpose %3 [0, 2, 1, 3] : tensor<2x3x4x8xf32> -> tensor<2x4x3x8xf32>
  return %2, %4 : tensor<2x4x3x8xf32>, tensor<2x4x3x8xf32>
}
