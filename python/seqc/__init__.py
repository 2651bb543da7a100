"""seqc: compile ONNX sequence models ahead of time and run the artifacts.

    import seqc
    seqc.compile("model.onnx", "model.so")
    art = seqc.load("model.so")
    (logits,) = art.run(input_ids=ids)
"""
from ._driver import CompileError, compile, find_tool, repo_root
from ._runtime import Artifact, SeqcError, TensorSpec, load

__all__ = [
    "Artifact",
    "CompileError",
    "SeqcError",
    "TensorSpec",
    "compile",
    "find_tool",
    "load",
    "repo_root",
]
