"""Running a BEIR dataset through a search index: the ranking run, its quality and its speed."""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

from dailypapers.search.beir import BeirDataset, evaluate
from dailypapers.search.lexical import LexicalDoc, LexicalIndex


def evaluate_lexical(data: BeirDataset, workdir: Path, snippets: bool = False) -> dict[str, Any]:
    """Index ``data``'s corpus in a fresh LexicalIndex under ``workdir``, run every query of the
    split for 100 hits, and return nDCG@10, recall@100, build rate and query latency."""
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
            hits = index.search(text, limit=100, snippets=snippets)
            latencies.append(time.perf_counter() - started)
            run[query_id] = [hit.id for hit in hits]
    scores = evaluate(run, data.qrels)
    latencies.sort()
    return {
        "mode": "lexical",
        "ndcg@10": round(scores["ndcg@10"], 4),
        "recall@100": round(scores["recall@100"], 4),
        "queries": len(data.queries),
        "docs": len(docs),
        "build_papers_per_s": round(len(docs) / build_s) if build_s else None,
        "query_p50_ms": round(statistics.median(latencies) * 1000, 2) if latencies else None,
        "query_p95_ms": (
            round(latencies[int(0.95 * (len(latencies) - 1))] * 1000, 2) if latencies else None
        ),
    }
