//===- Debug.cpp - debugging aids of the seqc driver ----------------------===//
//
// `seqc --debug-perturb-node=NAME` (hidden) offsets one ONNX node's outputs
// right after import, so that tests can check that `seqc bisect` names the
// node a numerical bug was injected into.
//
//===----------------------------------------------------------------------===//

#include "seqc/Driver/Debug.h"

#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/SmallPtrSet.h"

using namespace mlir;

namespace seqc {

/// True when `loc` is the importer's location of node `name`.
static bool isNodeLoc(Location loc, StringRef name) {
  if (auto n = dyn_cast<NameLoc>(loc))
    return n.getName() == name;
  if (auto f = dyn_cast<FusedLoc>(loc))
    return llvm::any_of(f.getLocations(),
                        [&](Location l) { return isNodeLoc(l, name); });
  return false;
}

LogicalResult perturbNodeOutputs(ModuleOp module, StringRef nodeName) {
  llvm::SmallPtrSet<Operation *, 16> nodeOps;
  module.walk([&](Operation *op) {
    if (!isa<func::FuncOp, ModuleOp>(op) && isNodeLoc(op->getLoc(), nodeName))
      nodeOps.insert(op);
  });
  auto inNode = [&](Operation *op) {
    for (; op; op = op->getParentOp())
      if (nodeOps.contains(op))
        return true;
    return false;
  };
  if (nodeOps.empty())
    return emitError(module.getLoc())
           << "--debug-perturb-node: no operation of node '" << nodeName
           << "' (no such node, or it was folded at compile time)";

  // The node's outputs: float tensor results used outside the node.
  SmallVector<Value> outputs;
  for (Operation *op : nodeOps) {
    if (inNode(op->getParentOp()))
      continue;
    for (Value r : op->getResults()) {
      auto t = dyn_cast<RankedTensorType>(r.getType());
      if (!t || !isa<FloatType>(t.getElementType()))
        continue;
      if (llvm::any_of(r.getUsers(),
                       [&](Operation *user) { return !inNode(user); }))
        outputs.push_back(r);
    }
  }
  if (outputs.empty())
    return emitError(module.getLoc())
           << "--debug-perturb-node: node '" << nodeName
           << "' has no floating-point output to perturb";

  for (Value r : outputs) {
    Operation *def = r.getDefiningOp();
    OpBuilder b(def->getContext());
    b.setInsertionPointAfter(def);
    Type elt = cast<RankedTensorType>(r.getType()).getElementType();
    auto scalarType = RankedTensorType::get({}, elt);
    Value offset = arith::ConstantOp::create(
        b, def->getLoc(),
        DenseElementsAttr::get(scalarType,
                               b.getFloatAttr(elt, kDebugPerturbation)));
    Value perturbed = seq::AddOp::create(b, def->getLoc(), r, offset);
    r.replaceAllUsesExcept(perturbed, perturbed.getDefiningOp());
  }
  return success();
}

} // namespace seqc
