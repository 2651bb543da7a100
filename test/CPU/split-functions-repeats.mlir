// RUN: seq-opt --seq-split-functions=max-ops=8 --split-input-file %s | FileCheck %s
// RUN: seq-opt --seq-split-functions="max-ops=8 merge-repeats=false" --split-input-file %s | FileCheck %s --check-prefix=OFF

// Six copies of a layer, each reading its own weight @wK. Runs end at
// content-defined points, so the middle copies are cut alike (each run: the
// tail of one layer and the head of the next), and those runs become one
// function that takes the weight as an argument; each call passes its own.
// CHECK-LABEL: func.func @layers(
// CHECK: call @layers_part(
// CHECK: %[[W2:.*]] = memref.get_global @w2
// CHECK: call @[[REP:layers_part_0]](%{{.*}}, %{{.*}}, %[[W2]])
// CHECK: %[[W3:.*]] = memref.get_global @w3
// CHECK: call @[[REP]](%{{.*}}, %{{.*}}, %[[W3]])
// CHECK: %[[W4:.*]] = memref.get_global @w4
// CHECK: call @[[REP]](%{{.*}}, %{{.*}}, %[[W4]])
// CHECK: %[[W5:.*]] = memref.get_global @w5
// CHECK: call @[[REP]](%{{.*}}, %{{.*}}, %[[W5]])
// CHECK: call @layers_part_4(
// CHECK: func.func private @layers_part(
// CHECK: func.func private @[[REP]](%{{.*}}: f32, %[[PREV:.*]]: memref<8xf32>, %[[W:.*]]: memref<8xf32>)
// CHECK-SAME: passthrough = ["noinline"]
// CHECK-NOT: memref.get_global
// CHECK: memref.load %[[W]]
// CHECK: return
// CHECK-NOT: func.func private @layers_part_1
// CHECK-NOT: func.func private @layers_part_2
// CHECK-NOT: func.func private @layers_part_3
// CHECK: func.func private @layers_part_4(

