// RUN: seq-opt --split-input-file --seq-raise %s | FileCheck %s
// onnxruntime's dynamic quantization, as imported: DynamicQuantizeLinear(x)
// -> MatMulInteger(xq, Wq, xz, wz) -> Cast -> Mul by (xs * ws) becomes one
// seq.quant_matmul on x with Wq's integers (int8 shifted to unsigned) and
// ws, int8 activations; the i32 (and any f32) copy of the weight is gone.
// Graphs written by python/tests/test_quant_dynamic.py's kind of model,
// imported with `seqc --emit=seq --no-fuse`.

// Per-tensor int8 weight, zero point 0: symmetric (no zero points). Column 0
// of W is -6 -2 2 6 -3 1 5 -4 0 4 -5 -1 3 -6 -2 2, stored +128 (7A 7E 82 ..)
// in one block of 16.
// CHECK-LABEL: func.func @per_tensor_int8
// CHECK: %[[W:.*]] = arith.constant dense_resource<mmi_w> : tensor<4x1x16xui8>
// CHECK: %[[S:.*]] = arith.constant dense_resource<mmi_scales> : tensor<4x1xf32>
// CHECK: %[[Y:.*]] = seq.quant_matmul %arg0, %[[W]], %[[S]] bits = 8 group = 16 {int8_activations} : (tensor<3x16xf32>, tensor<4x1x16xui8>, tensor<4x1xf32>) -> tensor<3x4xf32>
// CHECK-NEXT: return %[[Y]]
// CHECK-NOT: seq.matmul
// CHECK: mmi_w: "0x400000007A7E82867D81857C80847B7F837A7E82
// CHECK: mmi_scales: "0x040000000000003F0000003F0000003F0000003F"

func.func @per_tensor_int8(%arg0: tensor<3x16xf32>) -> (tensor<3x4xf32>) {
  %cst = arith.constant dense<[[-6, -5, -4, -3], [-2, -1, 0, 1], [2, 3, 4, 5], [6, -6, -5, -4], [-3, -2, -1, 0], [1, 2, 3, 4], [5, 6, -6, -5], [-4, -3, -2, -1], [0, 1, 2, 3], [4, 5, 6, -6], [-5, -4, -3, -2], [-1, 0, 1, 2], [3, 4, 5, 6], [-6, -5, -4, -3], [-2, -1, 0, 1], [2, 3, 4, 5]]> : tensor<16x4xi8>
  %cst_0 = arith.constant dense<0> : tensor<i8>
  %cst_1 = arith.constant dense<5.000000e-01> : tensor<f32>
  %0 = seq.reduce max %arg0 axes = [0, 1] : tensor<3x16xf32> -> tensor<f32>
  %cst_2 = arith.constant dense<0.000000e+00> : tensor<f32>
  %1 = seq.max %0, %cst_2 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %2 = seq.reduce min %arg0 axes = [0, 1] : tensor<3x16xf32> -> tensor<f32>
  %cst_3 = arith.constant dense<0.000000e+00> : tensor<f32>
  %3 = seq.min %2, %cst_3 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %4 = seq.sub %1, %3 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %cst_4 = arith.constant dense<2.550000e+02> : tensor<f32>
  %5 = seq.div %4, %cst_4 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %6 = seq.div %3, %5 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %7 = seq.neg %6 : (tensor<f32>) -> tensor<f32>
  %8 = seq.round %7 : (tensor<f32>) -> tensor<f32>
  %9 = seq.div %arg0, %5 : (tensor<3x16xf32>, tensor<f32>) -> tensor<3x16xf32>
  %10 = seq.round %9 : (tensor<3x16xf32>) -> tensor<3x16xf32>
  %11 = seq.add %10, %8 : (tensor<3x16xf32>, tensor<f32>) -> tensor<3x16xf32>
  %cst_5 = arith.constant dense<0.000000e+00> : tensor<f32>
  %12 = seq.max %11, %cst_5 : (tensor<3x16xf32>, tensor<f32>) -> tensor<3x16xf32>
  %cst_6 = arith.constant dense<2.550000e+02> : tensor<f32>
  %13 = seq.min %12, %cst_6 : (tensor<3x16xf32>, tensor<f32>) -> tensor<3x16xf32>
  %14 = seq.cast %13 : tensor<3x16xf32> to tensor<3x16xui8>
  %cst_7 = arith.constant dense<0.000000e+00> : tensor<f32>
  %15 = seq.max %8, %cst_7 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %cst_8 = arith.constant dense<2.550000e+02> : tensor<f32>
  %16 = seq.min %15, %cst_8 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %17 = seq.cast %16 : tensor<f32> to tensor<ui8>
  %18 = seq.cast %14 : tensor<3x16xui8> to tensor<3x16xi32>
  %19 = seq.cast %cst : tensor<16x4xi8> to tensor<16x4xi32>
  %20 = seq.cast %17 : tensor<ui8> to tensor<i32>
  %21 = seq.sub %18, %20 : (tensor<3x16xi32>, tensor<i32>) -> tensor<3x16xi32>
  %22 = seq.cast %cst_0 : tensor<i8> to tensor<i32>
  %23 = seq.sub %19, %22 : (tensor<16x4xi32>, tensor<i32>) -> tensor<16x4xi32>
  %24 = seq.matmul %21, %23 : (tensor<3x16xi32>, tensor<16x4xi32>) -> tensor<3x4xi32>
  %25 = seq.cast %24 : tensor<3x4xi32> to tensor<3x4xf32>
  %26 = seq.mul %5, %cst_1 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %27 = seq.mul %25, %26 : (tensor<3x4xf32>, tensor<f32>) -> tensor<3x4xf32>
  return %27 : tensor<3x4xf32>
}

