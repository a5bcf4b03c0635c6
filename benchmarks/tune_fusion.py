"""Tune the hybrid fusion on SciFact's train split, and compare it with reciprocal rank fusion.

Lexical and semantic runs are made once (corpus embeddings from the evaluation cache). On train,
the convex fusion's lexical weight is chosen from a 0.05 grid, and RRF's k and lexical weight from
a grid too (the baseline); each choice is then scored once on test. Test is never used to choose.

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
ALPHAS = [round(0.05 * step, 2) for step in range(1, 20)]
KS = (5, 10, 20, 30, 60, 100)
WEIGHTS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)


def runs(directory: Path, split: str, cache: Path, embedder: Embedder) -> tuple[Any, Any, Any]:
    data = load_beir(directory, split)
    with tempfile.TemporaryDirectory() as tmp:
        lexical, _ = evaluation._lexical_run(data, Path(tmp))
    semantic, _ = evaluation._semantic_run(data, embedder, cache)
    return data, lexical, semantic


def ndcg(data: Any, run: evaluation.Run) -> float:
    return evaluate({q: [d for d, _ in hits] for q, hits in run.items()}, data.qrels)["ndcg@10"]


def convex(data: Any, lexical: Any, semantic: Any, alpha: float) -> float:
    return ndcg(data, evaluation.hybrid_run(lexical, semantic, alpha))


def rrf(data: Any, lexical: Any, semantic: Any, k: float, weight: float) -> float:
    nearest = semantic.run()
    run = {
        q: reciprocal_rank_fusion(
            [[d for d, _ in lexical[q]], [d for d, _ in nearest[q]]], k, (weight, 1.0)
        )[:100]
        for q in data.queries
    }
    return ndcg(data, run)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "directory", nargs="?", type=Path, default=ROOT.parent / "shared" / "data" / "scifact"
    )
    parser.add_argument("--cache", type=Path, default=ROOT / "benchmarks" / "out" / "cache")
    args = parser.parse_args()
    embedder = Embedder(cache_dir=args.cache / "models")
    train = runs(args.directory, "train", args.cache, embedder)
    alphas = {alpha: convex(*train, alpha) for alpha in ALPHAS}
    for alpha, score in alphas.items():
        print(f"convex alpha={alpha:<5} train nDCG@10={score:.4f}")
    alpha = max(alphas, key=lambda a: alphas[a])
    grid = {(k, w): rrf(*train, k, w) for k in KS for w in WEIGHTS}
    k, weight = max(grid, key=lambda pair: grid[pair])
    test = runs(args.directory, "test", args.cache, embedder)
    print(
        f"convex: best alpha on train {alpha} ({alphas[alpha]:.4f}); "
        f"test {convex(*test, alpha):.4f}"
    )
    print(
        f"RRF: best on train k={k}, lexical weight={weight} ({grid[(k, weight)]:.4f}); "
        f"test {rrf(*test, k, weight):.4f}; plain RRF (k=60, 1:1) test {rrf(*test, 60, 1.0):.4f}"
    )


if __name__ == "__main__":
    main()