// Without merge-repeats: greedy runs, one function each.
// OFF-LABEL: func.func @layers(
// OFF-NOT: memref.get_global
// OFF: call @layers_part(
// OFF: call @layers_part_0(
// OFF: call @layers_part_1(
// OFF: call @layers_part_2(
// OFF: func.func private @layers_part_0(
// OFF: memref.get_global
memref.global "private" constant @w0 : memref<8xf32> = dense<1.0>
memref.global "private" constant @w1 : memref<8xf32> = dense<2.0>
memref.global "private" constant @w2 : memref<8xf32> = dense<3.0>
memref.global "private" constant @w3 : memref<8xf32> = dense<4.0>
memref.global "private" constant @w4 : memref<8xf32> = dense<5.0>
memref.global "private" constant @w5 : memref<8xf32> = dense<6.0>
func.func @layers(%arg: memref<8xf32>) -> memref<8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %g0 = memref.get_global @w0 : memref<8xf32>
  %a0 = memref.alloc() : memref<8xf32>
  %x0 = memref.load %arg[%c0] : memref<8xf32>
  %y0 = memref.load %g0[%c0] : memref<8xf32>
  %k0 = arith.constant 3.0 : f32
  %s0 = arith.mulf %x0, %y0 : f32
  %t0 = arith.addf %s0, %k0 : f32
  memref.store %t0, %a0[%c0] : memref<8xf32>
  memref.store %s0, %a0[%c1] : memref<8xf32>
  %g1 = memref.get_global @w1 : memref<8xf32>
  %a1 = memref.alloc() : memref<8xf32>
  %x1 = memref.load %a0[%c0] : memref<8xf32>
  %y1 = memref.load %g1[%c0] : memref<8xf32>
  %k1 = arith.constant 3.0 : f32
  %s1 = arith.mulf %x1, %y1 : f32
  %t1 = arith.addf %s1, %k1 : f32
  memref.store %t1, %a1[%c0] : memref<8xf32>
  memref.store %s1, %a1[%c1] : memref<8xf32>
  %g2 = memref.get_global @w2 : memref<8xf32>
  %a2 = memref.alloc() : memref<8xf32>
  %x2 = memref.load %a1[%c0] : memref<8xf32>
  %y2 = memref.load %g2[%c0] : memref<8xf32>
  %k2 = arith.constant 3.0 : f32
  %s2 = arith.mulf %x2, %y2 : f32
  %t2 = arith.addf %s2, %k2 : f32
  memref.store %t2, %a2[%c0] : memref<8xf32>
  memref.store %s2, %a2[%c1] : memref<8xf32>
  %g3 = memref.get_global @w3 : memref<8xf32>
  %a3 = memref.alloc() : memref<8xf32>
  %x3 = memref.load %a2[%c0] : memref<8xf32>
  %y3 = memref.load %g3[%c0] : memref<8xf32>
  %k3 = arith.constant 3.0 : f32
  %s3 = arith.mulf %x3, %y3 : f32
  %t3 = arith.addf %s3, %k3 : f32
  memref.store %t3, %a3[%c0] : memref<8xf32>
  memref.store %s3, %a3[%c1] : memref<8xf32>
  %g4 = memref.get_global @w4 : memref<8xf32>
  %a4 = memref.alloc() : memref<8xf32>
  %x4 = memref.load %a3[%c0] : memref<8xf32>
  %y4 = memref.load %g4[%c0] : memref<8xf32>
  %k4 = arith.constant 3.0 : f32
  %s4 = arith.mulf %x4, %y4 : f32
  %t4 = arith.addf %s4, %k4 : f32
  memref.store %t4, %a4[%c0] : memref<8xf32>
  memref.store %s4, %a4[%c1] : memref<8xf32>
  %g5 = memref.get_global @w5 : memref<8xf32>
  %a5 = memref.alloc() : memref<8xf32>
  %x5 = memref.load %a4[%c0] : memref<8xf32>
  %y5 = memref.load %g5[%c0] : memref<8xf32>
  %k5 = arith.constant 3.0 : f32
  %s5 = arith.mulf %x5, %y5 : f32
  %t5 = arith.addf %s5, %k5 : f32
  memref.store %t5, %a5[%c0] : memref<8xf32>
  memref.store %s5, %a5[%c1] : memref<8xf32>
  return %a5 : memref<8xf32>
}

// -----

