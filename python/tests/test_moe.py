"""Mixture of experts end to end: graphs in transformers' `batched_mm` spelling
(softmax -> TopK [-> / sum] -> GatherND of expert weights -> batched MatMul ->
SwiGLU/GELU -> MatMul -> weighted ReduceSum) and in the dense one-hot/Where
spelling (every expert on every token, combined with
Where(Equal(topk_indices, arange(E)), w, 0)), stacked or as per-expert chains
with their own weights, built here with onnx.helper,
are raised to seq.moe_gate + seq.moe, compiled, and must match onnxruntime;
1 and 2 threads must give the same bits. A graph that does not match keeps
its generic lowering and stays correct. The shared qwen3_moe export is raised
and passes its reference data (skips without ../shared)."""
import subprocess

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import seqc

from conftest import SHARED


def i64(name, values):
    return numpy_helper.from_array(np.array(values, np.int64), name)


def moe_graph(path, t, e, k, h, inter, act="swiglu", renorm=False,
              topk_weights=True, shared=None, seed=0):
    """One MoE layer on x[1, T, H] + residual, as torch.onnx exports
    transformers' batched_mm experts (see ../shared/models/qwen3_moe).
    shared="gated"/"plain": plus a Qwen2-MoE shared expert (in x out Linear
    weights, with or without its sigmoid gate)."""
    rng = np.random.default_rng(seed)
    n = 2 * inter if act == "swiglu" else inter
    f32 = lambda *s: rng.standard_normal(s).astype(np.float32) * 0.3  # noqa: E731
    inits = [
        numpy_helper.from_array(f32(e, h), "router"),
        numpy_helper.from_array(f32(e, n, h), "w_up"),
        numpy_helper.from_array(f32(e, h, inter), "w_down"),
        numpy_helper.from_array(f32(t * k), "fixed_w"),
        i64("shape_th", [-1, h]), i64("k", [k]), i64("one", [1]),
        i64("minus1", [-1]), i64("rep", [1, k, 1]), i64("tkh", [t, k, h]),
        i64("out_shape", [1, t, h]),
    ]
    nodes = [
        helper.make_node("Reshape", ["x", "shape_th"], ["x2"]),
        helper.make_node("Gemm", ["x2", "router"], ["logits"], transB=1),
        helper.make_node("Softmax", ["logits"], ["probs"], axis=-1),
        helper.make_node("TopK", ["probs", "k"], ["topv", "topi"], axis=-1,
                         largest=1, sorted=1),
    ]
    wsrc = "topv"
    if renorm:
        nodes += [
            helper.make_node("ReduceSum", ["topv", "minus1"], ["topsum"],
                             keepdims=1),
            helper.make_node("Div", ["topv", "topsum"], ["topn"]),
        ]
        wsrc = "topn"
    nodes += [
        helper.make_node("Unsqueeze", ["x2", "one"], ["xu"]),
        helper.make_node("Expand", ["xu", "rep"], ["xe"]),
        helper.make_node("Reshape", ["xe", "shape_th"], ["xrep"]),
        helper.make_node("Reshape", [wsrc, "minus1"], ["wflat"]),
        helper.make_node("Reshape", ["topi", "minus1"], ["iflat"]),
        helper.make_node("Unsqueeze", ["iflat", "minus1"], ["icol"]),
        helper.make_node("GatherND", ["w_up", "icol"], ["gup"]),
        helper.make_node("Unsqueeze", ["xrep", "minus1"], ["xcol"]),
        helper.make_node("MatMul", ["gup", "xcol"], ["u3"]),
        helper.make_node("Squeeze", ["u3", "minus1"], ["u"]),
    ]
    if act == "swiglu":
        nodes += [
            helper.make_node("Split", ["u"], ["g", "up"], axis=1,
                             num_outputs=2),
            helper.make_node("Sigmoid", ["g"], ["sg"]),
            helper.make_node("Mul", ["g", "sg"], ["silu"]),
            helper.make_node("Mul", ["silu", "up"], ["hact"]),
        ]
    else:  # erf GELU, as torch exports nn.GELU()
        inits += [numpy_helper.from_array(np.array(1.4142135381698608, np.float32), "sqrt2"),
                  numpy_helper.from_array(np.array(1.0, np.float32), "c1"),
                  numpy_helper.from_array(np.array(0.5, np.float32), "c05")]
        nodes += [
            helper.make_node("Div", ["u", "sqrt2"], ["ud"]),
            helper.make_node("Erf", ["ud"], ["ue"]),
            helper.make_node("Add", ["ue", "c1"], ["ua"]),
            helper.make_node("Mul", ["u", "ua"], ["um"]),
            helper.make_node("Mul", ["um", "c05"], ["hact"]),
        ]
    nodes += [
        helper.make_node("GatherND", ["w_down", "icol"], ["gdown"]),
        helper.make_node("Unsqueeze", ["hact", "minus1"], ["hcol"]),
        helper.make_node("MatMul", ["gdown", "hcol"], ["y3"]),
        helper.make_node("Squeeze", ["y3", "minus1"], ["y"]),
        helper.make_node("Unsqueeze", ["wflat" if topk_weights else "fixed_w",
                                       "minus1"], ["wcol"]),
        helper.make_node("Mul", ["y", "wcol"], ["yw"]),
        helper.make_node("Reshape", ["yw", "tkh"], ["y3d"]),
        helper.make_node("ReduceSum", ["y3d", "one"], ["ysum"], keepdims=0),
    ]
    routed = "ysum"
    if shared:
        si = inter + 8
        inits += [numpy_helper.from_array(f32(h, si), "s_gate"),
                  numpy_helper.from_array(f32(h, si), "s_up"),
                  numpy_helper.from_array(f32(h, si), "s_gelu"),
                  numpy_helper.from_array(f32(si, h), "s_down"),
                  numpy_helper.from_array(f32(h, 1), "s_sig")]
        if act == "swiglu":
            nodes += [
                helper.make_node("MatMul", ["x2", "s_gate"], ["sg0"]),
                helper.make_node("MatMul", ["x2", "s_up"], ["su0"]),
                helper.make_node("Sigmoid", ["sg0"], ["sgs"]),
                helper.make_node("Mul", ["sg0", "sgs"], ["ssilu"]),
                helper.make_node("Mul", ["ssilu", "su0"], ["sact"]),
            ]
        else:
            inits += [numpy_helper.from_array(np.array(1.4142135381698608, np.float32), "ssqrt2"),
                      numpy_helper.from_array(np.array(1.0, np.float32), "sc1"),
                      numpy_helper.from_array(np.array(0.5, np.float32), "sc05")]
            nodes += [
                helper.make_node("MatMul", ["x2", "s_gelu"], ["sg0"]),
                helper.make_node("Div", ["sg0", "ssqrt2"], ["sgd"]),
                helper.make_node("Erf", ["sgd"], ["sge"]),
                helper.make_node("Add", ["sge", "sc1"], ["sga"]),
                helper.make_node("Mul", ["sg0", "sga"], ["sgm"]),
                helper.make_node("Mul", ["sgm", "sc05"], ["sact"]),
            ]
        nodes += [helper.make_node("MatMul", ["sact", "s_down"], ["sy"])]
        sy = "sy"
        if shared == "gated":
            nodes += [helper.make_node("MatMul", ["x2", "s_sig"], ["sl"]),
                      helper.make_node("Sigmoid", ["sl"], ["sgate"]),
                      helper.make_node("Mul", ["sgate", "sy"], ["syg"])]
            sy = "syg"
        nodes += [helper.make_node("Add", ["ysum", sy], ["withshared"])]
        routed = "withshared"
    nodes += [
        helper.make_node("Reshape", [routed, "out_shape"], ["moe"]),
        helper.make_node("Add", ["x", "moe"], ["out"]),
    ]
    graph = helper.make_graph(
        nodes, "moe",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, t, h])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, t, h])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return path


