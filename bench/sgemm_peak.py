#!/usr/bin/env python3
"""seqc_uk_sgemm on llama_mid's matmul shapes vs the machine's measured peak,
for every micro-kernel ISA this CPU can run, and onnxruntime's MatMul on the
same shapes (issue #17: >= 85% of the measured peak on the machine's ISA).

One run, `--threads` threads (default 2):
1. the shapes: every distinct seqc_uk_sgemm call of one llama_mid prefill,
   read from SEQC_UK_TRACE=1 of `seq-run` on the compiled artifact
   (materialized from ../shared/graphs/llama_mid_opset18), with how many calls
   of each shape one run makes;
2. the peak: bench/peak_flops.c's FMA loop for each ISA, best of a full
   measurement before and after and a short probe before every block;
3. alternating blocks: bench/sgemm_peak.c (linked with libseqc_runtime.a)
   once per ISA (SEQC_UKERNEL=...) -- each shape with as many distinct
   weights as the model has, constant weights pre-packed like the model's --
   and onnxruntime running a graph of the same MatMuls (constant B);
4. per shape and FLOP-weighted over one model pass: median GFLOP/s, % of that
   ISA's peak (best of all its measurements); results checked against numpy
   for every ISA. Also a load-matched ratio: each block's FLOP-weighted rate
   over the peak probed right before that block (the machine may be shared:
   its 2-thread FMA rate moves with the neighbours' load).

  PYTHONPATH=python python3 bench/sgemm_peak.py [--blocks 6] [--reps 10]

`--shapes small` (or a list like `16x192x512,1x2048x192`) times given shapes
instead of the model's (constant B, `--count` distinct weights each): the
small-M table (m = 16 x n in {192, 320, 512, 2048} x k in {192, 512}, the
seedlm prefill's matmuls, and m = 1..32 at two widths). onnxruntime's column
is then its MatMul's time per node without the per-run overhead: the slope
(T(count MatMuls) - T(1 MatMul)) / (count - 1) of two graphs' run medians.
"""
import argparse
import collections
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from benchutil import isa_line  # noqa: E402

SHARED = Path(os.environ.get("SEQC_SHARED", ROOT.parent / "shared"))
TRACE_RE = re.compile(
    r"seqc_uk_sgemm\[(\w+)\]: batch (\d+)x(\d+)x(\d+) m=(\d+) n=(\d+) k=(\d+) "
    r"a\((\d+),(\d+)\) b\((\d+),(\d+)\) c\((\d+),(\d+)\) flags=(\d+)( \+epilogue)?"
    r"( in-region)?:")


def cc():
    return os.environ.get("CC") or shutil.which("clang-22") or shutil.which("cc")


def build(cache: Path, build_dir: Path, runtime: str):
    peak = cache / "peak_flops"
    subprocess.run([cc(), "-O2", str(ROOT / "bench/peak_flops.c"), "-o", str(peak),
                    "-lpthread"], check=True)
    if runtime == "worktree":
        return peak, build_baseline(cache, "worktree")
    drv = cache / "sgemm_peak"
    lib = build_dir / "lib/libseqc_runtime.a"
    if not lib.exists():
        sys.exit(f"error: {lib} missing: scripts/build.sh seqc_runtime")
    subprocess.run([cc(), "-O2", f"-I{ROOT / 'include'}", str(ROOT / "bench/sgemm_peak.c"),
                    str(lib), "-o", str(drv), "-lm", "-lpthread"], check=True)
    return peak, drv


