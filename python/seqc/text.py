"""Text in, text out: `python -m seqc generate gen.so --tokenizer
tokenizer.json --prompt "text"` encodes the prompt with the Hugging Face
`tokenizers` package (the tokenizer.json of onnxruntime-genai and HF
exports), generates through the artifact's session ABI
(Artifact.generate) and streams the decoded text to stdout."""
import argparse
import sys

from ._runtime import SeqcError, load


class StreamDecoder:
    """Decodes a growing id sequence and returns only the new text. Whole
    sequence decoding (not per token) keeps byte-level BPE merges and
    multi-byte characters right; text ending in an incomplete UTF-8
    sequence (U+FFFD) is held back until the next token completes it."""

    def __init__(self, tokenizer, skip_special_tokens=True):
        self.tok = tokenizer
        self.skip = skip_special_tokens
        self.ids = []
        self.emitted = ""

    def push(self, token_id: int) -> str:
        self.ids.append(int(token_id))
        text = self.tok.decode(self.ids, skip_special_tokens=self.skip)
        if text.endswith("\ufffd") or not text.startswith(self.emitted):
            return ""
        new, self.emitted = text[len(self.emitted):], text
        return new

    def flush(self) -> str:
        text = self.tok.decode(self.ids, skip_special_tokens=self.skip)
        new = text[len(self.emitted):] if text.startswith(self.emitted) else ""
        self.emitted = text
        return new


def load_tokenizer(path):
    try:
        from tokenizers import Tokenizer
    except ImportError:
        raise SeqcError("the 'tokenizers' package is required "
                        "(pip install tokenizers)") from None
    try:
        return Tokenizer.from_file(str(path))
    except Exception as e:  # tokenizers raises its own Exception type
        raise SeqcError(f"{path}: cannot load the tokenizer: {e}") from None


def generate_text(art, tokenizer, prompt: str, max_new_tokens=32, *,
                  add_special_tokens=True, out=None, **sampling) -> str:
    """Generates after `prompt`; writes the text to `out` (a file) as it
    comes when given; returns the generated text."""
    ids = tokenizer.encode(prompt, add_special_tokens=add_special_tokens).ids
    if not ids:
        raise SeqcError("the prompt encodes to no tokens")
    dec = StreamDecoder(tokenizer)

    def on_token(t):
        piece = dec.push(t)
        if out is not None and piece:
            out.write(piece)
            out.flush()

    art.generate(ids, max_new_tokens, on_token=on_token, **sampling)
    tail = dec.flush()
    if out is not None and tail:
        out.write(tail)
        out.flush()
    return dec.emitted


def main(argv=None, prog="seqc generate") -> int:
    ap = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0])
    ap.add_argument("artifact", help="a generation artifact (seqc "
                    "--max-seq-len)")
    ap.add_argument("--tokenizer", required=True, metavar="tokenizer.json")
    ap.add_argument("--prompt", required=True)
    ap.add_argument("--max-new-tokens", type=int, default=32)
    ap.add_argument("--temperature", type=float, default=0.0,
                    help="0: greedy (default)")
    ap.add_argument("--top-k", type=int, default=0)
    ap.add_argument("--top-p", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int)
    ap.add_argument("--no-special-tokens", action="store_true",
                    help="do not add the tokenizer's special tokens (BOS)")
    a = ap.parse_args(argv)
    try:
        tok = load_tokenizer(a.tokenizer)
        with load(a.artifact, threads=a.threads) as art:
            art._require_session()  # before any text is written
            sys.stdout.write(a.prompt)
            generate_text(art, tok, a.prompt, a.max_new_tokens,
                          add_special_tokens=not a.no_special_tokens,
                          out=sys.stdout, temperature=a.temperature,
                          top_k=a.top_k, top_p=a.top_p, seed=a.seed)
            sys.stdout.write("\n")
        return 0
    except (SeqcError, FileNotFoundError, ValueError) as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return 1
