//===- SeqDialect.h - seq dialect -------------------------------*- C++ -*-===//

#ifndef SEQ_IR_SEQDIALECT_H
#define SEQ_IR_SEQDIALECT_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dialect.h"

#include "seq/IR/SeqDialect.h.inc"

#endif // SEQ_IR_SEQDIALECT_H
