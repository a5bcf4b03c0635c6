"""Trending: a published formula of upvotes and age, as pure functions (no I/O).

A paper's trending score is ``upvotes / (age_hours + offset) ** gravity``: Hacker News's
"gravity" ranking. Votes lift a paper; age pulls it down ever faster as gravity grows. The offset
keeps a paper listed a minute ago from dividing by nearly zero. Its age is counted from the start
of the first day it was on a daily list (UTC), or from its arXiv publication if it was never
listed. Both numbers are settings; the trending page prints the formula with them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time

from dailypapers.models import Paper

WINDOWS = {"day": 1, "week": 7, "month": 30}


@dataclass(frozen=True, slots=True)
class Gravity:
    """The trending formula's two weights."""

    gravity: float = 1.8
    offset_hours: float = 2.0

    def score(self, upvotes: int, age_hours: float) -> float:
        return float(upvotes / (max(age_hours, 0.0) + self.offset_hours) ** self.gravity)

    def describe(self) -> str:
        return f"upvotes / (age in hours + {self.offset_hours:g}) ^ {self.gravity:g}"


def listed_at(paper: Paper) -> datetime | None:
    """When the paper's age starts: its first day on a list, else its arXiv publication."""
    if paper.listings:
        return datetime.combine(paper.listings[0].date, time.min, UTC)
    return paper.published


def trending(
    papers: Iterable[Paper], now: datetime, weights: Gravity = Gravity()
) -> list[tuple[Paper, float]]:
    """Papers with their scores at ``now``, highest first (ties: more upvotes, then newer)."""
    scored = []
    for paper in papers:
        start = listed_at(paper)
        if start is None:
            continue
        age = (now - start).total_seconds() / 3600
        scored.append((paper, weights.score(paper.total_upvotes, age), start))
    scored.sort(key=lambda item: (-item[1], -item[0].total_upvotes, -item[2].timestamp()))
    return [(paper, score) for paper, score, _ in scored]
