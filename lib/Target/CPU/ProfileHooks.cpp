//===- ProfileHooks.cpp - seqc_prof_begin/end around units of work --------===//
//
// `seqc --profile-hooks`: after bufferization, matmul lowering and parallel
// outlining, the graph function is a sequence of kernel calls, parallel
// regions (seqc_parallel_for) and serial loop nests. Each becomes a profiling
// site: a static table entry (what ran, its static shape, the ONNX nodes of
// its location) and a begin/end hook pair that the runtime
// (lib/Runtime/profile.c) turns into time, calls and FLOPs per site when
// profiling is on. Off, a hook returns after one load and branch.
//
// Table layout (must match struct seqc_prof_table in profile.c):
//   { i64 version, i64 num_sites, ptr label, ptr next, i64 registered,
//     i64 runs, i64 run_ns,
//     [N x { ptr name, i64 calls, i64 ns, i64 flops, i64 flags }] }
// flags bit 0: the site's FLOPs use upper bounds of dynamic trip counts.
//
//===----------------------------------------------------------------------===//

#include "seqc/Target/CPUPasses.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/Matchers.h"
#include "llvm/Support/Path.h"

using namespace mlir;

namespace seqc {
#define GEN_PASS_DEF_SEQPROFILEHOOKS
#include "seqc/Target/CPUPasses.h.inc"

namespace {

constexpr StringLiteral kTable = "__seqc_prof_table";
constexpr StringLiteral kBegin = "seqc_prof_begin";
constexpr StringLiteral kEnd = "seqc_prof_end";
constexpr StringLiteral kRunBegin = "seqc_prof_run_begin";
constexpr StringLiteral kRunEnd = "seqc_prof_run_end";
constexpr StringLiteral kParallelFor = "seqc_parallel_for";
constexpr int64_t kTableVersion = 1;

enum class Kind { None, Sgemm, Qgemm, MoE, Parallel, Kernel };

Kind kindOf(Operation *op) {
  auto call = dyn_cast<func::CallOp>(op);
  if (!call)
    return Kind::None;
  StringRef c = call.getCallee();
  // seqc_uk_sgemm_ep (fused epilogue) takes sgemm's leading arguments.
  if (c == "seqc_uk_sgemm" || c == "seqc_uk_sgemm_ep")
    return Kind::Sgemm;
  if (c == "seqc_uk_qgemm" || c == "seqc_uk_qgemm_packed")
    return Kind::Qgemm;
  if (c == "seqc_uk_moe")
    return Kind::MoE;
  if (c == kParallelFor)
    return Kind::Parallel;
  if (c.starts_with("seqc_uk_"))
    return Kind::Kernel;
  return Kind::None;
}

bool isLoop(Operation *op) {
  return isa<scf::ForOp, scf::ParallelOp, scf::WhileOp>(op);
}

bool callsKernel(Operation *op) {
  return op
      ->walk([](Operation *o) {
        return kindOf(o) != Kind::None ? WalkResult::interrupt()
                                       : WalkResult::advance();
      })
      .wasInterrupted();
}

constexpr int64_t kSaturated = int64_t(1) << 62;
int64_t satMul(int64_t a, int64_t b) {
  if (a == 0 || b == 0)
    return 0;
  return a > kSaturated / b ? kSaturated : a * b;
}

std::optional<int64_t> staticTrip(Value lb, Value ub, Value step) {
  auto l = getConstantIntValue(lb), u = getConstantIntValue(ub),
       s = getConstantIntValue(step);
  if (!l || !u || !s || *s <= 0)
    return std::nullopt;
  return *u > *l ? (*u - *l + *s - 1) / *s : 0;
}

/// Elements of a float scalar or vector result; 0 if not a float.
int64_t floatLanes(Type t) {
  if (auto v = dyn_cast<VectorType>(t))
    return v.getElementType().isFloat() ? v.getNumElements() : 0;
  return t.isFloat() ? 1 : 0;
}

/// A static bound (upper or lower) of an index/integer value computed from
/// constants through min/max/add/sub/select and divisions or products by
/// positive constants: what bounds the tiled attention's causal kv loop.
std::optional<int64_t> valueBound(Value v, bool upper, int depth = 0) {
  if (auto c = getConstantIntValue(v))
    return *c;
  Operation *def = v.getDefiningOp();
  if (!def || depth > 16)
    return std::nullopt;
  auto rec = [&](Value x, bool up) { return valueBound(x, up, depth + 1); };
  if (auto c = dyn_cast<arith::IndexCastOp>(def))
    return rec(c.getIn(), upper);
  if (auto sel = dyn_cast<arith::SelectOp>(def)) {
    auto a = rec(sel.getTrueValue(), upper),
         b = rec(sel.getFalseValue(), upper);
    if (!a || !b)
      return std::nullopt;
    return upper ? std::max(*a, *b) : std::min(*a, *b);
  }
  if (def->getNumOperands() != 2)
    return std::nullopt;
  Value x = def->getOperand(0), y = def->getOperand(1);
  bool isMin = isa<arith::MinSIOp, arith::MinUIOp>(def);
  if (isMin || isa<arith::MaxSIOp, arith::MaxUIOp>(def)) {
    auto a = rec(x, upper), b = rec(y, upper);
    if (a && b)
      return isMin ? std::min(*a, *b) : std::max(*a, *b);
    // min(a, ?) <= a; max(a, ?) >= a.
    if (upper == isMin)
      return a ? a : b;
    return std::nullopt;
  }
  if (isa<arith::AddIOp>(def)) {
    auto a = rec(x, upper), b = rec(y, upper);
    return a && b ? std::optional<int64_t>(*a + *b) : std::nullopt;
  }
  if (isa<arith::SubIOp>(def)) {
    auto a = rec(x, upper), b = rec(y, !upper);
    return a && b ? std::optional<int64_t>(*a - *b) : std::nullopt;
  }
  // Monotone in x for a positive constant y.
  auto c = getConstantIntValue(y);
  if (!c || *c <= 0)
    return std::nullopt;
  auto a = rec(x, upper);
  if (!a)
    return std::nullopt;
  if (isa<arith::MulIOp>(def))
    return satMul(*a, *c);
  if (isa<arith::FloorDivSIOp, arith::DivUIOp>(def))
    return llvm::divideFloorSigned(*a, *c);
  if (isa<arith::DivSIOp>(def))
    return *a / *c;
  if (isa<arith::CeilDivSIOp, arith::CeilDivUIOp>(def))
    return llvm::divideCeilSigned(*a, *c);
  return std::nullopt;
}

/// Trip count of a loop dimension: exact when static, else (with `bounded`
/// non-null, which is then set) an upper bound from valueBound.
std::optional<int64_t> tripCount(Value lb, Value ub, Value step,
                                 bool *bounded) {
  if (auto t = staticTrip(lb, ub, step))
    return t;
  auto s = getConstantIntValue(step);
  if (!bounded || !s || *s <= 0)
    return std::nullopt;
  auto u = valueBound(ub, true), l = valueBound(lb, false);
  if (!u || !l)
    return std::nullopt;
  *bounded = true;
  return *u > *l ? (*u - *l + *s - 1) / *s : 0;
}

/// Floating-point operations of one execution of `block`, nested loops'
/// static trip counts multiplied in; nullopt when a loop that does
/// floating-point work has a trip count unknown at compile time. With
/// `bounded`, dynamic trip counts take their static upper bound (and set it).
std::optional<int64_t> blockFlops(Block &block, bool *bounded = nullptr);

std::optional<int64_t> opFlops(Operation *op, bool *bounded = nullptr) {
  if (auto call = dyn_cast<func::CallOp>(op)) {
    // A GEMM kernel inside a loop nest (the tiled attention's QK^T and PV
    // tiles): 2 * batch * m * n * k of its size operands.
    unsigned first, last;
    switch (kindOf(op)) {
    case Kind::Sgemm:
      first = 1, last = 6;
      break;
    case Kind::Qgemm:
      first = 1, last = 3;
      break;
    default:
      return 0;
    }
    int64_t f = 2;
    for (unsigned i = first; i <= last; ++i) {
      std::optional<int64_t> d = getConstantIntValue(call.getOperand(i));
      if (!d && bounded && (d = valueBound(call.getOperand(i), true)))
        *bounded = true;
      if (!d)
        return std::nullopt;
      f = satMul(f, std::max<int64_t>(*d, 0));
    }
    return f;
  }
  if (op->getNumRegions() == 0) {
    if (op->getNumResults() != 1)
      return 0;
    int64_t lanes = floatLanes(op->getResult(0).getType());
    if (isa<math::FmaOp>(op))
      return 2 * lanes;
    if (isa<arith::AddFOp, arith::SubFOp, arith::MulFOp, arith::DivFOp,
            arith::RemFOp, arith::MaximumFOp, arith::MinimumFOp,
            arith::MaxNumFOp, arith::MinNumFOp>(op) ||
        isa<math::MathDialect>(op->getDialect()))
      return lanes;
    return 0;
  }
  int64_t total = 0;
  for (Region &r : op->getRegions())
    for (Block &b : r) {
      std::optional<int64_t> f = blockFlops(b, bounded);
      if (!f)
        return std::nullopt;
      // scf.if and the like: the most expensive branch.
      total = std::max(total, *f);
    }
  if (total == 0)
    return 0;
  int64_t trips = 1;
  if (auto f = dyn_cast<scf::ForOp>(op)) {
    auto t =
        tripCount(f.getLowerBound(), f.getUpperBound(), f.getStep(), bounded);
    if (!t)
      return std::nullopt;
    trips = *t;
  } else if (auto p = dyn_cast<scf::ParallelOp>(op)) {
    for (auto [l, u, s] :
         llvm::zip(p.getLowerBound(), p.getUpperBound(), p.getStep())) {
      auto t = tripCount(l, u, s, bounded);
      if (!t)
        return std::nullopt;
      trips = satMul(trips, *t);
    }
  } else if (isa<scf::WhileOp>(op)) {
    return std::nullopt;
  }
  return satMul(trips, total);
}

std::optional<int64_t> blockFlops(Block &block, bool *bounded) {
  int64_t total = 0;
  for (Operation &op : block) {
    std::optional<int64_t> f = opFlops(&op, bounded);
    if (!f)
      return std::nullopt;
    total = std::min(total + *f, kSaturated);
  }
  return total;
}

/// "a x b x c" of an i64/index value's factors: constants and products of
/// constants print their value, anything else '?'.
void factors(Value v, SmallVectorImpl<std::string> &out) {
  if (auto c = getConstantIntValue(v)) {
    if (*c != 1)
      out.push_back(std::to_string(*c));
    return;
  }
  Operation *def = v.getDefiningOp();
  if (auto cast = dyn_cast_or_null<arith::IndexCastOp>(def))
    return factors(cast.getIn(), out);
  if (auto mul = dyn_cast_or_null<arith::MulIOp>(def)) {
    factors(mul.getLhs(), out);
    factors(mul.getRhs(), out);
    return;
  }
  out.push_back("?");
}

std::string dimsOf(ArrayRef<Value> dims) {
  SmallVector<std::string> parts;
  for (Value d : dims)
    factors(d, parts);
  return parts.empty() ? "1" : llvm::join(parts, "x");
}

/// The ONNX node names of `loc` (NameLocs) and the model file's base name.
void collectNames(Location loc, llvm::SetVector<StringRef> &names,
                  std::string &file) {
  loc->walk([&](Location l) {
    if (auto n = dyn_cast<NameLoc>(l))
      names.insert(n.getName().getValue());
    else if (auto f = dyn_cast<FileLineColLoc>(l); f && file.empty())
      file = llvm::sys::path::filename(f.getFilename().getValue()).str();
    return WalkResult::advance();
  });
}

std::string where(Operation *op, Operation *body = nullptr) {
  llvm::SetVector<StringRef> names;
  std::string file;
  collectNames(op->getLoc(), names, file);
  // A loop built without a location of its own: its body's ops have one.
  if (names.empty() && body)
    body->walk([&](Operation *o) {
      collectNames(o->getLoc(), names, file);
      return names.size() >= 3 ? WalkResult::interrupt()
                               : WalkResult::advance();
    });
  if (names.empty())
    return file.empty() ? "" : " (" + file + ")";
  std::string s = " (" + (file.empty() ? "" : file + ": ");
  constexpr unsigned kShown = 2;
  for (unsigned i = 0; i < names.size() && i < kShown; ++i)
    s += (i ? ", " : "") + names[i].str();
  if (names.size() > kShown)
    s += " +" + std::to_string(names.size() - kShown);
  return s + ")";
}

/// The distinct floating-point / math op names in `op`, in order of first
/// appearance ("exp,mulf,addf"), or "copy" for pure data movement.
std::string opSummary(Operation *root) {
  llvm::SetVector<StringRef> names;
  bool stores = false;
  root->walk([&](Operation *o) {
    if (isa<memref::StoreOp>(o))
      stores = true;
    if (kindOf(o) != Kind::None) { // a kernel inside: "sgemm"
      StringRef callee = cast<func::CallOp>(o).getCallee();
      callee.consume_front("seqc_uk_");
      names.insert(callee);
      return;
    }
    std::optional<int64_t> f =
        o->getNumRegions() == 0 ? opFlops(o) : std::optional<int64_t>(0);
    if (f && *f > 0)
      names.insert(o->getName().stripDialect());
  });
  if (names.empty())
    return stores ? "copy" : "";
  constexpr unsigned kShown = 5;
  std::string s;
  for (unsigned i = 0; i < names.size() && i < kShown; ++i)
    s += (i ? "," : "") + names[i].str();
  if (names.size() > kShown)
    s += ",...";
  return s;
}

/// Trip counts along the first loop at each depth of a loop nest.
std::string nestShape(Operation *loop) {
  SmallVector<std::string> parts;
  for (Operation *op = loop; op;) {
    if (auto f = dyn_cast<scf::ForOp>(op)) {
      auto t = staticTrip(f.getLowerBound(), f.getUpperBound(), f.getStep());
      parts.push_back(t ? std::to_string(*t) : "?");
    } else if (auto p = dyn_cast<scf::ParallelOp>(op)) {
      for (auto [l, u, s] :
           llvm::zip(p.getLowerBound(), p.getUpperBound(), p.getStep())) {
        auto t = staticTrip(l, u, s);
        parts.push_back(t ? std::to_string(*t) : "?");
      }
    } else if (isa<scf::WhileOp>(op)) {
      parts.push_back("while");
    }
    Operation *next = nullptr;
    for (Region &r : op->getRegions())
      for (Block &b : r)
        for (Operation &o : b)
          if (!next && isLoop(&o))
            next = &o;
    op = next;
  }
  return llvm::join(parts, "x");
}

struct Site {
  Operation *op;
  std::string name;
  bool flopsBound = false; // FLOPs from trip-count upper bounds
};

struct ProfileHooksPass : impl::SeqProfileHooksBase<ProfileHooksPass> {
  using Base::Base;

