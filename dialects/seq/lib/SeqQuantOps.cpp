//===- SeqQuantOps.cpp - Quantized weights and the matmuls that read them -===//

#include "seq/IR/SeqQuantOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace mlir::seq;

#define GET_OP_CLASSES
#include "seq/IR/SeqQuantOps.cpp.inc"

void SeqDialect::registerQuantOps() {
  addOperations<
#define GET_OP_LIST
#include "seq/IR/SeqQuantOps.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// QuantMatMulOp
//===----------------------------------------------------------------------===//

static std::string dimsStr(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (auto [i, d] : llvm::enumerate(shape)) {
    if (i)
      s += ",";
    s += ShapedType::isDynamic(d) ? "?" : std::to_string(d);
  }
  return s + "]";
}

static bool isByte(Type t) { return t.isInteger(8); }

int64_t QuantMatMulOp::getK() {
  return cast<RankedTensorType>(getInput().getType()).getShape().back();
}

int64_t QuantMatMulOp::getN() {
  return cast<RankedTensorType>(getWeight().getType()).getDimSize(0);
}

LogicalResult QuantMatMulOp::verify() {
  auto x = cast<RankedTensorType>(getInput().getType());
  auto w = cast<RankedTensorType>(getWeight().getType());
  auto s = cast<RankedTensorType>(getScales().getType());
  auto out = cast<RankedTensorType>(getResult().getType());
  int64_t bits = getBits(), group = getGroup();
  if (bits != 4 && bits != 8)
    return emitOpError("bits must be 4 or 8, got ") << bits;
  if (group < 16 || (group & (group - 1)) != 0)
    return emitOpError("group must be a power of two >= 16, got ") << group;
  if (getMlasOrder() && !(getInt8Activations() && bits == 4 && group == 32))
    return emitOpError("mlas_order needs int8_activations, bits = 4 and group "
                       "= 32, got bits = ")
           << bits << ", group = " << group
           << (getInt8Activations() ? "" : ", no int8_activations");
  if (x.getRank() < 2 || !x.getElementType().isF32())
    return emitOpError("input must be f32 of rank >= 2 [..., M, K], got ") << x;
  int64_t k = x.getShape().back();
  if (ShapedType::isDynamic(k))
    return emitOpError("input reduction dim K must be static");
  int64_t blocks = (k + group - 1) / group;
  if (w.getRank() != 3 || !isByte(w.getElementType()) || !w.hasStaticShape())
    return emitOpError("weight must be static 8-bit [N, G, group*bits/8], got ")
           << w;
  int64_t n = w.getDimSize(0);
  if (w.getDimSize(1) != blocks || w.getDimSize(2) != group * bits / 8)
    return emitOpError("weight ")
           << dimsStr(w.getShape()) << " must be [N, " << blocks << ", "
           << group * bits / 8 << "] for K = " << k << ", group = " << group
           << ", bits = " << bits;
  if (s.getRank() != 2 ||
      !(s.getElementType().isF32() || s.getElementType().isF16()))
    return emitOpError("scales must be f32 or f16 [N, G], got ") << s;
  if (s.getShape() != ArrayRef<int64_t>{n, blocks})
    return emitOpError("scales ") << dimsStr(s.getShape()) << " must be [" << n
                                  << ", " << blocks << "]";
  if (Value zpv = getZeroPoints()) {
    auto zp = cast<RankedTensorType>(zpv.getType());
    if (!isByte(zp.getElementType()) ||
        zp.getShape() != ArrayRef<int64_t>{n, blocks})
      return emitOpError("zero_points must be 8-bit [")
             << n << ", " << blocks << "], got " << zp;
  }
  SmallVector<int64_t> expect(x.getShape());
  expect.back() = n;
  if (!out.getElementType().isF32() || out.getRank() != x.getRank())
    return emitOpError("result must be f32 ")
           << dimsStr(expect) << ", got " << out;
  for (auto [e, r] : llvm::zip(expect, out.getShape()))
    if (e != r && !ShapedType::isDynamic(e) && !ShapedType::isDynamic(r))
      return emitOpError("result ")
             << dimsStr(out.getShape()) << " must be " << dimsStr(expect);
  return success();
}
