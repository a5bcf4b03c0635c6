"""arXiv identifiers: recognise new- and old-style ids, with or without version, in text or URLs."""

from __future__ import annotations

import re

from dailypapers.errors import InvalidInput

# New style: YYMM.NNNN (2007-2014) or YYMM.NNNNN (2015-); old style: archive(.SUBJ)/YYMMNNN.
_NEW = r"\d{4}\.\d{4,5}"
_OLD = r"[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7}"
_ID = re.compile(rf"^(?P<id>{_NEW}|{_OLD})(?:v(?P<v>\d+))?$")
# What the API takes as a paper's id: an arXiv id (any version), or the local id of a paper with
# none yet ("local-" and 16 hex digits of its title's key, models.local_id_for).
PAPER_ID = rf"(?:{_NEW}|{_OLD})(?:v\d+)?|local-[0-9a-f]{{16}}"
_IN_URL = re.compile(
    rf"(?:arxiv\.org/(?:abs|pdf|html)/|huggingface\.co/papers/|/papers/|^arxiv:)"
    rf"(?P<id>{_NEW}|{_OLD})(?:v(?P<v>\d+))?",
    re.IGNORECASE,
)


def split_version(raw: str) -> tuple[str, int | None]:
    """``'2501.00001v2'`` -> ``('2501.00001', 2)``; raises InvalidInput when it is no arXiv id."""
    text = raw.strip()
    if text.lower().startswith("arxiv:"):
        text = text[6:]
    match = _ID.match(text)
    if not match:
        raise InvalidInput(f"not an arXiv id: {raw!r}")
    version = match.group("v")
    return match.group("id"), int(version) if version else None


def parse_reference(text: str) -> tuple[str, int | None]:
    """An arXiv id or any arXiv / HF paper URL -> (id without version, version or None)."""
    candidate = text.strip()
    try:
        return split_version(candidate)
    except InvalidInput:
        pass
    match = _IN_URL.search(candidate)
    if not match:
        raise InvalidInput(f"not an arXiv id or paper URL: {text!r}")
    version = match.group("v")
    return match.group("id"), int(version) if version else None


def is_arxiv_id(text: str) -> bool:
    return bool(_ID.match(text.strip()))
