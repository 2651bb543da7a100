//===- seq-opt.cpp - pass driver with seq and upstream dialects -----------===//

#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "seqc/Driver/Registration.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  seqc::registerAllDialects(registry);
  seqc::registerAllPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "seq optimizer driver\n", registry));
}
