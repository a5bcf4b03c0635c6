"""Fusion of a lexical and a semantic ranking: by scores (convex), and by ranks (RRF)."""

from __future__ import annotations

import pytest

from dailypapers.search.fusion import convex_fusion, reciprocal_rank_fusion


def test_agreement_wins_and_scores_follow_the_formula() -> None:
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["b", "c", "d"]], k=60)
    assert [item for item, _ in fused] == ["b", "c", "a", "d"]
    assert dict(fused)["b"] == pytest.approx(1 / 62 + 1 / 61)
    assert dict(fused)["d"] == pytest.approx(1 / 63)


def test_weights_and_ties() -> None:
    fused = reciprocal_rank_fusion([["a"], ["b"]], weights=[1.0, 2.0])
    assert [item for item, _ in fused] == ["b", "a"]
    assert [item for item, _ in reciprocal_rank_fusion([["x"], ["y"]])] == ["x", "y"]
    assert reciprocal_rank_fusion([]) == []
    with pytest.raises(ValueError, match="1 weights for 2 rankings"):
        reciprocal_rank_fusion([["a"], ["b"]], weights=[1.0])


def test_convex_fusion_follows_its_formula() -> None:
    lexical = [("a", 10.0), ("b", 5.0)]
    meaning = {"a": 0.2, "b": 0.6, "c": 0.5}
    fused = dict(convex_fusion(lexical, meaning, alpha=0.4))
    # BM25 is scaled by the query's best score; cosine is taken as it is.
    assert fused["a"] == pytest.approx(0.4 * 1.0 + 0.6 * 0.2)
    assert fused["b"] == pytest.approx(0.4 * 0.5 + 0.6 * 0.6)
    assert fused["c"] == pytest.approx(0.6 * 0.5)  # no words matched: 0 for that side
    assert [item for item, _ in convex_fusion(lexical, meaning, alpha=0.4)] == ["b", "a", "c"]


def test_convex_fusion_edges() -> None:
    # A paper missing from the semantic side gets the lowest similarity seen there.
    fused = dict(convex_fusion([("x", 2.0)], {"y": 0.3, "z": 0.1}, alpha=0.5))
    assert fused["x"] == pytest.approx(0.5 + 0.5 * 0.1)
    # Alpha 1 is pure BM25 order; alpha 0 pure meaning.
    lexical, meaning = [("p", 3.0), ("q", 1.0)], {"p": 0.1, "q": 0.9}
    assert [i for i, _ in convex_fusion(lexical, meaning, alpha=1.0)] == ["p", "q"]
    assert [i for i, _ in convex_fusion(lexical, meaning, alpha=0.0)] == ["q", "p"]
    assert convex_fusion([], {}) == []
    assert [i for i, _ in convex_fusion([], {"m": 0.4})] == ["m"]
