"""What a process keeps by key (a URL, a paper, a member) for one version of what it shows: the
least recently used first to go past a budget of bytes (the readers' whole responses,
``web/cache.py``; the members' shared pages, ``web/shared.py``; the papers' cards,
``web/cards.py``; each member's marks, ``hub/personal.py``)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class Kept(Generic[T]):
    """Values by key, each valid for the version it was made at, ``budget`` bytes at most."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self._bytes = 0
        self._items: OrderedDict[Hashable, tuple[object, T, int]] = OrderedDict()

    def current(self, key: Hashable, version: object) -> T | None:
        """The value kept for ``key`` if it was made at ``version``."""
        item = self._items.get(key)
        if item is None or item[0] != version:
            return None
        self._items.move_to_end(key)
        return item[1]

    def keep(self, key: Hashable, version: object, value: T, size: int) -> None:
        """Keep ``value`` (about ``size`` bytes) for ``key`` at ``version``, in place of what
        was kept for it."""
        replaced = self._items.pop(key, None)
        self._bytes += size - (replaced[2] if replaced else 0)
        self._items[key] = (version, value, size)
        while self._bytes > self.budget and self._items:
            self._bytes -= self._items.popitem(last=False)[1][2]
