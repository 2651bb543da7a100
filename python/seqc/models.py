"""The bundled example model: a small llama-style transformer block.

    input_ids int64 [1, 16] -> logits float32 [1, 16, 256]

Embedding Gather -> pre-RMSNorm -> 4-head causal self-attention (written as
MatMul/Softmax/MatMul, causal mask via Where) -> residual -> pre-RMSNorm ->
SwiGLU MLP (Sigmoid/Mul) -> residual -> LayerNormalization -> logits (Gemm).
Opset 18, float32, static shapes, deterministic weights (default_rng(0)).
Only uses the ops that the importer supports first (see SUPPORTED_OPS).
"""
import os
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SUPPORTED_OPS = frozenset(
    "Add Sub Mul Div Concat Expand Gather Gemm LayerNormalization MatMul Neg "
    "Pow Reciprocal ReduceMean Reshape Sigmoid Slice Softmax Split Sqrt Tanh "
    "Transpose Unsqueeze Where Cast Constant".split())

BATCH, SEQ, HIDDEN, HEADS, VOCAB, FFN = 1, 16, 64, 4, 256, 128
HEAD_DIM = HIDDEN // HEADS
OPSET = 18


class _Graph:
    def __init__(self, rng):
        self.rng = rng
        self.nodes, self.inits = [], []
        self.count = 0

    def name(self, hint):
        self.count += 1
        return f"{hint}_{self.count}"

    def weight(self, hint, shape, scale=None):
        fan_in = shape[0]
        scale = scale if scale is not None else 1.0 / np.sqrt(fan_in)
        value = (self.rng.standard_normal(shape) * scale).astype(np.float32)
        return self.const(hint, value)

    def const(self, hint, value):
        name = self.name(hint)
        self.inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def op(self, op_type, inputs, hint=None, **attrs):
        out = self.name(hint or op_type.lower())
        self.nodes.append(helper.make_node(op_type, inputs, [out],
                                           name=f"n_{out}", **attrs))
        return out

    def rms_norm(self, x, eps=1e-6):
        axes = self.const("axes", np.array([-1], dtype=np.int64))
        ms = self.op("ReduceMean", [self.op("Mul", [x, x]), axes], keepdims=1)
        eps_c = self.op("Constant", [], "eps",
                        value=numpy_helper.from_array(np.array(eps, np.float32)))
        inv = self.op("Reciprocal", [self.op("Sqrt", [self.op("Add", [ms, eps_c])])])
        gamma = self.const("rms_gamma",
                           (1 + 0.1 * self.rng.standard_normal(HIDDEN)).astype(np.float32))
        return self.op("Mul", [self.op("Mul", [x, inv]), gamma])


def build_model() -> onnx.ModelProto:
    rng = np.random.default_rng(0)
    g = _Graph(rng)
    ids = "input_ids"

    x = g.op("Gather", [g.weight("embed", (VOCAB, HIDDEN), 1.0), ids], "embed", axis=0)

    # Attention.
    h = g.rms_norm(x)
    heads_shape = g.const("heads_shape", np.array([BATCH, SEQ, HEADS, HEAD_DIM], np.int64))

    def heads(w_hint):
        proj = g.op("MatMul", [h, g.weight(w_hint, (HIDDEN, HIDDEN))])
        return g.op("Reshape", [proj, heads_shape])

    q = g.op("Transpose", [heads("wq")], perm=[0, 2, 1, 3])  # [B,H,S,D]
    kt = g.op("Transpose", [heads("wk")], perm=[0, 2, 3, 1])  # [B,H,D,S]
    v = g.op("Transpose", [heads("wv")], perm=[0, 2, 1, 3])
    scale = g.const("scale", np.array(1.0 / np.sqrt(HEAD_DIM), np.float32))
    scores = g.op("Mul", [g.op("MatMul", [q, kt]), scale])
    causal = g.const("causal", np.tril(np.ones((SEQ, SEQ), dtype=bool)))
    neg = g.const("neg_inf", np.array(-1e9, np.float32))
    scores = g.op("Where", [causal, scores, neg])
    probs = g.op("Softmax", [scores], axis=-1)
    ctx = g.op("Transpose", [g.op("MatMul", [probs, v])], perm=[0, 2, 1, 3])
    ctx = g.op("Reshape", [ctx, g.const("hidden_shape",
                                        np.array([BATCH, SEQ, HIDDEN], np.int64))])
    x = g.op("Add", [x, g.op("MatMul", [ctx, g.weight("wo", (HIDDEN, HIDDEN))])])

    # SwiGLU-style MLP.
    h = g.rms_norm(x)
    gate = g.op("MatMul", [h, g.weight("w_gate", (HIDDEN, FFN))])
    up = g.op("MatMul", [h, g.weight("w_up", (HIDDEN, FFN))])
    act = g.op("Mul", [g.op("Mul", [gate, g.op("Sigmoid", [gate])]), up])
    x = g.op("Add", [x, g.op("MatMul", [act, g.weight("w_down", (FFN, HIDDEN))])])

    # Final LayerNorm and logits (Gemm over the flattened tokens).
    ln_scale = g.const("ln_scale", (1 + 0.1 * rng.standard_normal(HIDDEN)).astype(np.float32))
    ln_bias = g.const("ln_bias", (0.1 * rng.standard_normal(HIDDEN)).astype(np.float32))
    x = g.op("LayerNormalization", [x, ln_scale, ln_bias], axis=-1, epsilon=1e-5)
    flat = g.op("Reshape", [x, g.const("flat_shape", np.array([BATCH * SEQ, HIDDEN], np.int64))])
    lm_head = g.weight("lm_head", (VOCAB, HIDDEN), 1.0 / np.sqrt(HIDDEN))  # [V,H]
    lm_bias = g.const("lm_bias", np.zeros(VOCAB, np.float32))
    logits = g.op("Gemm", [flat, lm_head, lm_bias], transB=1)
    g.nodes.append(helper.make_node(
        "Reshape", [logits, g.const("logits_shape", np.array([BATCH, SEQ, VOCAB], np.int64))],
        ["logits"], name="n_logits"))

    graph = helper.make_graph(
        g.nodes, "tiny_llama",
        [helper.make_tensor_value_info(ids, TensorProto.INT64, [BATCH, SEQ])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [BATCH, SEQ, VOCAB])],
        g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="seqc.models")
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    assert {n.op_type for n in model.graph.node} <= SUPPORTED_OPS
    return model


def example_inputs():
    rng = np.random.default_rng(1)
    return [rng.integers(0, VOCAB, size=(BATCH, SEQ), dtype=np.int64)]


def reference_outputs(model_path, inputs):
    """Runs onnxruntime (CPU, no graph optimizations) on `inputs`."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(str(model_path), opts, providers=["CPUExecutionProvider"])
    feeds = {i.name: a for i, a in zip(sess.get_inputs(), inputs)}
    return sess.run(None, feeds)


def build_example(path) -> Path:
    """Writes <path>/model.onnx and <path>/test_data_set_0/{input,output}_0.pb
    (onnxruntime reference); returns <path>."""
    from .onnx_io import write_test_data

    out = Path(path)
    os.makedirs(out, exist_ok=True)
    model = build_model()
    onnx.save(model, str(out / "model.onnx"))
    inputs = example_inputs()
    outputs = reference_outputs(out / "model.onnx", inputs)
    write_test_data(out / "test_data_set_0", inputs, outputs,
                    input_names=["input_ids"], output_names=["logits"])
    return out
