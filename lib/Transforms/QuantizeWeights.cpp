//===- QuantizeWeights.cpp - weight-only quantization at compile time -----===//
//
// `seqc --quantize=w8|w4[:group=G][:sym|:asym][:scale=f32|f16]`: every
// seq.matmul whose right operand is a constant f32 [K, N] weight becomes a
// seq.quant_matmul with the weight quantized here, per output column in
// blocks of G consecutive k (the MatMulNBits layout, so the same kernels
// serve imported and compiled quantization). Symmetric: scale = max|w| /
// (2^(bits-1) - 1), implicit zero point 2^(bits-1). Asymmetric: scale =
// (max - min) / (2^bits - 1) and a zero point per block. Defaults: w4
// asymmetric, group 32; w8 symmetric, group 128.
// `scale=f16` stores the scales in f16 (half their bytes; the kernels widen
// them in registers); the weight is quantized with the f16-rounded scale, so
// dequantization uses exactly the scale the integers were computed with.
// The ops allow int8 activations (per row and block, like MatMulNBits'
// accuracy_level 4), so constant weights run on the packed VNNI kernel.
//
//===----------------------------------------------------------------------===//

#include "seqc/Conversion/QuantPasses.h"
#include "seqc/Transforms/Passes.h"

#include "RaiseUtils.h"

#include "seq/IR/SeqOps.h"
#include "seq/IR/SeqQuantOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Pass/Pass.h"
#include "llvm/ADT/StringExtras.h"

#include <cmath>

using namespace mlir;

namespace seqc {
#define GEN_PASS_DEF_SEQQUANTIZEWEIGHTS
#define GEN_PASS_DEF_SEQRAISEQDQMATMUL
#include "seqc/Transforms/Passes.h.inc"

namespace {

/// f32 -> IEEE binary16 bits, round to nearest even.
uint16_t toHalf(float v) {
  APFloat f(v);
  bool lost;
  f.convert(APFloat::IEEEhalf(), APFloat::rmNearestTiesToEven, &lost);
  return static_cast<uint16_t>(f.bitcastToAPInt().getZExtValue());
}

float fromHalf(uint16_t h) {
  APFloat f(APFloat::IEEEhalf(), APInt(16, h));
  bool lost;
  f.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven, &lost);
  return f.convertToFloat();
}

Value blobConstant(OpBuilder &b, Location loc, RankedTensorType type,
                   StringRef name, ArrayRef<char> bytes, size_t align) {
  AsmResourceBlob blob =
      HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, align);
  auto attr = DenseResourceElementsAttr::get(type, name, std::move(blob));
  return arith::ConstantOp::create(b, loc, attr);
}

struct QuantizeWeightsPass : impl::SeqQuantizeWeightsBase<QuantizeWeightsPass> {
  using SeqQuantizeWeightsBase::SeqQuantizeWeightsBase;

  void runOnOperation() override {
    if ((bits != 4 && bits != 8) || group < 16 || (group & (group - 1))) {
      getOperation().emitError("seq-quantize-weights: bits must be 4 or 8 "
                               "and group a power of two >= 16");
      return signalPassFailure();
    }
    SmallVector<seq::MatMulOp> todo;
    getOperation().walk([&](seq::MatMulOp op) { todo.push_back(op); });
    int64_t count = 0;
    for (seq::MatMulOp op : todo)
      count += succeeded(quantize(op));
    (void)count;
  }