// -----

// Per-column uint8 weight and zero points (128 100 128 3), scales
// 0.5 0.25 1 2; operands of both multiplies swapped.
// CHECK-LABEL: func.func @per_column_uint8
// CHECK: seq.quant_matmul %arg0, %{{.*}}, %{{.*}}, %{{.*}} bits = 8 group = 16 {int8_activations} : (tensor<3x16xf32>, tensor<4x1x16xui8>, tensor<4x1xf32>, tensor<4x1xui8>) -> tensor<3x4xf32>
// CHECK-NOT: seq.matmul
// CHECK-NOT: xi32>
// CHECK: mmi_scales: "0x040000000000003F0000803E0000803F00000040"
// CHECK: mmi_zp: "0x0800000080648003"

func.func @per_column_uint8(%arg0: tensor<3x16xf32>) -> (tensor<3x4xf32>) {
  %cst = arith.constant dense<[[0, 7, 14, 21], [28, 35, 42, 49], [56, 63, 70, 77], [84, 91, 98, 105], [112, 119, 126, 133], [140, 147, 154, 161], [168, 175, 182, 189], [196, 203, 210, 217], [224, 231, 238, 245], [252, 3, 10, 17], [24, 31, 38, 45], [52, 59, 66, 73], [80, 87, 94, 101], [108, 115, 122, 129], [136, 143, 150, 157], [164, 171, 178, 185]]> : tensor<16x4xui8>
  %cst_0 = arith.constant dense<[128, 100, 128, 3]> : tensor<4xui8>
  %cst_1 = arith.constant dense<[5.000000e-01, 2.500000e-01, 1.000000e+00, 2.000000e+00]> : tensor<4xf32>
  %0 = seq.reduce max %arg0 axes = [0, 1] : tensor<3x16xf32> -> tensor<f32>
  %cst_2 = arith.constant dense<0.000000e+00> : tensor<f32>
  %1 = seq.max %0, %cst_2 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %2 = seq.reduce min %arg0 axes = [0, 1] : tensor<3x16xf32> -> tensor<f32>
  %cst_3 = arith.constant dense<0.000000e+00> : tensor<f32>
  %3 = seq.min %2, %cst_3 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %4 = seq.sub %1, %3 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %cst_4 = arith.constant dense<2.550000e+02> : tensor<f32>
  %5 = seq.div %4, %cst_4 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %6 = seq.div %3, %5 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %7 = seq.neg %6 : (tensor<f32>) -> tensor<f32>
  %8 = seq.round %7 : (tensor<f32>) -> tensor<f32>
  %9 = seq.div %arg0, %5 : (tensor<3x16xf32>, tensor<f32>) -> tensor<3x16xf32>
  %10 = seq.round %9 : (tensor<3x16xf32>) -> tensor<3x16xf32>
  %11 = seq.add %10, %8 : (tensor<3x16xf32>, tensor<f32>) -> tensor<3x16xf32>
  %cst_5 = arith.constant dense<0.000000e+00> : tensor<f32>
  %12 = seq.max %11, %cst_5 : (tensor<3x16xf32>, tensor<f32>) -> tensor<3x16xf32>
  %cst_6 = arith.constant dense<2.550000e+02> : tensor<f32>
  %13 = seq.min %12, %cst_6 : (tensor<3x16xf32>, tensor<f32>) -> tensor<3x16xf32>
  %14 = seq.cast %13 : tensor<3x16xf32> to tensor<3x16xui8>
  %cst_7 = arith.constant dense<0.000000e+00> : tensor<f32>
  %15 = seq.max %8, %cst_7 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %cst_8 = arith.constant dense<2.550000e+02> : tensor<f32>
  %16 = seq.min %15, %cst_8 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %17 = seq.cast %16 : tensor<f32> to tensor<ui8>
  %18 = seq.cast %14 : tensor<3x16xui8> to tensor<3x16xi32>
  %19 = seq.cast %cst : tensor<16x4xui8> to tensor<16x4xi32>
  %20 = seq.cast %17 : tensor<ui8> to tensor<i32>
  %21 = seq.sub %18, %20 : (tensor<3x16xi32>, tensor<i32>) -> tensor<3x16xi32>
  %22 = seq.cast %cst_0 : tensor<4xui8> to tensor<4xi32>
  %23 = seq.sub %19, %22 : (tensor<16x4xi32>, tensor<4xi32>) -> tensor<16x4xi32>
  %24 = seq.matmul %21, %23 : (tensor<3x16xi32>, tensor<16x4xi32>) -> tensor<3x4xi32>
  %25 = seq.cast %24 : tensor<3x4xi32> to tensor<3x4xf32>
  %26 = seq.mul %cst_1, %5 : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %27 = seq.mul %26, %25 : (tensor<4xf32>, tensor<3x4xf32>) -> tensor<3x4xf32>
  return %27 : tensor<3x4xf32>
}

