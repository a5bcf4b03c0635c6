"""Parse arXiv's legacy ``.abs`` metadata files, one alone or every one in a tar / tar.gz."""

from __future__ import annotations

import re
import tarfile
import zlib
from collections.abc import Iterator
from typing import BinaryIO

from dailypapers.errors import InvalidInput
from dailypapers.ids import split_version
from dailypapers.models import PaperRecord, Rejection, Version, normalize_space
from dailypapers.sources.arxiv_text import is_withdrawn, parse_arxiv_date, split_authors
from dailypapers.sources.streams import gunzip_head, read_document

# The header and the abstract are each closed by a line holding only ``\\``.
_SEPARATOR = "\\\\"
_REVISED = re.compile(r"^Date \(revised v(\d+)\)$")
_ID_KEYS = ("arXiv", "Paper")
_FIELD_KEYS = frozenset(
    {"Title", "Authors", "Categories", "Comments", "Journal-ref", "DOI", "License"}
)


class _BadAbs(Exception):
    """An .abs file that cannot become a record; the message is the rejection reason."""


# An .abs file is a few kilobytes of metadata.
MAX_ABS_BYTES = 1 << 20


def looks_like_abs(head: bytes) -> bool:
    """Whether the first bytes look like an .abs file: a dashed rule, ``\\\\``, then the id line."""
    lines = head.lstrip().split(b"\n", 3)
    return (
        len(lines) >= 3
        and lines[0].rstrip().startswith(b"-----")
        and lines[1].rstrip() == b"\\\\"
        and lines[2].startswith((b"arXiv:", b"Paper:"))
    )


def looks_like_tar(head: bytes) -> bool:
    """Whether the first bytes (gzip is looked inside) start a POSIX tar archive."""
    return gunzip_head(head)[257:262] == b"ustar"


def parse_abs(stream: BinaryIO, source: str) -> Iterator[PaperRecord | Rejection]:
    """The one record of a single .abs file, or one Rejection (``where`` is ``file``) saying why."""
    yield _record_or_rejection(read_document(stream, source), source, "file")


def parse_abs_tar(stream: BinaryIO, source: str) -> Iterator[PaperRecord | Rejection]:
    """A record (or Rejection, ``where`` = member path) for every ``*.abs`` member, streamed.

    Raises InvalidInput when the stream is not a tar or tar.gz archive at all; an archive that
    breaks off part way yields a Rejection for the rest after the records read so far.
    """
    last = "the start"
    with _open_tar(stream, source) as archive:
        try:
            for member in archive:
                if not member.isfile() or not member.name.endswith(".abs"):
                    continue
                if member.size > MAX_ABS_BYTES:
                    reason = f"{member.size:,} bytes, larger than any .abs file ({MAX_ABS_BYTES:,})"
                    yield Rejection(source, member.name, reason)
                    continue
                handle = archive.extractfile(member)
                data = handle.read() if handle is not None else b""
                last = member.name
                yield _record_or_rejection(data, source, member.name)
        except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
            yield Rejection(source, "archive", f"archive unreadable after {last}: {exc}")


def _open_tar(stream: BinaryIO, source: str) -> tarfile.TarFile:
    # Stream mode ("r|*") reads members in order without seeking and detects gzip itself.
    try:
        return tarfile.open(fileobj=stream, mode="r|*")
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        raise InvalidInput(f"{source}: not a tar or tar.gz archive ({exc})") from exc


