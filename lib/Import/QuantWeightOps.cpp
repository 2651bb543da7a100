//===- QuantWeightOps.cpp - quantized-weight matmuls -> seq.quant_matmul --===//
//
// com.microsoft::MatMulNBits(A, B, scales[, zero_points, g_idx, bias]): the
// block-quantized weight format of onnxruntime-genai's int4/int8 builds. B
// keeps its [N, blocks, blob] bytes as seq.quant_matmul's weight (the kernel
// reads them in place; nothing is dequantized into an f32 weight), scales
// become [N, blocks], and packed 4-bit zero points are unpacked to one byte
// per block on the host. com.microsoft::GatherBlockQuantized (a quantized
// embedding table) gathers packed rows and dequantizes only those.
//
//===----------------------------------------------------------------------===//

#include "ImportBuilders.h"
#include "ImporterInternal.h"

#include "seq/IR/SeqOps.h"
#include "seq/IR/SeqQuantOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;

namespace seqc::import {
namespace {

/// The raw bytes of a constant 8-bit tensor (dense or a resource blob).
std::optional<SmallVector<uint8_t>> constBytes(Value v) {
  Attribute attr;
  if (!v || !matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  if (auto dense = dyn_cast<DenseIntElementsAttr>(attr)) {
    if (!dense.getElementType().isInteger(8))
      return std::nullopt;
    SmallVector<uint8_t> out;
    for (const APInt &x : dense.getValues<APInt>())
      out.push_back(static_cast<uint8_t>(x.getZExtValue()));
    return out;
  }
  if (auto res = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = res.getRawHandle().getBlob();
    if (!blob || !res.getType().getElementType().isInteger(8))
      return std::nullopt;
    ArrayRef<char> data = blob->getData();
    return SmallVector<uint8_t>(data.begin(), data.end());
  }
  return std::nullopt;
}

LogicalResult convertMatMulNBits(NodeContext &nc) {
  auto at = nc.inputType(0), bt = nc.inputType(1), st = nc.inputType(2);
  if (!at || !bt || !st)
    return nc.error() << "expects ranked A, B and scales";
  Type aElt = at.getElementType();
  if (!aElt.isF32() && !aElt.isF16())
    return nc.error() << "A must be float or float16, got " << aElt;
  int64_t bits = nc.attrInt("bits", 4), block = nc.attrInt("block_size", 0);
  int64_t k = nc.attrInt("K", -1), n = nc.attrInt("N", -1);
  if (bits != 4 && bits != 8)
    return nc.error() << "bits = " << bits << " is not supported (4 or 8)";
  if (block < 16 || (block & (block - 1)) != 0)
    return nc.error() << "block_size must be a power of two >= 16, got "
                      << block;
  if (k <= 0 || n <= 0)
    return nc.error() << "needs positive K and N attributes, got K = " << k
                      << ", N = " << n;
  if (at.getRank() < 1 || at.getShape().back() != k)
    return nc.error() << "A " << shapeStr(at.getShape())
                      << " must end in K = " << k;
  int64_t blocks = (k + block - 1) / block, blob = block * bits / 8;
  if (!bt.getElementType().isInteger(8) ||
      bt.getShape() != ArrayRef<int64_t>{n, blocks, blob})
    return nc.error() << "B must be uint8 [N, blocks, blob] = "
                      << shapeStr({n, blocks, blob}) << ", got " << typeStr(bt);
  if (st.getElementType() != aElt || !st.hasStaticShape() ||
      st.getNumElements() != n * blocks)
    return nc.error() << "scales must have A's element type and N * blocks = "
                      << n * blocks << " elements, got " << typeStr(st);
  if (nc.hasInput(4))
    return nc.error() << "g_idx (act-order) is not supported";

  // f16 scales stay f16: the kernels widen them in registers.
  Value scales = nc.reshape(nc.input(2), {n, blocks});

  Value zp;
  if (nc.hasInput(3)) {
    auto zt = nc.inputType(3);
    if (!zt.getElementType().isInteger(8))
      return nc.error() << "zero_points of type " << typeStr(zt)
                        << " are not supported (uint8 only)";
    std::optional<SmallVector<uint8_t>> raw = constBytes(nc.input(3));
    int64_t perRow = (blocks * bits + 7) / 8;
    if (!raw || static_cast<int64_t>(raw->size()) != n * perRow)
      return nc.error() << "zero_points must be a constant uint8 tensor of N * "
                        << perRow << " = " << n * perRow << " bytes, got "
                        << typeStr(zt);
    SmallVector<double> vals;
    vals.reserve(n * blocks);
    for (int64_t r = 0; r < n; ++r)
      for (int64_t g = 0; g < blocks; ++g) {
        uint8_t byte = (*raw)[r * perRow + (bits == 4 ? g / 2 : g)];
        vals.push_back(bits == 8 ? byte : (g % 2 ? byte >> 4 : byte & 15));
      }
    zp = constTensor(nc, nc.b().getIntegerType(8, /*isSigned=*/false),
                     {n, blocks}, vals);
  }

  // seq.quant_matmul wants [..., M, K]; a 1-D A is one row.
  Value a = castTo(nc, nc.input(0), nc.b().getF32Type());
  bool vec = at.getRank() == 1;
  if (vec)
    a = nc.reshape(a, {1, k});
  auto aType = cast<RankedTensorType>(a.getType());
  SmallVector<int64_t> outShape(aType.getShape());
  outShape.back() = n;
  // accuracy_level 4: onnxruntime quantizes A to int8 per block too; for 4
  // bits and block 32 seqc also follows MLAS's f32 summation order (the op's
  // reference is onnxruntime's kernel), so the result is bit for bit its own.
  bool int8Act = nc.attrInt("accuracy_level", 0) == 4;
  bool mlasOrder = int8Act && bits == 4 && block == 32;
  Value y = seq::QuantMatMulOp::create(
      nc.b(), nc.loc(), aType.clone(outShape), a, nc.input(1), scales, zp,
      nc.b().getI64IntegerAttr(bits), nc.b().getI64IntegerAttr(block),
      int8Act ? nc.b().getUnitAttr() : nullptr,
      mlasOrder ? nc.b().getUnitAttr() : nullptr);
  if (vec)
    y = nc.reshape(y, {n});
  y = castTo(nc, y, aElt);
  if (nc.hasInput(5)) {
    auto biasT = nc.inputType(5);
    if (biasT.getElementType() != aElt ||
        biasT.getShape() != ArrayRef<int64_t>{n})
      return nc.error() << "bias must be [N] = " << shapeStr({n})
                        << " of A's element type, got " << typeStr(biasT);
    y = seq::AddOp::create(nc.b(), nc.loc(), y, nc.input(5));
  }
  nc.setOutput(0, y);
  return success();
}

/// com.microsoft::GatherBlockQuantized(data, indices, scales[, zero_points])
/// with gather_axis 0 and quantize_axis the last: onnxruntime-genai's
/// quantized (tied) embedding table. Only the gathered rows are dequantized.
LogicalResult convertGatherBlockQuantized(NodeContext &nc) {
  auto dt = nc.inputType(0), it = nc.inputType(1), st = nc.inputType(2);
  if (!dt || !it || !st)
    return nc.error() << "expects ranked data, indices and scales";
  int64_t bits = nc.attrInt("bits", 4), block = nc.attrInt("block_size", 128);
  int64_t gatherAxis = nc.attrInt("gather_axis", 0);
  int64_t quantAxis = nc.attrInt("quantize_axis", 1);
  if (dt.getRank() != 2 || !dt.hasStaticShape() ||
      !dt.getElementType().isInteger(8))
    return nc.error() << "data must be a static 2-D uint8 tensor, got "
                      << typeStr(dt);
  if (gatherAxis != 0 || (quantAxis != 1 && quantAxis != -1))
    return nc.error() << "only gather_axis = 0 and quantize_axis = 1 are "
                         "supported, got "
                      << gatherAxis << " and " << quantAxis;
  if (bits != 4 && bits != 8)
    return nc.error() << "bits = " << bits << " is not supported (4 or 8)";
  if (block < 16 || (block & (block - 1)) != 0)
    return nc.error() << "block_size must be a power of two >= 16, got "
                      << block;
  if (!isa<IntegerType>(it.getElementType()))
    return nc.error() << "indices must be integers, got " << typeStr(it);
  int64_t rows = dt.getDimSize(0), h = dt.getDimSize(1) * (bits == 4 ? 2 : 1);
  if (h % block != 0)
    return nc.error() << "the quantized axis (" << h
                      << " elements) must be a multiple of block_size "
                      << block;
  int64_t blocks = h / block;
  Type elt = st.getElementType();
  if (!isa<FloatType>(elt) || st.getShape() != ArrayRef<int64_t>{rows, blocks})
    return nc.error() << "scales must be float [" << rows << ", " << blocks
                      << "], got " << typeStr(st);
  OpBuilder &b = nc.b();
  Location loc = nc.loc();
  SmallVector<int64_t> lead(it.getShape());
  auto gather = [&](Value table, int64_t width) {
    auto t = cast<RankedTensorType>(table.getType());
    SmallVector<int64_t> shape(lead);
    shape.push_back(width);
    return seq::GatherOp::create(b, loc, t.clone(shape), table, nc.input(1), 0)
        .getResult();
  };
  auto withTail = [&](ArrayRef<int64_t> tail) {
    SmallVector<int64_t> shape(lead);
    shape.append(tail.begin(), tail.end());
    return shape;
  };
  Value q = gather(nc.input(0), dt.getDimSize(1));
  if (bits == 4) {
    // Low nibble first: element 2j is byte j & 15, element 2j + 1 is j >> 4.
    Type u8 = dt.getElementType();
    Value lo = seq::AndOp::create(b, loc, q, nc.scalarConstant(u8, 15));
    Value hi = seq::ShiftRightOp::create(b, loc, q, nc.scalarConstant(u8, 4));
    int64_t half = dt.getDimSize(1);
    lo = nc.reshape(lo, withTail({half, 1}));
    hi = nc.reshape(hi, withTail({half, 1}));
    q = tensor::ConcatOp::create(b, loc, lead.size() + 1, ValueRange{lo, hi});
    q = nc.reshape(q, withTail({h}));
  }
  Value x = castTo(nc, q, elt);
  Value zp;
  if (nc.hasInput(3)) {
    auto zt = nc.inputType(3);
    std::optional<SmallVector<uint8_t>> raw = constBytes(nc.input(3));
    int64_t perRow = (blocks * bits + 7) / 8;
    if (!zt.getElementType().isInteger(8) || !raw ||
        static_cast<int64_t>(raw->size()) != rows * perRow)
      return nc.error() << "zero_points must be a constant uint8 tensor of "
                        << rows * perRow << " bytes, got " << typeStr(zt);
    SmallVector<double> vals;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t g = 0; g < blocks; ++g) {
        uint8_t byte = (*raw)[r * perRow + (bits == 4 ? g / 2 : g)];
        vals.push_back(bits == 8 ? byte : (g % 2 ? byte >> 4 : byte & 15));
      }
    zp = gather(constTensor(nc, elt, {rows, blocks}, vals), blocks);
    zp = nc.reshape(zp, withTail({blocks, 1}));
  } else {
    zp = nc.scalarConstant(elt, 1 << (bits - 1));
  }
  Value scales = nc.reshape(gather(nc.input(2), blocks), withTail({blocks, 1}));
  x = nc.reshape(x, withTail({blocks, block}));
  x = seq::MulOp::create(b, loc, seq::SubOp::create(b, loc, x, zp), scales);
  nc.setOutput(0, nc.reshape(x, withTail({h})));
  return success();
}

} // namespace

void registerQuantWeightOps(OpRegistry &r) {
  r["com.microsoft.MatMulNBits"] = {convertMatMulNBits, 3, 6};
  r["com.microsoft.GatherBlockQuantized"] = {convertGatherBlockQuantized, 3, 4};
}

} // namespace seqc::import
