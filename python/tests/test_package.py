"""The installable package: pyproject.toml, the installed layout (tools in
seqc/bin, runtime in seqc/lib), `python -m seqc`, the Artifact object, and
text generation through `tokenizers`.

The real `pip install` into a fresh venv builds the compiler (minutes even
with ccache); it runs only with SEQC_TEST_PIP_INSTALL=1 and otherwise skips
with that message. Everything else uses the build tree."""
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import numpy as np
import pytest

import seqc
from seqc import models, onnx_io

from conftest import REPO, SHARED

try:
    import tomllib
except ImportError:  # Python < 3.11
    tomllib = None

GPT2 = SHARED / "models" / "gpt2"
SEEDLM = SHARED / "models" / "seedlm" / "og_fp32"
TOOLS = ("seqc", "seq-opt", "seq-run")


def clean_env(**extra):
    """The environment of a user with nothing of this checkout set up."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "SEQC_BIN", "SEQ_RUN_BIN", "SEQ_OPT_BIN",
                        "SEQC_RUNTIME_LIB", "SEQC_PYTHON")}
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def pyproject():
    if tomllib is None:
        pytest.skip("tomllib needs Python 3.11")
    with open(REPO / "pyproject.toml", "rb") as f:
        return tomllib.load(f)


def test_pyproject_build_backend_is_pinned(pyproject):
    req = pyproject["build-system"]["requires"]
    assert any(r.startswith("scikit-build-core==") for r in req), req
    assert pyproject["build-system"]["build-backend"] == "scikit_build_core.build"


def test_pyproject_scripts_exist(pyproject):
    import importlib
    scripts = pyproject["project"]["scripts"]
    assert sorted(scripts) == sorted(TOOLS)
    for name, target in scripts.items():
        mod, fn = target.split(":")
        assert callable(getattr(importlib.import_module(mod), fn)), name


def test_pyproject_matches_cmake(pyproject):
    skb = pyproject["tool"]["scikit-build"]
    assert (REPO / skb["wheel"]["packages"][0] / "__init__.py").is_file()
    cmake = (REPO / "cmake" / "SeqcPythonPackage.cmake").read_text()
    for comp in skb["install"]["components"]:
        assert f"COMPONENT {comp}" in cmake
    targets = skb["build"]["targets"]
    for t in (*TOOLS, "seqc_runtime"):
        assert t in targets and t in cmake
    # Same depth as build/, so ccache keys (relative to the checkout) match.
    build_dir = skb.get("build-dir")
    assert build_dir and "/" not in build_dir.strip("/")
    # The flags of scripts/build.sh.
    defines = skb["cmake"]["define"]
    script = (REPO / "scripts" / "build.sh").read_text()
    for k, v in defines.items():
        assert f"-D{k}={v}" in script, k
    assert "include(cmake/SeqcPythonPackage.cmake)" in \
        (REPO / "CMakeLists.txt").read_text()


def test_requirements_pin_tokenizers():
    lines = [l.split("#")[0].strip() for l in
             (REPO / "requirements.txt").read_text().splitlines()]
    assert any(l.startswith("tokenizers==") for l in lines)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The layout `pip install .` produces (site-packages/seqc with bin/,
    lib/ and include/), assembled from the build tree."""
    build = REPO / "build"
    for t in TOOLS:
        if not (build / "bin" / t).is_file():
            pytest.fail(f"{build / 'bin' / t} not found: scripts/build.sh {t}")
    site = tmp_path_factory.mktemp("site-packages")
    pkg = site / "seqc"
    shutil.copytree(REPO / "python" / "seqc", pkg,
                    ignore=shutil.ignore_patterns("__pycache__"))
    (pkg / "bin").mkdir()
    for t in TOOLS:
        shutil.copy2(build / "bin" / t, pkg / "bin" / t)
    (pkg / "lib").mkdir()
    shutil.copy2(build / "lib" / "libseqc_runtime.a", pkg / "lib")
    (pkg / "include" / "seqc" / "Runtime").mkdir(parents=True)
    shutil.copy2(REPO / "include" / "seqc" / "Runtime" / "seqc_runtime.h",
                 pkg / "include" / "seqc" / "Runtime")
    return site