  LogicalResult quantize(seq::MatMulOp op) {
    auto xt = dyn_cast<RankedTensorType>(op.getLhs().getType());
    auto wt = dyn_cast<RankedTensorType>(op.getRhs().getType());
    auto rt = dyn_cast<RankedTensorType>(op.getType());
    if (!xt || !wt || !rt || xt.getRank() < 2 || wt.getRank() != 2 ||
        !xt.getElementType().isF32() || !wt.getElementType().isF32() ||
        !wt.hasStaticShape() || wt.getNumElements() < minElements)
      return failure();
    SmallVector<float> storage;
    std::optional<ArrayRef<float>> w = raise::constFloats(op.getRhs(), storage);
    if (!w)
      return failure();
    int64_t k = wt.getDimSize(0), n = wt.getDimSize(1);
    if (xt.getShape().back() != k)
      return failure();
    int64_t g = group, blocks = (k + g - 1) / g, blob = g * bits / 8;
    int64_t qmax = (1 << bits) - 1, mid = 1 << (bits - 1);
    std::vector<char> q(n * blocks * blob, 0);
    std::vector<float> scales(n * blocks);
    std::vector<uint16_t> scales16(f16Scales ? n * blocks : 0);
    std::vector<char> zps(asym ? n * blocks : 0);
    for (int64_t c = 0; c < n; ++c)
      for (int64_t bl = 0; bl < blocks; ++bl) {
        int64_t k0 = bl * g, k1 = std::min(k, k0 + g);
        float lo = 0.0f, hi = 0.0f, amax = 0.0f;
        for (int64_t i = k0; i < k1; ++i) {
          float v = (*w)[i * n + c];
          lo = std::min(lo, v);
          hi = std::max(hi, v);
          amax = std::max(amax, std::fabs(v));
        }
        float s;
        int64_t zp;
        if (asym) {
          s = (hi - lo) / qmax;
          zp = s > 0 ? std::clamp<int64_t>(std::lround(-lo / s), 0, qmax) : mid;
          zps[c * blocks + bl] = static_cast<char>(zp);
        } else {
          s = amax / (mid - 1);
          zp = mid;
        }
        if (f16Scales) {
          // Round to f16 first (a scale outside f16's range keeps its
          // smallest subnormal or largest finite value, not 0 or inf), then
          // quantize with the scale the kernel sees.
          uint16_t h = toHalf(s);
          if (s > 0 && (h & 0x7fff) == 0)
            h = 1;
          else if ((h & 0x7c00) == 0x7c00)
            h = 0x7bff;
          scales16[c * blocks + bl] = h;
          s = fromHalf(h);
          if (asym) {
            zp = s > 0 ? std::clamp<int64_t>(std::lround(-lo / s), 0, qmax)
                       : mid;
            zps[c * blocks + bl] = static_cast<char>(zp);
          }
        }
        scales[c * blocks + bl] = s;
        float inv = s > 0 ? 1.0f / s : 0.0f;
        char *dst = q.data() + (c * blocks + bl) * blob;
        for (int64_t i = k0; i < k1; ++i) {
          int64_t v = std::clamp<int64_t>(
              std::lround((*w)[i * n + c] * inv) + zp, 0, qmax);
          int64_t j = i - k0;
          if (bits == 8)
            dst[j] = static_cast<char>(v);
          else
            dst[j / 2] |= static_cast<char>(j % 2 ? v << 4 : v);
        }
      }
    OpBuilder b(op);
    Location loc = op.getLoc();
    auto u8 = b.getIntegerType(8, /*isSigned=*/false);
    std::string base = "q" + std::to_string(bits) + "_w";
    Value wq =
        blobConstant(b, loc, RankedTensorType::get({n, blocks, blob}, u8), base,
                     ArrayRef<char>(q), 64);
    Value sc =
        f16Scales
            ? blobConstant(b, loc,
                           RankedTensorType::get({n, blocks}, b.getF16Type()),
                           base + "_scales",
                           ArrayRef<char>(
                               reinterpret_cast<const char *>(scales16.data()),
                               scales16.size() * sizeof(uint16_t)),
                           alignof(uint16_t))
            : blobConstant(
                  b, loc, RankedTensorType::get({n, blocks}, b.getF32Type()),
                  base + "_scales",
                  ArrayRef<char>(reinterpret_cast<const char *>(scales.data()),
                                 scales.size() * sizeof(float)),
                  alignof(float));
    Value zp =
        asym ? blobConstant(b, loc, RankedTensorType::get({n, blocks}, u8),
                            base + "_zp", ArrayRef<char>(zps), 8)
             : Value();
    // seq.matmul broadcasts a 2-D rhs over lhs's batch dims: the result has
    // lhs's leading dims.
    Value y = seq::QuantMatMulOp::create(
        b, loc, rt, op.getLhs(), wq, sc, zp, b.getI64IntegerAttr(bits),
        b.getI64IntegerAttr(g), b.getUnitAttr());
    op.replaceAllUsesWith(y);
    op.erase();
    return success();
  }
};

