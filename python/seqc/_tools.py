"""Console entry points of the installed package: `seqc`, `seq-opt` and
`seq-run` run the executables installed in the package's bin/ directory."""
import os
import sys

from ._driver import find_tool


def _exec(name: str) -> None:
    try:
        exe = find_tool(name)
    except FileNotFoundError as e:
        sys.exit(f"{name}: error: {e}")
    # seq-run --bisect runs `python -m seqc bisect` with this interpreter,
    # which has the package (and onnxruntime) installed.
    os.environ.setdefault("SEQC_PYTHON", sys.executable)
    try:
        os.execv(exe, [name, *sys.argv[1:]])
    except OSError as e:
        sys.exit(f"{name}: error: cannot run {exe}: {e}")


def seqc() -> None:
    _exec("seqc")


def seq_opt() -> None:
    _exec("seq-opt")


def seq_run() -> None:
    _exec("seq-run")
