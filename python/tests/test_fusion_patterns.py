"""seq-raise patterns end to end: small ONNX graphs in the decomposed form
exporters emit (RoPE rotate-half and interleaved, LayerNorm, tanh/erf GELU,
SwiGLU, gated attention) compiled with fusion (raised to seq ops) and with
--no-fuse must both match the ONNX reference, and the fused IR must contain
the raised op. Also ONNX-23 RotaryEmbedding against its reference.
"""
import subprocess

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator

import seqc

F = TensorProto.FLOAT


def const(name, arr):
    return numpy_helper.from_array(np.asarray(arr), name)


def ints(name, vals):
    return const(name, np.array(vals, dtype=np.int64))


def scalar(name, v):
    return const(name, np.array(v, dtype=np.float32))


def rope_half_graph(B=1, H=2, S=5, D=8):
    h = D // 2
    nodes = [
        helper.make_node("Mul", ["x", "cos"], ["xc"]),
        helper.make_node("Slice", ["x", "s0", "sh", "ax"], ["x1"]),
        helper.make_node("Slice", ["x", "sh", "sd", "ax"], ["x2"]),
        helper.make_node("Neg", ["x2"], ["nx2"]),
        helper.make_node("Concat", ["nx2", "x1"], ["rot"], axis=-1),
        helper.make_node("Mul", ["rot", "sin"], ["rs"]),
        helper.make_node("Add", ["xc", "rs"], ["y"]),
    ]
    inits = [ints("s0", [0]), ints("sh", [h]), ints("sd", [D]), ints("ax", [3])]
    ins = [helper.make_tensor_value_info("x", F, [B, H, S, D]),
           helper.make_tensor_value_info("cos", F, [1, 1, S, D]),
           helper.make_tensor_value_info("sin", F, [1, 1, S, D])]
    return nodes, inits, ins, [B, H, S, D], "seq.rope"


def rope_interleaved_graph(B=1, H=2, S=5, D=8):
    h = D // 2
    nodes = [
        helper.make_node("Slice", ["x", "s0", "sd", "ax", "st"], ["ev"]),
        helper.make_node("Slice", ["x", "s1", "sd", "ax", "st"], ["od"]),
        helper.make_node("Neg", ["od"], ["nod"]),
        helper.make_node("Unsqueeze", ["nod", "ax4"], ["a"]),
        helper.make_node("Unsqueeze", ["ev", "ax4"], ["b"]),
        helper.make_node("Concat", ["a", "b"], ["st2"], axis=-1),
        helper.make_node("Reshape", ["st2", "shape"], ["rot"]),
        helper.make_node("Mul", ["x", "cos"], ["xc"]),
        helper.make_node("Mul", ["rot", "sin"], ["rs"]),
        helper.make_node("Add", ["xc", "rs"], ["y"]),
    ]
    inits = [ints("s0", [0]), ints("s1", [1]), ints("sd", [D]), ints("ax", [3]),
             ints("st", [2]), ints("ax4", [4]), ints("shape", [B, H, S, D])]
    ins = [helper.make_tensor_value_info("x", F, [B, H, S, D]),
           helper.make_tensor_value_info("cos", F, [1, 1, S, D]),
           helper.make_tensor_value_info("sin", F, [1, 1, S, D])]
    return nodes, inits, ins, [B, H, S, D], "seq.rope"


def layer_norm_graph(N=6, C=16):
    nodes = [
        helper.make_node("ReduceMean", ["x", "axes"], ["m"]),
        helper.make_node("Sub", ["x", "m"], ["d"]),
        helper.make_node("Pow", ["d", "two"], ["d2"]),
        helper.make_node("ReduceMean", ["d2", "axes"], ["v"]),
        helper.make_node("Add", ["v", "eps"], ["ve"]),
        helper.make_node("Sqrt", ["ve"], ["sd"]),
        helper.make_node("Div", ["d", "sd"], ["n"]),
        helper.make_node("Mul", ["n", "w"], ["nw"]),
        helper.make_node("Add", ["nw", "b"], ["y"]),
    ]
    rng = np.random.default_rng(1)
    inits = [ints("axes", [-1]), scalar("two", 2.0), scalar("eps", 1e-5),
             const("w", rng.standard_normal(C).astype(np.float32)),
             const("b", rng.standard_normal(C).astype(np.float32))]
    ins = [helper.make_tensor_value_info("x", F, [N, C])]
    return nodes, inits, ins, [N, C], "seq.layer_norm"


def gelu_graph(approx, N=4, C=32):
    if approx == "tanh":
        nodes = [
            helper.make_node("Mul", ["x", "half"], ["hx"]),
            helper.make_node("Pow", ["x", "three"], ["x3"]),
            helper.make_node("Mul", ["x3", "c"], ["cx3"]),
            helper.make_node("Add", ["x", "cx3"], ["u"]),
            helper.make_node("Mul", ["u", "k"], ["ku"]),
            helper.make_node("Tanh", ["ku"], ["t"]),
            helper.make_node("Add", ["t", "one"], ["t1"]),
            helper.make_node("Mul", ["hx", "t1"], ["y"]),
        ]
        inits = [scalar("half", 0.5), scalar("three", 3.0), scalar("c", 0.044715),
                 scalar("k", np.sqrt(2 / np.pi)), scalar("one", 1.0)]
    else:
        nodes = [
            helper.make_node("Div", ["x", "sqrt2"], ["xs"]),
            helper.make_node("Erf", ["xs"], ["e"]),
            helper.make_node("Add", ["e", "one"], ["e1"]),
            helper.make_node("Mul", ["x", "e1"], ["xe"]),
            helper.make_node("Mul", ["xe", "half"], ["y"]),
        ]
        inits = [scalar("sqrt2", np.sqrt(2.0)), scalar("one", 1.0),
                 scalar("half", 0.5)]
    ins = [helper.make_tensor_value_info("x", F, [N, C])]
    return nodes, inits, ins, [N, C], "seq.gelu"


