//===- HostToDevice.cpp - tensor memory of the CUDA target on the device --===//
//
// `seq-gpu-host-to-device` runs after gpu-kernel-outlining on the host
// functions. The C ABI passes host buffers, so:
//  - every memref argument gets a device mirror: gpu.alloc + copy in at
//    entry; copied back before the return if a kernel writes it; freed;
//  - memref.alloc/alloca/dealloc become gpu.alloc/gpu.dealloc;
//  - memref.get_global (weights) is copied to a device buffer per call.
// The ops are synchronous here; gpu-async-region then chains them on one
// stream (the synchronous forms are not lowered by gpu-to-llvm).
//
//===----------------------------------------------------------------------===//

#include "seqc/Target/CUDA.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Pass/Pass.h"
#include "llvm/ADT/SetVector.h"

using namespace mlir;

namespace seqc {
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
      sizes.push_back(b.create<memref::DimOp>(loc, like, d));
  return sizes;
}

static Value deviceAlloc(OpBuilder &b, Location loc, MemRefType type,
                         ValueRange dynSizes) {
  return b
      .create<gpu::AllocOp>(loc, type, /*asyncToken=*/Type(),
                            /*asyncDependencies=*/ValueRange{}, dynSizes,
                            /*symbolOperands=*/ValueRange{},
                            /*hostShared=*/false)
      .getMemref();
}

static void deviceCopy(OpBuilder &b, Location loc, Value dst, Value src) {
  b.create<gpu::MemcpyOp>(loc, /*asyncToken=*/Type(), ValueRange{}, dst, src);
}

static void deviceFree(OpBuilder &b, Location loc, Value v) {
  b.create<gpu::DeallocOp>(loc, /*asyncToken=*/Type(), ValueRange{}, v);
}

struct HostToDevicePass
    : PassWrapper<HostToDevicePass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(HostToDevicePass)
  StringRef getArgument() const override { return "seq-gpu-host-to-device"; }
  StringRef getDescription() const override {
    return "Mirror host tensor buffers on the GPU (gpu.alloc/memcpy) around "
           "gpu.launch_func";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<gpu::GPUDialect, memref::MemRefDialect>();
  }

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
    WalkResult allocs = fn.walk([&](Operation *op) {
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
