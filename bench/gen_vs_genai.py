#!/usr/bin/env python3
"""Generation speed: seqc's session runtime vs onnxruntime-genai, same run.

Workload (issue #13): llama_mid fp32 (4 layers, hidden 512, GQA 8/2, vocab
4096, 15.5 M params), a prompt of 128 random token ids, 128 generated
tokens, greedy, 2 threads. Reports medians over --runs alternating runs of
  - onnxruntime-genai (PyPI onnxruntime-genai, 0.18 pinned by the anchors in
    ../shared/README.md): genai_config session_options
    intra_op_num_threads = --threads; prefill = append_tokens(prompt),
    decode = each generate_next_token();
  - seqc: `seq-run gen.so --prompt ... --generate N --threads T --bench 1
    --warmup 1` (the runtime's seqc_generate: prefill to the first picked
    id, then the time between picked ids; after one untimed generation that
    packs the weights, as genai does at load) when --seqc-artifact is
    given, else skipped;
  - with --llamacpp, llama.cpp f32 on the same shapes (bench/
    llamacpp_peer.py: llama-bench, prefill from empty, decode after the
    prompt; skipped with the reason when it cannot be built);
  - a STREAM-style triad (bench/stream_triad.c) for the machine's memory
    bandwidth, run here too,
and the decode rate as GB/s of weights plus KV cache read per token (the
mean past length over the decode steps), against the triad.
With --batch B and --seqc-batch-artifact (the same model compiled with
seqc --batch B), also B prompts of --prompt-len ids decoded together:
genai's batch_size B against `seq-run --prompt ... (B times)`
(seqc_generate_batch), ms per decode step of all rows and tokens/s, ids
compared row by row.

    python3 bench/gen_vs_genai.py [--seqc-artifact gen.so] [--runs 5]
                                  [--llamacpp]
                                  [--batch 4 --seqc-batch-artifact gen4.so]

The genai model defaults to ../shared/graphs/llama_mid_og_fp32,
materialized (deterministic random weights) into --workdir. The generated
ids are compared with genai's when the artifact was compiled from that same
model (--same-model: a mismatch fails the run); artifacts of other
materializations (llama_mid_gen) have other weights, so their ids are only
printed.
"""
import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchutil import isa_line  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def run_triad(threads, workdir):
    exe = workdir / "stream_triad"
    cc = os.environ.get("CC", "cc")
    subprocess.run([cc, "-O3", "-march=native", "-pthread",
                    str(REPO / "bench" / "stream_triad.c"), "-o", str(exe)],
                   check=True)
    out = subprocess.run([str(exe), str(threads), "256", "10"], check=True,
                         capture_output=True, text=True).stdout
    m = re.search(r"best ([\d.]+) GB/s, median ([\d.]+) GB/s", out)
    return float(m.group(1)), float(m.group(2)), out.strip()


def genai_model_dir(args, workdir):
    """The onnxruntime-genai model, with intra_op_num_threads set."""
    src = Path(args.genai_model) if args.genai_model else None
    out = workdir / "llama_mid_og_fp32"
    if src is None:
        graph = SHARED / "graphs" / "llama_mid_og_fp32"
        if not graph.is_dir():
            sys.exit(f"{graph} not found: pass --genai-model DIR")
        if not (out / "weights.bin").exists():
            subprocess.run([sys.executable,
                            str(SHARED / "tools" / "materialize.py"),
                            str(graph), str(out)], check=True)
        for f in graph.iterdir():
            if f.suffix == ".json":
                shutil.copy(f, out / f.name)
    elif src.resolve() != out.resolve():
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(src, out)
    cfg_path = out / "genai_config.json"
    cfg = json.loads(cfg_path.read_text())
    so = cfg["model"]["decoder"].setdefault("session_options", {})
    so["intra_op_num_threads"] = args.threads
    so["inter_op_num_threads"] = 1
    cfg_path.write_text(json.dumps(cfg, indent=1))
    return out, cfg


def weight_bytes(model_dir):
    import onnx
    m = onnx.load(str(model_dir / "model.onnx"), load_external_data=False)
    total = 0
    for t in m.graph.initializer:
        n = 1
        for d in t.dims:
            n *= d
        total += n * onnx.helper.tensor_dtype_to_np_dtype(t.data_type).itemsize
    return total


def kv_bytes_per_token(cfg, past):
    d = cfg["model"]["decoder"]
    return (2 * d["num_hidden_layers"] * d["num_key_value_heads"] *
            d["head_size"] * 4 * past)


