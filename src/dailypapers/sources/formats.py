"""The import formats by name, and telling a file's format from its first bytes."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from datetime import date
from functools import partial
from pathlib import Path
from typing import BinaryIO, cast

from dailypapers.errors import InvalidInput
from dailypapers.models import PaperRecord, Rejection
from dailypapers.sources import arxiv_abs as abs_files
from dailypapers.sources import arxiv_atom, hf_daily, hf_page, kaggle, oaipmh
from dailypapers.sources.streams import GZIP_MAGIC, MAX_LINE_BYTES, gunzip_head

Parser = Callable[[BinaryIO, str], Iterator[PaperRecord | Rejection]]

FORMATS: dict[str, str] = {
    "hf-page": "HF Daily Papers page saved as text (needs --page-date for yearless dates)",
    "hf-daily": "Hugging Face /api/daily_papers JSON (or one /api/papers/{id} object)",
    "hf-feed": "JSON Lines feed history of the HF papers page (.jsonl or .jsonl.gz)",
    "hf-archive": "JSON Lines of HF daily lists with date, paper_id, upvotes (.jsonl)",
    "arxiv-atom": "arXiv API Atom response (export.arxiv.org/api/query)",
    "oai-pmh": "arXiv OAI-PMH ListRecords/GetRecord response (arXiv or arXivRaw format)",
    "kaggle": "Kaggle arxiv-metadata-oai-snapshot JSON Lines (.json/.jsonl, optionally .gz)",
    "abs": "arXiv legacy .abs file, or a .tar/.tar.gz of them",
}

_HEAD = 64 * 1024


def parser_for(fmt: str, page_date: date | None = None, max_line: int = MAX_LINE_BYTES) -> Parser:
    """The parser of format ``fmt`` (a name from FORMATS); JSON Lines formats refuse a line
    longer than ``max_line`` bytes (as that line's rejection)."""
    parsers: dict[str, Parser] = {
        "hf-page": partial(hf_page.parse_hf_page, page_date=page_date),
        "hf-daily": hf_daily.parse_hf_daily,
        "hf-feed": partial(hf_daily.parse_hf_feed, max_line=max_line),
        "hf-archive": partial(hf_daily.parse_hf_daily_archive, max_line=max_line),
        "arxiv-atom": arxiv_atom.parse_arxiv_atom,
        "oai-pmh": oaipmh.parse_oai_pmh,
        "kaggle": partial(kaggle.parse_kaggle, max_line=max_line),
        "abs": _parse_abs_any,
    }
    if fmt not in parsers:
        raise InvalidInput(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    return parsers[fmt]


def _parse_abs_any(stream: BinaryIO, source: str) -> Iterator[PaperRecord | Rejection]:
    if not hasattr(stream, "peek"):  # a stream in memory, say: buffered, to look at its head
        stream = cast(BinaryIO, io.BufferedReader(cast(io.RawIOBase, stream)))
    head = stream.peek(512)  # type: ignore[attr-defined]
    if abs_files.looks_like_tar(head):
        return abs_files.parse_abs_tar(stream, source)
    return abs_files.parse_abs(stream, source)


def detect_format(path: Path) -> str:
    """The format of the file at ``path``, judged from its first bytes (gzip is looked inside)."""
    with path.open("rb") as raw:
        head = raw.read(_HEAD)
    if abs_files.looks_like_tar(head):
        return "abs"
    if head[:2] == GZIP_MAGIC:
        head = gunzip_head(head)[:_HEAD]  # as far as it goes: the file may be cut short
    guessed = hf_daily.detect_hf_json(head)
    if guessed:
        return guessed
    checks: list[tuple[str, Callable[[bytes], bool]]] = [
        ("kaggle", kaggle.looks_like_kaggle),
        ("oai-pmh", oaipmh.looks_like_oai),
        ("arxiv-atom", arxiv_atom.looks_like_atom),
        ("abs", abs_files.looks_like_abs),
        ("hf-page", hf_page.looks_like_hf_page),
    ]
    for name, looks_like in checks:
        if looks_like(head):
            return name
    raise InvalidInput(
        f"{path}: cannot tell the format; pass --format (one of {', '.join(FORMATS)})"
    )