Value stripCast(Value v) {
  while (auto c = v.getDefiningOp<seq::CastOp>())
    v = c.getInput();
  return v;
}

/// A constant block parameter of the QDQ chain: `gather(P, idx) axis 0` with
/// idx[i] = i / block. Returns P and sets `block` (0: no match).
Value blockParam(Value v, int64_t &block) {
  auto g = stripCast(v).getDefiningOp<seq::GatherOp>();
  if (!g || g.getAxis() != 0)
    return {};
  std::optional<SmallVector<int64_t>> idx =
      raise::constIntValues(g.getIndices());
  if (!idx || idx->size() < 2)
    return {};
  int64_t b = 1;
  while (b < static_cast<int64_t>(idx->size()) && (*idx)[b] == 0)
    ++b;
  for (size_t i = 0; i < idx->size(); ++i)
    if ((*idx)[i] != static_cast<int64_t>(i) / b)
      return {};
  block = b;
  return g.getData();
}

/// seq-raise-qdq-matmul: the import of a blocked DequantizeLinear of constant
/// int4/int8 weights feeding a MatMul, i.e.
///   matmul(x, (cast(Q) - cast(gather(Z))) * gather(S))   (or without Z),
/// with blocks of B rows of the [K, N] weight, becomes seq.quant_matmul with
/// the same integers (shifted to unsigned) and scales: f32 activations, as
/// QDQ specifies, and no f32 weight at run time.
struct RaiseQdqMatMulPass : impl::SeqRaiseQdqMatMulBase<RaiseQdqMatMulPass> {
  void runOnOperation() override {
    SmallVector<seq::MatMulOp> todo;
    getOperation().walk([&](seq::MatMulOp op) { todo.push_back(op); });
    for (seq::MatMulOp op : todo)
      (void)raise(op);
  }

