//===- ScanOp.cpp - seq.scan verification ---------------------------------===//

#include "seq/IR/SeqOps.h"
#include "seq/IR/SeqSemantics.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace mlir::seq;

static RankedTensorType dropDim(RankedTensorType t, int64_t axis) {
  SmallVector<int64_t> shape(t.getShape());
  shape.erase(shape.begin() + axis);
  return t.clone(shape);
}

RankedTensorType ScanOp::getSliceType(unsigned j) {
  auto t = cast<RankedTensorType>(getInputs()[j].getType());
  return dropDim(t, getInputAxes()[j]);
}

LogicalResult ScanOp::verify() {
  unsigned nIn = getInputs().size(), nStates = getNumStates();
  if (nIn == 0)
    return emitOpError("needs at least one scanned input (it sets the "
                       "sequence length)");
  if (getInputAxes().size() != nIn || getInputReverse().size() != nIn)
    return emitOpError("has ")
           << nIn << " scanned inputs but " << getInputAxes().size()
           << " input_axes and " << getInputReverse().size()
           << " input_reverse entries";
  if (getResults().size() < nStates)
    return emitOpError("has ")
           << getResults().size() << " results for " << nStates << " states";
  unsigned nOut = getNumScanOutputs();
  if (getOutputAxes().size() != nOut || getOutputReverse().size() != nOut)
    return emitOpError("has ")
           << nOut << " scan outputs but " << getOutputAxes().size()
           << " output_axes and " << getOutputReverse().size()
           << " output_reverse entries";
  for (unsigned i = 0; i < nStates; ++i)
    if (getInits()[i].getType() != getResults()[i].getType())
      return emitOpError("final state ")
             << i << " has type " << getResults()[i].getType()
             << " but its init has type " << getInits()[i].getType();
  int64_t length = ShapedType::kDynamic;
  for (unsigned j = 0; j < nIn; ++j) {
    auto t = cast<RankedTensorType>(getInputs()[j].getType());
    int64_t axis = getInputAxes()[j];
    if (axis < 0 || axis >= t.getRank())
      return emitOpError("input_axes[")
             << j << "] = " << axis << " is out of range for scanned input "
             << j << " of rank " << t.getRank();
    int64_t len = t.getDimSize(axis);
    if (!dimsCompatible(length, len))
      return emitOpError("scanned input ")
             << j << " has length " << len << " along axis " << axis
             << " but earlier inputs have length " << length;
    if (!ShapedType::isDynamic(len))
      length = len;
  }
  for (unsigned k = 0; k < nOut; ++k) {
    auto t = cast<RankedTensorType>(getScanOutputs()[k].getType());
    int64_t axis = getOutputAxes()[k];
    if (axis < 0 || axis >= t.getRank())
      return emitOpError("output_axes[")
             << k << "] = " << axis << " is out of range for scan output " << k
             << " of rank " << t.getRank();
    if (!dimsCompatible(length, t.getDimSize(axis)))
      return emitOpError("scan output ")
             << k << " has length " << t.getDimSize(axis) << " along axis "
             << axis << " but the sequence length is " << length;
  }
  return success();
}

LogicalResult ScanOp::verifyRegions() {
  Block &body = getBody().front();
  unsigned nStates = getNumStates(), nIn = getInputs().size();
  if (body.getNumArguments() != nStates + nIn)
    return emitOpError("body must have ")
           << nStates + nIn << " arguments (" << nStates << " states, " << nIn
           << " slices), got " << body.getNumArguments();
  for (unsigned i = 0; i < nStates; ++i)
    if (body.getArgument(i).getType() != getInits()[i].getType())
      return emitOpError("body argument ")
             << i << " (state) has type " << body.getArgument(i).getType()
             << " but the init has type " << getInits()[i].getType();
  for (unsigned j = 0; j < nIn; ++j)
    if (body.getArgument(nStates + j).getType() != getSliceType(j))
      return emitOpError("body argument ")
             << nStates + j << " (slice of input " << j << ") has type "
             << body.getArgument(nStates + j).getType() << ", expected "
             << getSliceType(j);
  auto yield = dyn_cast<YieldOp>(body.getTerminator());
  if (!yield)
    return emitOpError("body must end in seq.yield");
  unsigned nOut = getNumScanOutputs();
  if (yield.getValues().size() != nStates + nOut)
    return yield.emitOpError("yields ")
           << yield.getValues().size() << " values, expected " << nStates
           << " states and " << nOut << " per-step outputs";
  for (unsigned i = 0; i < nStates; ++i)
    if (yield.getValues()[i].getType() != getInits()[i].getType())
      return yield.emitOpError("state ")
             << i << " has type " << yield.getValues()[i].getType()
             << " but the init has type " << getInits()[i].getType();
  for (unsigned k = 0; k < nOut; ++k) {
    auto step =
        cast<RankedTensorType>(yield.getValues()[nStates + k].getType());
    auto full = cast<RankedTensorType>(getScanOutputs()[k].getType());
    int64_t axis = getOutputAxes()[k];
    RankedTensorType expected = dropDim(full, axis);
    bool ok = step.getElementType() == full.getElementType() &&
              step.getRank() == expected.getRank();
    for (int64_t d = 0; ok && d < step.getRank(); ++d)
      ok = dimsCompatible(step.getDimSize(d), expected.getDimSize(d));
    if (!ok)
      return yield.emitOpError("per-step output ")
             << k << " of type " << step << " does not stack into " << full
             << " along axis " << axis;
  }
  return success();
}
