"""Split compilation (issue #17): seq-split-functions outlines the graph
function into noinline pieces and the .so is optimized and compiled in
module partitions on several threads with the weights in an object of their
own. The artifact must compute what the one-function, one-thread compile
computes (--split-max-ops=0 --compile-threads=1) and match the reference
outputs, and the code must really be several functions. Not timing-based:
bench/compile_time.py measures the time. Skips when ../shared is absent."""
import re
import shutil
import subprocess

import numpy as np
import pytest

import seqc
from seqc.onnx_io import read_test_data

from conftest import shared_model_dir

MODELS = ["gpt2", "mamba2", "qwen3_moe"]
ONE_FUNCTION = ["--split-max-ops=0", "--compile-threads=1"]


def run(d, so, args):
    inputs, refs = read_test_data(d / "test_data_set_0")
    seqc.compile(d / "model.onnx", so, extra_args=args)
    art = seqc.load(str(so))
    try:
        return art.run(*inputs), refs
    finally:
        art.close()


@pytest.mark.parametrize("name", MODELS)
def test_split_matches_one_function(name, tmp_path):
    d = shared_model_dir(name)
    split, refs = run(d, tmp_path / "split.so", ["--compile-threads=2"])
    whole, _ = run(d, tmp_path / "whole.so", ONE_FUNCTION)
    assert len(split) == len(whole) == len(refs)
    for got, one, ref in zip(split, whole, refs):
        np.testing.assert_allclose(got, ref, rtol=1e-4, atol=1e-5)
        # Same computation, only cut into functions: equal up to the
        # rounding of a differently vectorized loop at most.
        np.testing.assert_allclose(got, one, rtol=1e-6, atol=1e-7)


def test_graph_is_several_functions(tmp_path):
    d = shared_model_dir("qwen3_moe")
    seqc_bin = seqc.find_tool("seqc")
    ir = subprocess.run([seqc_bin, str(d / "model.onnx"), "--emit=llvm"],
                        check=True, capture_output=True, text=True).stdout
    parts = re.findall(r"^define .*@(seqc_graph_part\w*)\(", ir, re.M)
    assert len(parts) >= 2, parts
    # They stay functions: noinline, and the graph calls each one (pieces
    # of repeated layers are one function called once per layer).
    graph = re.search(r"^define .*@seqc_graph\(.*?^}", ir, re.M | re.S)
    assert graph, "no @seqc_graph"
    for p in parts:
        assert f"@{p}(" in graph.group(0), p
    calls = re.findall(r"call .*@(seqc_graph_part\w*)\(", graph.group(0))
    assert len(calls) >= 3, calls
    whole = subprocess.run([seqc_bin, str(d / "model.onnx"), "--emit=llvm"]
                           + ONE_FUNCTION, check=True, capture_output=True,
                           text=True).stdout
    assert not re.findall(r"^define .*@seqc_graph_part", whole, re.M)

    # The .so links several objects: the pieces are in its symbol table.
    nm = shutil.which("nm") or shutil.which("llvm-nm-22")
    if nm is None:
        pytest.skip("no nm to list the artifact's symbols")
    so = tmp_path / "m.so"
    seqc.compile(d / "model.onnx", so, extra_args=["--compile-threads=2"])
    syms = subprocess.run([nm, str(so)], check=True, capture_output=True,
                          text=True).stdout
    assert len(set(re.findall(r"\bseqc_graph_part\w*", syms))) == len(parts)


def test_compile_threads_one_equals_two(tmp_path):
    """The partitioned path (2 threads) and the single-partition path (1
    thread) of the split module compute the same outputs."""
    d = shared_model_dir("gpt2")
    two, _ = run(d, tmp_path / "two.so", ["--compile-threads=2"])
    one, _ = run(d, tmp_path / "one.so", ["--compile-threads=1"])
    for a, b in zip(two, one):
        np.testing.assert_array_equal(a, b)


