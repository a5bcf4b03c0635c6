"""Parse arXiv OAI-PMH (``export.arxiv.org/oai2``) pages in the arXiv and arXivRaw formats."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, BinaryIO

from dailypapers.errors import InvalidInput
from dailypapers.ids import split_version
from dailypapers.models import PaperRecord, Rejection, Version, normalize_space
from dailypapers.sources.arxiv_text import is_withdrawn, parse_arxiv_date, split_authors
from dailypapers.sources.streams import read_document
from dailypapers.sources.xmldoc import child_text, child_value, parse_xml

OAI = "{http://www.openarchives.org/OAI/2.0/}"
ARXIV = "{http://arxiv.org/OAI/arXiv/}"
ARXIV_RAW = "{http://arxiv.org/OAI/arXivRaw/}"

_ARXIV_OAI_PREFIX = "oai:arXiv.org:"


@dataclass(slots=True)
class OaiPage:
    """One OAI-PMH page: its papers, the records refused, and how to ask for the next page.

    ``identifiers`` lists every header on the page in order (a ListIdentifiers page has nothing
    else); ``deleted`` the identifiers of headers marked ``status="deleted"``, which carry no
    metadata. ``resumption_token`` is None on the last page (an empty token means the same).
    """

    records: list[PaperRecord]
    rejections: list[Rejection]
    resumption_token: str | None
    complete_list_size: int | None
    cursor: int | None
    latest_datestamp: date | None
    identifiers: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)


class _BadRecord(Exception):
    """A record that cannot become a PaperRecord; the message is the rejection reason."""


def looks_like_oai(head: bytes) -> bool:
    """Whether the first bytes of a file look like an OAI-PMH response."""
    return b"<OAI-PMH" in head and b"openarchives.org/OAI/2.0" in head


def arxiv_id_from_oai(identifier: str) -> str | None:
    """``'oai:arXiv.org:hep-th/9504118'`` -> ``'hep-th/9504118'``; None for other repositories."""
    if not identifier.startswith(_ARXIV_OAI_PREFIX):
        return None
    try:
        return split_version(identifier[len(_ARXIV_OAI_PREFIX) :])[0]
    except InvalidInput:
        return None


class OaiError(InvalidInput):
    """An OAI-PMH error answer; ``codes`` are its error codes (e.g. ``badResumptionToken``)."""

    def __init__(self, message: str, codes: tuple[str, ...]) -> None:
        super().__init__(message)
        self.codes = codes


def parse_oai_page(body: bytes, source: str) -> OaiPage:
    """A ListRecords, GetRecord or ListIdentifiers response -> records, rejections and paging.

    ``noRecordsMatch`` is an empty page; any other OAI-PMH error raises InvalidInput naming the
    code and the server's text, as does a body that is not such a response.
    """
    root = parse_xml(body, source, f"{OAI}OAI-PMH", "an OAI-PMH response")
    page = OaiPage([], [], None, None, None, None)
    errors = root.findall(f"{OAI}error")
    if errors and all(e.get("code") == "noRecordsMatch" for e in errors):
        return page
    if errors:
        described = "; ".join(_error_text(e) for e in errors)
        codes = tuple(e.get("code") or "" for e in errors)
        raise OaiError(f"{source}: OAI-PMH error {described}", codes)
    container = next(
        (
            found
            for verb in ("ListRecords", "GetRecord", "ListIdentifiers")
            if (found := root.find(f"{OAI}{verb}")) is not None
        ),
        None,
    )
    if container is None:
        request = root.find(f"{OAI}request")
        verb = request.get("verb") if request is not None else None
        raise InvalidInput(
            f"{source}: OAI-PMH response (verb {verb}) has no ListRecords, GetRecord"
            " or ListIdentifiers"
        )
    _read_resumption(container.find(f"{OAI}resumptionToken"), page, source)
    for number, element in enumerate(
        (child for child in container if child.tag in (f"{OAI}record", f"{OAI}header")),
        start=1,
    ):
        item = _read_record(element, page)
        if isinstance(item, PaperRecord):
            page.records.append(item)
        elif item is not None:
            page.rejections.append(Rejection(source, f"record {number}", item))
    return page


def parse_oai_pmh(stream: BinaryIO, source: str) -> Iterator[PaperRecord | Rejection]:
    """Records, then rejections, of a saved OAI-PMH response; deleted headers yield nothing."""
    page = parse_oai_page(read_document(stream, source), source)
    yield from page.records
    yield from page.rejections


def _error_text(error: ET.Element) -> str:
    text = normalize_space("".join(error.itertext()))
    return f"{error.get('code')}: {text}" if text else str(error.get("code"))


def _read_resumption(token: ET.Element | None, page: OaiPage, source: str) -> None:
    if token is None:
        return
    page.resumption_token = (token.text or "").strip() or None
    page.complete_list_size = _attribute_number(token, "completeListSize", source)
    page.cursor = _attribute_number(token, "cursor", source)


def _attribute_number(element: ET.Element, name: str, source: str) -> int | None:
    value = element.get(name)
    if value is None or not value.strip():
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise InvalidInput(f"{source}: resumptionToken {name} is not a number: {value!r}") from exc


def _read_record(element: ET.Element, page: OaiPage) -> PaperRecord | str | None:
    """Note the header on the page; return the record, a rejection reason, or None (no metadata)."""
    header = element if element.tag == f"{OAI}header" else element.find(f"{OAI}header")
    identifier = child_text(header, f"{OAI}identifier") if header is not None else None
    if header is not None:
        if identifier is not None:
            page.identifiers.append(identifier)
        stamp = _datestamp(child_text(header, f"{OAI}datestamp"))
        if stamp is not None and (page.latest_datestamp is None or stamp > page.latest_datestamp):
            page.latest_datestamp = stamp
        if header.get("status") == "deleted":
            if identifier is not None:
                page.deleted.append(identifier)
            return None
    if element.tag == f"{OAI}header":
        return None
    label = identifier or "record without identifier"
    metadata = element.find(f"{OAI}metadata")
    if metadata is None or len(metadata) == 0:
        return f"{label}: no <metadata>"
    payload = metadata[0]
    try:
        if payload.tag == f"{ARXIV}arXiv":
            return _arxiv_record(payload)
        if payload.tag == f"{ARXIV_RAW}arXivRaw":
            return _raw_record(payload)
    except _BadRecord as exc:
        return f"{label}: {exc}"
    return f"{label}: metadata format {payload.tag!r} is neither arXiv nor arXivRaw"


def _arxiv_record(meta: ET.Element) -> PaperRecord:
    arxiv_id, version = _id(meta, ARXIV)
    authors = []
    for author in meta.findall(f"{ARXIV}authors/{ARXIV}author"):
        parts = (
            child_text(author, f"{ARXIV}{part}") for part in ("forenames", "keyname", "suffix")
        )
        name = " ".join(part for part in parts if part)
        if name:
            authors.append(name)
    return PaperRecord(
        arxiv_id=arxiv_id,
        version=version,
        authors=tuple(authors) or None,
        published=_day(meta, f"{ARXIV}created"),
        updated=_day(meta, f"{ARXIV}updated"),
        **_written_alike(meta, ARXIV),
    )


def _raw_record(meta: ET.Element) -> PaperRecord:
    arxiv_id, _ = _id(meta, ARXIV_RAW)
    versions = sorted(
        (_raw_version(v) for v in meta.findall(f"{ARXIV_RAW}version")), key=lambda v: v.version
    )
    if not versions:
        raise _BadRecord("arXivRaw record has no <version>")
    authors = child_text(meta, f"{ARXIV_RAW}authors")
    return PaperRecord(
        arxiv_id=arxiv_id,
        version=versions[-1].version,
        authors=(split_authors(authors) or None) if authors else None,
        published=versions[0].created,
        updated=versions[-1].created,
        versions=tuple(versions),
        **_written_alike(meta, ARXIV_RAW),
    )


def _written_alike(meta: ET.Element, ns: str) -> dict[str, Any]:
    """The fields the arXiv and arXivRaw formats write alike, as PaperRecord's arguments."""
    comments = child_text(meta, f"{ns}comments")
    abstract = child_text(meta, f"{ns}abstract")
    return {
        "title": _title(meta, ns),
        "abstract": abstract,
        "categories": _categories(meta, ns),
        "comments": comments,
        "journal_ref": child_text(meta, f"{ns}journal-ref"),
        "doi": child_text(meta, f"{ns}doi"),
        "license": child_text(meta, f"{ns}license"),
        "withdrawn": is_withdrawn(comments, abstract),
    }


