#!/usr/bin/env python3
"""seq.moe vs onnxruntime on ../shared/graphs/qwen3_moe_mid (16 experts, top-2,
hidden 512, 4 layers), prefill S=128 and decode-shaped S=1, in one run.

The graph is static (S=128 baked into its shape constants, rope tables and
masks), so the S=1 variant is derived here: input/output S set to 1, every S
entry of the int64 shape constants set to 1, and the [.., S, ..] rope/mask
initializers sliced to their first position (weights.bin is shared, the
sliced tables are stored inline). Both variants are materialized with
../shared/tools/materialize.py (deterministic random weights), compiled with
seqc, checked against onnxruntime on the same input (rtol 1e-4), then timed
interleaved with onnxruntime (same threads, medians; bench/run_bench.py's
interleaved_medians). Also printed: the ISA and micro-kernel, the machine's
measured peak f32 FMA rate (bench/peak_flops.c), and the expert GEMM rate
inside seq.moe (SEQC_MOE_TRACE=1: the up+down GEMMs of each call, median over
calls), against that peak.

  PYTHONPATH=python python3 bench/moe_vs_ort.py [--threads 2] [--runs 20]
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))
sys.path.insert(0, str(ROOT / "bench"))
import seqc  # noqa: E402
from run_bench import (build_peak, cpu_name, interleaved_medians,  # noqa: E402
                       kernel_name, peak_gflops)

SHARED = ROOT.parent / "shared"
GRAPH = SHARED / "graphs" / "qwen3_moe_mid"
SEQ = 128


def materialize(out: Path):
    if not (out / "weights.bin").exists():
        subprocess.run([sys.executable, str(SHARED / "tools" / "materialize.py"),
                        str(GRAPH), str(out)], check=True)
    return out


def decode_variant(src: Path, out: Path):
    """qwen3_moe_mid with S=1 (see the module docstring)."""
    import onnx
    from onnx import numpy_helper
    if (out / "model.onnx").exists():
        return out
    out.mkdir(parents=True, exist_ok=True)
    m = onnx.load(str(src / "model.onnx"), load_external_data=False)
    g = m.graph
    del g.value_info[:]  # S=128 shapes of intermediates
    for v in list(g.input) + list(g.output):
        for d in v.type.tensor_type.shape.dim:
            if d.dim_value == SEQ:
                d.dim_value = 1
    consumers = {}
    for n in g.node:
        for i, name in enumerate(n.input):
            consumers.setdefault(name, []).append((n.op_type, i))
    shape_uses = {("Reshape", 1), ("Expand", 1)}
    for t in g.initializer:
        uses = consumers.get(t.name, [])
        if t.data_type == onnx.TensorProto.INT64 and uses and \
                all(u in shape_uses for u in uses):
            a = numpy_helper.to_array(t)
            if SEQ in a.tolist():
                t.CopyFrom(numpy_helper.from_array(np.where(a == SEQ, 1, a), t.name))
        elif t.data_location == onnx.TensorProto.EXTERNAL and \
                len(t.dims) == 4 and t.dims[2] == SEQ and t.dims[0] == t.dims[1] == 1:
            # rope cos/sin [1,1,S,D] and mask pieces [1,1,S,S]: position 0.
            full = numpy_helper.to_array(t, base_dir=str(src))
            part = full[:, :, :1, :1] if t.dims[3] == SEQ else full[:, :, :1, :]
            t.CopyFrom(numpy_helper.from_array(np.ascontiguousarray(part), t.name))
    onnx.save(m, str(out / "model.onnx"))
    if not (out / "weights.bin").exists():
        # A hard link: onnxruntime rejects external data outside the model dir.
        os.link(src / "weights.bin", out / "weights.bin")
    return out


def expert_gflops(so: Path, data_inputs, threads: int, runs: int):
    """Median GFLOP/s of the expert GEMMs inside seq.moe (SEQC_MOE_TRACE)."""
    art_env = dict(os.environ, SEQC_MOE_TRACE="1")
    code = ("import sys, numpy as np; sys.path.insert(0, %r); import seqc\n"
            "a = seqc.load(%r, threads=%d); x = np.load(%r)\n"
            "for _ in range(%d): a.run(x)\n") % (
        str(ROOT / "python"), str(so), threads, str(data_inputs), runs)
    err = subprocess.run([sys.executable, "-c", code], env=art_env,
                         capture_output=True, text=True, check=True).stderr
    rates = [float(m.group(1)) for m in
             re.finditer(r"seqc_uk_moe: .*?([\d.]+) GFLOP/s", err)]
    # Drop the first run's calls (weight packing).
    layers = len(rates) // runs
    rates = rates[layers:]
    active = [int(m.group(1)) for m in re.finditer(r"active=(\d+)", err)]
    return statistics.median(rates), statistics.median(active)


def bench(name, model_dir: Path, threads: int, runs: int, cache: Path, probe):
    import onnxruntime as ort
    so = cache / f"{name}.so"
    seqc.compile(str(model_dir / "model.onnx"), str(so))
    ir = subprocess.run([seqc.find_tool("seqc"), str(model_dir / "model.onnx"),
                         "--emit=seq"], capture_output=True, text=True,
                        check=True).stdout
    n_moe = ir.count("seq.moe ")
    art = seqc.load(str(so), threads=threads)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    sess = ort.InferenceSession(str(model_dir / "model.onnx"), opts,
                                providers=["CPUExecutionProvider"])
    inp = sess.get_inputs()[0]
    shape = [d if isinstance(d, int) else 1 for d in inp.shape]
    ids = np.random.default_rng(0).integers(0, 4096, size=shape).astype(np.int64)
    (ours,) = art.run(ids)
    (theirs,) = sess.run(None, {inp.name: ids})
    ok = bool(np.allclose(ours, theirs, rtol=1e-4, atol=1e-4))
    err = float(np.max(np.abs(np.asarray(ours) - theirs)))
    seqc_ms, ort_ms, n, peak = interleaved_medians(
        lambda: art.run(ids), lambda: sess.run(None, {inp.name: ids}), runs,
        probe=probe)
    np.save(cache / f"{name}_ids.npy", ids)
    gf, active = expert_gflops(so, cache / f"{name}_ids.npy", threads, 5)
    return dict(seqc_ms=seqc_ms, ort_ms=ort_ms, runs=n, ok=ok, err=err,
                moe=n_moe, expert_gflops=gf, active=active, peak=peak)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--cache", type=Path, default=ROOT / "build" / "bench-cache" / "moe")
    a = ap.parse_args()
    if not GRAPH.is_dir():
        print(f"skipped: {GRAPH} is absent (../shared only on developer machines)")
        return 0
    a.cache.mkdir(parents=True, exist_ok=True)
    peak_exe = build_peak(a.cache)
    peak, isa = peak_gflops(peak_exe, a.threads)
    print(f"cpu: {cpu_name()}; isa: {isa}; seqc micro-kernel: {kernel_name()}; "
          f"threads: {a.threads}")
    print(f"peak f32 FMA rate: {peak:.1f} GFLOP/s ({a.threads} threads)")
    prefill = materialize(a.cache / "s128")
    decode = decode_variant(prefill, a.cache / "s1")
    probe = lambda: peak_gflops(peak_exe, a.threads, reps=1, miters=4)[0]  # noqa: E731
    # Decode steps are short: more of them for a stable median.
    rows = [("qwen3_moe_mid S=128", bench("s128", prefill, a.threads, a.runs, a.cache, probe)),
            ("qwen3_moe_mid S=1", bench("s1", decode, a.threads, 5 * a.runs, a.cache, probe))]
    print(f"{'graph':<22} {'seq.moe':>7} {'seqc ms':>9} {'ort ms':>9} {'ort/seqc':>8} "
          f"{'expert GEMM GF/s':>16} {'% peak':>6} {'active experts':>14} {'match':>14}")
    for name, r in rows:
        pk = max(peak, r["peak"] or 0)
        print(f"{name:<22} {r['moe']:>7} {r['seqc_ms']:>9.2f} {r['ort_ms']:>9.2f} "
              f"{r['ort_ms'] / r['seqc_ms']:>8.2f} {r['expert_gflops']:>16.1f} "
              f"{100 * r['expert_gflops'] / pk:>5.0f}% {r['active']:>14} "
              f"{('yes' if r['ok'] else 'NO'):>5} ({r['err']:.1e})")
    return 0 if all(r["ok"] for _, r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
