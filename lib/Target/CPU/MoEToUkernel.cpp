//===- MoEToUkernel.cpp - seq.moe -> seqc_uk_moe, seq.moe_gate -> seq ops -===//
//
// seq.moe leaves the seq dialect before seq-to-linalg as one call of the
// runtime's grouped-expert kernel (lib/Runtime/ukernels/moe.c), which groups
// the tokens by expert and runs one sgemm per selected expert over only its
// tokens (weights packed once per process when they are constants). The
// operands are bridged to memrefs with bufferization.to_buffer {read_only}
// (constants become memref.get_global after one-shot bufferization), the
// result is a fresh buffer handed back with bufferization.to_tensor
// {restrict, writable}. Deallocation places frees at the end of the block,
// after the call, so passing addresses as integers is safe.
//
// seq.moe_gate is rewritten into the seq ops it stands for (softmax, topk,
// and the renormalising division), which seq-to-linalg lowers.
//
//===----------------------------------------------------------------------===//

#include "seqc/Target/CPUPasses.h"

#include "KernelCall.h"

#include "seq/IR/SeqMoEOps.h"
#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

using namespace mlir;

namespace seqc {
#define GEN_PASS_DEF_SEQLOWERMOE
#include "seqc/Target/CPUPasses.h.inc"

namespace {

constexpr StringLiteral kMoE = "seqc_uk_moe";
// Must match seqc_uk_moe's parameter list in lib/Runtime/ukernels/moe.c.
constexpr int kMoEArgs = 42;

// Flags of seqc_uk_moe (lib/Runtime/ukernels/moe.c).
enum : int64_t {
  kExpertsConst = 1,
  kSharedConst = 2,
  kHasShared = 4,
  kHasSharedGate = 8,
};

/// The source of a seq.transpose of `v` that swaps its last two dims
/// (weights stored in x out, as MatMul operands): the kernel reads it in
/// place with swapped strides instead of a transposed copy.
seq::TransposeOp transposedView(Value v) {
  auto tr = v ? v.getDefiningOp<seq::TransposeOp>() : seq::TransposeOp();
  if (!tr)
    return {};
  ArrayRef<int64_t> perm = tr.getPermutation();
  int64_t r = perm.size();
  if (r < 2 || perm[r - 1] != r - 2 || perm[r - 2] != r - 1)
    return {};
  for (int64_t d = 0; d < r - 2; ++d)
    if (perm[d] != d)
      return {};
  return tr;
}

bool isConstant(Value v) {
  if (auto tr = transposedView(v))
    v = tr.getInput();
  return v && v.getDefiningOp<arith::ConstantOp>();
}

void lowerMoE(seq::MoEOp op, func::FuncOp callee, int64_t callId) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  auto i64 = [&](int64_t v) {
    return arith::ConstantIntOp::create(b, loc, v, 64).getResult();
  };
  auto xt = cast<RankedTensorType>(op.getInput().getType());
  auto upT = cast<RankedTensorType>(op.getUpWeights().getType());
  auto downT = cast<RankedTensorType>(op.getDownWeights().getType());
  int64_t h = xt.getDimSize(1);
  int64_t k = cast<RankedTensorType>(op.getWeights().getType()).getDimSize(1);

  Value indices = op.getIndices();
  auto it = cast<RankedTensorType>(indices.getType());
  if (!it.getElementType().isInteger(64))
    indices = seq::CastOp::create(b, loc, it.clone(b.getI64Type()), indices);

  SmallVector<int32_t> kinds;
  for (seq::MoEExpertKind kind : op.getExpertKinds())
    kinds.push_back(static_cast<int32_t>(kind));
  auto kindsType =
      RankedTensorType::get({(int64_t)kinds.size()}, b.getI32Type());
  Value kindsT = arith::ConstantOp::create(
      b, loc, DenseIntElementsAttr::get(kindsType, ArrayRef<int32_t>(kinds)));

