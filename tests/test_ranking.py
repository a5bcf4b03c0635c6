"""The trending formula: its numbers, its order, and where a paper's age starts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from dailypapers.models import Listing, Paper
from dailypapers.ranking import Gravity, listed_at, trending


def paper(
    pk: int, upvotes: int, listed: date | None = None, published: datetime | None = None
) -> Paper:
    return Paper(
        id=f"2602.{pk:05d}", pk=pk, title=f"Paper {pk}", arxiv_id=f"2602.{pk:05d}", version=1,
        abstract=None, authors=None, author_count=None, categories=None, published=published,
        updated=None, versions=None, comments=None, journal_ref=None, doi=None, license=None,
        pdf_url=None, github_repo=None, project_page=None, withdrawn=False,
        source_upvotes=upvotes, upvotes=0, num_comments=0, seq=1,
        listings=(Listing(listed),) if listed else (),
    )  # fmt: skip


def test_the_formula() -> None:
    gravity = Gravity(1.8, 2.0)
    assert gravity.score(10, 0) == pytest.approx(10 / 2**1.8)
    assert gravity.score(10, 22) == pytest.approx(10 / 24**1.8)
    assert gravity.score(0, 5) == 0
    assert gravity.describe() == "upvotes / (age in hours + 2) ^ 1.8"


def test_fresh_votes_beat_old_votes() -> None:
    now = datetime(2026, 2, 28, tzinfo=UTC)
    old_popular = paper(1, 100, date(2026, 2, 20))
    new_rising = paper(2, 20, date(2026, 2, 27))
    ranked = trending([old_popular, new_rising], now)
    assert [p.pk for p, _ in ranked] == [2, 1]
    # With no gravity at all, only votes count.
    flat = trending([old_popular, new_rising], now, Gravity(0.0, 2.0))
    assert [p.pk for p, _ in flat] == [1, 2]


def test_age_starts_at_the_first_listing_else_publication() -> None:
    listed = paper(1, 1, date(2026, 2, 3), published=datetime(2025, 1, 1, tzinfo=UTC))
    assert listed_at(listed) == datetime(2026, 2, 3, tzinfo=UTC)
    published = datetime(2026, 2, 4, 12, tzinfo=UTC)
    assert listed_at(paper(2, 1, published=published)) == published
    assert listed_at(paper(3, 1)) is None
    now = published + timedelta(hours=10)
    scored = dict(
        (p.pk, s) for p, s in trending([paper(2, 6, published=published), paper(3, 9)], now)
    )
    assert scored == {2: pytest.approx(6 / 12**1.8)}  # an undated paper cannot trend


def test_ties_go_to_more_votes_then_newer() -> None:
    now = datetime(2026, 2, 28, tzinfo=UTC)
    a, b = paper(1, 0, date(2026, 2, 26)), paper(2, 0, date(2026, 2, 27))
    assert [p.pk for p, _ in trending([a, b], now)] == [2, 1]
