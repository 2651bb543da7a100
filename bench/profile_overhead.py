"""Cost of seqc --profile-hooks, and a real seq-run --profile table.

Compiles one model twice (plain, and with --profile-hooks), checks that both
artifacts compute the same outputs (bitwise, same input) and match the
onnxruntime reference, then times them interleaved in the same run
(`seq-run --bench N --threads 2`, --rounds times each):
  plain       no hooks
  hooks off   hooks compiled in, profiling off (one call + branch per site)
  hooks on    seq-run --profile (clock reads and atomic adds per site)
and prints the medians of the rounds' medians, the ratios to plain, and the
profile of the last 'hooks on' round.

  python3 bench/profile_overhead.py                       # llama_mid_opset18
  python3 bench/profile_overhead.py --graph ../shared/models/gpt2 --runs 200
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SHARED = REPO.parent / "shared"
sys.path.insert(0, str(REPO / "python"))
sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402

import seqc  # noqa: E402
from benchutil import isa_line  # noqa: E402


def sh(cmd, **kw):
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(map(str, cmd))}\n{p.stdout}\n{p.stderr}")
    return p.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--graph", default=str(SHARED / "graphs" / "llama_mid_opset18"))
    ap.add_argument("--workdir", default="/tmp/seqc-profile-bench")
    ap.add_argument("--runs", type=int, default=20, help="timed runs per round")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--rows", type=int, default=30, help="profile rows shown")
    ap.add_argument("--seqc-arg", action="append", default=[],
                    help="extra seqc argument for both artifacts (repeatable)")
    a = ap.parse_args()

    graph = Path(a.graph)
    if not (graph / "model.onnx").exists():
        sys.exit(f"{graph}: no model.onnx (shared test material absent)")
    work = Path(a.workdir) / graph.name
    work.mkdir(parents=True, exist_ok=True)
    # A model with weights and reference data (../shared/models/*) as it is;
    # a graph without weights materialized once.
    src = graph
    if not (graph / "test_data_set_0").exists():
        src = work
        if not (work / "test_data_set_0").exists():
            sh([sys.executable, SHARED / "tools" / "materialize.py", graph, work,
                "--reference"])
    plain, hooked = work / "plain.so", work / "hooks.so"
    seqc.compile(str(src / "model.onnx"), str(plain), extra_args=a.seqc_arg)
    seqc.compile(str(src / "model.onnx"), str(hooked),
                 extra_args=[*a.seqc_arg, "--profile-hooks"])

    print(isa_line())
    print(f"model: {graph.name}; threads 2; {a.rounds} rounds x {a.runs} runs, "
          f"interleaved; seqc {' '.join(a.seqc_arg) or '(defaults)'}")
    data = src / "test_data_set_0"
    # Same outputs: bitwise between the two artifacts, and vs onnxruntime.
    with seqc.load(plain, threads=2) as p, seqc.load(hooked, threads=2) as h:
        rng = np.random.default_rng(0)
        ins = []
        for spec in p.inputs:
            shape = [d or 1 for d in spec.shape]
            ins.append(rng.integers(0, 100, shape).astype(spec.dtype)
                       if np.issubdtype(spec.dtype, np.integer)
                       else rng.standard_normal(shape).astype(spec.dtype))
        want = p.run(*ins)
        off = h.run(*ins)
        on, prof_rows = h.profile(*ins)
        hooks_per_run = sum(r["calls"] for r in prof_rows)
        same = all(np.array_equal(x, y) and np.array_equal(x, z)
                   for x, y, z in zip(want, off, on))
        print(f"outputs plain vs hooks off vs hooks on: "
              f"{'identical' if same else 'DIFFERENT'}")
        if not same:
            sys.exit(1)
    exe = seqc.find_tool("seq-run")
    for so in (plain, hooked):
        out = sh([exe, so, "--data", data, "--threads", "2"])
        print(f"{so.name} vs onnxruntime: {out.strip().splitlines()[-1]}")

    variants = {"plain": [plain], "hooks off": [hooked], "hooks on": [hooked, "--profile=" + str(a.rows)]}
    meds = {k: [] for k in variants}
    last_profile = ""
    for _ in range(a.rounds):
        for name, args in variants.items():
            out = sh([exe, *args, "--bench", a.runs, "--warmup", 3, "--threads", 2])
            m = re.search(r"median latency: ([\d.]+) ms", out)
            meds[name].append(float(m.group(1)))
            if name == "hooks on":
                last_profile = out[out.index("profile:"):]
    base = statistics.median(meds["plain"])
    print(f"{'variant':<10} {'median ms':>10} {'vs plain':>9}  round medians")
    for name, v in meds.items():
        med = statistics.median(v)
        print(f"{name:<10} {med:>10.3f} {med / base:>8.3f}x  "
              + " ".join(f"{x:.3f}" for x in v))
    # The hooks' own cost, from a loop of begin/end pairs (no model noise).
    cost = Path(a.workdir) / "profile_hook_cost"
    sh(["cc", "-O2", HERE / "profile_hook_cost.c",
        REPO / "build" / "lib" / "libseqc_runtime.a", "-lm", "-lpthread", "-o", cost])
    off_ns, on_ns = map(float, sh([cost]).split()[1::2])
    print(f"one begin/end pair: {off_ns:.1f} ns profiling off, {on_ns:.1f} ns on; "
          f"{hooks_per_run:.0f} pairs/run here: {hooks_per_run * off_ns / 1e3:.2f} us "
          f"off ({100 * hooks_per_run * off_ns / 1e6 / base:.4f}% of plain), "
          f"{hooks_per_run * on_ns / 1e3:.1f} us on "
          f"({100 * hooks_per_run * on_ns / 1e6 / base:.3f}%)")
    print()
    print(last_profile, end="")


if __name__ == "__main__":
    main()
