// RUN: seq-opt %s --split-input-file --seq-to-linalg | FileCheck %s

// Gated delta rule, GQA (4 query heads on 2 kv heads), f16 activations, step
// by step: exp(g) once before the loops, then an scf.forall over the
// (batch, kv head) pairs, each running its own time loop on its f32 [Dk, Dv]
// state slice (taken from and put back into the carried state in place).
// Per step: gate the state, r = Sᵀk, S += k ⊗ β(v - r) (math.fma: no
// per-step matmul call), then the group's read o = scale · Sᵀq (the output
// channel innermost), truncated and inserted at row t of the head's rows.
// CHECK-LABEL: func @gated_delta
// CHECK-DAG: %[[SCALE:.*]] = arith.constant 2.500000e-01 : f32
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : index
// CHECK: %[[S0:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<1x2x8x8xf32>)
// CHECK: %[[OUT0:.*]] = tensor.empty() : tensor<1x4x3x8xf16>
// CHECK: %[[EG:.*]] = linalg.generic {{.*}} ins(%arg3 : tensor<1x2x3x1xf16>) outs(%{{.*}} : tensor<1x2x3x1xf32>)
// CHECK:   math.exp
// CHECK: %[[ALL:.*]]:2 = scf.forall (%[[B:.*]], %[[H:.*]]) in (1, 2) shared_outs(%[[SS:.*]] = %[[S0]], %[[OO:.*]] = %[[OUT0]])
// CHECK: %[[SH:.*]] = tensor.extract_slice %[[SS]][%[[B]], %[[H]], 0, 0] [1, 1, 8, 8] [1, 1, 1, 1] : tensor<1x2x8x8xf32> to tensor<8x8xf32>
// CHECK: %[[OH:.*]] = tensor.extract_slice %[[OO]][%[[B]], %[[QH0:[^,]*]], 0, 0] [1, 2, 3, 8]
// CHECK: %[[KH:.*]] = tensor.extract_slice %arg1[%[[B]], %[[H]], 0, 0] [1, 1, 3, 8] [1, 1, 1, 1] : tensor<1x2x3x8xf16> to tensor<3x8xf16>
// CHECK: %[[GH:.*]] = tensor.extract_slice %[[EG]][%[[B]], %[[H]], 0, 0] [1, 1, 3, 1]
// The delta rule's r buffer is carried through the steps (no per-step alloc).
// CHECK: %[[LOOP:.*]]:3 = scf.for %[[T:.*]] = %{{.*}} to %[[C3]] step %{{.*}} iter_args(%[[S:.*]] = %[[SH]], %[[O:.*]] = %[[OH]], %[[RB:.*]] = %{{.*}}) -> (tensor<8x8xf32>, tensor<2x3x8xf16>, tensor<1x8xf32>)
// CHECK: %[[K:.*]] = tensor.extract_slice %[[KH]][%[[T]], 0] [1, 8] [1, 1] : tensor<3x8xf16> to tensor<1x8xf16>
// CHECK: %[[G:.*]] = tensor.extract_slice %[[GH]][%[[T]], 0] [1, 1]
// CHECK: %[[SG:.*]] = linalg.generic {{.*}} ins(%[[G]] : tensor<1x1xf32>) outs(%[[S]] : tensor<8x8xf32>)
// CHECK-NOT:   math.exp
// CHECK:   arith.mulf
// CHECK: %[[RF:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[RB]] : tensor<1x8xf32>)
// CHECK: %[[R:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "parallel"]} ins(%[[SG]], %[[K]] : tensor<8x8xf32>, tensor<1x8xf16>) outs(%[[RF]] : tensor<1x8xf32>)
// CHECK:   math.fma
// CHECK: %[[SN:.*]] = linalg.generic {{.*}} ins(%[[K]], %{{.*}}, %[[R]], %{{.*}} : tensor<1x8xf16>, tensor<1x8xf16>, tensor<1x8xf32>, tensor<1x1xf16>) outs(%[[SG]] : tensor<8x8xf32>)
// CHECK:   arith.subf
// CHECK:   math.fma
// CHECK: %[[QT:.*]] = tensor.extract_slice %{{.*}}[0, %[[T]], 0] [2, 1, 8] [1, 1, 1] : tensor<2x3x8xf16> to tensor<2x8xf16>
// CHECK: %[[RD:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "parallel"]} ins(%[[QT]], %[[SN]] : tensor<2x8xf16>, tensor<8x8xf32>)
// CHECK:   math.fma
// CHECK: %[[OS:.*]] = linalg.generic {{.*}} ins(%[[RD]] : tensor<2x8xf32>)
// CHECK:   arith.mulf %{{.*}}, %[[SCALE]]
// CHECK:   arith.truncf
// CHECK: %[[INS:.*]] = tensor.insert_slice %[[OS]] into %[[O]][0, %[[T]], 0] [2, 1, 8]
// CHECK: scf.yield %[[SN]], %[[INS]], %[[R]]
// CHECK: scf.forall.in_parallel
// CHECK: tensor.parallel_insert_slice %[[LOOP]]#0 into %[[SS]][%[[B]], %[[H]], 0, 0] [1, 1, 8, 8]
// CHECK: tensor.parallel_insert_slice %[[LOOP]]#1 into %[[OO]][%[[B]], %[[QH0]], 0, 0] [1, 2, 3, 8]
// The final state is truncated to the result type after the loop.
// CHECK: %[[FIN:.*]] = linalg.generic {{.*}} ins(%[[ALL]]#0 : tensor<1x2x8x8xf32>) outs(%{{.*}} : tensor<1x2x8x8xf16>)
// CHECK: return %[[ALL]]#1, %[[FIN]]
// CHECK-NOT: seq.
func.func @gated_delta(%q: tensor<1x4x3x8xf16>, %k: tensor<1x2x3x8xf16>, %v: tensor<1x2x3x8xf16>, %g: tensor<1x2x3x1xf16>, %b: tensor<1x1x3x1xf16>) -> (tensor<1x4x3x8xf16>, tensor<1x2x8x8xf16>) {
  %o, %s = seq.linear_scan delta %q, %k, %v decay %g beta %b scale = 0.25 : (tensor<1x4x3x8xf16>, tensor<1x2x3x8xf16>, tensor<1x2x3x8xf16>, tensor<1x2x3x1xf16>, tensor<1x1x3x1xf16>) -> (tensor<1x4x3x8xf16>, tensor<1x2x8x8xf16>)
  return %o, %s : tensor<1x4x3x8xf16>, tensor<1x2x8x8xf16>
}

