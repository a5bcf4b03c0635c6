"""Running a BEIR dataset through search: the ranking runs, their quality and their speed.

Lexical runs go through a fresh LexicalIndex; semantic runs rank the corpus by exact cosine
similarity of embeddings (the model's quality, without the HNSW approximation); hybrid runs fuse
the two as the hub does (``convex_fusion``, its weight tuned on SciFact train). Corpus embeddings
are cached under the cache directory by a hash of the texts and the model, so a second
evaluation does not embed again.
"""

from __future__ import annotations

import hashlib
import os
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from dailypapers.errors import InvalidInput
from dailypapers.search.beir import BeirDataset, evaluate
from dailypapers.search.fusion import HYBRID_ALPHA, convex_fusion
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
    lexical: Run = {}
    semantic: Semantic | None = None
    if mode in ("lexical", "hybrid"):
        lexical, timing = _lexical_run(data, workdir)
        figures.update(timing)
    if mode in ("semantic", "hybrid"):
        if embedder is None:
            raise InvalidInput(f"the {mode} mode needs the embedding model")
        semantic, timing = _semantic_run(data, embedder, cache_dir or workdir)
        figures.update(timing)
    if semantic is None:
        final = lexical
    elif mode == "semantic":
        final = semantic.run()
    else:
        final = hybrid_run(lexical, semantic)
    scores = evaluate({q: [doc for doc, _ in hits] for q, hits in final.items()}, data.qrels)
    return {
        **figures,
        "ndcg@10": round(scores["ndcg@10"], 4),
        "recall@100": round(scores["recall@100"], 4),
        "queries": len(data.queries),
        "docs": len(data.corpus),
    }


Run = dict[str, list[tuple[str, float]]]


@dataclass(slots=True)
class Semantic:
    """Exact cosine similarity of every query to every document."""

    doc_ids: list[str]
    query_ids: list[str]
    similarity: npt.NDArray[np.float32]
    _rows: dict[str, int] = field(default_factory=dict)
    _columns: dict[str, int] = field(default_factory=dict)

    def run(self, depth: int = DEPTH) -> Run:
        top = np.argsort(-self.similarity, axis=1)[:, :depth]
        return {
            query: [(self.doc_ids[j], float(self.similarity[n, j])) for j in row]
            for n, (query, row) in enumerate(zip(self.query_ids, top, strict=True))
        }

    def of(self, query: str, doc_ids: list[str]) -> dict[str, float]:
        if not self._rows:
            self._rows.update((q, n) for n, q in enumerate(self.query_ids))
            self._columns.update((doc, j) for j, doc in enumerate(self.doc_ids))
        row = self.similarity[self._rows[query]]
        return {doc: float(row[self._columns[doc]]) for doc in doc_ids}


def hybrid_run(lexical: Run, semantic: Semantic, alpha: float = HYBRID_ALPHA) -> Run:
    """The hybrid ranking as the hub makes it: the top 100 of each side, every one of them
    scored for meaning (the hub looks the lexical hits' vectors up), convexly fused."""
    nearest = semantic.run()
    final: Run = {}
    for query in semantic.query_ids:
        words = lexical.get(query, [])
        meaning = dict(nearest[query]) | semantic.of(query, [doc for doc, _ in words])
        final[query] = convex_fusion(words, meaning, alpha)[:DEPTH]
    return final


def _lexical_run(data: BeirDataset, workdir: Path) -> tuple[Run, dict[str, Any]]:
    docs = [
        LexicalDoc(id=doc.id, title=doc.title, abstract=doc.text) for doc in data.corpus.values()
    ]
    with LexicalIndex(workdir / "lexical") as index:
        started = time.perf_counter()
        index.add(docs)
        index.commit(watermark=len(docs))
        build_s = time.perf_counter() - started
        run: Run = {}
        latencies: list[float] = []
        for query_id, text in data.queries.items():
            started = time.perf_counter()
            hits = index.search(text, limit=DEPTH, snippets=False)
            latencies.append(time.perf_counter() - started)
            run[query_id] = [(hit.id, hit.score) for hit in hits]
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
) -> tuple[Semantic, dict[str, Any]]:
    ids = list(data.corpus)
    texts = [f"{data.corpus[i].title}. {data.corpus[i].text}".strip(". ") for i in ids]
    started = time.perf_counter()
    vectors, cached = _cached_embeddings(texts, embedder, cache_dir)
    embed_s = time.perf_counter() - started
    query_ids = list(data.queries)
    queries = embedder.embed([data.queries[q] for q in query_ids])
    rate = None if cached else round(len(texts) / embed_s, 1)
    semantic = Semantic(ids, query_ids, queries @ vectors.T)
    return semantic, {"embedded_from_cache": cached, "embed_docs_per_s": rate}


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