  ModuleOp module;
  DenseSet<StringRef> bodies; // outlined seqc_parallel_for bodies
  std::vector<Site> sites;

  func::FuncOp bodyOf(func::CallOp call) {
    auto ref = call.getOperand(1).getDefiningOp<func::ConstantOp>();
    return ref ? module.lookupSymbol<func::FuncOp>(ref.getValue()) : nullptr;
  }

  /// Per-iteration FLOPs of an outlined body: the innermost loop that
  /// seq-outline-parallel builds around the cloned scf.parallel body.
  std::optional<int64_t> bodyFlops(func::FuncOp fn, bool *bounded) {
    if (!fn || fn.isDeclaration())
      return std::nullopt;
    scf::ForOp rows, inner;
    for (Operation &op : fn.getBody().front())
      if ((rows = dyn_cast<scf::ForOp>(op)))
        break;
    if (!rows)
      return std::nullopt;
    for (Operation &op : *rows.getBody())
      if (auto f = dyn_cast<scf::ForOp>(op))
        inner = f;
    if (!inner)
      return std::nullopt;
    return blockFlops(*inner.getBody(), bounded);
  }

  std::string nameOf(Operation *op) {
    auto call = dyn_cast<func::CallOp>(op);
    auto arg = [&](unsigned i) { return call.getOperand(i); };
    switch (kindOf(op)) {
    case Kind::Sgemm: {
      std::string batch = dimsOf({arg(1), arg(2), arg(3)});
      StringRef kernel = call.getCallee().drop_front(strlen("seqc_uk_"));
      return kernel.str() + " " + (batch == "1" ? "" : batch + "x ") +
             dimsOf({arg(4)}) + "x" + dimsOf({arg(5)}) + "x" +
             dimsOf({arg(6)}) + where(op);
    }
    case Kind::Qgemm:
      return "qgemm w" + dimsOf({arg(12)}) + " " + dimsOf({arg(1)}) + "x" +
             dimsOf({arg(2)}) + "x" + dimsOf({arg(3)}) + where(op);
    case Kind::MoE:
      return "moe t=" + dimsOf({arg(1)}) + " h=" + dimsOf({arg(2)}) + " top" +
             dimsOf({arg(3)}) + "/" + dimsOf({arg(4)}) + where(op);
    case Kind::Parallel: {
      func::FuncOp body = bodyOf(call);
      std::string ops = body ? opSummary(body) : "";
      return "parallel " + dimsOf({arg(0)}) +
             (ops.empty() ? "" : " [" + ops + "]") + where(op, body);
    }
    case Kind::Kernel:
      return call.getCallee().str() + where(op);
    case Kind::None:
      break;
    }
    if (auto copy = dyn_cast<memref::CopyOp>(op)) {
      auto t = cast<MemRefType>(copy.getSource().getType());
      SmallVector<std::string> dims;
      for (int64_t d : t.getShape())
        dims.push_back(ShapedType::isDynamic(d) ? "?" : std::to_string(d));
      return "copy " + (dims.empty() ? "scalar" : llvm::join(dims, "x")) +
             where(op);
    }
    std::string ops = opSummary(op);
    return "loops " + nestShape(op) + (ops.empty() ? "" : " [" + ops + "]") +
           where(op, op);
  }

