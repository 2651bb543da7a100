"""One real model under every matmul micro-kernel this CPU can execute
(SEQC_UKERNEL=generic|avx2|avx512): each run must use the kernel it asked
for (SEQC_UK_TRACE names it on every call) and match the model's reference
outputs, and the kernels must agree with each other."""
import os
import platform
import re
import subprocess

import numpy as np
import pytest

import seqc

from conftest import SHARED

MODEL = SHARED / "models" / "llama_gqa"


def runnable_isas():
    isas = ["generic"]
    if platform.machine() not in ("x86_64", "AMD64"):
        return isas
    flags = set()
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                break
    if {"avx2", "fma"} <= flags:
        isas.append("avx2")
    if "avx512f" in flags:
        isas.append("avx512")
    return isas


@pytest.fixture(scope="module")
def artifact(tmp_path_factory):
    if not MODEL.is_dir():
        pytest.skip(f"shared test material not available: {MODEL} is absent "
                    "(only on developer machines and CI)")
    so = tmp_path_factory.mktemp("isas") / "model.so"
    seqc.compile(MODEL / "model.onnx", so)
    return so


def run_with(artifact, isa, threads):
    env = dict(os.environ, SEQC_UKERNEL=isa, SEQC_UK_TRACE="1")
    cmd = [seqc.find_tool("seq-run"), str(artifact), "--data",
           str(MODEL / "test_data_set_0"), "--rtol", "1e-4", "--threads",
           str(threads), "--print"]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, (
        f"SEQC_UKERNEL={isa} {' '.join(cmd)} exited with {proc.returncode}:\n"
        f"{proc.stdout}{proc.stderr[-4000:]}")
    used = set(re.findall(r"seqc_uk_sgemm\[(\w+)\]", proc.stderr))
    assert used == {isa}, f"SEQC_UKERNEL={isa} ran kernels {used}"
    return proc.stdout


@pytest.mark.parametrize("threads", [1, 2])
def test_every_isa_matches_reference(artifact, threads):
    printed = {}
    for isa in runnable_isas():
        printed[isa] = run_with(artifact, isa, threads)
    # --print shows each output's first values: every kernel's are close.
    nums = {}
    for isa, out in printed.items():
        vals = [v for line in out.splitlines() if "max_abs_err" not in line
                for v in re.findall(r"^output '.*' \[.*\] \w+: (.*?)(?: \.\.\.)?$", line)]
        nums[isa] = np.array([float(x) for v in vals for x in v.split()])
    ref = nums["generic"]
    assert ref.size > 0
    for isa, v in nums.items():
        assert v.shape == ref.shape, isa
        np.testing.assert_allclose(v, ref, rtol=1e-3, atol=1e-4, err_msg=isa)
