#!/usr/bin/env python3
"""Decode-step speed of quantized models, seqc vs its peer in the same run.

1. llama_mid_og_int4 (onnxruntime-genai's int4 build of llama_mid, MatMulNBits
   block 32), materialized with static decode shapes (one new token, past
   --past): seqc vs onnxruntime on the same graph (accuracy_level as shipped),
   and llama.cpp Q4_0 on the same model (bench/llamacpp_peer.py: llama_mid
   converted to GGUF and quantized by llama-quantize; "q4_0" is llama.cpp's
   mix with a Q6_K output matrix, "q4_0_pure" every matrix Q4_0 like
   og_int4). llama-bench runs once per block between seqc's and
   onnxruntime's runs (-n --llamacpp-gen tokens after a --past context,
   -t --threads), so all three share the machine's state; its figure is
   the median per-token time over the blocks. --no-llamacpp skips it.
2. llama_mid_gen/decode (fp32): seqc `--quantize=w4[:group=G]` vs seqc fp32
   (skipped, with a message, when this seqc has no --quantize); with
   --quantize2 SPEC a second spec runs in the same blocks (e.g. `--quantize
   w4:scale=f32 --quantize2 w4:scale=f16`: f32 vs f16 scales).

Both engines run --threads threads (seqc_set_num_threads / onnxruntime
intra_op_num_threads, sequential executor), in alternating blocks of --runs
runs; the reported figure is the median over all runs. Outputs are compared
(logits max abs error, top-1 agreement) and the ISA of the quantized kernel
is read from the runtime itself (SEQC_UK_TRACE).

  PYTHONPATH=python python3 bench/quant_decode.py [--threads 2] [--past 128]

Last measured (AMD EPYC AVX-512 VNNI, shared machine, load 10.7, 2 threads,
7 blocks): og_int4 decode seqc 1.071 ms, onnxruntime 1.923 ms (0.56x),
llama.cpp Q4_0 6.40 ms, pure Q4_0 6.22 ms (seqc 0.17x); 1 thread (load
7.6): 0.980 / 1.555 (0.63x) / 2.47 / 2.31 (0.40x). --quantize=w4 vs fp32:
8.6x (2 threads), 7.7x (1 thread). docs/quantization.md has the table.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "python"))
sys.path.insert(0, str(REPO / "bench"))
SHARED = REPO.parent / "shared"

import seqc  # noqa: E402
from benchutil import isa_line  # noqa: E402


def materialize(graph_dir, out_dir, dims):
    if (out_dir / "model.onnx").exists():
        return
    cmd = [sys.executable, str(SHARED / "tools" / "materialize.py"), str(graph_dir),
           str(out_dir), "--reference"]
    for k, v in dims.items():
        cmd += ["--dim", f"{k}={v}"]
    subprocess.run(cmd, check=True, capture_output=True)


def read_inputs(model_dir):
    import onnx
    from onnx import numpy_helper
    d = model_dir / "test_data_set_0"
    feeds = {}
    for f in sorted(d.glob("input_*.pb"), key=lambda p: int(p.stem.split("_")[1])):
        t = onnx.load_tensor(str(f))
        feeds[t.name] = numpy_helper.to_array(t)
    return feeds


def compile_so(onnx_path, so, dims, extra=()):
    args = [a for k, v in dims.items() for a in ("--dim", f"{k}={v}")]
    t0 = time.perf_counter()
    seqc.compile(onnx_path, so, extra_args=[*args, *extra])
    return time.perf_counter() - t0


def kernel_isa(so, data_dir):
    """The quantized kernel's ISA as the runtime reports it."""
    env = dict(os.environ, SEQC_UK_TRACE="1")
    out = subprocess.run([seqc.find_tool("seq-run"), str(so), "--data", str(data_dir),
                          "--rtol", "1e9", "--atol", "1e9"],
                         capture_output=True, text=True, env=env)
    m = re.search(r"seqc_uk_qgemm(?:_packed)?\[(\w+)\]", out.stderr)
    return m.group(1) if m else "?"


def timed(fn, runs):
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1e3)
    return ts


