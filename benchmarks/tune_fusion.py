"""Tune the hybrid fusion on SciFact's train split: RRF's k and the lexical ranking's weight.

Lexical and semantic runs are made once (corpus embeddings from the evaluation cache), then every
(k, weight) pair is scored on train; the best is reported together with its test score. Test is
never used to choose.

Usage: python benchmarks/tune_fusion.py [DIR] [--cache benchmarks/out/cache]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from dailypapers.search import evaluation
from dailypapers.search.beir import evaluate, load_beir
from dailypapers.search.embedding import Embedder
from dailypapers.search.fusion import reciprocal_rank_fusion

ROOT = Path(__file__).resolve().parent.parent
KS = (5, 10, 20, 30, 60, 100)
WEIGHTS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)


def runs(directory: Path, split: str, cache: Path, embedder: Embedder) -> tuple[Any, Any, Any]:
    data = load_beir(directory, split)
    with tempfile.TemporaryDirectory() as tmp:
        lexical, _ = evaluation._lexical_run(data, Path(tmp))
    semantic, _ = evaluation._semantic_run(data, embedder, cache)
    return data, lexical, semantic


def fused(data: Any, lexical: Any, semantic: Any, k: float, weight: float) -> float:
    run = {
        q: [d for d, _ in reciprocal_rank_fusion([lexical[q], semantic[q]], k, (weight, 1.0))][:100]
        for q in data.queries
    }
    return evaluate(run, data.qrels)["ndcg@10"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "directory", nargs="?", type=Path, default=ROOT.parent / "shared" / "data" / "scifact"
    )
    parser.add_argument("--cache", type=Path, default=ROOT / "benchmarks" / "out" / "cache")
    args = parser.parse_args()
    embedder = Embedder(cache_dir=args.cache / "models")
    train = runs(args.directory, "train", args.cache, embedder)
    grid = {(k, w): fused(*train, k, w) for k in KS for w in WEIGHTS}
    best = max(grid, key=lambda pair: grid[pair])
    for (k, w), score in sorted(grid.items()):
        print(f"k={k:<4} lexical weight={w:<5} train nDCG@10={score:.4f}")
    test = runs(args.directory, "test", args.cache, embedder)
    print(f"best on train: k={best[0]}, lexical weight={best[1]} ({grid[best]:.4f})")
    plain = fused(*test, 60, 1.0)
    print(f"test nDCG@10 with it: {fused(*test, *best):.4f}; plain RRF (k=60, 1:1): {plain:.4f}")


if __name__ == "__main__":
    main()