// -----

// The weight and zero point casts already folded into i32 constants: the
// same integers, raised the same way (bytes as @per_tensor_int8).
// CHECK-LABEL: func.func @folded_weight_casts
// CHECK: seq.quant_matmul %arg0, %{{.*}}, %{{.*}} bits = 8 group = 16 {int8_activations}
// CHECK-NOT: seq.matmul
// CHECK: mmi_w: "0x400000007A7E82867D81857C80847B7F837A7E82

func.func @folded_weight_casts(%arg0: tensor<3x16xf32>) -> (tensor<3x4xf32>) {
  %cst = arith.constant dense<[[-6, -5, -4, -3], [-2, -1, 0, 1], [2, 3, 4, 5], [6, -6, -5, -4], [-3, -2, -1, 0], [1, 2, 3, 4], [5, 6, -6, -5], [-4, -3, -2, -1], [0, 1, 2, 3], [4, 5, 6, -6], [-5, -4, -3, -2], [-1, 0, 1, 2], [3, 4, 5, 6], [-6, -5, -4, -3], [-2, -1, 0, 1], [2, 3, 4, 5]]> : tensor<16x4xi32>
  %cst_0 = arith.constant dense<0> : tensor<i32>
  %cst_1 = arith.constant dense<5.000000e-01> : tensor<f32>
  %0 = seq.reduce max %arg0 axes = [0, 1] : tensor<3x16xf32> -> tensor<f32>
  %cst_2 = arith.constant dense<0.000000e+00> : tensor<f32>
  %1 = seq.max %0, %cst_2 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %2 = seq.reduce min %arg0 axes = [0, 1] : tensor<3x16xf32> -> tensor<f32>
  %cst_3 = arith.constant dense<0.000000e+00> : tensor<f32>
  %3 = seq.min %2, %cst_3 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %4 = seq.sub %1, %3 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %cst_4 = arith.constant dense<2.550000e+02> : tensor<f32>
  %5 = seq.div %4, %cst_4 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %6 = seq.div %3, %5 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %7 = seq.neg %6 : (tensor<f32>) -> tensor<f32>
  %8 = seq.round %7 : (tensor<f32>) -> tensor<f32>
  %9 = seq.div %arg0, %5 : (tensor<3x16xf32>, tensor<f32>) -> tensor<3x16xf32>
  %10 = seq.round %9 : (tensor<3x16xf32>) -> tensor<3x16xf32>
  %11 = seq.add %10, %8 : (tensor<3x16xf32>, tensor<f32>) -> tensor<3x16xf32>
  %cst_5 = arith.constant dense<0.000000e+00> : tensor<f32>
  %12 = seq.max %11, %cst_5 : (tensor<3x16xf32>, tensor<f32>) -> tensor<3x16xf32>
  %cst_6 = arith.constant dense<2.550000e+02> : tensor<f32>
  %13 = seq.min %12, %cst_6 : (tensor<3x16xf32>, tensor<f32>) -> tensor<3x16xf32>
  %14 = seq.cast %13 : tensor<3x16xf32> to tensor<3x16xui8>
  %cst_7 = arith.constant dense<0.000000e+00> : tensor<f32>
  %15 = seq.max %8, %cst_7 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %cst_8 = arith.constant dense<2.550000e+02> : tensor<f32>
  %16 = seq.min %15, %cst_8 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %17 = seq.cast %16 : tensor<f32> to tensor<ui8>
  %18 = seq.cast %14 : tensor<3x16xui8> to tensor<3x16xi32>
  %20 = seq.cast %17 : tensor<ui8> to tensor<i32>
  %21 = seq.sub %18, %20 : (tensor<3x16xi32>, tensor<i32>) -> tensor<3x16xi32>
  %23 = seq.sub %cst, %cst_0 : (tensor<16x4xi32>, tensor<i32>) -> tensor<16x4xi32>
  %24 = seq.matmul %21, %23 : (tensor<3x16xi32>, tensor<16x4xi32>) -> tensor<3x4xi32>
  %25 = seq.cast %24 : tensor<3x4xi32> to tensor<3x4xf32>
  %26 = seq.mul %5, %cst_1 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %27 = seq.mul %25, %26 : (tensor<3x4xf32>, tensor<f32>) -> tensor<3x4xf32>
  return %27 : tensor<3x4xf32>
}

