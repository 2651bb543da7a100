"""QDQ weights: a blocked DequantizeLinear (opset 21, axis 0) of constant
int4/uint4/int8/uint8 weights feeding MatMul is raised to seq.quant_matmul
(seq-raise-qdq-matmul): the weight stays quantized, activations stay f32 as
QDQ specifies, and the result matches onnx.reference."""
import subprocess

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator

import seqc

RNG = np.random.default_rng(2)
TYPES = {"int4": (TensorProto.INT4, -8, 8), "uint4": (TensorProto.UINT4, 0, 16),
         "int8": (TensorProto.INT8, -128, 128), "uint8": (TensorProto.UINT8, 0, 256)}


def qdq_model(path, dtype, k, n, block, with_zp, a_shape):
    onnx_type, lo, hi = TYPES[dtype]
    q = RNG.integers(lo, hi, (k, n))
    s = (RNG.random((k // block, n)) * 0.1 + 0.01).astype(np.float32)
    inits = [helper.make_tensor("Q", onnx_type, [k, n], q.flatten().tolist()),
             numpy_helper.from_array(s, "S")]
    ins = ["Q", "S"]
    if with_zp:
        z = RNG.integers(lo, hi, (k // block, n))
        inits.append(helper.make_tensor("Z", onnx_type, [k // block, n], z.flatten().tolist()))
        ins.append("Z")
    nodes = [helper.make_node("DequantizeLinear", ins, ["W"], axis=0, block_size=block),
             helper.make_node("MatMul", ["x", "W"], ["y"])]
    graph = helper.make_graph(
        nodes, "qdq", [helper.make_tensor_value_info("x", TensorProto.FLOAT, a_shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, a_shape[:-1] + [n])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)])
    onnx.save(model, path)
    return model


@pytest.mark.parametrize("dtype,block,with_zp,a_shape", [
    ("int4", 32, True, [3, 256]), ("int4", 32, False, [1, 256]),
    ("uint4", 64, True, [2, 4, 256]), ("uint4", 16, False, [12, 256]),
    ("int8", 32, True, [1, 256]), ("uint8", 128, True, [5, 256]),
    ("int8", 64, False, [9, 256])])
def test_qdq_matmul(tmp_path, dtype, block, with_zp, a_shape):
    path = tmp_path / "qdq.onnx"
    model = qdq_model(path, dtype, 256, 40, block, with_zp, a_shape)
    ir = subprocess.run([seqc.find_tool("seqc"), str(path), "--emit=linalg"],
                        capture_output=True, text=True, check=True).stdout
    assert "call @seqc_uk_qgemm(" in ir
    assert "256x40xf32" not in ir  # no f32 weight
    x = RNG.standard_normal(a_shape).astype(np.float32)
    (want,) = ReferenceEvaluator(model).run(None, {"x": x})
    art = seqc.compile(path, tmp_path / "m.so", load=True)
    (got,) = art.run(x=x)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
