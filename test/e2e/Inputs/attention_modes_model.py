"""Writes an ONNX Attention model mixing the less common modes (GQA over 3-D
inputs with a KV cache, bool and short float masks, nonpad_kv_seqlen with
fully masked rows, sliding windows, softcap, every qk_matmul_output_mode) and
its ONNX-reference outputs: OUT_DIR/model.onnx and OUT_DIR/data/*.pb."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as TP, helper, numpy_helper
from onnx.reference import ReferenceEvaluator

out = sys.argv[1]
os.makedirs(os.path.join(out, "data"), exist_ok=True)
rng = np.random.default_rng(7)
B, Sq, S, P, Hq, Hkv, D, Dv = 2, 5, 5, 7, 4, 2, 16, 12


def attn(name, ins, outs, **attrs):
    return helper.make_node("Attention", ins, outs, name=name, **attrs)


nodes = [
    # 3-D GQA with a KV cache, causal offset 7, a partial bool mask; mode 2.
    attn("cache", ["q3", "k3", "v3", "bmask", "pk", "pv"],
         ["y_cache", "present_k", "present_v", "qk_bias"], is_causal=1,
         q_num_heads=Hq, kv_num_heads=Hkv, qk_matmul_output_mode=2),
    # 4-D with per-batch valid lengths (one too short for the query block:
    # fully masked rows), a bidirectional window and a short rank-3 float
    # mask; mode 3 exposes the probabilities.
    attn("nonpad", ["q4", "k4", "v4", "fmask", "", "", "lens"],
         ["y_nonpad", "", "", "probs"], is_causal=1, left_window_size=3,
         right_window_size=1, qk_matmul_output_mode=3),
    # Softcap with an explicit scale; mode 0 (the reference's softcapped QK).
    attn("softcap", ["q4", "k4", "v4"], ["y_softcap", "", "", "qk_raw"],
         softcap=1.5, scale=0.3),
]
outputs = [helper.make_tensor_value_info(n, TP.FLOAT, None) for n in
           ["y_cache", "present_k", "present_v", "qk_bias", "y_nonpad",
            "probs", "y_softcap", "qk_raw"]]
feeds = {
    "q3": rng.standard_normal((B, Sq, Hq * D), np.float32),
    "k3": rng.standard_normal((B, S, Hkv * D), np.float32),
    "v3": rng.standard_normal((B, S, Hkv * Dv), np.float32),
    "bmask": rng.random((B, 1, Sq, P + S)) > 0.3,
    "pk": rng.standard_normal((B, Hkv, P, D), np.float32),
    "pv": rng.standard_normal((B, Hkv, P, Dv), np.float32),
    "q4": rng.standard_normal((B, Hq, Sq, D), np.float32),
    "k4": rng.standard_normal((B, Hkv, P + S, D), np.float32),
    "v4": rng.standard_normal((B, Hkv, P + S, Dv), np.float32),
    "fmask": rng.standard_normal((Hq, Sq, P), np.float32),
    "lens": np.array([3, 11], np.int64),
}
elem = {np.dtype(np.float32): TP.FLOAT, np.dtype(np.bool_): TP.BOOL,
        np.dtype(np.int64): TP.INT64}
inputs = [helper.make_tensor_value_info(k, elem[v.dtype], v.shape)
          for k, v in feeds.items()]
graph = helper.make_graph(nodes, "attention_modes", inputs, outputs)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 25)])
model.ir_version = 10
onnx.save(model, os.path.join(out, "model.onnx"))

results = ReferenceEvaluator(model).run(None, feeds)
for i, (name, v) in enumerate(feeds.items()):
    t = numpy_helper.from_array(v, name)
    open(os.path.join(out, "data", f"input_{i}.pb"), "wb").write(
        t.SerializeToString())
for i, (o, v) in enumerate(zip(outputs, results)):
    assert np.all(np.isfinite(v) | (o.name == "qk_bias")), o.name
    t = numpy_helper.from_array(np.asarray(v), o.name)
    open(os.path.join(out, "data", f"output_{i}.pb"), "wb").write(
        t.SerializeToString())
