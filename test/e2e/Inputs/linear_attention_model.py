"""Writes an ONNX model of LinearAttention nodes beyond the node tests' T = 4
(every update rule step by step and in chunks with a remainder, diagonal
and per-head decay, GQA/MQA, past state) and CausalConvWithState (bias,
past state, silu), with its ONNX-reference outputs: OUT_DIR/model.onnx and
OUT_DIR/data/*.pb."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as TP, helper, numpy_helper
from onnx.reference import ReferenceEvaluator

out = sys.argv[1]
os.makedirs(os.path.join(out, "data"), exist_ok=True)
rng = np.random.default_rng(11)
B, T, Hq, Hkv, Dk, Dv = 2, 21, 4, 2, 8, 6


def la(name, ins, outs, rule, hkv=Hkv, **attrs):
    return helper.make_node("LinearAttention", ins, outs, name=name,
                            update_rule=rule, q_num_heads=Hq,
                            kv_num_heads=hkv, **attrs)


nodes = [
    # Step by step (no chunk_size).
    la("lin", ["q", "k", "v"], ["o_lin", "s_lin"], "linear"),
    la("gdn", ["q", "kn", "v", "s0", "gh", "b"], ["o_gdn", "s_gdn"],
       "gated_delta"),
    # Chunks of 8 (two chunks, 5 remaining steps) and of 7 (three, none).
    la("gla_c8", ["q", "k", "v", "s0", "gd"], ["o_gla", "s_gla"], "gated",
       chunk_size=8),
    la("gdn_c8", ["q", "kn", "v", "s0", "gd", "b"], ["o_gdnc", "s_gdnc"],
       "gated_delta", chunk_size=8),
    la("delta_c7", ["q", "kn1", "v1", "", "", "b1"], ["o_dm", "s_dm"],
       "delta", hkv=1, chunk_size=7, scale=0.5),
    la("gph_c7", ["q", "k", "v", "", "gh"], ["o_gph", "s_gph"], "gated",
       chunk_size=7),
    helper.make_node("CausalConvWithState", ["x", "w", "cb", "cs"],
                     ["y", "cs_out"], name="conv", activation="silu"),
]
outs = ["o_lin", "s_lin", "o_gdn", "s_gdn", "o_gla", "s_gla", "o_gdnc",
        "s_gdnc", "o_dm", "s_dm", "o_gph", "s_gph", "y", "cs_out"]
outputs = [helper.make_tensor_value_info(n, TP.FLOAT, None) for n in outs]


def l2(x, h):
    x4 = x.reshape(B, T, h, -1)
    return (x4 / np.linalg.norm(x4, axis=-1, keepdims=True)).reshape(B, T, -1)


f = np.float32
feeds = {
    "q": rng.standard_normal((B, T, Hq * Dk), f),
    "k": rng.standard_normal((B, T, Hkv * Dk), f),
    "kn": l2(rng.standard_normal((B, T, Hkv * Dk), f), Hkv),
    "kn1": l2(rng.standard_normal((B, T, Dk), f), 1),
    "v": rng.standard_normal((B, T, Hkv * Dv), f),
    "v1": rng.standard_normal((B, T, Dv), f),
    "s0": 0.1 * rng.standard_normal((B, Hkv, Dk, Dv), f),
    "gd": -0.1 * np.abs(rng.standard_normal((B, T, Hkv * Dk), f)),
    "gh": -0.1 * np.abs(rng.standard_normal((B, T, Hkv), f)),
    "b": rng.random((B, T, Hkv), f),
    "b1": rng.random((B, T, 1), f),
    "x": rng.standard_normal((B, 6, 9), f),
    "w": rng.standard_normal((6, 1, 4), f),
    "cb": rng.standard_normal((6,), f),
    "cs": rng.standard_normal((B, 6, 3), f),
}
inputs = [helper.make_tensor_value_info(k, TP.FLOAT, v.shape)
          for k, v in feeds.items()]
graph = helper.make_graph(nodes, "linear_attention", inputs, outputs)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 27)])
model.ir_version = 10
onnx.save(model, os.path.join(out, "model.onnx"))

results = ReferenceEvaluator(model).run(None, feeds)
for i, (name, v) in enumerate(feeds.items()):
    t = numpy_helper.from_array(v, name)
    open(os.path.join(out, "data", f"input_{i}.pb"), "wb").write(
        t.SerializeToString())
for i, (o, v) in enumerate(zip(outputs, results)):
    t = numpy_helper.from_array(np.asarray(v), o.name)
    open(os.path.join(out, "data", f"output_{i}.pb"), "wb").write(
        t.SerializeToString())
