#!/usr/bin/env python3
"""Fused flash attention of the CUDA target vs PyTorch SDPA (flash backend).

Builds ONNX Attention models (opset 23), compiles them with
`seqc --target=cuda`, runs them through the Python API (python/seqc) and
compares with torch.nn.functional.scaled_dot_product_attention on the same
inputs:

  prefill: B=4, H=32, S=2048 and 4096, D=128, causal   -> TFLOP/s
  decode:  B=8, 32 query heads, 8 kv heads, 8192 cached tokens, D=128
                                                      -> GB/s of K/V read

seqc artifacts take host buffers (inputs copied to the device and the
result back on every call), so two seqc times are reported: the kernels
alone (CUDA kernel activity named seqc_graph_kernel*, from torch.profiler)
and the whole seqc_run call. The ratio uses the kernel time.

Needs an NVIDIA GPU, torch with CUDA, numpy, onnx, ml_dtypes (bf16) and a
seqc build (build/bin/seqc, or --seqc). No network.

usage: bench/gpu_attention.py [--dtype bf16|f16] [--cases prefill2048,...]
                              [--iters N] [--warmup N] [--seqc PATH]

AOT split (compile where seqc is built, run on the GPU host):
  bench/gpu_attention.py --compile-only DIR --gpu-arch sm_90   # no GPU needed
  bench/gpu_attention.py --artifacts DIR                       # no seqc needed
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODEL_SCRIPT = ROOT / "test" / "GPU" / "Inputs" / "attention_model.py"

# name: (B, Hq, Hkv, Sq, Skv, D, causal)
CASES = {
    "prefill2048": (4, 32, 32, 2048, 2048, 128, True),
    "prefill4096": (4, 32, 32, 4096, 4096, 128, True),
    "decode8192": (8, 32, 8, 1, 8192, 128, False),
}


def fail(msg):
    print(f"error: {msg}", file=sys.stderr)
    sys.exit(1)


def require():
    """Imports what the benchmark needs or exits with one clear line."""
    try:
        import numpy  # noqa: F401
    except ImportError:
        fail("numpy is not installed")
    try:
        import torch
    except ImportError:
        fail("PyTorch is not installed (pip install torch with CUDA); this "
             "benchmark compares against torch SDPA on an NVIDIA GPU")
    if not torch.cuda.is_available():
        fail("no CUDA GPU visible to PyTorch (torch.cuda.is_available() is "
             "False); run this on a machine with an NVIDIA GPU and driver")
    try:
        import onnx  # noqa: F401
    except ImportError:
        fail("onnx is not installed (needed to build the attention models)")
    sys.path.insert(0, str(ROOT / "python"))
    try:
        import seqc  # noqa: F401
    except ImportError as e:
        fail(f"cannot import the seqc Python API from {ROOT / 'python'}: {e}")
    return torch


def find_seqc(arg):
    path = Path(arg) if arg else ROOT / "build" / "bin" / "seqc"
    if not path.is_file() or not os.access(path, os.X_OK):
        fail(f"seqc not found at {path}; build it (scripts/build.sh seqc) or "
             "pass --seqc")
    return str(path)


def build_and_compile(seqc_bin, work, name, dtype, case):
    b, hq, hkv, sq, skv, d, causal = case
    model_dir = work / name
    if seqc_bin is None:  # --artifacts: compiled ahead of time elsewhere
        so = model_dir / "model.so"
        if not so.is_file():
            fail(f"{so} missing; make it with --compile-only {work} "
                 f"--dtype {dtype}")
        return so, float("nan")
    args = [sys.executable, str(MODEL_SCRIPT), str(model_dir),
            {"bf16": "bfloat16", "f16": "float16"}[dtype],
            str(b), str(hq), str(hkv), str(sq), str(skv), str(d)]
    if causal:
        args.append("causal")
    subprocess.run(args, check=True)
    so = model_dir / "model.so"
    t0 = time.time()
    proc = subprocess.run([seqc_bin, "--target=cuda", "--gpu-arch=" + ARCH,
                           str(model_dir / "model.onnx"), "-o", str(so)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        fail(f"seqc failed on {name}:\n{proc.stderr.strip()}")
    return so, time.time() - t0


def to_numpy(t):
    """torch tensor (f16/bf16, on any device) -> numpy array of that type."""
    t = t.detach().cpu().contiguous()
    if t.dtype == TORCH_BF16:
        import ml_dtypes
        return t.view(TORCH_I16).numpy().view(ml_dtypes.bfloat16)
    return t.numpy()


def seqc_kernel_ms(torch, art, inputs, iters):
    """Mean device time per call of the artifact's kernels (CUPTI via
    torch.profiler), or None when the profiler reports none."""
    try:
        from torch.profiler import ProfilerActivity, profile
        with profile(activities=[ProfilerActivity.CUDA]) as prof:
            for _ in range(iters):
                art.run(*inputs)
            torch.cuda.synchronize()
    except Exception as e:  # no CUPTI, profiler errors: report n/a
        print(f"# torch.profiler unavailable ({e}); no kernel-only time",
              file=sys.stderr)
        return None
    total_us, seen = 0.0, False
    for evt in prof.key_averages():
        if evt.key.startswith("seqc_graph_kernel"):
            seen = True
            total_us += getattr(evt, "device_time_total",
                                getattr(evt, "cuda_time_total", 0.0))
    return total_us / iters / 1e3 if seen else None


def torch_sdpa(torch, q, k, v, causal):
    """SDPA on the flash backend when it takes these inputs (GQA through
    enable_gqa; else K/V heads repeated, noted in the output)."""
    import torch.nn.functional as F
    try:
        from torch.nn.attention import SDPBackend, sdpa_kernel
        ctx = lambda: sdpa_kernel([SDPBackend.FLASH_ATTENTION])
    except ImportError:  # older torch
        ctx = lambda: torch.backends.cuda.sdp_kernel(
            enable_flash=True, enable_math=False, enable_mem_efficient=False)
    gqa = q.shape[1] != k.shape[1]
    if gqa:
        try:
            with ctx():
                F.scaled_dot_product_attention(q, k, v, is_causal=causal,
                                               enable_gqa=True)
            return (lambda: F.scaled_dot_product_attention(
                q, k, v, is_causal=causal, enable_gqa=True)), ctx, "flash+gqa"
        except (RuntimeError, TypeError):
            rep = q.shape[1] // k.shape[1]
            k = k.repeat_interleave(rep, dim=1)
            v = v.repeat_interleave(rep, dim=1)
    fn = lambda: F.scaled_dot_product_attention(q, k, v, is_causal=causal)
    note = " (K/V heads repeated)" if gqa else ""
    try:
        with ctx():
            fn()
        return fn, ctx, "flash" + note
    except RuntimeError as e:  # flash backend refuses: torch's default
        print(f"# torch flash backend unavailable ({e}); default SDPA",
              file=sys.stderr)
        import contextlib
        return fn, contextlib.nullcontext, "default" + note


def time_cuda_ms(torch, fn, ctx, iters, warmup):
    with ctx():
        for _ in range(warmup):
            fn()
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(iters):
            fn()
        end.record()
        torch.cuda.synchronize()
    return start.elapsed_time(end) / iters


def main(argv=None):
    global ARCH, TORCH_BF16, TORCH_I16
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dtype", choices=["bf16", "f16"], default="bf16")
    ap.add_argument("--cases", default=",".join(CASES),
                    help="comma-separated subset of " + ", ".join(CASES))
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--seqc", help="seqc binary (default build/bin/seqc)")
    ap.add_argument("--gpu-arch", default=None,
                    help="sm_XX for seqc (default: the visible GPU's)")
    ap.add_argument("--keep", action="store_true",
                    help="keep the models and artifacts (printed path)")
    ap.add_argument("--compile-only", metavar="DIR",
                    help="build the models and artifacts into DIR and stop "
                    "(no GPU needed; give --gpu-arch)")
    ap.add_argument("--artifacts", metavar="DIR",
                    help="run artifacts made by --compile-only DIR (no seqc "
                    "needed on this machine)")
    args = ap.parse_args(argv)
    names = [c for c in args.cases.split(",") if c]
    unknown = [c for c in names if c not in CASES]
    if unknown:
        fail(f"unknown case(s) {unknown}; choose from {list(CASES)}")

    if args.compile_only:
        ARCH = args.gpu_arch or fail("--compile-only needs --gpu-arch")
        seqc_bin = find_seqc(args.seqc)
        out = Path(args.compile_only)
        out.mkdir(parents=True, exist_ok=True)
        for name in names:
            so, secs = build_and_compile(seqc_bin, out, name, args.dtype,
                                         CASES[name])
            print(f"{name}: {so} ({secs:.2f} s)")
        return 0

    torch = require()
    import numpy as np
    import seqc
    TORCH_BF16, TORCH_I16 = torch.bfloat16, torch.int16
    seqc_bin = None if args.artifacts else find_seqc(args.seqc)
    major, minor = torch.cuda.get_device_capability()
    ARCH = args.gpu_arch or f"sm_{major}{minor}"
    tdtype = {"bf16": torch.bfloat16, "f16": torch.float16}[args.dtype]
    print(f"# {torch.cuda.get_device_name()} ({ARCH}), torch "
          f"{torch.__version__}, {args.dtype}, {args.iters} iterations")

    work = (Path(args.artifacts) if args.artifacts else
            Path(tempfile.mkdtemp(prefix="seqc-gpu-attn-")))
    rows = []
    try:
        for name in names:
            case = CASES[name]
            b, hq, hkv, sq, skv, d, causal = case
            so, compile_s = build_and_compile(seqc_bin, work, name,
                                              args.dtype, case)
            gen = torch.Generator(device="cuda").manual_seed(0)
            q = torch.randn(b, hq, sq, d, device="cuda", dtype=tdtype,
                            generator=gen)
            k = torch.randn(b, hkv, skv, d, device="cuda", dtype=tdtype,
                            generator=gen)
            v = torch.randn(b, hkv, skv, d, device="cuda", dtype=tdtype,
                            generator=gen)
            fn, ctx, backend = torch_sdpa(torch, q, k, v, causal)
            with ctx():
                ref = fn().float().cpu().numpy()
            torch_ms = time_cuda_ms(torch, fn, ctx, args.iters, args.warmup)

            art = seqc.load(str(so))
            inputs = [to_numpy(x) for x in (q, k, v)]
            try:
                out = art.run(*inputs)[0]
            except seqc.SeqcError as e:
                fail(f"{name}: seqc run failed: {e}")
            got = np.asarray(out, dtype=np.float32)
            err = float(np.max(np.abs(got - ref)))
            tol = 3e-2 if args.dtype == "bf16" else 5e-3
            ok = bool(np.allclose(got, ref, rtol=tol, atol=tol))
            for _ in range(args.warmup):
                art.run(*inputs)
            t0 = time.perf_counter()
            for _ in range(args.iters):
                art.run(*inputs)
            e2e_ms = (time.perf_counter() - t0) * 1e3 / args.iters
            kern_ms = seqc_kernel_ms(torch, art, inputs, args.iters)

            if sq > 1:
                flops = 4.0 * b * hq * sq * skv * d * (0.5 if causal else 1.0)
                metric = lambda ms: f"{flops / (ms * 1e-3) / 1e12:8.1f} TFLOP/s"
            else:
                nbytes = 2.0 * b * hkv * skv * d * q.element_size()
                metric = lambda ms: f"{nbytes / (ms * 1e-3) / 1e9:8.1f} GB/s"
            rows.append((name, ok, err, compile_s, kern_ms, e2e_ms, torch_ms,
                         metric, backend))
            print(f"{name:12s} match={'yes' if ok else 'NO '} "
                  f"max|err|={err:.2e}  seqc kernels "
                  + (f"{kern_ms:8.3f} ms ({metric(kern_ms)})"
                     if kern_ms else "    n/a (profiler saw no kernels)")
                  + f"  seqc_run {e2e_ms:8.3f} ms  torch {backend} "
                  f"{torch_ms:8.3f} ms ({metric(torch_ms)})"
                  + (f"  torch/seqc-kernels {torch_ms / kern_ms:5.2f}x"
                     if kern_ms else "")
                  + f"  torch/seqc_run {torch_ms / e2e_ms:5.2f}x", flush=True)
    finally:
        if args.artifacts:
            pass  # not ours to delete
        elif args.keep:
            print(f"# models and artifacts kept in {work}")
        else:
            import shutil
            shutil.rmtree(work, ignore_errors=True)
    bad = [r[0] for r in rows if not r[1]]
    if bad:
        print(f"error: outputs differ from torch for {bad}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
