#!/usr/bin/env python3
"""Compile time of every model and graph in ../shared, per stage (issue #17).

For each model: `seqc MODEL --timing -o X.so` --reps times (median of the
total; the stages of the median run), with the default split
(`seq-split-functions`, pieces of ~250 ops) and parallel optimization and
code generation (--compile-threads, default 2). --baseline adds the same
compile as before this change: one function (--split-max-ops=0) on one
thread (--compile-threads=1), for the before/after table.

Graphs without weights (../shared/graphs) are materialized once into
--workdir (deterministic weights, ../shared/tools/materialize.py). Two
24-layer graphs test linearity: graphs/qwen3_moe_24l as shipped, and
mamba2_24l, generated here from graphs/mamba2_mid by repeating its last
layer (the residual stream's Add chain marks the layers; each copy gets
its own copy of the weights). Generation models (qwen2_gen, the
onnxruntime-genai builds, seedlm) are compiled as generation artifacts
(--max-seq-len 128; a decode graph with a symbolic sequence length also
gets a prefill-chunk variant, qwen2_gen and llama_mid_gen their prefill
graph via --prefill): the variants' stages are summed under the same names.

--check runs each non-generation artifact once and compares its outputs
(seq-run --data): with the model's test_data_set_0 where there is one, else
with onnxruntime's outputs for random inputs (graphs, mamba2_24l).

Compile time is noisy on a shared machine: the load average at the start
and after each model is printed, and besides the wall time ("total s") the
CPU time of all of seqc's threads ("cpu s", user + system: what the compile
costs whatever the load; on an idle machine the wall time is about the
serial stages plus the parallel one's CPU time / threads). Compare rows of
the same run.

  python3 bench/compile_time.py                  # all, median of 3
  python3 bench/compile_time.py --only qwen3_moe_24l,mamba2_24l --baseline
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchutil import isa_line  # noqa: E402

# "wall (pct) name", or "user (pct) wall (pct) name" once a stage ran on
# several threads (the generation variants' lowering): the wall column.
STAGE_RE = re.compile(r"^\s*(?:-?[0-9.]+ \(\s*-?[0-9.]+%\)\s+)?"
                      r"(-?[0-9.]+) \(\s*-?[0-9.]+%\)\s+(.+?)\s*$")


def materialize(graph_dir, out):
    if not (out / "model.onnx").exists():
        subprocess.run([sys.executable,
                        str(SHARED / "tools" / "materialize.py"),
                        str(graph_dir), str(out)], check=True,
                       stdout=subprocess.DEVNULL)
    # genai_config.json names the cache dims of a generation step.
    for f in Path(graph_dir).glob("*.json"):
        shutil.copy(f, out / f.name)
    return out


def repeat_layers(src, dst, layers):
    """Writes `src` (an ONNX decoder) with its last layer repeated up to
    `layers` layers. A layer is the nodes between two consecutive tensors of
    the residual stream: starting at the embedding Gather's output, each
    next one is the output of the Add that reads the previous one and has
    the same shape. Copies get renamed tensors and their own weights."""
    import onnx
    from onnx import numpy_helper
    model = onnx.load(str(src))
    g = model.graph
    nodes = list(g.node)
    consumers = {}
    for n in nodes:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    producer = {o: n for n in nodes for o in n.output}
    start = next(n.output[0] for n in nodes if n.op_type == "Gather")
    chain = [start]
    while True:
        # The residual Add: reads the stream tensor and a tensor computed
        # from it (transitively).
        nxt = None
        for n in consumers.get(chain[-1], []):
            if n.op_type == "Add" and len(n.input) == 2:
                other = n.input[0] if n.input[1] == chain[-1] else n.input[1]
                if other in producer and other != chain[-1]:
                    nxt = n.output[0]
                    break
        if nxt is None:
            break
        chain.append(nxt)
    have = len(chain) - 1
    if have < 1:
        raise SystemExit(f"{src}: no residual layers found")

    def between(a, b):
        fwd, todo = set(), [a]
        while todo:
            t = todo.pop()
            for n in consumers.get(t, []):
                if id(n) not in fwd:
                    fwd.add(id(n))
                    if b not in n.output:
                        todo.extend(n.output)
        back, todo = set(), [b]
        while todo:
            n = producer.get(todo.pop())
            if n is not None and id(n) not in back:
                back.add(id(n))
                todo.extend(n.input)
        return [n for n in nodes if id(n) in fwd and id(n) in back]

    last = between(chain[-2], chain[-1])
    inits = {t.name: t for t in g.initializer}
    body_out = {o for n in last for o in n.output}
    tail = [n for n in nodes if n not in last and
            any(i == chain[-1] for i in n.input)]
    new_nodes, new_inits = [], []
    prev = chain[-1]
    for k in range(have, layers):
        ren = {chain[-2]: prev}
        for n in last:
            for o in n.output:
                ren[o] = f"{o}__l{k}"
            for i in n.input:
                if i in inits and i not in ren:
                    t = onnx.TensorProto()
                    t.CopyFrom(numpy_helper.from_array(
                        numpy_helper.to_array(inits[i]), f"{i}__l{k}"))
                    new_inits.append(t)
                    ren[i] = t.name
        for n in last:
            c = onnx.NodeProto()
            c.CopyFrom(n)
            c.name = f"{n.name}__l{k}"
            c.input[:] = [ren.get(i, i) if (i in body_out or i in ren) else i
                          for i in n.input]
            c.output[:] = [ren[o] for o in n.output]
            new_nodes.append(c)
        prev = ren[chain[-1]]
    for n in tail:
        n.input[:] = [prev if i == chain[-1] else i for i in n.input]
    idx = max(nodes.index(n) for n in last) + 1
    del g.node[:]
    g.node.extend(nodes[:idx] + new_nodes + nodes[idx:])
    g.initializer.extend(new_inits)
    dst.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(dst / "model.onnx"), save_as_external_data=True,
              location="weights.bin", size_threshold=1024)
    return dst


def models(workdir, only):
    m = SHARED / "models"
    out = []
    for name in ("gpt2", "llama_gqa", "llama_gqa_opset23", "mamba_h96",
                 "mamba2", "qwen3_moe"):
        out.append((name, m / name / "model.onnx", []))
    gen = ["--max-seq-len", "128"]
    out.append(("qwen2_gen (generation)", m / "qwen2_gen/decode/model.onnx",
                gen + ["--prefill", str(m / "qwen2_gen/prefill/model.onnx")]))
    for name in ("llama_og_fp32", "llama_og_int4"):
        out.append((f"{name} (generation)", m / name / "model.onnx", gen))
    for name in ("og_fp32", "og_int4"):
        out.append((f"seedlm_{name} (generation)",
                    m / "seedlm" / name / "model.onnx", gen))
    g = SHARED / "graphs"
    for name in ("llama_mid_opset18", "llama_mid_opset23", "mamba_h384_mid",
                 "mamba2_mid", "qwen3_moe_mid", "qwen3_moe_24l"):
        out.append((name, lambda n=name: materialize(g / n, workdir / n)
                    / "model.onnx", []))
    for name in ("llama_mid_og_fp32", "llama_mid_og_int4"):
        out.append((f"{name} (generation)", lambda n=name: materialize(
            g / n, workdir / n) / "model.onnx", gen))
    out.append(("llama_mid_gen (generation)",
                lambda: materialize(g / "llama_mid_gen/decode",
                                    workdir / "llama_mid_gen_decode")
                / "model.onnx",
                gen + ["--prefill", "@llama_mid_gen_prefill"]))
    out.append(("mamba2_24l", lambda: repeat_layers(
        materialize(g / "mamba2_mid", workdir / "mamba2_mid") / "model.onnx",
        workdir / "mamba2_24l", 24) / "model.onnx"
        if not (workdir / "mamba2_24l/model.onnx").exists()
        else workdir / "mamba2_24l/model.onnx", []))
    if only:
        keep = set(only.split(","))
        out = [o for o in out if o[0].split()[0] in keep]
    return out


def check_outputs(path, so, seq_run):
    """'ok', 'MISMATCH: ...' or 'not checked: ...' for the artifact `so` of
    the model at `path`."""
    path = Path(path)
    data = path.parent / "test_data_set_0"
    if not data.is_dir():
        try:
            import numpy as np
            import onnx
            import onnxruntime as ort
            from onnx import numpy_helper
        except ImportError as e:
            return f"not checked: {e}"
        data = path.parent / "bench_check_data"
        if not (data / "output_0.pb").exists():
            model = onnx.load(str(path), load_external_data=False)
            inits = {i.name for i in model.graph.initializer}
            rng = np.random.default_rng(0)
            feeds = {}
            for i in model.graph.input:
                if i.name in inits:
                    continue
                t = i.type.tensor_type
                shape = [d.dim_value if d.dim_value > 0 else 1
                         for d in t.shape.dim]
                dtype = onnx.helper.tensor_dtype_to_np_dtype(t.elem_type)
                feeds[i.name] = (rng.integers(0, 64, shape).astype(dtype)
                                 if np.issubdtype(dtype, np.integer) else
                                 rng.standard_normal(shape).astype(dtype))
            so_opts = ort.SessionOptions()
            so_opts.intra_op_num_threads = 2
            sess = ort.InferenceSession(str(path), so_opts,
                                        providers=["CPUExecutionProvider"])
            outs = sess.run(None, feeds)
            data.mkdir(exist_ok=True)
            for k, (n, v) in enumerate(feeds.items()):
                (data / f"input_{k}.pb").write_bytes(
                    numpy_helper.from_array(v, n).SerializeToString())
            for k, (o, v) in enumerate(zip(sess.get_outputs(), outs)):
                (data / f"output_{k}.pb").write_bytes(
                    numpy_helper.from_array(v, o.name).SerializeToString())
    r = subprocess.run([seq_run, str(so), "--data", str(data), "--threads",
                        "2"], capture_output=True, text=True)
    lines = [x for x in (r.stdout + r.stderr).splitlines() if "max_abs_err" in x]
    if r.returncode != 0 or not lines or any(not x.endswith("OK")
                                             for x in lines):
        return "MISMATCH: " + " | ".join(lines or [r.stderr.strip()[-200:]])
    return "ok (" + ", ".join(x.split(":")[1].split("max_rel")[0].strip()
                              for x in lines) + ")"


def compile_once(seqc, path, args, out, env=None):
    """(wall s, CPU s of all threads, {stage: wall s}, sys s, max RSS MB)
    or (None, error); CPU, sys and RSS from wait4: seqc and the linker it
    runs (RSS: the larger of the two)."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        p = subprocess.Popen([seqc, str(path), "--timing", "-o", str(out)] +
                             args, stdout=subprocess.DEVNULL, stderr=err,
                             env=env)
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - t0
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    if p.returncode != 0:
        return None, (stderr.strip().splitlines() or ["?"])[-1][:200]
    stages = {}
    for line in stderr.splitlines():
        m = STAGE_RE.match(line)
        if m and m.group(2) not in ("Total", "Rest"):
            stages[m.group(2)] = float(m.group(1))
    return (wall, ru.ru_utime + ru.ru_stime, stages, ru.ru_stime,
            ru.ru_maxrss / 1024), None


