"""What a digest holds: sections of papers chosen from the candidates the hub passes in (pure).

The hub gathers candidates (the window's trending papers, a reader's For you picks, what they
follow); ``choose`` keeps each paper once, drops what the subscriber was already sent, and caps
each section. A digest with no papers is not sent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from dailypapers.errors import InvalidInput
from dailypapers.models import Paper, Subscription

FREQUENCIES = ("daily", "weekly")
# A topic written like an arXiv category (cs.CV, math.AG, hep-th.x) means that category.
_CATEGORY = re.compile(r"^[a-z][a-z-]*\.[a-z-]+$", re.IGNORECASE)
_WORD = re.compile(r"\w+")
# Days of daily lists a digest looks back over: a daily digest on Monday also covers the
# weekend's short lists; a weekly one the whole week. Papers sent before are never repeated.
LOOKBACK_DAYS = {"daily": 3, "weekly": 7}
ABSTRACT_CHARS = 320


@dataclass(slots=True)
class Item:
    """One paper in a digest, and why it is there (for personal sections)."""

    paper: Paper
    reason: str | None = None


@dataclass(slots=True)
class Section:
    """A titled run of papers: trending, For you, what the reader follows, their searches."""

    key: str
    title: str
    items: list[Item] = field(default_factory=list)


@dataclass(slots=True)
class Window:
    """The daily lists a digest draws on: ``first`` to ``last`` (the newest before its day)."""

    kind: str
    day: date  # the day the digest is for (when it is sent)
    first: date
    last: date


@dataclass(slots=True)
class Digest:
    """One subscriber's message for one period."""

    subscription: Subscription
    period: str
    window: Window
    sections: list[Section]

    @property
    def papers(self) -> list[Paper]:
        return [item.paper for section in self.sections for item in section.items]

    @property
    def trending_count(self) -> int:
        return sum(len(s.items) for s in self.sections if s.key == "trending")

    @property
    def subject(self) -> str:
        return subject(self.window, self.trending_count, len(self.papers))


def period_key(kind: str, day: date) -> str:
    """The outbox's key for ``kind``'s digest of ``day``: ``daily:2026-02-03``."""
    if kind not in FREQUENCIES:
        raise InvalidInput(f"unknown period {kind!r}: {', '.join(FREQUENCIES)}")
    return f"{kind}:{day.isoformat()}"


def window(kind: str, day: date, last_listed: date | None) -> Window | None:
    """The lists a ``kind`` digest for ``day`` covers, given the newest listed day before it."""
    if last_listed is None:
        return None
    first = last_listed - timedelta(days=LOOKBACK_DAYS[kind] - 1)
    return Window(kind, day, first, last_listed)


def short_day(day: date) -> str:
    """``Tue 3 Feb``"""
    return f"{day:%a} {day.day} {day:%b}"


def subject(frame: Window, trending: int, total: int) -> str:
    """ "Daily Papers — 12 trending papers for Tue 3 Feb" (or the week's, or one's own picks)."""
    if frame.kind == "weekly":
        span = f"the week to {short_day(frame.last)}"
    else:
        span = short_day(frame.last)
    if trending:
        what = f"{trending} trending paper{'s' if trending != 1 else ''}"
    else:
        what = f"{total} paper{'s' if total != 1 else ''} picked for you"
    return f"Daily Papers — {what} for {span}"


# Sections of what happened to the reader (a reply to their comment), not of papers to read:
# a paper in one may have been sent before, and may be there twice for two comments.
NEWS = frozenset({"answers"})


def choose(
    candidates: Iterable[Section], sent: set[int], limits: dict[str, int], default_limit: int
) -> list[Section]:
    """The sections to send: each paper once (the first section that has it keeps it), none
    that ``sent`` holds (but in the NEWS sections), each section capped at its limit, empty
    sections left out."""
    taken = set(sent)
    chosen: list[Section] = []
    for section in candidates:
        cap = limits.get(section.key, default_limit)
        news = section.key in NEWS
        kept: list[Item] = []
        for item in section.items:
            if len(kept) >= cap:
                break
            if item.paper.pk in taken and not news:
                continue
            taken.add(item.paper.pk)
            kept.append(item)
        if kept:
            chosen.append(Section(section.key, section.title, kept))
    return chosen


@lru_cache(maxsize=8192)  # the same papers go to many subscribers
def short_abstract(text: str | None, limit: int = ABSTRACT_CHARS) -> str:
    """The abstract's first ``limit`` characters, cut at a word, on one line."""
    flat = " ".join((text or "").split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


@lru_cache(maxsize=8192)
def author_line(authors: Sequence[str] | None, count: int | None, shown: int = 4) -> str:
    names = list(authors or ())
    if not names:
        return f"{count} authors" if count else ""
    total = max(len(names), count or 0)
    if total <= min(shown, len(names)):
        return ", ".join(names)
    listed = names[:shown]
    return ", ".join(listed) + f" and {total - len(listed)} more"


def matches_topic(paper: Paper, topic: str) -> bool:
    """Whether ``paper`` is about ``topic``: in that arXiv category, or with every word of the
    topic in its title or abstract."""
    wanted = topic.strip()
    if _CATEGORY.match(wanted):
        return wanted.lower() in {c.lower() for c in paper.categories or ()}
    words = set(_WORD.findall(f"{paper.title} {paper.abstract or ''}".lower()))
    return all(word in words for word in _WORD.findall(wanted.lower()))
