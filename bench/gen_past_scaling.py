#!/usr/bin/env python3
"""Decode cost against the past length: a step reads the cache, never copies it.

Compiles llama_mid (../shared/graphs/llama_mid_og_fp32, materialized with
deterministic weights) as a generation artifact with a cache of
--max-len positions, then, in one session each, prefills P tokens and times
--steps decode steps (median ms/token), for P = 128 and P = 2048 (2 threads
by default). A step at past P reads the weights once plus P positions of K
and V in every layer; nothing proportional to the cache is allocated or
copied (python/tests/test_generation.py checks the IR). So the time should
grow by about the extra KV bytes over the bandwidth the step achieves:

    predicted(2048) = t(128) * bytes(2048) / bytes(128)

and the script prints both, with the ISA.

    python3 bench/gen_past_scaling.py [--threads 2] [--steps 32] [--runs 3]
"""
import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
sys.path.insert(0, str(REPO / "python"))
sys.path.insert(0, str(REPO / "bench"))

import numpy as np  # noqa: E402

import seqc  # noqa: E402
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchutil import isa_line  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=32)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--max-len", type=int, default=2304)
    ap.add_argument("--pasts", default="128,2048")
    ap.add_argument("--workdir", default="/tmp/seqc-gen-scaling")
    args = ap.parse_args()
    graph = SHARED / "graphs" / "llama_mid_og_fp32"
    if not graph.exists():
        sys.exit(f"{graph} not found (the shared test material is absent)")
    work = Path(args.workdir)
    model = work / "model" / "model.onnx"
    if not model.exists():
        subprocess.run([sys.executable, str(SHARED / "tools" / "materialize.py"),
                        str(graph), str(model.parent)], check=True,
                       stdout=subprocess.DEVNULL)
        for f in graph.glob("*.json"):
            (model.parent / f.name).write_bytes(f.read_bytes())
    so = work / f"gen{args.max_len}.so"
    if not so.exists():
        subprocess.run([str(REPO / "build" / "bin" / "seqc"), str(model),
                        "--max-seq-len", str(args.max_len), "--prefill-chunk",
                        "128", "-o", str(so)], check=True)
    print(f"machine: {isa_line()}")
    art = seqc.load(str(so))
    art.set_num_threads(args.threads)
    rng = random.Random(0)
    weights = sum(f.stat().st_size for f in model.parent.glob("*.bin"))
    layers, kv_heads, head = 4, 2, 64
    results = {}
    pasts = [int(p) for p in args.pasts.split(",")]
    for _ in range(args.runs):
        for past in pasts:
            prompt = [rng.randrange(4096) for _ in range(past)]
            with art.session() as s:
                s.prefill(prompt)
                tok = [rng.randrange(4096)]
                times = []
                for _ in range(args.steps):
                    t0 = time.perf_counter()
                    logits = s.decode(tok)
                    times.append((time.perf_counter() - t0) * 1e3)
                    tok = [int(np.argmax(logits))]
            results.setdefault(past, []).append(statistics.median(times))
    base = pasts[0]
    print(f"workload: llama_mid fp32, cache {args.max_len} positions, "
          f"{args.threads} threads, {args.steps} decode steps after a prefill "
          f"of P tokens, median of {args.runs} runs")
    print(f"{'past P':>8} {'ms/token':>9} {'MB read':>8} {'predicted':>10}")
    t_base = statistics.median(results[base])
    for past in pasts:
        kv = layers * 2 * kv_heads * (past + 1) * head * 4
        mb = (weights + kv) / 1e6
        mb_base = (weights + layers * 2 * kv_heads * (base + 1) * head * 4) / 1e6
        t = statistics.median(results[past])
        print(f"{past:>8} {t:>9.3f} {mb:>8.1f} {t_base * mb / mb_base:>10.3f}")
    art.close()


if __name__ == "__main__":
    main()
