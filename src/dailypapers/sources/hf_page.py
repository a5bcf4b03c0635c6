"""Parse a Hugging Face "Daily Papers" page saved as text: titles, abstracts, authors, dates."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import BinaryIO

from dailypapers.errors import InvalidInput
from dailypapers.models import Listing, PaperRecord, Rejection, normalize_space
from dailypapers.sources.streams import read_document

_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_DAY = r"(?P<month>[A-Za-z]{3,9})\.? (?P<day>\d{1,2})(?:, (?P<year>\d{4}))?"
# "Aug 5", "Aug 5 2" (2 upvotes), "Dec 3, 2024", "Jan 13, 2024 1": HF writes a year with a comma.
_DATE = re.compile(rf"^{_DAY}(?: (?P<upvotes>\d+))?$")
_PAGE_DAY = re.compile(rf"^{_DAY}$")
_AUTHORS = re.compile(r"^•\s*(?P<count>\d+)\s+authors?$")
_CARD_FOOTER = re.compile(r"^[ \t]*•[ \t]*\d+[ \t]+authors?[ \t]*\r?\n[ \t]*·[ \t]*$", re.MULTILINE)
_HEADER_LINES = 20
_MAX_TITLE = 300
_MAX_DATE_LINE = 40


@dataclass(slots=True)
class _Card:
    """One paper card as read so far: its title, abstract paragraphs, and where it starts."""

    title: str
    line: int
    abstract: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Footer:
    """A card's last lines: the author count line and the date line, as written."""

    line: int
    authors: str | None = None
    date: str | None = None


def looks_like_hf_page(head: bytes) -> bool:
    """Whether the first bytes of a file read like a saved Daily Papers page."""
    text = head.decode("utf-8", errors="ignore")
    if _CARD_FOOTER.search(text):
        return True
    lines = [line.strip() for line in text.splitlines() if line.strip()][:_HEADER_LINES]
    return "Daily Papers" in lines and any(line.startswith("byAK") for line in lines)


def parse_hf_page(
    stream: BinaryIO, source: str, page_date: date | None = None
) -> Iterator[PaperRecord | Rejection]:
    """One record per paper card, in page order; a card that cannot be read yields a Rejection.

    ``page_date`` is the day the page lists: it places yearless dates ("Aug 5" is in the page's
    year, or the year before when that would be after the page's day) and becomes each record's
    ``Listing`` with the card's position as rank. Without it, cards with a yearless date are
    rejected. Rejections say ``entry N``, N being the card's position on the page.
    """
    lines = _read_lines(stream, source)
    start, shown_day = _skip_header(lines)
    page_date = _page_date(shown_day, page_date, source)
    entry = 0
    for cards, footer in _cards(lines, start):
        if not cards and footer:
            entry += 1
            reason = f"line {footer.line}: a '• N authors · date' footer without a title before it"
            yield Rejection(source, f"entry {entry}", reason)
        for position, card in enumerate(cards, 1):
            entry += 1
            own_footer = footer if position == len(cards) else None
            yield _entry(card, own_footer, entry, page_date, source)


def _read_lines(stream: BinaryIO, source: str) -> list[str]:
    try:
        text = read_document(stream, source).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{source}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    lines = text.splitlines()
    if not any(_AUTHORS.match(line.strip()) for line in lines):
        raise InvalidInput(
            f"{source}: not a Hugging Face Daily Papers page (no '• N authors' line)"
        )
    return lines


def _skip_header(lines: list[str]) -> tuple[int, re.Match[str] | None]:
    """Where the cards begin, after "Daily Papers", its byline and the page's day (if shown)."""
    seen = [(number, line.strip()) for number, line in enumerate(lines) if line.strip()]
    head = seen[:_HEADER_LINES]
    for index, (number, text) in enumerate(head):
        if text != "Daily Papers":
            continue
        start = number + 1
        rest = head[index + 1 : index + 3]
        if rest and rest[0][1].startswith("by"):
            start = rest[0][0] + 1
            rest = rest[1:]
        day = _PAGE_DAY.match(rest[0][1]) if rest else None
        if day:
            return rest[0][0] + 1, day
        return start, None
    return 0, None


def _page_date(shown: re.Match[str] | None, page_date: date | None, source: str) -> date | None:
    """The page's date: as given, checked against the day the page shows, or read from it."""
    if shown is None:
        return page_date
    month = _month(shown["month"])
    year = int(shown["year"]) if shown["year"] else None
    if month is None:
        return page_date
    if page_date is None:
        # Only a header with a year ("Dec 3, 2024") places the page by itself.
        return _day(year, month, int(shown["day"])) if year else None
    if (year or page_date.year, month, int(shown["day"])) != (
        page_date.year,
        page_date.month,
        page_date.day,
    ):
        raise InvalidInput(
            f"{source}: the page shows {shown[0]!r} but the page date given is "
            f"{page_date.isoformat()}; pass the day the page shows"
        )
    return page_date


