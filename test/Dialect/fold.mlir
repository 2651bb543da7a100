// RUN: seq-opt %s --canonicalize --split-input-file | FileCheck %s
// The op folders (dialects/seq/lib/SeqFolds.cpp) on constant operands:
// elementwise ops with broadcasting, integer wrapping and the trap-free
// integer div/rem of SeqSemantics.h, comparisons, select, cast, bitcast,
// transpose, broadcast, gather and reduce. Non-constant operands, results
// the compiled code computes differently (tanh, 8-bit float casts) and
// out-of-range gathers stay ops.

// CHECK-LABEL: func @add_broadcast
// CHECK-NEXT: %[[C:.*]] = arith.constant dense<{{\[}}[1.100000e+01, 2.200000e+01], [1.300000e+01, 2.400000e+01]]> : tensor<2x2xf32>
// CHECK-NEXT: return %[[C]]
func.func @add_broadcast() -> tensor<2x2xf32> {
  %a = arith.constant dense<[[1.0], [3.0]]> : tensor<2x1xf32>
  %b = arith.constant dense<[10.0, 21.0]> : tensor<2xf32>
  %r = seq.add %a, %b : (tensor<2x1xf32>, tensor<2xf32>) -> tensor<2x2xf32>
  return %r : tensor<2x2xf32>
}

// -----

// i8 arithmetic wraps: 100 + 100 = -56, 127 * 2 = -2.
// CHECK-LABEL: func @int_wrap
// CHECK-DAG: arith.constant dense<[-56, 2]> : tensor<2xi8>
// CHECK-DAG: arith.constant dense<[-2, 6]> : tensor<2xi8>
// CHECK-NOT: seq.
func.func @int_wrap() -> (tensor<2xi8>, tensor<2xi8>) {
  %a = arith.constant dense<[100, 1]> : tensor<2xi8>
  %b = arith.constant dense<[100, 1]> : tensor<2xi8>
  %c = arith.constant dense<[127, 3]> : tensor<2xi8>
  %two = arith.constant dense<2> : tensor<2xi8>
  %s = seq.add %a, %b : (tensor<2xi8>, tensor<2xi8>) -> tensor<2xi8>
  %m = seq.mul %c, %two : (tensor<2xi8>, tensor<2xi8>) -> tensor<2xi8>
  return %s, %m : tensor<2xi8>, tensor<2xi8>
}

// -----

// Integer div/rem truncate; x / 0 = 0, x % 0 = 0, MIN / -1 = MIN.
// CHECK-LABEL: func @int_div_rem
// CHECK-DAG: arith.constant dense<[-3, 0, -128]> : tensor<3xi8>
// CHECK-DAG: arith.constant dense<[-1, 0, 0]> : tensor<3xi8>
// CHECK-NOT: seq.
func.func @int_div_rem() -> (tensor<3xi8>, tensor<3xi8>) {
  %x = arith.constant dense<[-7, 5, -128]> : tensor<3xi8>
  %d = arith.constant dense<[2, 0, -1]> : tensor<3xi8>
  %q = seq.div %x, %d : (tensor<3xi8>, tensor<3xi8>) -> tensor<3xi8>
  %r = seq.rem %x, %d : (tensor<3xi8>, tensor<3xi8>) -> tensor<3xi8>
  return %q, %r : tensor<3xi8>, tensor<3xi8>
}

// -----

// Unsigned operands read zero-extended: 200 > 100 in ui8.
// CHECK-LABEL: func @unsigned_compare
// CHECK-NEXT: %[[C:.*]] = arith.constant dense<[true, false]> : tensor<2xi1>
// CHECK-NEXT: return %[[C]]
func.func @unsigned_compare() -> tensor<2xi1> {
  %a = arith.constant dense<[200, 1]> : tensor<2xui8>
  %b = arith.constant dense<[100, 2]> : tensor<2xui8>
  %r = seq.greater %a, %b : (tensor<2xui8>, tensor<2xui8>) -> tensor<2xi1>
  return %r : tensor<2xi1>
}

// -----

// CHECK-LABEL: func @select_neg_max
// CHECK-DAG: arith.constant dense<[1, -2, 3]> : tensor<3xi64>
// CHECK-DAG: arith.constant dense<[-1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK-DAG: arith.constant dense<[2.000000e+00, 0x7FC00000]> : tensor<2xf32>
// CHECK-NOT: seq.
func.func @select_neg_max() -> (tensor<3xi64>, tensor<2xf32>, tensor<2xf32>) {
  %c = arith.constant dense<[true, false, true]> : tensor<3xi1>
  %x = arith.constant dense<[1, 2, 3]> : tensor<3xi64>
  %y = arith.constant dense<-2> : tensor<3xi64>
  %s = seq.select %c, %x, %y : (tensor<3xi1>, tensor<3xi64>, tensor<3xi64>) -> tensor<3xi64>
  %f = arith.constant dense<[1.0, -2.0]> : tensor<2xf32>
  %n = seq.neg %f : (tensor<2xf32>) -> tensor<2xf32>
  // max propagates NaN.
  %g = arith.constant dense<[2.0, 0x7FC00000]> : tensor<2xf32>
  %m = seq.max %f, %g : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %s, %n, %m : tensor<3xi64>, tensor<2xf32>, tensor<2xf32>
}

// -----

// f32 results are rounded to f32: 1/3.
// CHECK-LABEL: func @round_to_type
// CHECK-NEXT: arith.constant dense<0.333333343> : tensor<2xf32>
func.func @round_to_type() -> tensor<2xf32> {
  %a = arith.constant dense<1.0> : tensor<2xf32>
  %b = arith.constant dense<3.0> : tensor<2xf32>
  %r = seq.div %a, %b : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %r : tensor<2xf32>
}