// Each copy also calls an outlined body of its own (seq-outline-parallel's
// bodies of two copies of a layer are equal but for their names): runs that
// reference bodies of equal text merge, keep the first one's body, and the
// others' bodies, no longer referenced, are erased.
// CHECK-LABEL: func.func private @calls_body0(
// CHECK: func.func private @calls_body1(
// CHECK-NOT: func.func private @calls_body2(
// CHECK-NOT: func.func private @calls_body3(
// CHECK-NOT: func.func private @calls_body4(
// CHECK: func.func private @calls_body5(
// CHECK: func.func @calls(
// CHECK-COUNT-4: call @calls_part_0(
// CHECK: func.func private @calls_part_0(
// CHECK: constant @calls_body1
memref.global "private" constant @v0 : memref<8xf32> = dense<1.0>
memref.global "private" constant @v1 : memref<8xf32> = dense<2.0>
memref.global "private" constant @v2 : memref<8xf32> = dense<3.0>
memref.global "private" constant @v3 : memref<8xf32> = dense<4.0>
memref.global "private" constant @v4 : memref<8xf32> = dense<5.0>
memref.global "private" constant @v5 : memref<8xf32> = dense<6.0>
func.func private @calls_body0(%m: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %x = memref.load %m[%c0] : memref<8xf32>
  %y = arith.mulf %x, %x : f32
  memref.store %y, %m[%c0] : memref<8xf32>
  return
}
func.func private @calls_body1(%m: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %x = memref.load %m[%c0] : memref<8xf32>
  %y = arith.mulf %x, %x : f32
  memref.store %y, %m[%c0] : memref<8xf32>
  return
}
func.func private @calls_body2(%m: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %x = memref.load %m[%c0] : memref<8xf32>
  %y = arith.mulf %x, %x : f32
  memref.store %y, %m[%c0] : memref<8xf32>
  return
}
func.func private @calls_body3(%m: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %x = memref.load %m[%c0] : memref<8xf32>
  %y = arith.mulf %x, %x : f32
  memref.store %y, %m[%c0] : memref<8xf32>
  return
}
func.func private @calls_body4(%m: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %x = memref.load %m[%c0] : memref<8xf32>
  %y = arith.mulf %x, %x : f32
  memref.store %y, %m[%c0] : memref<8xf32>
  return
}
func.func private @calls_body5(%m: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %x = memref.load %m[%c0] : memref<8xf32>
  %y = arith.mulf %x, %x : f32
  memref.store %y, %m[%c0] : memref<8xf32>
  return
}
func.func @calls(%arg: memref<8xf32>) -> memref<8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %g0 = memref.get_global @v0 : memref<8xf32>
  %a0 = memref.alloc() : memref<8xf32>
  %x0 = memref.load %arg[%c0] : memref<8xf32>
  %y0 = memref.load %g0[%c0] : memref<8xf32>
  %k0 = arith.constant 3.0 : f32
  %s0 = arith.mulf %x0, %y0 : f32
  %t0 = arith.addf %s0, %k0 : f32
  memref.store %t0, %a0[%c0] : memref<8xf32>
  memref.store %s0, %a0[%c1] : memref<8xf32>
  %f0 = func.constant @calls_body0 : (memref<8xf32>) -> ()
  func.call_indirect %f0(%a0) : (memref<8xf32>) -> ()
  %g1 = memref.get_global @v1 : memref<8xf32>
  %a1 = memref.alloc() : memref<8xf32>
  %x1 = memref.load %a0[%c0] : memref<8xf32>
  %y1 = memref.load %g1[%c0] : memref<8xf32>
  %k1 = arith.constant 3.0 : f32
  %s1 = arith.mulf %x1, %y1 : f32
  %t1 = arith.addf %s1, %k1 : f32
  memref.store %t1, %a1[%c0] : memref<8xf32>
  memref.store %s1, %a1[%c1] : memref<8xf32>
  %f1 = func.constant @calls_body1 : (memref<8xf32>) -> ()
  func.call_indirect %f1(%a1) : (memref<8xf32>) -> ()
  %g2 = memref.get_global @v2 : memref<8xf32>
  %a2 = memref.alloc() : memref<8xf32>
  %x2 = memref.load %a1[%c0] : memref<8xf32>
  %y2 = memref.load %g2[%c0] : memref<8xf32>
  %k2 = arith.constant 3.0 : f32
  %s2 = arith.mulf %x2, %y2 : f32
  %t2 = arith.addf %s2, %k2 : f32
  memref.store %t2, %a2[%c0] : memref<8xf32>
  memref.store %s2, %a2[%c1] : memref<8xf32>
  %f2 = func.constant @calls_body2 : (memref<8xf32>) -> ()
  func.call_indirect %f2(%a2) : (memref<8xf32>) -> ()
  %g3 = memref.get_global @v3 : memref<8xf32>
  %a3 = memref.alloc() : memref<8xf32>
  %x3 = memref.load %a2[%c0] : memref<8xf32>
  %y3 = memref.load %g3[%c0] : memref<8xf32>
  %k3 = arith.constant 3.0 : f32
  %s3 = arith.mulf %x3, %y3 : f32
  %t3 = arith.addf %s3, %k3 : f32
  memref.store %t3, %a3[%c0] : memref<8xf32>
  memref.store %s3, %a3[%c1] : memref<8xf32>
  %f3 = func.constant @calls_body3 : (memref<8xf32>) -> ()
  func.call_indirect %f3(%a3) : (memref<8xf32>) -> ()
  %g4 = memref.get_global @v4 : memref<8xf32>
  %a4 = memref.alloc() : memref<8xf32>
  %x4 = memref.load %a3[%c0] : memref<8xf32>
  %y4 = memref.load %g4[%c0] : memref<8xf32>
  %k4 = arith.constant 3.0 : f32
  %s4 = arith.mulf %x4, %y4 : f32
  %t4 = arith.addf %s4, %k4 : f32
  memref.store %t4, %a4[%c0] : memref<8xf32>
  memref.store %s4, %a4[%c1] : memref<8xf32>
  %f4 = func.constant @calls_body4 : (memref<8xf32>) -> ()
  func.call_indirect %f4(%a4) : (memref<8xf32>) -> ()
  %g5 = memref.get_global @v5 : memref<8xf32>
  %a5 = memref.alloc() : memref<8xf32>
  %x5 = memref.load %a4[%c0] : memref<8xf32>
  %y5 = memref.load %g5[%c0] : memref<8xf32>
  %k5 = arith.constant 3.0 : f32
  %s5 = arith.mulf %x5, %y5 : f32
  %t5 = arith.addf %s5, %k5 : f32
  memref.store %t5, %a5[%c0] : memref<8xf32>
  memref.store %s5, %a5[%c1] : memref<8xf32>
  %f5 = func.constant @calls_body5 : (memref<8xf32>) -> ()
  func.call_indirect %f5(%a5) : (memref<8xf32>) -> ()
  return %a5 : memref<8xf32>
}