  int64_t flags = 0;
  if (isConstant(op.getUpWeights()) && isConstant(op.getDownWeights()))
    flags |= kExpertsConst;
  if (op.getSharedUp()) {
    flags |= kHasShared;
    if (isConstant(op.getSharedUp()) && isConstant(op.getSharedDown()))
      flags |= kSharedConst;
    if (op.getSharedGate())
      flags |= kHasSharedGate;
  }

  Value rows = tensor::DimOp::create(b, loc, op.getInput(), 0);
  auto outType = MemRefType::get({xt.getDimSize(0), h}, b.getF32Type());
  SmallVector<Value> dynSizes;
  if (outType.isDynamicDim(0))
    dynSizes.push_back(rows);
  Value out = memref::AllocOp::create(b, loc, outType, dynSizes,
                                      b.getI64IntegerAttr(64));

  // Operand -> (address, strides...); an absent operand is (0, 0...).
  SmallVector<Value> args{
      i64(flags),
      arith::IndexCastOp::create(b, loc, b.getI64Type(), rows),
      i64(h),
      i64(k),
      i64((int64_t)kinds.size()),
      i64(op.getActivation())};
  // (address, strides...) of an operand, read in place through a transpose
  // of its last two dims; an absent operand is (0, 0...).
  auto push = [&](Value t, int rank) {
    if (!t) {
      args.append(rank + 1, i64(0));
      return;
    }
    seq::TransposeOp tr = transposedView(t);
    auto [ptr, strides] = cpu::describeBuffer(
        b, loc,
        cpu::readBuffer(b, loc, tr ? tr.getInput() : t, /*dense=*/false,
                        "seq.moe_call", callId));
    if (tr)
      std::swap(strides[rank - 1], strides[rank - 2]);
    args.push_back(ptr);
    args.append(strides);
  };
  push(op.getInput(), 2);
  push(op.getWeights(), 2);
  push(indices, 2);
  push(kindsT, 1);
  args.push_back(i64(upT.getDimSize(1)));
  push(op.getUpWeights(), 3);
  args.push_back(i64(downT.getDimSize(2)));
  push(op.getDownWeights(), 3);
  int64_t sharedN = 0, sharedI = 0;
  if (Value su = op.getSharedUp()) {
    sharedN = cast<RankedTensorType>(su.getType()).getDimSize(0);
    sharedI =
        cast<RankedTensorType>(op.getSharedDown().getType()).getDimSize(1);
  }
  args.push_back(i64(sharedN));
  push(op.getSharedUp(), 2);
  args.push_back(i64(sharedI));
  push(op.getSharedDown(), 2);
  push(op.getSharedGate(), 2);
  push(op.getConstants(), 2);
  args.push_back(cpu::describeBuffer(b, loc, out).first);
  assert(args.size() == kMoEArgs && "seqc_uk_moe signature mismatch");
  auto call = func::CallOp::create(b, loc, callee, args);
  // Shapes for the cost report (seq-cascade-report, --emit=cascade).
  int64_t ffn = upT.getDimSize(0), experts = (int64_t)kinds.size();
  call->setAttr("seq.moe_cost",
                b.getDenseI64ArrayAttr({xt.getDimSize(0), k, experts, ffn, h,
                                        upT.getDimSize(1), downT.getDimSize(2),
                                        sharedN, sharedI}));

