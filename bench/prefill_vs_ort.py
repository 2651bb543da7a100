#!/usr/bin/env python3
"""Prefill: seqc vs onnxruntime on every graph in ../shared/graphs and every
model in ../shared/models, in one run (issue #17's must-show table).

For each entry: the seqc artifact (compiled with `--dim` for every symbolic
input dim; generation graphs at past 0, i.e. their prefill form) and an
onnxruntime CPU session (intra_op_num_threads = --threads, sequential
executor, ORT_ENABLE_ALL) run on the same inputs; the outputs are compared
(fp32: rtol 1e-3, atol 1e-4; MatMulNBits graphs with accuracy_level 4:
rtol 1e-3, atol 2% of the output's largest magnitude, because both engines
quantize activations to int8 per block and an activation that rounds to the
other int8 neighbour moves later layers by ~1% with random int4 weights;
llama_mid_og_int4's logits: 0.19 on 11.2, top-1 99%), then both are timed
in alternating blocks (bench/run_bench.py's interleaved_medians: warmup, 5
runs each, or as many as last --block-ms (20) for short entries, at least
four blocks, a pause between blocks) and the medians reported with ORT/seqc
(> 1: seqc faster). Also printed: the sgemm micro-kernel the artifacts choose
on this machine (SEQC_UK_TRACE), the load average before and after each
entry, and the machine's measured peak FMA rate.

Inputs: graphs are materialized with ../shared/tools/materialize.py
(deterministic random weights) under --cache; their token ids are
deterministic random ids (the shapes baked into the graph; sequence length
--seq for symbolic ones), masks all ones, past tensors empty. Models use
their test_data_set_0 inputs (the prefill set).

  PYTHONPATH=python python3 bench/prefill_vs_ort.py [--threads 2] [--runs 20]
      [--only REGEX] [--seq 128] [--cache build/bench-cache/prefill]

Artifacts are cached in --cache and rebuilt when build/bin/seqc or the
runtime library is newer (or with --recompile).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))
sys.path.insert(0, str(ROOT / "bench"))
import seqc  # noqa: E402
from seqc.onnx_io import read_test_data  # noqa: E402
from run_bench import (build_peak, cpu_name, interleaved_medians,  # noqa: E402
                       peak_gflops)

SHARED = ROOT.parent / "shared"
FP32_TOL = (1e-3, 1e-4)
INT4_TOL = (1e-3, "2%")  # atol: 2% of max |onnxruntime output|


class Entry:
    def __init__(self, name, model, feeds, dims, tol, kind):
        self.name, self.model, self.feeds = name, Path(model), feeds
        self.dims, self.tol, self.kind = dims, tol, kind


def _has_nbits(model_path: Path) -> bool:
    import onnx
    m = onnx.load(str(model_path), load_external_data=False)
    return any(n.op_type == "MatMulNBits" for n in m.graph.node)


def _dim_bindings(model_path: Path, feeds) -> dict:
    """NAME -> value for every symbolic dim of a graph input, from the
    feeds' shapes (the same binding a user passes with seqc --dim)."""
    import onnx
    m = onnx.load(str(model_path), load_external_data=False)
    inits = {t.name for t in m.graph.initializer}
    dims = {}
    for vi in m.graph.input:
        if vi.name in inits or vi.name not in feeds:
            continue
        for d, n in zip(vi.type.tensor_type.shape.dim, feeds[vi.name].shape):
            if d.dim_param:
                dims[d.dim_param] = int(n)
    return dims


