//===- QuantMatMulToUkernel.cpp - seq.quant_matmul -> seqc_uk_qgemm -------===//
//
// seq.quant_matmul leaves the seq dialect before seq-to-linalg as one call of
// the runtime kernel (lib/Runtime/ukernels/qgemm.c) on the operands' buffers:
// the quantized weight is read in place by a kernel that dequantizes in
// registers, so no f32 copy of the weight ever exists. The operands are
// bridged to memrefs with bufferization.to_buffer {read_only} (constants
// become memref.get_global after one-shot bufferization), the result is a
// fresh buffer handed back with bufferization.to_tensor {restrict,
// writable}. Leading batch dims are collapsed into M.
//
// With `int8_activations` and constant weight, scales and zero points, the
// weight is repacked here into the 16-column VNNI tiles of
// seqc_uk_qgemm_packed (layout in lib/Runtime/ukernels/qgemm_packed.c; this
// file's packTiles must match seqc_uk_qgemm_pack there), and that kernel is
// called instead.
//
// f16 scales (MatMulNBits with f16 scales, `--quantize=...:scale=f16`) stay
// f16, also when packed: the kernels widen them in registers
// (SEQC_QGEMM_F16_SCALES in the call's flags).
//
//===----------------------------------------------------------------------===//

#include "seqc/Target/CPUPasses.h"

#include "KernelCall.h"

#include "seq/IR/SeqOps.h"
#include "seq/IR/SeqQuantOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Pass/Pass.h"

#include <cstring>

using namespace mlir;