// -----

// Additive rule step by step (chunk_size 0) with an initial f32 state and a
// diagonal decay: no delta read-out; the given state is the forall's carried
// state (updated in place, no copy in the IR) and each step decays and
// updates the head's slice in one pass, S = exp(g) S + k ⊗ v.
// CHECK-LABEL: func @gla
// CHECK: %[[ALL:.*]]:2 = scf.forall (%{{.*}}, %{{.*}}) in (1, 2) shared_outs(%[[SS:.*]] = %arg3, %{{.*}} = %{{.*}})
// CHECK: %[[SH:.*]] = tensor.extract_slice %[[SS]]
// CHECK: scf.for %{{.*}} iter_args(%[[S:.*]] = %[[SH]], %{{.*}} = %{{.*}})
// CHECK-NOT: "reduction", "parallel"]} ins(%{{.*}}, %{{.*}} : tensor<4x4xf32>, tensor<1x4xf32>)
// CHECK: %[[SN:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>) outs(%[[S]] : tensor<4x4xf32>)
// CHECK:   arith.mulf
// CHECK:   math.fma
// CHECK: scf.yield %[[SN]]
// CHECK: return %[[ALL]]#1, %[[ALL]]#0
// CHECK-NOT: seq.
func.func @gla(%q: tensor<1x2x5x4xf32>, %k: tensor<1x2x5x4xf32>, %v: tensor<1x2x5x4xf32>, %s0: tensor<1x2x4x4xf32>, %g: tensor<1x2x5x4xf32>) -> (tensor<1x2x5x4xf32>, tensor<1x2x4x4xf32>) {
  %o, %s = seq.linear_scan additive %q, %k, %v state %s0 decay %g scale = 0.5 : (tensor<1x2x5x4xf32>, tensor<1x2x5x4xf32>, tensor<1x2x5x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x5x4xf32>) -> (tensor<1x2x5x4xf32>, tensor<1x2x4x4xf32>)
  return %o, %s : tensor<1x2x5x4xf32>, tensor<1x2x4x4xf32>
}

