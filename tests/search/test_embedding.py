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


def small_beir(shared_data: Path, target: Path, queries: int = 15) -> Path:
    """A SciFact subset in BEIR layout: the first test queries and a 200-document pool."""
    source = shared_data / "scifact"
    lines = (source / "qrels" / "test.tsv").read_text().splitlines()
    chosen = lines[1 : queries + 1]
    wanted = {line.split("\t")[1] for line in chosen}
    corpus = [json.loads(line) for line in (source / "corpus.jsonl").read_text().splitlines()]
    pool = [row for row in corpus if row["_id"] in wanted]
    pool += [row for row in corpus if row["_id"] not in wanted][: 200 - len(pool)]
    query_ids = {line.split("\t")[0] for line in chosen}
    (target / "qrels").mkdir(parents=True)
    (target / "qrels" / "test.tsv").write_text("\n".join([lines[0], *chosen]) + "\n")
    (target / "corpus.jsonl").write_text("\n".join(json.dumps(row) for row in pool) + "\n")
    rows = [json.loads(line) for line in (source / "queries.jsonl").read_text().splitlines()]
    (target / "queries.jsonl").write_text(
        "\n".join(json.dumps(row) for row in rows if row["_id"] in query_ids) + "\n"
    )
    return target


def test_semantic_and_hybrid_evaluation_caches_embeddings(
    onnx: Embedder, shared_data: Path, tmp_path: Path
) -> None:
    from dailypapers.search.beir import load_beir
    from dailypapers.search.evaluation import evaluate_beir

    data = load_beir(small_beir(shared_data, tmp_path / "beir"), "test")
    cache = tmp_path / "cache"
    semantic = evaluate_beir(data, tmp_path / "w1", "semantic", onnx, cache)
    assert semantic["embedded_from_cache"] is False and semantic["ndcg@10"] > 0.5
    hybrid = evaluate_beir(data, tmp_path / "w2", "hybrid", onnx, cache)
    assert hybrid["embedded_from_cache"] is True
    lexical = evaluate_beir(data, tmp_path / "w3", "lexical")
    # Fusing two good rankers does at least as well as the weaker one.
    assert hybrid["ndcg@10"] >= min(semantic["ndcg@10"], lexical["ndcg@10"])
    assert len(list(cache.glob("embeddings-*.npy"))) == 1