// -----

// Near misses: a copy with another constant (layer 3: 4.0) or a body of
// other text (layer 4's adds) stays a function of its own; the copies that
// are still alike (the runs calling @differ_body1 and @differ_body3, equal
// bodies) merge.
// CHECK-LABEL: func.func @differ(
// CHECK: call @differ_part(
// CHECK: %[[U2:.*]] = memref.get_global @u2
// CHECK: call @differ_part_0(%{{.*}}, %{{.*}}, %[[U2]])
// CHECK: call @differ_part_1(%{{.*}}, %{{.*}}) :
// CHECK: %[[U4:.*]] = memref.get_global @u4
// CHECK: call @differ_part_0(%{{.*}}, %{{.*}}, %[[U4]])
// CHECK: call @differ_part_3(%{{.*}}, %{{.*}}) :
// CHECK: func.func private @differ_part_1(
// CHECK: arith.constant 4.0
// CHECK: func.func private @differ_part_3(
// CHECK: constant @differ_body4
memref.global "private" constant @u0 : memref<8xf32> = dense<1.0>
memref.global "private" constant @u1 : memref<8xf32> = dense<2.0>
memref.global "private" constant @u2 : memref<8xf32> = dense<3.0>
memref.global "private" constant @u3 : memref<8xf32> = dense<4.0>
memref.global "private" constant @u4 : memref<8xf32> = dense<5.0>
memref.global "private" constant @u5 : memref<8xf32> = dense<6.0>
func.func private @differ_body0(%m: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %x = memref.load %m[%c0] : memref<8xf32>
  %y = arith.mulf %x, %x : f32
  memref.store %y, %m[%c0] : memref<8xf32>
  return
}
func.func private @differ_body1(%m: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %x = memref.load %m[%c0] : memref<8xf32>
  %y = arith.mulf %x, %x : f32
  memref.store %y, %m[%c0] : memref<8xf32>
  return
}
func.func private @differ_body2(%m: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %x = memref.load %m[%c0] : memref<8xf32>
  %y = arith.mulf %x, %x : f32
  memref.store %y, %m[%c0] : memref<8xf32>
  return
}
func.func private @differ_body3(%m: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %x = memref.load %m[%c0] : memref<8xf32>
  %y = arith.mulf %x, %x : f32
  memref.store %y, %m[%c0] : memref<8xf32>
  return
}
func.func private @differ_body4(%m: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %x = memref.load %m[%c0] : memref<8xf32>
  %y = arith.addf %x, %x : f32
  memref.store %y, %m[%c0] : memref<8xf32>
  return
}
func.func private @differ_body5(%m: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %x = memref.load %m[%c0] : memref<8xf32>
  %y = arith.mulf %x, %x : f32
  memref.store %y, %m[%c0] : memref<8xf32>
  return
}
func.func @differ(%arg: memref<8xf32>) -> memref<8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %g0 = memref.get_global @u0 : memref<8xf32>
  %a0 = memref.alloc() : memref<8xf32>
  %x0 = memref.load %arg[%c0] : memref<8xf32>
  %y0 = memref.load %g0[%c0] : memref<8xf32>
  %k0 = arith.constant 3.0 : f32
  %s0 = arith.mulf %x0, %y0 : f32
  %t0 = arith.addf %s0, %k0 : f32
  memref.store %t0, %a0[%c0] : memref<8xf32>
  memref.store %s0, %a0[%c1] : memref<8xf32>
  %f0 = func.constant @differ_body0 : (memref<8xf32>) -> ()
  func.call_indirect %f0(%a0) : (memref<8xf32>) -> ()
  %g1 = memref.get_global @u1 : memref<8xf32>
  %a1 = memref.alloc() : memref<8xf32>
  %x1 = memref.load %a0[%c0] : memref<8xf32>
  %y1 = memref.load %g1[%c0] : memref<8xf32>
  %k1 = arith.constant 3.0 : f32
  %s1 = arith.mulf %x1, %y1 : f32
  %t1 = arith.addf %s1, %k1 : f32
  memref.store %t1, %a1[%c0] : memref<8xf32>
  memref.store %s1, %a1[%c1] : memref<8xf32>
  %f1 = func.constant @differ_body1 : (memref<8xf32>) -> ()
  func.call_indirect %f1(%a1) : (memref<8xf32>) -> ()
  %g2 = memref.get_global @u2 : memref<8xf32>
  %a2 = memref.alloc() : memref<8xf32>
  %x2 = memref.load %a1[%c0] : memref<8xf32>
  %y2 = memref.load %g2[%c0] : memref<8xf32>
  %k2 = arith.constant 3.0 : f32
  %s2 = arith.mulf %x2, %y2 : f32
  %t2 = arith.addf %s2, %k2 : f32
  memref.store %t2, %a2[%c0] : memref<8xf32>
  memref.store %s2, %a2[%c1] : memref<8xf32>
  %f2 = func.constant @differ_body2 : (memref<8xf32>) -> ()
  func.call_indirect %f2(%a2) : (memref<8xf32>) -> ()
  %g3 = memref.get_global @u3 : memref<8xf32>
  %a3 = memref.alloc() : memref<8xf32>
  %x3 = memref.load %a2[%c0] : memref<8xf32>
  %y3 = memref.load %g3[%c0] : memref<8xf32>
  %k3 = arith.constant 4.0 : f32
  %s3 = arith.mulf %x3, %y3 : f32
  %t3 = arith.addf %s3, %k3 : f32
  memref.store %t3, %a3[%c0] : memref<8xf32>
  memref.store %s3, %a3[%c1] : memref<8xf32>
  %f3 = func.constant @differ_body3 : (memref<8xf32>) -> ()
  func.call_indirect %f3(%a3) : (memref<8xf32>) -> ()
  %g4 = memref.get_global @u4 : memref<8xf32>
  %a4 = memref.alloc() : memref<8xf32>
  %x4 = memref.load %a3[%c0] : memref<8xf32>
  %y4 = memref.load %g4[%c0] : memref<8xf32>
  %k4 = arith.constant 3.0 : f32
  %s4 = arith.mulf %x4, %y4 : f32
  %t4 = arith.addf %s4, %k4 : f32
  memref.store %t4, %a4[%c0] : memref<8xf32>
  memref.store %s4, %a4[%c1] : memref<8xf32>
  %f4 = func.constant @differ_body4 : (memref<8xf32>) -> ()
  func.call_indirect %f4(%a4) : (memref<8xf32>) -> ()
  %g5 = memref.get_global @u5 : memref<8xf32>
  %a5 = memref.alloc() : memref<8xf32>
  %x5 = memref.load %a4[%c0] : memref<8xf32>
  %y5 = memref.load %g5[%c0] : memref<8xf32>
  %k5 = arith.constant 3.0 : f32
  %s5 = arith.mulf %x5, %y5 : f32
  %t5 = arith.addf %s5, %k5 : f32
  memref.store %t5, %a5[%c0] : memref<8xf32>
  memref.store %s5, %a5[%c1] : memref<8xf32>
  %f5 = func.constant @differ_body5 : (memref<8xf32>) -> ()
  func.call_indirect %f5(%a5) : (memref<8xf32>) -> ()
  return %a5 : memref<8xf32>
}

