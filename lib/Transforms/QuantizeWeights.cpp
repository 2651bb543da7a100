//===- QuantizeWeights.cpp - weight-only quantization at compile time -----===//
//
// `seqc --quantize=w8|w4[:group=G][:sym|:asym]`: every seq.matmul whose right
// operand is a constant f32 [K, N] weight becomes a seq.quant_matmul with the
// weight quantized here, per output column in blocks of G consecutive k (the
// MatMulNBits layout, so the same kernels serve imported and compiled
// quantization). Symmetric: scale = max|w| / (2^(bits-1) - 1), implicit zero
// point 2^(bits-1). Asymmetric: scale = (max - min) / (2^bits - 1) and a zero
// point per block. Defaults: w4 asymmetric, group 32; w8 symmetric, group 128.
// The ops allow int8 activations (per row and block, like MatMulNBits'
// accuracy_level 4), so constant weights run on the packed VNNI kernel.
//
//===----------------------------------------------------------------------===//

#include "seqc/Conversion/QuantPasses.h"

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
namespace {

/// The f32 values of a constant (dense or resource blob), row-major.
std::optional<ArrayRef<float>> constFloats(Value v,
                                           SmallVectorImpl<float> &storage) {
  Attribute attr;
  if (!matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  if (auto res = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = res.getRawHandle().getBlob();
    if (!blob || !res.getType().getElementType().isF32())
      return std::nullopt;
    ArrayRef<char> data = blob->getData();
    if (data.size() != res.getType().getNumElements() * sizeof(float))
      return std::nullopt;
    return ArrayRef<float>(reinterpret_cast<const float *>(data.data()),
                           data.size() / sizeof(float));
  }
  if (auto dense = dyn_cast<DenseFPElementsAttr>(attr)) {
    if (!dense.getElementType().isF32())
      return std::nullopt;
    storage.assign(dense.getValues<float>().begin(),
                   dense.getValues<float>().end());
    return ArrayRef<float>(storage);
  }
  return std::nullopt;
}

Value blobConstant(OpBuilder &b, Location loc, RankedTensorType type,
                   StringRef name, ArrayRef<char> bytes, size_t align) {
  AsmResourceBlob blob =
      HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, align);
  auto attr = DenseResourceElementsAttr::get(type, name, std::move(blob));
  return arith::ConstantOp::create(b, loc, attr);
}

struct QuantizeWeightsPass
    : PassWrapper<QuantizeWeightsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(QuantizeWeightsPass)
  QuantizeWeightsPass() = default;
  QuantizeWeightsPass(const QuantizeWeightsPass &other) : PassWrapper(other) {}

  StringRef getArgument() const final { return "seq-quantize-weights"; }
  StringRef getDescription() const final {
    return "Quantize constant matmul weights (seq.matmul -> "
           "seq.quant_matmul)";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<arith::ArithDialect>();
  }

  Option<int64_t> bits{*this, "bits", llvm::cl::desc("4 or 8"),
                       llvm::cl::init(4)};
  Option<int64_t> group{*this, "group",
                        llvm::cl::desc("block of k per scale (power of 2)"),
                        llvm::cl::init(32)};
  Option<bool> asym{*this, "asym",
                    llvm::cl::desc("asymmetric (zero point per block)"),
                    llvm::cl::init(true)};
  Option<int64_t> minElements{
      *this, "min-elements",
      llvm::cl::desc("leave weights with fewer elements in f32"),
      llvm::cl::init(4096)};

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
    std::optional<ArrayRef<float>> w = constFloats(op.getRhs(), storage);
    if (!w)
      return failure();
    int64_t k = wt.getDimSize(0), n = wt.getDimSize(1);
    if (xt.getShape().back() != k)
      return failure();
    int64_t g = group, blocks = (k + g - 1) / g, blob = g * bits / 8;
    int64_t qmax = (1 << bits) - 1, mid = 1 << (bits - 1);
    std::vector<char> q(n * blocks * blob, 0);
    std::vector<float> scales(n * blocks);
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
    Value sc = blobConstant(
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

} // namespace

LogicalResult quantizePipeline(StringRef spec, std::string &pipeline,
                               std::string &error) {
  SmallVector<StringRef> parts;
  spec.split(parts, ':');
  int64_t bits = parts[0] == "w8" ? 8 : parts[0] == "w4" ? 4 : 0;
  int64_t group = bits == 8 ? 128 : 32;
  bool asym = bits == 4;
  for (StringRef p : ArrayRef<StringRef>(parts).drop_front()) {
    if (p.consume_front("group=")) {
      if (p.getAsInteger(10, group) || group < 16 || (group & (group - 1)))
        bits = 0;
    } else if (p == "sym") {
      asym = false;
    } else if (p == "asym") {
      asym = true;
    } else {
      bits = 0;
    }
  }
  if (!bits) {
    error = ("--quantize=" + spec +
             ": expected w8 or w4, then optionally :group=N (a power of two "
             ">= 16) and :sym or :asym")
                .str();
    return failure();
  }
  pipeline = "seq-quantize-weights{bits=" + std::to_string(bits) +
             " group=" + std::to_string(group) +
             " asym=" + (asym ? "true" : "false") + "}";
  return success();
}

void registerQuantizeWeightsPass() { PassRegistration<QuantizeWeightsPass>(); }

} // namespace seqc
