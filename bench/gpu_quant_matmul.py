#!/usr/bin/env python3
"""Weight-only int4/int8 matmul of the CUDA target (seq-gpu-quant-matmul,
docs/cuda-target.md) vs PyTorch on the same GPU, in the same run.

Each case is a com.microsoft::MatMulNBits model (test/GPU/Inputs/
quant_model.py: random packed weight, per-block scales, a float64 numpy
reference), compiled with `seqc --target=cuda`:

  decode (M = 1, the GEMV kernel): GB/s of packed weight + scales read,
      against the device's copy bandwidth measured in the same run and
      against torch's f16 matmul on the dequantized weight (4x the bytes
      for int4);
  prefill (M = 512, tf32 mma.sync): TFLOP/s against torch's f16 matmul.

seqc artifacts take host buffers (a call copies x and y between host and
device), so the kernel time comes from torch.profiler (CUDA kernels named
seqc_graph_kernel*, mean per call); the whole seqc_run time is printed too.
Outputs are compared with the numpy reference (rtol/atol 1e-2: tf32
activations in the mma kernel).

Needs an NVIDIA GPU, torch with CUDA, numpy, onnx and a seqc build (or
artifacts from --compile-only). No network.

usage: bench/gpu_quant_matmul.py [--cases decode_int4,...] [--iters N]
  bench/gpu_quant_matmul.py --compile-only DIR --gpu-arch sm_90  # no GPU
  bench/gpu_quant_matmul.py --artifacts DIR                      # no seqc
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODEL_SCRIPT = ROOT / "test" / "GPU" / "Inputs" / "quant_model.py"

# name: (M, K, N, bits, group, zero points)
CASES = {
    "decode_int4": (1, 4096, 4096, 4, 32, True),
    "decode_int4_ffn": (1, 4096, 11008, 4, 32, True),
    "decode_int8": (1, 4096, 4096, 8, 128, False),
    "decode4_int4": (4, 4096, 4096, 4, 32, True),
    "prefill_int4": (512, 4096, 4096, 4, 32, True),
}


def fail(msg):
    print(f"error: {msg}", file=sys.stderr)
    sys.exit(1)


def compile_case(seqc_bin, arch, work, name):
    m, k, n, bits, group, zp = CASES[name]
    d = work / name
    so = d / "model.so"
    if seqc_bin is None:
        if not so.is_file():
            fail(f"{so} missing; make it with --compile-only {work}")
        return so
    args = [sys.executable, str(MODEL_SCRIPT), str(d), str(m), str(k),
            str(n), str(bits), str(group)] + (["zp"] if zp else [])
    subprocess.run(args, check=True)
    proc = subprocess.run([seqc_bin, "--target=cuda", "--gpu-arch=" + arch,
                           str(d / "model.onnx"), "-o", str(so)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        fail(f"seqc failed on {name}:\n{proc.stderr.strip()}")
    return so


def load_pb(path):
    import onnx
    from onnx import numpy_helper
    return numpy_helper.to_array(onnx.load_tensor(str(path)))


def dequantized_weight(model_path, k, n, bits, group):
    """[K, N] float weight of the MatMulNBits model (for torch's matmul)."""
    import numpy as np
    import onnx
    from onnx import numpy_helper
    m = onnx.load(str(model_path))
    init = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    b = init["b"].astype(np.int64)
    blocks = b.shape[1]
    if bits == 4:
        q = np.stack([b & 15, b >> 4], axis=-1).reshape(n, blocks * group)
    else:
        q = b.reshape(n, blocks * group)
    s = init["scales"].reshape(n, blocks).astype(np.float64)
    if "zero_points" in init:
        zb = init["zero_points"].astype(np.int64).reshape(n, -1)
        z = (np.stack([zb & 15, zb >> 4], -1).reshape(n, -1)[:, :blocks]
             if bits == 4 else zb)
    else:
        z = np.full((n, blocks), 1 << (bits - 1))
    kb = np.arange(k) // group
    return ((q[:, :k] - z[:, kb]) * s[:, kb]).T  # [K, N]


def kernel_ms(torch, art, x, iters):
    try:
        from torch.profiler import ProfilerActivity, profile
        with profile(activities=[ProfilerActivity.CUDA]) as prof:
            for _ in range(iters):
                art.run(x)
            torch.cuda.synchronize()
    except Exception as e:
        print(f"# torch.profiler unavailable ({e})", file=sys.stderr)
        return None
    us = sum(getattr(e, "device_time_total", getattr(e, "cuda_time_total", 0))
             for e in prof.key_averages()
             if e.key.startswith("seqc_graph_kernel"))
    return us / iters / 1e3 if us else None


def median_cuda_ms(torch, fn, iters, warmup=5):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(iters):
        a = torch.cuda.Event(enable_timing=True)
        b = torch.cuda.Event(enable_timing=True)
        a.record()
        fn()
        b.record()
        torch.cuda.synchronize()
        times.append(a.elapsed_time(b))
    times.sort()
    return times[len(times) // 2]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--iters", type=int, default=50)
    ap.add_argument("--seqc", help="seqc binary (default build/bin/seqc)")
    ap.add_argument("--gpu-arch", help="sm_XX (default: the visible GPU's)")
    ap.add_argument("--compile-only", metavar="DIR")
    ap.add_argument("--artifacts", metavar="DIR")
    args = ap.parse_args(argv)
    names = [c for c in args.cases.split(",") if c]
    if any(c not in CASES for c in names):
        fail(f"unknown case in {names}; choose from {list(CASES)}")
    seqc_bin = None
    if not args.artifacts:
        seqc_bin = args.seqc or str(ROOT / "build" / "bin" / "seqc")
        if not os.access(seqc_bin, os.X_OK):
            fail(f"seqc not found at {seqc_bin} (scripts/build.sh seqc)")
    if args.compile_only:
        arch = args.gpu_arch or fail("--compile-only needs --gpu-arch")
        out = Path(args.compile_only)
        out.mkdir(parents=True, exist_ok=True)
        for name in names:
            print(f"{name}: {compile_case(seqc_bin, arch, out, name)}")
        return 0

    try:
        import numpy as np
        import torch
        assert torch.cuda.is_available()
    except (ImportError, AssertionError):
        fail("needs numpy and torch with a CUDA device")
    import seqc
    major, minor = torch.cuda.get_device_capability()
    arch = args.gpu_arch or f"sm_{major}{minor}"
    print(f"# {torch.cuda.get_device_name()} ({arch}), torch "
          f"{torch.__version__}, {args.iters} iterations, medians")
    # Device copy bandwidth, same run: read + write of 1 GiB.
    buf = torch.empty(1 << 28, dtype=torch.float32, device="cuda")
    dst = torch.empty_like(buf)
    copy_ms = median_cuda_ms(torch, lambda: dst.copy_(buf), 20)
    hbm = 2 * buf.numel() * 4 / (copy_ms * 1e-3) / 1e9
    print(f"# device copy bandwidth {hbm:.0f} GB/s")
    del buf, dst
    work = (Path(args.artifacts) if args.artifacts else
            Path(tempfile.mkdtemp(prefix="seqc-gpu-quant-")))
    bad = []
    for name in names:
        m, k, n, bits, group, zp = CASES[name]
        so = compile_case(seqc_bin, arch, work, name)
        d = so.parent
        x = load_pb(d / "test_data_set_0" / "input_0.pb")
        ref = load_pb(d / "test_data_set_0" / "output_0.pb")
        art = seqc.load(str(so))
        got = np.asarray(art.run(x)[0], dtype=np.float32)
        ok = bool(np.allclose(got, ref, rtol=1e-2, atol=1e-2))
        err = float(np.max(np.abs(got - ref)))
        if not ok:
            bad.append(name)
        for _ in range(5):
            art.run(x)
        t0 = time.perf_counter()
        for _ in range(args.iters):
            art.run(x)
        run_ms = (time.perf_counter() - t0) * 1e3 / args.iters
        kern = kernel_ms(torch, art, x, args.iters)
        w16 = torch.tensor(dequantized_weight(d / "model.onnx", k, n, bits,
                                              group),
                           dtype=torch.float16, device="cuda")
        x16 = torch.tensor(x, dtype=torch.float16, device="cuda")
        torch_ms = median_cuda_ms(torch, lambda: x16 @ w16, args.iters)
        # Packed weight, f32 scales and (one byte per block) zero points.
        blocks = -(-k // group)
        wbytes = n * blocks * (group * bits // 8 + 4 + (1 if zp else 0))
        flops = 2.0 * m * k * n
        def rate(ms, nbytes):
            return (f"{nbytes / (ms * 1e-3) / 1e9:7.0f} GB/s" if m <= 8 else
                    f"{flops / (ms * 1e-3) / 1e12:6.1f} TFLOP/s")
        print(f"{name:16s} match={'yes' if ok else 'NO '} max|err|={err:.2e}"
              + (f"  seqc kernel {kern:.4f} ms ({rate(kern, wbytes)}"
                 + (f", {wbytes / (kern * 1e-3) / 1e9 / hbm:.0%} of copy)"
                    if m <= 8 else ")") if kern else "  seqc kernel n/a")
              + f"  seqc_run {run_ms:.3f} ms"
              + f"  torch f16 {torch_ms:.4f} ms ({rate(torch_ms, 2 * k * n)})"
              + (f"  torch/seqc {torch_ms / kern:.2f}x" if kern else ""),
              flush=True)
    if bad:
        print(f"error: outputs differ from numpy for {bad}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