def build_baseline(cache: Path, rev: str):
    """The driver linked with the sgemm runtime sources of git revision rev
    (sgemm*.c, its headers, the thread pool), for before/after columns; rev
    "worktree": the checkout's files as they are (no build/ needed)."""
    src = cache / f"base-{rev}"
    src.mkdir(parents=True, exist_ok=True)
    if rev == "worktree":
        names = [str(p.relative_to(ROOT)) for p in sorted(
            (ROOT / "lib/Runtime/ukernels").iterdir())] + ["lib/Runtime/threadpool.c"]
    else:
        names = subprocess.run(["git", "-C", str(ROOT), "ls-tree", "--name-only", rev,
                                "lib/Runtime/ukernels/", "lib/Runtime/threadpool.c"],
                               check=True, capture_output=True, text=True).stdout.split()
    files = []
    for name in names:
        base = name.rsplit("/", 1)[-1]
        if not (base.startswith("sgemm") or base == "threadpool.c"):
            continue
        if rev == "worktree":
            blob = (ROOT / name).read_bytes()
        else:
            blob = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:{name}"],
                                  check=True, capture_output=True).stdout
        (src / base).write_bytes(blob)
        if base.endswith(".c"):
            files.append(str(src / base))
    drv = cache / f"sgemm_peak-{rev}"
    subprocess.run([cc(), "-O2", "-std=c11", "-D_POSIX_C_SOURCE=200809L",
                    f"-I{ROOT / 'include'}", f"-I{src}", str(ROOT / "bench/sgemm_peak.c"),
                    *files, "-o", str(drv), "-lm", "-lpthread"], check=True)
    return drv


def cpu_isas():
    flags = set()
    for line in open("/proc/cpuinfo"):
        if line.startswith("flags"):
            flags = set(line.split(":", 1)[1].split())
            break
    isas = []
    if "avx2" in flags and "fma" in flags:
        isas.append("avx2")
    if "avx512f" in flags:
        isas.append("avx512")
    return isas


def model_shapes(cache: Path, build_dir: Path, graph: str, threads: int):
    """(m, n, k, count, flags, sbk, region) of every distinct call of one
    run; region: made from inside a parallel loop (one thread per call)."""
    gdir = SHARED / "graphs" / graph
    if not gdir.exists():
        sys.exit(f"error: {gdir} not found (set SEQC_SHARED)")
    mdir, so = cache / graph, cache / f"{graph}.so"
    if not (mdir / "model.onnx").exists():
        subprocess.run([sys.executable, str(SHARED / "tools/materialize.py"), str(gdir),
                        str(mdir)], check=True, capture_output=True)
    if not so.exists():  # only the shapes matter: the driver links the runtime
        subprocess.run([str(build_dir / "bin/seqc"), str(mdir / "model.onnx"), "--emit=so",
                        "-o", str(so)], check=True)
    env = dict(os.environ, SEQC_UK_TRACE="1")
    r = subprocess.run([str(build_dir / "bin/seq-run"), str(so), "--threads", str(threads)],
                       env=env, capture_output=True, text=True, check=True)
    counts = collections.Counter()
    for line in r.stderr.splitlines():
        mt = TRACE_RE.search(line)
        if not mt:
            continue
        b0, b1, b2, m, n, k, sam, sak, sbk, sbn, scm, scn, flags = map(int, mt.groups()[1:14])
        region = int(mt.group(16) is not None)
        if (b0, b1, b2) != (1, 1, 1) or sak != 1 or sbn != 1 or scn != 1 or sam != k \
                or scm != n:
            sys.exit(f"error: call layout not covered by the driver: {line}")
        counts[(m, n, k, flags, sbk, region)] += b0 * b1 * b2
    if not counts:
        sys.exit("error: no seqc_uk_sgemm calls traced")
    return [(m, n, k, c, f, sbk, rg) for (m, n, k, f, sbk, rg), c in counts.items()]


def peak(exe, threads, isa, reps=20, miters=1):
    """Best of many short FMA loops (~15 ms): a long loop on a shared machine
    includes preemptions that the sgemm calls' medians filter out."""
    out = subprocess.run([str(exe), str(threads), str(reps), str(miters), isa],
                         check=True, capture_output=True, text=True).stdout
    return float(re.search(r"peak_gflops=([\d.]+)", out).group(1))


def run_driver(drv, isa, threads, reps, shapes, check_dir=None, cpu_time=False):
    env = dict(os.environ, SEQC_UKERNEL=isa, SGEMM_PEAK_CPU_TIME="1" if cpu_time else "0")
    env.pop("SEQC_UK_TRACE", None)
    args = [str(drv), str(threads), str(reps), str(check_dir or "-")]
    args += [",".join(map(str, s)) for s in shapes]
    out = subprocess.run(args, env=env, check=True, capture_output=True, text=True).stdout
    kern = re.search(r"kernel=(\w+)", out).group(1)
    if kern != isa:
        sys.exit(f"error: SEQC_UKERNEL={isa} ran the {kern} kernel")
    times = {}
    for mt in re.finditer(r"shape=(\d+) us=([\d.,]+)", out):
        times[int(mt.group(1))] = [float(x) for x in mt.group(2).split(",")]
    return times


