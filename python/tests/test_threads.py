"""Threaded artifacts (runtime pool + matmul micro-kernels) compute the same
results as numpy for any thread count and every micro-kernel variant."""
import os
import subprocess
import sys

import numpy as np
import pytest

import seqc

onnx = pytest.importorskip("onnx")
from onnx import TensorProto as T, helper  # noqa: E402


def _model(path, nodes, inputs, outputs, opset=17):
    v = lambda n, s: helper.make_tensor_value_info(n, T.FLOAT, s)
    g = helper.make_graph(nodes, "m", [v(*i) for i in inputs], [v(*o) for o in outputs])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 9
    onnx.save(m, str(path))


@pytest.fixture(scope="module")
def artifact(tmp_path_factory):
    """Odd-sized matmul (edge tiles, K > one KC block), a batched Q*K^T
    (transposed operand read in place) and an elementwise tail big enough to
    be outlined onto the thread pool."""
    d = tmp_path_factory.mktemp("threads")
    onnx_path, so = d / "m.onnx", d / "m.so"
    nodes = [
        helper.make_node("MatMul", ["A", "B"], ["C"]),
        helper.make_node("Tanh", ["C"], ["Y"]),
        helper.make_node("Transpose", ["K"], ["Kt"], perm=[0, 1, 3, 2]),
        helper.make_node("MatMul", ["Q", "Kt"], ["S"]),
    ]
    _model(onnx_path, nodes,
           [("A", [131, 517]), ("B", [517, 77]), ("Q", [2, 3, 45, 32]), ("K", [2, 3, 61, 32])],
           [("Y", [131, 77]), ("S", [2, 3, 45, 61])])
    seqc.compile(str(onnx_path), str(so))
    return so


def _inputs():
    rng = np.random.default_rng(7)
    return [rng.standard_normal(s, dtype=np.float32) * 0.1
            for s in ([131, 517], [517, 77], [2, 3, 45, 32], [2, 3, 61, 32])]


def _check(outs, ins):
    a, b, q, k = ins
    np.testing.assert_allclose(outs[0], np.tanh(a @ b), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(outs[1], q @ k.transpose(0, 1, 3, 2), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("threads", [1, 2, 3, 8])
def test_thread_counts(artifact, threads):
    art = seqc.load(artifact, threads=threads)
    assert art.num_threads == threads
    ins = _inputs()
    for _ in range(3):  # the pool is reused across runs
        _check(art.run(*ins), ins)


def test_invalid_thread_count(artifact):
    art = seqc.load(artifact)
    with pytest.raises(seqc.SeqcError):
        art.set_num_threads(0)


@pytest.mark.parametrize("kernel", ["generic", "avx2"])
def test_kernel_variants(artifact, kernel):
    # The kernel is chosen once per process: check each in a fresh one.
    code = (
        "import sys, numpy as np, seqc\n"
        "sys.path.insert(0, %r)\n"
        "from test_threads import _inputs, _check\n"
        "art = seqc.load(%r, threads=2)\n"
        "ins = _inputs(); _check(art.run(*ins), ins)\n"
        % (os.path.dirname(__file__), str(artifact)))
    env = dict(os.environ, SEQC_UKERNEL=kernel,
               PYTHONPATH=os.pathsep.join(sys.path))
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_constant_weight_cache(tmp_path):
    """A weight initializer is packed once and reused: repeated runs (and
    two weights of one shape) must keep giving the right answers."""
    from onnx import numpy_helper
    rng = np.random.default_rng(3)
    w1 = rng.standard_normal((300, 70), dtype=np.float32)
    w2 = rng.standard_normal((300, 70), dtype=np.float32)
    v = lambda n, s: helper.make_tensor_value_info(n, T.FLOAT, s)
    g = helper.make_graph(
        [helper.make_node("MatMul", ["X", "W1"], ["Y1"]),
         helper.make_node("MatMul", ["X", "W2"], ["Y2"])], "w",
        [v("X", [2, 33, 300])], [v("Y1", [2, 33, 70]), v("Y2", [2, 33, 70])],
        [numpy_helper.from_array(w1, "W1"), numpy_helper.from_array(w2, "W2")])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 9
    onnx.save(m, str(tmp_path / "w.onnx"))
    seqc.compile(str(tmp_path / "w.onnx"), str(tmp_path / "w.so"))
    art = seqc.load(tmp_path / "w.so", threads=2)
    for _ in range(3):
        x = rng.standard_normal((2, 33, 300), dtype=np.float32)
        y1, y2 = art.run(x)
        np.testing.assert_allclose(y1, x @ w1, rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(y2, x @ w2, rtol=1e-4, atol=1e-4)
