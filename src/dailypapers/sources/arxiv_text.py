"""arXiv's free-text metadata conventions: author strings, withdrawal notes and version dates.

arXiv keeps these as the submitter typed them (or as its own scripts wrote them) in every format
it exports: the Kaggle dump, the ``.abs`` files and OAI-PMH's arXivRaw. Each parser reads them
here, so every format gives the same names, the same withdrawal flag and the same dates.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

_MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
# arXiv marks a withdrawal only in words: the stub version's comments (and often abstract) say so.
# Comments are short, so the word alone is telling; an abstract may discuss other withdrawn things,
# so there it must be said of the paper itself.
_WITHDRAWN_COMMENT = re.compile(r"\bwithdrawn\b", re.IGNORECASE)
_WITHDRAWN_ABSTRACT = re.compile(r"^withdrawn\b|\b(?:has|have) been withdrawn\b", re.IGNORECASE)
_PARENS = re.compile(r"\([^()]*\)")
_BRACES = re.compile(r"([{}])")
# ", and", " and " (typed twice at times: "Liu and and Zhu"), or a comma, semicolon or colon.
_AUTHOR_SEPARATOR = re.compile(r",\s*and\s+(?:and\s+)*|\s+and\s+(?:and\s+)*|[,;:]")
_NAME_SUFFIXES = frozenset({"Jr", "Jr.", "Sr", "Sr.", "II", "III", "IV"})
_NOT_NAMES = frozenset({"et al", "et al.", "et. al.", "et.al."})
# A separator inside LaTeX braces (``{\"o}``-style accents, ``{A, B}`` groups) is part of a name:
# it is swapped for a control character before the split and swapped back in each name.
_HIDE = str.maketrans({",": "\x00", ";": "\x01", ":": "\x02"})
_SHOW = str.maketrans({"\x00": ",", "\x01": ";", "\x02": ":"})


def split_authors(text: str) -> tuple[str, ...]:
    """arXiv's author string -> names: ``'A. B, C. D, and E. F (Univ)'`` -> three names.

    Parenthesised affiliations (nested too) are dropped; a separator inside LaTeX braces stays in
    its name; ``Jr.``/``III`` after a comma stays with its name; ``et al`` is no author; a
    ``Group:`` prefix without a comma (``The CMS and LHCb Collaborations: ...``) is one name.
    LaTeX is kept as written.
    """
    flat = text
    while "(" in flat:
        stripped = _PARENS.sub(" ", flat)
        if stripped == flat:
            break
        flat = stripped
    hidden = False
    if "{" in flat:
        braced = _hide_braced_separators(flat)
        hidden = braced != flat
        flat = braced
    names: list[str] = []
    group, colon, rest = flat.partition(":")
    if colon and "," not in group and group.strip():
        names.append(" ".join(group.split()))
        flat = rest
    for piece in _AUTHOR_SEPARATOR.split(flat):
        name = " ".join(piece.split())
        if not name or name in _NOT_NAMES:
            continue
        if names and name in _NAME_SUFFIXES:
            names[-1] = f"{names[-1]} {name}"
        else:
            names.append(name)
    if hidden:
        return tuple(name.translate(_SHOW) for name in names)
    return tuple(names)


def _hide_braced_separators(text: str) -> str:
    """``text`` with ``,;:`` inside braces hidden; unchanged when its braces do not balance."""
    parts = _BRACES.split(text)
    depth = 0
    changed = False
    for index, part in enumerate(parts):
        if part == "{":
            depth += 1
        elif part == "}":
            depth = max(depth - 1, 0)
        elif depth and ("," in part or ";" in part or ":" in part):
            parts[index] = part.translate(_HIDE)
            changed = True
    return "".join(parts) if changed and not depth else text


def is_withdrawn(comments: str | None, abstract: str | None) -> bool | None:
    """True when the metadata says the paper is withdrawn; None (unknown) otherwise."""
    if comments and _WITHDRAWN_COMMENT.search(comments):
        return True
    # The plain substring tests spare the regex a scan of nearly every (long) abstract.
    if (
        abstract
        and ("ithdrawn" in abstract or "ITHDRAWN" in abstract)
        and _WITHDRAWN_ABSTRACT.search(abstract)
    ):
        return True
    return None


def parse_arxiv_date(text: str) -> datetime:
    """``'Mon, 2 Apr 2007 19:18:42 GMT'`` -> aware UTC datetime; ValueError when unreadable.

    arXiv always writes this one RFC 2822 shape in GMT; reading it by hand is several times
    faster than ``email.utils``, which remains the fallback for any other spelling.
    """
    parts = text.split()
    if len(parts) == 6 and parts[5] == "GMT":
        month = _MONTHS.get(parts[2])
        clock = parts[4]
        if month is not None and len(clock) == 8 and clock[2] == clock[5] == ":":
            return datetime(
                int(parts[3]),
                month,
                int(parts[1]),
                int(clock[:2]),
                int(clock[3:5]),
                int(clock[6:]),
                tzinfo=UTC,
            )
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError) as exc:
        raise ValueError(f"unreadable date {text!r}") from exc
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
