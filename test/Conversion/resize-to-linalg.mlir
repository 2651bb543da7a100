// RUN: seq-opt %s --split-input-file --seq-to-linalg | FileCheck %s

// Run-time sizes: the resized dim is read from `sizes` (checked), and one
// generic over the output maps each index to its source coordinate and
// reads the nearest tap with tensor.extract (edge-clamped).
// CHECK-LABEL: func @nearest_sizes
// CHECK-SAME: (%[[X:.*]]: tensor<1x3xf32>, %[[S:.*]]: tensor<1xi64>)
// CHECK: %[[SZ:.*]] = tensor.extract %[[S]][%{{.*}}] : tensor<1xi64>
// CHECK: %[[SZF:.*]] = arith.sitofp %[[SZ]] : i64 to f64
// CHECK: cf.assert %{{.*}}, "seq.resize: the output size of axis 1 must be in [0, 2^24)" {seq.data_check}
// CHECK: %[[OUT:.*]] = arith.fptosi %[[SZF]] : f64 to i64
// CHECK: %[[N:.*]] = arith.index_cast %[[OUT]] : i64 to index
// CHECK: %[[E:.*]] = tensor.empty(%[[N]]) : tensor<1x?xf32>
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]} outs(%[[E]] : tensor<1x?xf32>)
// CHECK: linalg.index 1
// CHECK: math.floor
// CHECK: arith.minsi
// CHECK: arith.maxsi
// CHECK: %[[V:.*]] = tensor.extract %[[X]][%{{.*}}, %{{.*}}] : tensor<1x3xf32>
// CHECK: linalg.yield %[[V]] : f32
// CHECK-NOT: seq.resize
func.func @nearest_sizes(%x: tensor<1x3xf32>, %s: tensor<1xi64>) -> tensor<1x?xf32> {
  %0 = seq.resize %x sizes %s axes = [1] mode = "nearest" {coordinate_transformation_mode = "asymmetric", nearest_mode = "floor"} : (tensor<1x3xf32>, tensor<1xi64>) -> tensor<1x?xf32>
  return %0 : tensor<1x?xf32>
}

// -----

// Linear on a dynamic unsigned input with exclude_outside: two taps,
// blended in f64, rounded half to even and saturated back to ui8.
// CHECK-LABEL: func @linear_u8
// CHECK: %[[SC:.*]] = tensor.extract %{{.*}} : tensor<1xf32>
// CHECK: %[[SCF:.*]] = arith.extf %[[SC]] : f32 to f64
// CHECK: %[[POS:.*]] = arith.cmpf ogt, %[[SCF]]
// CHECK: cf.assert %[[POS]], "seq.resize: scales must be positive (axis 1)" {seq.data_check}
// CHECK: cf.assert %{{.*}}, "seq.resize: cannot resize the empty axis 1 to a non-empty size"
// CHECK: %[[E:.*]] = tensor.empty(%{{.*}}) : tensor<2x?xi8>
// CHECK: linalg.generic {{.*}} outs(%[[E]] : tensor<2x?xi8>)
// CHECK-COUNT-2: tensor.extract %{{.*}} : tensor<2x?xi8>
// CHECK: math.roundeven %{{.*}} : f64
// CHECK: arith.trunci %{{.*}} : i64 to i8
// CHECK: builtin.unrealized_conversion_cast %{{.*}} : tensor<2x?xi8> to tensor<2x?xui8>
func.func @linear_u8(%x: tensor<2x?xui8>, %s: tensor<1xf32>) -> tensor<2x?xui8> {
  %0 = seq.resize %x scales %s axes = [1] mode = "linear" {exclude_outside} : (tensor<2x?xui8>, tensor<1xf32>) -> tensor<2x?xui8>
  return %0 : tensor<2x?xui8>
}

// -----

// Antialias cubic with tf_crop_and_resize over axes [1, 0]: one generic per
// axis in that order, a static result dim checked at run time, the scale-
// dependent tap count looped with scf.for (weight sum, then blend), and
// extrapolation_value outside the roi.
// CHECK-LABEL: func @antialias_crop
// CHECK: cf.assert %{{.*}}, "seq.resize: the output size of axis 1 must be 3 (the result type)" {seq.data_check}
// CHECK: %[[E1:.*]] = tensor.empty() : tensor<4x3xf32>
// CHECK: %[[G1:.*]] = linalg.generic {{.*}} outs(%[[E1]] : tensor<4x3xf32>)
// CHECK: scf.for {{.*}} -> (f32, i1)
// CHECK: scf.for {{.*}} -> (f64)
// CHECK: tensor.extract %{{.*}} : tensor<4x4xf32>
// CHECK: arith.select %{{.*}}, %{{.*}}, %{{.*}} : f64
// CHECK: %[[E0:.*]] = tensor.empty(%{{.*}}) : tensor<?x3xf32>
// CHECK: linalg.generic {{.*}} outs(%[[E0]] : tensor<?x3xf32>)
// CHECK: tensor.extract %[[G1]][%{{.*}}, %{{.*}}] : tensor<4x3xf32>
func.func @antialias_crop(%x: tensor<4x4xf32>, %r: tensor<4xf32>, %s: tensor<2xi64>) -> tensor<?x3xf32> {
  %0 = seq.resize %x roi %r sizes %s axes = [1, 0] mode = "cubic" {antialias, coordinate_transformation_mode = "tf_crop_and_resize", extrapolation_value = 2.5 : f64} : (tensor<4x4xf32>, tensor<4xf32>, tensor<2xi64>) -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}
