//===- SSMState.cpp - past/present recurrent states -> session state ------===//
//
// State-space and linear-attention exporters write a generation step as a
// pure function: past_state in, present_state out (LinearAttention,
// CausalConvWithState). Run that way, the caller copies every state each
// step. Here the step's @main is rewritten so that the past input *is* the
// state: the output disappears and the scan's final state is materialized
// into the argument's buffer. The scan lowering updates its state in place
// (LinearScanToLinalg.cpp), so after bufferization that materialization is
// a self-copy that folds away: a decode step writes the state where it
// read it, with no state-sized buffer or copy.
//
//===----------------------------------------------------------------------===//

#include "seqc/Transforms/Passes.h"

#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "llvm/ADT/BitVector.h"

using namespace mlir;

namespace seqc {
#define GEN_PASS_DEF_SEQSSMSTATE
#include "seqc/Transforms/Passes.h.inc"

namespace {

/// The @main argument whose final state `v` is: the initial state of the
/// seq.linear_scan / seq.causal_conv that produces `v` as its final state,
/// when that is an argument of `fn` of `v`'s type; else null.
BlockArgument stateSource(func::FuncOp fn, Value v) {
  Value init;
  if (auto scan = v.getDefiningOp<seq::LinearScanOp>()) {
    if (v == scan.getFinalState())
      init = scan.getInitialState();
  } else if (auto conv = v.getDefiningOp<seq::CausalConvOp>()) {
    if (v == conv.getNewState())
      init = conv.getState();
  }
  auto arg = dyn_cast_or_null<BlockArgument>(init);
  if (!arg || arg.getOwner()->getParentOp() != fn ||
      arg.getType() != v.getType() ||
      !cast<RankedTensorType>(v.getType()).hasStaticShape())
    return {};
  return arg;
}

struct SSMStatePass : impl::SeqSSMStateBase<SSMStatePass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto fn = module.lookupSymbol<func::FuncOp>("main");
    if (!fn) {
      module.emitError("seq-ssm-state: no @main function");
      return signalPassFailure();
    }
    Block &entry = fn.getBody().front();
    auto ret = cast<func::ReturnOp>(entry.getTerminator());
    OpBuilder b(fn.getContext());
    llvm::BitVector dropped(fn.getNumResults());
    SmallVector<Attribute> names;
    auto resultName = [&](unsigned r) -> StringRef {
      auto n = fn.getResultAttrOfType<StringAttr>(r, "seq.name");
      return n ? n.getValue() : StringRef();
    };
    // Marks `arg` as state i and writes `value` into its buffer at the end
    // of the step. The buffer is taken before anything reads the argument,
    // so that an in-place update of the argument is no conflict for
    // one-shot bufferization.
    auto makeState = [&](BlockArgument arg, Value value, unsigned r) {
      unsigned i = arg.getArgNumber();
      fn.setArgAttr(i, "seq.role", b.getStringAttr("state"));
      fn.setArgAttr(i, "seq.state_index", b.getI64IntegerAttr(names.size()));
      names.push_back(b.getStringAttr(resultName(r)));
      dropped.set(r);
      auto t = cast<RankedTensorType>(arg.getType());
      auto mt = MemRefType::get(t.getShape(), t.getElementType());
      b.setInsertionPointToStart(&entry);
      Value buf = bufferization::ToBufferOp::create(b, arg.getLoc(), mt, arg,
                                                    /*readOnly=*/true);
      b.setInsertionPoint(ret);
      auto m = bufferization::MaterializeInDestinationOp::create(
          b, value.getLoc(), value, buf);
      m.setWritable(true);
    };

    if (presentNames.empty()) {
      // Decode form: present = final state of a scan of past.
      llvm::SmallPtrSet<BlockArgument, 4> seen;
      for (unsigned r = 0, e = ret.getNumOperands(); r < e; ++r) {
        BlockArgument past = stateSource(fn, ret.getOperand(r));
        if (!past || fn.getArgAttr(past.getArgNumber(), "seq.role") ||
            !seen.insert(past).second)
          continue;
        makeState(past, ret.getOperand(r), r);
      }
    } else {
      // Prefill form: the named outputs fill new state arguments.
      for (const std::string &name : presentNames) {
        unsigned r = 0, e = ret.getNumOperands();
        while (r < e && resultName(r) != name)
          ++r;
        if (r == e) {
          fn.emitError("seq-ssm-state: no output named '") << name << "'";
          return signalPassFailure();
        }
        auto type = dyn_cast<RankedTensorType>(ret.getOperand(r).getType());
        if (!type || !type.hasStaticShape() || dropped.test(r)) {
          fn.emitError("seq-ssm-state: output '")
              << name << "' is not a static tensor (or is named twice)";
          return signalPassFailure();
        }
        unsigned argIndex = fn.getNumArguments();
        if (failed(fn.insertArgument(argIndex, type, {}, fn.getLoc())))
          return signalPassFailure();
        fn.setArgAttr(argIndex, "seq.name", b.getStringAttr("state." + name));
        makeState(fn.getArgument(argIndex), ret.getOperand(r), r);
      }
    }
    for (int r = dropped.size() - 1; r >= 0; --r)
      if (dropped.test(r))
        ret->eraseOperand(r);
    if (failed(fn.eraseResults(dropped)))
      return signalPassFailure();
    SmallVector<Type> argTypes(entry.getArgumentTypes());
    fn.setFunctionType(
        FunctionType::get(fn.getContext(), argTypes, ret.getOperandTypes()));
    module->setAttr("seq.state_names", b.getArrayAttr(names));
  }
};

} // namespace
} // namespace seqc
