"""Search speed as the corpus grows, through the hub on a real store: builds, latency, memory.

For each size, a fresh data dir (SQLite) is filled and searched the way an installation is:

- Papers: each takes a real title from SciFact and recombines 5-9 sentences drawn from random real
  SciFact abstracts (5,183 abstracts, 45,000 sentences), so word statistics stay those of science
  writing; a real arXiv category (one of 20 common ones) and a date in 2020-2026. They are stored by
  ``hub.ingest``.
- Vectors: embedding a million abstracts would take about ten hours here, so the 5,183 real SciFact
  abstracts are embedded for real (cached) and every synthetic paper gets a normalised mixture of
  two of those vectors (weights 0.5-1.0 and the rest) plus Gaussian noise (sigma 0.02 per
  dimension). They are stored in the store's embeddings table under each paper's real content hash,
  so ``dailypapers index`` takes them as its own and embeds nothing.
- Builds: ``hub.index`` (store -> Tantivy, store -> HNSW), timed apart; plus the HNSW insert alone.
- Queries: 100 real SciFact claims through ``hub.search`` (10 hits, snippets, the 10 papers read
  from the store), warm: every query runs once untimed, then timed. Hybrid includes embedding the
  query on ONNX Runtime. Recall@10 of the HNSW index is against exact search over all vectors.
- Memory: a separate process opens the data dir as a server would and runs the same searches;
  its resident set is read after lexical and vector search (no model), and again after hybrid
  search (with the embedding model). Per paper is (resident set - a bare interpreter that has
  imported the hub) / papers.

Usage: python benchmarks/search_scale.py [--sizes 10000 100000 1000000] [--queries 100] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from dailypapers.config import load_settings
from dailypapers.hub import Hub
from dailypapers.models import PaperRecord
from dailypapers.search.embedding import MODEL_NAME, Embedder, content_hash, paper_text
from dailypapers.search.evaluation import _cached_embeddings
from dailypapers.search.vectors import VectorIndex, exact_search

ROOT = Path(__file__).resolve().parent.parent
SCIFACT = ROOT.parent / "shared" / "data" / "scifact"
CATEGORIES = [
    *("cs.LG", "cs.CL", "cs.CV", "cs.AI", "cs.RO", "cs.IR", "cs.CR", "cs.DC", "stat.ML"),
    *("math.OC", "q-bio.NC", "q-bio.GN", "physics.bio-ph", "eess.IV", "eess.SP"),
    *("cond-mat.soft", "astro-ph.GA", "hep-ph", "quant-ph", "econ.EM"),
]
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def real_corpus() -> tuple[list[str], list[str], list[str]]:
    rows = [json.loads(line) for line in (SCIFACT / "corpus.jsonl").read_text().splitlines()]
    titles = [row["title"] for row in rows]
    texts = [f"{row['title']}. {row['text']}".strip(". ") for row in rows]
    sentences = [s.strip() + "." for row in rows for s in row["text"].split(". ") if s.strip()]
    return titles, texts, sentences


def synthetic_papers(size: int, titles: list[str], sentences: list[str]) -> list[PaperRecord]:
    rng = random.Random(size)
    return [
        PaperRecord(
            # Valid new-style ids, 99,999 a month from 2001 on.
            arxiv_id=f"{20 + i // 1_199_988:02d}{1 + i // 99_999 % 12:02d}.{1 + i % 99_999:05d}",
            version=1,
            title=rng.choice(titles),
            abstract=" ".join(rng.choice(sentences) for _ in range(rng.randint(5, 9))),
            categories=(rng.choice(CATEGORIES),),
            published=EPOCH + timedelta(minutes=rng.randrange(7 * 365 * 24 * 60)),
        )
        for i in range(size)
    ]


def mixtures(real: np.ndarray, size: int) -> np.ndarray:
    noise = np.random.default_rng(size)
    first, second = noise.integers(len(real), size=size), noise.integers(len(real), size=size)
    weight = noise.uniform(0.5, 1.0, size=(size, 1)).astype(np.float32)
    vectors = weight * real[first] + (1 - weight) * real[second]
    vectors += noise.normal(scale=0.02, size=vectors.shape).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors.astype(np.float32)


def store_vectors(hub: Hub, records: list[PaperRecord], vectors: np.ndarray) -> None:
    """Store ``vectors`` as the embeddings of ``records``, under each paper's real content hash
    (so indexing embeds nothing). The store must be fresh: it numbers papers 1, 2, ... in order."""
    assert hub.paper(records[-1].arxiv_id or "").pk == len(records)
    rows = [
        (pk, content_hash(paper_text(r.title, r.abstract)), vector.tobytes())
        for pk, r, vector in zip(range(1, len(records) + 1), records, vectors, strict=True)
    ]
    for start in range(0, len(rows), 20_000):
        with hub.store.transaction() as tx:
            tx.papers.save_embeddings(MODEL_NAME, rows[start : start + 20_000])


def percentile_ms(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return round(ordered[int(fraction * (len(ordered) - 1))] * 1000, 2)


def timed(hub: Hub, claims: list[str], mode: str) -> list[float]:
    for claim in claims:  # warm: caches, the model, the index pages
        hub.search(claim, 10, mode=mode)
    times = []
    for claim in claims:
        started = time.perf_counter()
        hub.search(claim, 10, mode=mode)
        times.append(time.perf_counter() - started)
    return times


# Run in a fresh interpreter: what a search process holds, apart from this benchmark's corpus.
MEMORY_PROBE = """
import json, sys
import numpy as np
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
from dailypapers.config import load_settings
from dailypapers.hub import Hub
base = rss()
claims, vectors = json.load(open(sys.argv[2])), np.load(sys.argv[3])
hub = Hub.open(load_settings({"data_dir": sys.argv[1]}, {}))
for claim, vector in zip(claims, vectors):
    hub.search(claim, 10, mode="lexical")
    hub.vectors.search(vector, 100)