def run_py(site, code, cwd):
    return subprocess.run([sys.executable, "-c", code], cwd=cwd,
                          capture_output=True, text=True,
                          env=clean_env(PYTHONPATH=str(site)))


def test_installed_layout_finds_its_own_tools(installed, tmp_path):
    proc = run_py(installed, "import seqc; print(*[seqc.find_tool(t) for t in "
                  "('seqc', 'seq-opt', 'seq-run')], sep='\\n')", tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [str(installed / "seqc" / "bin" / t)
                                   for t in TOOLS]


def test_installed_compile_and_run_from_elsewhere(installed, tmp_path):
    """Compiles with the package's seqc (which links the package's runtime,
    <tool>/../lib) and runs through seqc.compile -> Artifact."""
    model = models.build_example(tmp_path / "tiny") \
        if not GPT2.is_dir() else GPT2
    code = f"""
import numpy as np, seqc
from seqc import onnx_io
ins, outs = onnx_io.read_test_data({str(model / 'test_data_set_0')!r})
with seqc.compile({str(model / 'model.onnx')!r}, threads=2) as art:
    got = art.run(*ins)
    print(art.path)
for g, w in zip(got, outs):
    assert np.allclose(g, w, rtol=1e-4, atol=1e-5), np.abs(g - w).max()
print("ok", len(outs))
"""
    proc = run_py(installed, code, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.split()[-2:] == ["ok", "1"]


def test_console_script_wrapper(installed, tmp_path):
    """seqc._tools runs the package's executable with the same argv."""
    proc = run_py(installed, "import sys; sys.argv = ['seqc', '--help']; "
                  "import seqc._tools as t; t.seqc()", tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "seqc: ONNX sequence models to AOT artifacts" in proc.stdout
    assert "--timing" in proc.stdout


def test_installed_seq_run_bisect_uses_the_package(installed, tmp_path):
    """seq-run --bisect inside the package finds that package (not the
    source tree's) for `python -m seqc bisect`."""
    pytest.importorskip("onnxruntime")
    exe = installed / "seqc" / "bin" / "seq-run"
    proc = subprocess.run([str(exe), "--bisect", "--help"], cwd=tmp_path,
                          capture_output=True, text=True,
                          env=clean_env(SEQC_PYTHON=sys.executable))
    assert proc.returncode == 0, proc.stderr
    assert "seqc bisect" in proc.stdout


# --- python -m seqc -------------------------------------------------------

def seqc_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "seqc", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd,
                          env=dict(os.environ, PYTHONPATH=str(REPO / "python")))


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    d = tmp_path_factory.mktemp("example")
    model = models.build_example(d / "tiny_llama")
    so = d / "tiny.so"
    seqc.compile(model / "model.onnx", so)
    return model, so


def test_cli_usage():
    proc = seqc_cli()
    assert proc.returncode == 1 and "bisect model.onnx" in proc.stdout
    proc = seqc_cli("frobnicate")
    assert proc.returncode == 1
    assert "unknown command (one of compile, run, info, bisect, generate)" \
        in proc.stderr


def test_cli_compile_run_info(example, tmp_path):
    model, _ = example
    so = tmp_path / "m.so"
    proc = seqc_cli("compile", model / "model.onnx", "-o", so, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    proc = seqc_cli("run", so, "--data", model / "test_data_set_0",
                    "--threads", 1)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "OK" in proc.stdout and "MISMATCH" not in proc.stdout
    proc = seqc_cli("info", so)
    assert proc.returncode == 0
    assert "generation session: no" in proc.stdout
    assert "input input_ids: int64" in proc.stdout


def test_cli_run_detects_mismatch(example, tmp_path):
    model, so = example
    ins, outs = onnx_io.read_test_data(model / "test_data_set_0")
    onnx_io.write_test_data(tmp_path, ins, [o + 1 for o in outs])
    proc = seqc_cli("run", so, "--data", tmp_path)
    assert proc.returncode == 1 and "MISMATCH" in proc.stdout


def test_cli_errors_are_one_line(tmp_path):
    proc = seqc_cli("run", tmp_path / "nope.so")
    assert proc.returncode == 1 and "cannot load" in proc.stderr
    assert "Traceback" not in proc.stderr


# --- the Artifact object --------------------------------------------------

def test_artifact_lifecycle(example):
    model, so = example
    ins, outs = onnx_io.read_test_data(model / "test_data_set_0")
    with seqc.load(so, threads=1) as art:
        assert [s.name for s in art.inputs] == [s.name for s in art.info.inputs]
        assert len(art.outputs) == len(outs)
        assert art.num_threads == 1
        got = art.run(*ins)
        assert not art.closed
    assert art.closed
    for g, w in zip(got, outs):
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-5)
    with pytest.raises(seqc.SeqcError, match="the artifact is closed"):
        art.run(*ins)
    with pytest.raises(seqc.SeqcError, match="the artifact is closed"):
        art.num_threads
    art.close()  # idempotent


def test_close_unloads_the_library(example, tmp_path):
    """close() joins the runtime's worker threads (seqc_release_threads) and
    dlclose()s: nothing of the artifact stays mapped or running."""
    model, so = example
    ins, outs = onnx_io.read_test_data(model / "test_data_set_0")
    copy = tmp_path / "unload.so"
    shutil.copy2(so, copy)
    tasks = len(os.listdir("/proc/self/task"))
    for i in range(20):
        with seqc.load(copy, threads=2) as art:
            got = art.run(*ins)
            if i % 5 == 0:  # shrink and regrow the pool
                art.set_num_threads(1)
                art.run(*ins)
                art.set_num_threads(2)
                got = art.run(*ins)
        np.testing.assert_allclose(got[0], outs[0], rtol=1e-4, atol=1e-5)
        assert str(copy) not in Path("/proc/self/maps").read_text()
        assert len(os.listdir("/proc/self/task")) == tasks


def test_compile_returns_loaded_artifact(example, tmp_path):
    model, _ = example
    art = seqc.compile(model / "model.onnx", tmp_path / "a.so", load=True,
                       threads=1)
    assert isinstance(art, seqc.Artifact) and art.num_threads == 1
    art.close()
    assert (tmp_path / "a.so").exists()  # the caller's file stays
    # Without a path: a temporary directory, removed by close().
    art = seqc.compile(model / "model.onnx")
    tmp = Path(art.path).parent
    assert tmp.is_dir()
    art.close()
    assert not tmp.exists()


def test_compile_error_leaves_no_temporary(tmp_path, monkeypatch):
    import tempfile
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    with pytest.raises(seqc.CompileError):
        seqc.compile(bad)
    assert not list(tmp.iterdir())


def test_generate_without_session_is_a_clear_error(example):
    _, so = example
    with seqc.load(so) as art:
        assert not art.has_session
        with pytest.raises(seqc.SeqcError, match="has no generation session"):
            art.generate([1, 2, 3], 4)


# --- text in, text out ----------------------------------------------------

def seedlm_tokenizer():
    pytest.importorskip("tokenizers")
    if not SEEDLM.is_dir():
        pytest.skip(f"shared test material not available: {SEEDLM} is absent")
    from seqc.text import load_tokenizer
    return load_tokenizer(SEEDLM / "tokenizer.json")


def test_stream_decoder_matches_full_decode():
    import json
    from seqc.text import StreamDecoder
    tok = seedlm_tokenizer()
    ids = json.loads((SEEDLM / "generate.json").read_text())["greedy"]
    text = "def f(x):\n    return 'é€😀' + x  # ünïcode"
    ids = ids + tok.encode(text, add_special_tokens=False).ids
    dec = StreamDecoder(tok)
    pieces = [dec.push(t) for t in ids]
    assert "".join(pieces) + dec.flush() == tok.decode(ids)
    assert not any("\ufffd" in p for p in pieces)


def test_generate_cli_without_session(example):
    seedlm_tokenizer()
    _, so = example
    proc = seqc_cli("generate", so, "--tokenizer", SEEDLM / "tokenizer.json",
                    "--prompt", "def")
    assert proc.returncode == 1
    assert "has no generation session" in proc.stderr
    assert proc.stdout == ""  # nothing written before the error


def test_generate_cli_bad_tokenizer(example, tmp_path):
    pytest.importorskip("tokenizers")
    _, so = example
    bad = tmp_path / "tokenizer.json"
    bad.write_text("{}")
    proc = seqc_cli("generate", so, "--tokenizer", bad, "--prompt", "x")
    assert proc.returncode == 1 and "cannot load the tokenizer" in proc.stderr


@pytest.fixture(scope="module")
def seedlm_gen(tmp_path_factory):
    seedlm_tokenizer()
    so = tmp_path_factory.mktemp("gen") / "seedlm.so"
    seqc.compile(SEEDLM / "model.onnx", so, extra_args=["--max-seq-len", 128])
    return so


def test_generate_matches_onnxruntime_genai(seedlm_gen):
    """The prompt ids of generate.json: the same 24 greedy ids as
    onnxruntime-genai. Then text: the prompt encoded by the tokenizer, the
    ids generated, streamed piece by piece and decoded."""
    import json
    from seqc.text import generate_text
    ref = json.loads((SEEDLM / "generate.json").read_text())
    tok = seedlm_tokenizer()
    prompt = "def read_config(path):\n    "
    with seqc.load(seedlm_gen, threads=2) as art:
        assert art.has_session
        assert art.generate(ref["prompt"], 24) == ref["greedy"]
        want = art.generate(tok.encode(prompt).ids, 24)

        class Out(list):
            def write(self, s):
                self.append(s)

            def flush(self):
                pass

        out = Out()
        text = generate_text(art, tok, prompt, 24, out=out)
    assert text == tok.decode(want) == "".join(out)
    assert len(out) > 1  # streamed, not written at the end


def test_generate_cli(seedlm_gen):
    proc = seqc_cli("generate", seedlm_gen, "--tokenizer",
                    SEEDLM / "tokenizer.json", "--prompt", "import os\n",
                    "--max-new-tokens", 12, "--threads", 2)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("import os\n") and \
        len(proc.stdout) > len("import os\n") + 1


# --- the real thing -------------------------------------------------------

def test_pip_install_in_fresh_venv(tmp_path):
    if os.environ.get("SEQC_TEST_PIP_INSTALL") != "1":
        pytest.skip("set SEQC_TEST_PIP_INSTALL=1 to pip install the checkout "
                    "into a fresh venv (builds the compiler: minutes with a "
                    "warm ccache, ~25 min cold)")
    if not GPT2.is_dir():
        pytest.skip(f"shared test material not available: {GPT2} is absent")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", str(REPO)],
                   check=True, env=clean_env(CMAKE_BUILD_PARALLEL_LEVEL="2"))
    work = tmp_path / "elsewhere"
    work.mkdir()
    code = f"""
import numpy as np, seqc
from seqc import onnx_io
assert seqc.__file__.startswith({str(env_dir)!r}), seqc.__file__
ins, outs = onnx_io.read_test_data({str(GPT2 / 'test_data_set_0')!r})
with seqc.compile({str(GPT2 / 'model.onnx')!r}, threads=2) as art:
    (y,) = art.run(*ins)
assert np.allclose(y, outs[0], rtol=1e-4, atol=1e-5)
print("ok")
"""
    proc = subprocess.run([str(py), "-c", code], cwd=work, capture_output=True,
                          text=True, env=clean_env())
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr
