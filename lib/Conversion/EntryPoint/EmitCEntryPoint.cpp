//===- EmitCEntryPoint.cpp - the artifact's C entry point -----------------===//
//
// The runtime (lib/Runtime) calls `seqc_model_entry(void **args)` with one
// memref-descriptor pointer per input and output, and parses the
// `seqc_model_desc` string. Both are emitted here on the LLVM-dialect module;
// every other symbol of the compiled model is hidden.
//
//===----------------------------------------------------------------------===//

#include "seqc/Conversion/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"

using namespace mlir;

namespace seqc {
#define GEN_PASS_DEF_SEQEMITCENTRYPOINT
#include "seqc/Conversion/Passes.h.inc"

namespace {
struct EmitCEntryPointPass
    : impl::SeqEmitCEntryPointBase<EmitCEntryPointPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    auto desc = module->getAttrOfType<StringAttr>("seq.abi_desc");
    auto callee =
        module.lookupSymbol<LLVM::LLVMFuncOp>("_mlir_ciface_seqc_graph");
    if (!desc || !callee) {
      module.emitError("expected a 'seq.abi_desc' attribute and "
                       "'_mlir_ciface_seqc_graph' (run after lowering to LLVM)");
      return signalPassFailure();
    }
    for (auto fn : module.getOps<LLVM::LLVMFuncOp>())
      if (!fn.isExternal())
        fn.setVisibility_(LLVM::Visibility::Hidden);

    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    Location loc = module.getLoc();
    auto ptrTy = LLVM::LLVMPointerType::get(ctx);
    auto entry = LLVM::LLVMFuncOp::create(
        b, loc, "seqc_model_entry",
        LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx), {ptrTy}));
    entry.setVisibility_(LLVM::Visibility::Hidden);
    Block *body = entry.addEntryBlock(b);
    b.setInsertionPointToStart(body);
    SmallVector<Value> args;
    unsigned n = callee.getFunctionType().getNumParams();
    for (unsigned i = 0; i < n; ++i) {
      Value slot = LLVM::GEPOp::create(b, loc, ptrTy, ptrTy,
                                       body->getArgument(0),
                                       ArrayRef<LLVM::GEPArg>{(int32_t)i});
      args.push_back(LLVM::LoadOp::create(b, loc, ptrTy, slot));
    }
    LLVM::CallOp::create(b, loc, callee, args);
    LLVM::ReturnOp::create(b, loc, ValueRange{});

    b.setInsertionPointToEnd(module.getBody());
    std::string text = desc.getValue().str();
    text.push_back('\0');
    auto arrTy = LLVM::LLVMArrayType::get(IntegerType::get(ctx, 8), text.size());
    auto global = LLVM::GlobalOp::create(b, loc, arrTy, /*isConstant=*/true,
                                         LLVM::Linkage::External,
                                         "seqc_model_desc",
                                         b.getStringAttr(text));
    global.setVisibility_(LLVM::Visibility::Hidden);
    module->removeAttr("seq.abi_desc");
  }
};
} // namespace
} // namespace seqc
