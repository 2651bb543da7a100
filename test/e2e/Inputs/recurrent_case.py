"""Writes model.onnx and data/{input,output}_N.pb for one recurrence case.

Usage: recurrent_case.py KIND OUTDIR, KIND in lstm, gru, rnn, scan. The
reference outputs come from onnxruntime, which (unlike onnx.reference)
implements sequence_lens, clip and the activations attributes.
"""
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

kind, out = sys.argv[1], sys.argv[2]
os.makedirs(os.path.join(out, "data"), exist_ok=True)
rng = np.random.default_rng(7)
T, B, I, H = 5, 3, 4, 6
f32 = lambda *s: rng.standard_normal(s).astype(np.float32)

feeds, inits = {}, []
if kind == "scan":
    # Running sum over axis 1 (reversed) scaled by an outer weight; the
    # scan output is stacked on axis 0.
    body = helper.make_graph(
        [helper.make_node("Mul", ["xt", "w"], ["m"]),
         helper.make_node("Add", ["s", "m"], ["s_out"]),
         helper.make_node("Tanh", ["s_out"], ["y"])],
        "body",
        [helper.make_tensor_value_info("s", TensorProto.FLOAT, [B]),
         helper.make_tensor_value_info("xt", TensorProto.FLOAT, [B])],
        [helper.make_tensor_value_info("s_out", TensorProto.FLOAT, [B]),
         helper.make_tensor_value_info("y", TensorProto.FLOAT, [B])])
    node = helper.make_node("Scan", ["init", "x"], ["final", "ys"], body=body,
                            num_scan_inputs=1, scan_input_axes=[1],
                            scan_input_directions=[1])
    feeds = {"init": f32(B), "x": f32(B, T)}
    inits = [numpy_helper.from_array(f32(B), "w")]
    outputs = ["final", "ys"]
else:
    G = {"rnn": 1, "gru": 3, "lstm": 4}[kind]
    op = kind.upper()
    feeds = {"X": f32(T, B, I), "sequence_lens": np.array([5, 2, 4], np.int32)}
    inits = [numpy_helper.from_array(0.5 * f32(2, G * H, I), "W"),
             numpy_helper.from_array(0.5 * f32(2, G * H, H), "R"),
             numpy_helper.from_array(f32(2, 2 * G * H), "B"),
             numpy_helper.from_array(f32(2, B, H), "initial_h")]
    ins = ["X", "W", "R", "B", "sequence_lens", "initial_h"]
    attrs = dict(hidden_size=H, direction="bidirectional")
    outputs = ["Y", "Y_h"]
    if kind == "lstm":
        inits += [numpy_helper.from_array(f32(2, B, H), "initial_c"),
                  numpy_helper.from_array(f32(2, 3 * H), "P")]
        ins += ["initial_c", "P"]
        attrs["clip"] = 2.0
        outputs.append("Y_c")
    elif kind == "gru":
        attrs["linear_before_reset"] = 1
    else:
        attrs.update(activations=["Relu", "Affine"], activation_alpha=[0.5],
                     activation_beta=[0.1])
    node = helper.make_node(op, ins, outputs, **attrs)

graph = helper.make_graph(
    [node], kind,
    [helper.make_tensor_value_info(
        n, TensorProto.INT32 if v.dtype == np.int32 else TensorProto.FLOAT,
        list(v.shape)) for n, v in feeds.items()],
    [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outputs],
    inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 22)])
model.ir_version = 10
path = os.path.join(out, "model.onnx")
onnx.save(model, path)
ref = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, feeds)
for i, v in enumerate(feeds.values()):
    with open(os.path.join(out, "data", f"input_{i}.pb"), "wb") as f:
        f.write(numpy_helper.from_array(v).SerializeToString())
for i, v in enumerate(ref):
    with open(os.path.join(out, "data", f"output_{i}.pb"), "wb") as f:
        f.write(numpy_helper.from_array(v).SerializeToString())
