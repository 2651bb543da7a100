//===- Signedness.cpp - unsigned element types in the lowering ------------===//
//
// seq tensors may have unsigned integer elements (ONNX uint8..uint64, uint4,
// uint2), which select unsigned semantics (divui, cmpi ult, uitofp, ...).
// arith only computes on signless integers, so seq-to-linalg builds every
// scalar body on signless values and bridges its tensors with
// unrealized_conversion_cast. The ABI signature is taken after seq-to-linalg,
// still with unsigned types; then `seq-strip-signedness` makes the whole
// module signless (types, attributes, constants) and drops the now identity
// casts, before bufferization.
//
//===----------------------------------------------------------------------===//

#include "Common.h"
#include "seqc/Conversion/Passes.h"

#include "mlir/IR/AttrTypeSubElements.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/BuiltinOps.h"

using namespace mlir;

namespace seqc {
namespace lowering {

static Type signlessElement(Type t) {
  if (auto it = dyn_cast<IntegerType>(t); it && !it.isSignless())
    return IntegerType::get(t.getContext(), it.getWidth());
  return t;
}

Type signless(Type t) {
  if (auto st = dyn_cast<ShapedType>(t))
    return st.clone(signlessElement(st.getElementType()));
  return signlessElement(t);
}

Value castToSignless(OpBuilder &b, Location loc, Value v) {
  Type t = signless(v.getType());
  if (t == v.getType())
    return v;
  return UnrealizedConversionCastOp::create(b, loc, t, v).getResult(0);
}

Value castFromSignless(OpBuilder &b, Location loc, Value v, Type original) {
  if (v.getType() == original)
    return v;
  return UnrealizedConversionCastOp::create(b, loc, original, v).getResult(0);
}

} // namespace lowering

#define GEN_PASS_DEF_SEQSTRIPSIGNEDNESS
#include "seqc/Conversion/Passes.h.inc"

namespace {
struct SeqStripSignednessPass
    : impl::SeqStripSignednessBase<SeqStripSignednessPass> {
  void runOnOperation() override {
    AttrTypeReplacer replacer;
    replacer.addReplacement([](IntegerType t) -> std::optional<Type> {
      if (t.isSignless())
        return std::nullopt;
      return IntegerType::get(t.getContext(), t.getWidth());
    });
    // Constants keep their bytes; only the element type changes.
    replacer.addReplacement(
        [](DenseIntOrFPElementsAttr a) -> std::optional<Attribute> {
          auto type = cast<ShapedType>(lowering::signless(a.getType()));
          if (type == a.getType())
            return std::nullopt;
          return DenseElementsAttr::getFromRawBuffer(type, a.getRawData());
        });
    replacer.addReplacement(
        [](DenseResourceElementsAttr a) -> std::optional<Attribute> {
          auto type = cast<ShapedType>(lowering::signless(a.getType()));
          if (type == a.getType())
            return std::nullopt;
          return DenseResourceElementsAttr::get(type, a.getRawHandle());
        });
    replacer.recursivelyReplaceElementsIn(getOperation(), /*replaceAttrs=*/true,
                                          /*replaceLocs=*/false,
                                          /*replaceTypes=*/true);
    getOperation()->walk([](UnrealizedConversionCastOp op) {
      if (op->getNumOperands() == 1 && op->getNumResults() == 1 &&
          op.getOperand(0).getType() == op.getResult(0).getType()) {
        op.getResult(0).replaceAllUsesWith(op.getOperand(0));
        op.erase();
      }
    });
  }
};
} // namespace
} // namespace seqc
