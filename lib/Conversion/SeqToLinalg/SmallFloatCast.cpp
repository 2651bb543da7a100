//===- SmallFloatCast.cpp - casts from/to 8- and 4-bit floats -------------===//
//
// LLVM has no 8-bit or 4-bit float types (it stores them as i8/i4) and MLIR
// does not lower arith.extf/truncf for most of them, so seq.cast with an
// f8E4M3FN, f8E4M3FNUZ, f8E5M2, f8E5M2FNUZ, f8E8M0FNU or f4E2M1FN side
// goes through f32 and two runtime functions (lib/Runtime/float8.c), which
// implement ONNX's rounding, saturation and NaN rules on bit patterns:
//
//   float seqc_small_float_to_f32(uint8_t bits, int32_t onnx_dtype);
//   uint8_t seqc_f32_to_small_float(float x, int32_t onnx_dtype,
//                                   int32_t saturate);
//
//===----------------------------------------------------------------------===//

#include "Common.h"
#include "Patterns.h"
#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;

namespace seqc::lowering {
namespace {

/// ONNX TensorProto.DataType code of a small float type, 0 otherwise.
int32_t smallFloatCode(Type t) {
  return llvm::TypeSwitch<Type, int32_t>(t)
      .Case([](Float8E4M3FNType) { return 17; })
      .Case([](Float8E4M3FNUZType) { return 18; })
      .Case([](Float8E5M2Type) { return 19; })
      .Case([](Float8E5M2FNUZType) { return 20; })
      .Case([](Float4E2M1FNType) { return 23; })
      .Case([](Float8E8M0FNUType) { return 24; })
      .Default([](Type) { return 0; });
}

/// The private declaration of runtime function `name`, created on first use.
func::FuncOp declare(PatternRewriter &rw, Operation *from, StringRef name,
                     FunctionType type) {
  auto module = from->getParentOfType<ModuleOp>();
  if (auto fn = module.lookupSymbol<func::FuncOp>(name))
    return fn;
  OpBuilder::InsertionGuard guard(rw);
  rw.setInsertionPointToStart(module.getBody());
  auto fn = func::FuncOp::create(rw, module.getLoc(), name, type);
  fn.setPrivate();
  return fn;
}

struct SmallFloatCastLowering : OpRewritePattern<seq::CastOp> {
  SmallFloatCastLowering(MLIRContext *ctx)
      : OpRewritePattern(ctx, /*benefit=*/2) {}

  LogicalResult matchAndRewrite(seq::CastOp op,
                                PatternRewriter &rw) const override {
    Type from = op.getInput().getType().getElementType();
    Type to = op.getType().getElementType();
    int32_t fromCode = smallFloatCode(from), toCode = smallFloatCode(to);
    if (!fromCode && !toCode)
      return failure();
    if (!op->getParentOfType<ModuleOp>())
      return rw.notifyMatchFailure(op, "needs an enclosing module");
    Location loc = op.getLoc();
    Type i8 = rw.getI8Type(), i32 = rw.getI32Type(), f32 = rw.getF32Type();
    func::FuncOp decode = declare(rw, op, "seqc_small_float_to_f32",
                                  rw.getFunctionType({i8, i32}, {f32}));
    func::FuncOp encode = declare(rw, op, "seqc_f32_to_small_float",
                                  rw.getFunctionType({f32, i32, i32}, {i8}));
    bool saturate = op.getSaturate();

    auto resultType = op.getType();
    auto signlessResult = cast<RankedTensorType>(signless(resultType));
    Value input = castToSignless(rw, loc, op.getInput());
    Value init = createEmpty(rw, loc, signlessResult, input);
    auto id = AffineMap::getMultiDimIdentityMap(resultType.getRank(),
                                                rw.getContext());
    auto body = [&](OpBuilder &b, Location l,
                    ValueRange args) -> SmallVector<Value> {
      auto cst = [&](int32_t v) {
        return arith::ConstantOp::create(b, l, b.getI32IntegerAttr(v));
      };
      Value x = args[0];
      Type cur = from;
      if (fromCode) {
        unsigned width = from.getIntOrFloatBitWidth();
        Value bits = arith::BitcastOp::create(b, l, b.getIntegerType(width), x);
        if (width < 8)
          bits = arith::ExtUIOp::create(b, l, i8, bits);
        x = func::CallOp::create(b, l, decode, ValueRange{bits, cst(fromCode)})
                .getResult(0);
        cur = f32;
      }
      if (!toCode)
        return {seq::buildCastScalar(b, l, x, cur, to)};
      x = seq::buildCastScalar(b, l, x, cur, f32);
      Value bits =
          func::CallOp::create(b, l, encode,
                               ValueRange{x, cst(toCode), cst(saturate)})
              .getResult(0);
      unsigned width = to.getIntOrFloatBitWidth();
      if (width < 8)
        bits = arith::TruncIOp::create(b, l, b.getIntegerType(width), bits);
      return {arith::BitcastOp::create(b, l, to, bits)};
    };
    Value result =
        buildGeneric(rw, loc, signlessResult, input, init, {id, id},
                     iterators(resultType.getRank()), body)
            .getResult(0);
    rw.replaceOp(op, castFromSignless(rw, loc, result, resultType));
    return success();
  }
};

} // namespace

void populateSmallFloatCastPatterns(RewritePatternSet &patterns) {
  patterns.add<SmallFloatCastLowering>(patterns.getContext());
}

} // namespace seqc::lowering
