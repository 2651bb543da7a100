#!/usr/bin/env python3
"""seqc vs onnxruntime on the shared models, measured side by side.

For each model: compile with seqc (wall time), run the artifact and an
onnxruntime CPU session on the same inputs, check both against the reference
outputs, and report median latencies and their ratio (ort / seqc, > 1 means
seqc is faster). seqc artifacts are single-threaded today, so onnxruntime is
pinned to 1 thread for the headline ratio.

  PYTHONPATH=python python3 bench/models_vs_ort.py [--runs 50] [--models DIR...]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))
import seqc  # noqa: E402
from seqc.onnx_io import read_test_data  # noqa: E402


def median_ms(fn, runs, warmup=3):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times)


def bench_model(model_dir: Path, runs: int, threads: int, tmp: Path):
    import onnxruntime as ort

    onnx_path = model_dir / "model.onnx"
    so = tmp / f"{model_dir.name}.so"
    t = time.perf_counter()
    seqc.compile(str(onnx_path), str(so))
    compile_s = time.perf_counter() - t
    art = seqc.load(str(so))
    inputs, refs = read_test_data(model_dir / "test_data_set_0")

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(str(onnx_path), opts, providers=["CPUExecutionProvider"])
    feeds = {i.name: a for i, a in zip(sess.get_inputs(), inputs)}

    ours = art.run(*inputs)
    theirs = sess.run(None, feeds)
    for got, peer, ref in zip(ours, theirs, refs):
        np.testing.assert_allclose(got, ref, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(peer, ref, rtol=1e-4, atol=1e-5)

    seqc_ms = median_ms(lambda: art.run(*inputs), runs)
    ort_ms = median_ms(lambda: sess.run(None, feeds), runs)
    return compile_s, seqc_ms, ort_ms


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--threads", type=int, default=1, help="onnxruntime intra-op threads")
    ap.add_argument("--models", nargs="*", type=Path)
    a = ap.parse_args()
    models = a.models
    if not models:
        shared = seqc.repo_root().parent / "shared" / "models"
        if not shared.is_dir():
            print(f"skip: {shared} is absent")
            return 0
        models = sorted(p for p in shared.iterdir() if (p / "model.onnx").exists())
    print(f"{'model':<20} {'compile s':>9} {'seqc ms':>9} {'ort ms':>9} {'ort/seqc':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for m in models:
            c, s, o = bench_model(m, a.runs, a.threads, Path(tmp))
            print(f"{m.name:<20} {c:9.2f} {s:9.3f} {o:9.3f} {o / s:9.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
