#!/usr/bin/env python3
"""Whole-model before/after of the sgemm runtime, in one run: the same model
compiled twice, once linked with build/'s libseqc_runtime.a ("after") and
once with a copy whose sgemm objects are compiled from git revision REV
("before"; everything else identical), timed by `seq-run --bench` in
alternating blocks (2 threads by default), outputs checked by seq-run
against the model's reference outputs. Prints median latencies per variant
(median of the blocks' medians) and before/after.

  python3 bench/sgemm_model_ab.py --baseline REV [--blocks 8] [--runs 100]
      [--model ../shared/models/seedlm/og_fp32] [--dim NAME=N ...]

Needs `scripts/build.sh seqc seq-run seqc_runtime`.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from benchutil import isa_line  # noqa: E402

SGEMM_OBJS = ["sgemm.c", "sgemm_kernel_avx512.c", "sgemm_kernel_avx2.c",
              "sgemm_kernel_generic.c", "sgemm_epilogue.c"]


def cc():
    return os.environ.get("CC") or shutil.which("clang-22") or shutil.which("cc")


def before_runtime(rev: str, lib: Path, work: Path, only) -> Path:
    """lib with its sgemm objects rebuilt from rev (same flags as the build)."""
    src = work / "src"
    src.mkdir(parents=True, exist_ok=True)
    names = subprocess.run(["git", "-C", str(ROOT), "ls-tree", "--name-only", rev,
                            "lib/Runtime/ukernels/"], check=True, capture_output=True,
                           text=True).stdout.split()
    for name in names:
        base = name.rsplit("/", 1)[-1]
        if base.startswith("sgemm"):
            (src / base).write_bytes(subprocess.run(
                ["git", "-C", str(ROOT), "show", f"{rev}:{name}"], check=True,
                capture_output=True).stdout)
    out = work / "libseqc_runtime.a"
    shutil.copy(lib, out)
    objs = []
    for c in only:
        if not (src / c).exists():
            continue
        o = work / f"{c}.o"  # the archive member's name in the build
        subprocess.run([cc(), "-O3", "-DNDEBUG", "-fPIC", "-std=c11",
                        "-D_POSIX_C_SOURCE=200809L", f"-I{ROOT / 'include'}",
                        f"-I{src}", "-c", str(src / c), "-o", str(o)], check=True)
        objs.append(str(o))
    subprocess.run(["ar", "r", str(out), *objs], check=True, capture_output=True)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--baseline", required=True, metavar="REV")
    ap.add_argument("--model", type=Path,
                    default=ROOT.parent / "shared/models/seedlm/og_fp32")
    ap.add_argument("--data", type=Path, help="input/output .pb directory "
                    "(default: the model's test_data_set_0)")
    ap.add_argument("--dim", action="append", default=[], metavar="NAME=N")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--blocks", type=int, default=8)
    ap.add_argument("--runs", type=int, default=100, help="seq-run --bench per block")
    ap.add_argument("--build", type=Path, default=ROOT / "build")
    ap.add_argument("--objs", default=",".join(SGEMM_OBJS),
                    help="which sgemm sources come from REV (the others as built)")
    a = ap.parse_args()
    model = a.model / "model.onnx" if a.model.is_dir() else a.model
    data = a.data or model.parent / "test_data_set_0"
    if not model.exists() or not data.exists():
        sys.exit(f"error: {model} or {data} not found")
    lib = a.build / "lib/libseqc_runtime.a"
    work = Path(tempfile.mkdtemp(prefix="seqc-sgemm-ab-"))
    print(isa_line())
    only = a.objs.split(",")
    if not set(only) <= set(SGEMM_OBJS):
        sys.exit(f"error: --objs: pick from {','.join(SGEMM_OBJS)}")
    print(f"before: {', '.join(only)} from {a.baseline}")
    libs = {f"before@{a.baseline[:10]}": before_runtime(a.baseline, lib, work / "before",
                                                         only),
            "after": lib}
    dims = [x for d in a.dim for x in ("--dim", d)]
    arts = {}
    for who, rt in libs.items():
        so = work / f"{who.split('@')[0]}.so"
        subprocess.run([str(a.build / "bin/seqc"), str(model), *dims, "-o", str(so)],
                       check=True, env=dict(os.environ, SEQC_RUNTIME_LIB=str(rt)))
        arts[who] = so
    med = {who: [] for who in arts}
    order = list(arts)
    for _ in range(a.blocks):
        for who in order:
            r = subprocess.run([str(a.build / "bin/seq-run"), str(arts[who]), "--data",
                                str(data), "--bench", str(a.runs), "--threads",
                                str(a.threads)], capture_output=True, text=True)
            out = r.stdout + r.stderr
            if r.returncode != 0 or " OK" not in out or "MISMATCH" in out:
                sys.exit(f"error: {who}: seq-run failed or outputs differ:\n{out}")
            med[who].append(float(re.search(r"median latency: ([\d.]+) ms", out).group(1)))
        order = order[::-1]
    print(f"{model}: threads={a.threads}, {a.blocks} alternating blocks of "
          f"{a.runs} runs; outputs match the reference in every block")
    for who, v in med.items():
        print(f"{who:>20}: median {statistics.median(v):.4f} ms (blocks "
              f"{min(v):.4f}-{max(v):.4f})")
    b, f = (statistics.median(v) for v in med.values())
    print(f"before/after: {b / f:.3f}; load average {os.getloadavg()[0]:.2f}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
