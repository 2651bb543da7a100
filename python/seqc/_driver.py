"""Running the `seqc` compiler binary."""
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

_ENV = {"seqc": "SEQC_BIN", "seq-run": "SEQ_RUN_BIN", "seq-opt": "SEQ_OPT_BIN"}


class CompileError(RuntimeError):
    """`seqc` failed (or was not found); the message carries its stderr."""


def repo_root() -> Path:
    return Path(__file__).resolve().parents[2]


def package_dir() -> Path:
    """The installed package's directory; `pip install` puts the tools in
    bin/, libseqc_runtime.a in lib/ and the C header in include/ there."""
    return Path(__file__).resolve().parent


def find_tool(name: str = "seqc") -> str:
    """Path of a seqc tool: $SEQC_BIN / $SEQ_RUN_BIN / $SEQ_OPT_BIN, else the
    installed package's bin/<name>, else build/bin/<name> in this repository,
    else PATH. Raises FileNotFoundError."""
    env = _ENV.get(name)
    if env and os.environ.get(env):
        return os.environ[env]
    installed = package_dir() / "bin" / name
    if installed.is_file() and os.access(installed, os.X_OK):
        return str(installed)
    built = repo_root() / "build" / "bin" / name
    if built.is_file() and os.access(built, os.X_OK):
        return str(built)
    found = shutil.which(name)
    if found:
        return found
    raise FileNotFoundError(
        f"{name} not found: set ${env or 'PATH'}, or build it with "
        f"scripts/build.sh (expected {built})")


def compile(onnx_path, out_so=None, *, extra_args=(), load=False,  # noqa: A001
            threads=None):
    """Compiles `onnx_path` into the shared library `out_so` and returns its
    path, or with `load=True` (or `threads`, its thread count) the loaded
    `Artifact`. Without `out_so` the library goes to a temporary directory,
    removed when the Artifact is closed (load=True is then implied)."""
    if out_so is None:
        tmp = tempfile.mkdtemp(prefix="seqc-")
        stem = Path(onnx_path).stem or "model"
        try:
            path = compile(onnx_path, Path(tmp) / f"{stem}.so",
                           extra_args=extra_args)
            from ._runtime import load as _load
            art = _load(path, threads=threads)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        art._owned_dir = tmp
        return art
    if load or threads is not None:
        from ._runtime import load as _load
        return _load(compile(onnx_path, out_so, extra_args=extra_args),
                     threads=threads)
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
