#!/usr/bin/env python3
"""Writes the bundled example model (a tiny llama-style transformer block)
and its onnxruntime reference data:

    examples/make_example.py [OUT_DIR]    # default: examples/tiny_llama/

OUT_DIR/model.onnx, OUT_DIR/test_data_set_0/{input_0,output_0}.pb
"""
import argparse
import sys
from pathlib import Path

here = Path(__file__).resolve().parent
sys.path.insert(0, str(here.parent / "python"))

from seqc.models import build_example  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out", nargs="?", default=str(here / "tiny_llama"),
                   help="output directory (default: examples/tiny_llama)")
    out = build_example(p.parse_args().out)
    print(f"wrote {out / 'model.onnx'} and {out / 'test_data_set_0'}")


if __name__ == "__main__":
    main()
