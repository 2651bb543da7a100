// RUN: seq-opt --seq-lower-to-ukernels %s | FileCheck %s
// RUN: seq-opt --seq-lower-to-ukernels=epilogues=false %s | FileCheck %s --check-prefix=OFF

// A consumer that multiplies the contraction's result by a known activation
// of another operand (SwiGLU's silu(gate) * up, GeGLU) becomes a gated
// epilogue: descriptor word 0 is act | SEQC_UK_EP_GATED (0x100) |
// gate act << 16, and the gate is the last term. Near misses keep a plain
// call and the generic.

// OFF-NOT: call @seqc_uk_sgemm_ep(

#mk = affine_map<(m, n, k) -> (m, k)>
#kn = affine_map<(m, n, k) -> (k, n)>
#mn = affine_map<(m, n, k) -> (m, n)>
#id = affine_map<(m, n) -> (m, n)>
#tr = affine_map<(m, n) -> (n, m)>
#col = affine_map<(m, n) -> (n)>

// Llama MLP after bufferization: gate and up products, then silu(gate) * up
// in place on up. The gate product (another contraction runs before its
// consumer) stays a plain call; the up product takes the gate:
// 0x100 | SILU (4) << 16 = 262400, one term, none before the activation.
// CHECK-LABEL: func.func @swiglu(
// CHECK: call @seqc_uk_sgemm(
// CHECK: memref.alloca_scope
// CHECK-NEXT: memref.alloca() : memref<21xi64>
// CHECK-NEXT: arith.constant 262400 : i64
// CHECK: arith.constant 1 : i64
// CHECK: arith.constant 0 : i64
// CHECK: call @seqc_uk_sgemm_ep(
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @swiglu(%a: memref<16x64xf32>, %wg: memref<64x32xf32>, %wu: memref<64x32xf32>, %y: memref<16x32xf32>) {
  %z = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %up = memref.alloc() : memref<16x32xf32>
  %gate = memref.alloc() : memref<16x32xf32>
  linalg.fill ins(%z : f32) outs(%gate : memref<16x32xf32>)
  linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %wg : memref<16x64xf32>, memref<64x32xf32>) outs(%gate : memref<16x32xf32>) {
  ^bb0(%i: f32, %j: f32, %o: f32):
    %p = arith.mulf %i, %j : f32
    %s = arith.addf %p, %o : f32
    linalg.yield %s : f32
  }
  linalg.fill ins(%z : f32) outs(%up : memref<16x32xf32>)
  linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %wu : memref<16x64xf32>, memref<64x32xf32>) outs(%up : memref<16x32xf32>) {
  ^bb0(%i: f32, %j: f32, %o: f32):
    %p = arith.mulf %i, %j : f32
    %s = arith.addf %p, %o : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%gate, %up : memref<16x32xf32>, memref<16x32xf32>) outs(%up : memref<16x32xf32>) {
  ^bb0(%g: f32, %u: f32, %o: f32):
    %n = arith.negf %g : f32
    %e = math.exp %n : f32
    %d = arith.addf %e, %one : f32
    %r = arith.divf %one, %d : f32
    %s = arith.mulf %g, %r : f32
    %t = arith.mulf %s, %u : f32
    linalg.yield %t : f32
  }
  memref.copy %up, %y : memref<16x32xf32> to memref<16x32xf32>
  memref.dealloc %gate : memref<16x32xf32>
  memref.dealloc %up : memref<16x32xf32>
  return
}

// The other orientation: the product is the gate, silu(C) * up with up an
// argument read transposed; C's activation is SiLU and the gate's is none
// (4 | 0x100 = 260).
// CHECK-LABEL: func.func @silu_times_operand(
// CHECK: memref.alloca_scope
// CHECK-NEXT: memref.alloca() : memref<21xi64>
// CHECK-NEXT: arith.constant 260 : i64
// CHECK: call @seqc_uk_sgemm_ep(
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @silu_times_operand(%a: memref<16x64xf32>, %b: memref<64x32xf32>, %u: memref<32x16xf32>, %y: memref<16x32xf32>) {
  %z = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %x = memref.alloc() : memref<16x32xf32>
  linalg.fill ins(%z : f32) outs(%x : memref<16x32xf32>)
  linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<16x64xf32>, memref<64x32xf32>) outs(%x : memref<16x32xf32>) {
  ^bb0(%i: f32, %j: f32, %o: f32):
    %p = arith.mulf %i, %j : f32
    %s = arith.addf %p, %o : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #tr, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %u : memref<16x32xf32>, memref<32x16xf32>) outs(%y : memref<16x32xf32>) {
  ^bb0(%c: f32, %v: f32, %o: f32):
    %n = arith.negf %c : f32
    %e = math.exp %n : f32
    %d = arith.addf %e, %one : f32
    %s = arith.divf %c, %d : f32
    %t = arith.mulf %v, %s : f32
    linalg.yield %t : f32
  }
  memref.dealloc %x : memref<16x32xf32>
  return
}

