#!/usr/bin/env python3
"""Perplexity of ../shared/models/seedlm (a Llama trained on text) on its
held-out tokens: seqc fp32, seqc --quantize specs, seqc running the
onnxruntime-genai int4 build, and onnxruntime on both genai builds.

Windows of --window tokens (no carried context, as in the model's README):
every window is one prefill (past length 0) and the logits at position t
score token t + 1.

  PYTHONPATH=python python3 bench/quant_perplexity.py [--specs w8,w4:group=32]
      [--windows N] [--window 128]
"""
import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "python"))
SEEDLM = REPO.parent / "shared" / "models" / "seedlm"

import seqc  # noqa: E402


def feeds_for(model, ids, head_dim):
    """Prefill inputs of an onnxruntime-genai decoder: ids, a full mask, empty
    past key/values."""
    feeds = {}
    for vi in model.graph.input:
        dims = vi.type.tensor_type.shape.dim
        if vi.name == "input_ids":
            feeds[vi.name] = ids[None, :].astype(np.int64)
        elif vi.name == "attention_mask":
            feeds[vi.name] = np.ones((1, len(ids)), np.int64)
        elif vi.name.startswith("past_key_values"):
            feeds[vi.name] = np.zeros((1, dims[1].dim_value, 0, head_dim),
                                      np.float32)
        else:
            raise SystemExit(f"unexpected input {vi.name}")
    return feeds


def nll(logits, ids):
    """Sum of -log p(ids[t+1] | ..t) and the count, from [1, T, V] logits."""
    z = logits[0, :-1].astype(np.float64)
    z = z - z.max(-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(-1, keepdims=True))
    return float(-logp[np.arange(len(ids) - 1), ids[1:]].sum()), len(ids) - 1


def main():
    import json

    import onnx
    import onnxruntime as ort
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--specs", default="w8,w4:group=32")
    ap.add_argument("--window", type=int, default=128)
    ap.add_argument("--windows", type=int, default=0, help="0: all")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    if not SEEDLM.exists():
        sys.exit(f"{SEEDLM} not found: this report needs ../shared")
    cfg = json.loads((SEEDLM / "og_fp32" / "genai_config.json").read_text())
    dec = cfg["model"]["decoder"]
    head_dim = dec.get("head_size") or dec["hidden_size"] // dec["num_attention_heads"]
    tokens = np.load(SEEDLM / "eval_tokens.npy")
    n = len(tokens) // a.window
    if a.windows:
        n = min(n, a.windows)
    windows = [tokens[i * a.window:(i + 1) * a.window] for i in range(n)]
    dims = {"batch_size": 1, "sequence_length": a.window, "past_sequence_length": 0,
            "total_sequence_length": a.window}
    dim_args = [x for k, v in dims.items() for x in ("--dim", f"{k}={v}")]
    work = Path(tempfile.mkdtemp(prefix="quant-ppl-"))

    runs = []  # (label, run(feeds) -> logits)
    fp32 = SEEDLM / "og_fp32" / "model.onnx"
    int4 = SEEDLM / "og_int4" / "model.onnx"
    model = onnx.load(str(fp32))
    for label, path, extra in ([("seqc fp32", fp32, [])] +
                               [(f"seqc --quantize={s}", fp32, [f"--quantize={s}"])
                                for s in a.specs.split(",") if s] +
                               [("seqc og_int4", int4, [])]):
        so = work / (label.replace(" ", "_").replace("=", "_").replace(":", "_") + ".so")
        t0 = time.perf_counter()
        art = seqc.compile(path, so, extra_args=[*dim_args, *extra], load=True,
                           threads=a.threads)
        print(f"compiled {label} in {time.perf_counter() - t0:.1f} s", flush=True)
        runs.append((label, lambda f, art=art: art.run(**f)[0]))
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = a.threads
    for label, path in (("onnxruntime og_fp32", fp32), ("onnxruntime og_int4", int4)):
        sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        runs.append((label, lambda f, s=sess: s.run(["logits"], f)[0]))

    print(f"\nseedlm eval_tokens: {n} windows of {a.window} tokens "
          f"({n * (a.window - 1)} predictions)")
    print("| model | perplexity |\n| --- | --- |")
    for label, run in runs:
        total, count = 0.0, 0
        for ids in windows:
            s, c = nll(np.asarray(run(feeds_for(model, ids, head_dim))), ids)
            total += s
            count += c
        print(f"| {label} | {np.exp(total / count):.3f} |", flush=True)


if __name__ == "__main__":
    main()
