#!/usr/bin/env python3
"""Same-process A/B of two versions of the sgemm runtime (#17).

Both versions (a git revision's or the checkout's lib/Runtime/ukernels/sgemm*
sources) are compiled into one driver (bench/sgemm_ab.c) with their entry
points renamed, sharing one thread pool, and called alternately, call by
call, on the same operands: on a shared machine both see the same moments,
which alternating whole processes does not give (their medians moved 30%
between two runs of the same binary here). Constant B, `count` distinct
weights per shape (each version packs its own). Per shape: median and
10th-percentile GFLOP/s of each version and after/before; FLOP-weighted
over all shapes; both versions' C compared. `--cpu-time` (one thread) times
each call by the thread's CPU time, so that preemption by other processes
is not counted.

  python3 bench/sgemm_ab.py --before REV [--after worktree] [--threads 2]
      [--shapes llama|small|MxNxK[:count],...] [--rounds 3] [--reps 10]
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
from sgemm_peak import SMALL  # noqa: E402

# llama_mid_opset18's projection matmuls at S=128 (SEQC_UK_TRACE of one
# prefill at 7d6b806: shape, calls), constant weights.
LLAMA = [(128, 1408, 512, 8), (128, 512, 1408, 4), (128, 4096, 512, 1),
         (128, 768, 512, 4), (128, 512, 512, 4)]


def cc():
    return os.environ.get("CC") or shutil.which("clang-22") or shutil.which("cc")


def sources(rev: str, dst: Path):
    dst.mkdir(parents=True, exist_ok=True)
    udir = ROOT / "lib/Runtime/ukernels"
    if rev == "worktree":
        names = [p.name for p in udir.iterdir() if p.name.startswith("sgemm")]
        for n in names:
            shutil.copy(udir / n, dst / n)
        return
    listing = subprocess.run(["git", "-C", str(ROOT), "ls-tree", "--name-only", rev,
                              "lib/Runtime/ukernels/"], check=True, capture_output=True,
                             text=True).stdout.split()
    for name in listing:
        base = name.rsplit("/", 1)[-1]
        if base.startswith("sgemm"):
            (dst / base).write_bytes(subprocess.run(
                ["git", "-C", str(ROOT), "show", f"{rev}:{name}"], check=True,
                capture_output=True).stdout)


def variant_object(rev: str, prefix: str, work: Path) -> Path:
    """The version's sgemm sources as one relocatable object whose global
    seqc_* symbols are renamed <prefix>_seqc_*."""
    src = work / prefix
    sources(rev, src)
    objs = []
    for c in sorted(src.glob("*.c")):
        o = src / (c.name + ".o")
        subprocess.run([cc(), "-O3", "-DNDEBUG", "-fPIC", "-std=c11",
                        "-D_POSIX_C_SOURCE=200809L", f"-I{ROOT / 'include'}", f"-I{src}",
                        "-c", str(c), "-o", str(o)], check=True)
        objs.append(str(o))
    whole = src / "all.o"
    subprocess.run(["ld", "-r", *objs, "-o", str(whole)], check=True)
    nm = subprocess.run(["nm", "-g", "--defined-only", str(whole)], check=True,
                        capture_output=True, text=True).stdout
    syms = src / "syms"
    syms.write_text("".join(f"{s} {prefix}_{s}\n" for s in
                            (line.split()[-1] for line in nm.splitlines())
                            if s.startswith("seqc_")))
    out = work / f"{prefix}.o"
    subprocess.run(["objcopy", f"--redefine-syms={syms}", str(whole), str(out)],
                   check=True)
    return out


def parse_shapes(spec: str, count: int):
    if spec == "llama":
        return LLAMA
    if spec == "small":
        return [(m, n, k, count) for m, n, k in SMALL]
    out = []
    for t in spec.split(","):
        dims, _, c = t.partition(":")
        m, n, k = (int(x) for x in dims.split("x"))
        out.append((m, n, k, int(c) if c else count))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--before", required=True, metavar="REV")
    ap.add_argument("--after", default="worktree", metavar="REV|worktree")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--shapes", default="llama")
    ap.add_argument("--count", type=int, default=8,
                    help="weights per shape where --shapes gives none")
    ap.add_argument("--reps", type=int, default=10, help="calls per weight and round")
    ap.add_argument("--rounds", type=int, default=3, help="driver runs (medians pooled)")
    ap.add_argument("--cpu-time", action="store_true",
                    help="one thread: time by the thread's CPU time")
    ap.add_argument("--isa", default=None, help="SEQC_UKERNEL for both versions")
    a = ap.parse_args()
    if a.cpu_time and a.threads != 1:
        sys.exit("error: --cpu-time needs --threads 1")
    shapes = parse_shapes(a.shapes, a.count)
    work = Path(tempfile.mkdtemp(prefix="seqc-sgemm-ab-"))
    try:
        objs = [variant_object(a.before, "v0", work), variant_object(a.after, "v1", work)]
        drv = work / "sgemm_ab"
        subprocess.run([cc(), "-O2", "-std=c11", "-D_POSIX_C_SOURCE=200809L",
                        f"-I{ROOT / 'include'}", str(ROOT / "bench/sgemm_ab.c"),
                        *map(str, objs), str(ROOT / "lib/Runtime/threadpool.c"),
                        "-o", str(drv), "-lm", "-lpthread"], check=True)
        env = dict(os.environ, SGEMM_AB_CPU_TIME="1" if a.cpu_time else "0")
        if a.isa:
            env["SEQC_UKERNEL"] = a.isa
        args = [str(drv), str(a.threads), str(a.reps)] + \
            [f"{m},{n},{k},{c},2" for m, n, k, c in shapes]
        med = {(i, v): [] for i in range(len(shapes)) for v in (0, 1)}
        p10 = {(i, v): [] for i in range(len(shapes)) for v in (0, 1)}
        for _ in range(a.rounds):
            r = subprocess.run(args, env=env, capture_output=True, text=True)
            if r.returncode != 0:
                sys.exit(f"error: driver failed:\n{r.stdout}{r.stderr}")
            for i, line in enumerate(r.stdout.splitlines()):
                f = dict(re.findall(r"(\w+)=([\d.,]+)", line))
                for v in (0, 1):
                    med[i, v].append(float(f[f"v{v}_med_us"]))
                    p10[i, v].append(float(f[f"v{v}_p10_us"]))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(isa_line())
    print(f"before={a.before} after={a.after} threads={a.threads} "
          f"kernel={a.isa or 'auto'} {'thread CPU time' if a.cpu_time else 'wall time'}; "
          f"{a.rounds} rounds x {a.reps} calls per weight, alternating call by call; "
          f"C of both versions equal")
    print(f"{'m x n x k':>16} {'calls':>5} | {'before GF/s':>11} {'after':>7} "
          f"{'ratio':>6} | {'p10 before':>10} {'after':>7} {'ratio':>6}")
    tot = {(v, q): 0.0 for v in (0, 1) for q in ("med", "p10")}
    flops_all = 0.0
    for i, (m, n, k, c) in enumerate(shapes):
        fl = 2.0 * m * n * k
        flops_all += fl * c
        row = {}
        for v in (0, 1):
            for q, src in (("med", med), ("p10", p10)):
                t = statistics.median(src[i, v])
                row[v, q] = fl / t * 1e-3
                tot[v, q] += t * c
        print(f"{f'{m} x {n} x {k}':>16} {c:>5} | {row[0, 'med']:11.1f} {row[1, 'med']:7.1f} "
              f"{row[1, 'med'] / row[0, 'med']:6.3f} | {row[0, 'p10']:10.1f} "
              f"{row[1, 'p10']:7.1f} {row[1, 'p10'] / row[0, 'p10']:6.3f}")
    g = {key: flops_all / t * 1e-3 for key, t in tot.items()}
    print(f"{'FLOP-weighted':>16} {sum(s[3] for s in shapes):>5} | {g[0, 'med']:11.1f} "
          f"{g[1, 'med']:7.1f} {g[1, 'med'] / g[0, 'med']:6.3f} | {g[0, 'p10']:10.1f} "
          f"{g[1, 'p10']:7.1f} {g[1, 'p10'] / g[0, 'p10']:6.3f}")
    print(f"load average: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
