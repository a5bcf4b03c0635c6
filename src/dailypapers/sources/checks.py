"""What every record is before it is stored: text of bounded size, no unwanted characters, and
only web links.

Every record from any source passes ``check`` once, whatever parsed or fetched it: a text over
its limit rejects the record (naming it and the limit), a link that is not http(s) is left out
with a notice in the import report (the record is kept), and control characters are removed.
The limits are about ten times what arXiv itself holds: no real paper comes near them, and no
record can make a page, a feed or the server's memory balloon.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from typing import Any

from dailypapers.models import Notice, PaperRecord, Rejection
from dailypapers.text import clean, has_unwanted, web_url

# Characters, at most. arXiv's longest abstracts are under 2,000 characters and its titles
# under 300; the largest collaborations list some 5,000 authors.
LIMITS = {
    "title": 1_000,
    "abstract": 20_000,
    "comments": 5_000,
    "journal_ref": 2_000,
    "doi": 300,
    "license": 300,
}
MAX_AUTHORS = 10_000
MAX_AUTHOR = 300
MAX_CATEGORIES = 50
MAX_CATEGORY = 40
MAX_VERSIONS = 1_000
MAX_SUBMITTER = 100
LINKS = ("pdf_url", "github_repo", "project_page")
_TEXTS = tuple(LIMITS)


def name_of(record: PaperRecord) -> str:
    """How a report names a record: its arXiv id, else its title."""
    if record.arxiv_id:
        return record.arxiv_id
    title = record.title if len(record.title) <= 60 else record.title[:57] + "..."
    return f"title {title!r}"


def check(record: PaperRecord, source: str) -> tuple[PaperRecord | Rejection, list[Notice]]:
    """``record`` as it may be stored (or its rejection), and what was left out of it.

    A million-record import passes every record through here, so the common case (nothing to
    change) costs a few string joins and one search for unwanted characters.
    """
    authors = record.authors or ()
    categories = record.categories or ()
    texts = (
        record.title,
        record.abstract or "",
        record.comments or "",
        record.journal_ref or "",
        record.doi or "",
        record.license or "",
    )
    names = "".join(authors)
    changes: dict[str, Any] = {}
    if has_unwanted("".join((*texts, names, *categories))) or "" in authors or " " in authors:
        changes = _cleaned(record)
    notices: list[Notice] = []
    for name in LINKS:
        value = getattr(record, name)
        if value is not None and web_url(value) is None:
            changes[name] = None
            shown = value if len(value) <= 80 else value[:77] + "..."
            reason = f"{name} {shown!r} is not an http(s) link: left out, the record kept"
            notices.append(Notice(source, name_of(record), reason))
    listing = record.listing
    if listing is not None:
        submitter, full_name = _who(listing.submitter), _who(listing.submitter_name)
        if (submitter, full_name) != (listing.submitter, listing.submitter_name):
            changes["listing"] = dataclasses.replace(
                listing, submitter=submitter, submitter_name=full_name
            )
    if changes:
        record = dataclasses.replace(record, **changes)
        if not record.title.strip():
            reason = "no title once control characters are removed"
            return Rejection(source, name_of(record), reason), []
    problem = _too_large(record, sum(map(len, texts)), len(names))
    if problem:
        return Rejection(source, name_of(record), problem), notices
    return record, notices


def _cleaned(record: PaperRecord) -> dict[str, Any]:
    """The fields of ``record`` that lose unwanted characters (and authors without a name)."""
    changes: dict[str, Any] = {}
    for name in _TEXTS:
        value = getattr(record, name)
        if value is not None and has_unwanted(value):
            changes[name] = clean(value)
    if record.authors:
        kept = tuple(n for n in (clean(a) for a in record.authors) if n.strip()) or None
        if kept != record.authors:
            changes["authors"] = kept
            if record.author_count == len(record.authors):
                changes["author_count"] = len(kept) if kept else None
    if record.categories:
        categories = tuple(c for c in (clean(c) for c in record.categories) if c) or None
        if categories != record.categories:
            changes["categories"] = categories
    return changes


def _too_large(record: PaperRecord, text_chars: int, name_chars: int) -> str | None:
    # Within the smallest limit altogether, no field can be over its own.
    if text_chars > min(LIMITS.values()):
        for name, limit in LIMITS.items():
            value = getattr(record, name)
            if value is not None and len(value) > limit:
                return f"its {name} has {len(value):,} characters, over the limit of {limit:,}"
    authors = record.authors or ()
    if len(authors) > MAX_AUTHORS:
        return f"it has {len(authors):,} authors, over the limit of {MAX_AUTHORS:,}"
    if name_chars > MAX_AUTHOR:
        longest = max(map(len, authors))
        if longest > MAX_AUTHOR:
            return f"an author's name has {longest:,} characters, over the limit of {MAX_AUTHOR}"
    categories = record.categories or ()
    if len(categories) > MAX_CATEGORIES or any(len(c) > MAX_CATEGORY for c in categories):
        return (
            f"its categories are over the limits ({MAX_CATEGORIES} of {MAX_CATEGORY} "
            "characters each)"
        )
    if record.versions is not None and len(record.versions) > MAX_VERSIONS:
        return f"it has {len(record.versions):,} versions, over the limit of {MAX_VERSIONS:,}"
    return None


def checked(
    items: Iterable[PaperRecord | Rejection], source: str
) -> Iterator[PaperRecord | Rejection | Notice]:
    """``items`` with every record checked: records as stored, rejections, notices."""
    for item in items:
        if isinstance(item, PaperRecord):
            result, notices = check(item, source)
            yield from notices
            yield result
        else:
            yield item


def _who(value: str | None) -> str | None:
    """A submitter's name as kept: no control characters, at most MAX_SUBMITTER long."""
    return clean(value).strip()[:MAX_SUBMITTER] or None if value is not None else None
