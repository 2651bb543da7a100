"""Builds a model whose nodes all have compile-time inputs (so the importer
folds them on the host) and its reference outputs from the ONNX reference
evaluator: checks the folder's semantics op by op.

usage: folding_model.py DIR   (writes DIR/model.onnx and DIR/data/)
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator

out = sys.argv[1]
os.makedirs(os.path.join(out, "data"), exist_ok=True)
rng = np.random.default_rng(1)
nodes, outputs = [], []


def const(name, array):
    nodes.append(helper.make_node("Constant", [], [name],
                                  value=numpy_helper.from_array(array, name)))


def node(op, ins, name, **attrs):
    nodes.append(helper.make_node(op, ins, [name], **attrs))
    outputs.append(name)


const("a", (rng.standard_normal((2, 3, 4)) * 3).astype(np.float32))
const("i", np.array([[7, -7, 0], [-20, 5, 9]], dtype=np.int64))
const("j", np.array([3, -4, 5], dtype=np.int64))
const("b", np.array([True, False, True]))
const("ax", np.array([1], dtype=np.int64))
const("ax02", np.array([0, 2], dtype=np.int64))

node("Shape", ["a"], "shape_mid", start=1, end=-1)
node("Size", ["a"], "size")
const("g", np.array([3, -4, 1], dtype=np.int64))
node("Gather", ["a", "g"], "gather_neg", axis=2)
node("Concat", ["i", "i"], "concat", axis=1)
const("st", np.array([3, 0], dtype=np.int64))
const("en", np.array([-5, 2], dtype=np.int64))
const("axs", np.array([2, 1], dtype=np.int64))
const("sp", np.array([-2, 1], dtype=np.int64))
node("Slice", ["a", "st", "en", "axs", "sp"], "slice")
node("Unsqueeze", ["i", "ax02"], "unsq")
node("Squeeze", ["unsq", "ax02"], "sq")
const("rs", np.array([0, -1], dtype=np.int64))
node("Reshape", ["a", "rs"], "reshape")
node("Flatten", ["a"], "flatten", axis=2)
const("r0", np.array(10, dtype=np.int64))
const("r1", np.array(-3, dtype=np.int64))
const("r2", np.array(-4, dtype=np.int64))
node("Range", ["r0", "r1", "r2"], "range")
const("f0", np.array(0.5, dtype=np.float32))
const("f1", np.array(2.0, dtype=np.float32))
const("f2", np.array(0.375, dtype=np.float32))
node("Range", ["f0", "f1", "f2"], "range_f")
const("cs", np.array([2, 3], dtype=np.int64))
nodes.append(helper.make_node(
    "ConstantOfShape", ["cs"], ["cos"],
    value=numpy_helper.from_array(np.array([7], dtype=np.int32), "v")))
outputs.append("cos")
const("es", np.array([2, 1, 3, 1], dtype=np.int64))
node("Expand", ["j", "es"], "expand")
const("reps", np.array([2, 1, 2], dtype=np.int64))
node("Tile", ["a", "reps"], "tile")
node("Transpose", ["a"], "transpose", perm=[2, 0, 1])
node("ReduceSum", ["i", "ax"], "rsum", keepdims=0)
const("ax0", np.array([0], dtype=np.int64))
node("ReduceProd", ["i", "ax0"], "rprod")
node("ReduceMax", ["a", "ax"], "rmax")
node("ReduceMin", ["a"], "rmin", keepdims=0)
node("ReduceMean", ["a", "ax"], "rmean")
node("ReduceL2", ["a", "ax"], "rl2")
node("ReduceLogSumExp", ["a", "ax"], "rlse")
node("Add", ["i", "j"], "add")
node("Sub", ["i", "j"], "sub")
node("Mul", ["i", "j"], "mul")
node("Div", ["i", "j"], "div")
node("Mod", ["i", "j"], "mod")
node("Mod", ["i", "j"], "fmod", fmod=1)
node("Div", ["a", "f2"], "fdiv")
node("Pow", ["a", "f1"], "pow")
node("Equal", ["i", "j"], "eq")
node("Less", ["i", "j"], "lt")
node("GreaterOrEqual", ["a", "f0"], "ge")
node("Not", ["b"], "not")
node("And", ["b", "not"], "and")
node("Or", ["b", "not"], "or")
node("Xor", ["b", "b"], "xor")
node("Where", ["b", "i", "j"], "where")
node("Max", ["i", "j", "r1"], "max")
node("Min", ["a", "f0"], "min")
node("Cast", ["a"], "cast_i32", to=TensorProto.INT32)
node("Cast", ["i"], "cast_f16", to=TensorProto.FLOAT16)
node("Cast", ["i"], "cast_bool", to=TensorProto.BOOL)
node("CastLike", ["b", "a"], "castlike")
node("Neg", ["i"], "neg")
node("Abs", ["a"], "abs")
node("Sqrt", ["f1"], "sqrt")
node("Reciprocal", ["a"], "recip")
node("Floor", ["a"], "floor")
node("Ceil", ["a"], "ceil")
node("Round", ["a"], "round")
node("Identity", ["a"], "identity")

graph = helper.make_graph(
    nodes, "folding", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
    [helper.make_tensor_value_info("x_out", TensorProto.FLOAT, [2])] +
    [helper.make_tensor_value_info(o, 0, None) for o in outputs])
graph.node.append(helper.make_node("Identity", ["x"], ["x_out"]))
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
model.ir_version = 8
onnx.save(model, os.path.join(out, "model.onnx"))

x = np.array([1, 2], dtype=np.float32)
results = ReferenceEvaluator(model).run(None, {"x": x})
with open(os.path.join(out, "data", "input_0.pb"), "wb") as f:
    f.write(numpy_helper.from_array(x, "x").SerializeToString())
for k, (name, a) in enumerate(zip(["x_out"] + outputs, results)):
    with open(os.path.join(out, "data", f"output_{k}.pb"), "wb") as f:
        f.write(numpy_helper.from_array(np.asarray(a), name).SerializeToString())
