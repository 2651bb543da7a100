"""seqc bisect / seq-run --bisect: names the first ONNX node whose output
differs between the seqc artifact and onnxruntime. The numerical bug is
injected with seqc's hidden --debug-perturb-node (adds 0.0625 to the node's
float outputs after import)."""
import os
import subprocess
import sys

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import seqc
from seqc import bisect as sb

from conftest import REPO, SHARED

pytest.importorskip("onnxruntime", reason="bisect compares with onnxruntime")

PERTURB = "--seqc-arg=--debug-perturb-node={}"


@pytest.fixture(scope="module")
def mlp(tmp_path_factory):
    """x[2,8] -> MatMul -> Add -> Relu -> MatMul -> LayerNorm -> Softmax;
    LayerNormalization hides a constant shift of its input, so the final
    output alone would not reveal a bug in 'bias' or 'relu'."""
    rng = np.random.default_rng(1)
    inits = [numpy_helper.from_array(rng.standard_normal(s).astype(np.float32), n)
             for n, s in (("w1", (8, 16)), ("b1", (16,)), ("w2", (16, 6)),
                          ("g", (6,)), ("be", (6,)))]
    nodes = [
        helper.make_node("MatMul", ["x", "w1"], ["h0"], name="mm1"),
        helper.make_node("Add", ["h0", "b1"], ["h1"], name="bias"),
        helper.make_node("Relu", ["h1"], ["h2"], name="relu"),
        helper.make_node("MatMul", ["h2", "w2"], ["h3"], name="mm2"),
        helper.make_node("LayerNormalization", ["h3", "g", "be"], ["h4"],
                         name="ln", axis=-1),
        helper.make_node("Softmax", ["h4"], ["y"], name="sm", axis=-1),
    ]
    graph = helper.make_graph(
        nodes, "mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 6])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 8
    d = tmp_path_factory.mktemp("bisect")
    path = d / "mlp.onnx"
    onnx.save(model, path)
    return path


def test_debug_model_exposes_consumed_outputs(mlp):
    dbg, exposed = sb.debug_model(onnx.load(mlp))
    assert [o for _, o in exposed] == ["h0", "h1", "h2", "h3", "h4", "y"]
    assert [o.name for o in dbg.graph.output] == ["y", "h0", "h1", "h2", "h3", "h4"]
    assert [k for k, _ in exposed] == [0, 1, 2, 3, 4, 5]


def test_no_bug_no_mismatch(mlp):
    res = sb.bisect(mlp, threads=1)
    assert res.mismatch is None
    assert res.compared == 6 and res.nodes == 6


@pytest.mark.parametrize("node,op,later", [
    ("bias", "Add", ["relu", "mm2", "ln", "sm"]),
    ("relu", "Relu", ["mm2", "ln", "sm"]),
    # LayerNormalization removes a constant shift of its input: the model's
    # output is right although mm2 is wrong.
    ("mm2", "MatMul", []),
    ("sm", "Softmax", []),
])
def test_names_the_perturbed_node(mlp, node, op, later):
    res = sb.bisect(mlp, seqc_args=[f"--debug-perturb-node={node}"], threads=1)
    m = res.mismatch
    assert m is not None and m.node == node and m.op_type == op
    assert m.max_abs_err == pytest.approx(0.0625, rel=1e-3)
    assert m.got - m.want == pytest.approx(0.0625, rel=1e-3)
    assert res.later == later


def test_seq_run_bisect(mlp):
    """seq-run --bisect execs `python -m seqc bisect` with the same args."""
    exe = seqc.find_tool("seq-run")
    env = dict(os.environ, SEQC_PYTHON=sys.executable)
    proc = subprocess.run([exe, "--bisect", str(mlp), "--threads", "1",
                           PERTURB.format("relu")],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "compared 6 outputs of 6 nodes" in proc.stdout
    assert "first differing node: 'relu' (Relu, node #2), output 'h2' [2, 16]" \
        in proc.stdout
    assert "seqc=" in proc.stdout and "onnxruntime=" in proc.stdout

    proc = subprocess.run([exe, f"--bisect={mlp}", "--threads", "1"],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no node output differs beyond tolerance" in proc.stdout


def test_python_m_seqc_bisect_data_dir(mlp, tmp_path):
    x = np.random.default_rng(5).standard_normal((2, 8)).astype(np.float32)
    seqc.onnx_io.write_test_data(tmp_path, [x])
    proc = subprocess.run(
        [sys.executable, "-m", "seqc", "bisect", str(mlp), "--data",
         str(tmp_path), PERTURB.format("mm2")],
        capture_output=True, text=True,
        env=dict(os.environ, PYTHONPATH=str(REPO / "python")))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "first differing node: 'mm2' (MatMul, node #3)" in proc.stdout


@pytest.mark.parametrize("args,message", [
    (["missing.onnx"], "missing.onnx: no such file"),
    (["{mlp}", PERTURB.format("nope")],
     "--debug-perturb-node: no operation of node 'nope'"),
    (["{mlp}", "--data", "{empty}"], "0 input files, the model has 1 inputs"),
])
def test_clean_errors(mlp, tmp_path, args, message):
    args = [a.format(mlp=mlp, empty=tmp_path) for a in args]
    proc = subprocess.run([sys.executable, "-m", "seqc", "bisect", *args],
                          capture_output=True, text=True, cwd=tmp_path,
                          env=dict(os.environ, PYTHONPATH=str(REPO / "python")))
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_gpt2_names_the_perturbed_gemm():
    model = SHARED / "models" / "gpt2"
    if not model.is_dir():
        pytest.skip(f"shared test material not available: {model} is absent")
    res = sb.bisect(model / "model.onnx", model / "test_data_set_0",
                    seqc_args=["--debug-perturb-node=node_Gemm_302"],
                    threads=2)
    assert res.mismatch is not None
    assert res.mismatch.node == "node_Gemm_302"
    assert res.mismatch.op_type == "Gemm" and res.compared == 98


@pytest.mark.parametrize("writable", [True, False])
def test_external_weights(tmp_path, monkeypatch, writable):
    """Weights in an external file: the debug model goes beside the model
    (removed afterwards) or, where that directory is not writable, into the
    temporary directory with a copy of the weights."""
    rng = np.random.default_rng(0)
    w = numpy_helper.from_array(
        rng.standard_normal((64, 64)).astype(np.float32), "w")
    g = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["h"], name="mm"),
         helper.make_node("Relu", ["h"], ["y"], name="r")], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 64])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 64])], [w])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 18)])
    m.ir_version = 8
    onnx.save(m, tmp_path / "m.onnx", save_as_external_data=True,
              location="m.data", size_threshold=0)
    monkeypatch.setattr(sb, "_writable", lambda d: writable)
    res = sb.bisect(tmp_path / "m.onnx",
                    seqc_args=["--debug-perturb-node=mm"], threads=1)
    assert res.mismatch.node == "mm" and res.compared == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.data", "m.onnx"]