def dense_graph(path, t, e, k, h, inter, renorm=False, seed=0):
    """One dense MoE layer: all experts on all tokens (stacked in x out
    weights, MatMul), combined with one-hot routing weights from Where."""
    rng = np.random.default_rng(seed)
    f32 = lambda *s: rng.standard_normal(s).astype(np.float32) * 0.3  # noqa: E731
    inits = [numpy_helper.from_array(f32(h, e), "router"),
             numpy_helper.from_array(f32(e, h, 2 * inter), "w_up_t"),
             numpy_helper.from_array(f32(e, inter, h), "w_down_t"),
             numpy_helper.from_array(np.arange(e, dtype=np.int64), "experts"),
             numpy_helper.from_array(np.zeros((), np.float32), "zero"),
             i64("k", [k]), i64("minus1", [-1]), i64("zero_ax", [0]),
             i64("one", [1]), i64("shape_th", [t, h]),
             i64("out_shape", [1, t, h])]
    n = helper.make_node
    nodes = [n("Reshape", ["x", "shape_th"], ["x2"]),
             n("MatMul", ["x2", "router"], ["logits"]),
             n("Softmax", ["logits"], ["probs"], axis=-1),
             n("TopK", ["probs", "k"], ["topv", "topi"], axis=-1)]
    w = "topv"
    if renorm:
        nodes += [n("ReduceSum", ["topv", "minus1"], ["ts"], keepdims=1),
                  n("Div", ["topv", "ts"], ["topn"])]
        w = "topn"
    nodes += [n("Unsqueeze", [w, "minus1"], ["wcol"]),
              n("Unsqueeze", ["topi", "minus1"], ["icol"]),
              n("Equal", ["icol", "experts"], ["mask"]),
              n("Where", ["mask", "wcol", "zero"], ["wsel"]),
              n("ReduceSum", ["wsel", "one"], ["combine"], keepdims=0),
              n("Transpose", ["combine"], ["combine_et"], perm=[1, 0]),
              n("Unsqueeze", ["combine_et", "minus1"], ["cw"]),
              n("Unsqueeze", ["x2", "zero_ax"], ["xb"]),
              n("MatMul", ["xb", "w_up_t"], ["u"]),
              n("Split", ["u"], ["g", "up"], axis=-1, num_outputs=2),
              n("Sigmoid", ["g"], ["sg"]), n("Mul", ["g", "sg"], ["silu"]),
              n("Mul", ["silu", "up"], ["a"]),
              n("MatMul", ["a", "w_down_t"], ["y"]),
              n("Mul", ["y", "cw"], ["yw"]),
              n("ReduceSum", ["yw", "zero_ax"], ["ysum"], keepdims=0),
              n("Reshape", ["ysum", "out_shape"], ["moe"]),
              n("Add", ["x", "moe"], ["out"])]
    graph = helper.make_graph(
        nodes, "dense_moe",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, t, h])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, t, h])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return path


