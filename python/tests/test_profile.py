"""seqc --profile-hooks + seq-run --profile / Artifact.profile: a row per
kernel call, parallel region and loop nest whose shares add up to the run,
the matmul kernels named with their shapes and ONNX nodes at GFLOP/s > 0,
and the same outputs with profiling on, off, or not compiled in."""
import os
import re
import subprocess

import numpy as np
import pytest

import seqc
from conftest import SHARED

onnx = pytest.importorskip("onnx")
from onnx import TensorProto as T, helper, numpy_helper  # noqa: E402

GPT2 = SHARED / "models" / "gpt2"


def _mlp(path):
    """X[64,256] @ W1[256,192] -> Softmax -> @ W2[192,96]: two sgemm calls
    with constant weights and a row-reduction region between them (not a
    GEMM epilogue)."""
    rng = np.random.default_rng(0)
    w1 = numpy_helper.from_array(rng.standard_normal((256, 192)).astype(np.float32) * 0.1, "W1")
    w2 = numpy_helper.from_array(rng.standard_normal((192, 96)).astype(np.float32) * 0.1, "W2")
    nodes = [helper.make_node("MatMul", ["X", "W1"], ["H"], name="/up/MatMul"),
             helper.make_node("Softmax", ["H"], ["A"], axis=-1, name="/act/Softmax"),
             helper.make_node("MatMul", ["A", "W2"], ["Y"], name="/down/MatMul")]
    g = helper.make_graph(nodes, "mlp",
                          [helper.make_tensor_value_info("X", T.FLOAT, [64, 256])],
                          [helper.make_tensor_value_info("Y", T.FLOAT, [64, 96])],
                          initializer=[w1, w2])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 9
    onnx.save(m, str(path))


@pytest.fixture(scope="module")
def mlp(tmp_path_factory):
    d = tmp_path_factory.mktemp("profile")
    _mlp(d / "mlp.onnx")
    hooked, plain = d / "mlp_prof.so", d / "mlp.so"
    seqc.compile(str(d / "mlp.onnx"), str(hooked), extra_args=["--profile-hooks"])
    seqc.compile(str(d / "mlp.onnx"), str(plain))
    x = np.random.default_rng(1).standard_normal((64, 256)).astype(np.float32)
    return hooked, plain, x


def _seq_run(*args, env=None):
    return subprocess.run([seqc.find_tool("seq-run"), *map(str, args)],
                          capture_output=True, text=True, env=env)


def _table(stdout):
    """The rows of seq-run's profile: (ms, share, calls, gflops, name); the
    columns are fixed width ("%10.3f %6.1f%% %9s %8s  %s"). GFLOP/s "<=X"
    (FLOPs at a loop's upper bound) reads as X."""
    lines = stdout.splitlines()
    head = next(i for i, l in enumerate(lines) if l.lstrip().startswith("ms/run"))
    rows = []
    for line in lines[head + 1:]:
        calls, gf = line[19:28].strip(), line[29:37].strip().removeprefix("<=")
        rows.append((float(line[:10]), float(line[11:17]),
                     float(calls) if calls else None,
                     float(gf) if gf not in ("", "-") else None, line[39:]))
    return rows


def _check_table(rows, matmuls):
    assert rows[-1][4] == "total" and rows[-1][1] == 100.0
    body = rows[:-1]
    assert body[-1][4].startswith("(outside timed regions")
    # Every row but the total (incl. the untimed rest): ~100% of the run.
    assert abs(sum(r[1] for r in body) - 100.0) <= 5.0, body
    # The timed regions are most of the run, not the rest.
    assert body[-1][1] < 50.0, body
    for name in matmuls:
        # sgemm or sgemm_ep (a fused bias/activation epilogue)
        hits = [r for r in body if re.fullmatch(r"sgemm(_ep)? " + re.escape(name), r[4])]
        assert hits, f"no row names {name!r}: {[r[4] for r in body]}"
        assert all(r[3] is not None and r[3] > 0 for r in hits), hits


