#!/usr/bin/env python3
"""Decode with an int8 KV cache (seqc --quantize=kv8) vs the fp32 cache.

llama_mid_gen (../shared/graphs/llama_mid_gen, decode + prefill graphs,
materialized with deterministic weights) compiled as generation artifacts
with a cache of --max-len positions: fp32 KV vs kv8, and (--w4, default on)
the same pair with --quantize=w4 weights, where the KV cache is a larger
share of a step's bytes. In one session per (artifact, past P), the same
prompt of P random tokens is prefilled and the same --steps tokens are
decoded (the fp32 artifact's greedy tokens, teacher-forced into the others);
the median ms/token of each, in alternating order, --runs times, 2 threads.

KV bytes a step reads are computed from the artifact's cache records
(seqc_gen_desc): every cache's [B, H, P + 1, D] prefix times its element
size; kv8 adds its [B, H, P + 1, 1] f32 scale caches. The ratio against
the fp32 cache and against an f16 cache (half the fp32 bytes) is printed,
with the logits' max abs difference against the fp32-KV peer and the top-1
agreement over the steps, and the ISA.

    python3 bench/kv8_decode.py [--threads 2] [--steps 16] [--runs 3]
"""
import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
sys.path.insert(0, str(REPO / "python"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import seqc  # noqa: E402
from benchutil import isa_line  # noqa: E402

ELT = {1: 4, 10: 2, 3: 1}  # onnx dtype -> bytes


def materialize(graph, out):
    model = out / "model.onnx"
    if not model.exists():
        subprocess.run([sys.executable, str(SHARED / "tools" / "materialize.py"),
                        str(graph), str(out)], check=True,
                       stdout=subprocess.DEVNULL)
    return model


def caches(so):
    """[(dtype, dims)] of the artifact's session-owned caches."""
    m = re.search(rb"gen 1\n(.*?)end\n", Path(so).read_bytes(), re.S)
    out = []
    for line in m.group(1).decode().splitlines():
        f = line.split()
        if f[0] == "cache":
            out.append((int(f[2]), [int(d) for d in f[4:]]))
    return out


def kv_bytes(so, length):
    """Bytes of the caches' first `length` positions (dim 2)."""
    total = 0
    for dtype, dims in caches(so):
        b, h, _, d = dims
        total += b * h * length * d * ELT[dtype]
    return total


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=16)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--max-len", type=int, default=2304)
    ap.add_argument("--pasts", default="128,2048")
    ap.add_argument("--no-w4", action="store_true",
                    help="skip the --quantize=w4 pair")
    ap.add_argument("--workdir", default="/tmp/seqc-kv8-decode")
    args = ap.parse_args()
    graph = SHARED / "graphs" / "llama_mid_gen"
    if not graph.exists():
        sys.exit(f"{graph} not found (the shared test material is absent)")
    work = Path(args.workdir)
    decode = materialize(graph / "decode", work / "decode")
    prefill = materialize(graph / "prefill", work / "prefill")
    variants = {"fp32 KV": [], "kv8": ["--quantize=kv8"]}
    if not args.no_w4:
        variants.update({"w4, fp32 KV": ["--quantize=w4"],
                         "w4, kv8": ["--quantize=w4,kv8"]})
    peer = {"kv8": "fp32 KV", "w4, kv8": "w4, fp32 KV"}
    arts = {}
    for name, extra in variants.items():
        so = work / ("gen%d_%s.so" % (args.max_len,
                                      re.sub(r"\W+", "_", name)))
        if not so.exists():
            subprocess.run([str(REPO / "build" / "bin" / "seqc"), str(decode),
                            "--prefill", str(prefill), "--prefill-chunk", "128",
                            "--max-seq-len", str(args.max_len), *extra,
                            "-o", str(so)], check=True)
        art = seqc.load(str(so))
        art.set_num_threads(args.threads)
        arts[name] = (so, art)
    print(f"machine: {isa_line()}")
    print(f"workload: llama_mid_gen decode, cache {args.max_len} positions, "
          f"{args.threads} threads, {args.steps} steps after a prefill of P "
          f"tokens, median ms/token, median of {args.runs} runs (alternating)")
    rng = random.Random(0)
    pasts = [int(p) for p in args.pasts.split(",")]
    prompts = {p: [rng.randrange(4096) for _ in range(p)] for p in pasts}
    times, logits, tokens = {}, {}, {}
    for run in range(args.runs):
        for past in pasts:
            order = list(arts) if run % 2 == 0 else list(arts)[::-1]
            if past not in tokens:  # the fp32 artifact's greedy tokens first
                order.remove("fp32 KV")
                order.insert(0, "fp32 KV")
            for name in order:
                _, art = arts[name]
                with art.session() as s:
                    out = s.prefill(prompts[past])
                    fed = tokens.get(past) or [int(np.argmax(out[0]))]
                    steps, rows = [], []
                    for i in range(args.steps):
                        t0 = time.perf_counter()
                        out = s.decode([fed[i]])
                        steps.append((time.perf_counter() - t0) * 1e3)
                        rows.append(out[0].copy())
                        if past not in tokens:
                            fed.append(int(np.argmax(out[0])))
                    tokens[past] = fed
                times.setdefault((name, past), []).append(
                    statistics.median(steps))
                logits[(name, past)] = np.stack(rows)
    print(f"\n{'variant':<12} {'past':>5} {'ms/token':>9} {'KV bytes/token':>15} "
          f"{'vs fp32 KV':>10} {'vs f16 KV':>9} {'logits err':>10} {'max |logit|':>11} "
          f"{'top-1':>6}")
    for past in pasts:
        for name in arts:
            so, _ = arts[name]
            t = statistics.median(times[(name, past)])
            kv = kv_bytes(so, past + 1)
            f32 = kv_bytes(arts["fp32 KV"][0], past + 1)
            err, top1 = "", ""
            big = f"{np.abs(logits[(name, past)]).max():.3g}"
            if name in peer:
                a, b = logits[(name, past)], logits[(peer[name], past)]
                err = f"{np.abs(a - b).max():.3g}"
                top1 = f"{(a.argmax(1) == b.argmax(1)).mean():.0%}"
            print(f"{name:<12} {past:>5} {t:>9.3f} {kv:>15,} {kv / f32:>10.3f} "
                  f"{kv / (f32 / 2):>9.3f} {err:>10} {big:>11} {top1:>6}")
    for _, art in arts.values():
        art.close()


if __name__ == "__main__":
    main()
