"""The lists people read through the hub: a day's papers, a week's, a month's, and trending."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from dailypapers.errors import InvalidInput
from dailypapers.hub.base import HubBase
from dailypapers.models import Paper
from dailypapers.ranking import WINDOWS, trending

# The week and month numbers may drop their leading zero ("2026-W7", "2026-2"), as clients of
# HF's API write them.
_WEEK = re.compile(r"^(\d{4})-W(\d{1,2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
LIST_SORTS = ("upvotes", "publishedAt", "trending")
# The days anyone may ask about: every paper and list falls between them, and the day before
# and after each is still a date (Python's dates end at years 1 and 9999).
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)


def check_day(day: date, name: str = "date") -> date:
    """``day`` if it lies from FIRST_DAY to LAST_DAY, else InvalidInput naming ``name``."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise InvalidInput(
            f"{name} {day.isoformat()} is out of range: from {FIRST_DAY.isoformat()} to "
            f"{LAST_DAY.isoformat()}"
        )
    return day


def _check_year(year: int, text: str, what: str) -> None:
    if not FIRST_DAY.year <= year <= LAST_DAY.year:
        raise InvalidInput(
            f"{what} {text!r} is out of range: years {FIRST_DAY.year} to {LAST_DAY.year}"
        )


# About the bytes a paper read from the store holds besides its abstract.
PAPER_BYTES = 1500


@dataclass(frozen=True, slots=True)
class Listed:
    """What the store lists from ``first`` to ``last``: its papers, in no order, and the
    nearest days before and after that have a list."""

    first: date
    last: date
    papers: tuple[Paper, ...]
    before: date | None
    after: date | None


@dataclass(slots=True)
class PaperList:
    """One view of the daily list: a day, an ISO week or a month, its papers best first.

    ``previous`` and ``following`` name the nearest views (same kind) that have papers, as the
    value their query parameter takes (``2026-02-03``, ``2026-W06``, ``2026-02``).
    """

    kind: str
    first: date | None
    last: date | None
    papers: list[Paper]
    previous: str | None = None
    following: str | None = None
    scores: dict[int, float] = field(default_factory=dict)

    @property
    def value(self) -> str | None:
        if self.first is None:
            return None
        return _name(self.kind, self.first)


@dataclass(slots=True)
class Trending:
    """The trending papers of a window, as of a moment, with the formula that ranked them."""

    window: str
    as_of: datetime
    formula: str
    items: list[tuple[Paper, float]]


def parse_week(text: str) -> tuple[date, date]:
    monday = _period_start(
        text, _WEEK, "week", "2026-W09", lambda y, w: date.fromisocalendar(y, w, 1)
    )
    return monday, monday + timedelta(days=6)


def parse_month(text: str) -> tuple[date, date]:
    first = _period_start(text, _MONTH, "month", "2026-02", lambda y, m: date(y, m, 1))
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, following - timedelta(days=1)


def _period_start(
    text: str, pattern: re.Pattern[str], kind: str, example: str, start: Callable[[int, int], date]
) -> date:
    """The first day of the week or month ``text`` names (its year and number matched by
    ``pattern``); InvalidInput, with an ``example``, for anything else."""
    match = pattern.match(text.strip())
    if match is not None:
        _check_year(int(match[1]), text, kind)
    try:
        if match is None:
            raise ValueError
        return start(int(match[1]), int(match[2]))
    except ValueError:
        raise InvalidInput(f"{kind} must look like {example}, got {text!r}") from None


def _name(kind: str, day: date) -> str:
    if kind == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if kind == "month":
        return f"{day.year}-{day.month:02d}"
    return day.isoformat()


def by_upvotes(papers: list[Paper], day: date | None = None) -> list[Paper]:
    """Most upvoted first; ties keep the list's own order (its rank on ``day``), then newest."""

    def rank(paper: Paper) -> int:
        for listing in paper.listings:
            if listing.date == day and listing.rank is not None:
                return listing.rank
        return 1_000_000

    return sorted(papers, key=lambda p: (-p.total_upvotes, rank(p), p.id))


