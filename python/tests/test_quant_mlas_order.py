"""MatMulNBits accuracy_level 4 with 4 bits and block 32 adds in onnxruntime
MLAS's AVX-512 VNNI order (seq.quant_matmul {mlas_order},
SEQC_QGEMM_MLAS_ORDER in lib/Runtime/ukernels/qgemm_packed.c): the result
equals onnxruntime's bit for bit, with seqc's VNNI kernel and its portable C
kernel (SEQC_UKERNEL=generic). Shapes cover K % 128 != 0 (MLAS's one-block
tail), N % 4 != 0 (its one-column path), N % 16 != 0 (seqc's tile tail),
zero points and M 1..12. onnxruntime picks its kernel by CPU: the bitwise
comparison needs a host where it runs the AVX-512 VNNI one."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import seqc
from test_quant_matmulnbits import build

ort = pytest.importorskip("onnxruntime")


def vnni_host():
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_vnni" in flags and "avx512bw" in flags


def run_kernel(tmp_path, so, a, kern):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(Path(seqc.__file__).resolve().parents[1])] +
        ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env["SEQC_UK_TRACE"] = "1"
    if kern:
        env["SEQC_UKERNEL"] = kern
    np.save(tmp_path / "a.npy", a)
    out = subprocess.run(
        [sys.executable, "-c",
         "import sys, numpy as np, seqc\n"
         "(y,) = seqc.load(sys.argv[1]).run(A=np.load(sys.argv[2]))\n"
         "np.save(sys.argv[3], y)\n",
         str(so), str(tmp_path / "a.npy"), str(tmp_path / "y.npy")],
        env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return np.load(tmp_path / "y.npy"), out.stderr


CASES = [
    # a_shape, K, N, asym
    ([1, 128], 128, 192, False),    # llama_og_int4 qkv_proj, decode
    ([1, 256], 256, 128, False),    # down_proj
    ([12, 128], 128, 512, False),   # lm_head, prefill
    ([3, 160], 160, 64, False),     # one block past 128
    ([1, 96], 96, 8, False),        # no full 4-block chunk
    ([2, 128], 128, 6, False),      # N % 4 != 0
    ([1, 1, 224], 224, 20, True),   # zero points, 3-D A
    ([5, 512], 512, 130, True),
]


@pytest.mark.parametrize("a_shape,k,n,asym", CASES)
def test_mlas_order_bitwise(tmp_path, a_shape, k, n, asym):
    if not vnni_host():
        pytest.skip("onnxruntime runs its AVX-512 VNNI kernel only on such a CPU")
    path, _, _ = build(tmp_path, a_shape, k, n, 4, 32, asym, False, level=4)
    a = np.random.default_rng(k * n).standard_normal(a_shape).astype(np.float32)
    (ref,) = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(
        None, {"A": a})
    so = seqc.compile(path, tmp_path / "m.so")
    for kern in ("generic", None):
        got, trace = run_kernel(tmp_path, so, a, kern)
        assert "mlas-order" in trace, trace
        assert got.shape == ref.shape
        diff = got.view(np.int32) != ref.view(np.int32)
        assert not diff.any(), (
            f"SEQC_UKERNEL={kern}: {diff.sum()} of {got.size} differ, max "
            f"{np.abs(got - ref).max()}")


@pytest.mark.parametrize("level,block,bits,expect", [
    (4, 32, 4, True), (0, 32, 4, False), (4, 64, 4, False), (4, 32, 8, False)])
def test_mlas_order_only_for_level4_block32(tmp_path, level, block, bits, expect):
    """Only accuracy_level 4, 4 bits, block 32 asks for MLAS's order (the
    kernel seqc reproduces); the lowering passes flags bit 2 then."""
    path, _, _ = build(tmp_path, [1, 128], 128, 16, bits, block, False, False,
                       level=level)
    seq = subprocess.run([seqc.find_tool("seqc"), str(path), "--emit=seq"],
                         capture_output=True, text=True, check=True).stdout
    assert ("mlas_order" in seq) == expect
