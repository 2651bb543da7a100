//===- FusedNorm.cpp - row normalizations as one kernel each --------------===//
//
// seq.rms_norm, seq.layer_norm and seq.softmax (also log-softmax) over the
// trailing dims of a static tensor become one kernel each on the CUDA target,
// instead of the generic lowering's fill + reduction (one thread per row) +
// elementwise kernels:
//   - one warp per row, 4 rows (128 threads) per CTA;
//   - lane l reads columns l, l + 32, ... (coalesced), accumulating in f32;
//   - butterfly shuffles (xor 16 .. 1) give every lane the row's sum / max;
//   - layer norm: the mean, then the centred sum of squares; softmax: the
//     max, then the sum of exp(x - max) (each a further read of the row,
//     which L1/L2 holds);
//   - a last pass writes the normalized row in the element type.
// `seq-gpu-mark-norms` (on tensors, before seq-to-linalg) replaces each
// supported op by a marker call on [rows, N] buffers, as seq-gpu-mark-attention
// does; `seq-gpu-fused-norms` builds the kernels after bufferization.
//
//===----------------------------------------------------------------------===//

#include "seqc/Target/CUDA.h"

#include "KernelBuilder.h"
#include "MarkerCall.h"

#include "seq/IR/SeqOps.h"
#include "seq/IR/SeqSemantics.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/Pass/Pass.h"

using namespace mlir;

