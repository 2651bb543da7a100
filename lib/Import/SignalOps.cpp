//===- SignalOps.cpp - ConvTranspose and friends
//----------------------------===//
//
// ONNX ConvTranspose, DFT, STFT.
//
// ConvTranspose is the adjoint of a strided convolution: the input is
// dilated by the stride (zeros inserted with tensor.insert_slice), then
// convolved (seq.conv, stride 1) with the kernel flipped in every spatial dim
// and its channel dims swapped per group, padded by (k - 1) * dilation minus
// the ONNX pads (negative differences crop the result).
//
// DFT with a static length is one seq.matmul against a compile-time matrix:
// the transformed axis and the complex pair (the trailing dim, 1 = real,
// 2 = complex) are flattened into the contraction, so forward/inverse,
// one-sided (RFFT), IRFFT and dft_length truncation/zero-padding all become
// entries of that matrix. STFT gathers the frames, applies the window and
// reuses the DFT matrix.
//
//===----------------------------------------------------------------------===//

#include "ImportBuilders.h"
#include "ImporterInternal.h"

#include "seq/IR/SeqDialect.h"
#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;

namespace seqc::import {
namespace {

//===----------------------------------------------------------------------===//
// ConvTranspose
//===----------------------------------------------------------------------===//

/// An i64 constant [k-1, ..., 0].
Value reversedIndices(NodeContext &nc, int64_t k) {
  SmallVector<int64_t> vals(k);
  for (int64_t i = 0; i < k; ++i)
    vals[i] = k - 1 - i;
  return i64Tensor(nc, {k}, vals);
}

LogicalResult convertConvTranspose(NodeContext &nc) {
  auto xt = nc.inputType(0), wt = nc.inputType(1);
  if (!isa<FloatType>(xt.getElementType()))
    return nc.error() << "expects a floating-point input, got "
                      << xt.getElementType();
  int64_t rank = xt.getRank(), sdims = rank - 2;
  if (rank < 3 || !xt.hasStaticShape())
    return nc.error() << "expects a static input of rank >= 3, got "
                      << shapeStr(xt.getShape());
  if (failed(checkConvWeight(nc)))
    return failure();
  SmallVector<int64_t> strides = attrIntsOr(nc, "strides", sdims, 1),
                       dilations = attrIntsOr(nc, "dilations", sdims, 1),
                       outPad = attrIntsOr(nc, "output_padding", sdims, 0),
                       kernel = attrIntsOr(nc, "kernel_shape", sdims, 0),
                       outShape = nc.attrInts("output_shape")
                                      .value_or(SmallVector<int64_t>());
  SmallVector<int64_t> pads;
  if (auto p = nc.attrInts("pads"))
    pads = *p;
  // output_shape may include the N and C dims.
  if ((int64_t)outShape.size() == sdims + 2)
    outShape.erase(outShape.begin(), outShape.begin() + 2);
  if ((int64_t)strides.size() != sdims || (int64_t)dilations.size() != sdims ||
      (int64_t)outPad.size() != sdims || (int64_t)kernel.size() != sdims ||
      (!pads.empty() && (int64_t)pads.size() != 2 * sdims) ||
      (!outShape.empty() && (int64_t)outShape.size() != sdims))
    return nc.error() << "strides, dilations, output_padding, kernel_shape "
                         "and output_shape need "
                      << sdims << " entries and pads " << 2 * sdims;
  for (int64_t i = 0; i < sdims; ++i) {
    if (kernel[i] != 0 && kernel[i] != wt.getDimSize(2 + i))
      return nc.error() << "kernel_shape does not match weight "
                        << shapeStr(wt.getShape());
    if (strides[i] < 1 || dilations[i] < 1 || outPad[i] < 0)
      return nc.error() << "strides and dilations must be >= 1 and "
                           "output_padding >= 0";
  }
  int64_t group = nc.attrInt("group", 1);
  int64_t n = xt.getDimSize(0), c = xt.getDimSize(1);
  if (group < 1 || c % group || wt.getDimSize(0) != c)
    return nc.error() << "group = " << group << " does not fit input "
                      << shapeStr(xt.getShape()) << " and weight "
                      << shapeStr(wt.getShape());
  int64_t mPerGroup = wt.getDimSize(1), m = mPerGroup * group;

  // Resolve the pads: from output_shape or auto_pad SAME_*, else explicit.
  std::string autoPad = nc.attrString("auto_pad", "NOTSET");
  if (autoPad != "NOTSET" && autoPad != "VALID" && autoPad != "SAME_UPPER" &&
      autoPad != "SAME_LOWER")
    return nc.error() << "unknown auto_pad '" << autoPad << "'";
  auto fullSize = [&](int64_t i) {
    return strides[i] * (xt.getDimSize(2 + i) - 1) + outPad[i] +
           (wt.getDimSize(2 + i) - 1) * dilations[i] + 1;
  };
  bool same = autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER";
  if (!outShape.empty() || (same && pads.empty())) {
    pads.assign(2 * sdims, 0);
    for (int64_t i = 0; i < sdims; ++i) {
      int64_t want =
          outShape.empty() ? xt.getDimSize(2 + i) * strides[i] : outShape[i];
      int64_t total = fullSize(i) - want;
      // Floor division, as the reference: a negative total (output_shape
      // past the natural size) extends the end.
      int64_t half = total >= 0 ? total / 2 : -((1 - total) / 2);
      bool upper = autoPad == "SAME_UPPER";
      pads[i] = upper ? half : total - half;
      pads[sdims + i] = upper ? total - half : half;
    }
  } else if (autoPad == "VALID" || pads.empty()) {
    pads.assign(2 * sdims, 0);
  }

  SmallVector<int64_t> shape{n, m}, convPads(2 * sdims), crop(sdims),
      upShape{n, c};
  bool needCrop = false, needUp = false;
  for (int64_t i = 0; i < sdims; ++i) {
    int64_t out = fullSize(i) - pads[i] - pads[sdims + i];
    if (out < 1)
      return nc.error() << "output spatial dim " << i << " would be " << out
                        << " (pads too large)";
    shape.push_back(out);
    int64_t reach = (wt.getDimSize(2 + i) - 1) * dilations[i];
    int64_t lo = reach - pads[i], hi = reach - pads[sdims + i] + outPad[i];
    convPads[i] = std::max<int64_t>(lo, 0);
    convPads[sdims + i] = std::max<int64_t>(hi, 0);
    crop[i] = convPads[i] - lo;
    needCrop |= lo < 0 || hi < 0;
    upShape.push_back((xt.getDimSize(2 + i) - 1) * strides[i] + 1);
    needUp |= strides[i] > 1;
  }
  if (failed(checkBias(nc, 2, m, xt.getElementType())))
    return failure();
  Value bias = nc.input(2);

  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  // Weight [C, M/g, k...] -> [M, C/g, k...], flipped spatially.
  SmallVector<int64_t> kdims(wt.getShape().drop_front(2));
  SmallVector<int64_t> gShape{group, c / group, mPerGroup};
  llvm::append_range(gShape, kdims);
  SmallVector<int64_t> perm{0, 2, 1};
  for (int64_t i = 0; i < sdims; ++i)
    perm.push_back(3 + i);
  Value w = nc.transpose(nc.reshape(nc.input(1), gShape), perm);
  SmallVector<int64_t> wShape{m, c / group};
  llvm::append_range(wShape, kdims);
  w = nc.reshape(w, wShape);
  for (int64_t i = 0; i < sdims; ++i)
    if (kdims[i] > 1)
      w = seq::GatherOp::create(b, loc, xt.clone(wShape), w,
                                reversedIndices(nc, kdims[i]), 2 + i);

  // Dilate the input by the strides.
  Value x = nc.input(0);
  if (needUp) {
    SmallVector<OpFoldResult> offs, szs, strs;
    for (int64_t d = 0; d < rank; ++d) {
      offs.push_back(b.getIndexAttr(0));
      szs.push_back(b.getIndexAttr(xt.getDimSize(d)));
      strs.push_back(b.getIndexAttr(d < 2 ? 1 : strides[d - 2]));
    }
    x = tensor::InsertSliceOp::create(
        b, loc, x, zeros(nc, xt.getElementType(), upShape), offs, szs, strs);
  }

  SmallVector<int64_t> convShape{n, m};
  for (int64_t i = 0; i < sdims; ++i)
    convShape.push_back(upShape[2 + i] + convPads[i] + convPads[sdims + i] -
                        (kdims[i] - 1) * dilations[i]);
  SmallVector<int64_t> ones(sdims, 1);
  Value y = seq::ConvOp::create(
      b, loc, xt.clone(convShape), x, w, bias, b.getDenseI64ArrayAttr(ones),
      b.getDenseI64ArrayAttr(dilations), b.getDenseI64ArrayAttr(convPads),
      b.getI64IntegerAttr(group));
  if (needCrop) {
    SmallVector<OpFoldResult> offs, szs, strs;
    for (int64_t d = 0; d < rank; ++d) {
      offs.push_back(b.getIndexAttr(d < 2 ? 0 : crop[d - 2]));
      szs.push_back(b.getIndexAttr(shape[d]));
      strs.push_back(b.getIndexAttr(1));
    }
    y = tensor::ExtractSliceOp::create(b, loc, xt.clone(shape), y, offs, szs,
                                       strs);
  }
  nc.setOutput(0, y);
  return success();
}

//===----------------------------------------------------------------------===//
// DFT / STFT
//===----------------------------------------------------------------------===//

/// Element limit of the dense DFT matrix (64 MiB of f32; an FFT would be
/// needed beyond).
constexpr int64_t kMaxDftMatrix = int64_t(1) << 24;

/// The real matrix [n * cin, len * cout] that maps a signal of n samples
/// (cin = 1 real, 2 complex interleaved) to `len` output samples (cout
/// components) of a length-`dftLen` transform. `irfft` reads a one-sided
/// spectrum and produces a real signal (cout = 1).
Value dftMatrix(NodeContext &nc, Type elt, int64_t n, int64_t cin,
                int64_t dftLen, int64_t len, int64_t cout, bool inverse,
                bool irfft) {
  std::vector<double> mat(n * cin * len * cout, 0.0);
  auto at = [&](int64_t t, int64_t ci, int64_t k, int64_t co) -> double & {
    return mat[((t * cin + ci) * len + k) * cout + co];
  };
  const double twoPi = 2.0 * M_PI, scale = inverse ? 1.0 / dftLen : 1.0;
  auto angle = [&](int64_t k, int64_t t) {
    return twoPi * static_cast<double>((k * t) % dftLen) / dftLen;
  };
  if (irfft) {
    // x[t] = 1/N sum_k w_k (Re X_k cos - Im X_k sin); bins 1..N/2-1 stand
    // for their conjugate mirror too (w = 2). numpy ignores bins past N/2.
    int64_t bins = std::min(n, dftLen / 2 + 1);
    for (int64_t k = 0; k < bins; ++k) {
      double wk = (k == 0 || 2 * k == dftLen) ? 1.0 : 2.0;
      for (int64_t t = 0; t < len; ++t) {
        double th = angle(k, t);
        at(k, 0, t, 0) = wk * scale * std::cos(th);
        if (cin == 2)
          at(k, 1, t, 0) = -wk * scale * std::sin(th);
      }
    }
  } else {
    // (a + ib)(cos + i s sin), s = -1 forward, +1 inverse.
    double s = inverse ? 1.0 : -1.0;
    for (int64_t t = 0; t < std::min(n, dftLen); ++t)
      for (int64_t k = 0; k < len; ++k) {
        double th = angle(k, t), co = scale * std::cos(th),
               si = scale * s * std::sin(th);
        at(t, 0, k, 0) = co;
        at(t, 0, k, 1) = si;
        if (cin == 2) {
          at(t, 1, k, 0) = -si;
          at(t, 1, k, 1) = co;
        }
      }
  }
  // Exact zeros where cos/sin vanish (cos(pi/2) is 6e-17 in double).
  for (double &v : mat)
    if (std::abs(v) < 1e-15)
      v = 0.0;
  OpBuilder &b = nc.b();
  auto shape = SmallVector<int64_t>{n * cin, len * cout};
  if (elt.isF64())
    return arith::ConstantOp::create(
        b, nc.loc(),
        DenseElementsAttr::get(RankedTensorType::get(shape, elt),
                               ArrayRef(mat)));
  std::vector<float> f(mat.begin(), mat.end());
  return castTo(nc, f32Tensor(nc, shape, f), elt);
}

/// seq.transpose unless `perm` is the identity.
Value permute(NodeContext &nc, Value v, ArrayRef<int64_t> perm) {
  for (auto [i, p] : llvm::enumerate(perm))
    if (p != (int64_t)i)
      return nc.transpose(v, perm);
  return v;
}

/// Applies `mat` ([n * cin, len * cout]) along `axis` of `x` (trailing dim
/// cin): moves the axis next to the complex dim, flattens both into a
/// matmul and restores the layout.
Value applyAlongAxis(NodeContext &nc, Value x, int64_t axis, Value mat,
                     int64_t len, int64_t cout) {
  auto t = cast<RankedTensorType>(x.getType());
  int64_t rank = t.getRank();
  SmallVector<int64_t> perm;
  for (int64_t d = 0; d < rank - 1; ++d)
    if (d != axis)
      perm.push_back(d);
  perm.append({axis, rank - 1});
  Value v = permute(nc, x, perm);
  auto vt = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> outer(vt.getShape().drop_back(2));
  int64_t rows = 1;
  for (int64_t d : outer)
    rows *= d;
  v = nc.reshape(v, {rows, t.getDimSize(axis) * t.getDimSize(rank - 1)});
  v = seq::MatMulOp::create(nc.b(), nc.loc(), v, mat);
  SmallVector<int64_t> shape(outer);
  shape.append({len, cout});
  v = nc.reshape(v, shape);
  SmallVector<int64_t> inv(rank);
  for (int64_t d = 0; d < rank; ++d)
    inv[perm[d]] = d;
  return permute(nc, v, inv);
}

/// Reads the optional scalar integer input `i` (an error when present but
/// not constant).
LogicalResult optionalScalar(NodeContext &nc, unsigned i, StringRef what,
                             std::optional<int64_t> &out) {
  out.reset();
  if (!nc.hasInput(i))
    return success();
  SmallVector<int64_t> v;
  if (failed(nc.constInts(i, v, what)))
    return failure();
  if (v.size() != 1)
    return nc.error() << what << " must be a scalar, got " << v.size()
                      << " values";
  out = v[0];
  return success();
}

/// Checks the trailing complex dim (1 or 2) of a static float input 0.
LogicalResult checkSignal(NodeContext &nc, int64_t minRank) {
  auto t = nc.inputType(0);
  if (!isa<FloatType>(t.getElementType()))
    return nc.error() << "expects a floating-point input, got "
                      << t.getElementType();
  if (!t.hasStaticShape() || t.getRank() < minRank)
    return nc.error() << "expects a static input of rank >= " << minRank
                      << ", got " << shapeStr(t.getShape());
  int64_t c = t.getDimSize(t.getRank() - 1);
  if (c != 1 && c != 2)
    return nc.error() << "the last dim must be 1 (real) or 2 (complex), got "
                      << c;
  return success();
}

LogicalResult convertDFT(NodeContext &nc) {
  if (failed(checkSignal(nc, 2)))
    return failure();
  auto t = nc.inputType(0);
  int64_t rank = t.getRank(), cin = t.getDimSize(rank - 1);
  int64_t axis = nc.attrInt("axis", 1);
  // A run-time axis: one case per signal axis (the shapes may differ with
  // onesided or dft_length; equal shapes give a static result).
  if (nc.opset() >= 20 && isRuntimeInput(nc, 2))
    return switchOnScalar(nc, convertDFT, 2, 0, rank - 2, rank, "axis");
  if (nc.opset() >= 20) {
    std::optional<int64_t> a;
    if (failed(optionalScalar(nc, 2, "axis", a)))
      return failure();
    axis = a.value_or(-2);
  }
  if (failed(nc.normalizeAxis(axis, rank, "axis")))
    return failure();
  if (axis == rank - 1)
    return nc.error() << "axis " << axis
                      << " is the complex dim; the DFT axis must be a signal "
                         "dim";
  bool inverse = nc.attrInt("inverse", 0) != 0;
  bool onesided = nc.attrInt("onesided", 0) != 0;
  bool irfft = inverse && onesided;
  int64_t n = t.getDimSize(axis);
  std::optional<int64_t> len;
  if (failed(optionalScalar(nc, 1, "dft_length", len)))
    return failure();
  int64_t dftLen = len.value_or(irfft ? 2 * (n - 1) : n);
  if (dftLen < 1)
    return nc.error() << "dft_length must be >= 1, got " << dftLen;
  int64_t outLen = onesided && !inverse ? dftLen / 2 + 1 : dftLen;
  int64_t cout = irfft ? 1 : 2;
  if (n * cin * outLen * cout > kMaxDftMatrix)
    return nc.error() << "a length-" << dftLen << " DFT over an axis of " << n
                      << " is too large for the dense DFT matrix";
  Value mat = dftMatrix(nc, t.getElementType(), n, cin, dftLen, outLen, cout,
                        inverse, irfft);
  nc.setOutput(0, applyAlongAxis(nc, nc.input(0), axis, mat, outLen, cout));
  return success();
}

LogicalResult convertSTFT(NodeContext &nc) {
  if (failed(checkSignal(nc, 3)))
    return failure();
  auto t = nc.inputType(0);
  if (t.getRank() != 3)
    return nc.error() << "signal must be [batch, length, 1 or 2], got "
                      << shapeStr(t.getShape());
  int64_t batch = t.getDimSize(0), sigLen = t.getDimSize(1),
          cin = t.getDimSize(2);
  std::optional<int64_t> step, frameLen;
  if (failed(optionalScalar(nc, 1, "frame_step", step)) ||
      failed(optionalScalar(nc, 3, "frame_length", frameLen)))
    return failure();
  if (!step || *step < 1)
    return nc.error() << "frame_step must be a constant >= 1";
  Value window = nc.input(2);
  if (window) {
    auto wt = nc.inputType(2);
    if (wt.getRank() != 1 || !wt.hasStaticShape() ||
        wt.getElementType() != t.getElementType() ||
        (frameLen && wt.getDimSize(0) != *frameLen))
      return nc.error() << "window of type " << typeStr(wt) << " must be a 1-D "
                        << t.getElementType()
                        << " tensor of frame_length elements";
    if (!frameLen)
      frameLen = wt.getDimSize(0);
  }
  int64_t fl = frameLen.value_or(sigLen);
  if (fl < 1 || fl > sigLen)
    return nc.error() << "frame_length " << fl
                      << " must be in [1, signal length " << sigLen << "]";
  int64_t frames = (sigLen - fl) / *step + 1;
  bool onesided = nc.attrInt("onesided", 1) != 0;
  int64_t bins = onesided ? fl / 2 + 1 : fl;

  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  // Frames: gather [frames, fl] sample indices along the length axis.
  SmallVector<int64_t> idx;
  for (int64_t f = 0; f < frames; ++f)
    for (int64_t i = 0; i < fl; ++i)
      idx.push_back(f * *step + i);
  Value idxConst = arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(
          RankedTensorType::get({frames, fl}, b.getI64Type()), ArrayRef(idx)));
  Value x = seq::GatherOp::create(b, loc, t.clone({batch, frames, fl, cin}),
                                  nc.input(0), idxConst, 1);
  if (window)
    x = seq::MulOp::create(b, loc, x, nc.reshape(window, {fl, 1}));
  if (fl * cin * bins * 2 > kMaxDftMatrix)
    return nc.error() << "frame_length " << fl
                      << " is too large for the dense DFT matrix";
  Value mat = dftMatrix(nc, t.getElementType(), fl, cin, fl, bins, 2,
                        /*inverse=*/false, /*irfft=*/false);
  nc.setOutput(0, applyAlongAxis(nc, x, 2, mat, bins, 2));
  return success();
}

} // namespace

void registerSignalOps(OpRegistry &r) {
  r["ConvTranspose"] = {convertConvTranspose, 2, 3};
  r["DFT"] = {convertDFT, 1, 3};
  r["STFT"] = {convertSTFT, 2, 4};
}

} // namespace seqc::import
