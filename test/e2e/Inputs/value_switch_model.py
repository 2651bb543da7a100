"""A model whose shape-deciding inputs are graph inputs, known only at run
time (test/e2e/value-switch-run.test): the importer compiles one case per
possible value and switches on the run-time value (no --const-input).

  switch.onnx: ReduceSum/ReduceMean axes, Unsqueeze/Squeeze axes, TopK K,
               Split sizes, Trilu k, DFT axis (onesided: the shape depends
               on it)

Usage: value_switch_model.py OUT_DIR; writes switch.onnx, data dirs ok_0,
ok_1, ok_2 (different values, references from onnx.reference) and bad_axes
(a repeated axis), bad_k (K larger than the axis).
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator

out = sys.argv[1]
F, I = TensorProto.FLOAT, TensorProto.INT64


def vi(name, elt, shape):
    return helper.make_tensor_value_info(name, elt, shape)


nodes = [
    helper.make_node("ReduceSum", ["x", "raxes"], ["rsum"], name="rsum"),
    helper.make_node("ReduceMean", ["x", "maxes"], ["rmean_"], name="rmean",
                     keepdims=0),
    helper.make_node("Exp", ["rmean_"], ["rmean"], name="exp"),
    helper.make_node("Unsqueeze", ["x", "uaxes"], ["unsq"], name="unsq"),
    helper.make_node("Squeeze", ["s", "saxes"], ["sq"], name="sq"),
    helper.make_node("TopK", ["t", "k"], ["tv", "ti"], name="topk"),
    helper.make_node("Split", ["v", "split"], ["p0", "p1"], name="split"),
    helper.make_node("Trilu", ["m", "tk"], ["tri"], name="tri", upper=0),
    helper.make_node("DFT", ["sig", "", "dax"], ["dft"], name="dft",
                     onesided=1),
]
inputs = [vi("x", F, [3, 4, 5]), vi("raxes", I, [2]), vi("maxes", I, [1]),
          vi("uaxes", I, [2]), vi("s", F, [1, 3, 1, 2]), vi("saxes", I, [1]),
          vi("t", F, [3, 6]), vi("k", I, [1]), vi("v", F, [8]),
          vi("split", I, [2]), vi("m", F, [4, 5]), vi("tk", I, []),
          vi("sig", F, [1, 4, 6, 1]), vi("dax", I, [])]
outputs = [vi(n, F, None) for n in ("rsum", "rmean", "unsq", "sq", "tv")]
outputs += [vi("ti", I, None)]
outputs += [vi(n, F, None) for n in ("p0", "p1", "tri", "dft")]
graph = helper.make_graph(nodes, "switch", inputs, outputs)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)])
model.ir_version = 9
onnx.save(model, os.path.join(out, "switch.onnx"))

rng = np.random.default_rng(0)
data = {
    "x": rng.standard_normal((3, 4, 5)).astype(np.float32),
    "s": rng.standard_normal((1, 3, 1, 2)).astype(np.float32),
    # distinct values: TopK's order is then unique
    "t": rng.permutation(18).reshape(3, 6).astype(np.float32),
    "v": np.arange(8, dtype=np.float32),
    "m": rng.standard_normal((4, 5)).astype(np.float32),
    "sig": rng.standard_normal((1, 4, 6, 1)).astype(np.float32),
}
cases = {
    "ok_0": dict(raxes=[0, 2], maxes=[1], uaxes=[0, 3], saxes=[0], k=[2],
                 split=[3, 5], tk=0, dax=1),
    "ok_1": dict(raxes=[-1, 1], maxes=[-3], uaxes=[-1, 1], saxes=[-2], k=[6],
                 split=[8, 0], tk=-2, dax=2),
    "ok_2": dict(raxes=[1, 0], maxes=[2], uaxes=[4, 2], saxes=[2], k=[0],
                 split=[0, 8], tk=3, dax=-2),
}
bad = {"bad_axes": dict(cases["ok_0"], raxes=[2, -1]),
       "bad_k": dict(cases["ok_0"], k=[7])}
names = [i.name for i in inputs]
ref = ReferenceEvaluator(model)


def save(name, values, with_outputs):
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    feeds = dict(data)
    feeds.update({k: np.array(v, dtype=np.int64) for k, v in values.items()})
    items = [("input", [(n, feeds[n]) for n in names])]
    if with_outputs:
        got = ref.run(None, feeds)
        items.append(("output", list(zip([o.name for o in outputs], got))))
    for prefix, arrays in items:
        for i, (n, a) in enumerate(arrays):
            with open(os.path.join(d, f"{prefix}_{i}.pb"), "wb") as f:
                f.write(numpy_helper.from_array(np.asarray(a), n)
                        .SerializeToString())


for name, values in cases.items():
    save(name, values, True)
for name, values in bad.items():
    save(name, values, False)