// -----

// Chunked prefill with one decay value per head: T = 10 in chunks of 4 (a
// loop over 2 chunks, then 2 single steps). Per chunk: the in-chunk
// cumulative decay Γ, then plain contractions (sgemm micro-kernels later)
// with the decay applied outside them: the inter-chunk read qᵀS scaled by
// e^Γ, the raw 4 x 4 scores q kᵀ masked and decayed elementwise, scores · V
// accumulated onto the read, k scaled by e^{Γ_3 - Γ_s}, the state decayed by
// e^{Γ_3} and updated in place.
// CHECK-LABEL: func @chunked
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C8:.*]] = arith.constant 8 : index
// CHECK-DAG: %[[C10:.*]] = arith.constant 10 : index
// CHECK: %[[CH:.*]]:2 = scf.for %[[T:.*]] = %{{.*}} to %[[C8]] step %[[C4]] iter_args(%[[S:.*]] = %{{.*}}, %[[O:.*]] = %{{.*}}) -> (tensor<1x2x4x4xf32>, tensor<1x2x10x4xf32>)
// CHECK: %[[K:.*]] = tensor.extract_slice %arg0[0, 0, %[[T]], 0] [1, 2, 4, 4]
// CHECK: %[[G:.*]] = tensor.extract_slice %arg1[0, 0, %[[T]], 0] [1, 2, 4, 1]
// CHECK: %[[GAM:.*]] = linalg.generic {{.*}} ins(%[[G]] : tensor<1x2x4x1xf32>)
// CHECK:   linalg.index 2
// CHECK:   linalg.index 4
// CHECK:   arith.cmpi ule
// CHECK: %[[READ:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %[[S]] : tensor<1x2x1x4x4xf32>, tensor<1x2x4x4xf32>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT:   arith.mulf
// CHECK-NEXT:   arith.addf
// CHECK: %[[INTER:.*]] = linalg.generic {{.*}} ins(%[[GAM]] : tensor<1x2x4x1xf32>) outs(%[[READ]] : tensor<1x2x1x4x4xf32>)
// CHECK:   math.exp
// CHECK: %[[RAW:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %[[K]] : tensor<1x2x1x4x4xf32>, tensor<1x2x4x4xf32>) outs(%{{.*}} : tensor<1x2x1x4x4xf32>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT:   arith.mulf
// CHECK-NEXT:   arith.addf
// CHECK: %[[SC:.*]] = linalg.generic {{.*}} ins(%[[GAM]], %[[GAM]] : tensor<1x2x4x1xf32>, tensor<1x2x4x1xf32>) outs(%[[RAW]] : tensor<1x2x1x4x4xf32>)
// CHECK:   math.exp
// CHECK:   arith.cmpi ule
// CHECK: %[[OUT:.*]] = linalg.generic {{.*}} ins(%[[SC]], %{{.*}} : tensor<1x2x1x4x4xf32>, tensor<1x2x4x4xf32>) outs(%[[INTER]] : tensor<1x2x1x4x4xf32>)
// CHECK: %[[KD:.*]] = linalg.generic {{.*}} ins(%[[K]], %[[GAM]], %[[GAM]] : tensor<1x2x4x4xf32>, tensor<1x2x4x1xf32>, tensor<1x2x4x1xf32>)
// CHECK: %[[SD:.*]] = linalg.generic {{.*}} ins(%[[GAM]] : tensor<1x2x4x1xf32>) outs(%[[S]] : tensor<1x2x4x4xf32>)
// CHECK: %[[SN:.*]] = linalg.generic {{.*}} ins(%[[KD]], %{{.*}} : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) outs(%[[SD]] : tensor<1x2x4x4xf32>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT:   arith.mulf
// CHECK-NEXT:   arith.addf
// CHECK: tensor.insert_slice %{{.*}} into %[[O]][0, 0, %[[T]], 0] [1, 2, 4, 4]
// CHECK: scf.yield %[[SN]]
// CHECK: %[[REST:.*]]:2 = scf.for %{{.*}} = %[[C8]] to %[[C10]] step %{{.*}} iter_args(%{{.*}} = %[[CH]]#0, %{{.*}} = %[[CH]]#1)
// CHECK: return %[[REST]]#1, %[[REST]]#0
func.func @chunked(%q: tensor<1x2x10x4xf32>, %g: tensor<1x2x10x1xf32>) -> (tensor<1x2x10x4xf32>, tensor<1x2x4x4xf32>) {
  %o, %s = seq.linear_scan additive %q, %q, %q decay %g scale = 0.5 chunk_size = 4 : (tensor<1x2x10x4xf32>, tensor<1x2x10x4xf32>, tensor<1x2x10x4xf32>, tensor<1x2x10x1xf32>) -> (tensor<1x2x10x4xf32>, tensor<1x2x4x4xf32>)
  return %o, %s : tensor<1x2x10x4xf32>, tensor<1x2x4x4xf32>
}