namespace seqc {
#define GEN_PASS_DEF_SEQGPUMARKNORMS
#define GEN_PASS_DEF_SEQGPUFUSEDNORMS
#include "seqc/Target/CUDAPasses.h.inc"

namespace {

constexpr StringLiteral kNormMarker = "seq.fused_norm";
constexpr int64_t kRowsPerCta = 4; // one warp per row

enum class NormKind { RMS, Layer, Softmax, LogSoftmax };

static StringRef kindName(NormKind k) {
  switch (k) {
  case NormKind::RMS:
    return "rms";
  case NormKind::Layer:
    return "layer";
  case NormKind::Softmax:
    return "softmax";
  case NormKind::LogSoftmax:
    return "log_softmax";
  }
  llvm_unreachable("norm kind");
}

//===----------------------------------------------------------------------===//
// seq-gpu-mark-norms
//===----------------------------------------------------------------------===//

/// What one supported op becomes: x viewed as [rows, n], per-column
/// parameters viewed as [n].
struct NormSite {
  Operation *op;
  NormKind kind;
  Value input, scale, bias; // scale/bias null where absent
  double epsilon = 0;
  int64_t rows = 1, n = 1;
};

static bool isFloatElt(Type t) {
  return isa<Float32Type, Float16Type, BFloat16Type>(t);
}

/// `p` (static, same element type as x) equals the trailing dims `trailing`
/// up to leading unit dims on either side, so it is a plain [n] vector.
static bool isColumnVector(Value p, ArrayRef<int64_t> trailing, Type elt) {
  auto t = dyn_cast<RankedTensorType>(p.getType());
  if (!t || !t.hasStaticShape() || t.getElementType() != elt)
    return false;
  auto dropOnes = [](ArrayRef<int64_t> s) {
    while (!s.empty() && s.front() == 1)
      s = s.drop_front();
    return s;
  };
  return dropOnes(t.getShape()) == dropOnes(trailing);
}

/// The site for `op` if the fused kernel handles it.
static std::optional<NormSite> matchSite(Operation *op) {
  NormSite s;
  s.op = op;
  int64_t axis;
  if (auto rms = dyn_cast<seq::RMSNormOp>(op)) {
    s.kind = NormKind::RMS;
    s.input = rms.getInput();
    s.scale = rms.getScale();
    s.epsilon = rms.getEpsilon().convertToFloat();
    axis = rms.getAxis();
  } else if (auto ln = dyn_cast<seq::LayerNormOp>(op)) {
    s.kind = NormKind::Layer;
    s.input = ln.getInput();
    s.scale = ln.getScale();
    s.bias = ln.getBias();
    s.epsilon = ln.getEpsilon().convertToFloat();
    axis = ln.getAxis();
  } else if (auto sm = dyn_cast<seq::SoftmaxOp>(op)) {
    s.kind = sm.getLog() ? NormKind::LogSoftmax : NormKind::Softmax;
    s.input = sm.getInput();
    axis = sm.getAxis();
  } else {
    return std::nullopt;
  }
  auto type = dyn_cast<RankedTensorType>(s.input.getType());
  if (!type || !type.hasStaticShape() || type.getRank() == 0 ||
      !isFloatElt(type.getElementType()) || op->getResult(0).getType() != type)
    return std::nullopt;
  int64_t rank = type.getRank();
  std::optional<int64_t> normalized = seq::normalizeAxis(axis, rank);
  if (!normalized)
    return std::nullopt;
  axis = *normalized;
  // Softmax normalizes one axis: only the last one is a row here.
  if ((s.kind == NormKind::Softmax || s.kind == NormKind::LogSoftmax) &&
      axis != rank - 1)
    return std::nullopt;
  ArrayRef<int64_t> shape = type.getShape();
  for (int64_t i = 0; i < rank; ++i)
    (i < axis ? s.rows : s.n) *= shape[i];
  if (s.rows == 0 || s.n == 0)
    return std::nullopt;
  Type elt = type.getElementType();
  for (Value p : {s.scale, s.bias})
    if (p && !isColumnVector(p, shape.drop_front(axis), elt))
      return std::nullopt;
  return s;
}

struct MarkNormsPass : impl::SeqGpuMarkNormsBase<MarkNormsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<NormSite> sites;
    module.walk([&](Operation *op) {
      if (std::optional<NormSite> s = matchSite(op))
        sites.push_back(*s);
    });
    unsigned counter = 0;
    for (NormSite &s : sites) {
      Location loc = s.op->getLoc();
      auto inType = cast<RankedTensorType>(s.input.getType());
      Type elt = inType.getElementType();
      auto rowsType = RankedTensorType::get({s.rows, s.n}, elt);
      auto colType = RankedTensorType::get({s.n}, elt);
      auto bufferOf = [](RankedTensorType t) {
        return MemRefType::get(t.getShape(), t.getElementType());
      };
      OpBuilder b(s.op);
      // seq.reshape keeps the row-major layout: views after bufferization.
      auto view = [&](Value v, RankedTensorType to) -> Value {
        if (v.getType() == to)
          return v;
        return seq::ReshapeOp::create(b, loc, to, v);
      };
      SmallVector<Value> args;
      SmallVector<Type> argTypes;
      auto addArg = [&](Value v, RankedTensorType t) {
        args.push_back(bufferization::ToBufferOp::create(
            b, loc, bufferOf(t), view(v, t), /*read_only=*/true));
        argTypes.push_back(bufferOf(t));
      };
      addArg(s.input, rowsType);
      for (Value p : {s.scale, s.bias})
        if (p)
          addArg(p, colType);
      Value out = memref::AllocOp::create(b, loc, bufferOf(rowsType));
      args.push_back(out);
      argTypes.push_back(out.getType());

      func::FuncOp decl = declareMarker(module, loc, "seqc_fused_norm_",
                                        kNormMarker, argTypes, counter);

      auto call = func::CallOp::create(b, loc, decl, args);
      NamedAttrList attrs;
      attrs.append("kind", b.getStringAttr(kindName(s.kind)));
      attrs.append("epsilon", b.getF32FloatAttr((float)s.epsilon));
      if (s.bias)
        attrs.append("bias", b.getUnitAttr());
      call->setAttr(kNormMarker, attrs.getDictionary(b.getContext()));
      Value rows = bufferization::ToTensorOp::create(
          b, loc, rowsType, out, /*restrict=*/true, /*writable=*/true);
      s.op->getResult(0).replaceAllUsesWith(view(rows, inType));
      s.op->erase();
    }
  }
};

//===----------------------------------------------------------------------===//
// seq-gpu-fused-norms: kernel construction
//===----------------------------------------------------------------------===//

/// memref[idx...] as f32.
static Value loadF32(KernelBuilder &k, Value mem, ValueRange indices) {
  Value v = memref::LoadOp::create(k.b, k.loc, mem, indices);
  if (!v.getType().isF32())
    v = arith::ExtFOp::create(k.b, k.loc, k.b.getF32Type(), v);
  return v;
}

/// Every lane of the warp gets the sum (or max) of all lanes' `v`.
static Value warpAllReduce(KernelBuilder &k, Value v, bool isMax) {
  return k.xorReduce(v, isMax, {16, 8, 4, 2, 1});
}