def test_dim_bindings_from_the_inputs():
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", "t", 4])
    m = helper.make_model(helper.make_graph([], "g", [x], []))
    feeds = {"x": np.zeros((2, 7, 4), np.float32)}
    assert sb._dim_bindings(m, feeds, []) == ["--dim=b=2", "--dim=t=7"]
    # The user's own --dim wins, in either spelling.
    assert sb._dim_bindings(m, feeds, ["--dim", "b=1"]) == ["--dim=t=7"]
    assert sb._dim_bindings(m, feeds, ["--dim=t=9"]) == ["--dim=b=2"]


@pytest.mark.parametrize("data", ["test_data_set_0", "test_data_set_1"])
def test_genai_model_with_symbolic_dims(data):
    """llama_og_fp32 (onnxruntime-genai: GroupQueryAttention, symbolic
    batch/sequence/past dims bound from the test set's shapes): prefill and
    decode agree node by node; a perturbed GroupQueryAttention is named."""
    model = SHARED / "models" / "llama_og_fp32"
    if not model.is_dir():
        pytest.skip(f"shared test material not available: {model} is absent")
    res = sb.bisect(model / "model.onnx", model / data, threads=2)
    assert res.mismatch is None and res.compared > 30
    gqa = next(n.name for n in onnx.load(model / "model.onnx",
                                         load_external_data=False).graph.node
               if n.op_type == "GroupQueryAttention")
    res = sb.bisect(model / "model.onnx", model / data, threads=2,
                    seqc_args=[f"--debug-perturb-node={gqa}"])
    assert res.mismatch is not None and res.mismatch.node == gqa
