#!/usr/bin/env python3
"""seqc vs onnxruntime on state-space exports and a LinearAttention prefill.

Part 1, models: the weight-stripped mid graphs ../shared/graphs/mamba_h384_mid
(HF Mamba, selective scan unrolled per step, S = 128) and mamba2_mid (Mamba-2,
chunked SSD, S = 256), materialized with tools/materialize.py. Each is
compiled with seqc, then seqc and an onnxruntime CPU session run the same
inputs alternately in one process (same threads, medians of --runs); both
outputs are compared with each other and with onnxruntime's reference.
`raised` counts the seq.linear_scan ops of `seqc --emit=seq`.

materialize.py fills every stripped BOOL initializer with False. In
mamba2_mid those are the [64, 64] segment-sum masks of HF's segment_sum
(`~tril(ones, -1)` and `~tril(ones, 0)`, each feeding Where(mask, fill, x));
the graph keeps the same masks inline at [5, 5] for the inter-chunk
recurrence. With all-False masks the graph is no longer Mamba-2 (seqc then
rightly does not raise it), so by default the masks are restored from the
Where's fill value (0: j >= i, -inf: j > i), as the exporter computed them;
--keep-masks benchmarks the materialized graph as is.

Part 2, LinearAttention (ONNX opset 27) gated delta rule prefill, H = 8,
Dk = Dv = 64, S = 1024/2048/4096: each engine runs in a fresh subprocess;
peak is its VmHWM over the runs (reset after loading the inputs and the
engine), work = peak - the RSS before the runs: the working memory, which
must grow as O(S). seqc runs the import's
default step-by-step lowering and chunk_size=64 (chunked prefill).

  PYTHONPATH=python python3 bench/scan_vs_ort.py [--runs 20] [--threads 2]
      [--work /tmp/seqc_scan_bench] [--skip-models] [--skip-prefill]

Last measured (2 CPUs, AVX-512, 2 threads, shared machine at load ~3, 30
alternating runs, 3 runs of the script): ORT/seqc 2.92-2.93 on
mamba_h384_mid (59-66 vs 173-193 ms), 2.18-2.39 on mamba2_mid (110-127 vs
240-303 ms); gated-delta prefill S=4096: seqc 70 ms, peak 124 MiB, vs ORT
358 ms, 159 MiB; seqc working memory 14/28/57 MiB at S=1024/2048/4096.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))
import seqc  # noqa: E402
from seqc.onnx_io import read_test_data  # noqa: E402
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchutil import isa_line  # noqa: E402

SHARED = ROOT.parent / "shared"


def close(a, b, rtol=1e-4, atol=1e-5):
    return bool(np.all(np.abs(a - b) <= atol + rtol * np.abs(b)))


# ---------------------------------------------------------------- models


def restore_masks(out_dir: Path):
    """Writes the true segment-sum masks over the all-False BOOL initializers
    of a materialized graph (see the module docstring)."""
    import onnx
    from onnx import TensorProto
    m = onnx.load(str(out_dir / "model.onnx"), load_external_data=False)
    inits = {i.name: i for i in m.graph.initializer}
    consumers = {}
    for n in m.graph.node:
        for x in n.input:
            consumers.setdefault(x, []).append(n)
    restored = 0
    with open(out_dir / "weights.bin", "r+b") as f:
        for t in m.graph.initializer:
            if (t.data_type != TensorProto.BOOL or
                    t.data_location != TensorProto.EXTERNAL or
                    len(t.dims) != 2 or t.dims[0] != t.dims[1]):
                continue
            fills = set()
            for n in consumers.get(t.name, []):
                fill = inits.get(n.input[1]) if n.op_type == "Where" else None
                if fill is None or n.input[0] != t.name:
                    fills.add(None)
                    continue
                fills.add(float(onnx.numpy_helper.to_array(fill).reshape(-1)[0]))
            if len(fills) != 1 or None in fills:
                continue
            fill = fills.pop()
            if fill not in (0.0, float("-inf")):
                continue
            n = t.dims[0]
            i, j = np.indices((n, n))
            mask = (j > i) if fill < 0 else (j >= i)
            info = {e.key: e.value for e in t.external_data}
            f.seek(int(info["offset"]))
            f.write(mask.astype(np.bool_).tobytes())
            restored += 1
    return restored


def reference(out_dir: Path):
    """onnxruntime outputs for the inputs materialize.py wrote."""
    import onnxruntime as ort
    from onnx import numpy_helper
    d = out_dir / "test_data_set_0"
    s = ort.InferenceSession(str(out_dir / "model.onnx"),
                             providers=["CPUExecutionProvider"])
    inputs, _ = read_test_data(d)
    outs = s.run(None, {i.name: a for i, a in zip(s.get_inputs(), inputs)})
    for k, (o, v) in enumerate(zip(s.get_outputs(), outs)):
        (d / f"output_{k}.pb").write_bytes(
            numpy_helper.from_array(v, o.name).SerializeToString())


def materialize(name: str, work: Path, keep_masks: bool) -> Path:
    out = work / (name + ("_asis" if keep_masks else ""))
    if (out / "test_data_set_0" / "output_0.pb").exists():
        return out
    subprocess.run([sys.executable, str(SHARED / "tools" / "materialize.py"),
                    str(SHARED / "graphs" / name), str(out), "--reference"],
                   check=True, stdout=subprocess.DEVNULL)
    if not keep_masks and restore_masks(out):
        reference(out)
    return out


def bench_model(d: Path, runs: int, threads: int):
    import onnxruntime as ort
    seq_ir = subprocess.run([seqc.find_tool("seqc"), str(d / "model.onnx"),
                             "--emit=seq"], check=True, capture_output=True,
                            text=True).stdout
    raised = seq_ir.count("seq.linear_scan ")
    so = d / "model.so"
    t = time.perf_counter()
    seqc.compile(str(d / "model.onnx"), str(so))
    compile_s = time.perf_counter() - t
    art = seqc.load(str(so), threads=threads)
    inputs, refs = read_test_data(d / "test_data_set_0")
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(str(d / "model.onnx"), opts,
                                providers=["CPUExecutionProvider"])
    feeds = {i.name: a for i, a in zip(sess.get_inputs(), inputs)}
    ours, theirs = art.run(*inputs), sess.run(None, feeds)
    ok = all(close(o, r) and close(p, r)
             for o, p, r in zip(ours, theirs, refs))
    err = max(float(np.max(np.abs(o - p))) for o, p in zip(ours, theirs))
    for _ in range(3):
        art.run(*inputs)
        sess.run(None, feeds)
    ts, to = [], []
    for _ in range(runs):  # alternate, so both see the same machine load
        a = time.perf_counter()
        art.run(*inputs)
        b = time.perf_counter()
        sess.run(None, feeds)
        c = time.perf_counter()
        ts.append((b - a) * 1e3)
        to.append((c - b) * 1e3)
    art.close()
    return dict(raised=raised, compile_s=compile_s, ok=ok, err=err,
                seqc_ms=statistics.median(ts), ort_ms=statistics.median(to))


# --------------------------------------------------------------- prefill

H, D = 8, 64

CHILD = r"""
import json, statistics, sys, time
import numpy as np
def status(key):  # kB; VmHWM is per address space (ru_maxrss survives exec)
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1])
sys.path.insert(0, {py!r})
engine, path, s, runs, threads, out = {args!r}
rng = np.random.default_rng(0)
q = rng.standard_normal((1, s, {hd}), dtype=np.float32)
k = rng.standard_normal((1, s, {h}, {d}), dtype=np.float32)
k = (k / np.linalg.norm(k, axis=-1, keepdims=True)).reshape(1, s, {hd})
v = rng.standard_normal((1, s, {hd}), dtype=np.float32)
g = -0.1 * np.abs(rng.standard_normal((1, s, {h}), dtype=np.float32))
b = rng.random((1, s, {h}), dtype=np.float32)
if engine == "seqc":
    import seqc
    art = seqc.load(path, threads=threads)
    run = lambda: art.run(q, k, v, g, b)