def run_genai(model_dir, prompt, gen_len):
    import onnxruntime_genai as og
    model = og.Model(str(model_dir))
    params = og.GeneratorParams(model)
    total = len(prompt) + gen_len
    # min_length: random weights may pick EOS early; time all gen_len tokens.
    params.set_search_options(max_length=total, min_length=total,
                              do_sample=False)
    gen = og.Generator(model, params)
    t0 = time.perf_counter()
    gen.append_tokens(prompt)
    prefill = (time.perf_counter() - t0) * 1e3
    steps = []
    while not gen.is_done():
        t = time.perf_counter()
        gen.generate_next_token()
        steps.append((time.perf_counter() - t) * 1e3)
    ids = [int(x) for x in gen.get_sequence(0)[len(prompt):]]
    del gen, model
    return prefill, statistics.median(steps), ids


def run_genai_batch(model_dir, prompts, gen_len):
    """genai with batch_size len(prompts) (equal lengths): median ms per
    generate_next_token (one step of all rows) and each row's new ids."""
    import numpy as np
    import onnxruntime_genai as og
    model = og.Model(str(model_dir))
    params = og.GeneratorParams(model)
    total = len(prompts[0]) + gen_len
    params.set_search_options(batch_size=len(prompts), max_length=total,
                              min_length=total, do_sample=False)
    gen = og.Generator(model, params)
    gen.append_tokens(np.array(prompts, np.int32))
    steps = []
    while not gen.is_done():
        t = time.perf_counter()
        gen.generate_next_token()
        steps.append((time.perf_counter() - t) * 1e3)
    ids = [[int(x) for x in gen.get_sequence(b)[len(prompts[0]):]]
           for b in range(len(prompts))]
    del gen, model
    return statistics.median(steps), ids


def run_seqc_batch(seq_run, artifact, prompts, gen_len, threads):
    """seq-run with one --prompt per row (seqc_generate_batch): ms per
    decode step of all rows and each row's ids."""
    cmd = [seq_run, artifact, "--generate", str(gen_len), "--threads",
           str(threads), "--bench", "1", "--warmup", "1"]
    for p in prompts:
        cmd += ["--prompt", ",".join(map(str, p))]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"seq-run failed: {out.stderr.strip()}")
    lines = out.stdout.strip().splitlines()
    m = re.search(r"decode ([\d.]+) ms/step", lines[-1])
    if not m:
        sys.exit(f"unexpected seq-run output: {lines[-1]}")
    ids = [[int(x) for x in line.split(",")] if line else []
           for line in lines[:len(prompts)]]
    return float(m.group(1)), ids


def batch_decode(args, model_dir, vocab, seq_run):
    """--batch B: B equal-length prompts decoded together, seqc vs genai,
    alternating runs, medians."""
    rng = random.Random(1)
    prompts = [[rng.randrange(3, vocab) for _ in range(args.prompt_len)]
               for _ in range(args.batch)]
    genai, seqc = [], []
    for r in range(args.runs + 1):  # run 0 warms up
        g = run_genai_batch(model_dir, prompts, args.gen_len)
        s = run_seqc_batch(seq_run, args.seqc_batch_artifact, prompts,
                           args.gen_len, args.threads)
        if r:
            genai.append(g)
            seqc.append(s)
    gd = statistics.median([g[0] for g in genai])
    sd = statistics.median([s[0] for s in seqc])
    same = sum(a == b for a, b in zip(genai[-1][1], seqc[-1][1]))
    b = args.batch
    print(f"batch {b} (prompts of {args.prompt_len}, {args.gen_len} steps): "
          f"genai {gd:.3f} ms/step ({1e3 * b / gd:.1f} tok/s), seqc "
          f"{sd:.3f} ms/step ({1e3 * b / sd:.1f} tok/s), seqc/genai "
          f"{sd / gd:.2f}x; {same} of {b} rows' ids equal"
          + ("" if args.same_model else " (compared only with --same-model)"))
    if args.same_model and same != b:
        sys.exit("seqc's batched greedy ids differ from onnxruntime-genai's")


def find_seq_run():
    exe = REPO / "build" / "bin" / "seq-run"
    if exe.exists():
        return str(exe)
    return shutil.which("seq-run") or sys.exit("seq-run not found: build it")


