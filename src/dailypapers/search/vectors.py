"""The vector index: HNSW over paper embeddings (usearch), saved atomically, read memory-mapped.

Keys are the store's paper keys (integers). Vectors are L2-normalised, so cosine similarity is
the ranking. Storage is float16 (half of float32): int8 was tried and lost too much recall, its
recall@10 against exact search stopping near 0.84 on clustered 384-d data whatever the search
breadth, where float16 reaches 0.98 (the tests hold it above 0.95). The index is derived data:
``watermark`` says which store change it covers, written only after the index file is in place.

usearch is pinned below 2.20: 2.26 loads ``numkong``, and importing it before onnxruntime 1.31
in one process was seen to crash the interpreter.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from usearch.index import Index

from dailypapers.errors import InvalidInput
from dailypapers.files import replace_durably, write_json

INDEX_FILE = "vectors.usearch"
STATE_FILE = "vectors.json"
Vectors = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class VectorHit:
    key: int
    similarity: float


class VectorIndex:
    """An HNSW index in directory ``path``; ``read_only`` opens it memory-mapped (for searchers)."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        dim: int = 384,
        dtype: str = "f16",
        read_only: bool = False,
    ) -> None:
        self.path = Path(path)
        self.dim = dim
        self.read_only = read_only
        self._dtype = dtype
        self.path.mkdir(parents=True, exist_ok=True)
        state = self._read_state()
        self.watermark = int(state.get("watermark", 0))
        # True when some papers were left out for want of a vector (no model to embed them).
        self.partial = bool(state.get("partial", False))
        file = self.path / INDEX_FILE
        restored = None
        if file.exists() and state.get("dim") == dim and state.get("dtype") == dtype:
            restored = Index.restore(str(file), view=read_only)
        if restored is None:  # none yet, another shape, or unreadable: derived data, start over
            restored, self.watermark, self.partial = self._empty(), 0, False
        self._index: Index = restored

    def _empty(self) -> Index:
        # Measured at a million vectors with real SciFact claims as queries (docs/benchmarks.md):
        # connectivity 24 and insert breadth 48 reach recall@10 about 0.97 at search breadth 512 in
        # 1.7 ms; 16 and 32 inserted 60% faster but stopped at 0.91, 16 and 64 inserted half as
        # fast for 0.98. int8 storage capped recall near 0.84 whatever the breadth.
        return Index(
            ndim=self.dim,
            metric="cos",
            dtype=self._dtype,
            connectivity=24,
            expansion_add=48,
            expansion_search=512,
        )

    def __len__(self) -> int:
        return len(self._index)

    def add(self, keys: Sequence[int], vectors: Vectors) -> None:
        """Insert or replace the vectors of ``keys``."""
        self._writable()
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self.dim or len(vectors) != len(keys):
            raise InvalidInput(
                f"expected {len(keys)} vectors of {self.dim} dimensions, got {vectors.shape}"
            )
        if not len(keys):
            return
        array = np.asarray(keys, dtype=np.uint64)
        self._remove_present(array)
        self._index.add(array, vectors)

    def _remove_present(self, keys: npt.NDArray[np.uint64]) -> None:
        # One vectorised look-up: a Python loop over a million keys took longer than the insert.
        if len(self._index):
            present = keys[np.asarray(self._index.contains(keys), dtype=bool)]
            if len(present):
                self._index.remove(present)

    def remove(self, keys: Sequence[int]) -> None:
        self._writable()
        self._remove_present(np.asarray(keys, dtype=np.uint64))

    def search(self, vector: Vectors, limit: int = 10) -> list[VectorHit]:
        """The ``limit`` nearest keys to ``vector`` by cosine similarity, nearest first."""
        if not len(self._index) or limit <= 0:
            return []
        found = self._index.search(np.asarray(vector, dtype=np.float32), limit)
        return [
            VectorHit(int(key), 1.0 - float(distance))
            for key, distance in zip(found.keys, found.distances, strict=True)
        ]

    def similarities(self, vector: Vectors, keys: Sequence[int]) -> dict[int, float]:
        """Cosine similarity of ``vector`` to each of ``keys`` held here (others are left out)."""
        present, stored = self.matrix(keys)
        if not present:
            return {}
        query = np.asarray(vector, dtype=np.float32)
        cosine = stored @ (query / (np.linalg.norm(query) + 1e-12))
        return dict(zip(present, cosine.tolist(), strict=True))

    def matrix(self, keys: Sequence[int]) -> tuple[list[int], Vectors]:
        """The keys among ``keys`` held here, and their vectors as rows (unit length, float32)."""
        if not len(self._index) or not len(keys):
            return [], np.zeros((0, self.dim), dtype=np.float32)
        array = np.asarray(keys, dtype=np.uint64)
        # get() answers a missing key with some other vector: ask which are present first.
        array = array[np.asarray(self._index.contains(array), dtype=bool)]
        if not len(array):
            return [], np.zeros((0, self.dim), dtype=np.float32)
        stored = np.asarray(self._index.get(array, dtype=np.float32)).reshape(len(array), -1)
        # Stored as float16, so no longer exactly unit length.
        stored /= np.linalg.norm(stored, axis=1, keepdims=True) + 1e-12
        return array.tolist(), stored

    def vectors(self, keys: Sequence[int]) -> dict[int, Vectors]:
        """The stored vectors of those ``keys`` that are here, by key."""
        present, stored = self.matrix(keys)
        return dict(zip(present, stored, strict=True))

    def save(self, watermark: int) -> None:
        """Write the index durably, then record ``watermark`` (never ahead of the file)."""
        self._writable()
        final = self.path / INDEX_FILE
        temporary = final.with_suffix(".tmp")
        self._index.save(str(temporary))
        replace_durably(temporary, final)
        state: dict[str, int | str | bool] = {
            "watermark": watermark,
            "dim": self.dim,
            "dtype": self._dtype,
            "partial": self.partial,
        }
        write_json(self.path / STATE_FILE, state)
        self.watermark = watermark

    def stale(self) -> bool:
        """Whether another process has saved the index since this one was opened."""
        return int(self._read_state().get("watermark", 0)) != self.watermark

    def clear(self) -> None:
        self._writable()
        self._index = self._empty()
        self.partial = False

    def _writable(self) -> None:
        if self.read_only:
            raise InvalidInput(f"{self.path}: the vector index was opened read-only")

    def _read_state(self) -> dict[str, int | str | bool]:
        try:
            state = json.loads((self.path / STATE_FILE).read_text())
        except (OSError, ValueError):
            return {}
        return state if isinstance(state, dict) else {}


def exact_search(
    keys: Sequence[int], vectors: Vectors, query: Vectors, limit: int = 10
) -> list[VectorHit]:
    """Brute-force cosine search: the oracle the HNSW index is measured against."""
    normalised = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    similarity = normalised @ (query / np.linalg.norm(query))
    order = np.argsort(-similarity)[:limit]
    return [VectorHit(int(keys[i]), float(similarity[i])) for i in order]
