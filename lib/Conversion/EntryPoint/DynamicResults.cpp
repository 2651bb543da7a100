//===- DynamicResults.cpp - results of run-time shape go to the runtime ---===//
//
// buffer-results-to-out-params turns every result into a caller-allocated
// out-parameter, which needs the result's shape before the call. Results
// whose shape depends on the inputs (a symbolic sequence length) are
// handed to the runtime instead, which copies them into a buffer it owns
// and returns to the caller with the actual shape (seqc_run_alloc).
//
//===----------------------------------------------------------------------===//

#include "seqc/Conversion/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/BitVector.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace seqc {
#define GEN_PASS_DEF_SEQDYNAMICRESULTS
#include "seqc/Conversion/Passes.h.inc"

namespace {
struct DynamicResultsPass : impl::SeqDynamicResultsBase<DynamicResultsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::FuncOp> fns;
    for (auto fn : module.getOps<func::FuncOp>())
      if (fn.isPublic() && !fn.isExternal())
        fns.push_back(fn);
    for (func::FuncOp fn : fns)
      if (failed(rewrite(module, fn)))
        return signalPassFailure();
  }

  /// The runtime's setter for element type `elt`, declared on first use.
  FailureOr<func::FuncOp> setter(ModuleOp module, Type elt, Location loc) {
    std::string suffix;
    llvm::raw_string_ostream os(suffix);
    elt.print(os);
    for (char c : suffix)
      if (!isalnum((unsigned char)c))
        return emitError(loc, "a dynamically shaped result of element type ")
               << elt << " cannot be returned through the C ABI";
    std::string name = "seqc_rt_set_output_" + suffix;
    if (auto fn = module.lookupSymbol<func::FuncOp>(name))
      return fn;
    OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
    auto type = b.getFunctionType(
        {b.getI64Type(), UnrankedMemRefType::get(elt, Attribute())}, {});
    auto fn = func::FuncOp::create(b, loc, name, type);
    fn.setPrivate();
    return fn;
  }

  LogicalResult rewrite(ModuleOp module, func::FuncOp fn) {
    FunctionType ft = fn.getFunctionType();
    llvm::BitVector dynamic(ft.getNumResults());
    for (auto [i, t] : llvm::enumerate(ft.getResults()))
      if (auto m = dyn_cast<MemRefType>(t))
        dynamic[i] = !m.hasStaticShape();
    if (dynamic.none())
      return success();
    WalkResult walk = fn.walk([&](func::ReturnOp ret) {
      OpBuilder b(ret);
      for (unsigned i : dynamic.set_bits()) {
        Value v = ret.getOperand(i);
        auto m = cast<MemRefType>(v.getType());
        FailureOr<func::FuncOp> callee =
            setter(module, m.getElementType(), fn.getLoc());
        if (failed(callee))
          return WalkResult::interrupt();
        auto unranked =
            UnrankedMemRefType::get(m.getElementType(), Attribute());
        Value u = memref::CastOp::create(b, ret.getLoc(), unranked, v);
        Value idx = arith::ConstantIntOp::create(b, ret.getLoc(), i, 64);
        func::CallOp::create(b, ret.getLoc(), *callee, ValueRange{idx, u});
      }
      ret->eraseOperands(dynamic);
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return failure();
    return fn.eraseResults(dynamic);
  }
};
} // namespace
} // namespace seqc