def test_bad_compile_threads_is_a_clean_error(tmp_path):
    d = shared_model_dir("gpt2")
    r = subprocess.run([seqc.find_tool("seqc"), str(d / "model.onnx"),
                        "--compile-threads=x", "-o", str(tmp_path / "m.so")],
                       capture_output=True, text=True)
    assert r.returncode != 0
    assert "compile-threads" in r.stderr
    assert not (tmp_path / "m.so").exists()


def test_linkonce_helpers_survive_partitions(tmp_path):
    """Integer Pow lowers to a linkonce_odr helper (math-to-funcs'
    __mlir_math_ipowi_i32); partitioning must keep one definition of it for
    the callers in other partitions (it used to be inlined and dropped by its
    owner, an undefined symbol at link time). No ../shared needed."""
    from onnx import TensorProto, helper
    x = helper.make_tensor_value_info("x", TensorProto.INT32, [3, 4])
    y = helper.make_tensor_value_info("y", TensorProto.INT32, [3, 4])
    z = helper.make_tensor_value_info("z", TensorProto.INT32, [3, 4])
    graph = helper.make_graph(
        [helper.make_node("Pow", ["x", "y"], ["t"]),
         helper.make_node("Add", ["t", "x"], ["u"]),
         helper.make_node("Pow", ["u", "y"], ["z"])], "ipow", [x, y], [z])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    path = tmp_path / "ipow.onnx"
    path.write_bytes(model.SerializeToString())
    rng = np.random.default_rng(0)
    a = rng.integers(-3, 4, (3, 4)).astype(np.int32)
    b = rng.integers(0, 4, (3, 4)).astype(np.int32)
    want = (a ** b + a) ** b
    for threads in ("1", "2"):
        so = tmp_path / f"ipow{threads}.so"
        seqc.compile(path, so, extra_args=[f"--compile-threads={threads}"])
        art = seqc.load(str(so))
        try:
            (got,) = art.run(a, b)
        finally:
            art.close()
        np.testing.assert_array_equal(got, want)


def test_generation_variants_are_one_partitioned_module(tmp_path):
    """A generation artifact's step variants (decode, prefill chunk) are
    linked into one module and optimized and compiled in partitions like a
    model (one 'LLVM optimization and code generation' stage, variant 1's
    pieces renamed *_v1 beside variant 0's), their shared weights emitted
    once, and it still generates onnxruntime-genai's greedy ids."""
    d = shared_model_dir("llama_og_fp32")
    seqc_bin = seqc.find_tool("seqc")
    so = tmp_path / "gen.so"
    r = subprocess.run([seqc_bin, str(d / "model.onnx"), "--max-seq-len",
                        "128", "--timing", "-o", str(so)], check=True,
                       capture_output=True, text=True)
    # Parallel stages (the variants' lowering) add a user-time column.
    stages = re.findall(r"^\s*(?:-?[0-9.]+ \(\s*-?[0-9.]+%\)\s+)?-?[0-9.]+ "
                        r"\(\s*-?[0-9.]+%\)\s+(.+?)\s*$", r.stderr, re.M)
    assert stages.count("LLVM optimization and code generation") == 1, stages
    assert "lowering to LLVM dialect" in stages, stages
    # Both variants' weights are the same bytes: once in the artifact.
    assert so.stat().st_size < 1.6 * (d / "model.onnx").stat().st_size
    nm = shutil.which("nm") or shutil.which("llvm-nm-22")
    if nm is None:
        pytest.skip("no nm to list the artifact's symbols")
    syms = set(re.findall(r"\bseqc_graph_part\w*", subprocess.run(
        [nm, str(so)], check=True, capture_output=True, text=True).stdout))
    assert any(s.endswith("_v1") for s in syms), syms
    assert any(not re.search(r"_v\d+$", s) for s in syms), syms
    import json
    ref = json.loads((d / "generate.json").read_text())
    out = subprocess.run([seqc.find_tool("seq-run"), str(so), "--prompt",
                          ",".join(map(str, ref["prompt"])), "--generate",
                          str(len(ref["greedy"])), "--threads", "2"],
                         check=True, capture_output=True, text=True).stdout
    assert out.splitlines()[0] == ",".join(map(str, ref["greedy"]))
