"""Builds one model exercising Einsum (diagonal, ellipsis broadcast,
transpose, reduction), ArgMax/ArgMin, Hardmax, TopK, CumSum, Trilu, Tile,
GatherElements, GatherND, ScatterElements/ScatterND with duplicate indices,
Conv (groups, strides, asymmetric pads) and Batch/Instance/GroupNormalization
on run-time data, plus its test data from the ONNX reference evaluator.

usage: indexing_model.py DIR   (writes DIR/model.onnx and DIR/data/)
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
rng = np.random.default_rng(0)


def const(name, array):
    return helper.make_node("Constant", [], [name],
                            value=numpy_helper.from_array(array, name))


def node(op, ins, outs, **attrs):
    return helper.make_node(op, ins, outs, **attrs)


nodes = [
    node("Einsum", ["sq"], ["diag"], equation="...ii->...i"),
    node("Einsum", ["x", "b"], ["bmm"], equation="...ij,jk->...ik"),
    node("Einsum", ["x"], ["esum"], equation="bij->jb"),
    node("ArgMax", ["x"], ["amax"], axis=2, keepdims=0, select_last_index=1),
    node("ArgMin", ["x"], ["amin"], axis=0),
    node("Hardmax", ["x"], ["hmax"]),
    const("k", np.array([2], np.int64)),
    node("TopK", ["x", "k"], ["topv", "topi"], axis=1),
    const("ax", np.array(2, np.int64)),
    node("CumSum", ["x", "ax"], ["csum"], exclusive=1, reverse=1),
    const("one", np.array(1, np.int64)),
    node("Trilu", ["x", "one"], ["tril"], upper=0),
    const("reps", np.array([1, 2, 2], np.int64)),
    node("Tile", ["x", "reps"], ["tile"]),
    node("GatherElements", ["x", "gi"], ["gel"], axis=1),
    node("GatherND", ["x", "ndi"], ["gnd"], batch_dims=1),
    node("ScatterElements", ["x", "gi", "gu"], ["sel"], axis=1,
         reduction="add"),
    node("ScatterND", ["x", "sndi", "sndu"], ["snd"], reduction="max"),
    node("Conv", ["img", "w", "wb"], ["conv"], group=2, strides=[2, 1],
         pads=[1, 0, 0, 2]),
    node("BatchNormalization", ["img", "s4", "b4", "m4", "v4"], ["bn"]),
    node("InstanceNormalization", ["img", "s4", "b4"], ["inorm"]),
    node("GroupNormalization", ["img", "s4", "b4"], ["gnorm"], num_groups=2),
]
inputs = {
    "x": rng.standard_normal((2, 3, 4)).astype(np.float32),
    "sq": rng.standard_normal((2, 3, 3)).astype(np.float32),
    "b": rng.standard_normal((4, 5)).astype(np.float32),
    "gi": rng.integers(-3, 3, (2, 5, 4)).astype(np.int64),
    "gu": rng.standard_normal((2, 5, 4)).astype(np.float32),
    "ndi": rng.integers(-3, 3, (2, 2, 1)).astype(np.int64),
    "sndi": np.array([[0, 1], [1, 2], [0, 1], [-1, 0]], np.int64),
    "sndu": rng.standard_normal((4, 4)).astype(np.float32),
    "img": rng.standard_normal((2, 4, 6, 5)).astype(np.float32),
    "w": rng.standard_normal((6, 2, 3, 2)).astype(np.float32),
    "wb": rng.standard_normal((6,)).astype(np.float32),
    "s4": rng.standard_normal((4,)).astype(np.float32),
    "b4": rng.standard_normal((4,)).astype(np.float32),
    "m4": rng.standard_normal((4,)).astype(np.float32),
    "v4": rng.uniform(0.5, 2.0, (4,)).astype(np.float32),
}
outputs = ["diag", "bmm", "esum", "amax", "amin", "hmax", "topv", "topi",
           "csum", "tril", "tile", "gel", "gnd", "sel", "snd", "conv", "bn",
           "inorm", "gnorm"]
_TYPES = {np.dtype(np.float32): F, np.dtype(np.int64): I}
graph = helper.make_graph(
    nodes, "indexing",
    [helper.make_tensor_value_info(k, _TYPES[v.dtype], v.shape)
     for k, v in inputs.items()],
    [helper.make_tensor_value_info(o, 0, None) for o in outputs])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)])
model.ir_version = 10
onnx.save(model, os.path.join(out, "model.onnx"))

results = ReferenceEvaluator(model).run(None, inputs)
for i, (name, a) in enumerate(inputs.items()):
    with open(os.path.join(out, "data", f"input_{i}.pb"), "wb") as f:
        f.write(numpy_helper.from_array(a, name).SerializeToString())
for i, (name, a) in enumerate(zip(outputs, results)):
    with open(os.path.join(out, "data", f"output_{i}.pb"), "wb") as f:
        f.write(numpy_helper.from_array(np.asarray(a), name).SerializeToString())
