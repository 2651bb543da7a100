//===- ResizeOp.cpp - seq.resize verification
//------------------------------===//

#include "seq/IR/SeqOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::seq;

/// `v` (when present) is a 1-D tensor of `n` elements whose element type
/// satisfies `eltOk`.
static LogicalResult verifyVector(ResizeOp op, Value v, StringRef name,
                                  int64_t n, bool wantFloat) {
  if (!v)
    return success();
  auto t = cast<RankedTensorType>(v.getType());
  Type elt = t.getElementType();
  bool eltOk = wantFloat ? isa<FloatType>(elt) : isa<IntegerType>(elt);
  if (!eltOk)
    return op.emitOpError()
           << name << " must have " << (wantFloat ? "a float" : "an integer")
           << " element type, got " << elt;
  if (t.getRank() != 1 || t.getDimSize(0) != n)
    return op.emitOpError() << name << " must be a 1-D tensor of " << n
                            << " elements, got " << t;
  return success();
}

LogicalResult ResizeOp::verify() {
  auto in = cast<RankedTensorType>(getInput().getType());
  auto out = cast<RankedTensorType>(getResult().getType());
  int64_t rank = in.getRank();
  ArrayRef<int64_t> axes = getAxes();
  int64_t n = axes.size();
  SmallVector<bool> resized(rank, false);
  for (int64_t a : axes) {
    if (a < 0 || a >= rank)
      return emitOpError() << "axis " << a << " is out of range for rank "
                           << rank;
    if (resized[a])
      return emitOpError() << "axis " << a << " is repeated";
    resized[a] = true;
  }
  if (!getScales() == !getSizes())
    return emitOpError("needs exactly one of scales and sizes");
  if (failed(verifyVector(*this, getScales(), "scales", n, true)) ||
      failed(verifyVector(*this, getSizes(), "sizes", n, false)) ||
      failed(verifyVector(*this, getRoi(), "roi", 2 * n, true)))
    return failure();

  StringRef mode = getMode(), ctm = getCoordinateTransformationMode(),
            nearest = getNearestMode(), policy = getKeepAspectRatioPolicy();
  if (!llvm::is_contained({"nearest", "linear", "cubic"}, mode))
    return emitOpError() << "unknown mode '" << mode << "'";
  if (!llvm::is_contained({"half_pixel", "half_pixel_symmetric",
                           "pytorch_half_pixel", "align_corners", "asymmetric",
                           "tf_crop_and_resize"},
                          ctm))
    return emitOpError() << "unknown coordinate_transformation_mode '" << ctm
                         << "'";
  if (!llvm::is_contained({"round_prefer_floor", "round_prefer_ceil", "floor",
                           "ceil", "simple"},
                          nearest))
    return emitOpError() << "unknown nearest_mode '" << nearest << "'";
  if (!llvm::is_contained({"stretch", "not_larger", "not_smaller"}, policy))
    return emitOpError() << "unknown keep_aspect_ratio_policy '" << policy
                         << "'";
  if (policy != "stretch" && !getSizes())
    return emitOpError() << "keep_aspect_ratio_policy '" << policy
                         << "' needs sizes";
  if (ctm == "tf_crop_and_resize" && !getRoi())
    return emitOpError("coordinate_transformation_mode 'tf_crop_and_resize' "
                       "needs roi");
  if (getAntialias() && mode == "nearest")
    return emitOpError("antialias needs mode 'linear' or 'cubic'");

  if (!in.getElementType().isIntOrFloat())
    return emitOpError() << "unsupported element type " << in.getElementType();
  if (out.getElementType() != in.getElementType() || out.getRank() != rank)
    return emitOpError() << "result type " << out
                         << " must have the input's element type and rank ("
                         << in << ")";
  for (int64_t d = 0; d < rank; ++d) {
    int64_t o = out.getDimSize(d), i = in.getDimSize(d);
    if (resized[d] || ShapedType::isDynamic(o) || ShapedType::isDynamic(i) ||
        o == i)
      continue;
    return emitOpError() << "result dim " << d << " is " << o << " but dim "
                         << d << " is not resized (input dim " << i << ")";
  }
  return success();
}
