"""Running a BEIR dataset through search: the ranking runs, their quality and their speed.

Lexical runs go through a fresh LexicalIndex; semantic runs rank the corpus by exact cosine
similarity of embeddings (the model's quality, without the HNSW approximation); hybrid runs fuse
the two by weighted reciprocal rank, with the settings tuned on SciFact train. Corpus embeddings
are cached under the cache directory by a hash of the texts and the model, so a second
evaluation does not embed again.
"""

from __future__ import annotations

import hashlib
import os
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from dailypapers.errors import InvalidInput
from dailypapers.search.beir import BeirDataset, evaluate
from dailypapers.search.fusion import HYBRID_K, LEXICAL_WEIGHT, reciprocal_rank_fusion
from dailypapers.search.lexical import LexicalDoc, LexicalIndex

MODES = ("lexical", "semantic", "hybrid")
DEPTH = 100  # hits per query, as recall@100 needs


def evaluate_beir(
    data: BeirDataset,
    workdir: Path,
    mode: str = "lexical",
    embedder: Any = None,
    cache_dir: Path | None = None,
) -> dict[str, Any]:
    """nDCG@10 and recall@100 of ``mode`` on ``data``, with build and query timings."""
    if mode not in MODES:
        raise InvalidInput(f"unknown search mode {mode!r}; choose one of {', '.join(MODES)}")
    figures: dict[str, Any] = {"mode": mode}
    runs: list[dict[str, list[str]]] = []
    if mode in ("lexical", "hybrid"):
        run, timing = _lexical_run(data, workdir)
        runs.append(run)
        figures.update(timing)
    if mode in ("semantic", "hybrid"):
        if embedder is None:
            raise InvalidInput(f"the {mode} mode needs the embedding model")
        run, timing = _semantic_run(data, embedder, cache_dir or workdir)
        runs.append(run)
        figures.update(timing)
    if len(runs) == 1:
        final = runs[0]
    else:
        final = {
            query: [
                doc
                for doc, _ in reciprocal_rank_fusion(
                    [r[query] for r in runs], HYBRID_K, (LEXICAL_WEIGHT, 1.0)
                )
            ][:DEPTH]
            for query in data.queries
        }
    scores = evaluate(final, data.qrels)
    return {
        **figures,
        "ndcg@10": round(scores["ndcg@10"], 4),
        "recall@100": round(scores["recall@100"], 4),
        "queries": len(data.queries),
        "docs": len(data.corpus),
    }


def _lexical_run(data: BeirDataset, workdir: Path) -> tuple[dict[str, list[str]], dict[str, Any]]:
    docs = [
        LexicalDoc(id=doc.id, title=doc.title, abstract=doc.text) for doc in data.corpus.values()
    ]
    with LexicalIndex(workdir / "lexical") as index:
        started = time.perf_counter()
        index.add(docs)
        index.commit(watermark=len(docs))
        build_s = time.perf_counter() - started
        run: dict[str, list[str]] = {}
        latencies: list[float] = []
        for query_id, text in data.queries.items():
            started = time.perf_counter()
            hits = index.search(text, limit=DEPTH, snippets=False)
            latencies.append(time.perf_counter() - started)
            run[query_id] = [hit.id for hit in hits]
    latencies.sort()
    return run, {
        "build_papers_per_s": round(len(docs) / build_s) if build_s else None,
        "query_p50_ms": round(statistics.median(latencies) * 1000, 2) if latencies else None,
        "query_p95_ms": (
            round(latencies[int(0.95 * (len(latencies) - 1))] * 1000, 2) if latencies else None
        ),
    }


def _semantic_run(
    data: BeirDataset, embedder: Any, cache_dir: Path
) -> tuple[dict[str, list[str]], dict[str, Any]]:
    ids = list(data.corpus)
    texts = [f"{data.corpus[i].title}. {data.corpus[i].text}".strip(". ") for i in ids]
    started = time.perf_counter()
    vectors, cached = _cached_embeddings(texts, embedder, cache_dir)
    embed_s = time.perf_counter() - started
    query_ids = list(data.queries)
    queries = embedder.embed([data.queries[q] for q in query_ids])
    similarity = queries @ vectors.T
    top = np.argsort(-similarity, axis=1)[:, :DEPTH]
    run = {query: [ids[j] for j in row] for query, row in zip(query_ids, top, strict=True)}
    rate = None if cached else round(len(texts) / embed_s, 1)
    return run, {"embedded_from_cache": cached, "embed_docs_per_s": rate}


def _cached_embeddings(texts: list[str], embedder: Any, cache_dir: Path) -> tuple[Any, bool]:
    digest = hashlib.sha256(f"{embedder.model_name}\0{embedder.backend}".encode())
    for text in texts:
        digest.update(text.encode())
        digest.update(b"\0")
    path = cache_dir / f"embeddings-{digest.hexdigest()[:24]}.npy"
    if path.exists():
        return np.load(path), True
    vectors = embedder.embed(texts)
    cache_dir.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.tmp.npy")
    np.save(temporary, vectors)
    os.replace(temporary, path)
    return vectors, False