// -----

// Outlined bodies large enough to be split themselves (split before the
// graph that calls them): the merged runs keep @big_body0; @big_body1 and
// @big_body2, no longer referenced, are erased after every split, with
// their pieces (a function still to split is never erased before it is).
// CHECK-LABEL: func.func private @big_body0(
// CHECK: call @big_body0_part(
// CHECK-NOT: @big_body1
// CHECK-NOT: @big_body2
// CHECK: func.func private @big_body3(
// CHECK: func.func @big(
// CHECK: call @big_part(
// CHECK-COUNT-3: call @big_part_12(
// CHECK: call @big_part_15(
// CHECK: func.func private @big_part_12(
// CHECK: constant @big_body0
memref.global "private" constant @b0 : memref<8xf32> = dense<1.0>
memref.global "private" constant @b1 : memref<8xf32> = dense<2.0>
memref.global "private" constant @b2 : memref<8xf32> = dense<3.0>
memref.global "private" constant @b3 : memref<8xf32> = dense<4.0>
func.func private @big_body0(%m: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %x0 = memref.load %m[%c0] : memref<8xf32>
  %y0 = arith.mulf %x0, %x0 : f32
  memref.store %y0, %m[%c0] : memref<8xf32>
  %x1 = memref.load %m[%c1] : memref<8xf32>
  %y1 = arith.mulf %x1, %x1 : f32
  memref.store %y1, %m[%c1] : memref<8xf32>
  %x2 = memref.load %m[%c2] : memref<8xf32>
  %y2 = arith.mulf %x2, %x2 : f32
  memref.store %y2, %m[%c2] : memref<8xf32>
  %x3 = memref.load %m[%c3] : memref<8xf32>
  %y3 = arith.mulf %x3, %x3 : f32
  memref.store %y3, %m[%c3] : memref<8xf32>
  return
}
func.func private @big_body1(%m: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %x0 = memref.load %m[%c0] : memref<8xf32>
  %y0 = arith.mulf %x0, %x0 : f32
  memref.store %y0, %m[%c0] : memref<8xf32>
  %x1 = memref.load %m[%c1] : memref<8xf32>
  %y1 = arith.mulf %x1, %x1 : f32
  memref.store %y1, %m[%c1] : memref<8xf32>
  %x2 = memref.load %m[%c2] : memref<8xf32>
  %y2 = arith.mulf %x2, %x2 : f32
  memref.store %y2, %m[%c2] : memref<8xf32>
  %x3 = memref.load %m[%c3] : memref<8xf32>
  %y3 = arith.mulf %x3, %x3 : f32
  memref.store %y3, %m[%c3] : memref<8xf32>
  return
}
func.func private @big_body2(%m: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %x0 = memref.load %m[%c0] : memref<8xf32>
  %y0 = arith.mulf %x0, %x0 : f32
  memref.store %y0, %m[%c0] : memref<8xf32>
  %x1 = memref.load %m[%c1] : memref<8xf32>
  %y1 = arith.mulf %x1, %x1 : f32
  memref.store %y1, %m[%c1] : memref<8xf32>
  %x2 = memref.load %m[%c2] : memref<8xf32>
  %y2 = arith.mulf %x2, %x2 : f32
  memref.store %y2, %m[%c2] : memref<8xf32>
  %x3 = memref.load %m[%c3] : memref<8xf32>
  %y3 = arith.mulf %x3, %x3 : f32
  memref.store %y3, %m[%c3] : memref<8xf32>
  return
}
func.func private @big_body3(%m: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %x0 = memref.load %m[%c0] : memref<8xf32>
  %y0 = arith.mulf %x0, %x0 : f32
  memref.store %y0, %m[%c0] : memref<8xf32>
  %x1 = memref.load %m[%c1] : memref<8xf32>
  %y1 = arith.mulf %x1, %x1 : f32
  memref.store %y1, %m[%c1] : memref<8xf32>
  %x2 = memref.load %m[%c2] : memref<8xf32>
  %y2 = arith.mulf %x2, %x2 : f32
  memref.store %y2, %m[%c2] : memref<8xf32>
  %x3 = memref.load %m[%c3] : memref<8xf32>
  %y3 = arith.mulf %x3, %x3 : f32
  memref.store %y3, %m[%c3] : memref<8xf32>
  return
}
func.func @big(%arg: memref<8xf32>) -> memref<8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %g0 = memref.get_global @b0 : memref<8xf32>
  %a0 = memref.alloc() : memref<8xf32>
  %x0 = memref.load %arg[%c0] : memref<8xf32>
  %y0 = memref.load %g0[%c0] : memref<8xf32>
  %s0 = arith.mulf %x0, %y0 : f32
  memref.store %s0, %a0[%c0] : memref<8xf32>
  memref.store %s0, %a0[%c1] : memref<8xf32>
  %f0 = func.constant @big_body0 : (memref<8xf32>) -> ()
  func.call_indirect %f0(%a0) : (memref<8xf32>) -> ()
  %g1 = memref.get_global @b1 : memref<8xf32>
  %a1 = memref.alloc() : memref<8xf32>
  %x1 = memref.load %a0[%c0] : memref<8xf32>
  %y1 = memref.load %g1[%c0] : memref<8xf32>
  %s1 = arith.mulf %x1, %y1 : f32
  memref.store %s1, %a1[%c0] : memref<8xf32>
  memref.store %s1, %a1[%c1] : memref<8xf32>
  %f1 = func.constant @big_body1 : (memref<8xf32>) -> ()
  func.call_indirect %f1(%a1) : (memref<8xf32>) -> ()
  %g2 = memref.get_global @b2 : memref<8xf32>
  %a2 = memref.alloc() : memref<8xf32>
  %x2 = memref.load %a1[%c0] : memref<8xf32>
  %y2 = memref.load %g2[%c0] : memref<8xf32>
  %s2 = arith.mulf %x2, %y2 : f32
  memref.store %s2, %a2[%c0] : memref<8xf32>
  memref.store %s2, %a2[%c1] : memref<8xf32>
  %f2 = func.constant @big_body2 : (memref<8xf32>) -> ()
  func.call_indirect %f2(%a2) : (memref<8xf32>) -> ()
  %g3 = memref.get_global @b3 : memref<8xf32>
  %a3 = memref.alloc() : memref<8xf32>
  %x3 = memref.load %a2[%c0] : memref<8xf32>
  %y3 = memref.load %g3[%c0] : memref<8xf32>
  %s3 = arith.mulf %x3, %y3 : f32
  memref.store %s3, %a3[%c0] : memref<8xf32>
  memref.store %s3, %a3[%c1] : memref<8xf32>
  %f3 = func.constant @big_body3 : (memref<8xf32>) -> ()
  func.call_indirect %f3(%a3) : (memref<8xf32>) -> ()
  return %a3 : memref<8xf32>
}