class Lists(HubBase):
    """The lists part of the hub."""

    def daily(self, day: date | None = None) -> tuple[date | None, list[Paper]]:
        """The daily list of ``day``, or of the latest day that has one, most upvoted first
        (``(None, [])`` when there is none); raises nothing."""
        with self.store.read() as tx:
            day = tx.lists.latest_day(day)
            return day, by_upvotes(tx.lists.day(day), day) if day else []

    def recent_lists(self, days: int) -> list[Paper]:
        """The daily lists of the ``days`` days up to the newest, newest day first. Raises
        nothing."""
        with self.store.read() as tx:
            latest = tx.lists.latest_day()
            if latest is None:
                return []
            newest_first = [latest - timedelta(days=offset) for offset in range(days)]
            return [paper for day in newest_first for paper in by_upvotes(tx.lists.day(day), day)]

    def paper_list(
        self,
        day: date | None = None,
        week: str | None = None,
        month: str | None = None,
        submitter: str | None = None,
        sort: str = "upvotes",
    ) -> PaperList:
        """The papers of a day (default: the latest with papers), an ISO week, or a month; with
        a ``submitter`` and none of those, every paper they submitted (kind ``"submitter"``).

        ``sort``: upvotes (the daily list's order), publishedAt (newest first), or trending.
        InvalidInput for an unknown sort, a malformed week or month, a day out of range, or more
        than one of day, week and month.
        """
        if sort not in LIST_SORTS:
            raise InvalidInput(f"unknown sort {sort!r}: {', '.join(LIST_SORTS)}")
        week = week.strip() or None if week is not None else None  # "?week=" asks for none
        month = month.strip() or None if month is not None else None
        if sum(x is not None for x in (day, week, month)) > 1:
            raise InvalidInput("give one of date, week and month")
        if day is not None:
            check_day(day)
        if week is not None:
            kind, (first, last) = "week", parse_week(week)
        elif month is not None:
            kind, (first, last) = "month", parse_month(month)
        elif submitter is not None and day is None:
            kind, first, last = "submitter", FIRST_DAY, LAST_DAY
        else:
            kind, first, last = "day", day, day  # type: ignore[assignment]  # None: the latest
        found = self._listed(first, last, submitter)
        if found is None:
            return PaperList("day", None, None, [])
        first, last = found.first, found.last
        result = PaperList(kind, first, last, list(found.papers))
        self._order(result, sort)
        result.previous = _name(kind, found.before) if found.before else None
        result.following = _name(kind, found.after) if found.after else None
        return result

    def _listed(
        self, first: date | None, last: date | None, submitter: str | None
    ) -> Listed | None:
        """The papers listed from ``first`` to ``last`` (None for both: the latest day that has
        a list; None when none has), as this process keeps them while the store's change
        sequence stands (every paper written, vote, comment and list moves it)."""
        with self.store.read() as tx:
            seq = tx.papers.change_seq()
            key = (first, last, submitter)
            with self._kept_lists_lock:
                found = self._kept_lists.current(key, seq)
            if found is not None:
                return found
            start = first or tx.lists.latest_day(None)
            end = last or start
            if start is None or end is None:
                return None
            papers = tuple(tx.lists.between(start, end, submitter))
            before, after = tx.lists.neighbours(start)
            if end != start:
                _, after = tx.lists.neighbours(end)
        found = Listed(start, end, papers, before, after)
        size = sum(PAPER_BYTES + len(paper.abstract or "") for paper in papers) + PAPER_BYTES
        with self._kept_lists_lock:
            self._kept_lists.keep(key, seq, found, size)
        return found

    def _order(self, result: PaperList, sort: str) -> None:
        if sort == "publishedAt":
            result.papers.sort(key=lambda p: (p.day or date.min, p.id), reverse=True)
        elif sort == "trending":
            scored = trending(result.papers, self.as_of(result.last), self.gravity)
            result.papers = [paper for paper, _ in scored]
            result.scores = {paper.pk: score for paper, score in scored}
        else:
            result.papers = by_upvotes(
                result.papers, result.first if result.kind == "day" else None
            )

    def sitemap(self, limit: int = 50_000) -> tuple[list[date], list[tuple[str, date]]]:
        """What a sitemap names: the days that have a list, and the papers listed last (their
        id and last day), at most ``limit`` in all, newest first. Raises nothing."""
        with self.store.read() as tx:
            days = tx.lists.days(limit)
            return days, tx.lists.listed_ids(limit - len(days))

    def trending(self, window: str = "week", limit: int = 50) -> Trending:
        """The papers listed in the last day, week or month, ranked by the trending formula.

        The window ends at the newest listed day (or now, if that is today): an installation
        that stopped fetching, or the bundled demo, still shows what was trending last.
        InvalidInput for an unknown window.
        """
        if window not in WINDOWS:
            raise InvalidInput(f"unknown window {window!r}: {', '.join(WINDOWS)}")
        with self.store.read() as tx:
            latest = tx.lists.latest_day()
            first = latest - timedelta(days=WINDOWS[window] - 1) if latest else None
            papers = tx.lists.between(first, latest) if first and latest else []
        as_of = self.as_of(latest)
        if latest is None:
            return Trending(window, as_of, self.gravity.describe(), [])
        items = trending(papers, as_of, self.gravity)[:limit]
        return Trending(window, as_of, self.gravity.describe(), items)