  Value y = bufferization::ToTensorOp::create(
      b, loc, RankedTensorType::get(outType.getShape(), b.getF32Type()), out,
      /*restrict=*/b.getUnitAttr(), /*writable=*/b.getUnitAttr());
  if (y.getType() != op.getType())
    y = tensor::CastOp::create(b, loc, op.getType(), y);
  SmallVector<Value> operands(op->getOperands());
  op.replaceAllUsesWith(y);
  op.erase();
  // Transposes only the call read through are dead now.
  for (Value w : operands)
    if (Operation *def = w.getDefiningOp())
      if (isa<seq::TransposeOp>(def) && def->use_empty())
        def->erase();
}

/// The export's form of seq.moe in plain seq ops, for targets without the
/// runtime kernel (--target=cuda): every (token, slot) pair gathers its
/// expert's weights and runs a batched matrix-vector product (k times the
/// selected experts' weights moved, but no host call on device buffers).
LogicalResult lowerMoEGeneric(seq::MoEOp op) {
  if (op.getConstants() ||
      llvm::any_of(op.getExpertKinds(), [](seq::MoEExpertKind k) {
        return k != seq::MoEExpertKind::ffn;
      }))
    return op.emitOpError("with zero/copy/constant experts has no generic "
                          "lowering (needs the CPU runtime kernel)");
  auto xt = cast<RankedTensorType>(op.getInput().getType());
  if (!xt.hasStaticShape())
    return op.emitOpError("generic lowering needs a static token count");
  OpBuilder b(op);
  Location loc = op.getLoc();
  auto f32 = b.getF32Type();
  int64_t t = xt.getDimSize(0), h = xt.getDimSize(1);
  int64_t k = cast<RankedTensorType>(op.getWeights().getType()).getDimSize(1);
  auto upT = cast<RankedTensorType>(op.getUpWeights().getType());
  int64_t n = upT.getDimSize(1);
  int64_t inter =
      cast<RankedTensorType>(op.getDownWeights().getType()).getDimSize(2);
  auto ty = [&](ArrayRef<int64_t> shape, Type elt) {
    return RankedTensorType::get(shape, elt);
  };
  auto reshape = [&](Value v, ArrayRef<int64_t> shape) -> Value {
    auto vt = cast<RankedTensorType>(v.getType());
    return seq::ReshapeOp::create(b, loc, ty(shape, vt.getElementType()), v);
  };
  Value indices = op.getIndices();
  auto it = cast<RankedTensorType>(indices.getType());
  if (!it.getElementType().isInteger(64))
    indices = seq::CastOp::create(b, loc, it.clone(b.getI64Type()), indices);
  Value idx = reshape(indices, {t * k, 1});
  Value xs = seq::BroadcastOp::create(b, loc, ty({t, k, h}, f32),
                                      reshape(op.getInput(), {t, 1, h}));
  Value xcol = reshape(xs, {t * k, h, 1});
  Value gup =
      seq::GatherNDOp::create(b, loc, ty({t * k, n, h}, f32), op.getUpWeights(),
                              idx, b.getI64IntegerAttr(0));
  Value u =
      reshape(seq::MatMulOp::create(b, loc, ty({t * k, n, 1}, f32), gup, xcol),
              {t * k, n});
  // act(u[rows, N]) -> [rows, I].
  auto activate = [&](Value u, int64_t rows, int64_t inter) -> Value {
    if (op.getActivationKind() == seq::MoEActivation::swiglu) {
      auto half = [&](int64_t off) -> Value {
        return tensor::ExtractSliceOp::create(
            b, loc, ty({rows, inter}, f32), u, ValueRange{}, ValueRange{},
            ValueRange{}, b.getDenseI64ArrayAttr({0, off}),
            b.getDenseI64ArrayAttr({rows, inter}),
            b.getDenseI64ArrayAttr({1, 1}));
      };
      return seq::SwiGLUOp::create(b, loc, ty({rows, inter}, f32), half(0),
                                   half(inter));
    }
    return seq::GeluOp::create(b, loc, u.getType(), u,
                               op.getActivationKind() ==
                                       seq::MoEActivation::gelu_tanh
                                   ? seq::GeluApproximation::tanh
                                   : seq::GeluApproximation::none);
  };
  Value act = activate(u, t * k, inter);
  Value gdown =
      seq::GatherNDOp::create(b, loc, ty({t * k, h, inter}, f32),
                              op.getDownWeights(), idx, b.getI64IntegerAttr(0));
  Value y = reshape(seq::MatMulOp::create(b, loc, ty({t * k, h, 1}, f32), gdown,
                                          reshape(act, {t * k, inter, 1})),
                    {t * k, h});
  Value yw = seq::MulOp::create(b, loc, ty({t * k, h}, f32), y,
                                reshape(op.getWeights(), {t * k, 1}));
  Value out =
      seq::ReduceOp::create(b, loc, ty({t, h}, f32), reshape(yw, {t, k, h}),
                            seq::ReduceKind::sum, b.getDenseI64ArrayAttr({1}),
                            /*keep_dims=*/false);
  if (Value su = op.getSharedUp()) {
    // Dense on every token: x [T,H] @ w^T for the out x in weights (the
    // source of a transposed view directly).
    auto linear = [&](Value x, Value w) -> Value {
      auto wt = cast<RankedTensorType>(w.getType());
      Value wT;
      if (seq::TransposeOp tr = transposedView(w))
        wT = tr.getInput();
      else
        wT = seq::TransposeOp::create(
            b, loc, ty({wt.getDimSize(1), wt.getDimSize(0)}, f32), w,
            b.getDenseI64ArrayAttr({1, 0}));
      return seq::MatMulOp::create(b, loc, ty({t, wt.getDimSize(0)}, f32), x,
                                   wT);
    };
    int64_t si =
        cast<RankedTensorType>(op.getSharedDown().getType()).getDimSize(1);
    Value sy =
        linear(activate(linear(op.getInput(), su), t, si), op.getSharedDown());
    if (Value g = op.getSharedGate())
      sy = seq::MulOp::create(b, loc, ty({t, h}, f32), sy,
                              seq::SigmoidOp::create(b, loc, ty({t, 1}, f32),
                                                     linear(op.getInput(), g)));
    out = seq::AddOp::create(b, loc, ty({t, h}, f32), out, sy);
  }
  if (out.getType() != op.getType())
    out = tensor::CastOp::create(b, loc, op.getType(), out);
  op.replaceAllUsesWith(out);
  op.erase();
  return success();
}

/// softmax -> topk (-> / sum over the k weights).
void lowerGate(seq::MoEGateOp op) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  Value probs = seq::SoftmaxOp::create(b, loc, op.getLogits().getType(),
                                       op.getLogits(), /*axis=*/1,
                                       /*log=*/false);
  auto topk = seq::TopKOp::create(b, loc, op.getWeights().getType(),
                                  op.getIndices().getType(), probs, op.getK(),
                                  /*axis=*/1, /*largest=*/true);
  Value weights = topk.getValues();
  if (op.getNormalize()) {
    auto wt = cast<RankedTensorType>(weights.getType());
    auto sumType =
        RankedTensorType::get({wt.getDimSize(0), 1}, wt.getElementType());
    Value sum =
        seq::ReduceOp::create(b, loc, sumType, weights, seq::ReduceKind::sum,
                              b.getDenseI64ArrayAttr({1}),
                              /*keep_dims=*/true);
    weights = seq::DivOp::create(b, loc, wt, weights, sum);
  }
  op.getWeights().replaceAllUsesWith(weights);
  op.getIndices().replaceAllUsesWith(topk.getIndices());
  op.erase();
}

struct LowerMoEPass : impl::SeqLowerMoEBase<LowerMoEPass> {
  using SeqLowerMoEBase::SeqLowerMoEBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<seq::MoEGateOp> gates;
    SmallVector<seq::MoEOp> moes;
    module.walk([&](Operation *op) {
      if (auto g = dyn_cast<seq::MoEGateOp>(op))
        gates.push_back(g);
      else if (auto m = dyn_cast<seq::MoEOp>(op))
        moes.push_back(m);
    });
    for (seq::MoEGateOp g : gates)
      lowerGate(g);
    if (moes.empty())
      return;
    if (generic) {
      for (seq::MoEOp m : moes)
        if (failed(lowerMoEGeneric(m)))
          return signalPassFailure();
      return;
    }
    func::FuncOp callee = cpu::declareI64Kernel(module, kMoE, kMoEArgs);
    for (auto [callId, m] : llvm::enumerate(moes))
      lowerMoE(m, callee, callId);
  }
};

} // namespace

} // namespace seqc
