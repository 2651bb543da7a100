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
//===----------------------------------------------------------------------===//

#include "seqc/Conversion/QuantPasses.h"

#include "seq/IR/SeqOps.h"
#include "seq/IR/SeqQuantOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

using namespace mlir;

namespace seqc {
namespace {

constexpr StringLiteral kQgemm = "seqc_uk_qgemm";
constexpr int kQgemmArgs = 14;

func::FuncOp declareQgemm(ModuleOp module) {
  if (auto f = module.lookupSymbol<func::FuncOp>(kQgemm))
    return f;
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  SmallVector<Type> args(kQgemmArgs, b.getI64Type());
  auto f = func::FuncOp::create(b, module.getLoc(), kQgemm,
                                b.getFunctionType(args, {}));
  f.setPrivate();
  return f;
}

/// A read-only buffer of tensor `t`: identity layout when the kernel assumes
/// a dense row-major operand (bufferization copies other layouts), a fully
/// strided one otherwise.
Value readBuffer(OpBuilder &b, Location loc, Value t, bool dense) {
  auto tt = cast<RankedTensorType>(t.getType());
  MemRefType mt;
  if (dense) {
    mt = MemRefType::get(tt.getShape(), tt.getElementType());
  } else {
    SmallVector<int64_t> strides(tt.getRank(), ShapedType::kDynamic);
    mt = MemRefType::get(
        tt.getShape(), tt.getElementType(),
        StridedLayoutAttr::get(b.getContext(), ShapedType::kDynamic, strides));
  }
  return bufferization::ToBufferOp::create(b, loc, mt, t, /*read_only=*/true);
}

/// Address of the first element of `memref` as i64, and its strides.
std::pair<Value, SmallVector<Value>> describe(OpBuilder &b, Location loc,
                                              Value memref) {
  auto mt = cast<MemRefType>(memref.getType());
  auto md = memref::ExtractStridedMetadataOp::create(b, loc, memref);
  Value base = memref::ExtractAlignedPointerAsIndexOp::create(
      b, loc, md.getBaseBuffer());
  Value eltBytes =
      arith::ConstantIndexOp::create(b, loc, mt.getElementTypeBitWidth() / 8);
  Value off = arith::MulIOp::create(b, loc, md.getOffset(), eltBytes);
  Value addr = arith::AddIOp::create(b, loc, base, off);
  auto toI64 = [&](Value v) {
    return arith::IndexCastOp::create(b, loc, b.getI64Type(), v).getResult();
  };
  SmallVector<Value> strides;
  for (Value s : md.getStrides())
    strides.push_back(toI64(s));
  return {toI64(addr), strides};
}

void lower(seq::QuantMatMulOp op, func::FuncOp callee) {
  OpBuilder b(op);
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

  Value scales = op.getScales();
  auto st = cast<RankedTensorType>(scales.getType());
  if (!st.getElementType().isF32())
    scales = seq::CastOp::create(b, loc, st.clone(b.getF32Type()), scales);

  Value xBuf = readBuffer(b, loc, x, /*dense=*/false);
  Value wBuf = readBuffer(b, loc, op.getWeight(), /*dense=*/true);
  Value sBuf = readBuffer(b, loc, scales, /*dense=*/true);
  Value zBuf = op.getZeroPoints()
                   ? readBuffer(b, loc, op.getZeroPoints(), /*dense=*/true)
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
  auto [xPtr, xStrides] = describe(b, loc, xBuf);
  Value zPtr = zBuf ? describe(b, loc, zBuf).first : i64(0);
  Value m = arith::IndexCastOp::create(b, loc, b.getI64Type(), rows);
  SmallVector<Value> args{i64(0),
                          m,
                          i64(n),
                          i64(k),
                          xPtr,
                          xStrides[0],
                          xStrides[1],
                          describe(b, loc, wBuf).first,
                          describe(b, loc, sBuf).first,
                          zPtr,
                          describe(b, loc, out).first,
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
    : PassWrapper<LowerQuantMatMulPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(LowerQuantMatMulPass)

  StringRef getArgument() const final { return "seq-lower-quant-matmul"; }
  StringRef getDescription() const final {
    return "Lower seq.quant_matmul to seqc_uk_qgemm calls on its buffers";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<arith::ArithDialect, bufferization::BufferizationDialect,
                    func::FuncDialect, memref::MemRefDialect,
                    tensor::TensorDialect>();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<seq::QuantMatMulOp> ops;
    module.walk([&](seq::QuantMatMulOp op) { ops.push_back(op); });
    if (ops.empty())
      return;
    func::FuncOp callee = declareQgemm(module);
    for (seq::QuantMatMulOp op : ops)
      lower(op, callee);
  }
};

} // namespace

std::unique_ptr<Pass> createLowerQuantMatMulPass() {
  return std::make_unique<LowerQuantMatMulPass>();
}

void registerQuantPasses() { PassRegistration<LowerQuantMatMulPass>(); }

} // namespace seqc