def check(check_dir: Path, shapes):
    """max |C - (C0?) - A @ B| relative to |A| |B| k, per shape."""
    worst = 0.0
    for i, (m, n, k, _, flags, sbk, _) in enumerate(shapes):
        rd = lambda w, *s: np.fromfile(check_dir / f"shape{i}_{w}.f32", np.float32).reshape(s)
        a, b = rd("a", m, k).astype(np.float64), rd("b", k, sbk)[:, :n].astype(np.float64)
        want = a @ b + (rd("c0", m, n) if flags & 1 else 0)
        err = np.abs(rd("c", m, n) - want).max() / (np.abs(a).max() * np.abs(b).max() * k)
        worst = max(worst, err)
        if not err < 1e-6:
            sys.exit(f"error: shape {m}x{n}x{k} flags={flags}: relative error {err:.2e}")
    return worst


SMALL = [(16, n, k) for k in (192, 512) for n in (192, 320, 512, 2048)] + \
    [(m, n, 192) for n in (512, 2048) for m in (1, 2, 4, 8, 12, 24, 32)]


def given_shapes(spec: str, count: int):
    """--shapes: 'small' or 'MxNxK,...': constant B, `count` weights each."""
    dims = SMALL if spec == "small" else \
        [tuple(int(x) for x in t.split("x")) for t in spec.split(",")]
    if any(len(d) != 3 or min(d) < 1 for d in dims):
        sys.exit(f"error: --shapes wants 'small' or MxNxK,... (got {spec!r})")
    return [(m, n, k, count, 2, n, 0) for m, n, k in dims]


