// RUN: seq-opt %s --split-input-file --seq-to-linalg | FileCheck %s

// Unsigned element types compute on signless integers with unsigned
// semantics; unrealized casts bridge the tensors (seq-strip-signedness
// removes them).
// CHECK-LABEL: func @div_u8
// CHECK: %[[A:.*]] = builtin.unrealized_conversion_cast %{{.*}} : tensor<4xui8> to tensor<4xi8>
// CHECK: linalg.generic
// CHECK: ^bb0(%{{.*}}: i8, %{{.*}}: i8, %{{.*}}: i8):
// CHECK: arith.divui
// CHECK: builtin.unrealized_conversion_cast %{{.*}} : tensor<4xi8> to tensor<4xui8>
func.func @div_u8(%a: tensor<4xui8>, %b: tensor<4xui8>) -> tensor<4xui8> {
  %0 = seq.div %a, %b : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  return %0 : tensor<4xui8>
}

// -----

// CHECK-LABEL: func @compare_u32
// CHECK: arith.cmpi ult
// CHECK: arith.cmpi uge
// CHECK: arith.cmpi eq
func.func @compare_u32(%a: tensor<4xui32>, %b: tensor<4xui32>) -> (tensor<4xi1>, tensor<4xi1>, tensor<4xi1>) {
  %0 = seq.less %a, %b : (tensor<4xui32>, tensor<4xui32>) -> tensor<4xi1>
  %1 = seq.greater_equal %a, %b : (tensor<4xui32>, tensor<4xui32>) -> tensor<4xi1>
  %2 = seq.equal %a, %b : (tensor<4xui32>, tensor<4xui32>) -> tensor<4xi1>
  return %0, %1, %2 : tensor<4xi1>, tensor<4xi1>, tensor<4xi1>
}

// -----

// CHECK-LABEL: func @minmax_u16
// CHECK: arith.maxui
// CHECK: arith.minui
func.func @minmax_u16(%a: tensor<4xui16>, %b: tensor<4xui16>) -> tensor<4xui16> {
  %0 = seq.max %a, %b : (tensor<4xui16>, tensor<4xui16>) -> tensor<4xui16>
  %1 = seq.min %0, %b : (tensor<4xui16>, tensor<4xui16>) -> tensor<4xui16>
  return %1 : tensor<4xui16>
}

// -----

// Signed integers keep signed semantics.
// CHECK-LABEL: func @signed
// CHECK-NOT: unrealized_conversion_cast
// CHECK: arith.divsi
// CHECK: arith.cmpi slt
func.func @signed(%a: tensor<4xi8>, %b: tensor<4xi8>) -> (tensor<4xi8>, tensor<4xi1>) {
  %0 = seq.div %a, %b : (tensor<4xi8>, tensor<4xi8>) -> tensor<4xi8>
  %1 = seq.less %a, %b : (tensor<4xi8>, tensor<4xi8>) -> tensor<4xi1>
  return %0, %1 : tensor<4xi8>, tensor<4xi1>
}

// -----

// Casts: unsigned sources zero-extend and convert as unsigned; float to
// unsigned (and sub-byte) results wrap through i64.
// CHECK-LABEL: func @casts
// CHECK: arith.uitofp %{{.*}} : i8 to f32
// CHECK: arith.extui %{{.*}} : i8 to i32
// CHECK: arith.fptosi %{{.*}} : f32 to i64
// CHECK-NEXT: arith.trunci %{{.*}} : i64 to i16
// CHECK: arith.fptosi %{{.*}} : f32 to i64
// CHECK-NEXT: arith.trunci %{{.*}} : i64 to i4
// CHECK: arith.extsi %{{.*}} : i4 to i8
func.func @casts(%a: tensor<4xui8>, %f: tensor<4xf32>, %i: tensor<4xi4>)
    -> (tensor<4xf32>, tensor<4xi32>, tensor<4xui16>, tensor<4xi4>, tensor<4xi8>) {
  %0 = seq.cast %a : tensor<4xui8> to tensor<4xf32>
  %1 = seq.cast %a : tensor<4xui8> to tensor<4xi32>
  %2 = seq.cast %f : tensor<4xf32> to tensor<4xui16>
  %3 = seq.cast %f : tensor<4xf32> to tensor<4xi4>
  %4 = seq.cast %i : tensor<4xi4> to tensor<4xi8>
  return %0, %1, %2, %3, %4 : tensor<4xf32>, tensor<4xi32>, tensor<4xui16>, tensor<4xi4>, tensor<4xi8>
}

// -----

// Reductions: unsigned max starts from 0 and combines with maxui; matmul
// computes on signless integers.
// CHECK-LABEL: func @reduce_matmul_u8
// CHECK-DAG: arith.constant 0 : i8
// CHECK-DAG: arith.constant -1 : i8
// CHECK: linalg.generic
// CHECK: arith.maxui
// CHECK: arith.minui
// CHECK: arith.muli
// CHECK: arith.addi
// CHECK: builtin.unrealized_conversion_cast %{{.*}} : tensor<4x2xi8> to tensor<4x2xui8>
func.func @reduce_matmul_u8(%a: tensor<4x3xui8>, %b: tensor<3x2xui8>) -> (tensor<4xui8>, tensor<4xui8>, tensor<4x2xui8>) {
  %0 = seq.reduce max %a axes = [1] : tensor<4x3xui8> -> tensor<4xui8>
  %1 = seq.reduce min %a axes = [1] : tensor<4x3xui8> -> tensor<4xui8>
  %2 = seq.matmul %a, %b : (tensor<4x3xui8>, tensor<3x2xui8>) -> tensor<4x2xui8>
  return %0, %1, %2 : tensor<4xui8>, tensor<4xui8>, tensor<4x2xui8>
}
