//===- RuntimeChecks.cpp - cf.assert -> seqc_rt_check_failed(id) ----------===//
//
// seq-to-linalg asserts the run-time shape facts that dynamic dims must
// satisfy (equal broadcast dims, matching element counts). cf-to-llvm would
// lower a failing assert to abort(); seqc artifacts report it instead: the
// runtime's seqc_rt_check_failed(id) longjmps back into seqc_run, which
// returns SEQC_ERR_ARGUMENT with message `id` from the ABI description.
//
//===----------------------------------------------------------------------===//

#include "seqc/Conversion/Passes.h"

#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"

using namespace mlir;

namespace seqc {
#define GEN_PASS_DEF_SEQLOWERRUNTIMECHECKS
#include "seqc/Conversion/Passes.h.inc"

namespace {
constexpr StringLiteral kCheckFailed = "seqc_rt_check_failed";

/// Like ModelABI's: the desc is whitespace-separated, one record a line.
std::string percentEncode(StringRef s) {
  std::string out;
  for (unsigned char c : s) {
    if (c <= ' ' || c == '%' || c >= 0x7f) {
      static const char hex[] = "0123456789ABCDEF";
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += (char)c;
    }
  }
  return out;
}

struct LowerRuntimeChecksPass
    : impl::SeqLowerRuntimeChecksBase<LowerRuntimeChecksPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<cf::AssertOp> asserts;
    module.walk([&](cf::AssertOp op) { asserts.push_back(op); });
    if (asserts.empty())
      return;
    MLIRContext *ctx = module.getContext();
    OpBuilder b(ctx);
    auto fnType = b.getFunctionType({b.getI32Type()}, {});
    auto callee = module.lookupSymbol<func::FuncOp>(kCheckFailed);
    if (!callee) {
      b.setInsertionPointToStart(module.getBody());
      callee = func::FuncOp::create(b, module.getLoc(), kCheckFailed, fnType);
      callee.setPrivate();
    } else if (callee.getFunctionType() != fnType) {
      module.emitError() << "@" << kCheckFailed << " has the wrong type";
      return signalPassFailure();
    }
    SmallVector<Attribute> messages;
    std::string desc;
    if (auto old = module->getAttrOfType<StringAttr>("seq.abi_desc"))
      desc = old.str();
    for (cf::AssertOp op : asserts) {
      int32_t id = messages.size();
      messages.push_back(op.getMsgAttr());
      if (!desc.empty() && desc.back() != '\n')
        desc += '\n';
      desc += "check " + std::to_string(id) + " " + percentEncode(op.getMsg()) +
              "\n";
      b.setInsertionPoint(op);
      Location loc = op.getLoc();
      Value ok = op.getArg();
      Value bad = arith::XOrIOp::create(
          b, loc, ok, arith::ConstantIntOp::create(b, loc, 1, 1));
      auto ifOp = scf::IfOp::create(b, loc, bad, /*withElseRegion=*/false);
      b.setInsertionPointToStart(ifOp.thenBlock());
      func::CallOp::create(
          b, loc, callee,
          ValueRange{arith::ConstantIntOp::create(b, loc, id, 32)});
      op.erase();
    }
    module->setAttr("seq.runtime_checks", ArrayAttr::get(ctx, messages));
    if (module->hasAttr("seq.abi_desc"))
      module->setAttr("seq.abi_desc", StringAttr::get(ctx, desc));
  }
};
} // namespace
} // namespace seqc
