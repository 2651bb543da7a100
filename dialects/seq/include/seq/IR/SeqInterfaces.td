//===- SeqInterfaces.td - seq op interfaces ----------------*- tablegen -*-===//

#ifndef SEQ_INTERFACES_TD
#define SEQ_INTERFACES_TD

include "mlir/IR/OpBase.td"

def Seq_ElementwiseOpInterface : OpInterface<"ElementwiseOpInterface"> {
  let description = [{
    An op that applies a scalar function to operands broadcast (numpy rules)
    to the result shape. Lowering builds one linalg.generic for every such op
    from `buildScalar`, so adding an elementwise op needs no lowering code.
  }];
  let cppNamespace = "::mlir::seq";
  let methods = [
    InterfaceMethod<
      "Builds the scalar computation for one element. `args` are the operand "
      "elements (in operand order); `resultType` is the result element type. "
      "Integer `args` and the returned value are signless even where the op's "
      "element types are unsigned (the op checks its own types for that).",
      "::mlir::Value", "buildScalar",
      (ins "::mlir::OpBuilder &":$b, "::mlir::Location":$loc,
           "::mlir::ValueRange":$args, "::mlir::Type":$resultType)>
  ];
}

#endif // SEQ_INTERFACES_TD
