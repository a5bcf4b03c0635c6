"""Fusion: one ranking from a lexical and a semantic one, by their scores or by their ranks.

The hybrid search uses ``convex_fusion``; ``reciprocal_rank_fusion`` is the baseline it is measured
against (benchmarks/tune_fusion.py, docs/benchmarks.md).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

K = TypeVar("K", bound=Hashable)

# The weight of the lexical score, tuned on SciFact's train split (benchmarks/tune_fusion.py,
# 0.05 steps): on the test split the fusion gives nDCG@10 0.738, against 0.724 for the best
# reciprocal rank fusion tuned the same way and 0.716 for plain RRF.
HYBRID_ALPHA = 0.35


def convex_fusion(
    lexical: Sequence[tuple[K, float]],
    semantic: Mapping[K, float],
    alpha: float = HYBRID_ALPHA,
) -> list[tuple[K, float]]:
    """Ids by ``alpha * bm25 / top bm25 + (1 - alpha) * cosine``, best first.

    ``lexical`` is the BM25 ranking as (id, score); ``semantic`` maps ids to cosine similarity
    and should cover the lexical hits too (the caller looks their vectors up), so that a paper
    found by words alone is judged on its meaning as well. A paper missing from ``semantic`` is
    given the lowest similarity there; one missing from ``lexical`` scores 0 for words. BM25 has
    no fixed scale, so it is divided by the query's best score; cosine already lies in [-1, 1].

    Bruch, Gai and Ingber (ACM TOIS 2023) found such a convex combination, tuned on a little
    data, better than reciprocal rank fusion; it is here too.
    """
    top = max((score for _, score in lexical), default=0.0)
    floor = min(semantic.values(), default=0.0)
    words = {item: score / top for item, score in lexical} if top > 0 else {}
    scores = {
        item: alpha * words.get(item, 0.0) + (1 - alpha) * semantic.get(item, floor)
        for item in dict.fromkeys([*(item for item, _ in lexical), *semantic])
    }
    return sorted(scores.items(), key=lambda pair: -pair[1])


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[str]], k: float = 60.0, weights: Sequence[float] | None = None
) -> list[tuple[str, float]]:
    """Ids by the sum over rankings of ``weight / (k + rank)`` (rank from 1), best first.

    Cormack, Clarke and Büttcher (SIGIR 2009): robust without comparing the rankers' scores,
    which live on different scales. Ties keep the order of first appearance.
    """
    if weights is None:
        weights = [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError(f"{len(weights)} weights for {len(rankings)} rankings")
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, item in enumerate(ranking, 1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda pair: -pair[1])