  /// Units of work in `block`, in order.
  void collect(Block &block) {
    for (Operation &op : block) {
      Kind kind = kindOf(&op);
      if (kind != Kind::None) {
        sites.push_back({&op, ""});
        continue;
      }
      if (isLoop(&op)) {
        if (!callsKernel(&op)) {
          if (loops)
            sites.push_back({&op, ""});
          continue;
        }
      } else if (isa<memref::CopyOp>(op)) {
        if (loops)
          sites.push_back({&op, ""});
        continue;
      }
      for (Region &r : op.getRegions())
        for (Block &b : r)
          collect(b);
    }
  }

  /// The FLOPs of one execution of site `op`, as an i64 built before it.
  Value flopsValue(OpBuilder &b, Operation *op, bool &bounded) {
    Location loc = op->getLoc();
    auto cst = [&](int64_t v) {
      return arith::ConstantIntOp::create(b, loc, v, 64).getResult();
    };
    auto mul = [&](Value x, Value y) {
      return arith::MulIOp::create(b, loc, x, y).getResult();
    };
    auto add = [&](Value x, Value y) {
      return arith::AddIOp::create(b, loc, x, y).getResult();
    };
    auto call = dyn_cast<func::CallOp>(op);
    auto arg = [&](unsigned i) { return call.getOperand(i); };
    switch (kindOf(op)) {
    case Kind::Sgemm: {
      Value v = cst(2);
      for (unsigned i = 1; i <= 6; ++i) // batch dims, m, n, k
        v = mul(v, arg(i));
      return v;
    }
    case Kind::Qgemm:
      return mul(mul(mul(cst(2), arg(1)), arg(2)), arg(3));
    case Kind::MoE: {
      // Routed experts: up (n1 rows) and down (inter) per token and choice;
      // shared experts (sn1, sinter) per token. Zero/copy experts count as
      // full ones: an upper bound.
      Value th = mul(mul(cst(2), arg(1)), arg(2));
      Value routed = mul(mul(th, arg(3)), add(arg(17), arg(22)));
      return add(routed, mul(th, add(arg(27), arg(31))));
    }
    case Kind::Parallel: {
      std::optional<int64_t> per = bodyFlops(bodyOf(call), &bounded);
      return per ? mul(arg(0), cst(*per)) : cst(0);
    }
    case Kind::Kernel:
      return cst(0);
    case Kind::None:
      break;
    }
    std::optional<int64_t> f = opFlops(op, &bounded);
    return cst(f ? *f : 0);
  }