searching = rss()
for claim in claims:
    hub.search(claim, 10, mode="hybrid")
print(json.dumps({"base": base, "searching": searching, "with_model": rss()}))
"""


def measure(size: int, corpus: tuple[list[str], list[str], list[str]], args: Any) -> dict[str, Any]:
    titles, texts, sentences = corpus
    embedder = Embedder(cache_dir=args.cache / "models")
    real, _ = _cached_embeddings(texts, embedder, args.cache)
    claims = [json.loads(line)["text"] for line in (SCIFACT / "queries.jsonl").open()]
    claims = claims[: args.queries]
    query_vectors = embedder.embed(claims)
    figures: dict[str, Any] = {"papers": size}
    with tempfile.TemporaryDirectory(prefix="dp-scale-", dir=args.workdir) as tmp:
        data_dir = Path(tmp)
        hub, _ = Hub.init(load_settings({"data_dir": data_dir}, {}))
        # The exported ONNX graph, so that neither this hub nor the probe exports it again.
        models = data_dir / "cache" / "models"
        models.mkdir(parents=True)
        for graph in (args.cache / "models").glob("*.onnx"):
            (models / graph.name).symlink_to(graph.resolve())
        papers = synthetic_papers(size, titles, sentences)
        started = time.perf_counter()
        hub.ingest(papers)
        figures["ingest_per_s"] = round(size / (time.perf_counter() - started))
        vectors = mixtures(real, size)
        store_vectors(hub, papers, vectors)
        del papers
        started = time.perf_counter()
        hub.index(semantic=False)
        figures["lexical_build_per_s"] = round(size / (time.perf_counter() - started))
        started = time.perf_counter()
        hub.index(semantic=True)
        figures["vector_build_per_s"] = round(size / (time.perf_counter() - started))
        assert hub.lexical.count() == size and len(hub.vectors) == size

        raw = VectorIndex(data_dir / "raw-vectors")
        started = time.perf_counter()
        raw.add(list(range(1, size + 1)), vectors)
        figures["vector_insert_per_s"] = round(size / (time.perf_counter() - started))
        del raw

        for mode in ("lexical", "hybrid"):
            times = timed(hub, claims, mode)
            figures[f"{mode}_p50_ms"] = percentile_ms(times, 0.5)
            figures[f"{mode}_p95_ms"] = percentile_ms(times, 0.95)
        vector_times = []
        for vector in query_vectors:
            started = time.perf_counter()
            hub.vectors.search(vector, 100)
            vector_times.append(time.perf_counter() - started)
        figures["vector_p95_ms"] = percentile_ms(vector_times, 0.95)
        # Recall apart from the timings: OpenBLAS threads left spinning by the exact search's
        # matrix product slow the next embedding on two cores.
        keys = list(range(1, size + 1))
        found = 0
        for vector in query_vectors:
            near = {hit.key for hit in hub.vectors.search(vector, 10)}
            found += len(near & {hit.key for hit in exact_search(keys, vectors, vector, 10)})
        figures["hnsw_recall@10"] = round(found / (10 * len(claims)), 3)
        hub.close()
        del vectors

        claims_file, vectors_file = data_dir / "claims.json", data_dir / "claims.npy"
        claims_file.write_text(json.dumps(claims))
        np.save(vectors_file, query_vectors)
        probe = subprocess.run(
            [sys.executable, "-c", MEMORY_PROBE, str(data_dir), str(claims_file), vectors_file],
            capture_output=True,
            text=True,
            check=True,
        )
        memory = json.loads(probe.stdout)
        searching = memory["searching"] - memory["base"]
        figures["search_rss_mb"] = round(memory["searching"] / 2**20)
        figures["bytes_per_paper"] = round(searching / size)
        figures["model_rss_mb"] = round((memory["with_model"] - memory["searching"]) / 2**20)
        index_bytes = sum(f.stat().st_size for f in (data_dir / "index").rglob("*") if f.is_file())
        figures["index_disk_bytes_per_paper"] = round(index_bytes / size)
        database = data_dir / "dailypapers.sqlite3"
        figures["database_bytes_per_paper"] = round(database.stat().st_size / size)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--cache", type=Path, default=ROOT / "benchmarks" / "out" / "cache")
    parser.add_argument("--workdir", type=Path, help="where the data dirs go (default: /tmp)")
    args = parser.parse_args()
    corpus = real_corpus()
    print(
        f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        flush=True,
    )
    for size in args.sizes:
        print(json.dumps(measure(size, corpus, args)), flush=True)


if __name__ == "__main__":
    main()
