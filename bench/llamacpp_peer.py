#!/usr/bin/env python3
"""llama.cpp as a benchmark peer for llama_mid (issues #13 and #16).

llama.cpp is a peer to compare speed with, never a dependency of seqc. Its
source comes from the llama-cpp-python sdist on PyPI (vendor/llama.cpp),
downloaded and built once into ~/.cache/seqc-bench/ (CPU only,
GGML_NATIVE=ON, no BLAS/CUDA/curl, Release, -j2).

The model is ../shared/graphs/llama_mid_og_fp32 (4 layers, hidden 512,
8 heads / 2 KV heads, head 64, FFN 1408, vocab 4096), materialized with its
deterministic random weights and converted to a GGUF f32 file with the
gguf-py package shipped inside llama.cpp: the ONNX MatMul weights ([in, out])
become llama.cpp's tensors (ggml ne=[in, out], i.e. [out, in] row-major),
fused QKV / gate-up MatMuls are split, and the metadata carries the llama
hyper-parameters plus a dummy 4096-token vocabulary (llama-bench feeds
random ids and never tokenizes). The f32 file is then quantized with
llama-quantize to Q4_0 ("q4_0": llama.cpp's Q4_0 mix, output.weight Q6_K)
and to pure Q4_0 ("q4_0_pure": every matrix Q4_0, like llama_mid_og_int4,
whose lm_head is int4 as well).

Numerics are NOT compared with seqc: the converter keeps the weights (Q/K
rows permuted to llama.cpp's rope order) but the materialized cos/sin caches
are random, so llama.cpp's rope (base 10000) differs from the ONNX model's,
and its outputs are never checked against seqc's. The peer only measures
speed on the same shapes (same parameter count, attention geometry and
vocabulary).

Speed: `llama-bench -p 128 -n 128 -t THREADS -r REPS`; prefill is the time
for the 128-token prompt (ms), decode the time per generated token (ms)
from an empty context (`-n`) and after the 128-token prompt (`-d 128`, the
issues' workload), medians over the repetitions (the per-repetition samples
come from llama-bench's JSON output). llama-bench times only the model:
no sampling (random ids are fed).

llama-bench runs with OMP_WAIT_POLICY=passive by default: ggml's OpenMP
barriers spin, and on the shared, oversubscribed 2-core development machine
(load ~15) a spinning thread holds the core its descheduled peer needs. With
the default policy a decode step took ~260 ms there, with passive ~10-16 ms
(-t 1: ~14 ms); passive is llama.cpp's best on that machine, so the peer is
not handicapped. --omp-wait default|active measures it as shipped.

    python3 bench/llamacpp_peer.py [--threads 2] [--reps 5] [--rebuild]

Other bench scripts call llamacpp_numbers(threads=2), which returns a dict
(or None, printing why, when llama.cpp cannot be built or run).
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import urllib.parse
import urllib.request
from pathlib import Path
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchutil import isa_line  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CACHE = Path(os.environ.get("SEQC_BENCH_CACHE",
                            Path.home() / ".cache" / "seqc-bench"))
PYPI_JSON = "https://pypi.org/pypi/llama-cpp-python/json"
TARGETS = ["llama-bench", "llama-quantize"]
TYPES = ("f32", "q4_0", "q4_0_pure")


def log(msg):
    print(f"[llamacpp] {msg}", flush=True)


# --------------------------------------------------------------------------
# Source and build.


def fetch_sdist():
    """The llama-cpp-python sdist, unpacked; returns vendor/llama.cpp."""
    CACHE.mkdir(parents=True, exist_ok=True)
    existing = sorted(CACHE.glob("llama_cpp_python-*/vendor/llama.cpp"))
    if existing and (existing[-1] / "CMakeLists.txt").is_file():
        return existing[-1]
    meta = json.load(urllib.request.urlopen(PYPI_JSON, timeout=60))
    sdists = [u for u in meta["urls"] if u["packagetype"] == "sdist"]
    if not sdists:
        raise RuntimeError(f"no sdist for llama-cpp-python "
                           f"{meta['info']['version']} on PyPI")
    url = urllib.parse.urljoin(PYPI_JSON, sdists[0]["url"])
    tgz = CACHE / sdists[0]["filename"]
    if not tgz.is_file() or tgz.stat().st_size != sdists[0]["size"]:
        log(f"downloading {url}")
        tmp = tgz.with_suffix(".part")
        with urllib.request.urlopen(url, timeout=600) as r, \
                open(tmp, "wb") as f:
            shutil.copyfileobj(r, f)
        tmp.rename(tgz)
    log(f"unpacking {tgz.name}")
    with tarfile.open(tgz) as t:
        try:
            t.extractall(CACHE, filter="data")
        except TypeError:  # Python without extraction filters
            t.extractall(CACHE)
    src = CACHE / tgz.name[:-len(".tar.gz")] / "vendor" / "llama.cpp"
    if not (src / "CMakeLists.txt").is_file():
        raise RuntimeError(f"{src} has no CMakeLists.txt")
    return src


def build(src, jobs=2, rebuild=False):
    """Builds llama-bench and llama-quantize; returns the bin directory."""
    bdir = src.parent.parent / "build-cpu"
    bindir = bdir / "bin"
    if not rebuild and all((bindir / t).is_file() for t in TARGETS):
        return bindir
    if rebuild and bdir.exists():
        shutil.rmtree(bdir)
    cfg = ["cmake", "-S", str(src), "-B", str(bdir),
           "-DCMAKE_BUILD_TYPE=Release", "-DGGML_NATIVE=ON",
           "-DGGML_BLAS=OFF", "-DGGML_CUDA=OFF", "-DGGML_METAL=OFF",
           "-DGGML_VULKAN=OFF", "-DGGML_OPENMP=ON", "-DLLAMA_CURL=OFF",
           "-DBUILD_SHARED_LIBS=OFF", "-DLLAMA_BUILD_TESTS=OFF",
           "-DLLAMA_BUILD_EXAMPLES=OFF", "-DLLAMA_BUILD_SERVER=OFF",
           "-DLLAMA_BUILD_TOOLS=ON"]
    if shutil.which("ninja"):
        cfg += ["-G", "Ninja"]
    log("configuring: " + " ".join(cfg))
    subprocess.run(cfg, check=True)
    cmd = ["cmake", "--build", str(bdir), "-j", str(jobs), "--target"] + \
        TARGETS
    log("building: " + " ".join(cmd))
    subprocess.run(cmd, check=True)
    return bindir


# --------------------------------------------------------------------------
# ONNX (onnxruntime-genai llama) -> GGUF f32.


def materialize(workdir):
    """llama_mid_og_fp32 with its deterministic weights, in workdir."""
    graph = SHARED / "graphs" / "llama_mid_og_fp32"
    out = Path(workdir) / "llama_mid_og_fp32"
    if (out / "weights.bin").is_file():
        return out
    if not graph.is_dir():
        raise RuntimeError(f"{graph} not found (needs ../shared)")
    subprocess.run([sys.executable, str(SHARED / "tools" / "materialize.py"),
                    str(graph), str(out)], check=True,
                   stdout=subprocess.DEVNULL)
    for f in graph.glob("*.json"):
        shutil.copy(f, out / f.name)
    return out


LAYER_RE = re.compile(r"model\.layers\.(\d+)\.(.+)\.weight$")
# onnxruntime-genai initializer names -> llama.cpp tensor names; the fused
# ones are split by convert().
LAYER_NAMES = {
    "input_layernorm": "attn_norm",
    "attn.q_proj.MatMul": "attn_q",
    "attn.k_proj.MatMul": "attn_k",
    "attn.v_proj.MatMul": "attn_v",
    "attn.o_proj.MatMul": "attn_output",
    "post_attention_layernorm": "ffn_norm",
    "mlp.gate_proj.MatMul": "ffn_gate",
    "mlp.up_proj.MatMul": "ffn_up",
    "mlp.down_proj.MatMul": "ffn_down",
}


def rope_permute(w, n_head):
    """[out, in] Q/K rows from the rotate-half (NeoX, GQA
    rotary_interleaved=0) order to the pairwise order llama.cpp's LLAMA
    rope expects (what convert_hf_to_gguf.py does to HF llama weights)."""
    out, inp = w.shape
    return (w.reshape(n_head, 2, out // n_head // 2, inp).swapaxes(1, 2)
            .reshape(out, inp))


def hparams(model_dir, model):
    """Hyper-parameters from genai_config.json, else the graph itself."""
    import onnx
    attrs, eps = {}, None
    for n in model.graph.node:
        if n.op_type == "GroupQueryAttention" and not attrs:
            attrs = {a.name: onnx.helper.get_attribute_value(a)
                     for a in n.attribute}
        if n.op_type.endswith("SimplifiedLayerNormalization") and eps is None:
            for a in n.attribute:
                if a.name == "epsilon":
                    eps = a.f
    hp = {"rms_eps": eps if eps is not None else 1e-6,
          "rotary_interleaved": int(attrs.get("rotary_interleaved", 0))}
    cfg_path = Path(model_dir) / "genai_config.json"
    if cfg_path.is_file():
        cfg = json.loads(cfg_path.read_text())["model"]
        d = cfg["decoder"]
        hp.update(n_head=d["num_attention_heads"],
                  n_head_kv=d["num_key_value_heads"],
                  head_dim=d["head_size"], n_embd=d["hidden_size"],
                  n_layer=d["num_hidden_layers"],
                  n_ctx=cfg.get("context_length", 2048),
                  n_vocab=cfg["vocab_size"],
                  bos=cfg.get("bos_token_id", 1),
                  eos=cfg.get("eos_token_id", 2))
    elif attrs:
        hp.update(n_head=attrs["num_heads"], n_head_kv=attrs["kv_num_heads"])
    else:
        raise RuntimeError(f"{model_dir}: no genai_config.json and no "
                           "GroupQueryAttention node to read heads from")
    return hp


def convert(model_dir, out_path, gguf):
    """Writes the GGUF f32 file; returns the hyper-parameters."""
    import numpy as np
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(Path(model_dir) / "model.onnx"))
    hp = hparams(model_dir, model)
    w = {t.name: numpy_helper.to_array(t).astype(np.float32)
         for t in model.graph.initializer}
    tensors = {}  # gguf name -> [out, in] (or 1-D) float32 array

    def take(name):
        if name not in w:
            raise RuntimeError(f"{model_dir}: initializer '{name}' missing")
        return w.pop(name)

    emb = take("model.embed_tokens.weight")  # [vocab, n_embd]
    hp.setdefault("n_vocab", emb.shape[0])
    hp.setdefault("n_embd", emb.shape[1])
    hp.setdefault("head_dim", hp["n_embd"] // hp["n_head"])
    hp.setdefault("n_ctx", 2048)
    hp.setdefault("bos", 1)
    hp.setdefault("eos", 2)
    tensors["token_embd.weight"] = emb
    n_q = hp["n_head"] * hp["head_dim"]
    n_kv = hp["n_head_kv"] * hp["head_dim"]
    layers = set()
    for name in sorted(w):
        m = LAYER_RE.match(name)
        if not m:
            continue
        i, part = int(m.group(1)), m.group(2)
        t = w.pop(name)
        mm = t.T if t.ndim == 2 else t  # MatMul [in, out] -> [out, in]
        if part == "attn.qkv_proj.MatMul":
            if mm.shape[0] != n_q + 2 * n_kv:
                raise RuntimeError(f"{name}: {mm.shape[0]} outputs, expected "
                                   f"{n_q} + 2 x {n_kv}")
            parts = {"attn_q": mm[:n_q], "attn_k": mm[n_q:n_q + n_kv],
                     "attn_v": mm[n_q + n_kv:]}
        elif part == "mlp.gate_up_proj.MatMul":
            half = mm.shape[0] // 2
            parts = {"ffn_gate": mm[:half], "ffn_up": mm[half:]}
        elif part in LAYER_NAMES:
            parts = {LAYER_NAMES[part]: mm}
        elif part.endswith("final_norm_layernorm"):
            tensors["output_norm.weight"] = t  # genai names it layers.N
            continue
        else:
            raise RuntimeError(f"{name}: no llama.cpp tensor for it")
        for k, v in parts.items():
            if k in ("attn_q", "attn_k") and not hp["rotary_interleaved"]:
                v = rope_permute(
                    v, hp["n_head"] if k == "attn_q" else hp["n_head_kv"])
            tensors[f"blk.{i}.{k}.weight"] = np.ascontiguousarray(v)
        layers.add(i)
    if "model.norm.weight" in w:
        tensors["output_norm.weight"] = take("model.norm.weight")
    tensors["output.weight"] = np.ascontiguousarray(
        take("lm_head.MatMul.weight").T)
    w.pop("cos_cache", None)  # llama.cpp computes rope itself
    w.pop("sin_cache", None)
    if w:
        raise RuntimeError(f"unmapped initializers: {sorted(w)}")
    hp["n_layer"] = hp.get("n_layer", len(layers))
    if sorted(layers) != list(range(hp["n_layer"])):
        raise RuntimeError(f"layers {sorted(layers)}, expected "
                           f"{hp['n_layer']}")
    hp["n_ff"] = tensors["blk.0.ffn_up.weight"].shape[0]
    for need in ("attn_norm", "attn_q", "attn_k", "attn_v", "attn_output",
                 "ffn_norm", "ffn_gate", "ffn_up", "ffn_down"):
        for i in range(hp["n_layer"]):
            if f"blk.{i}.{need}.weight" not in tensors:
                raise RuntimeError(f"layer {i}: no {need} weight")

    wr = gguf.GGUFWriter(str(out_path), "llama")
    wr.add_name("llama_mid_og_fp32")
    wr.add_context_length(hp["n_ctx"])
    wr.add_embedding_length(hp["n_embd"])
    wr.add_block_count(hp["n_layer"])
    wr.add_feed_forward_length(hp["n_ff"])
    wr.add_head_count(hp["n_head"])
    wr.add_head_count_kv(hp["n_head_kv"])
    wr.add_rope_dimension_count(hp["head_dim"])
    # The materialized cos/sin caches are random; 10000 is llama's base (the
    # speed does not depend on it).
    wr.add_rope_freq_base(10000.0)
    wr.add_layer_norm_rms_eps(hp["rms_eps"])
    wr.add_vocab_size(hp["n_vocab"])
    wr.add_file_type(gguf.LlamaFileType.ALL_F32)
    # A dummy SentencePiece vocabulary: <unk> <s> </s>, the 256 byte tokens
    # SPM needs, then placeholders. llama-bench only feeds random ids.
    toks = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)]
    types = [gguf.TokenType.UNKNOWN, gguf.TokenType.CONTROL,
             gguf.TokenType.CONTROL] + [gguf.TokenType.BYTE] * 256
    if hp["n_vocab"] < len(toks):
        raise RuntimeError(f"vocab {hp['n_vocab']} < {len(toks)}")
    toks += [f"tok{i}" for i in range(len(toks), hp["n_vocab"])]
    types += [gguf.TokenType.NORMAL] * (hp["n_vocab"] - len(types))
    wr.add_tokenizer_model("llama")
    wr.add_token_list(toks)
    wr.add_token_scores([0.0] * hp["n_vocab"])
    wr.add_token_types(types)
    wr.add_bos_token_id(hp["bos"])
    wr.add_eos_token_id(hp["eos"])
    wr.add_unk_token_id(0)
    for name, t in tensors.items():
        wr.add_tensor(name, t)
    wr.write_header_to_file()
    wr.write_kv_data_to_file()
    wr.write_tensors_to_file()
    wr.close()
    hp["n_params"] = sum(t.size for t in tensors.values())
    hp["bytes_per_token"] = sum(
        t.nbytes for n, t in tensors.items() if n != "token_embd.weight") + \
        emb[0].nbytes  # one embedding row is read per decoded token
    return hp


def gguf_read_bytes(gguf, path):
    """(bytes of weights read per decoded token: every tensor but the
    embedding table plus one of its rows, {tensor type: count})."""
    r = gguf.GGUFReader(str(path))
    total, kinds = 0, {}
    for t in r.tensors:
        n = int(t.n_bytes)
        if t.name == "token_embd.weight":
            n //= int(t.shape[-1])  # ne[1] rows; one is gathered
        total += n
        kinds[t.tensor_type.name] = kinds.get(t.tensor_type.name, 0) + 1
    return total, kinds


def load_gguf_module(src):
    sys.path.insert(0, str(src / "gguf-py"))
    try:
        import gguf
    finally:
        sys.path.pop(0)
    return gguf


# --------------------------------------------------------------------------
# Quantization and speed.


def quantize(bindir, f32, q40, pure=False):
    """Q4_0 as llama-quantize makes it (output.weight Q6_K) or, pure, every
    matrix Q4_0 (as llama_mid_og_int4 quantizes lm_head too)."""
    if q40.is_file() and q40.stat().st_mtime >= f32.stat().st_mtime:
        return
    out = subprocess.run([str(bindir / "llama-quantize")]
                         + (["--pure"] if pure else [])
                         + [str(f32), str(q40), "Q4_0", "2"],
                         capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError("llama-quantize failed:\n" + out.stderr[-2000:])


def llama_bench(bindir, gguf_path, threads, reps, prompt, gen, depth=0,
                omp_wait="passive"):
    """(prefill ms samples, {depth: decode ms/token samples}) from
    llama-bench: the prompt from an empty context, decode from an empty one
    (plain `-n`) and, with depth > 0, after `depth` tokens of context."""
    cmd = [str(bindir / "llama-bench"), "-m", str(gguf_path),
           "-p", str(prompt), "-n", str(gen), "-t", str(threads),
           "-r", str(reps), "-o", "json"]
    if depth:
        cmd += ["-d", f"0,{depth}"]
    env = dict(os.environ)
    if omp_wait != "default":
        env["OMP_WAIT_POLICY"] = omp_wait
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if out.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{out.stderr[-2000:]}")
    pre, dec = [], {}
    for t in json.loads(out.stdout):
        d = t.get("n_depth", 0)
        if t["n_prompt"] and not t["n_gen"] and d == 0:
            pre = [ns / 1e6 for ns in t["samples_ns"]]
        elif t["n_gen"] and not t["n_prompt"]:
            dec[d] = [ns / 1e6 / t["n_gen"] for ns in t["samples_ns"]]
    if not pre or set(dec) != {0, depth}:
        raise RuntimeError(f"no pp/tg results in llama-bench output:\n"
                           f"{out.stdout[-2000:]}")
    return pre, dec


def prepare(rebuild=False, workdir=None):
    """Builds llama.cpp and writes the f32 and Q4_0 GGUF files (cached).
    Returns (bindir, {"f32"|"q4_0"|"q4_0_pure": path}, hparams)."""
    src = fetch_sdist()
    bindir = build(src, rebuild=rebuild)
    gguf = load_gguf_module(src)
    workdir = Path(workdir) if workdir else CACHE / "models"
    workdir.mkdir(parents=True, exist_ok=True)
    onnx_dir = materialize(workdir)
    f32 = workdir / "llama_mid_f32.gguf"
    hp_path = workdir / "llama_mid_f32.json"
    onnx_mtime = (onnx_dir / "weights.bin").stat().st_mtime
    if (rebuild or not f32.is_file() or not hp_path.is_file()
            or f32.stat().st_mtime < onnx_mtime):
        log(f"converting {onnx_dir} -> {f32}")
        hp = convert(onnx_dir, f32, gguf)
        hp_path.write_text(json.dumps(hp, indent=1))
    hp = json.loads(hp_path.read_text())
    files = {"f32": f32, "q4_0": workdir / "llama_mid_q4_0.gguf",
             "q4_0_pure": workdir / "llama_mid_q4_0_pure.gguf"}
    quantize(bindir, f32, files["q4_0"])
    quantize(bindir, f32, files["q4_0_pure"], pure=True)
    hp["read_bytes"], hp["tensor_types"] = {}, {}
    for ty, path in files.items():
        hp["read_bytes"][ty], hp["tensor_types"][ty] = gguf_read_bytes(
            gguf, path)
    return bindir, files, hp


def llamacpp_numbers(threads=2, reps=5, types=("f32", "q4_0"), prompt=128,
                     gen=128, depth=128, omp_wait="passive"):
    """llama.cpp's speed on llama_mid: {type: {"prefill_ms", "decode_ms",
    "decode0_ms", "prefill_samples", "decode_samples", "file_bytes"},
    "hparams": ..., "version": ...}. prefill: `prompt` tokens from an empty
    context; decode_ms: per token while generating `gen` tokens after
    `depth` tokens of context (default: after the 128-token prompt, the
    issues' workload); decode0_ms: the same from an empty context (plain
    `llama-bench -n`). Medians over `reps`. omp_wait: OMP_WAIT_POLICY for
    llama-bench ("default": unset; see the module docstring). None, with
    the reason printed, when llama.cpp cannot be built or run."""
    try:
        bindir, files, hp = prepare()
        res = {"hparams": hp, "version": fetch_sdist().parent.parent.name,
               "threads": threads}
        for ty in types:
            pre, dec = llama_bench(bindir, files[ty], threads, reps, prompt,
                                   gen, depth, omp_wait)
            res[ty] = {"prefill_ms": statistics.median(pre),
                       "decode_ms": statistics.median(dec[depth]),
                       "decode0_ms": statistics.median(dec[0]),
                       "prefill_samples": pre, "decode_samples": dec[depth],
                       "file_bytes": files[ty].stat().st_size,
                       "read_bytes": hp["read_bytes"][ty],
                       "tensor_types": hp["tensor_types"][ty]}
        return res
    except (OSError, RuntimeError, subprocess.CalledProcessError,
            ImportError, KeyError, ValueError) as e:
        print(f"llama.cpp: unavailable: {type(e).__name__}: {e}")
        return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--prompt-len", type=int, default=128)
    ap.add_argument("--gen-len", type=int, default=128)
    ap.add_argument("--depth", type=int, default=128,
                    help="also time decode after a context of this many "
                    "tokens (llama-bench -d 0,N; default 128, the prompt "
                    "of the issues' workload; 0: only `llama-bench -n`)")
    ap.add_argument("--omp-wait", choices=("passive", "active", "default"),
                    default="passive", help="OMP_WAIT_POLICY for llama-bench "
                    "(default passive: see the docstring)")
    ap.add_argument("--rebuild", action="store_true",
                    help="rebuild llama.cpp and reconvert the model")
    ap.add_argument("--build-only", action="store_true")
    args = ap.parse_args()
    if args.threads > 2:
        print("note: the shared development machine allows 2 threads")
    print(f"machine: {isa_line()}")
    if args.build_only or args.rebuild:
        try:
            bindir, files, hp = prepare(rebuild=args.rebuild)
        except (OSError, RuntimeError, subprocess.CalledProcessError) as e:
            sys.exit(f"llama.cpp: cannot build: {e}")
        log(f"binaries in {bindir}; models {files['f32']}, {files['q4_0']}")
        if args.build_only:
            return
    r = llamacpp_numbers(args.threads, args.reps, TYPES,
                         prompt=args.prompt_len,
                         gen=args.gen_len, depth=args.depth,
                         omp_wait=args.omp_wait)
    if r is None:
        sys.exit(1)
    hp = r["hparams"]
    print(f"llama.cpp ({r['version']}, vendor/llama.cpp) on llama_mid: "
          f"{hp['n_layer']} layers, hidden {hp['n_embd']}, heads "
          f"{hp['n_head']}/{hp['n_head_kv']}, FFN {hp['n_ff']}, vocab "
          f"{hp['n_vocab']}, {hp['n_params'] / 1e6:.1f} M params")
    print(f"llama-bench -p {args.prompt_len} -n {args.gen_len} -t "
          f"{args.threads} -r {args.reps}"
          + (f" -d 0,{args.depth}" if args.depth else "")
          + f", OMP_WAIT_POLICY={args.omp_wait} (medians over the "
          "repetitions)")
    d = args.depth
    print(f"{'':9} {'file MB':>8} {f'prefill {args.prompt_len} ms':>16} "
          f"{'decode ms/tok':>14} {f'decode@{d} ms/tok':>17} "
          f"{f'tok/s@{d}':>9} {f'GB/s@{d}':>8}")
    for ty in TYPES:
        x = r[ty]
        # Weights read per token (one embedding row) plus the f16 KV cache
        # at the mean past length.
        kv = 2 * hp["n_layer"] * hp["n_head_kv"] * hp["head_dim"] * 2 * \
            (d + (args.gen_len - 1) / 2)
        gbs = (x["read_bytes"] + kv) / (x["decode_ms"] / 1e3) / 1e9
        print(f"{ty:9} {x['file_bytes'] / 1e6:8.1f} {x['prefill_ms']:16.2f} "
              f"{x['decode0_ms']:14.3f} {x['decode_ms']:17.3f} "
              f"{1e3 / x['decode_ms']:9.1f} {gbs:8.1f}  "
              + ", ".join(f"{k} x{v}" for k, v in
                          sorted(x["tensor_types"].items())))


if __name__ == "__main__":
    main()