def _day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _cards(lines: list[str], start: int) -> Iterator[tuple[list[_Card], _Footer | None]]:
    """The cards between footers, each run ending with the footer of its last card.

    A card is a title, then its abstract; its footer is ``• N authors``, ``·`` and the date
    line. A run holds more than one card when a card came without a footer: HF's saved pages have
    one such card each (a title and abstract only), which is kept as a paper with no date.
    """
    cards: list[_Card] = []
    previous_blank = True
    number = start
    while number < len(lines):
        text = lines[number].strip()
        if not text:
            previous_blank = True
            number += 1
            continue
        if text.startswith("•") or text == "·":
            footer, number = _read_footer(lines, number)
            yield cards, footer
            cards = []
            previous_blank = True
            continue
        if not previous_blank and cards:
            # A paragraph wrapped over several lines: one title or abstract paragraph.
            _append(cards[-1], text)
        elif not cards or (cards[-1].abstract and _looks_like_title(text)):
            cards.append(_Card(text, number + 1))
        else:
            cards[-1].abstract.append(text)
        previous_blank = False
        number += 1
    if cards:
        yield cards, None


def _read_footer(lines: list[str], number: int) -> tuple[_Footer, int]:
    """The footer starting at ``number`` (its ``•`` or ``·`` line), and the line after it."""
    first = number + 1
    authors = None
    text = lines[number].strip()
    if text.startswith("•"):
        authors = text
        number = _next_text(lines, number + 1)
        if number < len(lines) and lines[number].strip() == "·":
            number = _next_text(lines, number + 1)
    else:
        number = _next_text(lines, number + 1)
    shown = None
    if number < len(lines):
        candidate = lines[number].strip()
        if len(candidate) <= _MAX_DATE_LINE and not candidate.startswith("•") and candidate != "·":
            shown = candidate
            number += 1
    return _Footer(first, authors, shown), number


def _next_text(lines: list[str], number: int) -> int:
    while number < len(lines) and not lines[number].strip():
        number += 1
    return number


def _append(card: _Card, text: str) -> None:
    if card.abstract:
        card.abstract[-1] = f"{card.abstract[-1]} {text}"
    else:
        card.title = f"{card.title} {text}"


def _looks_like_title(text: str) -> bool:
    # After a card's abstract, a short line not ending a sentence starts the next card; a longer
    # one, or a sentence, is a further paragraph of the same abstract.
    return len(text) <= _MAX_TITLE and not text.endswith(".")


def _entry(
    card: _Card, footer: _Footer | None, entry: int, page_date: date | None, source: str
) -> PaperRecord | Rejection:
    where = f"entry {entry}"
    title = normalize_space(card.title)
    abstract = normalize_space(" ".join(card.abstract)) or None
    listing = Listing(date=page_date, rank=entry) if page_date else None
    if footer is None:
        if abstract is None:
            reason = (
                f"line {card.line}: {title!r} has neither an abstract nor a "
                "'• N authors · date' footer; it is no paper card"
            )
            return Rejection(source, where, reason)
        return PaperRecord(title=title, abstract=abstract, listing=listing)
    at = f"line {footer.line}: {title!r}"
    if footer.authors is None:
        return Rejection(source, where, f"{at}: no '• N authors' line before '·'")
    counted = _AUTHORS.match(footer.authors)
    if not counted:
        reason = f"{at}: unreadable author line {footer.authors!r} (expected '• N authors')"
        return Rejection(source, where, reason)
    if footer.date is None:
        return Rejection(source, where, f"{at}: no date after '·'")
    shown = _DATE.match(footer.date)
    month = _month(shown["month"]) if shown else None
    if shown is None or month is None:
        reason = (
            f"{at}: unreadable date {footer.date!r} (expected e.g. 'Aug 5' or 'Dec 3, 2024', "
            "optionally followed by the upvote count)"
        )
        return Rejection(source, where, reason)
    day = int(shown["day"])
    try:
        if shown["year"]:
            published = date(int(shown["year"]), month, day)
        elif page_date is None:
            reason = (
                f"{at}: the date {footer.date!r} has no year; pass --page-date YYYY-MM-DD "
                "(the day the page lists) to place it"
            )
            return Rejection(source, where, reason)
        else:
            published = date(page_date.year, month, day)
            if published > page_date:
                published = date(page_date.year - 1, month, day)
    except ValueError:
        return Rejection(source, where, f"{at}: no such day {footer.date!r}")
    return PaperRecord(
        title=title,
        abstract=abstract,
        author_count=int(counted["count"]),
        published=datetime(published.year, published.month, published.day, tzinfo=UTC),
        upvotes=int(shown["upvotes"]) if shown["upvotes"] else None,
        listing=listing,
    )


def _month(name: str) -> int | None:
    key = name.lower()
    for number, full in enumerate(_MONTHS, 1):
        if full.startswith(key):
            return number
    return None
