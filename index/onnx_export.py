"""Export a BERT-style Hugging Face model to an ONNX file, offline: ``python -m index.onnx_export``.

This is the only place that imports torch and transformers for the ONNX path, and it runs in
a child process (see :func:`index.onnx_encoder.ensure_onnx_model`), so the process that
embeds never pays for torch: not its import time, not its memory. The graph takes
``input_ids``, ``attention_mask`` and ``token_type_ids`` (batch and sequence dynamic) and
returns the token embeddings; pooling and normalisation happen in numpy, exactly as
sentence-transformers does them.

Usage: ``python -m index.onnx_export MODEL_DIR OUTPUT.onnx`` (the output is written in
place; the caller writes to a temporary name and renames it).
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

OPSET = 17
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
OUTPUT = "token_embeddings"


def export(model_dir: Path, output: Path) -> None:
    """Write the ONNX graph of the transformer in ``model_dir`` to ``output``."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    import torch
    from transformers import AutoModel

    torch.set_num_threads(1)
    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager")
    model.eval()

    class TokenEmbeddings(torch.nn.Module):
        """Keyword arguments for the model (transformers 5 reordered the positional ones)."""

        def __init__(self, inner: torch.nn.Module):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    sample = torch.ones((2, 8), dtype=torch.int64)
    axes = {name: {0: "batch", 1: "sequence"} for name in (*INPUTS, OUTPUT)}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            TokenEmbeddings(model),
            (sample, sample, torch.zeros_like(sample)),
            str(output),
            input_names=list(INPUTS),
            output_names=[OUTPUT],
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=False,
        )


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m index.onnx_export MODEL_DIR OUTPUT.onnx", file=sys.stderr)
        return 2
    export(Path(argv[0]), Path(argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
