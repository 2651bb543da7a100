#!/usr/bin/env python3
"""One forward step of an onnxruntime-genai builder model (llama_mid_og_fp32:
GroupQueryAttention, SkipSimplifiedLayerNormalization), seqc vs onnxruntime,
same run, same inputs, same thread count.

Steps: a prefill of --prompt tokens (past 0) and one decode step at past
--past. seqc compiles one artifact per step with `--dim` for every symbolic
dim (the graph's KV cache goes in and out as tensors, present =
Concat(past, new), as onnxruntime's non-shared-buffer mode does). Outputs of
both are compared (rtol 1e-4, atol 1e-5) before timing; the timing alternates
seqc and onnxruntime runs and reports medians.

  PYTHONPATH=python python3 bench/genai_step_vs_ort.py [--runs 30] [--threads 2]
      [--graph ../shared/graphs/llama_mid_og_fp32] [--prompt 128] [--past 128]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "python"))
import seqc  # noqa: E402
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchutil import isa_line  # noqa: E402

SHARED = REPO.parent / "shared"


def step_inputs(model, prompt_len, past, head, rng):
    """input_ids, attention_mask and past_key_values.* for a step of
    `prompt_len` new tokens after `past` cached ones, plus the --dim values."""
    ids_vi = next(i for i in model.graph.input if i.name == "input_ids")
    pk = next(i for i in model.graph.input if "past_key_values" in i.name)
    pdims = pk.type.tensor_type.shape.dim
    heads_kv = pdims[1].dim_value
    vocab = next(o for o in model.graph.output if o.name == "logits") \
        .type.tensor_type.shape.dim[2].dim_value
    total = past + prompt_len
    feeds = {
        "input_ids": rng.integers(0, vocab, (1, prompt_len), dtype=np.int64),
        "attention_mask": np.ones((1, total), np.int64),
    }
    for vi in model.graph.input:
        if "past_key_values" in vi.name:
            feeds[vi.name] = rng.standard_normal(
                (1, heads_kv, past, head)).astype(np.float32)
    dims = {ids_vi.type.tensor_type.shape.dim[0].dim_param: 1,
            ids_vi.type.tensor_type.shape.dim[1].dim_param: prompt_len,
            pdims[2].dim_param: past, pdims[3].dim_param: head}
    am = next(i for i in model.graph.input if i.name == "attention_mask")
    dims[am.type.tensor_type.shape.dim[1].dim_param] = total
    return feeds, dims


def bench_step(name, model_path, model, prompt_len, past, a, tmp, sess):
    rng = np.random.default_rng(0)
    # The head size is symbolic in the inputs (kv_cache_dim).
    cfg = json.loads((a.graph / "genai_config.json").read_text())
    head = cfg["model"]["decoder"]["head_size"]
    feeds, dims = step_inputs(model, prompt_len, past, head, rng)
    so = tmp / f"{name}.so"
    cmd = [seqc.find_tool("seqc"), str(model_path), "-o", str(so)]
    for k, v in dims.items():
        cmd += ["--dim", f"{k}={v}"]
    t = time.perf_counter()
    subprocess.run(cmd, check=True)
    compile_s = time.perf_counter() - t
    art = seqc.load(str(so), threads=a.threads)
    names = [i.name for i in art.info.inputs]
    args = [feeds[n] for n in names]
    ours = art.run(*args)
    theirs = sess.run(None, feeds)
    worst = 0.0
    for o, got, want in zip(sess.get_outputs(), ours, theirs):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5,
                                   err_msg=f"{name}: output {o.name}")
        worst = max(worst, float(np.max(np.abs(got - want))))
    for _ in range(a.warmup):
        art.run(*args)
        sess.run(None, feeds)
    ts, to = [], []
    for _ in range(a.runs):
        t = time.perf_counter()
        art.run(*args)
        ts.append((time.perf_counter() - t) * 1e3)
        t = time.perf_counter()
        sess.run(None, feeds)
        to.append((time.perf_counter() - t) * 1e3)
    art.close()
    s, o = statistics.median(ts), statistics.median(to)
    print(f"{name:<22} {compile_s:8.1f} {s:9.3f} {o:9.3f} {o / s:9.2f} "
          f"{worst:10.2e}", flush=True)
    return s, o


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--graph", type=Path,
                    default=SHARED / "graphs" / "llama_mid_og_fp32")
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--prompt", type=int, default=128)
    ap.add_argument("--past", type=int, default=128)
    a = ap.parse_args()
    if not (a.graph / "model.onnx").exists():
        print(f"skip: {a.graph} is absent")
        return 0
    import onnx
    import onnxruntime as ort

    print(f"machine: {isa_line()}")
    print(f"onnxruntime {ort.__version__}, {a.threads} threads each, "
          f"{a.runs} alternating runs, medians")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        model_path = a.graph / "model.onnx"
        if not (a.graph / "weights.bin").exists():
            # A stripped graph: materialize its weights (deterministic).
            subprocess.run([sys.executable,
                            str(SHARED / "tools" / "materialize.py"),
                            str(a.graph), str(tmp / "model")], check=True,
                           stdout=subprocess.DEVNULL)
            model_path = tmp / "model" / "model.onnx"
        model = onnx.load(str(model_path), load_external_data=False)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = a.threads
        opts.inter_op_num_threads = 1
        sess = ort.InferenceSession(str(model_path), opts,
                                    providers=["CPUExecutionProvider"])
        print(f"{'step':<22} {'compile':>8} {'seqc ms':>9} {'ort ms':>9} "
              f"{'ort/seqc':>9} {'max |diff|':>10}")
        bench_step(f"prefill {a.prompt}", model_path, model, a.prompt, 0, a,
                   tmp, sess)
        bench_step(f"decode 1 @ past {a.past}", model_path, model, 1, a.past,
                   a, tmp, sess)
    return 0


if __name__ == "__main__":
    sys.exit(main())
