"""The store: the only code that speaks SQL; the source of truth for all the hub holds.

Its data is reached through a unit of work: ``with store.transaction() as tx:`` commits what the
block wrote when it ends (or rolls it all back when it raises), and ``with store.read() as tx:``
reads. Either way ``tx`` holds one repository per area, each owning its SQL: ``tx.papers``,
``tx.lists``, ``tx.community``, ``tx.library``, ``tx.accounts``, ``tx.outbox``, ``tx.jobs``,
``tx.moderation``, ``tx.site``, ``tx.thumbnails``, ``tx.lookups``, ``tx.stars``, ``tx.claims``
and ``tx.notifications``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from dailypapers.errors import StoreError
from dailypapers.locks import file_lock
from dailypapers.store import database
from dailypapers.store.accounts import Accounts
from dailypapers.store.claims import Claims
from dailypapers.store.community import Community
from dailypapers.store.jobs import Jobs
from dailypapers.store.library import FOLLOW_KINDS, Library, MarkSets, Signals
from dailypapers.store.lists import Lists
from dailypapers.store.lookups import Lookups
from dailypapers.store.moderation import Moderation
from dailypapers.store.notifications import Notifications
from dailypapers.store.outbox import Outbox
from dailypapers.store.papers import Papers
from dailypapers.store.retries import Wanted
from dailypapers.store.site import Site
from dailypapers.store.stars import Due, Stars
from dailypapers.store.thumbnails import Thumbnails
from dailypapers.store.upsert import BatchOutcome, HarvestProgress, Prepared, prepare

__all__ = [
    "FOLLOW_KINDS",
    "BatchOutcome",
    "Due",
    "HarvestProgress",
    "MarkSets",
    "Prepared",
    "Signals",
    "Store",
    "Transaction",
    "Wanted",
    "prepare",
]


class Transaction:
    """One unit of work over one connection, with a repository per area of the data."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.papers = Papers(conn)
        self.lists = Lists(conn)
        self.community = Community(conn)
        self.library = Library(conn)
        self.accounts = Accounts(conn)
        self.outbox = Outbox(conn)
        self.jobs = Jobs(conn)
        self.moderation = Moderation(conn)
        self.site = Site(conn)
        self.thumbnails = Thumbnails(conn)
        self.lookups = Lookups(conn)
        self.stars = Stars(conn)
        self.claims = Claims(conn)
        self.notifications = Notifications(conn)


class Store:
    """A database holding one hub's data, opened from an SQLAlchemy URL."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine = database.make_engine(url)
        # SQLite has one writer at a time. Writers of this process take turns on a lock, which
        # hands over the moment the last one commits; left to SQLite they would poll for the
        # database's lock with sleeps of up to 100 ms each. (PostgreSQL locks rows instead.)
        self._writers: AbstractContextManager[Any] = (
            threading.Lock() if self.dialect == "sqlite" else nullcontext()
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def migrate(self) -> bool:
        """Apply pending migrations; True when any ran. Running it again is a no-op."""
        return database.migrate(self.engine)

    def is_current(self) -> bool:
        return database.current_revision(self.engine) == database.head_revision(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """A write transaction, its turn taken (SQLite's starts IMMEDIATE): committed when the
        block ends, rolled back when it raises. StoreError when the database cannot be opened."""
        with self._writers, _reached(), self._connect(immediate=True) as conn, conn.begin():
            yield Transaction(conn)

    @contextmanager
    def read(self) -> Iterator[Transaction]:
        """A transaction that only reads (one snapshot on SQLite in WAL mode; on PostgreSQL each
        statement sees what was committed when it began, as it does in a transaction there)."""
        with _reached(), self._connect(reading=True) as conn:
            yield Transaction(conn)

    def _connect(self, immediate: bool = False, reading: bool = False) -> Connection:
        try:
            conn = self.engine.connect()
        except (OperationalError, PoolTimeout) as exc:
            raise StoreError(f"cannot open the database: {exc}") from exc
        if immediate:
            return conn.execution_options(immediate=True)
        if reading and self.dialect == "postgresql":
            # Its default isolation gives each statement its own snapshot anyway; without a
            # transaction a read saves the round trips of BEGIN and ROLLBACK.
            return conn.execution_options(isolation_level="AUTOCOMMIT")
        return conn

    @contextmanager
    def sending_turn(self, wait: bool = True) -> Iterator[bool]:
        """This process's turn to send the outbox; False (without ``wait``) when another holds it.

        SQLite's senders take turns, one process of the machine at a time, which shares the due
        messages among its SMTP connections; PostgreSQL's lock the rows they send instead, so
        every sender has a turn at once.
        """
        path = self._sender_lock_path()
        with file_lock(path, wait) if path else nullcontext(True) as mine:
            yield bool(mine)

    def _sender_lock_path(self) -> Path | None:
        if self.dialect == "postgresql":
            return None
        name = self.engine.url.database
        if not name or name == ":memory:":
            return None
        return Path(name + "-sender.lock")


@contextmanager
def _reached() -> Iterator[None]:
    """A connection the database dropped during the block is a StoreError (the pool has thrown
    it and its idle siblings away, so that the next block opens fresh ones)."""
    try:
        yield
    except DBAPIError as exc:
        if exc.connection_invalidated:
            raise StoreError(f"lost the connection to the database: {exc.orig}") from exc
        raise