def swiglu_graph(S=4, C=8, I=16):
    rng = np.random.default_rng(2)
    nodes = [
        helper.make_node("MatMul", ["x", "wg"], ["g"]),
        helper.make_node("Sigmoid", ["g"], ["sg"]),
        helper.make_node("Mul", ["g", "sg"], ["silu"]),
        helper.make_node("MatMul", ["x", "wu"], ["u"]),
        helper.make_node("Mul", ["silu", "u"], ["hm"]),
        helper.make_node("MatMul", ["hm", "wd"], ["y"]),
    ]
    inits = [const(n, rng.standard_normal(s).astype(np.float32) * 0.3)
             for n, s in (("wg", (C, I)), ("wu", (C, I)), ("wd", (I, C)))]
    ins = [helper.make_tensor_value_info("x", F, [1, S, C])]
    return nodes, inits, ins, [1, S, C], "seq.swiglu"


def gated_attention_graph(B=1, H=2, S=5, D=8):
    nodes = [
        helper.make_node("Attention", ["q", "k", "v"], ["a"]),
        helper.make_node("Transpose", ["a"], ["at"], perm=[0, 2, 1, 3]),
        helper.make_node("Reshape", ["at", "shape"], ["o"]),
        helper.make_node("Sigmoid", ["g"], ["sg"]),
        helper.make_node("Mul", ["o", "sg"], ["y"]),
    ]
    inits = [ints("shape", [B, S, H * D])]
    ins = [helper.make_tensor_value_info(n, F, [B, H, S, D]) for n in "qkv"]
    ins.append(helper.make_tensor_value_info("g", F, [B, S, H * D]))
    return nodes, inits, ins, [B, S, H * D], "seq.attention_gate"


CASES = {
    "rope_half": rope_half_graph,
    "rope_interleaved": rope_interleaved_graph,
    "layer_norm": layer_norm_graph,
    "gelu_tanh": lambda: gelu_graph("tanh"),
    "gelu_erf": lambda: gelu_graph("none"),
    "swiglu": swiglu_graph,
    "gated_attention": gated_attention_graph,
}


def save(path, nodes, inits, ins, out_shape, opset=23):
    out = helper.make_tensor_value_info("y", F, out_shape)
    graph = helper.make_graph(nodes, "g", ins, [out], initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    onnx.save(model, str(path))
    return model


def feeds_for(model, rng):
    feeds = {}
    for i in model.graph.input:
        shape = [d.dim_value for d in i.type.tensor_type.shape.dim]
        feeds[i.name] = rng.standard_normal(shape).astype(np.float32)
    return feeds


@pytest.mark.parametrize("name", sorted(CASES))
def test_raised_pattern_matches_reference(tmp_path, name):
    nodes, inits, ins, out_shape, raised = CASES[name]()
    path = tmp_path / "m.onnx"
    model = save(path, nodes, inits, ins, out_shape)
    feeds = feeds_for(model, np.random.default_rng(0))
    (ref,) = ReferenceEvaluator(model).run(None, feeds)

    ir = subprocess.run([seqc.find_tool("seqc"), str(path), "--emit=seq", "-o", "-"],
                        capture_output=True, text=True, check=True).stdout
    assert raised in ir, ir

    outs = {}
    for mode, extra in (("fused", ()), ("unfused", ("--no-fuse",))):
        so = tmp_path / f"{mode}.so"
        seqc.compile(path, so, extra_args=extra)
        (outs[mode],) = seqc.load(so).run(**feeds)
        np.testing.assert_allclose(outs[mode], ref, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(outs["fused"], outs["unfused"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("rank,interleaved,rot,pos", [
    (4, 0, 0, True), (4, 1, 0, False), (3, 0, 0, True), (3, 1, 4, False),
    (4, 0, 6, True),
])
def test_rotary_embedding_23(tmp_path, rank, interleaved, rot, pos):
    B, H, S, D, P = 2, 3, 5, 8, 12
    R = rot or D
    x_shape = [B, H, S, D] if rank == 4 else [B, S, H * D]
    ins = [helper.make_tensor_value_info("x", F, x_shape)]
    cache = [P, R // 2] if pos else [B, S, R // 2]
    ins += [helper.make_tensor_value_info(n, F, cache) for n in ("cos", "sin")]
    node_ins = ["x", "cos", "sin"]
    if pos:
        ins.append(helper.make_tensor_value_info("pos", TensorProto.INT64, [B, S]))
        node_ins.append("pos")
    attrs = {"interleaved": interleaved}
    if rot:
        attrs["rotary_embedding_dim"] = rot
    if rank == 3:
        attrs["num_heads"] = H
    nodes = [helper.make_node("RotaryEmbedding", node_ins, ["y"], **attrs)]
    path = tmp_path / "r.onnx"
    model = save(path, nodes, [], ins, x_shape)
    rng = np.random.default_rng(3)
    feeds = feeds_for(model, rng)
    if pos:
        feeds["pos"] = rng.integers(-P, P, size=(B, S)).astype(np.int64)
        feeds["pos"][0, 0] = 0
    ref_feeds = dict(feeds)
    if pos:  # the reference indexes numpy-style: negative ids wrap as well
        ref_feeds["pos"] = feeds["pos"]
    (ref,) = ReferenceEvaluator(model).run(None, ref_feeds)
    so = tmp_path / "r.so"
    seqc.compile(path, so)
    (y,) = seqc.load(so).run(**feeds)
    np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-6)