def _record_or_rejection(data: bytes, source: str, where: str) -> PaperRecord | Rejection:
    try:
        return _record(_decode(data))
    except _BadAbs as exc:
        return Rejection(source, where, str(exc))


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Files written before arXiv moved to UTF-8 are Latin-1 (e.g. 1607.08199's Journal-ref).
        return data.decode("latin-1")


def _record(text: str) -> PaperRecord:
    if not text.strip():
        raise _BadAbs("empty file")
    lines = text.replace("\r\n", "\n").split("\n")
    separators = [number for number, line in enumerate(lines) if line.rstrip() == _SEPARATOR]
    if len(separators) < 2:
        raise _BadAbs("no header block: expected it between two '\\\\' lines")
    first, second = separators[0], separators[1]
    fields, dates = _header(lines, first + 1, second)
    raw_id = next((fields[key] for key in _ID_KEYS if key in fields), None)
    if raw_id is None:
        raise _BadAbs("no 'arXiv:' id line in the header")
    try:
        arxiv_id, id_version = split_version(raw_id)
    except InvalidInput as exc:
        raise _BadAbs(f"bad id line: {exc}") from exc
    title = normalize_space(fields.get("Title", ""))
    if not title:
        raise _BadAbs(f"{arxiv_id}: no Title")
    # The abstract runs to the closing '\\'; LaTeX line breaks inside it may sit alone on a line.
    end = separators[-1] if len(separators) > 2 else len(lines)
    abstract = normalize_space("\n".join(lines[second + 1 : end])) or None
    versions = _versions(dates, arxiv_id)
    comments = _value(fields, "Comments")
    categories = fields.get("Categories", "").split()
    authors = split_authors(fields.get("Authors", ""))
    return PaperRecord(
        title=title,
        arxiv_id=arxiv_id,
        version=versions[-1].version if versions else id_version,
        abstract=abstract,
        authors=authors or None,
        categories=tuple(dict.fromkeys(categories)) or None,
        published=versions[0].created if versions and versions[0].version == 1 else None,
        updated=versions[-1].created if versions else None,
        versions=versions,
        comments=comments,
        journal_ref=_value(fields, "Journal-ref"),
        doi=_value(fields, "DOI"),
        license=_value(fields, "License"),
        pdf_url=f"https://arxiv.org/pdf/{arxiv_id}",
        withdrawn=is_withdrawn(comments, abstract),
    )


def _header(
    lines: list[str], start: int, stop: int
) -> tuple[dict[str, str], list[tuple[int, str, str]]]:
    """``Field: value`` lines (indented lines continue the field above) -> fields and Date lines."""
    fields: dict[str, str] = {}
    dates: list[tuple[int, str, str]] = []
    key = ""
    for number in range(start, stop):
        line = lines[number]
        if not line.strip():
            key = ""
            continue
        if line[0] in " \t":
            if not key:
                raise _BadAbs(f"line {number + 1}: indented line continues no field")
            if key in fields:
                fields[key] += "\n" + line
            continue
        key, colon, value = line.partition(":")
        if not colon:
            raise _BadAbs(f"line {number + 1}: not a 'Field: value' line: {line[:60]!r}")
        if key == "Date" or key.startswith("Date "):
            dates.append((number + 1, key, value))
        elif key in _FIELD_KEYS or key in _ID_KEYS:
            fields[key] = value.strip()
    return fields, dates


def _versions(dates: list[tuple[int, str, str]], arxiv_id: str) -> tuple[Version, ...] | None:
    versions: list[Version] = []
    for number, key, value in dates:
        revised = _REVISED.match(key)
        if key != "Date" and not revised:
            raise _BadAbs(f"{arxiv_id}: line {number}: unknown date line {key!r}")
        # "Tue, 16 Sep 1997 14:44:58 GMT   (11kb)": the size in parentheses is no part of it.
        when = value.partition("(")[0].strip()
        try:
            created = parse_arxiv_date(when)
        except ValueError as exc:
            raise _BadAbs(f"{arxiv_id}: line {number}: unreadable date {when!r}") from exc
        versions.append(Version(int(revised.group(1)) if revised else 1, created))
    versions.sort(key=lambda version: version.version)
    return tuple(versions) or None


def _value(fields: dict[str, str], key: str) -> str | None:
    return normalize_space(fields.get(key, "")) or None