// -----

// A weight that is a graph input: the generic integer matmul stays.
// CHECK-LABEL: func.func @runtime_weight
// CHECK: seq.matmul
// CHECK-NOT: seq.quant_matmul

func.func @runtime_weight(%arg0: tensor<3x16xf32>, %arg1: tensor<16x4xi8>) -> (tensor<3x4xf32>) {
  %cst = arith.constant dense<0> : tensor<i8>
  %cst_0 = arith.constant dense<5.000000e-01> : tensor<f32>
  %0 = seq.reduce max %arg0 axes = [0, 1] : tensor<3x16xf32> -> tensor<f32>
  %cst_1 = arith.constant dense<0.000000e+00> : tensor<f32>
  %1 = seq.max %0, %cst_1 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %2 = seq.reduce min %arg0 axes = [0, 1] : tensor<3x16xf32> -> tensor<f32>
  %cst_2 = arith.constant dense<0.000000e+00> : tensor<f32>
  %3 = seq.min %2, %cst_2 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %4 = seq.sub %1, %3 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %cst_3 = arith.constant dense<2.550000e+02> : tensor<f32>
  %5 = seq.div %4, %cst_3 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %6 = seq.div %3, %5 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %7 = seq.neg %6 : (tensor<f32>) -> tensor<f32>
  %8 = seq.round %7 : (tensor<f32>) -> tensor<f32>
  %9 = seq.div %arg0, %5 : (tensor<3x16xf32>, tensor<f32>) -> tensor<3x16xf32>
  %10 = seq.round %9 : (tensor<3x16xf32>) -> tensor<3x16xf32>
  %11 = seq.add %10, %8 : (tensor<3x16xf32>, tensor<f32>) -> tensor<3x16xf32>
  %cst_4 = arith.constant dense<0.000000e+00> : tensor<f32>
  %12 = seq.max %11, %cst_4 : (tensor<3x16xf32>, tensor<f32>) -> tensor<3x16xf32>
  %cst_5 = arith.constant dense<2.550000e+02> : tensor<f32>
  %13 = seq.min %12, %cst_5 : (tensor<3x16xf32>, tensor<f32>) -> tensor<3x16xf32>
  %14 = seq.cast %13 : tensor<3x16xf32> to tensor<3x16xui8>
  %cst_6 = arith.constant dense<0.000000e+00> : tensor<f32>
  %15 = seq.max %8, %cst_6 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %cst_7 = arith.constant dense<2.550000e+02> : tensor<f32>
  %16 = seq.min %15, %cst_7 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %17 = seq.cast %16 : tensor<f32> to tensor<ui8>
  %18 = seq.cast %14 : tensor<3x16xui8> to tensor<3x16xi32>
  %19 = seq.cast %arg1 : tensor<16x4xi8> to tensor<16x4xi32>
  %20 = seq.cast %17 : tensor<ui8> to tensor<i32>
  %21 = seq.sub %18, %20 : (tensor<3x16xi32>, tensor<i32>) -> tensor<3x16xi32>
  %22 = seq.cast %cst : tensor<i8> to tensor<i32>
  %23 = seq.sub %19, %22 : (tensor<16x4xi32>, tensor<i32>) -> tensor<16x4xi32>
  %24 = seq.matmul %21, %23 : (tensor<3x16xi32>, tensor<16x4xi32>) -> tensor<3x4xi32>
  %25 = seq.cast %24 : tensor<3x4xi32> to tensor<3x4xf32>
  %26 = seq.mul %5, %cst_0 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %27 = seq.mul %25, %26 : (tensor<3x4xf32>, tensor<f32>) -> tensor<3x4xf32>
  return %27 : tensor<3x4xf32>
}

