"""Parse arXiv API (``export.arxiv.org/api/query``) Atom responses into paper records and paging."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import BinaryIO

from dailypapers.errors import InvalidInput
from dailypapers.ids import split_version
from dailypapers.models import PaperRecord, Rejection
from dailypapers.sources.streams import read_document
from dailypapers.sources.xmldoc import child_text, child_value, parse_xml

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"


@dataclass(slots=True)
class AtomPage:
    """One page of an arXiv API answer: its papers, the entries refused, and where it sits."""

    records: list[PaperRecord]
    rejections: list[Rejection]
    total_results: int
    start_index: int
    items_per_page: int


class _BadEntry(Exception):
    """An entry that cannot become a record; the message is the rejection reason."""


def looks_like_atom(head: bytes) -> bool:
    """Whether the first bytes of a file look like an arXiv API Atom feed."""
    return b"<feed" in head and (b"arxiv.org/schemas/atom" in head or b"arxiv.org/api" in head)


def parse_atom_page(body: bytes, source: str) -> AtomPage:
    """An arXiv API response body -> its records, rejections and opensearch paging.

    Raises InvalidInput when the body is not an Atom feed, or when it is arXiv's error answer
    (a feed whose one entry has an ``/api/errors#...`` id), with arXiv's message.
    """
    feed = _parse_feed(body, source)
    records: list[PaperRecord] = []
    rejections: list[Rejection] = []
    for item in _items(feed, source):
        if isinstance(item, PaperRecord):
            records.append(item)
        else:
            rejections.append(item)
    start = _paging_number(feed, "startIndex", source, default=0)
    count = len(records) + len(rejections)
    return AtomPage(
        records=records,
        rejections=rejections,
        # A saved feed without opensearch fields is taken to be the whole result.
        total_results=_paging_number(feed, "totalResults", source, default=start + count),
        start_index=start,
        items_per_page=_paging_number(feed, "itemsPerPage", source, default=count),
    )


def parse_arxiv_atom(stream: BinaryIO, source: str) -> Iterator[PaperRecord | Rejection]:
    """Records and rejections of a saved arXiv API response, in document order."""
    yield from _items(_parse_feed(read_document(stream, source), source), source)


def _parse_feed(body: bytes, source: str) -> ET.Element:
    return parse_xml(body, source, f"{ATOM}feed", "an Atom feed")


def _items(feed: ET.Element, source: str) -> list[PaperRecord | Rejection]:
    entries = feed.findall(f"{ATOM}entry")
    for entry in entries:
        if "/api/errors" in (entry.findtext(f"{ATOM}id") or ""):
            message = child_text(entry, f"{ATOM}summary") or child_text(entry, f"{ATOM}id")
            raise InvalidInput(f"{source}: arXiv API error: {message}")
    items: list[PaperRecord | Rejection] = []
    for number, entry in enumerate(entries, start=1):
        try:
            items.append(_record(entry))
        except _BadEntry as exc:
            items.append(Rejection(source, f"entry {number}", str(exc)))
    return items


def _record(entry: ET.Element) -> PaperRecord:
    raw_id = child_text(entry, f"{ATOM}id")
    if raw_id is None:
        raise _BadEntry("entry has no <id>")
    _, marker, tail = raw_id.partition("/abs/")
    try:
        if not marker:
            raise InvalidInput(f"not an arXiv abstract URL: {raw_id!r}")
        arxiv_id, version = split_version(tail)
    except InvalidInput as exc:
        raise _BadEntry(f"bad <id>: {exc}") from exc
    title = child_text(entry, f"{ATOM}title")
    if title is None:
        raise _BadEntry(f"{raw_id}: entry has no title")
    names = (child_text(author, f"{ATOM}name") for author in entry.findall(f"{ATOM}author"))
    authors = [name for name in names if name is not None]
    return PaperRecord(
        title=title,
        arxiv_id=arxiv_id,
        version=version,
        abstract=child_text(entry, f"{ATOM}summary"),
        authors=tuple(authors) or None,
        categories=_categories(entry),
        published=_datetime(entry, f"{ATOM}published"),
        updated=_datetime(entry, f"{ATOM}updated"),
        comments=child_text(entry, f"{ARXIV}comment"),
        journal_ref=child_text(entry, f"{ARXIV}journal_ref"),
        doi=child_text(entry, f"{ARXIV}doi"),
        pdf_url=next(
            (
                link.get("href")
                for link in entry.findall(f"{ATOM}link")
                if link.get("title") == "pdf" and link.get("href")
            ),
            None,
        ),
    )


def _categories(entry: ET.Element) -> tuple[str, ...] | None:
    primary = entry.find(f"{ARXIV}primary_category")
    terms = [primary.get("term")] if primary is not None else []
    terms += [c.get("term") for c in entry.findall(f"{ATOM}category")]
    ordered: list[str] = []
    for term in terms:
        if term and term.strip() and term.strip() not in ordered:
            ordered.append(term.strip())
    return tuple(ordered) or None


def _datetime(entry: ET.Element, tag: str) -> datetime | None:
    try:
        value = child_value(entry, tag, datetime.fromisoformat, "a date")
    except ValueError as exc:
        raise _BadEntry(str(exc)) from exc
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _paging_number(feed: ET.Element, name: str, source: str, default: int) -> int:
    text = child_text(feed, f"{OPENSEARCH}{name}")
    if text is None:
        return default
    try:
        return int(text)
    except ValueError as exc:
        raise InvalidInput(f"{source}: opensearch:{name} is not a number: {text!r}") from exc
