//===- ConstInputs.cpp - graph inputs bound at compile time ---------------===//
//
// `seqc --const-input NAME=SPEC` specializes a graph input whose value
// determines shapes (Reshape's shape, ReduceSum's axes, ...): the importer
// sees SPEC as a constant, while the artifact keeps the input in its ABI and
// the runtime checks that callers pass exactly the bound value.
//
// SPEC is a TensorProto file (`.pb`, as in the ONNX test data) or a comma
// separated list of numbers in the input's declared element type.
//
//===----------------------------------------------------------------------===//

#include "ImporterInternal.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

using namespace mlir;

namespace seqc::import {

static InFlightDiagnostic specError(Location loc, StringRef name) {
  return emitError(loc) << "--const-input " << name << ": ";
}

/// True when `declared` (possibly with dynamic dims) accepts `shape`.
static bool shapeMatches(RankedTensorType declared, ArrayRef<int64_t> shape) {
  if (declared.getRank() != static_cast<int64_t>(shape.size()))
    return false;
  for (auto [d, s] : llvm::zip(declared.getShape(), shape))
    if (!ShapedType::isDynamic(d) && d != s)
      return false;
  return true;
}

static ElementsAttr parseValueList(StringRef name, StringRef spec,
                                   RankedTensorType declared, Location loc) {
  SmallVector<StringRef> items;
  if (!spec.trim().empty())
    spec.split(items, ',');
  int64_t n = items.size();
  SmallVector<int64_t> shape;
  if (declared.hasStaticShape() && declared.getNumElements() == n)
    shape.assign(declared.getShape().begin(), declared.getShape().end());
  else if (declared.getRank() == 1)
    shape.push_back(n);
  else if (declared.getRank() == 0 && n == 1)
    shape = {};
  else {
    specError(loc, name) << n << " values do not fit the declared shape "
                         << shapeStr(declared.getShape())
                         << " (pass a TensorProto .pb file instead)";
    return {};
  }
  if (!shapeMatches(declared, shape)) {
    specError(loc, name) << n << " values do not fit the declared shape "
                         << shapeStr(declared.getShape());
    return {};
  }
  Type elt = declared.getElementType();
  auto type = RankedTensorType::get(shape, elt);
  if (auto ft = dyn_cast<FloatType>(elt)) {
    SmallVector<APFloat> vals;
    for (StringRef s : items) {
      double d;
      if (s.trim().getAsDouble(d)) {
        specError(loc, name) << "'" << s.trim() << "' is not a number";
        return {};
      }
      APFloat x(d);
      bool lost;
      x.convert(ft.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
      vals.push_back(x);
    }
    return DenseElementsAttr::get(type, vals);
  }
  auto it = dyn_cast<IntegerType>(elt);
  if (!it) {
    specError(loc, name) << "element type " << elt
                         << " cannot be given as a value list";
    return {};
  }
  SmallVector<APInt> vals;
  for (StringRef s : items) {
    int64_t v;
    StringRef t = s.trim();
    if (it.getWidth() == 1 && (t == "true" || t == "false"))
      v = t == "true";
    else if (t.getAsInteger(10, v)) {
      specError(loc, name) << "'" << t << "' is not an integer";
      return {};
    }
    vals.push_back(APInt(it.getWidth(), static_cast<uint64_t>(v),
                         /*isSigned=*/it.getWidth() > 1));
  }
  return DenseElementsAttr::get(type, vals);
}

static ElementsAttr parseTensorFile(StringRef name, StringRef file,
                                    RankedTensorType declared, Location loc) {
  auto buf = llvm::MemoryBuffer::getFile(file, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!buf) {
    specError(loc, name) << "cannot read '" << file
                         << "': " << buf.getError().message();
    return {};
  }
  onnx::TensorProto t;
  if (!t.ParseFromArray((*buf)->getBufferStart(),
                        static_cast<int>((*buf)->getBufferSize()))) {
    specError(loc, name) << "'" << file << "' is not a TensorProto";
    return {};
  }
  ElementsAttr attr = convertTensor(t, loc, llvm::sys::path::parent_path(file),
                                    "--const-input " + name.str());
  if (!attr)
    return {};
  auto type = cast<ShapedType>(attr.getType());
  if (type.getElementType() != declared.getElementType() ||
      !shapeMatches(declared, type.getShape())) {
    specError(loc, name) << "'" << file << "' holds "
                         << typeStr(RankedTensorType::get(
                                type.getShape(), type.getElementType()))
                         << ", but the graph input is declared "
                         << typeStr(declared);
    return {};
  }
  return attr;
}

ElementsAttr parseConstInput(StringRef name, StringRef spec,
                             RankedTensorType declared, Location loc) {
  if (spec.ends_with(".pb") || llvm::sys::fs::is_regular_file(spec))
    return parseTensorFile(name, spec, declared, loc);
  return parseValueList(name, spec, declared, loc);
}

} // namespace seqc::import