// -----

// MatMulInteger without the activation zero point: xs * xq is not x.
// CHECK-LABEL: func.func @no_activation_zero_point
// CHECK: seq.matmul
// CHECK-NOT: seq.quant_matmul

func.func @no_activation_zero_point(%arg0: tensor<3x16xf32>) -> (tensor<3x4xf32>) {
  %cst = arith.constant dense<[[-6, -5, -4, -3], [-2, -1, 0, 1], [2, 3, 4, 5], [6, -6, -5, -4], [-3, -2, -1, 0], [1, 2, 3, 4], [5, 6, -6, -5], [-4, -3, -2, -1], [0, 1, 2, 3], [4, 5, 6, -6], [-5, -4, -3, -2], [-1, 0, 1, 2], [3, 4, 5, 6], [-6, -5, -4, -3], [-2, -1, 0, 1], [2, 3, 4, 5]]> : tensor<16x4xi8>
  %cst_0 = arith.constant dense<0> : tensor<i8>
  %cst_1 = arith.constant dense<5.000000e-01> : tensor<f32>
  %0 = seq.reduce max %arg0 axes = [0, 1] : tensor<3x16xf32> -> tensor<f32>
  %cst_2 = arith.constant dense<0.000000e+00> : tensor<f32>
  %1 = seq.max %0, %cst_2 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %2 = seq.reduce min %arg0 axes = [0, 1] : tensor<3x16xf32> -> tensor<f32>
  %cst_3 = arith.constant dense<0.000000e+00> : tensor<f32>
  %3 = seq.min %2, %cst_3 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %4 = seq.sub %1, %3 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %cst_4 = arith.constant dense<2.550000e+02> : tensor<f32>
  %5 = seq.div %4, %cst_4 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %6 = seq.div %3, %5 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %7 = seq.neg %6 : (tensor<f32>) -> tensor<f32>
  %8 = seq.round %7 : (tensor<f32>) -> tensor<f32>
  %9 = seq.div %arg0, %5 : (tensor<3x16xf32>, tensor<f32>) -> tensor<3x16xf32>
  %10 = seq.round %9 : (tensor<3x16xf32>) -> tensor<3x16xf32>
  %11 = seq.add %10, %8 : (tensor<3x16xf32>, tensor<f32>) -> tensor<3x16xf32>
  %cst_5 = arith.constant dense<0.000000e+00> : tensor<f32>
  %12 = seq.max %11, %cst_5 : (tensor<3x16xf32>, tensor<f32>) -> tensor<3x16xf32>
  %cst_6 = arith.constant dense<2.550000e+02> : tensor<f32>
  %13 = seq.min %12, %cst_6 : (tensor<3x16xf32>, tensor<f32>) -> tensor<3x16xf32>
  %14 = seq.cast %13 : tensor<3x16xf32> to tensor<3x16xui8>
  %cst_7 = arith.constant dense<0.000000e+00> : tensor<f32>
  %15 = seq.max %8, %cst_7 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %cst_8 = arith.constant dense<2.550000e+02> : tensor<f32>
  %16 = seq.min %15, %cst_8 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %17 = seq.cast %16 : tensor<f32> to tensor<ui8>
  %18 = seq.cast %14 : tensor<3x16xui8> to tensor<3x16xi32>
  %19 = seq.cast %cst : tensor<16x4xi8> to tensor<16x4xi32>
  %20 = seq.cast %cst_0 : tensor<i8> to tensor<i32>
  %21 = seq.sub %19, %20 : (tensor<16x4xi32>, tensor<i32>) -> tensor<16x4xi32>
  %22 = seq.matmul %18, %21 : (tensor<3x16xi32>, tensor<16x4xi32>) -> tensor<3x4xi32>
  %23 = seq.cast %22 : tensor<3x4xi32> to tensor<3x4xf32>
  %24 = seq.mul %5, %cst_1 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %25 = seq.mul %23, %24 : (tensor<3x4xf32>, tensor<f32>) -> tensor<3x4xf32>
  return %25 : tensor<3x4xf32>
}

