"""Dynamic batch/sequence dims through the Python API: one artifact of
test/e2e/Inputs/dynamic_seq_model.py serves every sequence length; outputs
of dynamic shape come back with their actual shapes; wrong ranks and static
dims fail cleanly."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

import seqc

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "test" / "e2e" / "Inputs" / "dynamic_seq_model.py"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("dyn")
    subprocess.run([sys.executable, str(SCRIPT), str(out), "1", "7", "33"],
                   check=True)
    so = seqc.compile(out / "model.onnx", out / "m.so")
    return out, seqc.load(so)


def load(path):
    return numpy_helper.to_array(onnx.load_tensor(str(path)))


@pytest.mark.parametrize("s", [1, 7, 33])
def test_one_artifact_every_length(built, s):
    out, art = built
    assert art.info.inputs[0].shape == (None, None)
    assert art.info.outputs[0].shape == (None, None, 8)
    d = out / f"data_{s}"
    y, ysum = art.run(load(d / "input_0.pb"))
    want_y, want_sum = load(d / "output_0.pb"), load(d / "output_1.pb")
    assert y.shape == want_y.shape and ysum.shape == want_sum.shape
    np.testing.assert_allclose(y, want_y, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ysum, want_sum, rtol=1e-4, atol=1e-5)


def test_repeated_runs_do_not_leak_shapes(built):
    _, art = built
    ids = np.array([[1, 2, 3]], dtype=np.int64)
    a = art.run(ids)[0]
    b = art.run(np.array([[1]], dtype=np.int64))[0]
    c = art.run(ids)[0]
    assert b.shape == (1, 1, 8)
    np.testing.assert_array_equal(a, c)


def test_wrong_rank_is_a_clean_error(built):
    _, art = built
    with pytest.raises(seqc.SeqcError, match=r"input 'ids'.*expected shape "
                       r"\[\?,\?\], got \[1,2,3\]"):
        art.run(np.zeros((1, 2, 3), np.int64))


def test_static_dim_checked(tmp_path):
    from onnx import TensorProto, helper
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"])], "relu_dyn",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["S", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["S", 4])])
    path = tmp_path / "m.onnx"
    onnx.save(helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 18)]), path)
    art = seqc.load(seqc.compile(path, tmp_path / "m.so"))
    for s in (1, 5, 64):
        x = np.linspace(-1, 1, 4 * s, dtype=np.float32).reshape(s, 4)
        np.testing.assert_array_equal(art.run(x)[0], np.maximum(x, 0))
    with pytest.raises(seqc.SeqcError,
                       match=r"input 'x'.*expected shape \[\?,4\], got \[2,5\]"):
        art.run(np.zeros((2, 5), np.float32))