  func::FuncOp declare(StringRef name, TypeRange args) {
    if (auto f = module.lookupSymbol<func::FuncOp>(name))
      return f;
    OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
    auto f = func::FuncOp::create(b, module.getLoc(), name,
                                  b.getFunctionType(args, {}));
    f.setPrivate();
    return f;
  }

  LLVM::LLVMStructType siteType() {
    MLIRContext *ctx = module.getContext();
    Type i64 = IntegerType::get(ctx, 64);
    return LLVM::LLVMStructType::getLiteral(
        ctx, {LLVM::LLVMPointerType::get(ctx), i64, i64, i64, i64});
  }

  LLVM::LLVMStructType tableType(int64_t n) {
    MLIRContext *ctx = module.getContext();
    Type i64 = IntegerType::get(ctx, 64);
    Type ptr = LLVM::LLVMPointerType::get(ctx);
    return LLVM::LLVMStructType::getLiteral(
        ctx, {i64, i64, ptr, ptr, i64, i64, i64,
              LLVM::LLVMArrayType::get(siteType(), n)});
  }

  /// A private constant C string global; returns its symbol.
  StringRef emitString(OpBuilder &b, StringRef text, Twine symName) {
    MLIRContext *ctx = module.getContext();
    std::string data = text.str();
    data.push_back('\0');
    auto ty = LLVM::LLVMArrayType::get(IntegerType::get(ctx, 8), data.size());
    auto g = LLVM::GlobalOp::create(b, module.getLoc(), ty, /*isConstant=*/true,
                                    LLVM::Linkage::Private, symName.str(),
                                    b.getStringAttr(data));
    return g.getSymName();
  }

