"""Running the `seqc` compiler binary."""
import os
import shutil
import subprocess
from pathlib import Path

_ENV = {"seqc": "SEQC_BIN", "seq-run": "SEQ_RUN_BIN", "seq-opt": "SEQ_OPT_BIN"}


class CompileError(RuntimeError):
    """`seqc` failed (or was not found); the message carries its stderr."""


def repo_root() -> Path:
    return Path(__file__).resolve().parents[2]


def find_tool(name: str = "seqc") -> str:
    """Path of a seqc tool: $SEQC_BIN / $SEQ_RUN_BIN / $SEQ_OPT_BIN, else
    build/bin/<name> in this repository, else PATH. Raises FileNotFoundError."""
    env = _ENV.get(name)
    if env and os.environ.get(env):
        return os.environ[env]
    built = repo_root() / "build" / "bin" / name
    if built.is_file() and os.access(built, os.X_OK):
        return str(built)
    found = shutil.which(name)
    if found:
        return found
    raise FileNotFoundError(
        f"{name} not found: set ${env or 'PATH'}, or build it with "
        f"scripts/build.sh (expected {built})")


def compile(onnx_path, out_so, *, extra_args=()):  # noqa: A001 (shadows builtin)
    """Compiles `onnx_path` into the shared library `out_so`; returns its path."""
    try:
        exe = find_tool("seqc")
    except FileNotFoundError as e:
        raise CompileError(str(e)) from None
    cmd = [exe, str(onnx_path), "-o", str(out_so), *map(str, extra_args)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True)
    except OSError as e:
        raise CompileError(f"cannot run {exe}: {e}") from None
    if proc.returncode != 0:
        raise CompileError(
            f"{' '.join(cmd)} failed with exit code {proc.returncode}:\n"
            f"{proc.stderr.strip()}")
    return str(out_so)
