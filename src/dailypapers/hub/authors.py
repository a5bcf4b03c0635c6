"""The hub's authors: each author's papers, newest first, and the people they write with.

An author is their name as papers write it, folded (``text.name_key``): "José García" and "jose
garcia" are one author, found through the lexical index's ``author_keys``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from dailypapers.errors import NotFound
from dailypapers.hub.base import HubBase
from dailypapers.models import Paper
from dailypapers.search.lexical import LexicalFilters
from dailypapers.text import name_key

# Papers a page of an author's shows; the newest this many are where co-authors are counted.
AUTHOR_PAGE = 30
COAUTHOR_SAMPLE = 200
COAUTHORS = 12


@dataclass(frozen=True, slots=True)
class AuthorPage:
    """One page of an author's papers: how their name is written most often, their key, the
    papers of page ``number`` (newest first) of ``total``, and their most frequent co-authors
    (name, papers together)."""

    name: str
    key: str
    papers: list[Paper]
    total: int
    number: int
    pages: int
    coauthors: list[tuple[str, int]]


class Authors(HubBase):
    """The part of the hub that knows authors by name."""

    def author(self, name: str, number: int = 1, size: int = AUTHOR_PAGE) -> AuthorPage:
        """Page ``number`` of the papers of the author ``name`` (any accent, case or spacing
        of it), newest first, with their frequent co-authors (papers a moderator removed are
        left out, though ``total`` counts them). Raises NotFound when no paper here that
        readers may see has such an author."""
        key = name_key(name)
        filters = LexicalFilters(author=key)
        total = self.lexical.total(filters) if key else 0
        if not total:
            raise NotFound(f"no paper here is by {name!r}")
        pages = -(-total // size)
        number = min(max(number, 1), pages)
        hits = self.lexical.newest(filters, size, (number - 1) * size)
        papers = self._shown(hit.key for hit in hits)
        if not papers and number == 1:  # every one of them removed by a moderator
            raise NotFound(f"no paper here is by {name!r}")
        sample = (
            papers
            if total <= size
            else self._shown(hit.key for hit in self.lexical.newest(filters, COAUTHOR_SAMPLE))
        )
        spellings: defaultdict[str, Counter[str]] = defaultdict(Counter)
        together: Counter[str] = Counter()
        for paper in sample:
            keys: dict[str, str] = {}
            for written in paper.authors or ():
                keys.setdefault(name_key(written), written)
            for found, written in keys.items():
                spellings[found][written] += 1
                if found and found != key:
                    together[found] += 1
        shown = spellings[key].most_common(1)[0][0] if spellings[key] else name
        coauthors = [
            (spellings[found].most_common(1)[0][0], count)
            for found, count in together.most_common(COAUTHORS)
        ]
        return AuthorPage(shown, key, papers, total, number, pages, coauthors)

    def _shown(self, keys: Iterable[int | None]) -> list[Paper]:
        """The papers of store keys ``keys`` that readers may see, in that order."""
        found = self.papers_in_order([key for key in keys if key is not None])
        return [paper for paper in found if not paper.removed]
