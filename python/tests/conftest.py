import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "python"))

# Test material shared between developer machines and CI, beside the repo.
SHARED = REPO.parent / "shared"
FAKE_MODEL = REPO / "test" / "Runtime" / "Inputs" / "fake_model.c"


def shared_model_dir(name: str) -> Path:
    """../shared/models/NAME, or a skip with a message where it is absent."""
    d = SHARED / "models" / name
    if not d.is_dir():
        pytest.skip(f"shared test material not available: {d} is absent "
                    "(only on developer machines and CI)")
    return d

def runtime_lib() -> Path:
    return Path(os.environ.get("SEQC_RUNTIME_LIB",
                               REPO / "build" / "lib" / "libseqc_runtime.a"))


@pytest.fixture(scope="session")
def build_fake(tmp_path_factory):
    """Returns a function that builds Inputs/fake_model.c (with extra -D
    flags) into a .so linked with libseqc_runtime.a, as seqc links models."""
    lib = runtime_lib()
    if not lib.exists():
        pytest.fail(f"{lib} not found: build it with scripts/build.sh seqc_runtime")
    out_dir = tmp_path_factory.mktemp("fake")
    cache = {}

    def build(*defines):
        if defines not in cache:
            so = out_dir / f"fake{len(cache)}.so"
            cc = os.environ.get("CC", "cc")
            subprocess.run([cc, "-fPIC", "-shared", "-o", str(so), str(FAKE_MODEL),
                            *[f"-D{d}" for d in defines],
                            "-Wl,--whole-archive", str(lib), "-Wl,--no-whole-archive",
                            "-lm"], check=True)
            cache[defines] = so
        return cache[defines]

    return build