def test_seq_run_profile_mlp(mlp, tmp_path):
    hooked, _, _ = mlp
    p = _seq_run(hooked, "--profile=0", "--bench", "20", "--warmup", "2", "--threads", "2")
    assert p.returncode == 0, p.stderr
    rows = _table(p.stdout)
    _check_table(rows, ["64x192x256 (mlp.onnx: /up/MatMul)",
                        "64x96x192 (mlp.onnx: /down/MatMul)"])
    # The softmax: loop nests or parallel regions naming its node.
    assert any("/act/Softmax" in r[4] and "exp" in r[4] for r in rows), rows
    assert "profile: 20 runs" in p.stdout


def test_python_profile_same_outputs(mlp):
    hooked, plain, x = mlp
    with seqc.load(hooked, threads=2) as art, seqc.load(plain, threads=2) as ref:
        want = ref.run(x)[0]
        off = art.run(x)[0]
        on, rows = art.profile(x, runs=5)
        np.testing.assert_array_equal(off, on[0])
        np.testing.assert_allclose(on[0], want, rtol=1e-6, atol=1e-6)
        assert abs(sum(r["share"] for r in rows) - 100.0) <= 5.0, rows
        gemms = [r for r in rows if r["name"].startswith("sgemm")]
        assert len(gemms) == 2 and all(r["gflops"] > 0 for r in gemms), rows
        assert all(r["calls"] == 1 for r in gemms), rows
        # Off again after profile(): nothing more is counted.
        art.run(x)
        _, rows2 = art.profile(x, runs=1)
        assert all(r["calls"] == 1 for r in rows2 if r["name"].startswith("sgemm"))


def test_profile_without_hooks_is_a_clean_error(mlp):
    _, plain, _ = mlp
    p = _seq_run(plain, "--profile")
    assert p.returncode == 1
    assert "no profile hooks ran: compile the model with seqc --profile-hooks" in p.stderr
    with seqc.load(plain) as art:
        with pytest.raises(seqc.SeqcError, match="--profile-hooks"):
            art.profile(np.zeros((64, 256), np.float32))


def test_seqc_profile_env(mlp):
    hooked, _, _ = mlp
    env = dict(os.environ, SEQC_PROFILE="1")
    p = _seq_run(hooked, "--bench", "3", "--warmup", "2", "--threads", "2", env=env)
    assert p.returncode == 0, p.stderr
    assert "profile: 6 runs" in p.stderr  # 1 + 2 warmup + 3 timed
    assert "sgemm 64x192x256" in p.stderr


def test_gpt2_profile(tmp_path):
    if not (GPT2 / "model.onnx").exists():
        pytest.skip(f"{GPT2} not found (shared test models absent)")
    so = tmp_path / "gpt2.so"
    seqc.compile(str(GPT2 / "model.onnx"), str(so), extra_args=["--profile-hooks"])
    # Profiled and checked against the reference outputs in the same run.
    p = _seq_run(so, "--data", GPT2 / "test_data_set_0", "--profile=0",
                 "--threads", "2")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "OK" in p.stdout
    rows = _table(p.stdout)
    gemms = [r for r in rows if re.match(r"sgemm(_ep)? ", r[4])]
    assert len(gemms) >= 8, rows
    assert all("(model.onnx: node_" in r[4] and r[3] > 0 for r in gemms), gemms
    _check_table(rows, [])


def test_generation_profile(tmp_path):
    """--prompt/--generate --profile: rows of each step variant, labelled,
    and the greedy ids unchanged."""
    import json
    gen = SHARED / "models" / "qwen2_gen"
    if not (gen / "decode" / "model.onnx").exists():
        pytest.skip(f"{gen} not found (shared test models absent)")
    ref = json.loads((gen / "generate.json").read_text())
    so = tmp_path / "gen.so"
    seqc.compile(str(gen / "decode" / "model.onnx"), str(so),
                 extra_args=["--prefill", gen / "prefill" / "model.onnx",
                             "--max-seq-len", "256", "--profile-hooks"])
    p = _seq_run(so, "--prompt", ",".join(map(str, ref["prompt"])),
                 "--generate", len(ref["greedy"]), "--threads", "2",
                 "--profile=0")
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines()[0] == ",".join(map(str, ref["greedy"]))
    rows = _table(p.stdout)
    _check_table(rows, [])
    names = [r[4] for r in rows]
    decode = [r for r in rows if r[4].startswith("decode: sgemm 1x")]
    assert decode and all(r[2] == len(ref["greedy"]) - 1 for r in decode), rows
    assert any(n.startswith("prefill-T") and " sgemm " in n for n in names), names