def _graph_feeds(model_path: Path, seq: int, head: int, seed=0) -> dict:
    """Prefill feeds for a materialized graph: ids, all-ones masks, empty past."""
    import onnx
    m = onnx.load(str(model_path), load_external_data=False)
    inits = {t.name for t in m.graph.initializer}
    vocab = 1000
    for o in m.graph.output:
        if o.name == "logits":
            vocab = o.type.tensor_type.shape.dim[-1].dim_value or vocab
    rng = np.random.default_rng(seed)
    feeds = {}
    for vi in m.graph.input:
        if vi.name in inits:
            continue
        shape = []
        for i, d in enumerate(vi.type.tensor_type.shape.dim):
            if d.dim_value:
                shape.append(d.dim_value)
            elif "past" in d.dim_param:
                shape.append(0)
            elif "batch" in d.dim_param:
                shape.append(1)
            elif d.dim_param == "kv_cache_dim":
                shape.append(head)
            else:  # sequence / total sequence length at past 0
                shape.append(seq)
        et = vi.type.tensor_type.elem_type
        if et in (onnx.TensorProto.INT64, onnx.TensorProto.INT32):
            dt = np.int64 if et == onnx.TensorProto.INT64 else np.int32
            if "mask" in vi.name:
                feeds[vi.name] = np.ones(shape, dt)
            else:
                feeds[vi.name] = rng.integers(0, vocab, size=shape).astype(dt)
        else:
            feeds[vi.name] = rng.standard_normal(shape).astype(np.float32)
    return feeds


def materialize(graph_dir: Path, out: Path) -> Path:
    if not (out / "weights.bin").exists() or not (out / "model.onnx").exists():
        subprocess.run([sys.executable, str(SHARED / "tools" / "materialize.py"),
                        str(graph_dir), str(out)], check=True, stdout=subprocess.DEVNULL)
    return out


def collect(cache: Path, only, seq: int):
    keep = lambda name: not only or re.search(only, name)  # noqa: E731
    entries = []
    graphs = SHARED / "graphs"
    if graphs.is_dir():
        dirs = []
        for g in sorted(graphs.iterdir()):
            if (g / "model.onnx").exists():
                dirs.append((g.name, g))
            elif (g / "prefill" / "model.onnx").exists():  # generation pair
                dirs.append((f"{g.name}/prefill", g / "prefill"))
        for name, g in dirs:
            if not keep(name):
                continue
            d = materialize(g, cache / "graphs" / name.replace("/", "_"))
            head = 64
            cfg = g / "genai_config.json"
            if cfg.exists():
                head = json.loads(cfg.read_text())["model"]["decoder"]["head_size"]
            feeds = _graph_feeds(d / "model.onnx", seq, head)
            nbits = _has_nbits(d / "model.onnx")
            entries.append(Entry(name, d / "model.onnx", feeds,
                                 _dim_bindings(d / "model.onnx", feeds),
                                 INT4_TOL if nbits else FP32_TOL, "graph"))
    models = SHARED / "models"
    if models.is_dir():
        dirs = []
        for m in sorted(models.iterdir()):
            for sub in ("", "prefill", "og_fp32", "og_int4"):
                p = m / sub if sub else m
                if (p / "model.onnx").exists() and (p / "test_data_set_0").is_dir():
                    dirs.append((f"{m.name}/{sub}" if sub else m.name, p))
        for name, p in dirs:
            if not keep(name):
                continue
            import onnxruntime as ort
            ins, _ = read_test_data(p / "test_data_set_0")
            names = [i.name for i in ort.InferenceSession(
                str(p / "model.onnx"), providers=["CPUExecutionProvider"]).get_inputs()]
            feeds = dict(zip(names, ins))
            nbits = _has_nbits(p / "model.onnx")
            entries.append(Entry(name, p / "model.onnx", feeds,
                                 _dim_bindings(p / "model.onnx", feeds),
                                 INT4_TOL if nbits else FP32_TOL, "model"))
    return entries


def _stale(so: Path) -> bool:
    if not so.exists():
        return True
    deps = [Path(seqc.find_tool("seqc"))]
    deps += list((ROOT / "build" / "lib").glob("**/libseqc_runtime.a"))
    return any(d.exists() and d.stat().st_mtime > so.stat().st_mtime for d in deps)


def compile_entry(e: Entry, cache: Path, recompile: bool, extra=()):
    so = cache / "artifacts" / (e.name.replace("/", "_") + ".so")
    so.parent.mkdir(parents=True, exist_ok=True)
    # The inputs beside the artifact, for profiling it alone (SEQC_UK_TRACE, perf).
    np.savez(so.with_suffix(".feeds.npz"), **e.feeds)
    if not recompile and not _stale(so):
        return so, None
    args = [x for k, v in e.dims.items() for x in ("--dim", f"{k}={v}")] + list(extra)
    t = time.perf_counter()
    seqc.compile(str(e.model), str(so), extra_args=args)
    return so, time.perf_counter() - t