// GeGLU with a biased product: (C + bias) * gelu_tanh(gate), the exporter's
// x*x*x spelling: 0x100 | GELU_TANH (2) << 16 = 131328, two terms, one
// before the activation.
// CHECK-LABEL: func.func @geglu_bias(
// CHECK: memref.alloca_scope
// CHECK-NEXT: memref.alloca() : memref<21xi64>
// CHECK-NEXT: arith.constant 131328 : i64
// CHECK: arith.constant 2 : i64
// CHECK: arith.constant 1 : i64
// CHECK: call @seqc_uk_sgemm_ep(
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @geglu_bias(%a: memref<16x64xf32>, %b: memref<64x32xf32>, %bias: memref<32xf32>, %g: memref<16x32xf32>, %y: memref<16x32xf32>) {
  %z = arith.constant 0.0 : f32
  %half = arith.constant 0.5 : f32
  %one = arith.constant 1.0 : f32
  %c0 = arith.constant 0.044715 : f32
  %c1 = arith.constant 0.797884583 : f32
  %x = memref.alloc() : memref<16x32xf32>
  linalg.fill ins(%z : f32) outs(%x : memref<16x32xf32>)
  linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<16x64xf32>, memref<64x32xf32>) outs(%x : memref<16x32xf32>) {
  ^bb0(%i: f32, %j: f32, %o: f32):
    %p = arith.mulf %i, %j : f32
    %s = arith.addf %p, %o : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #col, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %bias, %g : memref<16x32xf32>, memref<32xf32>, memref<16x32xf32>) outs(%y : memref<16x32xf32>) {
  ^bb0(%c: f32, %bb: f32, %v: f32, %o: f32):
    %s = arith.addf %c, %bb : f32
    %v2 = arith.mulf %v, %v : f32
    %v3 = arith.mulf %v2, %v : f32
    %w = arith.mulf %v3, %c0 : f32
    %u = arith.addf %v, %w : f32
    %k = arith.mulf %u, %c1 : f32
    %th = math.tanh %k : f32
    %t1 = arith.addf %th, %one : f32
    %h = arith.mulf %v, %half : f32
    %ge = arith.mulf %h, %t1 : f32
    %r = arith.mulf %s, %ge : f32
    linalg.yield %r : f32
  }
  memref.dealloc %x : memref<16x32xf32>
  return
}

// Near miss: the gate is a function of two operands.
// CHECK-LABEL: func.func @gate_two_operands(
// CHECK-NOT: seqc_uk_sgemm_ep
// CHECK: call @seqc_uk_sgemm(
// CHECK: linalg.generic
// CHECK: return
func.func @gate_two_operands(%a: memref<16x64xf32>, %b: memref<64x32xf32>, %g: memref<16x32xf32>, %h: memref<16x32xf32>, %y: memref<16x32xf32>) {
  %z = arith.constant 0.0 : f32
  %x = memref.alloc() : memref<16x32xf32>
  linalg.fill ins(%z : f32) outs(%x : memref<16x32xf32>)
  linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<16x64xf32>, memref<64x32xf32>) outs(%x : memref<16x32xf32>) {
  ^bb0(%i: f32, %j: f32, %o: f32):
    %p = arith.mulf %i, %j : f32
    %s = arith.addf %p, %o : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %g, %h : memref<16x32xf32>, memref<16x32xf32>, memref<16x32xf32>) outs(%y : memref<16x32xf32>) {
  ^bb0(%c: f32, %v: f32, %w: f32, %o: f32):
    %s = arith.addf %v, %w : f32
    %th = math.tanh %s : f32
    %r = arith.mulf %c, %th : f32
    linalg.yield %r : f32
  }
  memref.dealloc %x : memref<16x32xf32>
  return
}