def compare(runners, runs, blocks, warmup=20, peers=None):
    """Alternating blocks; returns {name: median ms} (and prints the minima:
    on a shared machine they show what each engine does undisturbed).
    peers: {name: fn() -> list of ms samples}, called once per block (an
    external benchmark that times itself)."""
    for fn in runners.values():
        for _ in range(warmup):
            fn()
    peers = peers or {}
    times = {k: [] for k in [*runners, *peers]}
    for _ in range(blocks):
        for k, fn in runners.items():
            times[k] += timed(fn, runs)
        for k, fn in peers.items():
            times[k] += fn()
    print("  min ms: " + ", ".join(f"{k} {min(v):.3f}" for k, v in times.items()))
    return {k: statistics.median(v) for k, v in times.items()}


def logits_diff(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    top1 = float((a.reshape(-1, a.shape[-1]).argmax(-1) ==
                  b.reshape(-1, b.shape[-1]).argmax(-1)).mean())
    return float(np.abs(a - b).max()), float(np.abs(b).max()), top1


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--past", type=int, default=128)
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--blocks", type=int, default=5)
    ap.add_argument("--quantize", default="w4",
                    help="seqc --quantize value for part 2 (default w4)")
    ap.add_argument("--quantize2", default="",
                    help="a second --quantize value timed in the same blocks "
                    "(part 2), e.g. w4:scale=f16")
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--skip-og", action="store_true", help="only part 2")
    ap.add_argument("--no-llamacpp", action="store_true",
                    help="part 1 without llama.cpp Q4_0")
    ap.add_argument("--llamacpp-gen", type=int, default=32,
                    help="tokens llama-bench generates per block after the "
                    "--past context (default 32)")
    a = ap.parse_args()
    if not SHARED.exists():
        sys.exit(f"{SHARED} not found: this benchmark needs ../shared")
    import onnxruntime as ort

    work = Path(a.workdir or tempfile.mkdtemp(prefix="quant-decode-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"machine: {isa_line()}")
    print(f"threads={a.threads} past={a.past} runs={a.runs}x{a.blocks} workdir={work} "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")

    if not a.skip_og:
        og_int4(a, work, ort)
    gen_quantize(a, work)


def og_int4(a, work, ort):
    """1. og_int4 decode: seqc vs onnxruntime."""
    og = work / "og_int4"
    dims = {"batch_size": 1, "sequence_length": 1, "past_sequence_length": a.past,
            "total_sequence_length": a.past + 1, "kv_cache_dim": 64}
    materialize(SHARED / "graphs" / "llama_mid_og_int4", og, dims)
    feeds = read_inputs(og)
    so = og / "model.so"
    cs = compile_so(og / "model.onnx", so, {k: v for k, v in dims.items() if k != "kv_cache_dim"})
    art = seqc.load(so, threads=a.threads)
    so_opts = ort.SessionOptions()
    so_opts.intra_op_num_threads = a.threads
    so_opts.inter_op_num_threads = 1
    so_opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    sess = ort.InferenceSession(str(og / "model.onnx"), so_opts,
                                providers=["CPUExecutionProvider"])
    got = art.run(**feeds)[0]
    want = sess.run(None, feeds)[0]
    err, scale, top1 = logits_diff(got, want)
    isa = kernel_isa(so, og / "test_data_set_0")
    peers, llama = {}, llamacpp_peers(a) if not a.no_llamacpp else {}
    for ty, info in llama.items():
        peers[f"llama.cpp {ty}"] = info["sample"]
    med = compare({"seqc": lambda: art.run(**feeds),
                   "onnxruntime": lambda: sess.run(None, feeds)}, a.runs, a.blocks,
                  peers=peers)
    print(f"\nllama_mid_og_int4 decode (past {a.past}), qgemm ISA {isa}, seqc compile {cs:.1f} s")
    print(f"  seqc        {med['seqc']:7.3f} ms/token")
    print(f"  onnxruntime {med['onnxruntime']:7.3f} ms/token   (ort {ort.__version__})")
    for ty, info in llama.items():
        print(f"  llama.cpp {ty:<9} {med[f'llama.cpp {ty}']:7.3f} ms/token   "
              f"({info['desc']})")
    print(f"  seqc / onnxruntime = {med['seqc'] / med['onnxruntime']:.2f}")
    for ty in llama:
        print(f"  seqc / llama.cpp {ty} = {med['seqc'] / med[f'llama.cpp {ty}']:.2f}")
    print(f"  logits vs onnxruntime: max abs err {err:.3g} (max |logit| {scale:.3g}), "
          f"top-1 agreement {top1:.0%}")



def llamacpp_peers(a):
    """{type: {"sample": fn() -> [ms per token], "desc": str}} for llama.cpp
    Q4_0 and pure Q4_0 on llama_mid (empty, with the reason printed, when
    llama.cpp cannot be built or run)."""
    try:
        from llamacpp_peer import llama_bench, prepare
        bindir, files, hp = prepare()
    except Exception as e:  # noqa: BLE001 - any failure: report, go on
        print(f"llama.cpp: unavailable ({type(e).__name__}: {e})")
        return {}
    out = {}
    for ty in ("q4_0", "q4_0_pure"):
        def sample(path=files[ty]):
            # One repetition of -n gen after a --past context (plus the
            # small prompt llama_bench requires); per-token ms.
            _, dec = llama_bench(bindir, path, a.threads, 1, 8, a.llamacpp_gen,
                                 a.past)
            return dec[a.past]
        kinds = ", ".join(f"{k} x{v}" for k, v in
                          sorted(hp["tensor_types"][ty].items()))
        out[ty] = {"sample": sample,
                   "desc": f"llama-bench -n {a.llamacpp_gen} -d {a.past} -t "
                   f"{a.threads}, {files[ty].stat().st_size / 1e6:.1f} MB: {kinds}"}
    return out


def gen_quantize(a, work):
    """2. llama_mid_gen decode: seqc --quantize vs seqc fp32."""
    gen = work / "gen_decode"
    gdims = {"past": a.past}
    materialize(SHARED / "graphs" / "llama_mid_gen" / "decode", gen, gdims)
    gfeeds = read_inputs(gen)
    fp32 = gen / "fp32.so"
    compile_so(gen / "model.onnx", fp32, gdims)
    qso = gen / "q.so"
    try:
        compile_so(gen / "model.onnx", qso, gdims, [f"--quantize={a.quantize}"])
    except seqc.CompileError as e:
        print(f"\nllama_mid_gen decode --quantize={a.quantize}: skipped ({str(e).strip()[:200]})")
        return
    f_art = seqc.load(fp32, threads=a.threads)
    q_art = seqc.load(qso, threads=a.threads)
    ref = f_art.run(**gfeeds)[0]
    q = q_art.run(**gfeeds)[0]
    err, scale, top1 = logits_diff(q, ref)
    runners = {"fp32": lambda: f_art.run(**gfeeds),
               "quant": lambda: q_art.run(**gfeeds)}
    if a.quantize2:
        q2so = gen / "q2.so"
        compile_so(gen / "model.onnx", q2so, gdims, [f"--quantize={a.quantize2}"])
        q2_art = seqc.load(q2so, threads=a.threads)
        runners["quant2"] = lambda: q2_art.run(**gfeeds)
    med = compare(runners, a.runs, a.blocks)
    print(f"\nllama_mid_gen decode (past {a.past}), qgemm ISA {kernel_isa(qso, gen / 'test_data_set_0')}")
    print(f"  seqc fp32               {med['fp32']:7.3f} ms/token")
    print(f"  seqc --quantize={a.quantize:<8} {med['quant']:7.3f} ms/token")
    print(f"  speedup {med['fp32'] / med['quant']:.2f}x")
    print(f"  logits vs fp32: max abs err {err:.3g} (max |logit| {scale:.3g}), top-1 {top1:.0%}")
    if a.quantize2:
        q2 = q2_art.run(**gfeeds)[0]
        err2, _, top2 = logits_diff(q2, ref)
        err12, _, top12 = logits_diff(q2, q)
        print(f"  seqc --quantize={a.quantize2:<8} {med['quant2']:7.3f} ms/token "
              f"({med['quant2'] / med['quant']:.3f}x of --quantize={a.quantize})")
        print(f"  logits vs fp32: max abs err {err2:.3g}, top-1 {top2:.0%}; "
              f"vs --quantize={a.quantize}: {err12:.3g}, top-1 {top12:.0%}")


if __name__ == "__main__":
    main()
