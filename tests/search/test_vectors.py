"""The HNSW vector index against exact search, and its persistence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dailypapers.errors import InvalidInput
from dailypapers.search.vectors import VectorIndex, exact_search


def clustered(count: int, dim: int = 384, clusters: int = 50, seed: int = 7) -> np.ndarray:
    """Unit vectors around ``clusters`` topics, the way paper embeddings group by field."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim))
    vectors = centres[rng.integers(clusters, size=count)] + rng.normal(scale=0.6, size=(count, dim))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def test_recall_at_10_against_exact_search(tmp_path: Path) -> None:
    vectors = clustered(5000)
    keys = list(range(1, 5001))
    index = VectorIndex(tmp_path)
    index.add(keys, vectors)
    queries = clustered(100, seed=11)
    found = 0
    for query in queries:
        approx = {hit.key for hit in index.search(query, 10)}
        exact = {hit.key for hit in exact_search(keys, vectors, query, 10)}
        found += len(approx & exact)
    assert found / (10 * len(queries)) >= 0.95


def test_upsert_remove_and_persist(tmp_path: Path) -> None:
    vectors = clustered(200)
    index = VectorIndex(tmp_path)
    index.add(list(range(200)), vectors)
    # Replacing key 5's vector with key 9's makes 5 the nearest to 9's vector too.
    index.add([5], vectors[9:10])
    assert {hit.key for hit in index.search(vectors[9], 2)} == {5, 9}
    index.remove([9])
    assert index.search(vectors[9], 1)[0].key == 5
    assert len(index) == 199
    index.save(watermark=42)

    reopened = VectorIndex(tmp_path, read_only=True)
    assert (len(reopened), reopened.watermark) == (199, 42)
    assert reopened.search(vectors[3], 1)[0].key == 3
    assert reopened.search(vectors[3], 1)[0].similarity == pytest.approx(1.0, abs=0.02)
    with pytest.raises(InvalidInput, match="read-only"):
        reopened.add([1], vectors[:1])


def test_an_unsaved_index_is_behind_never_ahead(tmp_path: Path) -> None:
    vectors = clustered(100)
    index = VectorIndex(tmp_path)
    index.add(list(range(50)), vectors[:50])
    index.save(watermark=1)
    index.add(list(range(50, 100)), vectors[50:])  # a crash before save loses only this
    reopened = VectorIndex(tmp_path)
    assert (len(reopened), reopened.watermark) == (50, 1)
    # A different shape of index in the directory is not trusted: it starts empty, at 0.
    other = VectorIndex(tmp_path, dim=128)
    assert (len(other), other.watermark) == (0, 0)


def test_bad_shapes_are_refused(tmp_path: Path) -> None:
    index = VectorIndex(tmp_path)
    with pytest.raises(InvalidInput, match="384 dimensions"):
        index.add([1, 2], np.zeros((2, 10), dtype=np.float32))
    assert index.search(np.ones(384, dtype=np.float32)) == []