SHORT = {"import": "import", "raising": "raise",
         "lowering to linalg": "linalg", "lowering to LLVM dialect": "llvm-d",
         "LLVM translation": "transl",
         "LLVM optimization and code generation": "opt+cg",
         "LLVM translation and optimization": "opt",
         "code generation": "codegen", "link": "link",
         "generation artifact (all steps)": "gen-all",
         "waiting for the other step variants": "wait"}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seqc", default=str(REPO / "build/bin/seqc"))
    ap.add_argument("--seq-run", default=str(REPO / "build/bin/seq-run"))
    ap.add_argument("--workdir", default=str(REPO / "build/bench-cache/compile_time"))
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--only", default="", help="comma-separated names")
    ap.add_argument("--baseline", action="store_true",
                    help="also --split-max-ops=0 --compile-threads=1")
    ap.add_argument("--check", action="store_true",
                    help="compare each non-generation artifact's outputs")
    ap.add_argument("--peer-env", default="",
                    help="VAR=VALUE: also compile with this environment "
                    "variable set (e.g. SEQC_WEIGHTS_VIA_ASM=1), the two "
                    "configs alternating within each rep, with --sleep "
                    "seconds before each compile")
    ap.add_argument("--sleep", type=float, default=0.0)
    a = ap.parse_args()
    workdir = Path(a.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    print(isa_line())
    print(f"seqc {a.seqc}; median of {a.reps}; load average "
          f"{os.getloadavg()[0]:.1f} at start")
    configs = [("split, 2 threads", [], None)]
    if a.baseline:
        configs.append(("one function, 1 thread",
                        ["--split-max-ops=0", "--compile-threads=1"], None))
    if a.peer_env:
        var, _, val = a.peer_env.partition("=")
        configs.append((a.peer_env, [], dict(os.environ, **{var: val})))
    print(f"{'model':34} {'config':24} {'total s':>8} {'cpu s':>7} "
          f"{'sys s':>6} {'RSS MB':>7}  stages (wall s)  load after")
    tmp = Path(tempfile.mkdtemp(prefix="seqc-ct-"))
    for name, path, args in models(workdir, a.only):
        try:
            path = path() if callable(path) else path
        except Exception as e:  # noqa: BLE001 - report and go on
            print(f"{name:34} cannot prepare: {e}")
            continue
        args = [str(workdir / x[1:] / "model.onnx") if x.startswith("@")
                else x for x in args]
        if any(x.endswith("llama_mid_gen_prefill/model.onnx") for x in args):
            materialize(SHARED / "graphs/llama_mid_gen/prefill",
                        workdir / "llama_mid_gen_prefill")
        runs = {label: [] for label, _, _ in configs}
        errs = {}
        for _ in range(a.reps):  # configs alternate: same load for each
            for k, (label, extra, env) in enumerate(configs):
                if label in errs:
                    continue
                time.sleep(a.sleep)
                res, err = compile_once(a.seqc, path, args + extra,
                                        tmp / f"m{k}.so", env)
                if res is None:
                    errs[label] = err
                else:
                    runs[label].append(res)
        for k, (label, extra, env) in enumerate(configs):
            if label in errs:
                print(f"{name:34} {label:24} FAILED: {errs[label]}")
                continue
            rs = sorted(runs[label], key=lambda r: r[0])
            wall, cpu, stages, sys_s, rss = rs[len(rs) // 2]
            st = " ".join(f"{SHORT.get(k, k)}={v:.2f}" for k, v in
                          stages.items())
            print(f"{name:34} {label:24} {wall:8.2f} {cpu:7.2f} {sys_s:6.2f} "
                  f"{rss:7.0f}  {st}  {os.getloadavg()[0]:.1f}", flush=True)
            if a.check and "--max-seq-len" not in args:
                print(f"{'':34} outputs: "
                      f"{check_outputs(path, tmp / f'm{k}.so', a.seq_run)}",
                      flush=True)


if __name__ == "__main__":
    main()
