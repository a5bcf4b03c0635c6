"""Embedding speed: abstracts/s and query latency on ONNX Runtime and PyTorch, and their agreement.

Real SciFact abstracts (title + text, as papers are embedded) and real SciFact claims as queries.
Each backend loads (and ONNX exports, on first use of the cache) outside the timings; then the
rounds alternate the backends so that a busy machine slows both alike, and the best and the median
round are printed. Agreement is against PyTorch (sentence-transformers), the reference.

Usage: python benchmarks/embed_speed.py [--count 200] [--batches 8 16 32] [--threads 2]
       [--rounds 3] [--cache-dir benchmarks/out/models] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np

# onnxruntime before anything that might load usearch/numkong (see the embedder's docstring).
from dailypapers.search.embedding import BACKENDS, Embedder, import_runtime

import_runtime()

ROOT = Path(__file__).resolve().parent.parent
SCIFACT = ROOT.parent / "shared" / "data" / "scifact"


def read_jsonl(path: Path, count: int) -> list[dict[str, str]]:
    rows = []
    with path.open(encoding="utf-8") as lines:
        for line, _ in zip(lines, range(count), strict=False):
            rows.append(json.loads(line))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="abstracts to embed per round")
    parser.add_argument("--batches", type=int, nargs="+", default=[8, 16, 32])
    parser.add_argument("--threads", type=int, default=2, help="threads for both backends")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--queries", type=int, default=100, help="claims timed one at a time")
    parser.add_argument("--cache-dir", type=Path, default=ROOT / "benchmarks" / "out" / "models")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()

    texts = [f"{r['title']}. {r['text']}" for r in read_jsonl(SCIFACT / "corpus.jsonl", args.count)]
    queries = [r["text"] for r in read_jsonl(SCIFACT / "queries.jsonl", args.queries)]
    embedders = {b: Embedder(b, args.cache_dir, threads=args.threads) for b in BACKENDS}
    load_s = {}
    for backend, embedder in embedders.items():
        started = time.perf_counter()
        embedder.load()
        embedder.embed(texts[:8])  # first batch: lazy allocations, not throughput
        load_s[backend] = time.perf_counter() - started

    rates: dict[str, dict[int, list[float]]] = {b: {n: [] for n in args.batches} for b in BACKENDS}
    vectors = {}
    for _ in range(args.rounds):
        for batch in args.batches:
            for backend, embedder in embedders.items():
                embedder.batch_size = batch
                started = time.perf_counter()
                vectors[backend] = embedder.embed(texts)
                rates[backend][batch].append(len(texts) / (time.perf_counter() - started))

    latency_ms: dict[str, dict[str, float]] = {}
    for backend, embedder in embedders.items():
        timings = []
        for query in queries:
            started = time.perf_counter()
            embedder.embed_query(query)
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        latency_ms[backend] = {
            "p50": timings[len(timings) // 2],
            "p95": timings[int(len(timings) * 0.95)],
        }

    query_vectors = {b: e.embed(queries) for b, e in embedders.items()}
    fast = np.vstack([vectors["onnx"], query_vectors["onnx"]])
    reference = np.vstack([vectors["torch"], query_vectors["torch"]])
    report = {
        "abstracts": len(texts),
        "queries": len(queries),
        "threads": args.threads,
        "cores": os.cpu_count(),
        "machine": platform.processor() or platform.machine(),
        "load_s": {b: round(s, 2) for b, s in load_s.items()},
        "abstracts_per_s": {
            b: {
                str(n): {"best": round(max(r), 1), "median": round(statistics.median(r), 1)}
                for n, r in by_batch.items()
            }
            for b, by_batch in rates.items()
        },
        "query_ms": {b: {k: round(v, 2) for k, v in t.items()} for b, t in latency_ms.items()},
        "max_abs_difference": float(np.abs(fast - reference).max()),
        "min_cosine": float((fast * reference).sum(axis=1).min()),
        "max_norm_error": float(np.abs(np.linalg.norm(fast, axis=1) - 1).max()),
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(
        f"{len(texts)} abstracts, {args.rounds} rounds, "
        f"{args.threads} threads on {report['cores']} cores"
    )
    for backend in BACKENDS:
        cells = ", ".join(
            f"batch {n}: best {max(r):.1f} / median {statistics.median(r):.1f}"
            for n, r in rates[backend].items()
        )
        print(f"{backend:5} abstracts/s  {cells}")
    for backend in BACKENDS:
        q = latency_ms[backend]
        print(f"{backend:5} one query: p50 {q['p50']:.1f} ms, p95 {q['p95']:.1f} ms;", end=" ")
        print(f"first load {load_s[backend]:.1f} s")
    print(
        f"onnx vs torch over {len(fast)} texts: max abs difference "
        f"{report['max_abs_difference']:.2e}, min cosine {report['min_cosine']:.7f}"
    )


if __name__ == "__main__":
    main()
