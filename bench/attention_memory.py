#!/usr/bin/env python3
"""Peak memory and time of attention, naive 3-pass vs tiled 1-pass cascade.

Builds the ONNX-23 Attention op (8 heads, head dim 64, causal, fp32) at
S = 2048, 4096, 8192, compiles it with seqc (default: tiled cascade;
--no-fuse: naive cascade) and runs it once in a fresh subprocess each, so
ru_maxrss is that run's peak RSS. The inputs and output alone take
4 * 8 * S * 64 * 4 bytes; the naive cascade adds K/V-sized intermediates
([8, S, S] floats: S^2 growth), the tiled one only per-worker tiles.

  PYTHONPATH=python python3 bench/attention_memory.py [--seqs 2048 4096 8192]
      [--threads 2] [--modes tiled naive]
"""
import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))

CHILD = r"""
import json, resource, sys, time
import numpy as np
sys.path.insert(0, {py!r})
import seqc
art = seqc.load({so!r})
rng = np.random.default_rng(0)
shape = (1, 8, {s}, 64)
q, k, v = (rng.standard_normal(shape, dtype=np.float32) for _ in range(3))
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
(y,) = art.run(q, k, v)
dt = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"time_s": dt, "peak_kib": peak, "before_kib": base,
                  "finite": bool(np.isfinite(y).all())}}))
"""


def model(path: Path, s: int):
    import onnx
    from onnx import TensorProto as T, helper
    shape = [1, 8, s, 64]
    v = lambda n: helper.make_tensor_value_info(n, T.FLOAT, shape)
    node = helper.make_node("Attention", ["Q", "K", "V"], ["Y"], is_causal=1)
    g = helper.make_graph([node], f"attention_s{s}", [v("Q"), v("K"), v("V")],
                          [v("Y")])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 23)])
    m.ir_version = 10
    onnx.save(m, str(path))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seqs", type=int, nargs="+", default=[2048, 4096, 8192])
    ap.add_argument("--modes", nargs="+", default=["tiled", "naive"])
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    import seqc
    rows = []
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        for s in args.seqs:
            onnx_path = d / f"att{s}.onnx"
            model(onnx_path, s)
            for mode in args.modes:
                so = d / f"att{s}_{mode}.so"
                t = time.perf_counter()
                seqc.compile(onnx_path, so,
                             extra_args=["--no-fuse"] if mode == "naive" else [])
                compile_s = time.perf_counter() - t
                code = CHILD.format(py=str(ROOT / "python"), so=str(so), s=s)
                env = {"SEQC_NUM_THREADS": str(args.threads), "PATH": "/usr/bin:/bin"}
                p = subprocess.run([sys.executable, "-c", code], capture_output=True,
                                   text=True, env=env)
                if p.returncode != 0:
                    r = {"error": (p.stderr.strip().splitlines() or ["killed"])[-1]}
                else:
                    r = json.loads(p.stdout.strip().splitlines()[-1])
                r.update(S=s, mode=mode, compile_s=compile_s)
                rows.append(r)
                print(json.dumps(r), file=sys.stderr, flush=True)
    io_mib = lambda s: 4 * 8 * s * 64 * 4 / 2**20
    print(f"{'S':>6} {'cascade':>7} {'compile s':>9} {'run s':>8} "
          f"{'peak RSS MiB':>12} {'- baseline':>10} {'I/O MiB':>8} {'[8,S,S] MiB':>11}")
    for r in rows:
        s = r["S"]
        if "error" in r:
            print(f"{s:>6} {r['mode']:>7} {r['compile_s']:>9.2f}  failed: {r['error']}")
            continue
        print(f"{s:>6} {r['mode']:>7} {r['compile_s']:>9.2f} {r['time_s']:>8.3f} "
              f"{r['peak_kib'] / 1024:>12.1f} {(r['peak_kib'] - r['before_kib']) / 1024:>10.1f} "
              f"{io_mib(s):>8.1f} {8 * s * s * 4 / 2**20:>11.1f}")


if __name__ == "__main__":
    main()