// -----

// Chunked delta rule: T = 6 in chunks of 3, no remainder loop. Before the
// chunk's contractions, the written values are solved row by row.
// CHECK-LABEL: func @chunked_delta
// CHECK: %[[CH:.*]]:2 = scf.for %{{.*}} iter_args(%[[S:.*]] = %{{.*}}, %{{.*}} = %{{.*}}) -> (tensor<1x2x4x4xf32>, tensor<1x2x6x4xf32>)
// CHECK: %[[R0:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %[[S]], %{{.*}} : tensor<1x2x3x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x3x4xf32>)
// CHECK: %[[RHS:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %[[R0]], %{{.*}} : tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>, tensor<1x2x3x1xf32>)
// CHECK: %[[W:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<1x2x3x3xf32>)
// CHECK:   arith.cmpi ult
// CHECK: %[[U:.*]] = scf.for %[[ROW:.*]] = %{{.*}} iter_args(%[[UA:.*]] = %[[RHS]]) -> (tensor<1x2x3x4xf32>)
// CHECK:   %[[WR:.*]] = tensor.extract_slice %[[W]][0, 0, %[[ROW]], 0] [1, 2, 1, 3]
// CHECK:   %[[MIX:.*]] = linalg.generic {{.*}} ins(%[[WR]], %[[UA]] : tensor<1x2x1x3xf32>, tensor<1x2x3x4xf32>)
// CHECK:   %[[NEW:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %[[MIX]], %{{.*}} : tensor<1x2x1x4xf32>, tensor<1x2x1x4xf32>, tensor<1x2x1x1xf32>)
// CHECK:   tensor.insert_slice %[[NEW]] into %[[UA]][0, 0, %[[ROW]], 0] [1, 2, 1, 4]
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[U]] : tensor<1x2x1x3x3xf32>, tensor<1x2x3x4xf32>)
// CHECK: scf.yield
// CHECK-NOT: scf.for
// CHECK: return %[[CH]]#1, %[[CH]]#0
func.func @chunked_delta(%q: tensor<1x2x6x4xf32>, %g: tensor<1x2x6x4xf32>, %b: tensor<1x2x6x1xf32>) -> (tensor<1x2x6x4xf32>, tensor<1x2x4x4xf32>) {
  %o, %s = seq.linear_scan delta %q, %q, %q decay %g beta %b scale = 0.5 chunk_size = 3 : (tensor<1x2x6x4xf32>, tensor<1x2x6x4xf32>, tensor<1x2x6x4xf32>, tensor<1x2x6x4xf32>, tensor<1x2x6x1xf32>) -> (tensor<1x2x6x4xf32>, tensor<1x2x4x4xf32>)
  return %o, %s : tensor<1x2x6x4xf32>, tensor<1x2x4x4xf32>
}