// -----

// Cast: float -> int truncates toward zero; int -> narrower int wraps.
// CHECK-LABEL: func @cast
// CHECK-DAG: arith.constant dense<[2, -2, 0]> : tensor<3xi32>
// CHECK-DAG: arith.constant dense<[44, -1]> : tensor<2xi8>
// CHECK-NOT: seq.
func.func @cast() -> (tensor<3xi32>, tensor<2xi8>) {
  %f = arith.constant dense<[2.9, -2.9, 0.5]> : tensor<3xf32>
  %a = seq.cast %f : tensor<3xf32> to tensor<3xi32>
  %i = arith.constant dense<[300, 255]> : tensor<2xi64>
  %b = seq.cast %i : tensor<2xi64> to tensor<2xi8>
  return %a, %b : tensor<3xi32>, tensor<2xi8>
}

// -----

// CHECK-LABEL: func @bitcast
// CHECK-NEXT: arith.constant dense<1065353216> : tensor<2xi32>
func.func @bitcast() -> tensor<2xi32> {
  %f = arith.constant dense<1.0> : tensor<2xf32>
  %r = seq.bitcast %f : tensor<2xf32> to tensor<2xi32>
  return %r : tensor<2xi32>
}

// -----

// CHECK-LABEL: func @transpose_broadcast
// CHECK-DAG: arith.constant dense<{{\[}}[1, 4], [2, 5], [3, 6]]> : tensor<3x2xi64>
// CHECK-DAG: arith.constant dense<{{\[}}[7, 8], [7, 8]]> : tensor<2x2xi64>
// CHECK-NOT: seq.
func.func @transpose_broadcast() -> (tensor<3x2xi64>, tensor<2x2xi64>) {
  %x = arith.constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi64>
  %t = seq.transpose %x [1, 0] : tensor<2x3xi64> -> tensor<3x2xi64>
  %y = arith.constant dense<[7, 8]> : tensor<2xi64>
  %b = seq.broadcast %y : tensor<2xi64> -> tensor<2x2xi64>
  return %t, %b : tensor<3x2xi64>, tensor<2x2xi64>
}

// -----

// Negative indices count from the end.
// CHECK-LABEL: func @gather
// CHECK-NEXT: arith.constant dense<{{\[}}[3, 1], [6, 4]]> : tensor<2x2xi64>
func.func @gather() -> tensor<2x2xi64> {
  %x = arith.constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi64>
  %i = arith.constant dense<[-1, 0]> : tensor<2xi64>
  %r = seq.gather %x[%i] axis = -1 : (tensor<2x3xi64>, tensor<2xi64>) -> tensor<2x2xi64>
  return %r : tensor<2x2xi64>
}

// -----

// CHECK-LABEL: func @reduce
// CHECK-DAG: arith.constant dense<[6, 15]> : tensor<2xi64>
// CHECK-DAG: arith.constant dense<{{\[}}[4, 5, 6]]> : tensor<1x3xi64>
// CHECK-DAG: arith.constant dense<3.500000e+00> : tensor<f32>
// CHECK-NOT: seq.
func.func @reduce() -> (tensor<2xi64>, tensor<1x3xi64>, tensor<f32>) {
  %x = arith.constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi64>
  %s = seq.reduce sum %x axes = [1] : tensor<2x3xi64> -> tensor<2xi64>
  %m = seq.reduce max %x axes = [-2] keep_dims : tensor<2x3xi64> -> tensor<1x3xi64>
  %f = arith.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %a = seq.reduce mean %f axes = [0, 1] : tensor<2x3xf32> -> tensor<f32>
  return %s, %m, %a : tensor<2xi64>, tensor<1x3xi64>, tensor<f32>
}

// -----

// Negative: non-constant operands stay.
// CHECK-LABEL: func @not_constant
// CHECK: seq.add
// CHECK: seq.cast
// CHECK: seq.transpose
// CHECK: seq.reduce
func.func @not_constant(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xi32>, tensor<3x2xf32>, tensor<2xf32>) {
  %c = arith.constant dense<1.0> : tensor<2x3xf32>
  %a = seq.add %x, %c : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %i = seq.cast %x : tensor<2x3xf32> to tensor<2x3xi32>
  %t = seq.transpose %x [1, 0] : tensor<2x3xf32> -> tensor<3x2xf32>
  %r = seq.reduce sum %x axes = [1] : tensor<2x3xf32> -> tensor<2xf32>
  return %a, %i, %t, %r : tensor<2x3xf32>, tensor<2x3xi32>, tensor<3x2xf32>, tensor<2xf32>
}

// -----

// Negative: tanh is approximated by the compiled code (not folded), casts
// to 8-bit floats follow the lowering's saturate rules, and an
// out-of-range gather index is the run time's error to report.
// CHECK-LABEL: func @not_folded
// CHECK: seq.tanh
// CHECK: seq.cast
// CHECK: seq.gather
func.func @not_folded() -> (tensor<2xf32>, tensor<2xf8E4M3FN>, tensor<1xi64>) {
  %f = arith.constant dense<[1.0, 1000.0]> : tensor<2xf32>
  %t = seq.tanh %f : (tensor<2xf32>) -> tensor<2xf32>
  %c = seq.cast %f : tensor<2xf32> to tensor<2xf8E4M3FN>
  %x = arith.constant dense<[1, 2, 3]> : tensor<3xi64>
  %i = arith.constant dense<[5]> : tensor<1xi64>
  %g = seq.gather %x[%i] axis = 0 : (tensor<3xi64>, tensor<1xi64>) -> tensor<1xi64>
  return %t, %c, %g : tensor<2xf32>, tensor<2xf8E4M3FN>, tensor<1xi64>
}