  void emitTable() {
    MLIRContext *ctx = module.getContext();
    Location loc = module.getLoc();
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    SmallVector<StringRef> names;
    for (auto [i, s] : llvm::enumerate(sites))
      names.push_back(emitString(b, s.name, kTable + "_name" + Twine(i)));
    StringRef labelSym = emitString(b, label, kTable + "_label");
    auto tableTy = tableType(sites.size());
    auto table =
        LLVM::GlobalOp::create(b, loc, tableTy, /*isConstant=*/false,
                               LLVM::Linkage::Internal, kTable, Attribute());
    Block *init = b.createBlock(&table.getInitializerRegion());
    b.setInsertionPointToStart(init);
    auto ptr = LLVM::LLVMPointerType::get(ctx);
    Value agg = LLVM::ZeroOp::create(b, loc, tableTy);
    auto i64 = [&](int64_t v) {
      return LLVM::ConstantOp::create(b, loc, b.getI64Type(),
                                      b.getI64IntegerAttr(v));
    };
    agg = LLVM::InsertValueOp::create(b, loc, agg, i64(kTableVersion),
                                      ArrayRef<int64_t>{0});
    agg = LLVM::InsertValueOp::create(b, loc, agg, i64(sites.size()),
                                      ArrayRef<int64_t>{1});
    agg = LLVM::InsertValueOp::create(
        b, loc, agg, LLVM::AddressOfOp::create(b, loc, ptr, labelSym),
        ArrayRef<int64_t>{2});
    for (auto [i, sym] : llvm::enumerate(names)) {
      Value p = LLVM::AddressOfOp::create(b, loc, ptr, sym);
      agg = LLVM::InsertValueOp::create(b, loc, agg, p,
                                        ArrayRef<int64_t>{7, int64_t(i), 0});
      if (sites[i].flopsBound) // flags bit 0: FLOPs are an upper bound
        agg = LLVM::InsertValueOp::create(b, loc, agg, i64(1),
                                          ArrayRef<int64_t>{7, int64_t(i), 4});
    }
    LLVM::ReturnOp::create(b, loc, agg);
  }