def ort_session(shape, threads, count=None):
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto as T, helper, numpy_helper
    m, n, k, count0, flags, _, _ = shape
    count = count or count0
    rng = np.random.default_rng(0)
    const = bool(flags & 2)
    nodes, inits, ins = [], [], [helper.make_tensor_value_info("A", T.FLOAT, [m, k])]
    outs = []
    for j in range(count):
        if const:
            inits.append(numpy_helper.from_array(
                rng.uniform(-.5, .5, (k, n)).astype(np.float32), f"B{j}"))
        else:
            ins.append(helper.make_tensor_value_info(f"B{j}", T.FLOAT, [k, n]))
        nodes.append(helper.make_node("MatMul", ["A", f"B{j}"], [f"C{j}"]))
        outs.append(helper.make_tensor_value_info(f"C{j}", T.FLOAT, [m, n]))
    g = helper.make_graph(nodes, "mm", ins, outs, inits)
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 9
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    sess = ort.InferenceSession(model.SerializeToString(), so,
                                providers=["CPUExecutionProvider"])
    feed = {"A": rng.uniform(-.5, .5, (m, k)).astype(np.float32)}
    if not const:
        for j in range(count):
            feed[f"B{j}"] = rng.uniform(-.5, .5, (k, n)).astype(np.float32)
    res = sess.run(None, feed)
    bs = [numpy_helper.to_array(t) for t in inits] if const else \
        [feed[f"B{j}"] for j in range(count)]
    np.testing.assert_allclose(res[0], feed["A"] @ bs[0], rtol=1e-4, atol=1e-4)
    return sess, feed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--blocks", type=int, default=6)
    ap.add_argument("--reps", type=int, default=10, help="model passes per block")
    ap.add_argument("--graph", default="llama_mid_opset18")
    ap.add_argument("--shapes", help="'small' or MxNxK,...: these shapes (constant B) "
                    "instead of the graph's")
    ap.add_argument("--count", type=int, default=8,
                    help="with --shapes: distinct weights per shape (and MatMuls in "
                    "onnxruntime's graph)")
    ap.add_argument("--runtime", choices=["build", "worktree"], default="build",
                    help="link the driver with build/'s libseqc_runtime.a or compile "
                    "the checkout's sgemm sources directly")
    ap.add_argument("--build", type=Path, default=ROOT / "build")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "seqc-sgemm-peak")
    ap.add_argument("--no-ort", action="store_true")
    ap.add_argument("--cpu-time", action="store_true",
                    help="with --threads 1: time the sgemm calls by the thread's CPU "
                    "time (what other processes on a shared machine preempt is not "
                    "counted; onnxruntime stays wall time)")
    ap.add_argument("--baseline", metavar="REV",
                    help="also time the sgemm runtime of this git revision (before/after)")
    ap.add_argument("--wait-load", type=float, default=0,
                    help="first wait (up to --wait-max s) until the 1-minute load "
                         "average is below this: the machine may be shared")
    ap.add_argument("--wait-max", type=float, default=600)
    a = ap.parse_args()
    t0 = time.time()
    while a.wait_load and os.getloadavg()[0] >= a.wait_load and \
            time.time() - t0 < a.wait_max:
        time.sleep(5)
    a.cache.mkdir(parents=True, exist_ok=True)
    load0 = os.getloadavg()[0]
    print(isa_line())
    peak_exe, drv = build(a.cache, a.build, a.runtime)
    if a.cpu_time and a.threads != 1:
        sys.exit("error: --cpu-time needs --threads 1")
    if a.shapes and a.count < 2:
        sys.exit("error: --count must be >= 2 (onnxruntime's per-node slope)")
    shapes = given_shapes(a.shapes, a.count) if a.shapes else \
        model_shapes(a.cache, a.build, a.graph, a.threads)
    shapes.sort(key=lambda s: -s[0] * s[1] * s[2] * s[3])
    isas = cpu_isas()
    if not isas:
        sys.exit("error: neither AVX2+FMA nor AVX-512F: nothing to measure")
    flops = [2.0 * m * n * k for m, n, k, *_ in shapes]
    total = sum(f * s[3] for f, s in zip(flops, shapes))
    what = f"--shapes {a.shapes}" if a.shapes else a.graph
    print(f"{what}: {len(shapes)} distinct matmul shapes, {total / 1e9:.3f} GFLOP "
          f"per pass; threads={a.threads}, blocks={a.blocks}, reps={a.reps}")

    pk = {isa: peak(peak_exe, a.threads, isa) for isa in isas}
    for isa in isas:
        print(f"peak ({isa} FMA loop, {a.threads} threads): {pk[isa]:.1f} GFLOP/s")

    # Exactness first, on every ISA (and the generic kernel).
    chk = a.cache / "check"
    for isa in isas + ["generic"]:
        chk.mkdir(exist_ok=True)
        run_driver(drv, isa, a.threads, 1, shapes, chk)
        print(f"check {isa}: max relative error {check(chk, shapes):.1e} vs numpy (float64)")

    variants = [(isa, drv, isa) for isa in isas]
    if a.baseline:
        base = build_baseline(a.cache, a.baseline)
        variants += [(f"{isa}@{a.baseline[:7]}", base, isa) for isa in isas]
    ort = [] if a.no_ort else [ort_session(s, a.threads) for s in shapes]
    # With --shapes: also one MatMul per graph, for the per-node slope.
    ort1 = [ort_session(s, a.threads, 1) for s in shapes] if ort and a.shapes else []
    us = {v[0]: collections.defaultdict(list) for v in variants}
    ort_us = collections.defaultdict(list)
    ort_run = collections.defaultdict(list)  # whole runs: [count MatMuls], [1]
    probes = {isa: [] for isa in isas}
    matched = {v[0]: [] for v in variants}
    order = variants + ([] if a.no_ort else [("ort", None, None)])
    for blk in range(a.blocks):
        for who, exe, isa in order:
            if who == "ort":
                for i, (sess, feed) in enumerate(ort):
                    pairs = [(sess, feed, 0)] + ([(*ort1[i], 1)] if ort1 else [])
                    for ss, fd, which in pairs:
                        ss.run(None, fd)
                        for _ in range(a.reps):
                            t = time.perf_counter()
                            ss.run(None, fd)
                            dt = (time.perf_counter() - t) * 1e6
                            ort_run[i, which].append(dt)
                            if which == 0:
                                ort_us[i].append(dt / shapes[i][3])
                time.sleep(0.2)  # onnxruntime's workers spin after a run
            else:
                # The same moment's peak, for a load-matched ratio: on a
                # shared VM the 2-thread FMA rate itself swings 2x.
                probe = peak(peak_exe, a.threads, isa, reps=8)
                probes[isa].append(probe)
                blk_us = 0.0
                for i, ts in run_driver(exe, isa, a.threads, a.reps, shapes,
                                        cpu_time=a.cpu_time).items():
                    us[who][i] += ts
                    blk_us += statistics.median(ts) * shapes[i][3]
                matched[who].append(total / blk_us * 1e-3 / probe)
        order = order[::-1]
    for isa in isas:
        pk[isa] = max([pk[isa], peak(peak_exe, a.threads, isa)] + probes[isa])
    if "avx2" in pk and "avx512" in pk:
        # A zmm FMA does at least a ymm FMA's work (Zen 4 splits it in two
        # 256-bit halves: equal rates): a lower zmm loop figure is load noise.
        pk["avx512"] = max(pk["avx512"], pk["avx2"])

    best = max(pk.values())
    if ort1:  # per-node time without the per-run overhead
        for i, s in enumerate(shapes):
            slope = (statistics.median(ort_run[i, 0]) -
                     statistics.median(ort_run[i, 1])) / (s[3] - 1)
            ort_us[i] = [max(slope, 1e-3)]
    hdr = f"{'shape m x n x k':>18} {'flags':>5} {'calls':>5} "
    for who, _, _ in variants:
        hdr += f" | {who + ' GF/s':>12} {'%peak':>6}"
    if ort:
        hdr += f" | {'ort GF/s':>9} {'%peak':>6} {'us':>7} | ort/{isas[-1]}"
    print(hdr)
    tot_us = {v[0]: 0.0 for v in variants}
    tot_ort = 0.0
    for i, s in enumerate(shapes):
        m, n, k, cnt, flags, _, region = s
        line = f"{f'{m} x {n} x {k}':>18} {flags:>5} {cnt:>5}{'*' if region else ' '}"
        for who, _, isa in variants:
            med = statistics.median(us[who][i])
            tot_us[who] += med * cnt
            gf = flops[i] / med * 1e-3
            line += f" | {gf:12.1f} {100 * gf / pk[isa]:5.1f}%"
        if ort:
            med = statistics.median(ort_us[i])
            tot_ort += med * cnt
            gf = flops[i] / med * 1e-3
            line += f" | {gf:9.1f} {100 * gf / best:5.1f}% {med:7.1f} | " \
                f"{med / statistics.median(us[isas[-1]][i]):.2f}"
        print(line)
    line = f"{'FLOP-weighted':>18} {'':>5} {sum(s[3] for s in shapes):>5} "
    for who, _, isa in variants:
        gf = total / tot_us[who] * 1e-3
        line += f" | {gf:12.1f} {100 * gf / pk[isa]:5.1f}%"
    if ort:
        gf = total / tot_ort * 1e-3
        line += f" | {gf:9.1f} {100 * gf / best:5.1f}%"
    print(line)
    for isa in isas:
        print(f"{isa}: peak {pk[isa]:.1f} GFLOP/s (best of before/after and {a.blocks} "
              f"probes {min(probes[isa]):.0f}-{max(probes[isa]):.0f})")
    for who, _, isa in variants:
        print(f"{who}: matmuls of one {'pass' if a.shapes else 'prefill'} "
              f"{tot_us[who] / 1e3:.2f} ms = "
              f"{total / tot_us[who] * 1e-3:.1f} GFLOP/s = "
              f"{100 * total / tot_us[who] * 1e-3 / pk[isa]:.1f}% of the {isa} peak; "
              f"load-matched (each block / the {isa} peak probed right before it): "
              f"median {100 * statistics.median(matched[who]):.1f}% "
              f"({100 * min(matched[who]):.0f}-{100 * max(matched[who]):.0f}%)")
    print("* calls the model makes inside a parallel loop (the attention's tiles): "
          "one thread each, spread over the pool; GFLOP/s = all of them / wall time")
    if ort:
        print(f"onnxruntime MatMul: {tot_ort / 1e3:.2f} ms (% of the best ISA peak, "
              f"{best:.1f} GFLOP/s)" + (
                  "; per node: (T(count MatMuls) - T(1)) / (count - 1), run medians"
                  if ort1 else ""))
        for who, _, _ in variants:
            print(f"onnxruntime / {who} (time, FLOP-weighted): {tot_ort / tot_us[who]:.2f}")
    print(f"load average: {os.getloadavg()[0]:.2f} (at the start: {load0:.2f})")


if __name__ == "__main__":
    main()