// -----

// QuantizeLinear with a constant scale (may saturate): not raised.
// CHECK-LABEL: func.func @static_activation_scale
// CHECK: seq.matmul
// CHECK-NOT: seq.quant_matmul

func.func @static_activation_scale(%arg0: tensor<3x16xf32>) -> (tensor<3x4xf32>) {
  %cst = arith.constant dense<[[-6, -5, -4, -3], [-2, -1, 0, 1], [2, 3, 4, 5], [6, -6, -5, -4], [-3, -2, -1, 0], [1, 2, 3, 4], [5, 6, -6, -5], [-4, -3, -2, -1], [0, 1, 2, 3], [4, 5, 6, -6], [-5, -4, -3, -2], [-1, 0, 1, 2], [3, 4, 5, 6], [-6, -5, -4, -3], [-2, -1, 0, 1], [2, 3, 4, 5]]> : tensor<16x4xi8>
  %cst_0 = arith.constant dense<0> : tensor<i8>
  %cst_1 = arith.constant dense<5.000000e-01> : tensor<f32>
  %cst_2 = arith.constant dense<5.000000e-02> : tensor<f32>
  %cst_3 = arith.constant dense<128> : tensor<ui8>
  %0 = seq.div %arg0, %cst_2 : (tensor<3x16xf32>, tensor<f32>) -> tensor<3x16xf32>
  %1 = seq.round %0 : (tensor<3x16xf32>) -> tensor<3x16xf32>
  %2 = seq.cast %cst_3 : tensor<ui8> to tensor<f32>
  %3 = seq.add %1, %2 : (tensor<3x16xf32>, tensor<f32>) -> tensor<3x16xf32>
  %cst_4 = arith.constant dense<0.000000e+00> : tensor<f32>
  %4 = seq.max %3, %cst_4 : (tensor<3x16xf32>, tensor<f32>) -> tensor<3x16xf32>
  %cst_5 = arith.constant dense<2.550000e+02> : tensor<f32>
  %5 = seq.min %4, %cst_5 : (tensor<3x16xf32>, tensor<f32>) -> tensor<3x16xf32>
  %6 = seq.cast %5 : tensor<3x16xf32> to tensor<3x16xui8>
  %7 = seq.cast %6 : tensor<3x16xui8> to tensor<3x16xi32>
  %8 = seq.cast %cst : tensor<16x4xi8> to tensor<16x4xi32>
  %9 = seq.cast %cst_3 : tensor<ui8> to tensor<i32>
  %10 = seq.sub %7, %9 : (tensor<3x16xi32>, tensor<i32>) -> tensor<3x16xi32>
  %11 = seq.cast %cst_0 : tensor<i8> to tensor<i32>
  %12 = seq.sub %8, %11 : (tensor<16x4xi32>, tensor<i32>) -> tensor<16x4xi32>
  %13 = seq.matmul %10, %12 : (tensor<3x16xi32>, tensor<16x4xi32>) -> tensor<3x4xi32>
  %14 = seq.cast %13 : tensor<3x4xi32> to tensor<3x4xf32>
  %cst_6 = arith.constant dense<2.500000e-02> : tensor<f32>
  %15 = seq.mul %14, %cst_6 : (tensor<3x4xf32>, tensor<f32>) -> tensor<3x4xf32>
  return %15 : tensor<3x4xf32>
}

