//===- CPUPasses.h - passes of the CPU target -------------------*- C++ -*-===//

#ifndef SEQC_TARGET_CPUPASSES_H
#define SEQC_TARGET_CPUPASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Pass/Pass.h"

namespace seqc {
#define GEN_PASS_DECL
#include "seqc/Target/CPUPasses.h.inc"

#define GEN_PASS_REGISTRATION
#include "seqc/Target/CPUPasses.h.inc"
} // namespace seqc

#endif // SEQC_TARGET_CPUPASSES_H