def run_seqc(seq_run, artifact, prompt, gen_len, threads):
    out = subprocess.run(
        [seq_run, artifact, "--prompt", ",".join(map(str, prompt)),
         "--generate", str(gen_len), "--threads", str(threads),
         # One untimed generation first: it packs the weights once per
         # process, which genai does when it loads the model (untimed).
         "--bench", "1", "--warmup", "1"],
        capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"seq-run failed: {out.stderr.strip()}")
    lines = out.stdout.strip().splitlines()
    m = re.search(r"prefill ([\d.]+) ms, decode ([\d.]+) ms/token",
                  lines[-1])
    if not m:
        sys.exit(f"unexpected seq-run output: {lines[-1]}")
    ids = [int(x) for x in lines[0].split(",")] if lines[0] else []
    return float(m.group(1)), float(m.group(2)), ids


def past_scaling(args, cfg, workdir):
    """Decode ms/token at several past lengths: with the cache owned by the
    artifact and written in place, a step grows only by its attention reads
    of the longer past (no copy of the cache per step)."""
    if not args.seqc_artifact:
        sys.exit("--past-lengths needs --seqc-artifact")
    seq_run = find_seq_run()
    lengths = [int(x) for x in args.past_lengths.split(",")]
    rng = random.Random(1)
    vocab = cfg["model"]["vocab_size"]
    rows = {p: [] for p in lengths}
    triads = []
    for r in range(args.runs):
        for p in lengths:
            prompt = [rng.randrange(3, vocab) for _ in range(p)]
            rows[p].append(run_seqc(seq_run, args.seqc_artifact, prompt,
                                    args.gen_len, args.threads)[1])
        triads.append(run_triad(args.threads, workdir)[1])
    triad = statistics.median(triads)
    base = lengths[0]
    t0 = statistics.median(rows[base])
    print(f"seqc decode vs past length ({args.gen_len} tokens each, "
          f"{args.threads} threads, {args.runs} runs, medians); triad "
          f"{triad:.1f} GB/s")
    print(f"{'past':>6} {'ms/token':>9} {'growth ms':>10} "
          f"{'KV MB/token':>12} {'KV growth at triad ms':>22}")
    for p in lengths:
        t = statistics.median(rows[p])
        past = p + (args.gen_len - 1) / 2
        kv = kv_bytes_per_token(cfg, past)
        kv_growth = (kv - kv_bytes_per_token(
            cfg, base + (args.gen_len - 1) / 2)) / (triad * 1e9) * 1e3
        print(f"{p:6d} {t:9.3f} {t - t0:10.3f} {kv / 1e6:12.2f} "
              f"{kv_growth:22.3f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seqc-artifact", help="a seqc generation artifact "
                    "(seqc DECODE.onnx [--prefill P.onnx] --max-seq-len N)")
    ap.add_argument("--genai-model", help="onnxruntime-genai model dir "
                    "(default: ../shared/graphs/llama_mid_og_fp32 materialized)")
    ap.add_argument("--same-model", action="store_true",
                    help="the artifact was compiled from the genai model: "
                    "its greedy ids must equal genai's")
    ap.add_argument("--prompt-len", type=int, default=128)
    ap.add_argument("--gen-len", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--past-lengths", metavar="P,P,...",
                    help="instead: seqc's decode ms/token after prompts of "
                    "these lengths (e.g. 128,2048; the artifact's "
                    "--max-seq-len must hold them + --gen-len), against the "
                    "growth the extra KV reads explain at the triad's rate")
    ap.add_argument("--llamacpp", action="store_true",
                    help="also llama.cpp f32 on the same shapes (bench/"
                    "llamacpp_peer.py: llama-bench, decode after the prompt) "
                    "in each run, as a row of the table")
    ap.add_argument("--batch", type=int, default=0,
                    help="also B prompts decoded together (needs "
                    "--seqc-batch-artifact compiled with seqc --batch B)")
    ap.add_argument("--seqc-batch-artifact",
                    help="the artifact for --batch (seqc ... --batch B)")
    ap.add_argument("--workdir", default=os.path.join(
        tempfile.gettempdir(), "seqc_gen_bench"))
    args = ap.parse_args()
    if args.threads > 2:
        print("note: the shared development machine allows 2 threads")
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)

    print(f"machine: {isa_line()}")
    try:
        import onnxruntime_genai as og
        genai_version = og.__version__
    except ImportError:
        sys.exit("onnxruntime-genai is not installed (pip install "
                 "onnxruntime-genai==0.18.0)")
    model_dir, cfg = genai_model_dir(args, workdir)
    if args.past_lengths:
        return past_scaling(args, cfg, workdir)
    vocab = cfg["model"]["vocab_size"]
    rng = random.Random(0)
    prompt = [rng.randrange(3, vocab) for _ in range(args.prompt_len)]
    seq_run = find_seq_run() if args.seqc_artifact else None
    if not args.seqc_artifact:
        print("seqc: skipped (no --seqc-artifact; build one with `seqc "
              "DECODE.onnx [--prefill PREFILL.onnx] --max-seq-len N -o "
              "gen.so`)")

    triads, genai, seqc, lcpp = [], [], [], []
    use_lcpp = args.llamacpp  # off after a failure (reason printed)
    if use_lcpp:
        sys.path.insert(0, str(REPO / "bench"))
        from llamacpp_peer import llamacpp_numbers
    for r in range(args.runs + 1):  # run 0 warms caches and page tables
        g = run_genai(model_dir, prompt, args.gen_len)
        s = (run_seqc(seq_run, args.seqc_artifact, prompt, args.gen_len,
                      args.threads) if seq_run else None)
        t = run_triad(args.threads, workdir)
        lc = (llamacpp_numbers(args.threads, 1, ("f32",), args.prompt_len,
                               args.gen_len, args.prompt_len)
              if use_lcpp else None)
        use_lcpp = lc is not None
        if r == 0:
            continue
        genai.append(g)
        triads.append(t)
        if s:
            seqc.append(s)
        if lc:
            lcpp.append((lc["f32"]["prefill_ms"], lc["f32"]["decode_ms"]))

    med = lambda xs: statistics.median(xs)
    weights = weight_bytes(model_dir)
    mean_past = args.prompt_len + (args.gen_len - 1) / 2
    kv = kv_bytes_per_token(cfg, mean_past)
    per_token_gb = (weights + kv) / 1e9
    triad_best = med([t[0] for t in triads])
    triad_med = med([t[1] for t in triads])
    print(f"workload: prompt {args.prompt_len}, generate {args.gen_len}, "
          f"{args.threads} threads, {args.runs} runs (medians); weights "
          f"{weights / 1e6:.1f} MB + KV {kv / 1e6:.2f} MB read per token "
          f"(mean past {mean_past:.0f})")
    print(f"triad (bench/stream_triad.c, {args.threads} threads): best "
          f"{triad_best:.1f} GB/s, median {triad_med:.1f} GB/s")
    rows = [(f"onnxruntime-genai {genai_version}", genai)]
    if seqc:
        rows.append(("seqc", seqc))
    if lcpp:
        rows.append(("llama.cpp f32", lcpp))
    print(f"{'':24} {'prefill ms':>11} {'decode ms/tok':>14} {'tok/s':>8} "
          f"{'decode GB/s':>12} {'of triad':>9}")
    results = {}
    for name, runs in rows:
        pre, dec = med([x[0] for x in runs]), med([x[1] for x in runs])
        gbs = per_token_gb / (dec / 1e3)
        results[name] = (pre, dec)
        print(f"{name:24} {pre:11.2f} {dec:14.3f} {1e3 / dec:8.1f} "
              f"{gbs:12.1f} {gbs / triad_med:8.0%}")
    if seqc:
        gp, gd = results[rows[0][0]]
        sp, sd = results["seqc"]
        print(f"seqc / genai: prefill {sp / gp:.2f}x (goal <= 1), decode "
              f"{sd / gd:.2f}x (goal <= 0.7)")
        if lcpp:
            lp, ld = results["llama.cpp f32"]
            print(f"seqc / llama.cpp f32: prefill {sp / lp:.2f}x, decode "
                  f"{sd / ld:.2f}x (goal <= 1.1)")
        g_ids, s_ids = genai[-1][2], seqc[-1][2]
        same = 0
        while same < min(len(g_ids), len(s_ids)) and g_ids[same] == s_ids[same]:
            same += 1
        print(f"greedy ids: seqc {s_ids[:8]}..., genai {g_ids[:8]}...; "
              f"{same} of {len(g_ids)} leading ids equal"
              + ("" if args.same_model else
                 " (compared only with --same-model)"))
        if args.same_model and same != len(g_ids):
            sys.exit("seqc's greedy ids differ from onnxruntime-genai's")
    if args.batch > 1:
        if not args.seqc_batch_artifact:
            sys.exit("--batch needs --seqc-batch-artifact (seqc ... --batch "
                     f"{args.batch})")
        batch_decode(args, model_dir, vocab, find_seq_run())


if __name__ == "__main__":
    main()
