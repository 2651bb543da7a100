#!/usr/bin/env python3
"""Prefill A/B of the #17 passes over activations, same run, vs onnxruntime.

Each entry of bench/prefill_vs_ort.py (the graphs in ../shared/graphs,
materialized, and the models in ../shared/models) matching --only is
compiled three times with the same seqc:
  base   SEQC_FUSE_PROJECTIONS=0 SEQC_GEMM_GATED=0: q/k/v as separate GEMMs,
         SwiGLU's silu(gate) * up as its own pass over [S, I]
  gated  SEQC_FUSE_PROJECTIONS=0 (the default): silu(gate) * up is the up
         GEMM's gated epilogue (seq-lower-to-ukernels)
  all    SEQC_FUSE_PROJECTIONS=1: also seq-fuse-projections (one GEMM for
         q, k, v; off by default)
The three artifacts and an onnxruntime session run the same inputs at
--threads threads in alternating blocks (medians of every block's runs);
every output is compared with onnxruntime (max abs diff printed). The
sgemm micro-kernel the artifacts pick (SEQC_UK_TRACE) and the load average
are printed; GEMM calls per run are counted from the trace.

  PYTHONPATH=python python3 bench/prefill_passes.py [--only REGEX]
      [--threads 2] [--runs 20] [--seq 128]
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))
sys.path.insert(0, str(ROOT / "bench"))
import seqc  # noqa: E402
from benchutil import isa_line  # noqa: E402
from prefill_vs_ort import SHARED, collect  # noqa: E402

VARIANTS = (("base", {"SEQC_FUSE_PROJECTIONS": "0", "SEQC_GEMM_GATED": "0"}),
            ("gated", {"SEQC_FUSE_PROJECTIONS": "0"}),
            ("all", {"SEQC_FUSE_PROJECTIONS": "1"}))


def compile_variant(e, so, env):
    args = [x for k, v in e.dims.items() for x in ("--dim", f"{k}={v}")]
    saved = {k: os.environ.get(k) for k in ("SEQC_FUSE_PROJECTIONS", "SEQC_GEMM_GATED")}
    try:
        for k in saved:
            os.environ.pop(k, None)
        os.environ.update(env)
        seqc.compile(str(e.model), str(so), extra_args=args)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def trace(so, feeds_npz):
    """(micro-kernel, sgemm calls, of them with an epilogue) of one run."""
    code = ("import sys, numpy as np; sys.path.insert(0, %r); import seqc\n"
            "a = seqc.load(%r, threads=1); a.run(**dict(np.load(%r)))\n") % (
        str(ROOT / "python"), str(so), str(feeds_npz))
    err = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=dict(os.environ, SEQC_UK_TRACE="1")).stderr
    calls = re.findall(r"seqc_uk_sgemm\[(\w+)\].*", err)
    isa = calls[0] if calls else "?"
    lines = [ln for ln in err.splitlines() if ln.startswith("seqc_uk_sgemm[")]
    return isa, len(lines), sum("+epilogue" in ln for ln in lines)


def interleaved(fns, runs, block, budget_s):
    times = [[] for _ in fns]
    order = list(range(len(fns)))
    start = time.perf_counter()
    while len(times[0]) < runs:
        for i in order:
            fns[i]()
            for _ in range(block):
                t = time.perf_counter()
                fns[i]()
                times[i].append((time.perf_counter() - t) * 1e3)
            time.sleep(0.1)  # onnxruntime's spinning workers go idle
        order = order[::-1]
        if time.perf_counter() - start > budget_s and len(times[0]) >= 10:
            break
    return [statistics.median(t) for t in times], len(times[0])


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default="llama_mid")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--budget", type=float, default=90.0)
    ap.add_argument("--cache", default=str(ROOT / "build" / "bench-cache" / "prefill"))
    a = ap.parse_args()
    if not SHARED.is_dir():
        print(f"skip: {SHARED} is absent")
        return 0
    import onnxruntime as ort
    print(isa_line())
    print(f"onnxruntime {ort.__version__}; {a.threads} threads; load average "
          f"{os.getloadavg()[0]:.2f}")
    print(f"{'entry':<24} {'kernel':>6} {'calls b/g/a':>12} {'base ms':>9} "
          f"{'gated ms':>9} {'all ms':>9} {'base/all':>8} {'ort ms':>9} "
          f"{'ort/all':>7} {'max|diff| b/g/a':>26} {'runs':>4} {'load':>9}")
    entries = collect(Path(a.cache), a.only, a.seq)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for e in entries:
            np.savez(tmp / "feeds.npz", **e.feeds)
            arts, calls, isa = [], [], "?"
            for name, env in VARIANTS:
                so = tmp / f"{name}.so"
                compile_variant(e, so, env)
                isa, n, nep = trace(so, tmp / "feeds.npz")
                calls.append(f"{n}")
                arts.append(seqc.load(str(so), threads=a.threads))
            opts = ort.SessionOptions()
            opts.intra_op_num_threads = a.threads
            opts.inter_op_num_threads = 1
            opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
            sess = ort.InferenceSession(str(e.model), opts,
                                        providers=["CPUExecutionProvider"])
            want = sess.run(None, e.feeds)
            errs = []
            for art in arts:
                got = art.run(**e.feeds)
                errs.append(max(float(np.max(np.abs(np.asarray(g) - w)))
                                for g, w in zip(got, want)
                                if np.asarray(w).dtype.kind == "f"))
            t = time.perf_counter()
            arts[0].run(**e.feeds)
            one = (time.perf_counter() - t) * 1e3
            block = max(3, min(50, int(20.0 / max(one, 1e-3)) + 1))
            load0 = os.getloadavg()[0]
            fns = [(lambda art=art: art.run(**e.feeds)) for art in arts]
            fns.append(lambda: sess.run(None, e.feeds))
            (b, g, al, o), n = interleaved(fns, max(a.runs, 4 * block), block,
                                           a.budget)
            load1 = os.getloadavg()[0]
            print(f"{e.name:<24} {isa:>6} {'/'.join(calls):>12} {b:9.3f} {g:9.3f} "
                  f"{al:9.3f} {b / al:8.3f} {o:9.3f} {o / al:7.2f} "
                  f"{'/'.join(f'{x:.1e}' for x in errs):>26} {n:4d} "
                  f"{load0:4.1f}-{load1:4.1f}", flush=True)
            for art in arts:
                art.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