  LogicalResult raise(seq::MatMulOp op) {
    auto xt = dyn_cast<RankedTensorType>(op.getLhs().getType());
    auto wt = dyn_cast<RankedTensorType>(op.getRhs().getType());
    if (!xt || !wt || wt.getRank() != 2 || xt.getRank() < 2 ||
        !xt.getElementType().isF32() || !wt.getElementType().isF32() ||
        !wt.hasStaticShape())
      return failure();
    auto mul = stripCast(op.getRhs()).getDefiningOp<seq::MulOp>();
    if (!mul)
      return failure();
    int64_t block = 0, zblock = 0;
    Value scaleSrc, diff;
    for (int i = 0; i < 2 && !scaleSrc; ++i) {
      scaleSrc = blockParam(mul->getOperand(i), block);
      diff = mul->getOperand(1 - i);
    }
    if (!scaleSrc)
      return failure();
    Value qSrc, zSrc;
    if (auto sub = diff.getDefiningOp<seq::SubOp>()) {
      qSrc = stripCast(sub.getLhs());
      zSrc = blockParam(sub.getRhs(), zblock);
      if (!zSrc || zblock != block)
        return failure();
    } else {
      qSrc = stripCast(diff);
    }
    int64_t k = wt.getDimSize(0), n = wt.getDimSize(1);
    auto qt = dyn_cast<RankedTensorType>(qSrc.getType());
    auto qi = qt ? dyn_cast<IntegerType>(qt.getElementType()) : IntegerType();
    if (!qi || (qi.getWidth() != 4 && qi.getWidth() != 8) ||
        qt.getShape() != wt.getShape() || block < 16 || (block & (block - 1)) ||
        xt.getShape().back() != k)
      return failure();
    int64_t bits = qi.getWidth(), blocks = (k + block - 1) / block;
    auto st = cast<RankedTensorType>(scaleSrc.getType());
    if (st.getShape() != ArrayRef<int64_t>{blocks, n})
      return failure();
    std::optional<SmallVector<int64_t>> q = raise::constIntValues(qSrc);
    std::optional<SmallVector<int64_t>> z;
    if (zSrc && !(z = raise::constIntValues(zSrc)))
      return failure();
    SmallVector<float> sStore;
    Value sConst = stripCast(scaleSrc);
    std::optional<ArrayRef<float>> s = raise::constFloats(sConst, sStore);
    if (!q || !s || s->size() != static_cast<size_t>(blocks * n))
      return failure();
    // Unsigned storage: signed values shift by 2^(bits-1), zero points too.
    int64_t shift = qi.isUnsigned() ? 0 : 1 << (bits - 1);
    int64_t blob = block * bits / 8;
    std::vector<char> wq(n * blocks * blob, 0), zq(n * blocks);
    std::vector<float> sc(n * blocks);
    bool symmetric = true;
    for (int64_t c = 0; c < n; ++c)
      for (int64_t g = 0; g < blocks; ++g) {
        int64_t zp = (z ? (*z)[g * n + c] : 0) + shift;
        zq[c * blocks + g] = static_cast<char>(zp);
        symmetric &= zp == (1 << (bits - 1));
        sc[c * blocks + g] = (*s)[g * n + c];
        char *dst = wq.data() + (c * blocks + g) * blob;
        for (int64_t i = 0; i < block && g * block + i < k; ++i) {
          int64_t v = (*q)[(g * block + i) * n + c] + shift;
          if (bits == 8)
            dst[i] = static_cast<char>(v);
          else
            dst[i / 2] |= static_cast<char>(i % 2 ? v << 4 : v);
        }
      }
    OpBuilder b(op);
    Location loc = op.getLoc();
    auto u8 = b.getIntegerType(8, /*isSigned=*/false);
    Value w = blobConstant(b, loc, RankedTensorType::get({n, blocks, blob}, u8),
                           "qdq_w", ArrayRef<char>(wq), 64);
    Value scales =
        blobConstant(b, loc, RankedTensorType::get({n, blocks}, b.getF32Type()),
                     "qdq_scales",
                     ArrayRef<char>(reinterpret_cast<const char *>(sc.data()),
                                    sc.size() * sizeof(float)),
                     alignof(float));
    Value zp =
        symmetric ? Value()
                  : blobConstant(b, loc, RankedTensorType::get({n, blocks}, u8),
                                 "qdq_zp", ArrayRef<char>(zq), 8);
    Value y = seq::QuantMatMulOp::create(b, loc, op.getType(), op.getLhs(), w,
                                         scales, zp, b.getI64IntegerAttr(bits),
                                         b.getI64IntegerAttr(block), nullptr);
    op.replaceAllUsesWith(y);
    op.erase();
    return success();
  }
};

} // namespace

LogicalResult quantizePipeline(StringRef spec, std::string &pipeline,
                               std::string &error) {
  SmallVector<StringRef> parts;
  spec.split(parts, ':');
  int64_t bits = parts[0] == "w8" ? 8 : parts[0] == "w4" ? 4 : 0;
  int64_t group = bits == 8 ? 128 : 32;
  bool asym = bits == 4, f16 = false;
  for (StringRef p : ArrayRef<StringRef>(parts).drop_front()) {
    if (p.consume_front("group=")) {
      if (p.getAsInteger(10, group) || group < 16 || (group & (group - 1)))
        bits = 0;
    } else if (p == "sym") {
      asym = false;
    } else if (p == "asym") {
      asym = true;
    } else if (p == "scale=f16" || p == "scale=f32") {
      f16 = p == "scale=f16";
    } else {
      bits = 0;
    }
  }
  if (!bits) {
    error = ("--quantize=" + spec +
             ": expected w8 or w4, then optionally :group=N (a power of two "
             ">= 16), :sym or :asym, and :scale=f32 or :scale=f16")
                .str();
    return failure();
  }
  pipeline = "seq-quantize-weights{bits=" + std::to_string(bits) +
             " group=" + std::to_string(group) +
             " asym=" + (asym ? "true" : "false") +
             " f16-scales=" + (f16 ? "true" : "false") + "}";
  return success();
}

} // namespace seqc
