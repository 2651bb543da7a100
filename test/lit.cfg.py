# -*- Python -*-
import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "SEQC"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".pbtxt", ".test"]
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.seqc_obj_root, "test")

llvm_config.with_system_environment(["HOME", "PATH", "PYTHONPATH", "TMPDIR"])
llvm_config.use_default_substitutions()

python = config.python_executable or "python3"
shared = os.path.normpath(os.path.join(config.seqc_src_root, "..", "shared"))
if os.path.isdir(shared):
    config.available_features.add("shared")
config.substitutions.append(("%shared", shared))
# lit's defaults define %python as lit's own interpreter; use the one CMake
# found (with numpy/onnx) instead.
config.substitutions = [s for s in config.substitutions if s[0] != "%python"]
config.substitutions.append(("%python", python))
config.substitutions.append(("%cc", config.host_cc or "cc"))
config.substitutions.append(
    ("%seqc_runtime_lib", os.path.join(config.seqc_lib_dir, "libseqc_runtime.a")))
config.substitutions.append(("%src_root", config.seqc_src_root))

tool_dirs = [config.seqc_tools_dir, config.llvm_tools_dir]
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.seqc_tools_dir, append_path=True)
tools = [
    ToolSubst("%seqc", command=os.path.join(config.seqc_tools_dir, "seqc"), unresolved="ignore"),
    "seq-opt",
    "seqc",
    "seq-run",
]
llvm_config.add_tool_substitutions(tools, tool_dirs)

# CUDA target (test/GPU): `ptxas` when a CUDA toolkit is found the way seqc
# looks for one; `cuda-driver` when libcuda.so.1 loads (a GPU machine).
def _find_ptxas():
    import shutil
    for var in ("CUDA_HOME", "CUDA_PATH"):
        if os.environ.get(var):
            p = os.path.join(os.environ[var], "bin", "ptxas")
            return p if os.access(p, os.X_OK) else None
    return shutil.which("ptxas") or (
        "/usr/local/cuda/bin/ptxas"
        if os.access("/usr/local/cuda/bin/ptxas", os.X_OK) else None)

_ptxas = _find_ptxas()
if _ptxas:
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", _ptxas))
try:
    import ctypes
    ctypes.CDLL("libcuda.so.1")
    config.available_features.add("cuda-driver")
except OSError:
    pass