def chain_graph(path, t, e, k, h, inter, act="swiglu", renorm=False, seed=0):
    """Per-expert chains: every expert has its own in x out weights and runs
    on every token, scaled by its column of the one-hot routing combine; the
    terms are added up (an unrolled `for e: out += c[:, e] * expert_e(x)`)."""
    rng = np.random.default_rng(seed)
    f32 = lambda *s: (rng.standard_normal(s) * 0.3).astype(np.float32)  # noqa: E731
    inits = [numpy_helper.from_array(f32(h, e), "router"),
             numpy_helper.from_array(np.arange(e, dtype=np.int64), "experts"),
             numpy_helper.from_array(np.zeros((), np.float32), "zero"),
             i64("k", [k]), i64("minus1", [-1]), i64("one", [1]),
             i64("shape_th", [t, h]), i64("out_shape", [1, t, h])]
    n = helper.make_node
    nodes = [n("Reshape", ["x", "shape_th"], ["x2"]),
             n("MatMul", ["x2", "router"], ["logits"]),
             n("Softmax", ["logits"], ["probs"], axis=-1),
             n("TopK", ["probs", "k"], ["topv", "topi"], axis=-1)]
    w = "topv"
    if renorm:
        nodes += [n("ReduceSum", ["topv", "minus1"], ["ts"], keepdims=1),
                  n("Div", ["topv", "ts"], ["topn"])]
        w = "topn"
    nodes += [n("Unsqueeze", [w, "minus1"], ["wcol"]),
              n("Unsqueeze", ["topi", "minus1"], ["icol"]),
              n("Equal", ["icol", "experts"], ["mask"]),
              n("Where", ["mask", "wcol", "zero"], ["wsel"]),
              n("ReduceSum", ["wsel", "one"], ["combine"], keepdims=0)]
    acc = None
    for j in range(e):
        inits += [i64(f"s{j}", [j]), i64(f"e{j}", [j + 1]),
                  numpy_helper.from_array(f32(h, inter), f"w1_{j}"),
                  numpy_helper.from_array(f32(inter, h), f"w2_{j}")]
        nodes += [n("Slice", ["combine", f"s{j}", f"e{j}", "one"], [f"c{j}"]),
                  n("MatMul", ["x2", f"w1_{j}"], [f"g{j}"])]
        if act == "swiglu":
            inits += [numpy_helper.from_array(f32(h, inter), f"w3_{j}")]
            nodes += [n("MatMul", ["x2", f"w3_{j}"], [f"u{j}"]),
                      n("Sigmoid", [f"g{j}"], [f"sg{j}"]),
                      n("Mul", [f"g{j}", f"sg{j}"], [f"silu{j}"]),
                      n("Mul", [f"silu{j}", f"u{j}"], [f"a{j}"])]
        else:
            inits += [numpy_helper.from_array(np.array(1.4142135381698608, np.float32), f"sq{j}"),
                      numpy_helper.from_array(np.array(1.0, np.float32), f"one{j}"),
                      numpy_helper.from_array(np.array(0.5, np.float32), f"half{j}")]
            nodes += [n("Div", [f"g{j}", f"sq{j}"], [f"gd{j}"]), n("Erf", [f"gd{j}"], [f"ge{j}"]),
                      n("Add", [f"ge{j}", f"one{j}"], [f"ga{j}"]), n("Mul", [f"g{j}", f"ga{j}"], [f"gm{j}"]),
                      n("Mul", [f"gm{j}", f"half{j}"], [f"a{j}"])]
        nodes += [n("MatMul", [f"a{j}", f"w2_{j}"], [f"y{j}"]),
                  n("Mul", [f"y{j}", f"c{j}"], [f"t{j}"])]
        if acc is None:
            acc = f"t{j}"
        else:
            nodes.append(n("Add", [acc, f"t{j}"], [f"acc{j}"]))
            acc = f"acc{j}"
    nodes += [n("Reshape", [acc, "out_shape"], ["moe"]), n("Add", ["x", "moe"], ["out"])]
    g = helper.make_graph(nodes, "chain_moe",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, t, h])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, t, h])], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 18)])
    onnx.checker.check_model(m)
    onnx.save(m, path)
    return path


