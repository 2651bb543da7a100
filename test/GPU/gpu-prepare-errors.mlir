// RUN: seq-opt --pass-pipeline='builtin.module(func.func(seq-gpu-prepare))' --split-input-file --verify-diagnostics %s

// A loaded value that host code needs after the run cannot be placed in a
// kernel: a clear error.
func.func @scalar_escapes(%a: memref<1xindex>, %b: memref<?xf32>) -> index {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{host code with a result touches tensor memory}}
  %v = memref.load %a[%c0] : memref<1xindex>
  return %v : index
}

// -----

// A host scf.for whose loop-carried value comes from tensor memory.
func.func @serial_result(%a: memref<4xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %z = arith.constant 0.0 : f32
  // expected-error @+1 {{host code with a result touches tensor memory}}
  %s = scf.for %i = %c0 to %c4 step %c1 iter_args(%acc = %z) -> f32 {
    %x = memref.load %a[%i] : memref<4xf32>
    %y = arith.addf %acc, %x : f32
    scf.yield %y : f32
  }
  return %s : f32
}
