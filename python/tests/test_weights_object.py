"""Weights in an object of their own (issue #17, compile time): constant
arrays of 64 KiB or more leave LLVM's code partitions and are written
straight to an ELF object (lib/Target/CPU/ObjectEmitter.cpp,
writeWeightsObject), or, with SEQC_WEIGHTS_VIA_ASM=1 (and on targets the
writer does not know), through LLVM's asm printer as i8 arrays. Both must
give the same artifact behaviour: the outputs of a graph with large 2-D and
3-D weights, two initializers of equal bytes, an all-zero one and a small
one match numpy, and no temporary object is left behind, also when the
compile fails. Builds its own model: needs no ../shared."""
import os
import subprocess

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

import seqc  # noqa: E402


def make_model(path):
    rng = np.random.default_rng(7)
    w1 = rng.standard_normal((256, 512)).astype(np.float32)  # 512 KiB
    w3 = rng.standard_normal((2, 256, 96)).astype(np.float32)  # 3-D, 192 KiB
    zero = np.zeros((256, 512), np.float32)
    bias = rng.standard_normal(512).astype(np.float32)  # 2 KiB: stays code
    inits = [numpy_helper.from_array(w1, "w1"),
             numpy_helper.from_array(w1.copy(), "w1_again"),  # equal bytes
             numpy_helper.from_array(zero, "zero"),
             numpy_helper.from_array(bias, "bias"),
             numpy_helper.from_array(w3, "w3")]
    nodes = [
        helper.make_node("MatMul", ["x", "w1"], ["a"]),
        helper.make_node("MatMul", ["x", "w1_again"], ["b"]),
        helper.make_node("MatMul", ["x", "zero"], ["z"]),
        helper.make_node("Sub", ["a", "b"], ["d"]),
        helper.make_node("Add", ["a", "d"], ["e"]),
        helper.make_node("Add", ["e", "z"], ["f"]),
        helper.make_node("Add", ["f", "bias"], ["y"]),
        helper.make_node("MatMul", ["x3", "w3"], ["y3"]),
    ]
    graph = helper.make_graph(
        nodes, "weights_object",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 256]),
         helper.make_tensor_value_info("x3", TensorProto.FLOAT, [2, 3, 256])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 512]),
         helper.make_tensor_value_info("y3", TensorProto.FLOAT, [2, 3, 96])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(model, str(path))
    x = rng.standard_normal((4, 256)).astype(np.float32)
    x3 = rng.standard_normal((2, 3, 256)).astype(np.float32)
    return (x, x3), (x @ w1 + bias, x3 @ w3)


def compile_with(model, so, tmpdir, extra_env=None):
    env = dict(os.environ, TMPDIR=str(tmpdir), **(extra_env or {}))
    return subprocess.run([seqc.find_tool("seqc"), str(model), "-o", str(so)],
                          env=env, capture_output=True, text=True)


def run(so, inputs):
    art = seqc.load(str(so))
    try:
        return art.run(*inputs)
    finally:
        art.close()


@pytest.mark.parametrize("via_asm", [False, True])
def test_weights_object_outputs(tmp_path, via_asm):
    model = tmp_path / "m.onnx"
    inputs, refs = make_model(model)
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    so = tmp_path / "m.so"
    r = compile_with(model, so, tmpdir,
                     {"SEQC_WEIGHTS_VIA_ASM": "1"} if via_asm else None)
    assert r.returncode == 0, r.stderr
    assert list(tmpdir.iterdir()) == []  # temporary objects removed
    # The weights are in the artifact: at least w1, w3 and the zeros
    # (w1_again may share w1's bytes).
    assert so.stat().st_size > (512 + 192 + 512) * 1024
    outs = run(so, inputs)
    assert len(outs) == 2
    for got, ref in zip(outs, refs):
        np.testing.assert_allclose(got, ref, rtol=1e-4, atol=1e-4)


def test_writer_equals_asm_printer(tmp_path):
    model = tmp_path / "m.onnx"
    inputs, _ = make_model(model)
    outs = []
    for k, env in enumerate([None, {"SEQC_WEIGHTS_VIA_ASM": "1"}]):
        so = tmp_path / f"m{k}.so"
        r = compile_with(model, so, tmp_path, env)
        assert r.returncode == 0, r.stderr
        outs.append(run(so, inputs))
    for a, b in zip(*outs):
        np.testing.assert_array_equal(a, b)


def test_no_temporary_directory_is_a_clean_error(tmp_path):
    model = tmp_path / "m.onnx"
    make_model(model)
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("")
    so = tmp_path / "out" / "m.so"
    so.parent.mkdir()
    r = compile_with(model, so, not_a_dir)
    assert r.returncode == 1
    assert "error:" in r.stderr and "temporary object file" in r.stderr
    assert "Stack dump" not in r.stderr
    assert list(so.parent.iterdir()) == []


def test_failed_link_leaves_nothing(tmp_path):
    """The weights object is written, then the link fails (the output's
    directory does not exist): no artifact, no temporary object."""
    model = tmp_path / "m.onnx"
    make_model(model)
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    r = compile_with(model, tmp_path / "no" / "such" / "m.so", tmpdir)
    assert r.returncode == 1
    assert "error:" in r.stderr and "Stack dump" not in r.stderr
    assert list(tmpdir.iterdir()) == []
