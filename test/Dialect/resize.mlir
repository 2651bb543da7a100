// RUN: seq-opt %s | seq-opt | FileCheck %s
// seq.resize: ONNX Resize with run-time scales/sizes/roi.

// CHECK-LABEL: func @scales
// CHECK: seq.resize %{{.*}} scales %{{.*}} axes = [2, 3] mode = "linear" {coordinate_transformation_mode = "align_corners"} : (tensor<1x1x4x4xf32>, tensor<2xf32>) -> tensor<1x1x?x?xf32>
func.func @scales(%x: tensor<1x1x4x4xf32>, %s: tensor<2xf32>) -> tensor<1x1x?x?xf32> {
  %0 = seq.resize %x scales %s axes = [2, 3] mode = "linear" {coordinate_transformation_mode = "align_corners"} : (tensor<1x1x4x4xf32>, tensor<2xf32>) -> tensor<1x1x?x?xf32>
  return %0 : tensor<1x1x?x?xf32>
}

// CHECK-LABEL: func @sizes_crop
// CHECK: seq.resize %{{.*}} roi %{{.*}} sizes %{{.*}} axes = [3, 2] mode = "cubic" {antialias, coordinate_transformation_mode = "tf_crop_and_resize", cubic_coeff_a = -5.000000e-01 : f64, exclude_outside, extrapolation_value = 1.000000e+01 : f64} : (tensor<2x3x4x5xui8>, tensor<4xf16>, tensor<2xi64>) -> tensor<2x3x?x7xui8>
func.func @sizes_crop(%x: tensor<2x3x4x5xui8>, %r: tensor<4xf16>, %s: tensor<2xi64>) -> tensor<2x3x?x7xui8> {
  %0 = seq.resize %x roi %r sizes %s axes = [3, 2] mode = "cubic" {antialias, coordinate_transformation_mode = "tf_crop_and_resize", cubic_coeff_a = -0.5 : f64, exclude_outside, extrapolation_value = 10.0 : f64} : (tensor<2x3x4x5xui8>, tensor<4xf16>, tensor<2xi64>) -> tensor<2x3x?x7xui8>
  return %0 : tensor<2x3x?x7xui8>
}

// CHECK-LABEL: func @policy
// CHECK: seq.resize %{{.*}} sizes %{{.*}} axes = [1] mode = "nearest" {keep_aspect_ratio_policy = "not_smaller", nearest_mode = "simple"} : (tensor<?x4xf32>, tensor<1xi64>) -> tensor<?x?xf32>
func.func @policy(%x: tensor<?x4xf32>, %s: tensor<1xi64>) -> tensor<?x?xf32> {
  %0 = seq.resize %x sizes %s axes = [1] mode = "nearest" {keep_aspect_ratio_policy = "not_smaller", nearest_mode = "simple"} : (tensor<?x4xf32>, tensor<1xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}