else:
    import onnxruntime as ort
    o = ort.SessionOptions()
    o.intra_op_num_threads = threads
    o.inter_op_num_threads = 1
    sess = ort.InferenceSession(path, o, providers=["CPUExecutionProvider"])
    feeds = dict(q=q, k=k, v=v, g=g, b=b)
    run = lambda: sess.run(None, feeds)
base = status("VmRSS")
try:  # reset the peak to the current RSS: the runs' own peak is measured
    open("/proc/self/clear_refs", "w").write("5")
except OSError:
    pass
times = []
for _ in range(runs):
    t = time.perf_counter()
    y = run()
    times.append(time.perf_counter() - t)
peak = status("VmHWM")
np.save(out, y[0])
print(json.dumps(dict(ms=1e3 * statistics.median(times), peak_kib=peak,
                      base_kib=base)))
"""


def la_model(path: Path, s: int, chunk: int):
    import onnx
    from onnx import TensorProto as T, helper
    attrs = dict(update_rule="gated_delta", q_num_heads=H, kv_num_heads=H)
    if chunk:
        attrs["chunk_size"] = chunk
    node = helper.make_node("LinearAttention", ["q", "k", "v", "", "g", "b"],
                            ["o", "state"], **attrs)
    ins = [helper.make_tensor_value_info(n, T.FLOAT, [1, s, H * D])
           for n in "qkv"]
    ins += [helper.make_tensor_value_info(n, T.FLOAT, [1, s, H])
            for n in "gb"]
    outs = [helper.make_tensor_value_info("o", T.FLOAT, [1, s, H * D]),
            helper.make_tensor_value_info("state", T.FLOAT, [1, H, D, D])]
    g = helper.make_graph([node], f"gated_delta_s{s}", ins, outs)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 27)])
    m.ir_version = 10
    onnx.save(m, str(path))


def child(engine, path, s, runs, threads, out):
    code = CHILD.format(py=str(ROOT / "python"), h=H, d=D, hd=H * D,
                        args=(engine, str(path), s, runs, threads, str(out)))
    r = subprocess.run([sys.executable, "-c", code], check=True,
                       capture_output=True, text=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def bench_prefill(work: Path, seqs, runs, threads):
    rows = []
    for s in seqs:
        res = {}
        for label, chunk in (("seqc step", 0), ("seqc chunk64", 64)):
            onnx_path = work / f"la_s{s}_c{chunk}.onnx"
            la_model(onnx_path, s, chunk)
            so = work / f"la_s{s}_c{chunk}.so"
            seqc.compile(str(onnx_path), str(so))
            res[label] = child("seqc", so, s, runs, threads,
                               work / f"la_{label[5:]}_{s}.npy")
        res["ort"] = child("ort", work / f"la_s{s}_c0.onnx", s, runs, threads,
                           work / f"la_ort_{s}.npy")
        want = np.load(work / f"la_ort_{s}.npy")
        for label in ("seqc step", "seqc chunk64"):
            got = np.load(work / f"la_{label[5:]}_{s}.npy")
            res[label]["match"] = close(got, want, rtol=1e-3, atol=1e-4)
        rows.append((s, res))
    return rows


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--work", type=Path, default=Path("/tmp/seqc_scan_bench"))
    ap.add_argument("--models", nargs="*",
                    default=["mamba_h384_mid", "mamba2_mid"])
    ap.add_argument("--keep-masks", action="store_true")
    ap.add_argument("--seqs", type=int, nargs="+", default=[1024, 2048, 4096])
    ap.add_argument("--skip-models", action="store_true")
    ap.add_argument("--skip-prefill", action="store_true")
    a = ap.parse_args()
    a.work.mkdir(parents=True, exist_ok=True)
    print(f"machine: {isa_line()}; threads: {a.threads}")
    if not a.skip_models:
        if not (SHARED / "graphs").is_dir():
            print(f"skip models: {SHARED / 'graphs'} is absent")
        else:
            print(f"{'model':<16} {'raised':>6} {'compile s':>9} {'seqc ms':>9}"
                  f" {'ort ms':>9} {'ort/seqc':>8}  outputs")
            for name in a.models:
                d = materialize(name, a.work, a.keep_masks)
                r = bench_model(d, a.runs, a.threads)
                print(f"{name:<16} {r['raised']:>6} {r['compile_s']:9.2f} "
                      f"{r['seqc_ms']:9.2f} {r['ort_ms']:9.2f} "
                      f"{r['ort_ms'] / r['seqc_ms']:8.2f}  "
                      f"{'match' if r['ok'] else 'MISMATCH'} "
                      f"(max |seqc-ort| {r['err']:.2e})")
    if not a.skip_prefill:
        runs = max(3, a.runs // 4)
        print(f"\nLinearAttention gated_delta prefill, H={H}, D={D} "
              f"(median of {runs}; peak RSS and its growth over the RSS "
              f"with inputs loaded)")
        print(f"{'S':>5} {'engine':<13} {'ms':>9} {'peak MiB':>9} "
              f"{'work MiB':>9}  output")
        for s, res in bench_prefill(a.work, a.seqs, runs, a.threads):
            for label, r in res.items():
                match = ("" if label == "ort" else
                         "matches ort" if r["match"] else "MISMATCH")
                print(f"{s:>5} {label:<13} {r['ms']:9.2f} "
                      f"{r['peak_kib'] / 1024:9.1f} "
                      f"{(r['peak_kib'] - r['base_kib']) / 1024:9.1f}  {match}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