// -----

// Causal conv: P = concat(state, x) by two inserts, one reduction over the
// kernel reading P[l + k], bias + silu, new state = P[:, :, L:].
// CHECK-DAG: #[[PMAP:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2 + d3)>
// CHECK-DAG: #[[WMAP:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d3)>
// CHECK-LABEL: func @causal_conv
// CHECK: %[[P0:.*]] = tensor.empty() : tensor<2x4x10xf32>
// CHECK: %[[P1:.*]] = tensor.insert_slice %arg3 into %[[P0]][0, 0, 0] [2, 4, 2] [1, 1, 1]
// CHECK: %[[P:.*]] = tensor.insert_slice %arg0 into %[[P1]][0, 0, 2] [2, 4, 8] [1, 1, 1]
// CHECK: %[[ACC:.*]] = linalg.generic {indexing_maps = [#[[PMAP]], #[[WMAP]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[P]], %arg1 : tensor<2x4x10xf32>, tensor<4x3xf32>)
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} ins(%[[ACC]], %arg2 : tensor<2x4x8xf32>, tensor<4xf32>)
// CHECK:   arith.addf
// CHECK:   math.exp
// CHECK:   arith.divf
// CHECK: %[[NS:.*]] = tensor.extract_slice %[[P]][0, 0, 8] [2, 4, 2] [1, 1, 1] : tensor<2x4x10xf32> to tensor<2x4x2xf32>
// CHECK: return %[[Y]], %[[NS]]
func.func @causal_conv(%x: tensor<2x4x8xf32>, %w: tensor<4x3xf32>, %b: tensor<4xf32>, %s0: tensor<2x4x2xf32>) -> (tensor<2x4x8xf32>, tensor<2x4x2xf32>) {
  %y, %s = seq.causal_conv %x, %w bias %b state %s0 activation = silu : (tensor<2x4x8xf32>, tensor<4x3xf32>, tensor<4xf32>, tensor<2x4x2xf32>) -> (tensor<2x4x8xf32>, tensor<2x4x2xf32>)
  return %y, %s : tensor<2x4x8xf32>, tensor<2x4x2xf32>
}

// -----

// Kernel size 1 without a state: no padding (the insert of x into P folds
// away), an empty new state.
// CHECK-LABEL: func @kernel_one
// CHECK: linalg.generic {{.*}} ins(%arg0, %arg1 : tensor<1x2x3xf32>, tensor<2x1xf32>)
// CHECK: %[[NS:.*]] = tensor.empty() : tensor<1x2x0xf32>
// CHECK: return %{{.*}}, %[[NS]]
func.func @kernel_one(%x: tensor<1x2x3xf32>, %w: tensor<2x1xf32>) -> (tensor<1x2x3xf32>, tensor<1x2x0xf32>) {
  %y, %s = seq.causal_conv %x, %w : (tensor<1x2x3xf32>, tensor<2x1xf32>) -> (tensor<1x2x3xf32>, tensor<1x2x0xf32>)
  return %y, %s : tensor<1x2x3xf32>, tensor<1x2x0xf32>
}

// -----

