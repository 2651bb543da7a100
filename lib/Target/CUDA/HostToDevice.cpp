//===- HostToDevice.cpp - tensor memory of the CUDA target on the device --===//
//
// `seq-gpu-host-to-device` runs after gpu-kernel-outlining on the host
// functions. The C ABI passes host buffers, so:
//  - every memref argument gets a device mirror: gpu.alloc + copy in at
//    entry; copied back before the return if a kernel writes it; freed;
//  - memref.alloc/alloca/dealloc become gpu.alloc/gpu.dealloc;
//  - constant memref.globals (weights) stay resident on the device: at
//    function entry, per weight, one call of the runtime's
//    seqc_cuda_resident(slot, host, bytes), which uploads the weight on the
//    first run of the loaded artifact (under a lock; the device pointer is
//    kept in the internal global `slot`, freed when the artifact unloads)
//    and afterwards only returns the pointer; the result becomes a memref
//    through an LLVM memref descriptor (an unrealized cast that
//    finalize-memref-to-llvm's casts fold away). The calls come before the
//    first gpu op, so gpu-async-region adds no stream syncs for them;
//  - other memref.get_global (mutable globals) is copied per call.
// The ops are synchronous here; gpu-async-region then chains them on one
// stream (the synchronous forms are not lowered by gpu-to-llvm).
//
//===----------------------------------------------------------------------===//

#include "seqc/Target/CUDA.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/DataLayoutInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Pass/Pass.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SetVector.h"

using namespace mlir;

