//===- SeqMoEOps.cpp - Mixture-of-experts ops: routing, dispatch/combine,
//grouped expert matmuls ---------------------===//

#include "seq/IR/SeqMoEOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace mlir::seq;

namespace mlir::seq {
StringRef stringifyMoEActivation(MoEActivation a) {
  switch (a) {
  case MoEActivation::swiglu:
    return "swiglu";
  case MoEActivation::gelu:
    return "gelu";
  case MoEActivation::gelu_tanh:
    return "gelu_tanh";
  }
  return "";
}

StringRef stringifyMoEExpertKind(MoEExpertKind k) {
  switch (k) {
  case MoEExpertKind::ffn:
    return "ffn";
  case MoEExpertKind::zero:
    return "zero";
  case MoEExpertKind::copy:
    return "copy";
  case MoEExpertKind::constant:
    return "constant";
  }
  return "";
}
} // namespace mlir::seq

// `activation = swiglu [kinds = [ffn, zero, ...]]`.
static ParseResult parseMoEAttrs(OpAsmParser &p, IntegerAttr &activation,
                                 DenseI32ArrayAttr &kinds) {
  StringRef name;
  SMLoc loc = p.getCurrentLocation();
  if (p.parseKeyword("activation") || p.parseEqual() || p.parseKeyword(&name))
    return failure();
  std::optional<int32_t> act;
  for (int32_t a = 0; a <= 2; ++a)
    if (stringifyMoEActivation(static_cast<MoEActivation>(a)) == name)
      act = a;
  if (!act)
    return p.emitError(loc, "unknown MoE activation '")
           << name << "' (expected swiglu, gelu or gelu_tanh)";
  activation = p.getBuilder().getI32IntegerAttr(*act);
  if (failed(p.parseOptionalKeyword("kinds")))
    return success();
  SmallVector<int32_t> ks;
  if (p.parseEqual())
    return failure();
  auto parseKind = [&]() -> ParseResult {
    StringRef k;
    SMLoc kloc = p.getCurrentLocation();
    if (p.parseKeyword(&k))
      return failure();
    for (int32_t v = 0; v <= 3; ++v)
      if (stringifyMoEExpertKind(static_cast<MoEExpertKind>(v)) == k) {
        ks.push_back(v);
        return success();
      }
    return p.emitError(kloc, "unknown expert kind '")
           << k << "' (expected ffn, zero, copy or constant)";
  };
  if (p.parseCommaSeparatedList(AsmParser::Delimiter::Square, parseKind))
    return failure();
  kinds = p.getBuilder().getDenseI32ArrayAttr(ks);
  return success();
}

static void printMoEAttrs(OpAsmPrinter &p, Operation *, IntegerAttr activation,
                          DenseI32ArrayAttr kinds) {
  p << "activation = "
    << stringifyMoEActivation(static_cast<MoEActivation>(activation.getInt()));
  if (!kinds)
    return;
  p << " kinds = [";
  llvm::interleaveComma(kinds.asArrayRef(), p, [&](int32_t k) {
    p << stringifyMoEExpertKind(static_cast<MoEExpertKind>(k));
  });
  p << "]";
}

#define GET_OP_CLASSES
#include "seq/IR/SeqMoEOps.cpp.inc"

void SeqDialect::registerMoEOps() {
  addOperations<
#define GET_OP_LIST
#include "seq/IR/SeqMoEOps.cpp.inc"
      >();
}

static ArrayRef<int64_t> shapeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getShape();
}

static bool anyDynamic(ArrayRef<int64_t> s) {
  return llvm::any_of(s, ShapedType::isDynamic);
}

static bool same(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

static std::string dims(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (auto [i, d] : llvm::enumerate(shape))
    s += (i ? "," : "") +
         (ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d));
  return s + "]";
}

LogicalResult MoEGateOp::verify() {
  ArrayRef<int64_t> l = shapeOf(getLogits());
  if (l.size() != 2)
    return emitOpError("logits must be [tokens, experts], got ") << dims(l);
  int64_t k = getK();
  if (k < 1 || (!ShapedType::isDynamic(l[1]) && k > l[1]))
    return emitOpError("k = ")
           << k << " must be in [1, " << l[1] << "] (the number of experts)";
  for (auto [what, v] : {std::pair<StringRef, Value>{"weights", getWeights()},
                         {"indices", getIndices()}}) {
    ArrayRef<int64_t> s = shapeOf(v);
    if (s.size() != 2 || !same(s[0], l[0]) || s[1] != k)
      return emitOpError() << what << " shape " << dims(s) << " must be ["
                           << (ShapedType::isDynamic(l[0])
                                   ? std::string("?")
                                   : std::to_string(l[0]))
                           << "," << k << "]";
  }
  return success();
}

SmallVector<MoEExpertKind> MoEOp::getExpertKinds() {
  SmallVector<MoEExpertKind> ks;
  if (auto k = getKindsAttr()) {
    for (int32_t v : k.asArrayRef())
      ks.push_back(static_cast<MoEExpertKind>(v));
    return ks;
  }
  ks.assign(shapeOf(getUpWeights())[0], MoEExpertKind::ffn);
  return ks;
}