// Near miss: the gate's function is no known activation (tanh(2g)).
// CHECK-LABEL: func.func @gate_unknown(
// CHECK-NOT: seqc_uk_sgemm_ep
// CHECK: call @seqc_uk_sgemm(
// CHECK: linalg.generic
// CHECK: return
func.func @gate_unknown(%a: memref<16x64xf32>, %b: memref<64x32xf32>, %g: memref<16x32xf32>, %y: memref<16x32xf32>) {
  %z = arith.constant 0.0 : f32
  %two = arith.constant 2.0 : f32
  %x = memref.alloc() : memref<16x32xf32>
  linalg.fill ins(%z : f32) outs(%x : memref<16x32xf32>)
  linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<16x64xf32>, memref<64x32xf32>) outs(%x : memref<16x32xf32>) {
  ^bb0(%i: f32, %j: f32, %o: f32):
    %p = arith.mulf %i, %j : f32
    %s = arith.addf %p, %o : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %g : memref<16x32xf32>, memref<16x32xf32>) outs(%y : memref<16x32xf32>) {
  ^bb0(%c: f32, %v: f32, %o: f32):
    %v2 = arith.mulf %v, %two : f32
    %th = math.tanh %v2 : f32
    %r = arith.mulf %c, %th : f32
    linalg.yield %r : f32
  }
  memref.dealloc %x : memref<16x32xf32>
  return
}

// Near miss: the output is the gate's buffer (written while read as a term).
// CHECK-LABEL: func.func @gate_is_output(
// CHECK-NOT: seqc_uk_sgemm_ep
// CHECK: call @seqc_uk_sgemm(
// CHECK: linalg.generic
// CHECK: return
func.func @gate_is_output(%a: memref<16x64xf32>, %b: memref<64x32xf32>, %g: memref<16x32xf32>) {
  %z = arith.constant 0.0 : f32
  %x = memref.alloc() : memref<16x32xf32>
  linalg.fill ins(%z : f32) outs(%x : memref<16x32xf32>)
  linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<16x64xf32>, memref<64x32xf32>) outs(%x : memref<16x32xf32>) {
  ^bb0(%i: f32, %j: f32, %o: f32):
    %p = arith.mulf %i, %j : f32
    %s = arith.addf %p, %o : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %g : memref<16x32xf32>, memref<16x32xf32>) outs(%g : memref<16x32xf32>) {
  ^bb0(%c: f32, %v: f32, %o: f32):
    %th = math.tanh %v : f32
    %r = arith.mulf %c, %th : f32
    linalg.yield %r : f32
  }
  memref.dealloc %x : memref<16x32xf32>
  return
}

// Near miss: three addends and a gate are four terms (the descriptor holds
// three).
// CHECK-LABEL: func.func @too_many_terms(
// CHECK-NOT: seqc_uk_sgemm_ep
// CHECK: call @seqc_uk_sgemm(
// CHECK: linalg.generic
// CHECK: return
func.func @too_many_terms(%a: memref<16x64xf32>, %b: memref<64x32xf32>, %t0: memref<32xf32>, %t1: memref<16x32xf32>, %t2: memref<16x32xf32>, %g: memref<16x32xf32>, %y: memref<16x32xf32>) {
  %z = arith.constant 0.0 : f32
  %x = memref.alloc() : memref<16x32xf32>
  linalg.fill ins(%z : f32) outs(%x : memref<16x32xf32>)
  linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<16x64xf32>, memref<64x32xf32>) outs(%x : memref<16x32xf32>) {
  ^bb0(%i: f32, %j: f32, %o: f32):
    %p = arith.mulf %i, %j : f32
    %s = arith.addf %p, %o : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #col, #id, #id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %t0, %t1, %t2, %g : memref<16x32xf32>, memref<32xf32>, memref<16x32xf32>, memref<16x32xf32>, memref<16x32xf32>) outs(%y : memref<16x32xf32>) {
  ^bb0(%c: f32, %u0: f32, %u1: f32, %u2: f32, %v: f32, %o: f32):
    %s0 = arith.addf %c, %u0 : f32
    %s1 = arith.addf %s0, %u1 : f32
    %s2 = arith.addf %s1, %u2 : f32
    %th = math.tanh %v : f32
    %r = arith.mulf %s2, %th : f32
    linalg.yield %r : f32
  }
  memref.dealloc %x : memref<16x32xf32>
  return
}