// -----

// The output scale is not xs * ws: not raised.
// CHECK-LABEL: func.func @scale_without_xs
// CHECK: seq.matmul
// CHECK-NOT: seq.quant_matmul

func.func @scale_without_xs(%arg0: tensor<3x16xf32>) -> (tensor<3x4xf32>) {
  %cst = arith.constant dense<[[-6, -5, -4, -3], [-2, -1, 0, 1], [2, 3, 4, 5], [6, -6, -5, -4], [-3, -2, -1, 0], [1, 2, 3, 4], [5, 6, -6, -5], [-4, -3, -2, -1], [0, 1, 2, 3], [4, 5, 6, -6], [-5, -4, -3, -2], [-1, 0, 1, 2], [3, 4, 5, 6], [-6, -5, -4, -3], [-2, -1, 0, 1], [2, 3, 4, 5]]> : tensor<16x4xi8>
  %cst_0 = arith.constant dense<0> : tensor<i8>
  %cst_1 = arith.constant dense<5.000000e-01> : tensor<f32>
  %0 = seq.reduce max %arg0 axes = [0, 1] : tensor<3x16xf32> -> tensor<f32>
  %cst_2 = arith.constant dense<0.000000e+00> : tensor<f32>
  %1 = seq.max %0, %cst_2 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %2 = seq.reduce min %arg0 axes = [0, 1] : tensor<3x16xf32> -> tensor<f32>
  %cst_3 = arith.constant dense<0.000000e+00> : tensor<f32>
  %3 = seq.min %2, %cst_3 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %4 = seq.sub %1, %3 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %cst_4 = arith.constant dense<2.550000e+02> : tensor<f32>
  %5 = seq.div %4, %cst_4 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %6 = seq.div %3, %5 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %7 = seq.neg %6 : (tensor<f32>) -> tensor<f32>
  %8 = seq.round %7 : (tensor<f32>) -> tensor<f32>
  %9 = seq.div %arg0, %5 : (tensor<3x16xf32>, tensor<f32>) -> tensor<3x16xf32>
  %10 = seq.round %9 : (tensor<3x16xf32>) -> tensor<3x16xf32>
  %11 = seq.add %10, %8 : (tensor<3x16xf32>, tensor<f32>) -> tensor<3x16xf32>
  %cst_5 = arith.constant dense<0.000000e+00> : tensor<f32>
  %12 = seq.max %11, %cst_5 : (tensor<3x16xf32>, tensor<f32>) -> tensor<3x16xf32>
  %cst_6 = arith.constant dense<2.550000e+02> : tensor<f32>
  %13 = seq.min %12, %cst_6 : (tensor<3x16xf32>, tensor<f32>) -> tensor<3x16xf32>
  %14 = seq.cast %13 : tensor<3x16xf32> to tensor<3x16xui8>
  %cst_7 = arith.constant dense<0.000000e+00> : tensor<f32>
  %15 = seq.max %8, %cst_7 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %cst_8 = arith.constant dense<2.550000e+02> : tensor<f32>
  %16 = seq.min %15, %cst_8 : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %17 = seq.cast %16 : tensor<f32> to tensor<ui8>
  %18 = seq.cast %14 : tensor<3x16xui8> to tensor<3x16xi32>
  %19 = seq.cast %cst : tensor<16x4xi8> to tensor<16x4xi32>
  %20 = seq.cast %17 : tensor<ui8> to tensor<i32>
  %21 = seq.sub %18, %20 : (tensor<3x16xi32>, tensor<i32>) -> tensor<3x16xi32>
  %22 = seq.cast %cst_0 : tensor<i8> to tensor<i32>
  %23 = seq.sub %19, %22 : (tensor<16x4xi32>, tensor<i32>) -> tensor<16x4xi32>
  %24 = seq.matmul %21, %23 : (tensor<3x16xi32>, tensor<16x4xi32>) -> tensor<3x4xi32>
  %25 = seq.cast %24 : tensor<3x4xi32> to tensor<3x4xf32>
  %26 = seq.mul %25, %cst_1 : (tensor<3x4xf32>, tensor<f32>) -> tensor<3x4xf32>
  return %26 : tensor<3x4xf32>
}
