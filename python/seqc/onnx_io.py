"""Reading and writing ONNX test_data_set directories (TensorProto .pb)."""
import os
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import numpy as np
import onnx
from onnx import numpy_helper


def read_tensor(path) -> np.ndarray:
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return numpy_helper.to_array(t)


def write_tensor(path, array, name: str = "") -> None:
    t = numpy_helper.from_array(np.asarray(array), name)
    with open(path, "wb") as f:
        f.write(t.SerializeToString())


def _read_all(d: Path, prefix: str) -> List[np.ndarray]:
    out = []
    while (d / f"{prefix}_{len(out)}.pb").exists():
        out.append(read_tensor(d / f"{prefix}_{len(out)}.pb"))
    return out


def read_test_data(directory) -> Tuple[List[np.ndarray], List[np.ndarray]]:
    """Returns (inputs, outputs) from input_K.pb / output_K.pb."""
    d = Path(directory)
    if not d.is_dir():
        raise FileNotFoundError(f"{d}: no such directory")
    return _read_all(d, "input"), _read_all(d, "output")


def write_test_data(directory, inputs: Sequence[np.ndarray],
                    outputs: Optional[Sequence[np.ndarray]] = None,
                    input_names: Sequence[str] = (),
                    output_names: Sequence[str] = ()) -> None:
    os.makedirs(directory, exist_ok=True)
    for prefix, arrays, names in (("input", inputs, input_names),
                                  ("output", outputs or (), output_names)):
        for i, a in enumerate(arrays):
            name = names[i] if i < len(names) else ""
            write_tensor(os.path.join(directory, f"{prefix}_{i}.pb"), a, name)
