"""Spam defences that read a member's text: the site's blocklist of words and domains, and
whether a text carries a link."""

from __future__ import annotations

import re
from functools import lru_cache

from dailypapers.text import LINK


def blocklist_entries(blocklist: str) -> tuple[str, ...]:
    """The entries of a blocklist setting (commas or new lines between them), case-folded,
    the longest first, so that a match names the most of what it found."""
    entries = {" ".join(entry.split()).casefold() for entry in re.split(r"[,\n]", blocklist)}
    return tuple(sorted((entry for entry in entries if entry), key=lambda e: (-len(e), e)))


@lru_cache(maxsize=8)
def _matcher(blocklist: str) -> re.Pattern[str] | None:
    entries = blocklist_entries(blocklist)
    if not entries:
        return None
    # Whole words only ("sale" holds "for sale", not "wholesale"); a domain is a word too, and
    # so holds its subdomains ("spam.example" holds https://www.spam.example/x) but not
    # "notspam.example". Spaces in a phrase match any run of spaces.
    words = "|".join(r"\s+".join(map(re.escape, entry.split())) for entry in entries)
    return re.compile(rf"(?<!\w)(?:{words})(?!\w)", re.IGNORECASE)


def blocked(text: str, blocklist: str) -> str | None:
    """The blocklist's entry ``text`` holds (as the blocklist spells it, case-folded), or
    None."""
    matcher = _matcher(blocklist)
    found = matcher.search(text) if matcher else None
    return " ".join(found.group(0).split()).casefold() if found else None


def has_link(text: str) -> bool:
    """Whether the site would show a link in ``text``."""
    return LINK.search(text) is not None
