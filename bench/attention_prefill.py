"""Attention and head-layout copies in prefill (issue #17), by variant.

For each graph/model matching --only (default: the llama_mid graphs), the
artifact is compiled once per seq-tile-attention variant (with
--profile-hooks) and, in the same run, each artifact is timed in alternating
rounds with `seq-run --profile=0 --bench N --threads T`; every round sums
the profile's regions into
  - attention: the tiled cascades (parallel regions that call sgemm),
  - copies: materialized copies (transposes/reshapes/concats; the embedding
    gather is not counted),
and the script prints per variant the median (and min) over rounds of those
sums and of seq-run's median latency. The outputs of every variant are
compared with onnxruntime (max |diff|, the same tolerances as
bench/prefill_vs_ort.py).

Variants (seqc --attention-tiling):
  before  head-layout=false stack-heads=false  (the lowering before #17's
          layout work: Q/K/V/output transposes materialized, one query head
          per tile)
  layout  stack-heads=false                    ([B, S, H, D] read in place)
  after   (defaults)                           (+ GQA heads stacked per tile)

  PYTHONPATH=python python3 bench/attention_prefill.py [--only llama_mid]
      [--rounds 7] [--bench 20] [--threads 2] [--seq 128]
      [--variant NAME=OPTS ...]

--seq sets the sequence length of graphs with a symbolic one
(llama_mid_gen/prefill); the others are fixed at 128.

Needs build/bin/seqc, build/bin/seq-run and ../shared (graphs are
materialized like bench/prefill_vs_ort.py does, under its cache).
"""
import argparse
import os
import re
import statistics as st
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))
sys.path.insert(0, str(ROOT / "bench"))
import seqc  # noqa: E402
from benchutil import isa_line  # noqa: E402
import prefill_vs_ort as pvo  # noqa: E402

VARIANTS = {
    "before": "head-layout=false stack-heads=false",
    "layout": "stack-heads=false",
    "after": "",
}
REGION = re.compile(r"^\s*([\d.]+)\s+[\d.]+%\s+\d+\s+\S+\s+(.*)$")


def write_inputs(e, out: Path):
    """The feeds as input_K.pb (graph input order) for seq-run --data."""
    import onnx
    from onnx import numpy_helper
    out.mkdir(parents=True, exist_ok=True)
    m = onnx.load(str(e.model), load_external_data=False)
    inits = {i.name for i in m.graph.initializer}
    k = 0
    for i in m.graph.input:
        if i.name in inits:
            continue
        t = numpy_helper.from_array(np.asarray(e.feeds[i.name]), i.name)
        (out / f"input_{k}.pb").write_bytes(t.SerializeToString())
        k += 1
    return out


def profile(so: Path, data: Path, bench: int, threads: int):
    """(latency median ms, attention ms, copies ms) of one seq-run."""
    r = subprocess.run([seqc.find_tool("seq-run"), str(so), "--data", str(data),
                        "--bench", str(bench), "--threads", str(threads),
                        "--profile=0"], capture_output=True, text=True)
    text = r.stdout + r.stderr
    if r.returncode:
        raise RuntimeError(f"seq-run {so.name}: {text[-500:]}")
    lat = float(re.search(r"median latency: ([\d.]+) ms", text).group(1))
    attn = copies = 0.0
    for line in text.splitlines():
        m = REGION.match(line)
        if not m:
            continue
        ms, what = float(m.group(1)), m.group(2)
        if re.match(r"parallel \S+ \[[^\]]*sgemm", what):
            attn += ms
        elif re.search(r"\[copy\]|^copy ", what) and not re.search(
                r"embed|gather", what, re.I):
            copies += ms
    return lat, attn, copies


def max_diff(so: Path, e, want):
    art = seqc.load(str(so), threads=1)
    got = art.run(**e.feeds)
    art.close()
    err, ok = 0.0, len(got) == len(want)
    rtol, atol = e.tol
    for g, w in zip(got, want):
        g, w = np.asarray(g), np.asarray(w)
        if g.shape != w.shape:
            return float("nan"), False
        if g.size and g.dtype.kind == "f":
            err = max(err, float(np.max(np.abs(g - w))))
        at = atol
        if isinstance(atol, str):
            at = float(atol.rstrip("%")) / 100 * float(np.max(np.abs(w), initial=0))
        ok &= bool(np.allclose(g, w, rtol=rtol, atol=at))
    return err, ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", default="llama_mid_(opset18|opset23|og_fp32|gen)")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--bench", type=int, default=20, help="runs per seq-run")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--cache", type=Path,
                    default=ROOT / "build" / "bench-cache" / "prefill")
    ap.add_argument("--variant", action="append", default=[], metavar="NAME=OPTS",
                    help="time these --attention-tiling variants instead of "
                         "before/layout/after (e.g. 'bkv128=block-kv=128')")
    a = ap.parse_args()
    variants = dict(v.split("=", 1) for v in a.variant) if a.variant else VARIANTS
    if not (pvo.SHARED / "graphs").is_dir() and not (pvo.SHARED / "models").is_dir():
        sys.exit(f"skipped: {pvo.SHARED} not found")
    import onnxruntime as ort
    print(isa_line(), f"; threads {a.threads}; load average "
          f"{os.getloadavg()[0]:.2f}", flush=True)
    rows = []
    for e in pvo.collect(a.cache, a.only, a.seq):
        tag = e.name.replace("/", "_")
        outdir = a.cache / "attention"
        outdir.mkdir(parents=True, exist_ok=True)
        data = write_inputs(e, outdir / f"{tag}.s{a.seq}.inputs")
        want = ort.InferenceSession(str(e.model), providers=[
            "CPUExecutionProvider"]).run(None, e.feeds)
        dims = [x for k, v in e.dims.items() for x in ("--dim", f"{k}={v}")]
        sos = {}
        for v, opts in variants.items():
            so = outdir / f"{tag}.s{a.seq}.{v}.so"
            seqc.compile(str(e.model), str(so), extra_args=dims + [
                "--profile-hooks", f"--attention-tiling={opts}"])
            sos[v] = so
        diffs = {v: max_diff(so, e, want) for v, so in sos.items()}
        samples = {v: [] for v in sos}
        load0 = os.getloadavg()[0]
        for r in range(a.rounds):
            order = list(sos) if r % 2 == 0 else list(reversed(sos))
            for v in order:
                samples[v].append(profile(sos[v], data, a.bench, a.threads))
        load1 = os.getloadavg()[0]
        for v in sos:
            lat, attn, cp = zip(*samples[v])
            rows.append((e.name, v, st.median(lat), min(lat), st.median(attn),
                         min(attn), st.median(cp), min(cp), diffs[v], load0, load1))
            print(f"{e.name:24s} {v:7s} run {st.median(lat):8.3f} (min {min(lat):7.3f}) ms"
                  f"  attention {st.median(attn):6.3f} (min {min(attn):6.3f})"
                  f"  copies {st.median(cp):6.3f} (min {min(cp):6.3f})"
                  f"  attn+copies {st.median([x + y for x, y in zip(attn, cp)]):6.3f}"
                  f"  max|diff| vs ort {diffs[v][0]:.1e} {'ok' if diffs[v][1] else 'MISMATCH'}"
                  f"  load {load0:.1f}-{load1:.1f}", flush=True)
    bad = [r for r in rows if not r[8][1]]
    print(f"{len(rows)} artifacts; outputs match onnxruntime: "
          f"{len(rows) - len(bad)}/{len(rows)}; load average now "
          f"{os.getloadavg()[0]:.2f}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