// The last llama_mid layer as bufferized: the up product's fill sits
// earlier and SwiGLU writes in place on the gate. The gate product takes
// the epilogue (silu(C) * up, 4 | 0x100 = 260) past the up product, which
// writes nothing the gate product reads; the up product stays plain.
// CHECK-LABEL: func.func @swiglu_on_gate(
// CHECK: call @seqc_uk_sgemm(
// CHECK: memref.alloca_scope
// CHECK-NEXT: memref.alloca() : memref<21xi64>
// CHECK-NEXT: arith.constant 260 : i64
// CHECK: call @seqc_uk_sgemm_ep(
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @swiglu_on_gate(%a: memref<16x64xf32>, %wg: memref<64x32xf32>, %wu: memref<64x32xf32>, %y: memref<16x32xf32>) {
  %z = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %up = memref.alloc() : memref<16x32xf32>
  linalg.fill ins(%z : f32) outs(%up : memref<16x32xf32>)
  %gate = memref.alloc() : memref<16x32xf32>
  linalg.fill ins(%z : f32) outs(%gate : memref<16x32xf32>)
  linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %wg : memref<16x64xf32>, memref<64x32xf32>) outs(%gate : memref<16x32xf32>) {
  ^bb0(%i: f32, %j: f32, %o: f32):
    %p = arith.mulf %i, %j : f32
    %s = arith.addf %p, %o : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %wu : memref<16x64xf32>, memref<64x32xf32>) outs(%up : memref<16x32xf32>) {
  ^bb0(%i: f32, %j: f32, %o: f32):
    %p = arith.mulf %i, %j : f32
    %s = arith.addf %p, %o : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%gate, %up : memref<16x32xf32>, memref<16x32xf32>) outs(%gate : memref<16x32xf32>) {
  ^bb0(%g: f32, %u: f32, %o: f32):
    %n = arith.negf %g : f32
    %e = math.exp %n : f32
    %d = arith.addf %e, %one : f32
    %r = arith.divf %one, %d : f32
    %s = arith.mulf %g, %r : f32
    %t = arith.mulf %s, %u : f32
    linalg.yield %t : f32
  }
  memref.copy %gate, %y : memref<16x32xf32> to memref<16x32xf32>
  memref.dealloc %gate : memref<16x32xf32>
  memref.dealloc %up : memref<16x32xf32>
  return
}

// Near miss: the op between the product and its consumer writes the
// product's A operand (the call cannot move past it).
// CHECK-LABEL: func.func @between_writes_a(
// CHECK-NOT: seqc_uk_sgemm_ep
// CHECK: call @seqc_uk_sgemm(
// CHECK: linalg.fill
// CHECK: linalg.generic
// CHECK: return
func.func @between_writes_a(%b: memref<64x32xf32>, %g: memref<16x32xf32>, %y: memref<16x32xf32>) {
  %z = arith.constant 0.0 : f32
  %a = memref.alloc() : memref<16x64xf32>
  linalg.fill ins(%z : f32) outs(%a : memref<16x64xf32>)
  %x = memref.alloc() : memref<16x32xf32>
  linalg.fill ins(%z : f32) outs(%x : memref<16x32xf32>)
  linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<16x64xf32>, memref<64x32xf32>) outs(%x : memref<16x32xf32>) {
  ^bb0(%i: f32, %j: f32, %o: f32):
    %p = arith.mulf %i, %j : f32
    %s = arith.addf %p, %o : f32
    linalg.yield %s : f32
  }
  linalg.fill ins(%z : f32) outs(%a : memref<16x64xf32>)
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %g : memref<16x32xf32>, memref<16x32xf32>) outs(%y : memref<16x32xf32>) {
  ^bb0(%c: f32, %v: f32, %o: f32):
    %th = math.tanh %v : f32
    %r = arith.mulf %c, %th : f32
    linalg.yield %r : f32
  }
  memref.dealloc %x : memref<16x32xf32>
  memref.dealloc %a : memref<16x64xf32>
  return
}
