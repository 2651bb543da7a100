// RUN: seq-opt %s --split-input-file --verify-diagnostics
// Verifier of seq.resize.

func.func @both(%x: tensor<1x4xf32>, %s: tensor<1xf32>, %z: tensor<1xi64>) {
  // expected-error @+1 {{needs exactly one of scales and sizes}}
  %0 = seq.resize %x scales %s sizes %z axes = [1] mode = "linear" : (tensor<1x4xf32>, tensor<1xf32>, tensor<1xi64>) -> tensor<1x?xf32>
  return
}

// -----

func.func @axis_repeated(%x: tensor<1x4xf32>, %s: tensor<2xf32>) {
  // expected-error @+1 {{axis 1 is repeated}}
  %0 = seq.resize %x scales %s axes = [1, 1] mode = "linear" : (tensor<1x4xf32>, tensor<2xf32>) -> tensor<1x?xf32>
  return
}

// -----

func.func @axis_range(%x: tensor<1x4xf32>, %s: tensor<1xf32>) {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = seq.resize %x scales %s axes = [2] mode = "linear" : (tensor<1x4xf32>, tensor<1xf32>) -> tensor<1x?xf32>
  return
}

// -----

func.func @scales_len(%x: tensor<1x4xf32>, %s: tensor<2xf32>) {
  // expected-error @+1 {{scales must be a 1-D tensor of 1 elements, got 'tensor<2xf32>'}}
  %0 = seq.resize %x scales %s axes = [1] mode = "linear" : (tensor<1x4xf32>, tensor<2xf32>) -> tensor<1x?xf32>
  return
}

// -----

func.func @sizes_elt(%x: tensor<1x4xf32>, %s: tensor<1xf32>) {
  // expected-error @+1 {{sizes must have an integer element type, got 'f32'}}
  %0 = seq.resize %x sizes %s axes = [1] mode = "linear" : (tensor<1x4xf32>, tensor<1xf32>) -> tensor<1x?xf32>
  return
}

// -----

func.func @mode(%x: tensor<1x4xf32>, %s: tensor<1xf32>) {
  // expected-error @+1 {{unknown mode 'bilinear'}}
  %0 = seq.resize %x scales %s axes = [1] mode = "bilinear" : (tensor<1x4xf32>, tensor<1xf32>) -> tensor<1x?xf32>
  return
}

// -----

func.func @ctm(%x: tensor<1x4xf32>, %s: tensor<1xf32>) {
  // expected-error @+1 {{unknown coordinate_transformation_mode 'tf_half_pixel_for_nn'}}
  %0 = seq.resize %x scales %s axes = [1] mode = "nearest" {coordinate_transformation_mode = "tf_half_pixel_for_nn"} : (tensor<1x4xf32>, tensor<1xf32>) -> tensor<1x?xf32>
  return
}

// -----

func.func @nearest_mode(%x: tensor<1x4xf32>, %s: tensor<1xf32>) {
  // expected-error @+1 {{unknown nearest_mode 'round'}}
  %0 = seq.resize %x scales %s axes = [1] mode = "nearest" {nearest_mode = "round"} : (tensor<1x4xf32>, tensor<1xf32>) -> tensor<1x?xf32>
  return
}

// -----

func.func @policy_scales(%x: tensor<1x4xf32>, %s: tensor<1xf32>) {
  // expected-error @+1 {{keep_aspect_ratio_policy 'not_larger' needs sizes}}
  %0 = seq.resize %x scales %s axes = [1] mode = "nearest" {keep_aspect_ratio_policy = "not_larger"} : (tensor<1x4xf32>, tensor<1xf32>) -> tensor<1x?xf32>
  return
}

// -----

func.func @crop_no_roi(%x: tensor<1x4xf32>, %s: tensor<1xf32>) {
  // expected-error @+1 {{coordinate_transformation_mode 'tf_crop_and_resize' needs roi}}
  %0 = seq.resize %x scales %s axes = [1] mode = "linear" {coordinate_transformation_mode = "tf_crop_and_resize"} : (tensor<1x4xf32>, tensor<1xf32>) -> tensor<1x?xf32>
  return
}

// -----

func.func @roi_len(%x: tensor<1x4xf32>, %r: tensor<4xf32>, %s: tensor<1xf32>) {
  // expected-error @+1 {{roi must be a 1-D tensor of 2 elements, got 'tensor<4xf32>'}}
  %0 = seq.resize %x roi %r scales %s axes = [1] mode = "linear" {coordinate_transformation_mode = "tf_crop_and_resize"} : (tensor<1x4xf32>, tensor<4xf32>, tensor<1xf32>) -> tensor<1x?xf32>
  return
}

// -----

func.func @antialias_nearest(%x: tensor<1x4xf32>, %s: tensor<1xf32>) {
  // expected-error @+1 {{antialias needs mode 'linear' or 'cubic'}}
  %0 = seq.resize %x scales %s axes = [1] mode = "nearest" {antialias} : (tensor<1x4xf32>, tensor<1xf32>) -> tensor<1x?xf32>
  return
}

// -----

func.func @kept_dim(%x: tensor<2x4xf32>, %s: tensor<1xf32>) {
  // expected-error @+1 {{result dim 0 is 3 but dim 0 is not resized (input dim 2)}}
  %0 = seq.resize %x scales %s axes = [1] mode = "linear" : (tensor<2x4xf32>, tensor<1xf32>) -> tensor<3x?xf32>
  return
}

// -----

func.func @elt(%x: tensor<2x4xf32>, %s: tensor<1xf32>) {
  // expected-error @+1 {{result type 'tensor<2x?xf16>' must have the input's element type and rank ('tensor<2x4xf32>')}}
  %0 = seq.resize %x scales %s axes = [1] mode = "linear" : (tensor<2x4xf32>, tensor<1xf32>) -> tensor<2x?xf16>
  return
}
