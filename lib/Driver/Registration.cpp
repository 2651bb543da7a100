//===- Registration.cpp - dialects and passes seqc tools use --------------===//

#include "seqc/Driver/Registration.h"

#include "seq/IR/SeqDialect.h"
#include "seqc/Conversion/Passes.h"
#include "seqc/Driver/Pipelines.h"
#include "seqc/Target/CPUPasses.h"
#include "seqc/Target/CUDA.h"
#include "seqc/Transforms/Passes.h"

#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"

namespace seqc {

void registerAllDialects(mlir::DialectRegistry &registry) {
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerBuiltinDialectTranslation(registry);
  mlir::registerLLVMDialectTranslation(registry);
  registry.insert<mlir::seq::SeqDialect>();
  registerCudaTranslations(registry);
}

void registerAllPasses() {
  mlir::registerAllPasses();
  seqc::registerSeqcConversionPasses();
  seqc::registerSeqcTransformsPasses();
  registerPipelines();
  registerSeqcCpuPasses();
  registerCudaPasses();
}

} // namespace seqc
