"""The hub's common ground: settings, the store, the indexes it opens, and reading papers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any, Self

import httpx

from dailypapers.config import Settings, write_secret
from dailypapers.errors import NotFound
from dailypapers.hub.afterwards import Afterwards
from dailypapers.ids import parse_reference
from dailypapers.models import LOCAL_PREFIX, Paper, User
from dailypapers.search.embedding import Embedder
from dailypapers.search.lexical import LexicalIndex
from dailypapers.search.vectors import VectorIndex
from dailypapers.store import Store

# Papers read from the store at a time (by indexers, and by whatever walks every paper).
PAGE = 5000


def not_here(ident: str) -> NotFound:
    return NotFound(f"no paper {ident!r} here; `dailypapers fetch arxiv-ids {ident}` adds it")


class HubBase:
    """What every part of the hub shares; ``Hub`` combines the parts."""

    def __init__(
        self,
        settings: Settings,
        store: Store | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.store = store or Store(settings.resolved_database_url)
        self._transport = transport
        self._lexical: LexicalIndex | None = None
        self._vectors: VectorIndex | None = None
        self._embedder: Embedder | None = None
        # For you's candidates of the current window, shared by readers (personal.py).
        self._windows: dict[tuple[date, date], tuple[float, Any]] = {}
        # What requests leave for later: last-use times, retraining (afterwards.py).
        self.afterwards = Afterwards(self.store.touch)

    @classmethod
    def open(cls, settings: Settings, transport: httpx.BaseTransport | None = None) -> Self:
        """A hub over an up-to-date schema (pending migrations are applied on start)."""
        hub = cls(settings, transport=transport)
        hub.store.migrate()
        return hub

    @classmethod
    def init(cls, settings: Settings) -> tuple[Self, bool]:
        """Create the data dir, its secret key and the schema; (hub, whether anything was new)."""
        created_secret = not settings.secret_path.exists()
        settings = write_secret(settings)
        hub = cls(settings)
        migrated = hub.store.migrate()
        return hub, created_secret or migrated

    def close(self) -> None:
        self.afterwards.close()
        if self._lexical is not None:
            self._lexical.close()
        self._vectors = None
        self.store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @staticmethod
    def _key_of(ident: str) -> str:
        """The store's name of a paper given by arXiv id, arXiv/HF URL or local id; InvalidInput
        when ``ident`` is none of those."""
        key = ident.strip()
        return key if key.startswith(LOCAL_PREFIX) else parse_reference(key)[0]

    def find(self, ident: str) -> Paper | None:
        """A paper by arXiv id, arXiv/HF URL, or local id, or None when it is not here;
        InvalidInput when ``ident`` is none of those."""
        return self.store.paper(self._key_of(ident))

    def paper(self, ident: str) -> Paper:
        """A paper by arXiv id, arXiv/HF URL, or local id; NotFound when it is not here."""
        paper = self.find(ident)
        if paper is None:
            raise not_here(ident)
        return paper

    def all_papers(self) -> Iterator[Paper]:
        """Every stored paper, in change order, read a page at a time."""
        seq, after_pk = 0, None
        while papers := self.store.papers_changed_since(seq, after_pk, limit=PAGE):
            yield from papers
            seq, after_pk = papers[-1].seq, papers[-1].pk

    def signals_changed(self, user: User) -> None:
        """Called when ``user`` did something that tells what they like (``personal.py``)."""

    def stats(self) -> dict[str, object]:
        return self.store.stats()
