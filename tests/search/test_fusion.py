"""Reciprocal rank fusion."""

from __future__ import annotations

import pytest

from dailypapers.search.fusion import reciprocal_rank_fusion


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
