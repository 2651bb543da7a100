//===- SeqResizeOps.td - resize with run-time scales/sizes -*- tablegen -*-===//
//
// ONNX Resize whose `scales`, `sizes` or `roi` are only known at run time,
// so its output dims along the resized axes are computed when it runs. (With
// constant ones the importer emits constant per-axis gather/weight tables
// instead.) Included from SeqOps.td.
//
//===----------------------------------------------------------------------===//

#ifndef SEQ_RESIZE_OPS_TD
#define SEQ_RESIZE_OPS_TD

def Seq_ResizeOp : Seq_Op<"resize", [Pure, AttrSizedOperandSegments]> {
  let summary = "ONNX Resize with run-time scales or sizes (and roi)";
  let description = [{
    Resamples `input` along `axes` (distinct, in [0, rank); resampled one
    after the other in this order) with ONNX Resize semantics
    (onnx/reference/ops/op_resize.py). Exactly one of `scales` (1-D float,
    one per axis) and `sizes` (1-D integer, one per axis) is given; `roi`
    (1-D float, starts then ends, 2 per axis) is read by
    `tf_crop_and_resize` only. Per axis, with `in` the input size:

      scales: scale = scales[i], out = floor(scale * in)
      sizes:  scale = sizes[i] / in, out = sizes[i]; `not_larger` /
              `not_smaller` use the min / max scale of all axes and
              out = floor(scale * in + 0.5)

    Each output position maps to a source coordinate
    (`coordinate_transformation_mode`: half_pixel, half_pixel_symmetric,
    pytorch_half_pixel, align_corners, asymmetric, tf_crop_and_resize) whose
    neighbours (edge-clamped) are blended: `nearest` (`nearest_mode`:
    round_prefer_floor, round_prefer_ceil, floor, ceil, or `simple` = floor
    when upsampling and ceil when downsampling, onnxruntime's Upsample),
    `linear` or `cubic` (`cubic_coeff_a`), optionally with
    `exclude_outside` (weights of taps outside the input are dropped and
    the rest renormalized) and `antialias` (linear/cubic: the kernel is
    stretched by 1/scale when downsampling). `tf_crop_and_resize` positions
    outside the input yield `extrapolation_value`. Integers are resampled in
    f64 and rounded half to even, saturating.

    The result has the input's element type and dims off `axes`; a resized
    dim is `?` (computed at run time) or a static size, checked at run time.

    ```mlir
    %y = seq.resize %x scales %s axes = [2, 3] mode = "linear"
        {coordinate_transformation_mode = "align_corners"}
        : (tensor<1x1x4x4xf32>, tensor<2xf32>) -> tensor<1x1x?x?xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input,
                       Optional<AnyRankedTensor>:$roi,
                       Optional<AnyRankedTensor>:$scales,
                       Optional<AnyRankedTensor>:$sizes,
                       DenseI64ArrayAttr:$axes,
                       StrAttr:$mode,
                       DefaultValuedStrAttr<StrAttr, "half_pixel">:
                           $coordinate_transformation_mode,
                       DefaultValuedStrAttr<StrAttr, "round_prefer_floor">:
                           $nearest_mode,
                       DefaultValuedAttr<F64Attr, "-0.75">:$cubic_coeff_a,
                       UnitAttr:$exclude_outside,
                       UnitAttr:$antialias,
                       DefaultValuedAttr<F64Attr, "0.0">:$extrapolation_value,
                       DefaultValuedStrAttr<StrAttr, "stretch">:
                           $keep_aspect_ratio_policy);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input (`roi` $roi^)? (`scales` $scales^)? (`sizes` $sizes^)?
    `axes` `=` $axes `mode` `=` $mode attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

#endif // SEQ_RESIZE_OPS_TD