/// A pass over the warp's row: for every column c = lane + 32 i < n, folds
/// `term(x[row, c], c)` into an f32 accumulator starting at `init`
/// (sum, or max when `isMax`), then reduces across the warp.
static Value rowReduce(KernelBuilder &k, Value x, Value row, Value lane,
                       int64_t n, double init, bool isMax,
                       function_ref<Value(Value, Value)> term) {
  OpBuilder &b = k.b;
  Location loc = k.loc;
  int64_t steps = (n + 31) / 32;
  auto loop = scf::ForOp::create(b, loc, k.idx(0), k.idx(steps), k.idx(1),
                                 ValueRange{k.f32(init)});
  {
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(loop.getBody());
    Value acc = loop.getRegionIterArgs()[0];
    Value col = k.add(lane, k.mul(loop.getInductionVar(), 32));
    auto combine = [&](Value v) {
      Value t = term(v, col);
      return isMax ? k.fmax(acc, t) : k.fadd(acc, t);
    };
    Value next;
    if (n % 32 == 0) {
      next = combine(loadF32(k, x, {row, col}));
    } else {
      // The last step's lanes past n keep the accumulator.
      auto inRange = scf::IfOp::create(b, loc, TypeRange{b.getF32Type()},
                                       k.ult(col, n), /*withElse=*/true);
      for (Block *blk : {inRange.thenBlock(), inRange.elseBlock()})
        if (!blk->empty())
          blk->getTerminator()->erase();
      b.setInsertionPointToStart(inRange.thenBlock());
      scf::YieldOp::create(b, loc, combine(loadF32(k, x, {row, col})));
      b.setInsertionPointToStart(inRange.elseBlock());
      scf::YieldOp::create(b, loc, acc);
      b.setInsertionPointAfter(inRange);
      next = inRange.getResult(0);
    }
    scf::YieldOp::create(b, loc, next);
  }
  return warpAllReduce(k, loop.getResult(0), isMax);
}

/// The last pass: out[row, c] = value(x[row, c], c) for the warp's columns.
static void rowWrite(KernelBuilder &k, Value x, Value out, Value row,
                     Value lane, int64_t n,
                     function_ref<Value(Value, Value)> value) {
  OpBuilder &b = k.b;
  Location loc = k.loc;
  Type elt = cast<MemRefType>(out.getType()).getElementType();
  auto loop =
      scf::ForOp::create(b, loc, k.idx(0), k.idx((n + 31) / 32), k.idx(1));
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPointToStart(loop.getBody());
  Value col = k.add(lane, k.mul(loop.getInductionVar(), 32));
  if (n % 32 != 0) {
    auto inRange = scf::IfOp::create(b, loc, k.ult(col, n), /*withElse=*/false);
    b.setInsertionPointToStart(inRange.thenBlock());
  }
  Value y = value(loadF32(k, x, {row, col}), col);
  if (!elt.isF32())
    y = arith::TruncFOp::create(b, loc, elt, y);
  memref::StoreOp::create(b, loc, y, out, ValueRange{row, col});
}