def ukernel_isa(so: Path) -> str:
    """The sgemm micro-kernel the artifact picks here (first SEQC_UK_TRACE line)."""
    code = ("import sys, numpy as np; sys.path.insert(0, %r); import seqc\n"
            "a = seqc.load(%r, threads=1); f = dict(np.load(%r))\n"
            "a.run(**f)\n") % (str(ROOT / "python"), str(so),
                               str(so.with_suffix(".feeds.npz")))
    env = dict(os.environ, SEQC_UK_TRACE="1")
    err = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True).stderr
    m = re.search(r"seqc_uk_sgemm\[(\w+)\]", err)
    return m.group(1) if m else "?"


def bench(e: Entry, a, cache: Path, probe):
    import onnxruntime as ort
    so, compile_s = compile_entry(e, cache, a.recompile or bool(a.seqc_arg), a.seqc_arg)
    art = seqc.load(str(so), threads=a.threads)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = a.threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sess = ort.InferenceSession(str(e.model), opts, providers=["CPUExecutionProvider"])
    feeds = e.feeds
    ours = art.run(**feeds)
    theirs = sess.run(None, feeds)
    rtol, atol = e.tol
    ok, err = len(ours) == len(theirs), 0.0
    for got, want in zip(ours, theirs):
        got, want = np.asarray(got), np.asarray(want)
        if got.shape != want.shape:
            ok = False
            continue
        if got.size and got.dtype.kind == "f":
            err = max(err, float(np.max(np.abs(got - want))))
        at = atol
        if isinstance(atol, str):  # a share of the output's magnitude
            at = float(atol.rstrip("%")) / 100 * float(np.max(np.abs(want), initial=0))
        ok &= bool(np.allclose(got, want, rtol=rtol, atol=at))
    # Sub-millisecond entries: 5-run blocks after a pause time mostly thread
    # wake-ups and the hypervisor's steal, so each block lasts >= --block-ms
    # of the slower engine and at least four blocks are timed (same count
    # and block size for both engines).
    est = []
    for f in (lambda: art.run(**feeds), lambda: sess.run(None, feeds)):
        ts = []
        for _ in range(3):
            t = time.perf_counter()
            f()
            ts.append((time.perf_counter() - t) * 1e3)
        est.append(sorted(ts)[1])
    block = max(5, min(100, int(a.block_ms / max(max(est), 1e-3)) + 1))
    runs = max(a.runs, 4 * block)
    load0 = os.getloadavg()[0]
    seqc_ms, ort_ms, n, peak = interleaved_medians(
        lambda: art.run(**feeds), lambda: sess.run(None, feeds), runs,
        block=block, budget_s=a.budget, probe=probe)
    load1 = os.getloadavg()[0]
    art.close()
    return dict(so=so, compile_s=compile_s, seqc_ms=seqc_ms, ort_ms=ort_ms, runs=n,
                ok=ok, err=err, peak=peak, load=(load0, load1))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=20, help="timed runs of each (max)")
    ap.add_argument("--block-ms", type=float, default=20.0,
                    help="each timed block lasts at least this long (more runs per "
                         "block and in all for short entries)")
    ap.add_argument("--budget", type=float, default=30.0,
                    help="seconds of timing per entry before stopping early (>= 5 runs)")
    ap.add_argument("--seq", type=int, default=128,
                    help="prefill length of graphs with a symbolic sequence length")
    ap.add_argument("--only", help="regex selecting entries by name")
    ap.add_argument("--recompile", action="store_true")
    ap.add_argument("--seqc-arg", action="append", default=[], metavar="ARG",
                    help="extra seqc argument for every entry (repeatable; "
                         "artifacts are then rebuilt), e.g. --seqc-arg=--split-max-ops=400")
    ap.add_argument("--markdown", action="store_true",
                    help="also print the table in Markdown (for bench/NOTES.md)")
    ap.add_argument("--cache", type=Path, default=ROOT / "build" / "bench-cache" / "prefill")
    a = ap.parse_args()
    if not SHARED.is_dir():
        print(f"skipped: {SHARED} is absent (../shared only on developer machines)")
        return 0
    import onnxruntime as ort
    a.cache.mkdir(parents=True, exist_ok=True)
    peak_exe = build_peak(a.cache)
    peak, isa = peak_gflops(peak_exe, a.threads)
    entries = collect(a.cache, a.only, a.seq)
    if not entries:
        print("no entry matches")
        return 1
    probe = lambda: peak_gflops(peak_exe, a.threads, reps=1, miters=4)[0]  # noqa: E731
    print(f"cpu: {cpu_name()}, {os.cpu_count()} CPUs; peak f32 FMA {peak:.1f} GFLOP/s "
          f"({a.threads} threads, {isa}); onnxruntime {ort.__version__}; "
          f"threads {a.threads}; load average {os.getloadavg()[0]:.2f}"
          + (f"; seqc args {' '.join(a.seqc_arg)}" if a.seqc_arg else ""), flush=True)
    hdr = (f"{'entry':<26} {'seqc ms':>9} {'ort ms':>9} {'ORT/seqc':>8} {'runs':>4} "
           f"{'load':>9} {'max |diff|':>10} {'match':>5} {'compile s':>9}")
    print(hdr)
    rows, kernel = [], None
    for e in entries:
        try:
            r = bench(e, a, a.cache, probe)
        except Exception as ex:  # report and go on with the others
            text = str(ex).strip()
            code = re.search(r"failed with exit code (-?\d+)", text)
            err = next((l.strip() for l in text.splitlines() if "error:" in l), None)
            msg = (err or (f"seqc exited with {code.group(1)}" if code else None)
                   or (text.splitlines() or [type(ex).__name__])[0])[:150]
            print(f"{e.name:<26} error: {msg}", flush=True)
            rows.append((e, None))
            continue
        if kernel is None:
            kernel = ukernel_isa(r["so"])
        rows.append((e, r))
        tol = "" if e.tol == FP32_TOL else " (int4 tol)"
        cs = f"{r['compile_s']:.1f}" if r["compile_s"] is not None else "cached"
        print(f"{e.name:<26} {r['seqc_ms']:9.3f} {r['ort_ms']:9.3f} "
              f"{r['ort_ms'] / r['seqc_ms']:8.2f} {r['runs']:4d} "
              f"{r['load'][0]:4.1f}-{r['load'][1]:<4.1f} {r['err']:10.1e} "
              f"{'yes' if r['ok'] else 'NO':>5} {cs:>9}{tol}", flush=True)
    if a.markdown:
        print("\n| entry | seqc ms | ort ms | ORT/seqc | load | max abs diff | match |")
        print("|---|---|---|---|---|---|---|")
        for e, r in rows:
            if not r:
                print(f"| {e.name} | error | | | | | |")
                continue
            tol = "" if e.tol == FP32_TOL else " (int4 tol)"
            print(f"| {e.name} | {r['seqc_ms']:.3f} | {r['ort_ms']:.3f} | "
                  f"{r['ort_ms'] / r['seqc_ms']:.2f} | {r['load'][0]:.1f}-{r['load'][1]:.1f} | "
                  f"{r['err']:.1e}{tol} | {'yes' if r['ok'] else 'NO'} |")
    good = [r for _, r in rows if r]
    below = [e.name for e, r in rows if r and r["ort_ms"] / r["seqc_ms"] < 1.2]
    print(f"sgemm micro-kernel: {kernel or '?'}; load average now "
          f"{os.getloadavg()[0]:.2f}; {len(good)}/{len(rows)} ran, "
          f"{sum(r['ok'] for r in good)} match; ORT/seqc >= 1.2 on "
          f"{len(good) - len(below)}/{len(rows)}; below: {', '.join(below) or 'none'}")
    return 0 if len(good) == len(rows) and all(r["ok"] for r in good) else 1


if __name__ == "__main__":
    sys.exit(main())
