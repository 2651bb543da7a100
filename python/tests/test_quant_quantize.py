"""seqc --quantize=w8|w4[:group=N][:sym|:asym]: constant MatMul weights are
quantized at compile time (seq.quant_matmul, int8 activations, packed VNNI
tiles); the result stays close to the fp32 graph. The block below has three
projections of one input and elementwise ops between the kernel calls (the
pattern where a kernel's input buffer must not be reused in place before the
kernel reads it)."""
import subprocess

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import seqc

RNG = np.random.default_rng(1)
D, F = 128, 192


def block_model(path):
    w = {n: (RNG.standard_normal(s) / np.sqrt(s[0])).astype(np.float32)
         for n, s in (("Wq", (D, F)), ("Wk", (D, F)), ("Wv", (D, F)), ("Wo", (F, D)))}
    g = (1 + 0.1 * RNG.standard_normal(D)).astype(np.float32)
    bq = RNG.standard_normal(F).astype(np.float32)
    nodes = [
        helper.make_node("Mul", ["x", "g"], ["h"]),
        helper.make_node("MatMul", ["h", "Wq"], ["q0"]),
        helper.make_node("Add", ["q0", "bq"], ["q"]),
        helper.make_node("MatMul", ["h", "Wk"], ["k"]),
        helper.make_node("MatMul", ["h", "Wv"], ["v"]),
        helper.make_node("Mul", ["q", "k"], ["qk"]),
        helper.make_node("Add", ["qk", "v"], ["u"]),
        helper.make_node("MatMul", ["u", "Wo"], ["o"]),
        helper.make_node("Add", ["o", "x"], ["y"]),
    ]
    inits = [numpy_helper.from_array(v, k) for k, v in w.items()]
    inits += [numpy_helper.from_array(g, "g"), numpy_helper.from_array(bq, "bq")]
    graph = helper.make_graph(
        nodes, "block", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 5, D])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 5, D])], inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)]), path)

    def ref(x):
        h = x.astype(np.float64) * g
        u = (h @ w["Wq"] + bq) * (h @ w["Wk"]) + h @ w["Wv"]
        return u @ w["Wo"] + x
    return ref


@pytest.mark.parametrize("spec,tol", [("w8", 0.02), ("w4:group=32", 0.15),
                                      ("w4:group=64:sym", 0.25),
                                      ("w8:group=32:asym", 0.02)])
def test_quantize_block(tmp_path, spec, tol):
    path = tmp_path / "block.onnx"
    ref = block_model(path)
    ir = subprocess.run([seqc.find_tool("seqc"), str(path), f"--quantize={spec}",
                         "--emit=seq"], capture_output=True, text=True, check=True).stdout
    assert ir.count("seq.quant_matmul") == 4 and "seq.matmul" not in ir
    x = RNG.standard_normal((2, 5, D)).astype(np.float32)
    want = ref(x)
    art = seqc.compile(path, tmp_path / "q.so", extra_args=[f"--quantize={spec}"],
                       load=True)
    (got,) = art.run(x=x)
    err = np.abs(got - want).max() / np.abs(want).max()
    assert err < tol, f"{spec}: relative max error {err:.4f}"
    # Not identical to fp32: the weights really are quantized.
    assert err > 1e-6


@pytest.mark.parametrize("spec", ["w3", "w4:group=24", "w8:foo", "int4"])
def test_quantize_bad_spec(tmp_path, spec):
    path = tmp_path / "block.onnx"
    block_model(path)
    with pytest.raises(seqc.CompileError) as e:
        seqc.compile(path, tmp_path / "q.so", extra_args=[f"--quantize={spec}"])
    assert f"--quantize={spec}: expected w8 or w4" in str(e.value)
