"""Where a run of ``mail/sending.py`` takes the due messages from, by database.

On PostgreSQL each sender claims one row in a transaction that holds it (``FOR UPDATE SKIP
LOCKED``) until its mark commits with it: senders of many processes take different rows, and a
killed sender's row is free the moment its connection drops. On SQLite one process of the
machine sends at a time (``Store.sending_turn``), so its senders share a page of due rows read
at once, leaving out those in flight, and each mark is its own short write.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from dailypapers.mail.sending import Marks, Take
from dailypapers.models import Delivery, OutboxItem
from dailypapers.store import Store

# Due messages a SQLite sender reads at a time.
SQLITE_PAGE = 50


def claims_for(store: Store, now: Callable[[], datetime]) -> Take:
    """How this store's senders claim due messages, one at a time."""
    if store.dialect == "postgresql":
        return _LockedRows(store, now).take
    return _SharedPage(store, now).take


class _LockedRows:
    def __init__(self, store: Store, now: Callable[[], datetime]) -> None:
        self.store = store
        self.now = now

    @contextmanager
    def take(self) -> Iterator[tuple[OutboxItem, Marks] | None]:
        with self.store.transaction() as tx:
            found = tx.outbox.due(self.now(), 1, lock=True)
            yield (found[0], tx.outbox) if found else None


class _SharedPage:
    def __init__(self, store: Store, now: Callable[[], datetime]) -> None:
        self.store = store
        self.now = now
        self.guard = threading.Lock()
        self.page: list[OutboxItem] = []
        self.in_flight: set[int] = set()  # handed to a sender, not marked yet

    @contextmanager
    def take(self) -> Iterator[tuple[OutboxItem, Marks] | None]:
        with self.guard:
            if not self.page:
                with self.store.read() as tx:
                    self.page += tx.outbox.due(self.now(), SQLITE_PAGE, list(self.in_flight))
            item = self.page.pop(0) if self.page else None
            if item is not None:
                self.in_flight.add(item.id)
        if item is None:
            yield None
            return
        try:
            yield item, self
        finally:
            with self.guard:
                self.in_flight.discard(item.id)

    def mark(self, item: OutboxItem, result: Delivery, now: datetime) -> int:
        with self.store.transaction() as tx:
            return tx.outbox.mark(item, result, now)

    def pause(self, subscription_id: int, note: str) -> None:
        with self.store.transaction() as tx:
            tx.outbox.pause(subscription_id, note)