def _raw_version(element: ET.Element) -> Version:
    label = element.get("version", "")
    if not re.fullmatch(r"v\d+", label):
        raise _BadRecord(f'<version> has no version="vN" attribute (got {label!r})')
    stamp = child_text(element, f"{ARXIV_RAW}date")
    if stamp is None:
        return Version(int(label[1:]))
    try:
        created = parse_arxiv_date(stamp)
    except ValueError as exc:
        raise _BadRecord(f"{label} <date> is not an RFC 2822 date: {stamp!r}") from exc
    return Version(int(label[1:]), created)


def _id(meta: ET.Element, ns: str) -> tuple[str, int | None]:
    raw = child_text(meta, f"{ns}id")
    if raw is None:
        raise _BadRecord("no <id>")
    try:
        return split_version(raw)
    except InvalidInput as exc:
        raise _BadRecord(f"bad <id>: {exc}") from exc


def _title(meta: ET.Element, ns: str) -> str:
    title = child_text(meta, f"{ns}title")
    if title is None:
        raise _BadRecord("no <title>")
    return title


def _categories(meta: ET.Element, ns: str) -> tuple[str, ...] | None:
    terms = (child_text(meta, f"{ns}categories") or "").split()
    return tuple(dict.fromkeys(terms)) or None


def _day(meta: ET.Element, tag: str) -> datetime | None:
    try:
        day = child_value(meta, tag, date.fromisoformat, "a YYYY-MM-DD date")
    except ValueError as exc:
        raise _BadRecord(str(exc)) from exc
    return datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None


def _datestamp(text: str | None) -> date | None:
    """A header datestamp (day or full UTC time) -> its day; None when absent or unreadable."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None
