"""seqc.pack: compile cases into a pack, check the pack elsewhere (here: the
CPU target, so it runs without a GPU). A wrong reference must fail the
check, a case seqc refuses is reported, and a missing model is an error."""
import json
import subprocess
import sys

import numpy as np

from seqc import models
from seqc.onnx_io import read_tensor, write_tensor

from conftest import REPO


def pack(*args):
    return subprocess.run([sys.executable, "-m", "seqc.pack", *map(str, args)],
                          capture_output=True, text=True,
                          cwd=REPO / "python")


def test_make_and_check(tmp_path):
    case = models.build_example(tmp_path / "tiny_llama")
    out = tmp_path / "pack"
    p = pack("make", out, case, "--rtol", "1e-4", "--atol", "1e-5")
    assert p.returncode == 0, p.stdout + p.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    entry = manifest["cases"][0]
    assert entry["status"] == "compiled" and entry["rtol"] == 1e-4
    assert (out / "tiny_llama" / "model.so").is_file()

    p = pack("check", out, "-v")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "pass   tiny_llama" in p.stdout
    assert "output 'logits'" in p.stdout and "target cpu" in p.stdout
    assert "1/1 pass, 0 wrong, 0 crash" in p.stdout

    # A reference off by more than the tolerance: wrong, exit 1.
    ref = out / "tiny_llama" / "data" / "output_0.pb"
    want = read_tensor(ref)
    write_tensor(ref, want + np.float32(1.0), "logits")
    p = pack("check", out)
    assert p.returncode == 1, p.stdout + p.stderr
    assert "wrong  tiny_llama" in p.stdout
    assert "elements differ" in p.stdout


def test_unsupported_case_reported(tmp_path):
    bad = tmp_path / "not_onnx"
    bad.mkdir()
    (bad / "model.onnx").write_bytes(b"not a protobuf")
    out = tmp_path / "pack"
    p = pack("make", out, bad)
    assert p.returncode == 1
    assert "not_onnx" in p.stdout and "0/1 compiled" in p.stdout
    assert not (out / "not_onnx").exists()  # no half-written case
    p = pack("check", out)
    assert p.returncode == 0 and "not compiled: not_onnx" in p.stdout


def test_missing_model_and_pack(tmp_path):
    p = pack("make", tmp_path / "pack", tmp_path)
    assert p.returncode == 2 and "no model.onnx in" in p.stderr
    p = pack("check", tmp_path / "nothing")
    assert p.returncode == 2 and "manifest.json" in p.stderr