int64_t MoEOp::getNumExperts() {
  if (auto k = getKindsAttr())
    return k.size();
  return shapeOf(getUpWeights())[0];
}

LogicalResult MoEOp::verify() {
  if (getActivation() < 0 || getActivation() > 2)
    return emitOpError("activation ") << getActivation() << " is not one of "
                                      << "swiglu (0), gelu (1), gelu_tanh (2)";
  ArrayRef<int64_t> x = shapeOf(getInput());
  if (x.size() != 2 || ShapedType::isDynamic(x[1]))
    return emitOpError("input must be [tokens, hidden] with a static hidden "
                       "size, got ")
           << dims(x);
  int64_t t = x[0], h = x[1];
  ArrayRef<int64_t> w = shapeOf(getWeights()), idx = shapeOf(getIndices());
  if (w.size() != 2 || !same(w[0], t) || ShapedType::isDynamic(w[1]))
    return emitOpError("weights shape ")
           << dims(w) << " must be [tokens, k] with a static k (input "
           << dims(x) << ")";
  if (idx.size() != 2 || !same(idx[0], t) || idx[1] != w[1])
    return emitOpError("indices shape ")
           << dims(idx) << " must equal the weights shape " << dims(w);
  ArrayRef<int64_t> up = shapeOf(getUpWeights()),
                    down = shapeOf(getDownWeights());
  if (up.size() != 3 || anyDynamic(up))
    return emitOpError("up_weights must be static [experts, N, hidden], got ")
           << dims(up);
  if (up[2] != h)
    return emitOpError("up_weights ")
           << dims(up) << " must have the input's hidden size " << h
           << " as last dim (out x in layout)";
  bool swiglu = getActivationKind() == MoEActivation::swiglu;
  if (swiglu && up[1] % 2)
    return emitOpError("swiglu needs an even up_weights N (gate and up "
                       "halves), got ")
           << up[1];
  int64_t inter = swiglu ? up[1] / 2 : up[1];
  SmallVector<int64_t> wantDown{up[0], h, inter};
  if (down.size() != 3 || ArrayRef<int64_t>(wantDown) != down)
    return emitOpError("down_weights shape ")
           << dims(down) << " must be " << dims(wantDown)
           << " (experts, hidden, intermediate)";
  if (!same(shapeOf(getResult())[0], t) || shapeOf(getResult()).size() != 2 ||
      shapeOf(getResult())[1] != h)
    return emitOpError("result shape ")
           << dims(shapeOf(getResult())) << " must equal the input shape "
           << dims(x);

  // Routed expert kinds: ffn experts use the weight slots in order,
  // constant experts the rows of `constants`.
  SmallVector<MoEExpertKind> kinds = getExpertKinds();
  int64_t ffn = llvm::count(kinds, MoEExpertKind::ffn);
  int64_t consts = llvm::count(kinds, MoEExpertKind::constant);
  if (auto k = getKindsAttr()) {
    if (k.empty())
      return emitOpError("kinds must name at least one expert");
    for (int32_t v : k.asArrayRef())
      if (v < 0 || v > 3)
        return emitOpError("expert kind ") << v << " is not one of ffn (0), "
                                           << "zero (1), copy (2), "
                                           << "constant (3)";
  }
  if (ffn != up[0])
    return emitOpError("kinds has ")
           << ffn << " ffn experts but up_weights has " << up[0];
  if (w[1] > (int64_t)kinds.size())
    return emitOpError("k = ")
           << w[1] << " exceeds the " << kinds.size() << " experts";
  if (Value c = getConstants()) {
    ArrayRef<int64_t> cs = shapeOf(c);
    if (cs.size() != 2 || cs[0] != consts || cs[1] != h)
      return emitOpError("constants shape ")
             << dims(cs) << " must be [" << consts << "," << h
             << "] (one row per constant expert)";
  } else if (consts) {
    return emitOpError("kinds has ")
           << consts << " constant experts but no constants operand";
  }

  if (Value su = getSharedUp()) {
    ArrayRef<int64_t> s = shapeOf(su), sd = shapeOf(getSharedDown());
    if (s.size() != 2 || anyDynamic(s) || s[1] != h || (swiglu && s[0] % 2))
      return emitOpError("shared_up shape ")
             << dims(s) << " must be static [N, " << h << "]"
             << (swiglu ? " with an even N" : "");
    int64_t si = swiglu ? s[0] / 2 : s[0];
    if (sd.size() != 2 || sd[0] != h || sd[1] != si)
      return emitOpError("shared_down shape ")
             << dims(sd) << " must be [" << h << "," << si << "]";
    if (Value g = getSharedGate()) {
      ArrayRef<int64_t> gs = shapeOf(g);
      if (gs.size() != 2 || gs[0] != 1 || gs[1] != h)
        return emitOpError("shared_gate shape ")
               << dims(gs) << " must be [1," << h << "]";
    }
  }
  return success();
}
