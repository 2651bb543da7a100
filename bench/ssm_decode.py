#!/usr/bin/env python3
"""State-space decode: constant cost per token, state owned by the session.

Builds the gated-delta-rule test LM of python/tests/ssm_lm.py at a mid size
(default hidden 512, 4 layers, 8 heads of 64, vocab 4096: per layer a
CausalConvWithState and a LinearAttention with a [8, 64, 64] state) and
compiles it as a generation artifact (seqc --max-seq-len, chunks of 128).
For each past length P (default 128 and 2048) it prefills P tokens and
times --steps greedy decode steps (median ms/token), in seqc's session
(state updated in place) and in onnxruntime running the same graph with
past_state/present_state fed back (2 threads each, same run, alternating).
A recurrent state does not grow: the time per token should not depend on P.
The two runtimes' tokens are compared step by step and the largest logit
difference printed, with the ISA.

    python3 bench/ssm_decode.py [--threads 2] [--steps 32] [--runs 3]
"""
import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "python"))
sys.path.insert(0, str(REPO / "python" / "tests"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import onnx  # noqa: E402

import seqc  # noqa: E402
import ssm_lm  # noqa: E402
from benchutil import isa_line  # noqa: E402


def ort_session(path, threads):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(str(path), so,
                                providers=["CPUExecutionProvider"])


def ort_steps(s, prompt, steps, zero):
    """Prefill, then `steps` greedy steps: (ms per step, tokens, logits)."""
    names = [o.name for o in s.get_outputs()]
    out = s.run(None, dict(input_ids=np.array([prompt]), **zero))
    times, toks, logits = [], [], []
    for _ in range(steps):
        tok = int(np.argmax(out[0][0, -1]))
        toks.append(tok)
        feeds = {n.replace("present", "past"): v
                 for n, v in zip(names[1:], out[1:])}
        t0 = time.perf_counter()
        out = s.run(None, dict(input_ids=np.array([[tok]]), **feeds))
        times.append((time.perf_counter() - t0) * 1e3)
        logits.append(out[0][0, -1])
    return times, toks, logits


def seqc_steps(art, prompt, steps):
    times, toks, logits = [], [], []
    with art.session() as s:
        out = s.prefill(prompt)
        for _ in range(steps):
            tok = int(np.argmax(out[0]))
            toks.append(tok)
            t0 = time.perf_counter()
            out = s.decode([tok])
            times.append((time.perf_counter() - t0) * 1e3)
            logits.append(out[0])
    return times, toks, logits


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=32)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--pasts", default="128,2048")
    ap.add_argument("--hidden", type=int, default=512)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--heads", type=int, default=8)
    ap.add_argument("--head-dim", type=int, default=64)
    ap.add_argument("--vocab", type=int, default=4096)
    ap.add_argument("--workdir", default="/tmp/seqc-ssm-decode")
    args = ap.parse_args()
    pasts = [int(p) for p in args.pasts.split(",")]
    max_len = (max(pasts) + args.steps + 1 + 63) // 64 * 64 + 64
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    cfg = (args.vocab, args.hidden, args.layers, args.heads, args.head_dim)
    tag = "_".join(map(str, cfg))
    model = work / f"lm_{tag}.onnx"
    if not model.exists():
        onnx.save(ssm_lm.make_model(*cfg), model)
    so = work / f"gen_{tag}_{max_len}.so"
    if not so.exists():
        subprocess.run([str(REPO / "build" / "bin" / "seqc"), str(model),
                        "--max-seq-len", str(max_len), "--prefill-chunk",
                        "128", "-o", str(so)], check=True)
    print(f"machine: {isa_line()}")
    art = seqc.load(str(so), threads=args.threads)
    ort = ort_session(model, args.threads)
    zero = ssm_lm.zero_states(1, args.layers, args.heads, args.head_dim)
    rng = np.random.default_rng(0)
    res = {("seqc", p): [] for p in pasts}
    res.update({("ort", p): [] for p in pasts})
    agree = {}
    for _ in range(args.runs):
        for past in pasts:
            prompt = [int(t) for t in rng.integers(0, args.vocab, past)]
            ts, toks_s, lg_s = seqc_steps(art, prompt, args.steps)
            to, toks_o, lg_o = ort_steps(ort, prompt, args.steps, zero)
            res[("seqc", past)].append(statistics.median(ts))
            res[("ort", past)].append(statistics.median(to))
            same = next((i for i, (a, b) in enumerate(zip(toks_s, toks_o))
                         if a != b), len(toks_s))
            # Logits are comparable while both runtimes fed the same tokens.
            diff = max(float(np.abs(a - b).max())
                       for a, b in zip(lg_s[:same + 1], lg_o[:same + 1]))
            prev = agree.get(past, (same, diff))
            agree[past] = (min(prev[0], same), max(prev[1], diff))
    state_kib = args.layers * (args.heads * args.head_dim ** 2 + 3 * 3 *
                               args.heads * args.head_dim) * 4 / 1024
    print(f"workload: gated-delta LM vocab {args.vocab}, hidden "
          f"{args.hidden}, {args.layers} layers x {args.heads} heads of "
          f"{args.head_dim} (state {state_kib:.0f} KiB), {args.threads} "
          f"threads, {args.steps} greedy decode steps after a prefill of P "
          f"tokens, median of {args.runs} runs")
    # On a loaded machine the best run shows the cost, the median the noise.
    print(f"{'past P':>8} {'seqc ms/tok':>12} {'(best)':>7} {'ORT ms/tok':>11} "
          f"{'(best)':>7} {'ORT/seqc':>9} {'same tokens':>12} "
          f"{'max |dlogit|':>13}")
    for past in pasts:
        s = statistics.median(res[("seqc", past)])
        o = statistics.median(res[("ort", past)])
        same, diff = agree[past]
        print(f"{past:>8} {s:>12.3f} {min(res[('seqc', past)]):>7.3f} "
              f"{o:>11.3f} {min(res[('ort', past)]):>7.3f} {o / s:>9.2f} "
              f"{same:>5}/{args.steps:<6} {diff:>13.2e}")
    for who in ("seqc", "ort"):
        base = res[(who, pasts[0])]
        for past in pasts[1:]:
            print(f"{who} t({past})/t({pasts[0]}): median "
                  f"{statistics.median(res[(who, past)]) / statistics.median(base):.2f}"
                  f", best {min(res[(who, past)]) / min(base):.2f} "
                  f"(constant-size state: ~1)")
    art.close()


if __name__ == "__main__":
    main()