static LogicalResult buildNormKernel(func::CallOp call) {
  auto attrs = call->getAttrOfType<DictionaryAttr>(kNormMarker);
  auto kindAttr = attrs ? attrs.getAs<StringAttr>("kind") : StringAttr();
  auto epsAttr = attrs ? attrs.getAs<FloatAttr>("epsilon") : FloatAttr();
  if (!kindAttr || !epsAttr)
    return call.emitError("malformed fused-norm marker call");
  StringRef kind = kindAttr.getValue();
  bool hasBias = attrs.contains("bias");
  unsigned params = kind == "rms" ? 1 : kind == "layer" ? (hasBias ? 2 : 1) : 0;
  if ((kind != "rms" && kind != "layer" && kind != "softmax" &&
       kind != "log_softmax") ||
      call.getNumOperands() != params + 2)
    return call.emitError("malformed fused-norm marker call");
  Value x = call.getOperand(0), out = call.getOperands().back();
  Value scale = params >= 1 ? call.getOperand(1) : Value();
  Value bias = params == 2 ? call.getOperand(2) : Value();
  auto xType = cast<MemRefType>(x.getType());
  if (xType.getRank() != 2 || !xType.hasStaticShape() ||
      out.getType() != x.getType())
    return call.emitError("fused norm: expected [rows, N] buffers, got ")
           << x.getType();
  int64_t rows = xType.getDimSize(0), n = xType.getDimSize(1);
  double eps = epsAttr.getValueAsDouble();

  OpBuilder b(call);
  Location loc = call.getLoc();
  KernelBuilder k{b, loc};
  auto launch = gpu::LaunchOp::create(
      b, loc, k.idx((rows + kRowsPerCta - 1) / kRowsPerCta), k.idx(1), k.idx(1),
      k.idx(32 * kRowsPerCta), k.idx(1), k.idx(1));
  b.setInsertionPointToStart(&launch.getBody().front());
  gpu::TerminatorOp::create(b, loc);
  b.setInsertionPointToStart(&launch.getBody().front());
  Value tid = launch.getThreadIds().x;
  Value lane = arith::RemUIOp::create(b, loc, tid, k.idx(32));
  Value warp = arith::DivUIOp::create(b, loc, tid, k.idx(32));
  Value row = k.add(k.mul(launch.getBlockIds().x, kRowsPerCta), warp);
  if (rows % kRowsPerCta != 0) {
    auto inRows = scf::IfOp::create(b, loc, k.ult(row, rows),
                                    /*withElse=*/false);
    b.setInsertionPointToStart(inRows.thenBlock());
  }
  Value invN = k.f32(1.0 / (double)n);
  auto param = [&](Value mem, Value col) { return loadF32(k, mem, {col}); };
  auto rsqrt = [&](Value v) { return math::RsqrtOp::create(b, loc, v); };
  auto identity = [](Value v, Value) { return v; };

  if (kind == "rms") {
    Value ss = rowReduce(k, x, row, lane, n, 0.0, false,
                         [&](Value v, Value) { return k.fmul(v, v); });
    Value inv = rsqrt(k.fadd(k.fmul(ss, invN), k.f32(eps)));
    rowWrite(k, x, out, row, lane, n, [&](Value v, Value col) {
      return k.fmul(k.fmul(v, inv), param(scale, col));
    });
  } else if (kind == "layer") {
    Value mean =
        k.fmul(rowReduce(k, x, row, lane, n, 0.0, false, identity), invN);
    Value ss = rowReduce(k, x, row, lane, n, 0.0, false, [&](Value v, Value) {
      Value d = k.fsub(v, mean);
      return k.fmul(d, d);
    });
    Value inv = rsqrt(k.fadd(k.fmul(ss, invN), k.f32(eps)));
    rowWrite(k, x, out, row, lane, n, [&](Value v, Value col) {
      Value y = k.fmul(k.fmul(k.fsub(v, mean), inv), param(scale, col));
      return bias ? k.fadd(y, param(bias, col)) : y;
    });
  } else {
    Value mx = rowReduce(k, x, row, lane, n, -INFINITY, true, identity);
    auto shifted = [&](Value v) { return k.fsub(v, mx); };
    Value sum = rowReduce(k, x, row, lane, n, 0.0, false, [&](Value v, Value) {
      return math::ExpOp::create(b, loc, shifted(v));
    });
    if (kind == "softmax") {
      Value inv = arith::DivFOp::create(b, loc, k.f32(1.0), sum);
      rowWrite(k, x, out, row, lane, n, [&](Value v, Value) {
        return k.fmul(math::ExpOp::create(b, loc, shifted(v)), inv);
      });
    } else {
      Value logSum = math::LogOp::create(b, loc, sum);
      rowWrite(k, x, out, row, lane, n,
               [&](Value v, Value) { return k.fsub(shifted(v), logSum); });
    }
  }
  call.erase();
  return success();
}

struct FusedNormsPass : impl::SeqGpuFusedNormsBase<FusedNormsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::CallOp> calls;
    module.walk([&](func::CallOp call) {
      if (call->hasAttr(kNormMarker))
        calls.push_back(call);
    });
    for (func::CallOp call : calls)
      if (failed(buildNormKernel(call)))
        return signalPassFailure();
    // The marker declarations have no users left.
    for (func::FuncOp fn :
         llvm::make_early_inc_range(module.getOps<func::FuncOp>()))
      if (fn->hasAttr(kNormMarker) && fn.isPrivate() &&
          fn.symbolKnownUseEmpty(module))
        fn.erase();
  }
};

} // namespace

std::unique_ptr<Pass> createMarkNormsPass() {
  return std::make_unique<MarkNormsPass>();
}
std::unique_ptr<Pass> createFusedNormsPass() {
  return std::make_unique<FusedNormsPass>();
}

} // namespace seqc
