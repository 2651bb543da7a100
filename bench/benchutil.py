"""Helpers shared by the bench/ scripts."""
import os


def isa_line():
    """'<cpu model>; <n> CPUs; ISA: <the SIMD extensions the kernels use>',
    printed by every benchmark so that results name the machine."""
    model, flags = "?", set()
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name") and model == "?":
                model = line.split(":", 1)[1].strip()
            elif line.startswith("flags") and not flags:
                flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    isa = [f for f in ("avx512f", "avx512bw", "avx512vl", "avx512_bf16",
                       "avx512_vnni", "avx2", "fma") if f in flags]
    return f"{model}; {os.cpu_count()} CPUs; ISA: {' '.join(isa) or '?'}"