// Mamba's C and B are shared by every channel (head): a query or key
// broadcast over the heads is read from its [B, 1, T, Dk] source, not
// materialized per head.
// CHECK-LABEL: func @shared_query_key
// CHECK-SAME: (%[[C:[^:]*]]: tensor<1x1x5x4xf32>, %[[B:[^:]*]]: tensor<1x1x5x4xf32>
// CHECK-NOT: linalg.generic {{.*}} ins(%[[C]] : tensor<1x1x5x4xf32>)
// CHECK-NOT: linalg.generic {{.*}} ins(%[[B]] : tensor<1x1x5x4xf32>)
// CHECK: scf.forall
// CHECK-DAG: tensor.extract_slice %[[C]][%{{.*}}, 0, 0, 0] [1, 1, 5, 4] [1, 1, 1, 1] : tensor<1x1x5x4xf32> to tensor<1x5x4xf32>
// CHECK-DAG: tensor.extract_slice %[[B]][%{{.*}}, 0, 0, 0] [1, 1, 5, 4] [1, 1, 1, 1] : tensor<1x1x5x4xf32> to tensor<5x4xf32>
func.func @shared_query_key(%c: tensor<1x1x5x4xf32>, %b: tensor<1x1x5x4xf32>, %v: tensor<1x3x5x1xf32>, %g: tensor<1x3x5x4xf32>) -> tensor<1x3x5x1xf32> {
  %q = seq.broadcast %c : tensor<1x1x5x4xf32> -> tensor<1x3x5x4xf32>
  %k = seq.broadcast %b : tensor<1x1x5x4xf32> -> tensor<1x3x5x4xf32>
  %o, %s = seq.linear_scan additive %q, %k, %v decay %g scale = 1.0 : (tensor<1x3x5x4xf32>, tensor<1x3x5x4xf32>, tensor<1x3x5x1xf32>, tensor<1x3x5x4xf32>) -> (tensor<1x3x5x1xf32>, tensor<1x3x4x1xf32>)
  return %o : tensor<1x3x5x1xf32>
}

// -----

// Mamba's log decay Δ·A is an outer product of a per-step [B, H, T, 1] and a
// per-channel [B, H, 1, Dk] factor: each step takes exp(Δ_t A) from the
// factors inside the update, the [B, H, T, Dk] decay is never built.
// CHECK-LABEL: func @outer_product_decay
// CHECK-SAME: (%{{[^:]*}}: tensor<1x3x5x4xf32>, %{{[^:]*}}: tensor<1x3x5x4xf32>, %{{[^:]*}}: tensor<1x3x5x1xf32>, %[[DT:[^:]*]]: tensor<1x3x5x1xf32>, %[[A:[^:]*]]: tensor<1x3x1x4xf32>)
// CHECK-NOT: linalg.generic {{.*}} outs(%{{.*}} : tensor<1x3x5x4xf32>)
// CHECK: scf.forall
// CHECK-DAG: %[[DTH:.*]] = tensor.extract_slice %[[DT]][%{{.*}}, %{{.*}}, 0, 0] [1, 1, 5, 1]
// CHECK-DAG: %[[AH:.*]] = tensor.extract_slice %[[A]][%{{.*}}, %{{.*}}, 0, 0] [1, 1, 1, 4]
// CHECK: scf.for
// CHECK: %[[DTT:.*]] = tensor.extract_slice %[[DTH]][%{{.*}}, 0] [1, 1]
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}}, %[[DTT]], %[[AH]] : tensor<1x4xf32>, tensor<1x1xf32>, tensor<1x1xf32>, tensor<1x4xf32>)
// CHECK:   arith.mulf
// CHECK:   math.exp
// CHECK:   math.fma
func.func @outer_product_decay(%q: tensor<1x3x5x4xf32>, %k: tensor<1x3x5x4xf32>, %v: tensor<1x3x5x1xf32>, %dt: tensor<1x3x5x1xf32>, %a: tensor<1x3x1x4xf32>) -> tensor<1x3x5x1xf32> {
  %g = seq.mul %dt, %a : (tensor<1x3x5x1xf32>, tensor<1x3x1x4xf32>) -> tensor<1x3x5x4xf32>
  %o, %s = seq.linear_scan additive %q, %k, %v decay %g scale = 1.0 : (tensor<1x3x5x4xf32>, tensor<1x3x5x4xf32>, tensor<1x3x5x1xf32>, tensor<1x3x5x4xf32>) -> (tensor<1x3x5x1xf32>, tensor<1x3x4x1xf32>)
  return %o : tensor<1x3x5x1xf32>
}
