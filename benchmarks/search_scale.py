"""Search speed as the corpus grows: index build rates, query latency, HNSW recall, memory.

The corpus is made from real abstracts (SciFact's 5,183): each synthetic paper takes a real title
and recombines sentences drawn from random real abstracts, so word statistics stay those of real
science writing. Vectors are the real embeddings of the SciFact abstracts (embedded once, cached
by benchmarks/eval_search.py's routine) and, beyond those, normalised mixtures of two real vectors
plus a little noise. Queries are SciFact's test claims, embedded for real; hybrid latency
includes embedding the query. Lexical latency is for 10 hits with snippets. Peak memory is the
whole benchmark process: the embedding model (about 700 MB with PyTorch) and the generated corpus
included, so it bounds a search process from above.

Usage: python benchmarks/search_scale.py [--sizes 10000 100000] [--queries 100]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import resource
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from dailypapers.search.embedding import Embedder
from dailypapers.search.evaluation import _cached_embeddings
from dailypapers.search.fusion import HYBRID_K, LEXICAL_WEIGHT, reciprocal_rank_fusion
from dailypapers.search.lexical import LexicalDoc, LexicalIndex
from dailypapers.search.vectors import VectorIndex, exact_search

ROOT = Path(__file__).resolve().parent.parent
SCIFACT = ROOT.parent / "shared" / "data" / "scifact"


def real_corpus() -> tuple[list[str], list[str], list[str]]:
    rows = [json.loads(line) for line in (SCIFACT / "corpus.jsonl").read_text().splitlines()]
    titles = [row["title"] for row in rows]
    texts = [f"{row['title']}. {row['text']}".strip(". ") for row in rows]
    sentences = [s.strip() + "." for row in rows for s in row["text"].split(". ") if s.strip()]
    return titles, texts, sentences


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[int(fraction * (len(ordered) - 1))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--cache", type=Path, default=ROOT / "benchmarks" / "out" / "cache")
    args = parser.parse_args()
    rng = random.Random(1)
    titles, texts, sentences = real_corpus()
    embedder = Embedder(cache_dir=args.cache / "models")
    real, _ = _cached_embeddings(texts, embedder, args.cache)
    claims = [
        json.loads(line)["text"] for line in (SCIFACT / "queries.jsonl").read_text().splitlines()
    ]
    claims = claims[: args.queries]
    query_vectors = embedder.embed(claims)
    print(f"machine: {platform.machine()}, Python {platform.python_version()}")
    for size in args.sizes:
        noise = np.random.default_rng(size)
        docs = [
            LexicalDoc(
                id=str(i),
                title=rng.choice(titles),
                abstract=" ".join(rng.choice(sentences) for _ in range(rng.randint(5, 9))),
            )
            for i in range(size)
        ]
        first, second = noise.integers(len(real), size=size), noise.integers(len(real), size=size)
        weight = noise.uniform(0.5, 1.0, size=(size, 1)).astype(np.float32)
        vectors = weight * real[first] + (1 - weight) * real[second]
        vectors += noise.normal(scale=0.02, size=vectors.shape).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        keys = list(range(size))
        with tempfile.TemporaryDirectory() as tmp:
            lexical = LexicalIndex(Path(tmp) / "lexical")
            started = time.perf_counter()
            lexical.add(docs)
            lexical.commit(watermark=1)
            lexical_rate = size / (time.perf_counter() - started)
            index = VectorIndex(Path(tmp) / "vectors")
            started = time.perf_counter()
            index.add(keys, vectors)
            vector_rate = size / (time.perf_counter() - started)
            index.save(watermark=1)
            del docs
            lex_times, vec_times, hybrid_times, found = [], [], [], 0
            for claim, vector in zip(claims, query_vectors, strict=True):
                started = time.perf_counter()
                lexical.search(claim, 10)
                lex_times.append(time.perf_counter() - started)
                started = time.perf_counter()
                index.search(vector, 10)
                vec_times.append(time.perf_counter() - started)
                started = time.perf_counter()
                query = embedder.embed_query(claim)
                # As hub.search does: 100 candidates from each ranking, snippets for the top 10.
                words = [hit.id for hit in lexical.search(claim, 100, snippets=False)]
                lexical.search(claim, 10)
                meaning = [str(hit.key) for hit in index.search(query, 100)]
                reciprocal_rank_fusion([words, meaning], HYBRID_K, (LEXICAL_WEIGHT, 1.0))
                hybrid_times.append(time.perf_counter() - started)
            # Recall apart from the timings: OpenBLAS threads still spinning after the exact
            # search's matrix product slowed the next PyTorch call tenfold on two cores.
            for vector in query_vectors:
                near = {hit.key for hit in index.search(vector, 10)}
                found += len(near & {hit.key for hit in exact_search(keys, vectors, vector, 10)})
            rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            lexical.close()
        print(
            json.dumps(
                {
                    "papers": size,
                    "lexical_build_per_s": round(lexical_rate),
                    "vector_insert_per_s": round(vector_rate),
                    "lexical_p50_ms": round(statistics.median(lex_times) * 1000, 2),
                    "lexical_p95_ms": round(percentile(lex_times, 0.95), 2),
                    "vector_p95_ms": round(percentile(vec_times, 0.95), 2),
                    "hnsw_recall@10": round(found / (10 * len(claims)), 3),
                    "hybrid_p50_ms": round(statistics.median(hybrid_times) * 1000, 2),
                    "hybrid_p95_ms": round(percentile(hybrid_times, 0.95), 2),
                    "peak_rss_mb": round(rss_mb),
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