def ort_run(path, x):
    import onnxruntime as ort
    s = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return s.run(None, {"x": x})[0]


def emit_seq(path):
    proc = subprocess.run([seqc.find_tool("seqc"), str(path), "--emit=seq"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


CASES = [
    # (tokens, experts, k, hidden, intermediate, activation, renormalise)
    (1, 8, 2, 64, 48, "swiglu", False),    # decode: k matrix-vector products
    (37, 8, 2, 64, 48, "swiglu", False),   # prefill, uneven expert loads
    (16, 6, 3, 32, 40, "swiglu", True),    # Mixtral/OLMoE renormalisation
    (9, 4, 2, 48, 32, "gelu", True),       # GELU experts
]


@pytest.mark.parametrize("t,e,k,h,inter,act,renorm", CASES)
def test_batched_experts_raised_and_match_ort(tmp_path, t, e, k, h, inter, act,
                                              renorm):
    path = moe_graph(tmp_path / "moe.onnx", t, e, k, h, inter, act, renorm)
    ir = emit_seq(path)
    assert ir.count("seq.moe ") == 1 and "seq.moe_gate" in ir, ir
    assert "gather_nd" not in ir
    assert ("normalize" in ir) == renorm
    assert f"activation = {act}" in ir
    x = np.random.default_rng(1).standard_normal((1, t, h)).astype(np.float32)
    want = ort_run(path, x)
    so = seqc.compile(path, tmp_path / "moe.so")
    outs = []
    for threads in (1, 2):
        art = seqc.load(so, threads=threads)
        (got,) = art.run(x)
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
        outs.append(np.asarray(got).copy())
    assert outs[0].tobytes() == outs[1].tobytes(), \
        "1 and 2 threads gave different results"


@pytest.mark.parametrize("t,e,k,h,inter,renorm", [
    (1, 8, 2, 64, 48, False), (23, 6, 2, 32, 40, True)])
def test_dense_where_routing_raised_and_match_ort(tmp_path, t, e, k, h, inter,
                                                  renorm):
    path = dense_graph(tmp_path / "dense.onnx", t, e, k, h, inter, renorm)
    ir = emit_seq(path)
    assert ir.count("seq.moe ") == 1 and "seq.moe_gate" in ir, ir
    assert "seq.select" not in ir and ("normalize" in ir) == renorm
    x = np.random.default_rng(3).standard_normal((1, t, h)).astype(np.float32)
    want = ort_run(path, x)
    so = seqc.compile(path, tmp_path / "dense.so")
    outs = []
    for threads in (1, 2):
        (got,) = seqc.load(so, threads=threads).run(x)
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
        outs.append(np.asarray(got).copy())
    assert outs[0].tobytes() == outs[1].tobytes()


@pytest.mark.parametrize("t,e,k,h,inter,act,renorm", [
    (7, 6, 2, 32, 24, "swiglu", False), (1, 4, 2, 32, 24, "swiglu", True),
    (9, 5, 3, 16, 8, "gelu", False)])
def test_per_expert_chains_raised_and_match_ort(tmp_path, t, e, k, h, inter,
                                                act, renorm):
    path = chain_graph(tmp_path / "chain.onnx", t, e, k, h, inter, act, renorm)
    ir = emit_seq(path)
    assert ir.count("seq.moe ") == 1 and "seq.moe_gate" in ir, ir
    assert "seq.select" not in ir and f"activation = {act}" in ir
    x = np.random.default_rng(4).standard_normal((1, t, h)).astype(np.float32)
    want = ort_run(path, x)
    so = seqc.compile(path, tmp_path / "chain.so")
    outs = []
    for threads in (1, 2):
        (got,) = seqc.load(so, threads=threads).run(x)
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
        outs.append(np.asarray(got).copy())
    assert outs[0].tobytes() == outs[1].tobytes()


@pytest.mark.parametrize("t,act,shared", [
    (6, "swiglu", "gated"), (1, "swiglu", "plain"), (5, "gelu", "gated")])
def test_shared_expert_folded_and_matches_ort(tmp_path, t, act, shared):
    path = moe_graph(tmp_path / "shared.onnx", t, 8, 2, 32, 24, act,
                     shared=shared)
    ir = emit_seq(path)
    assert ir.count("seq.moe ") == 1 and " shared(" in ir, ir
    assert (" gate " in ir) == (shared == "gated")
    assert "seq.sigmoid" not in ir
    x = np.random.default_rng(5).standard_normal((1, t, 32)).astype(np.float32)
    want = ort_run(path, x)
    so = seqc.compile(path, tmp_path / "shared.so")
    outs = []
    for threads in (1, 2):
        (got,) = seqc.load(so, threads=threads).run(x)
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
        outs.append(np.asarray(got).copy())
    assert outs[0].tobytes() == outs[1].tobytes()


def test_unmatched_graph_keeps_generic_lowering(tmp_path):
    # Slot weights that are not the TopK values: not an MoE combine.
    path = moe_graph(tmp_path / "dense.onnx", 6, 4, 2, 32, 24,
                     topk_weights=False)
    ir = emit_seq(path)
    assert "seq.moe" not in ir and "gather_nd" in ir
    x = np.random.default_rng(2).standard_normal((1, 6, 32)).astype(np.float32)
    (got,) = seqc.compile(path, tmp_path / "dense.so", load=True).run(x)
    np.testing.assert_allclose(got, ort_run(path, x), rtol=1e-4, atol=1e-5)


def test_qwen3_moe_raised_and_passes(tmp_path):
    model = SHARED / "models" / "qwen3_moe"
    if not model.is_dir():
        pytest.skip(f"shared test material not available: {model} is absent")
    ir = emit_seq(model / "model.onnx")
    assert ir.count("seq.moe ") == 2 and ir.count("seq.moe_gate") == 2
    assert "gather_nd" not in ir
    so = seqc.compile(model / "model.onnx", tmp_path / "q.so")
    for threads in ("1", "2"):
        proc = subprocess.run(
            [seqc.find_tool("seq-run"), so, "--data",
             str(model / "test_data_set_0"), "--rtol", "1e-4",
             "--threads", threads], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout + proc.stderr
