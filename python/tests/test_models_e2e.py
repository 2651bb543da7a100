"""End to end: `seqc model.onnx -o model.so` then `seq-run model.so --data
test_data_set_0 --rtol 1e-4` must succeed, for the shared real-model exports
and for the bundled example. Fails (not skips) while the seqc binary is
missing; the shared models skip when ../shared is absent."""
import subprocess

import pytest

import seqc
from seqc import models

from conftest import SHARED

SHARED_MODELS = ["gpt2", "llama_gqa", "llama_gqa_opset23"]


def compile_and_check(model_dir, tmp_path):
    so = tmp_path / "model.so"
    seqc.compile(model_dir / "model.onnx", so)
    cmd = [seqc.find_tool("seq-run"), str(so), "--data",
           str(model_dir / "test_data_set_0"), "--rtol", "1e-4"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0, (
        f"{' '.join(cmd)} exited with {proc.returncode}:\n{proc.stdout}{proc.stderr}")


@pytest.mark.parametrize("name", SHARED_MODELS)
def test_shared_model(name, tmp_path):
    model_dir = SHARED / "models" / name
    if not model_dir.is_dir():
        pytest.skip(f"shared test material not available: {model_dir} is absent "
                    "(only on developer machines and CI)")
    compile_and_check(model_dir, tmp_path)


def test_example_model(tmp_path):
    model_dir = models.build_example(tmp_path / "tiny_llama")
    compile_and_check(model_dir, tmp_path)
