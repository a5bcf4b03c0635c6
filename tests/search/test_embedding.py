"""Embeddings: ONNX Runtime agrees with the sentence-transformers reference, and means something."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from dailypapers.errors import ConfigError
from dailypapers.search.embedding import ONNX_FILE, Embedder


@pytest.fixture(scope="module")
def onnx(tmp_path_factory: pytest.TempPathFactory) -> Embedder:
    return Embedder("onnx", tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="module")
def scifact(shared_data: Path) -> tuple[dict[str, str], dict[str, str], list[tuple[str, str]]]:
    folder = shared_data / "scifact"
    corpus = {}
    for line in (folder / "corpus.jsonl").read_text().splitlines():
        row = json.loads(line)
        corpus[row["_id"]] = f"{row['title']}. {row['text']}"
    queries = {}
    for line in (folder / "queries.jsonl").read_text().splitlines():
        row = json.loads(line)
        queries[row["_id"]] = row["text"]
    pairs = [
        tuple(line.split("\t")[:2])
        for line in (folder / "qrels" / "test.tsv").read_text().splitlines()[1:]
    ]
    return corpus, queries, pairs  # type: ignore[return-value]


def test_onnx_matches_the_pytorch_reference(onnx: Embedder, scifact) -> None:  # type: ignore[no-untyped-def]
    corpus, _, _ = scifact
    texts = [*list(corpus.values())[:12], "short", "α-divergence and $O(n^2)$ bounds"]
    fast = onnx.embed(texts)
    reference = Embedder("torch").embed(texts)
    assert fast.shape == (14, 384) and fast.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-5)
    assert np.abs(fast - reference).max() < 1e-3


def test_a_claim_is_nearer_its_evidence_than_other_abstracts(onnx: Embedder, scifact) -> None:  # type: ignore[no-untyped-def]
    corpus, queries, pairs = scifact
    pairs = pairs[:20]
    claims = onnx.embed([queries[q] for q, _ in pairs])
    evidence = onnx.embed([corpus[d] for _, d in pairs])
    similarity = claims @ evidence.T
    # Each claim's own evidence beats the average other paper's by a clear margin, and for most
    # claims the nearest of the twenty papers is evidence for it.
    own = np.diag(similarity)
    others = (similarity.sum(axis=1) - own) / (len(pairs) - 1)
    assert (own - others).min() > 0.1
    relevant = {(q, d) for q, d in pairs}
    nearest = [pairs[j][1] for j in similarity.argmax(axis=1)]
    hits = sum((q, doc) in relevant for (q, _), doc in zip(pairs, nearest, strict=True))
    assert hits / len(pairs) >= 0.8


def test_empty_long_and_query(onnx: Embedder) -> None:
    assert onnx.embed([]).shape == (0, 384)
    long_text = "transformers attention " * 5000  # far past 256 tokens: truncated, not an error
    vector = onnx.embed_query(long_text)
    assert vector.shape == (384,)
    np.testing.assert_allclose(
        onnx.embed_query("graph neural networks"), onnx.embed(["graph neural networks"])[0]
    )


def test_the_exported_model_is_reused(onnx: Embedder) -> None:
    assert onnx.cache_dir is not None
    exported = onnx.cache_dir / ONNX_FILE
    onnx.embed(["warm up"])
    made = exported.stat().st_mtime_ns
    Embedder("onnx", onnx.cache_dir).embed(["again"])
    assert exported.stat().st_mtime_ns == made
    assert not list(onnx.cache_dir.glob("*.tmp"))


def test_configuration_errors() -> None:
    with pytest.raises(ConfigError, match="unknown embedding backend"):
        Embedder("tensorflow")
    with pytest.raises(ConfigError, match="cache directory"):
        Embedder("onnx")