namespace seqc {
#define GEN_PASS_DEF_SEQGPUHOSTTODEVICE
#include "seqc/Target/CUDAPasses.h.inc"

namespace {

/// The buffer a view (cast, subview, reshape...) ultimately points into.
static Value viewRoot(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (auto view = dyn_cast<ViewLikeOpInterface>(def)) {
      v = view.getViewSource();
      continue;
    }
    if (auto meta = dyn_cast<memref::ExtractStridedMetadataOp>(def)) {
      v = meta.getSource();
      continue;
    }
    break;
  }
  return v;
}

/// Conservatively: may the kernel write through its argument `arg`?
static bool kernelMayWrite(Value arg) {
  SmallVector<Value> work{arg};
  while (!work.empty()) {
    Value v = work.pop_back_val();
    for (Operation *user : v.getUsers()) {
      if (isa<memref::LoadOp, memref::DimOp>(user))
        continue;
      if (auto view = dyn_cast<ViewLikeOpInterface>(user)) {
        if (view.getViewSource() == v) {
          work.push_back(view->getResult(0));
          continue;
        }
      }
      if (auto meta = dyn_cast<memref::ExtractStridedMetadataOp>(user)) {
        work.push_back(meta.getBaseBuffer());
        continue;
      }
      return true;
    }
  }
  return false;
}

/// Dynamic sizes of `like` (a memref with identity layout) for gpu.alloc.
static SmallVector<Value> dynamicSizes(OpBuilder &b, Location loc, Value like) {
  SmallVector<Value> sizes;
  auto type = cast<MemRefType>(like.getType());
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      sizes.push_back(memref::DimOp::create(b, loc, like, d));
  return sizes;
}

static Value deviceAlloc(OpBuilder &b, Location loc, MemRefType type,
                         ValueRange dynSizes) {
  return gpu::AllocOp::create(b, loc, type, /*asyncToken=*/Type(),
                              /*asyncDependencies=*/ValueRange{}, dynSizes,
                              /*symbolOperands=*/ValueRange{},
                              /*hostShared=*/false)
      .getMemref();
}

static void deviceCopy(OpBuilder &b, Location loc, Value dst, Value src) {
  gpu::MemcpyOp::create(b, loc, /*asyncToken=*/Type(), ValueRange{}, dst, src);
}

static void deviceFree(OpBuilder &b, Location loc, Value v) {
  gpu::DeallocOp::create(b, loc, /*asyncToken=*/Type(), ValueRange{}, v);
}

/// The runtime's `void *seqc_cuda_resident(void **slot, const void *host,
/// uint64_t bytes)` (lib/Runtime/cuda_runtime.c).
static constexpr StringLiteral kResidentFn = "seqc_cuda_resident";

/// The device-resident copy of the constant global `global` as a memref of
/// `type`: seqc_cuda_resident on the global's host data and its slot, the
/// returned pointer wrapped in a memref descriptor (identity layout).
static Value residentWeight(OpBuilder &b, Location loc, ModuleOp module,
                            memref::GlobalOp global, MemRefType type) {
  MLIRContext *ctx = b.getContext();
  Type ptr = LLVM::LLVMPointerType::get(ctx), i64 = b.getI64Type();
  SymbolTable symbols(module);
  if (!symbols.lookup(kResidentFn)) {
    OpBuilder mb = OpBuilder::atBlockEnd(module.getBody());
    LLVM::LLVMFuncOp::create(mb, loc, kResidentFn,
                             LLVM::LLVMFunctionType::get(ptr, {ptr, ptr, i64}));
  }
  // One zero-initialized slot per weight, shared by the module's functions.
  std::string slotName = ("__seqc_dev_" + global.getSymName()).str();
  if (!symbols.lookup(slotName)) {
    OpBuilder mb = OpBuilder::atBlockEnd(module.getBody());
    LLVM::GlobalOp::create(mb, loc, i64, /*isConstant=*/false,
                           LLVM::Linkage::Internal, slotName,
                           b.getI64IntegerAttr(0));
  }
  Value host = memref::GetGlobalOp::create(b, loc, type, global.getSymName());
  Value hostIdx =
      memref::ExtractAlignedPointerAsIndexOp::create(b, loc, host).getResult();
  Value hostInt = arith::IndexCastOp::create(b, loc, i64, hostIdx);
  Value hostPtr = LLVM::IntToPtrOp::create(b, loc, ptr, hostInt);
  Value slot = LLVM::AddressOfOp::create(b, loc, ptr, slotName);
  uint64_t bytes =
      DataLayout::closest(global).getTypeSize(type.getElementType()) *
      type.getNumElements();
  Value size =
      LLVM::ConstantOp::create(b, loc, i64, b.getI64IntegerAttr(bytes));
  Value dev = LLVM::CallOp::create(b, loc, TypeRange{ptr}, kResidentFn,
                                   ValueRange{slot, hostPtr, size})
                  .getResult();
  // The descriptor finalize-memref-to-llvm uses for `type`:
  // {allocated, aligned, offset, sizes[rank], strides[rank]}.
  int64_t rank = type.getRank();
  SmallVector<Type> fields{ptr, ptr, i64};
  if (rank > 0) {
    fields.push_back(LLVM::LLVMArrayType::get(i64, rank));
    fields.push_back(LLVM::LLVMArrayType::get(i64, rank));
  }
  auto descType = LLVM::LLVMStructType::getLiteral(ctx, fields);
  auto cst = [&](int64_t v) -> Value {
    return LLVM::ConstantOp::create(b, loc, i64, b.getI64IntegerAttr(v));
  };
  Value desc = LLVM::PoisonOp::create(b, loc, descType);
  desc = LLVM::InsertValueOp::create(b, loc, desc, dev, ArrayRef<int64_t>{0});
  desc = LLVM::InsertValueOp::create(b, loc, desc, dev, ArrayRef<int64_t>{1});
  desc =
      LLVM::InsertValueOp::create(b, loc, desc, cst(0), ArrayRef<int64_t>{2});
  SmallVector<int64_t> strides = type.getStridesAndOffset().first;
  for (int64_t d = 0; d < rank; ++d) {
    desc = LLVM::InsertValueOp::create(b, loc, desc, cst(type.getDimSize(d)),
                                       ArrayRef<int64_t>{3, d});
    desc = LLVM::InsertValueOp::create(b, loc, desc, cst(strides[d]),
                                       ArrayRef<int64_t>{4, d});
  }
  return UnrealizedConversionCastOp::create(b, loc, type, desc).getResult(0);
}

struct HostToDevicePass : impl::SeqGpuHostToDeviceBase<HostToDevicePass> {
  LogicalResult convert(func::FuncOp fn, ModuleOp module) {
    // Roots of the buffers kernels write.
    llvm::SmallPtrSet<Value, 8> written;
    WalkResult walk = fn.walk([&](gpu::LaunchFuncOp launch) {
      auto kernel = module.lookupSymbol<gpu::GPUFuncOp>(launch.getKernel());
      if (!kernel) {
        launch.emitError("kernel ") << launch.getKernel() << " not found";
        return WalkResult::interrupt();
      }
      for (auto [i, operand] : llvm::enumerate(launch.getKernelOperands()))
        if (isa<MemRefType>(operand.getType()) &&
            kernelMayWrite(kernel.getArgument(i)))
          written.insert(viewRoot(operand));
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return failure();

    SmallVector<func::ReturnOp> returns;
    fn.walk([&](func::ReturnOp r) { returns.push_back(r); });
    Block &entry = fn.getBody().front();
    OpBuilder b(fn.getContext());

    // Function arguments: device mirrors.
    for (BlockArgument arg : entry.getArguments()) {
      auto type = dyn_cast<MemRefType>(arg.getType());
      if (!type || arg.use_empty())
        continue;
      if (!type.getLayout().isIdentity())
        return fn.emitError("CUDA target: argument ")
               << arg.getArgNumber() << " has a non-identity layout " << type;
      b.setInsertionPointToStart(&entry);
      Location loc = arg.getLoc();
      Value dev = deviceAlloc(b, loc, type, dynamicSizes(b, loc, arg));
      deviceCopy(b, loc, dev, arg);
      Operation *copyIn = dev.getDefiningOp()->getNextNode();
      llvm::SmallPtrSet<Operation *, 4> keep{copyIn};
      // memref.dim ops feeding the device alloc keep using the host arg.
      for (Value size : dev.getDefiningOp()->getOperands())
        keep.insert(size.getDefiningOp());
      bool isWritten = written.contains(arg);
      arg.replaceAllUsesExcept(dev, keep);
      for (func::ReturnOp r : returns) {
        b.setInsertionPoint(r);
        if (isWritten)
          deviceCopy(b, r.getLoc(), arg, dev);
        deviceFree(b, r.getLoc(), dev);
      }
    }

    // Allocations and weights.
    SmallVector<Operation *> toErase;
    SmallVector<memref::GetGlobalOp> weights;
    WalkResult allocs = fn.walk([&](Operation *op) {
      if (auto get = dyn_cast<memref::GetGlobalOp>(op)) {
        auto global = SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(
            get, get.getNameAttr());
        if (global && global.getConstant() &&
            get.getType().getLayout().isIdentity()) {
          weights.push_back(get);
          return WalkResult::advance();
        }
      }
      b.setInsertionPoint(op);
      Location loc = op->getLoc();
      if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
        Value dev =
            deviceAlloc(b, loc, alloc.getType(), alloc.getDynamicSizes());
        alloc.replaceAllUsesWith(dev);
        toErase.push_back(op);
      } else if (auto dealloc = dyn_cast<memref::DeallocOp>(op)) {
        deviceFree(b, loc, dealloc.getMemref());
        toErase.push_back(op);
      } else if (isa<memref::AllocaOp, memref::GetGlobalOp>(op)) {
        auto type = cast<MemRefType>(op->getResult(0).getType());
        if (!type.getLayout().isIdentity()) {
          op->emitError("CUDA target: buffer with a non-identity layout");
          return WalkResult::interrupt();
        }
        ValueRange sizes;
        if (auto alloca = dyn_cast<memref::AllocaOp>(op))
          sizes = alloca.getDynamicSizes();
        Value dev = deviceAlloc(b, loc, type, sizes);
        if (isa<memref::GetGlobalOp>(op)) {
          b.setInsertionPointAfter(op);
          deviceCopy(b, loc, dev, op->getResult(0));
          op->getResult(0).replaceAllUsesExcept(dev, op->getNextNode());
        } else {
          op->getResult(0).replaceAllUsesWith(dev);
          toErase.push_back(op);
        }
        // Freed at the end of the block that owns it.
        b.setInsertionPoint(op->getBlock()->getTerminator());
        deviceFree(b, loc, dev);
      }
      return WalkResult::advance();
    });
    if (allocs.wasInterrupted())
      return failure();
    for (Operation *op : toErase)
      op->erase();

    // Constant weights: resident device copies, resolved once per call at
    // entry (before the argument mirrors' gpu ops), one per global.
    llvm::MapVector<StringAttr, Value> resident;
    b.setInsertionPointToStart(&entry);
    for (memref::GetGlobalOp get : weights) {
      StringAttr name = get.getNameAttr().getAttr();
      auto build = [&] {
        return residentWeight(
            b, get.getLoc(), module,
            SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(
                get, get.getNameAttr()),
            get.getType());
      };
      auto [it, inserted] = resident.try_emplace(name, Value());
      if (inserted)
        it->second = build();
      Value dev = it->second;
      if (dev.getType() != get.getType()) // same global, another type
        dev = build();
      get.getResult().replaceAllUsesWith(dev);
      get.erase();
    }

    // Anything left that reads or writes memory on the host is a bug of the
    // GPU mapping; say so instead of crashing at run time.
    WalkResult host = fn.walk([&](Operation *op) {
      if (isa<memref::LoadOp, memref::StoreOp, memref::CopyOp>(op)) {
        op->emitError("CUDA target: host code accesses tensor memory (")
            << op->getName() << " was not mapped to a kernel)";
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    return failure(host.wasInterrupted());
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    for (auto fn : module.getOps<func::FuncOp>())
      if (!fn.isExternal() && failed(convert(fn, module)))
        return signalPassFailure();
  }
};

} // namespace

std::unique_ptr<Pass> createHostToDevicePass() {
  return std::make_unique<HostToDevicePass>();
}

} // namespace seqc
