"""Lexical search quality and speed on a BEIR dataset: nDCG@10, recall@100, build rate, latency.

Builds a LexicalIndex over the corpus in a temporary directory (one ``add`` and one ``commit``, as
a rebuild does), runs every query of the split with ``limit=100`` (snippets off, as a ranking run;
``--snippets`` times them too), and prints the figures. Tune on ``--split train`` only; report test.

Usage: python benchmarks/eval_lexical.py [DIR] [--split test] [--json]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path

from dailypapers.search.beir import evaluate, load_beir
from dailypapers.search.lexical import LexicalDoc, LexicalIndex

DEFAULT_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "scifact"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--split", default="test")
    parser.add_argument("--snippets", action="store_true", help="also build snippets per hit")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    data = load_beir(args.directory, args.split)
    docs = [
        LexicalDoc(id=doc.id, title=doc.title, abstract=doc.text) for doc in data.corpus.values()
    ]
    with tempfile.TemporaryDirectory() as tmp, LexicalIndex(Path(tmp) / "lexical") as index:
        started = time.perf_counter()
        index.add(docs)
        index.commit(watermark=len(docs))
        build_s = time.perf_counter() - started

        run: dict[str, list[str]] = {}
        latencies: list[float] = []
        for query_id, text in data.queries.items():
            started = time.perf_counter()
            hits = index.search(text, limit=100, snippets=args.snippets)
            latencies.append(time.perf_counter() - started)
            run[query_id] = [hit.id for hit in hits]

    scores = evaluate(run, data.qrels)
    latencies.sort()
    result = {
        "dataset": args.directory.name,
        "split": args.split,
        "queries": len(data.queries),
        "docs": len(docs),
        "ndcg@10": round(scores["ndcg@10"], 4),
        "recall@100": round(scores["recall@100"], 4),
        "build_papers_per_s": round(len(docs) / build_s),
        "query_p50_ms": round(statistics.median(latencies) * 1000, 2),
        "query_p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))] * 1000, 2),
        "machine": f"{platform.machine()}, {platform.python_version()}",
    }
    if args.json:
        print(json.dumps(result))
        return
    for key, value in result.items():
        print(f"{key:>20}: {value}")


if __name__ == "__main__":
    main()
