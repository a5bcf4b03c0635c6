"""HNSW parameters at scale: insert rate and recall@10 for (connectivity, insert breadth) pairs.

Vectors are made as in search_scale.py (mixtures of the real SciFact embeddings plus noise);
queries are 100 real SciFact claims, embedded for real; recall@10 is against exact search, at
search breadths 256, 512 and 1024, with the latency of a 100-hit search at each.

Usage: python benchmarks/hnsw_params.py [--size 1000000] 16,32 16,64 24,48 32,48
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from usearch.index import Index

from dailypapers.search.embedding import Embedder
from dailypapers.search.evaluation import _cached_embeddings
from search_scale import SCIFACT, mixtures, real_corpus

CACHE = Path(__file__).resolve().parent / "out" / "cache"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("pairs", nargs="+", help="connectivity,insert_breadth")
    parser.add_argument("--size", type=int, default=1_000_000)
    args = parser.parse_args()
    embedder = Embedder(cache_dir=CACHE / "models")
    real, _ = _cached_embeddings(real_corpus()[1], embedder, CACHE)
    vectors = mixtures(real, args.size)
    claims = [json.loads(line)["text"] for line in (SCIFACT / "queries.jsonl").open()][:100]
    queries = embedder.embed(claims)
    exact = np.argsort(-(queries @ vectors.T), axis=1)[:, :10]
    for pair in args.pairs:
        connectivity, breadth = (int(x) for x in pair.split(","))
        index = Index(
            ndim=384, metric="cos", dtype="f16", connectivity=connectivity, expansion_add=breadth
        )
        started = time.perf_counter()
        index.add(np.arange(args.size, dtype=np.uint64), vectors)
        row = {
            "connectivity": connectivity,
            "insert_breadth": breadth,
            "inserts_per_s": round(args.size / (time.perf_counter() - started)),
        }
        for search in (256, 512, 1024):
            index.expansion_search = search
            found = index.search(queries, 10)
            row[f"recall@10 ({search})"] = round(
                float(
                    np.mean(
                        [
                            len(set(found.keys[i].tolist()) & set(exact[i].tolist())) / 10
                            for i in range(100)
                        ]
                    )
                ),
                3,
            )
            started = time.perf_counter()
            for query in queries:
                index.search(query, 100)
            row[f"search_ms ({search})"] = round((time.perf_counter() - started) * 10, 2)
        print(json.dumps(row), flush=True)
        del index


if __name__ == "__main__":
    main()