namespace seqc {
#define GEN_PASS_DEF_SEQLOWERQUANTMATMUL
#include "seqc/Target/CPUPasses.h.inc"
namespace {

constexpr StringLiteral kQgemm = "seqc_uk_qgemm";
constexpr StringLiteral kQgemmPacked = "seqc_uk_qgemm_packed";
constexpr int kQgemmArgs = 14;
constexpr int64_t kTile = 16;
// seqc_uk_qgemm*'s flags bit: scales are f16 (qgemm_kernels.h).
constexpr int64_t kF16Scales = 1;
// ... and: MLAS's summation order (SEQC_QGEMM_MLAS_ORDER, packed kernel only).
constexpr int64_t kMlasOrder = 2;
// Tags each call's operand buffers (cpu::readBuffer: keeps CSE off them).
constexpr StringLiteral kCallAttr = "seq.qgemm_call";

/// The raw bytes of a constant, looking through seq.reshape (row-major, so
/// the bytes are the same).
std::optional<ArrayRef<char>> constData(Value v,
                                        SmallVectorImpl<char> &storage) {
  while (auto r = v.getDefiningOp<seq::ReshapeOp>())
    v = r.getInput();
  Attribute attr;
  if (!matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  if (auto res = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = res.getRawHandle().getBlob();
    if (!blob)
      return std::nullopt;
    return blob->getData();
  }
  auto dense = dyn_cast<DenseElementsAttr>(attr);
  if (!dense || dense.getElementType().getIntOrFloatBitWidth() % 8)
    return std::nullopt;
  if (dense.isSplat()) {
    ArrayRef<char> one = dense.getRawData();
    for (int64_t i = 0; i < dense.getNumElements(); ++i)
      storage.append(one.begin(), one.end());
    return ArrayRef<char>(storage);
  }
  return dense.getRawData();
}

/// Whether the op's scales are f16 (else f32: the verifier allows only these).
bool hasF16Scales(seq::QuantMatMulOp op) {
  return cast<RankedTensorType>(op.getScales().getType())
      .getElementType()
      .isF16();
}

Value blobConstant(OpBuilder &b, Location loc, RankedTensorType type,
                   StringRef name, ArrayRef<char> bytes) {
  AsmResourceBlob blob =
      HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, /*align=*/64);
  return arith::ConstantOp::create(
      b, loc, DenseResourceElementsAttr::get(type, name, std::move(blob)));
}

/// Operands of seqc_uk_qgemm_packed for a constant weight: 16-column tiles,
/// per block 64-byte steps of 16 columns x 4 k (4 bits: low nibbles k0..k0+3,
/// high nibbles k0+4..k0+7); scales [tiles][G][16] in their own type (f32
/// or f16, copied bit for bit), zero points [tiles][G][16] f32. Mirrors
/// seqc_uk_qgemm_pack(_f16) (lib/Runtime/ukernels/qgemm_packed.c).
struct Packed {
  Value weight, scales, zeroPoints;
};
std::optional<Packed> packTiles(OpBuilder &b, seq::QuantMatMulOp op) {
  int64_t n = op.getN(), k = op.getK(), bits = op.getBits(),
          group = op.getGroup();
  int64_t blocks = (k + group - 1) / group, blob = group * bits / 8;
  int64_t tiles = (n + kTile - 1) / kTile, tileBytes = kTile * blob;
  SmallVector<char> wStore, sStore, zStore;
  std::optional<ArrayRef<char>> w = constData(op.getWeight(), wStore);
  std::optional<ArrayRef<char>> s = constData(op.getScales(), sStore);
  std::optional<ArrayRef<char>> z;
  if (op.getZeroPoints())
    z = constData(op.getZeroPoints(), zStore);
  Type sElt = cast<RankedTensorType>(op.getScales().getType()).getElementType();
  size_t sBytes = sElt.isF16() ? 2 : 4;
  if (!w || w->size() != static_cast<size_t>(n * blocks * blob) || !s ||
      s->size() != static_cast<size_t>(n * blocks) * sBytes ||
      (op.getZeroPoints() &&
       (!z || z->size() != static_cast<size_t>(n * blocks))))
    return std::nullopt;
  std::vector<char> pw(tiles * blocks * tileBytes, 0);
  std::vector<char> ps(tiles * blocks * kTile * sBytes, 0);
  std::vector<float> pz;
  if (z)
    pz.assign(tiles * blocks * kTile, 0.0f);
  int64_t kPerStep = bits == 4 ? 8 : 4;
  for (int64_t t = 0; t < tiles; ++t)
    for (int64_t g = 0; g < blocks; ++g)
      for (int64_t j = 0; j < kTile; ++j) {
        int64_t col = t * kTile + j;
        if (col >= n)
          continue;
        int64_t o = (t * blocks + g) * kTile + j;
        std::memcpy(ps.data() + o * sBytes,
                    s->data() + (col * blocks + g) * sBytes, sBytes);
        if (z)
          pz[o] = static_cast<uint8_t>((*z)[col * blocks + g]);
        const auto *src = reinterpret_cast<const uint8_t *>(w->data()) +
                          (col * blocks + g) * blob;
        auto *dst = reinterpret_cast<uint8_t *>(pw.data()) +
                    (t * blocks + g) * tileBytes;
        for (int64_t i = 0; i < group && g * group + i < k; ++i) {
          int q =
              bits == 4 ? (i % 2 ? src[i / 2] >> 4 : src[i / 2] & 15) : src[i];
          int64_t step = i / kPerStep, u = i % kPerStep;
          dst[step * 64 + 4 * j + (bits == 4 ? u % 4 : u)] |=
              static_cast<uint8_t>(bits == 4 && u >= 4 ? q << 4 : q);
        }
      }
  Location loc = op.getLoc();
  auto asBytes = [](const std::vector<float> &v) {
    return ArrayRef<char>(reinterpret_cast<const char *>(v.data()),
                          v.size() * sizeof(float));
  };
  Packed p;
  p.weight = blobConstant(
      b, loc, RankedTensorType::get({tiles, blocks, tileBytes}, b.getI8Type()),
      "qgemm_packed_w", ArrayRef<char>(pw));
  p.scales =
      blobConstant(b, loc, RankedTensorType::get({tiles, blocks, kTile}, sElt),
                   "qgemm_packed_scales", ArrayRef<char>(ps));
  if (z)
    p.zeroPoints = blobConstant(
        b, loc, RankedTensorType::get({tiles, blocks, kTile}, b.getF32Type()),
        "qgemm_packed_zp", asBytes(pz));
  return p;
}

void lower(seq::QuantMatMulOp op, int64_t callId) {
  OpBuilder b(op);
  auto module = op->getParentOfType<ModuleOp>();
  std::optional<Packed> packed;
  if (op.getInt8Activations())
    packed = packTiles(b, op);
  func::FuncOp callee =
      cpu::declareI64Kernel(module, packed ? kQgemmPacked : kQgemm, kQgemmArgs);
  Location loc = op.getLoc();
  Value x = op.getInput();
  auto xt = cast<RankedTensorType>(x.getType());
  int64_t rank = xt.getRank(), k = op.getK(), n = op.getN();

  // [..., M, K] -> [M', K]
  if (rank > 2) {
    SmallVector<ReassociationIndices> re(2);
    for (int64_t d = 0; d < rank - 1; ++d)
      re[0].push_back(d);
    re[1].push_back(rank - 1);
    x = tensor::CollapseShapeOp::create(b, loc, x, re);
  }
  Value rows = tensor::DimOp::create(b, loc, x, 0);

  Value weight = op.getWeight(), scales = op.getScales(),
        zeroPoints = op.getZeroPoints();
  if (packed) {
    weight = packed->weight;
    scales = packed->scales;
    zeroPoints = packed->zeroPoints;
  }
  int64_t flags = hasF16Scales(op) ? kF16Scales : 0;
  if (packed && op.getMlasOrder())
    flags |= kMlasOrder;

  Value xBuf = cpu::readBuffer(b, loc, x, /*dense=*/false, kCallAttr, callId);
  Value wBuf =
      cpu::readBuffer(b, loc, weight, /*dense=*/true, kCallAttr, callId);
  Value sBuf =
      cpu::readBuffer(b, loc, scales, /*dense=*/true, kCallAttr, callId);
  Value zBuf = zeroPoints ? cpu::readBuffer(b, loc, zeroPoints, /*dense=*/true,
                                            kCallAttr, callId)
                          : Value();

  auto outType = MemRefType::get(
      {cast<RankedTensorType>(x.getType()).getDimSize(0), n}, b.getF32Type());
  SmallVector<Value> dynSizes;
  if (outType.isDynamicDim(0))
    dynSizes.push_back(rows);
  Value out = memref::AllocOp::create(b, loc, outType, dynSizes,
                                      b.getI64IntegerAttr(64));

  auto i64 = [&](int64_t v) {
    return arith::ConstantIntOp::create(b, loc, v, 64).getResult();
  };
  auto [xPtr, xStrides] = cpu::describeBuffer(b, loc, xBuf);
  Value zPtr = zBuf ? cpu::describeBuffer(b, loc, zBuf).first : i64(0);
  Value m = arith::IndexCastOp::create(b, loc, b.getI64Type(), rows);
  SmallVector<Value> args{i64(flags),
                          m,
                          i64(n),
                          i64(k),
                          xPtr,
                          xStrides[0],
                          xStrides[1],
                          cpu::describeBuffer(b, loc, wBuf).first,
                          cpu::describeBuffer(b, loc, sBuf).first,
                          zPtr,
                          cpu::describeBuffer(b, loc, out).first,
                          i64(n),
                          i64(op.getBits()),
                          i64(op.getGroup())};
  func::CallOp::create(b, loc, callee, args);

  Value y = bufferization::ToTensorOp::create(
      b, loc, RankedTensorType::get(outType.getShape(), b.getF32Type()), out,
      /*restrict=*/b.getUnitAttr(), /*writable=*/b.getUnitAttr());
  auto resultType = cast<RankedTensorType>(op.getType());
  if (rank > 2) {
    SmallVector<ReassociationIndices> re(2);
    for (int64_t d = 0; d < rank - 1; ++d)
      re[0].push_back(d);
    re[1].push_back(rank - 1);
    SmallVector<OpFoldResult> shape;
    for (int64_t d = 0; d < rank; ++d) {
      if (d == rank - 1)
        shape.push_back(b.getIndexAttr(n));
      else if (resultType.isDynamicDim(d))
        shape.push_back(
            tensor::DimOp::create(b, loc, op.getInput(), d).getResult());
      else
        shape.push_back(b.getIndexAttr(resultType.getDimSize(d)));
    }
    y = tensor::ExpandShapeOp::create(b, loc, resultType, y, re, shape);
  } else if (y.getType() != resultType) {
    y = tensor::CastOp::create(b, loc, resultType, y);
  }
  op.replaceAllUsesWith(y);
  op.erase();
}

struct LowerQuantMatMulPass
    : impl::SeqLowerQuantMatMulBase<LowerQuantMatMulPass> {
  void runOnOperation() override {
    SmallVector<seq::QuantMatMulOp> ops;
    getOperation().walk([&](seq::QuantMatMulOp op) { ops.push_back(op); });
    if (ops.empty())
      return;
    for (auto [i, op] : llvm::enumerate(ops))
      lower(op, i);
  }
};

} // namespace

} // namespace seqc
