//===- MarkerCall.h - kernel marker declarations for the CUDA passes -*- C++
//-*-===//
//
// The marking passes (attention, fused norms, quantized matmuls) replace an
// op with a call to a private, uniquely named declaration that carries the
// kernel's marker attribute; the kernel passes later find the calls by it.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_LIB_TARGET_CUDA_MARKERCALL_H
#define SEQC_LIB_TARGET_CUDA_MARKERCALL_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace seqc {

/// A new private declaration `<prefix><n>(argTypes)` at the end of `module`
/// (n from `counter`, skipping names in use), marked with `marker`.
inline mlir::func::FuncOp
declareMarker(mlir::ModuleOp module, mlir::Location loc, llvm::StringRef prefix,
              llvm::StringRef marker, mlir::TypeRange argTypes,
              unsigned &counter) {
  mlir::OpBuilder mb(module.getBodyRegion());
  mb.setInsertionPointToEnd(module.getBody());
  std::string name;
  do {
    name = prefix.str() + std::to_string(counter++);
  } while (module.lookupSymbol(name));
  auto decl = mlir::func::FuncOp::create(mb, loc, name,
                                         mb.getFunctionType(argTypes, {}));
  decl.setPrivate();
  decl->setAttr(marker, mb.getUnitAttr());
  return decl;
}

} // namespace seqc

#endif // SEQC_LIB_TARGET_CUDA_MARKERCALL_H
