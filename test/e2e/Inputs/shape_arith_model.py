"""Builds a model exercising Mod, Pad (all modes), Floor/Ceil, the composite
reductions and LayerNormalization's Mean/InvStdDev on run-time data, plus
its test data from the ONNX reference evaluator.

usage: shape_arith_model.py DIR   (writes DIR/model.onnx and DIR/data/)
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator

out = sys.argv[1]
os.makedirs(os.path.join(out, "data"), exist_ok=True)

F, I = TensorProto.FLOAT, TensorProto.INT64


def const(name, array):
    return helper.make_node("Constant", [], [name],
                            value=numpy_helper.from_array(array, name))


nodes = [
    const("d", np.array([3, -3, 4, -4, 5, 7], dtype=np.int64)),
    helper.make_node("Mod", ["xi", "d"], ["mod_py"]),
    helper.make_node("Mod", ["xi", "d"], ["mod_c"], fmod=1),
    const("df", np.array([1.5], dtype=np.float32)),
    helper.make_node("Mod", ["x", "df"], ["mod_f"], fmod=1),
    helper.make_node("Floor", ["x"], ["floor"]),
    helper.make_node("Ceil", ["x"], ["ceil"]),
    helper.make_node("Sign", ["x"], ["sign"]),
    helper.make_node("Sign", ["xi"], ["sign_i"]),
    const("pads", np.array([0, 1, 2, 1, 0, 1], dtype=np.int64)),
    const("cv", np.array(1.5, dtype=np.float32)),
    helper.make_node("Pad", ["x", "pads", "cv"], ["pad_const"]),
    helper.make_node("Pad", ["x", "pads"], ["pad_edge"], mode="edge"),
    helper.make_node("Pad", ["x", "pads"], ["pad_reflect"], mode="reflect"),
    helper.make_node("Pad", ["x", "pads"], ["pad_wrap"], mode="wrap"),
    const("npads", np.array([-1, 2, 0, -2], dtype=np.int64)),
    const("naxes", np.array([1, 2], dtype=np.int64)),
    helper.make_node("Pad", ["x", "npads", "", "naxes"], ["pad_neg"]),
    const("ax1", np.array([1], dtype=np.int64)),
    helper.make_node("ReduceSumSquare", ["x", "ax1"], ["rss"], keepdims=0),
    helper.make_node("ReduceL1", ["x", "ax1"], ["rl1"]),
    helper.make_node("ReduceL2", ["x", "ax1"], ["rl2"]),
    helper.make_node("Abs", ["x"], ["xabs"]),
    helper.make_node("ReduceLogSum", ["xabs", "ax1"], ["rls"]),
    helper.make_node("ReduceLogSumExp", ["x"], ["rlse"], keepdims=0),
    const("scale", np.linspace(0.5, 2, 4, dtype=np.float32)),
    helper.make_node("LayerNormalization", ["x", "scale"],
                     ["ln", "ln_mean", "ln_inv"], axis=1),
]
outputs = ["mod_py", "mod_c", "mod_f", "floor", "ceil", "sign", "sign_i",
           "pad_const",
           "pad_edge", "pad_reflect", "pad_wrap", "pad_neg", "rss", "rl1",
           "rl2", "rls", "rlse", "ln", "ln_mean", "ln_inv"]
graph = helper.make_graph(
    nodes, "shape_arith",
    [helper.make_tensor_value_info("x", F, [2, 3, 4]),
     helper.make_tensor_value_info("xi", I, [6])],
    [helper.make_tensor_value_info(o, 0, None) for o in outputs])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
model.ir_version = 8
onnx.save(model, os.path.join(out, "model.onnx"))

rng = np.random.default_rng(0)
x = (rng.standard_normal((2, 3, 4)) * 2).astype(np.float32)
xi = np.array([7, 7, -7, -7, 0, -20], dtype=np.int64)
# The reference evaluator rejects negative pads: compute that one here.
ref = onnx.ModelProto()
ref.CopyFrom(model)
keep = [n for n in ref.graph.node if "pad_neg" not in n.output]
del ref.graph.node[:]
ref.graph.node.extend(keep)
del ref.graph.output[outputs.index("pad_neg")]
results = list(ReferenceEvaluator(ref).run(None, {"x": x, "xi": xi}))
results.insert(outputs.index("pad_neg"),
               np.pad(x[:, 1:, :2], ((0, 0), (0, 0), (2, 0))))
for i, (name, a) in enumerate([("x", x), ("xi", xi)]):
    with open(os.path.join(out, "data", f"input_{i}.pb"), "wb") as f:
        f.write(numpy_helper.from_array(a, name).SerializeToString())
for i, (name, a) in enumerate(zip(outputs, results)):
    with open(os.path.join(out, "data", f"output_{i}.pb"), "wb") as f:
        f.write(numpy_helper.from_array(np.asarray(a), name).SerializeToString())
