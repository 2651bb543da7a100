"""com.microsoft::MatMulNBits -> seq.quant_matmul -> seqc_uk_qgemm, one
single-node model per case, against onnxruntime (the format's reference
implementation) and a float64 numpy dequantization: 4 and 8 bits, block sizes
16..128, K not a multiple of the block, zero points, bias, 1-D/2-D/3-D A,
decode (M <= 8, GEMV kernels) and prefill (panels + sgemm) row counts, every
kernel this CPU runs (SEQC_UKERNEL)."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import seqc

ort = pytest.importorskip("onnxruntime")

RNG = np.random.default_rng(0)


def quantize(w, bits, block, asym):
    """MatMulNBits blobs of w [K, N]: (B [N, blocks, blob] uint8, scales
    [N * blocks] f32, packed zero points or None, dequantized f64 [K, N])."""
    k, n = w.shape
    blocks = (k + block - 1) // block
    wp = np.zeros((blocks * block, n), np.float64)
    wp[:k] = w
    g = wp.T.reshape(n, blocks, block)
    qmax = (1 << bits) - 1
    if asym:
        lo, hi = g.min(-1), g.max(-1)
        scale = np.maximum(hi - lo, 1e-8) / qmax
        zp = np.clip(np.round(-lo / scale), 0, qmax).astype(np.uint8)
    else:
        scale = np.maximum(np.abs(g).max(-1), 1e-8) / (1 << (bits - 1))
        zp = np.full((n, blocks), 1 << (bits - 1), np.uint8)
    scale = scale.astype(np.float32)
    q = np.clip(np.round(g / scale[..., None]) + zp[..., None], 0, qmax).astype(np.uint8)
    deq = ((q.astype(np.float64) - zp[..., None]) * scale[..., None])
    deq = deq.reshape(n, -1)[:, :k].T
    if bits == 4:
        b = (q[..., 0::2] | (q[..., 1::2] << 4)).astype(np.uint8)
        zpad = np.zeros((n, blocks + blocks % 2), np.uint8)
        zpad[:, :blocks] = zp
        zpacked = (zpad[:, 0::2] | (zpad[:, 1::2] << 4)).astype(np.uint8).reshape(-1)
    else:
        b = q
        zpacked = zp.reshape(-1)
    return b, scale.reshape(-1), (zpacked if asym else None), deq


def build(tmp_path, a_shape, k, n, bits, block, asym, bias, name="m", level=0):
    w = RNG.standard_normal((k, n)).astype(np.float32)
    b, scales, zp, deq = quantize(w, bits, block, asym)
    inits = [numpy_helper.from_array(b, "B"), numpy_helper.from_array(scales, "scales")]
    ins = ["A", "B", "scales"]
    if zp is not None:
        inits.append(numpy_helper.from_array(zp, "zp"))
        ins.append("zp")
    bias_v = None
    if bias:
        bias_v = RNG.standard_normal(n).astype(np.float32)
        ins += [""] * (4 - len(ins)) + ["", "bias"]
        inits.append(numpy_helper.from_array(bias_v, "bias"))
    node = helper.make_node("MatMulNBits", ins, ["Y"], domain="com.microsoft",
                            K=k, N=n, bits=bits, block_size=block,
                            accuracy_level=level)
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info("A", TensorProto.FLOAT, a_shape)],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, a_shape[:-1] + [n])],
        inits)
    model = helper.make_model(graph, opset_imports=[
        helper.make_opsetid("", 21), helper.make_opsetid("com.microsoft", 1)])
    path = tmp_path / f"{name}.onnx"
    onnx.save(model, path)
    return path, deq, bias_v


CASES = [
    # a_shape, K, N, bits, block, asym, bias
    ([1, 64], 64, 16, 4, 32, False, False),
    ([1, 512], 512, 768, 4, 32, False, False),     # llama_mid qkv, decode
    ([3, 1408], 1408, 512, 4, 32, True, False),
    ([1, 1, 100], 100, 33, 4, 32, True, True),     # K % block != 0, 3-D A
    ([2, 5, 256], 256, 40, 4, 64, False, True),    # M = 10: panel path
    ([12, 512], 512, 130, 4, 128, True, False),
    ([4, 96], 96, 17, 4, 16, True, False),          # block 16: generic kernel
    ([1, 300], 300, 64, 8, 32, False, False),
    ([7, 256], 256, 50, 8, 64, True, True),
    ([16, 128], 128, 72, 8, 16, False, False),
    ([64], 64, 8, 4, 32, False, False),              # 1-D A
]


@pytest.mark.parametrize("a_shape,k,n,bits,block,asym,bias", CASES)
def test_matmulnbits(tmp_path, a_shape, k, n, bits, block, asym, bias):
    path, deq, bias_v = build(tmp_path, a_shape, k, n, bits, block, asym, bias)
    a = RNG.standard_normal(a_shape).astype(np.float32)
    want = a.astype(np.float64) @ deq
    if bias_v is not None:
        want = want + bias_v
    (ref,) = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(
        None, {"A": a})
    # onnxruntime itself agrees with the dequantized float64 product.
    np.testing.assert_allclose(ref, want, rtol=1e-3, atol=1e-3)
    so = seqc.compile(path, tmp_path / "m.so")
    for kern in ("generic", "avx2", None):
        env = dict(os.environ)
        # The child imports this checkout's package, installed or not.
        env["PYTHONPATH"] = os.pathsep.join(
            [str(Path(seqc.__file__).resolve().parents[1])] +
            ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
        if kern:
            env["SEQC_UKERNEL"] = kern
        # A fresh process per kernel: the choice is made once per process.
        out = subprocess.run(
            [sys.executable, "-c",
             "import sys, numpy as np, seqc\n"
             "a = np.load(sys.argv[2])\n"
             "(y,) = seqc.load(sys.argv[1]).run(A=a)\n"
             "np.save(sys.argv[3], y)\n",
             str(so), str(_save(tmp_path, "a.npy", a)), str(tmp_path / "y.npy")],
            env=env, capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        got = np.load(tmp_path / "y.npy")
        assert got.shape == ref.shape
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(got, ref, rtol=1e-3, atol=1e-3)


LEVEL4 = [
    # a_shape, K, N, bits, block, asym, bias
    ([1, 512], 512, 768, 4, 32, False, False),
    ([1, 1, 100], 100, 33, 4, 32, True, True),
    ([12, 256], 256, 40, 4, 64, True, False),
    ([3, 300], 300, 64, 8, 32, False, False),
    ([2, 4, 256], 256, 50, 8, 128, True, True),
]


@pytest.mark.parametrize("a_shape,k,n,bits,block,asym,bias", LEVEL4)
def test_matmulnbits_int8_activations(tmp_path, a_shape, k, n, bits, block, asym,
                                      bias):
    """accuracy_level 4: A is quantized to int8 per row and block, like
    onnxruntime (MLAS) does; seqc packs the constant weight for the VNNI
    kernel at compile time and matches onnxruntime to f32 rounding."""
    path, deq, bias_v = build(tmp_path, a_shape, k, n, bits, block, asym, bias,
                              level=4)
    a = RNG.standard_normal(a_shape).astype(np.float32)
    (ref,) = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(
        None, {"A": a})
    ir = subprocess.run([seqc.find_tool("seqc"), str(path), "--emit=linalg"],
                        capture_output=True, text=True, check=True).stdout
    assert "call @seqc_uk_qgemm_packed" in ir
    art = seqc.compile(path, tmp_path / "m.so", load=True)
    (got,) = art.run(A=a)
    assert got.shape == ref.shape
    np.testing.assert_allclose(got, ref, rtol=1e-4, atol=1e-4)
    # int8 activations stay close to the f32-activation product.
    want = a.astype(np.float64) @ deq + (0 if bias_v is None else bias_v)
    np.testing.assert_allclose(got, want, rtol=0.05, atol=0.05 * np.abs(want).max())


def _save(tmp_path, name, arr):
    p = tmp_path / name
    np.save(p, arr)
    return p


def test_weight_not_dequantized(tmp_path):
    """The compiled IR keeps the int4 weight and calls the kernel: no f32
    weight of K x N elements appears."""
    path, _, _ = build(tmp_path, [1, 512], 512, 256, 4, 32, False, False)
    ir = subprocess.run([seqc.find_tool("seqc"), str(path), "--emit=linalg"],
                        capture_output=True, text=True, check=True).stdout
    assert "call @seqc_uk_qgemm" in ir
    assert "512x256xf32" not in ir and "256x512xf32" not in ir


@pytest.mark.parametrize("attrs,err", [
    (dict(K=64, N=16, bits=2, block_size=32), "bits = 2 is not supported"),
    (dict(K=64, N=16, bits=4, block_size=24), "block_size must be a power of two"),
    (dict(K=32, N=16, bits=4, block_size=32), "must end in K = 32"),
])
def test_errors(tmp_path, attrs, err):
    b = np.zeros((16, 2, 16), np.uint8)
    s = np.ones(32, np.float32)
    node = helper.make_node("MatMulNBits", ["A", "B", "S"], ["Y"],
                            domain="com.microsoft", name="mm", **attrs)
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info("A", TensorProto.FLOAT, [1, 64])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(b, "B"), numpy_helper.from_array(s, "S")])
    model = helper.make_model(graph, opset_imports=[
        helper.make_opsetid("", 21), helper.make_opsetid("com.microsoft", 1)])
    onnx.save(model, tmp_path / "m.onnx")
    with pytest.raises(seqc.CompileError) as e:
        seqc.compile(tmp_path / "m.onnx", tmp_path / "m.so")
    assert "MatMulNBits node 'mm'" in str(e.value) and err in str(e.value)