  void runOnOperation() override {
    module = getOperation();
    if (module.lookupSymbol(kTable)) {
      module.emitError("the module already has profile hooks ('")
          << kTable << "'): seq-profile-hooks runs once";
      return signalPassFailure();
    }
    module.walk([&](func::CallOp call) {
      if (call.getCallee() != kParallelFor || call.getNumOperands() != 3)
        return;
      if (auto ref = call.getOperand(1).getDefiningOp<func::ConstantOp>())
        bodies.insert(ref.getValue());
    });
    SmallVector<func::FuncOp> graphs;
    for (auto fn : module.getOps<func::FuncOp>()) {
      if (fn.isDeclaration() || bodies.contains(fn.getSymName()))
        continue;
      collect(fn.getBody().front());
      if (fn.isPublic())
        graphs.push_back(fn);
    }
    // Nothing to time (no kernels, no loops): leave the module as it is.
    if (sites.empty())
      return;
    for (Site &s : sites)
      s.name = nameOf(s.op);

    MLIRContext *ctx = module.getContext();
    auto ptr = LLVM::LLVMPointerType::get(ctx);
    Type i64 = IntegerType::get(ctx, 64);
    func::FuncOp begin = declare(kBegin, {ptr, i64});
    func::FuncOp end = declare(kEnd, {ptr, i64, i64});
    func::FuncOp runBegin = declare(kRunBegin, {ptr});
    func::FuncOp runEnd = declare(kRunEnd, {ptr});
    auto tableRef = [&](OpBuilder &b, Location loc) {
      return LLVM::AddressOfOp::create(b, loc, ptr, kTable).getResult();
    };
    for (auto [i, s] : llvm::enumerate(sites)) {
      Operation *op = s.op;
      Location loc = op->getLoc();
      OpBuilder b(op);
      // Sizes are operands of the site: computed before it (outside the
      // timed interval), used after.
      Value flops = flopsValue(b, op, sites[i].flopsBound);
      Value id = arith::ConstantIntOp::create(b, loc, i, 64);
      func::CallOp::create(b, loc, begin, ValueRange{tableRef(b, loc), id});
      b.setInsertionPointAfter(op);
      func::CallOp::create(b, loc, end,
                           ValueRange{tableRef(b, loc), id, flops});
    }
    for (func::FuncOp fn : graphs) {
      Block &entry = fn.getBody().front();
      OpBuilder b = OpBuilder::atBlockBegin(&entry);
      func::CallOp::create(b, fn.getLoc(), runBegin,
                           ValueRange{tableRef(b, fn.getLoc())});
      fn.walk([&](func::ReturnOp ret) {
        OpBuilder rb(ret);
        func::CallOp::create(rb, ret.getLoc(), runEnd,
                             ValueRange{tableRef(rb, ret.getLoc())});
      });
    }
    emitTable();
  }
};

} // namespace
} // namespace seqc
