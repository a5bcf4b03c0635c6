"""Engines and migrations: SQLite in WAL mode or PostgreSQL, schema brought up by Alembic."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import ArgumentError, DisconnectionError, OperationalError
from sqlalchemy.pool import QueuePool

from dailypapers.errors import ConfigError, StoreError

# Connections a process keeps, and opens beyond them at busy times: at least as many as the web
# server's threads (40), so that no request waits for a connection another thread could free.
POOL_SIZE = 10
POOL_OVERFLOW = 40
# A PostgreSQL connection idle this long is tested before it is used again.
PING_IDLE_S = 10.0


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers (web) and one writer (imports) work at once; NORMAL sync is crash-safe for
    # process kills in WAL mode (only an OS crash can lose the last commits, never corrupt).
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # 64 MB of page cache (the default is 2 MB) keeps a million-paper import's indexes in memory.
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


def _ping_when_idle(engine: Engine) -> None:
    """Test a pooled connection before it is used, if it lay idle a while (the server may have
    restarted or dropped it since): a dead one is replaced. SQLAlchemy's ``pool_pre_ping`` does
    this on every checkout, a round trip that costs a page view more than a query of its own."""

    @event.listens_for(engine, "checkin")
    def checked_in(_dbapi: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def checked_out(dbapi: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get("idle_since", float("inf")) < PING_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi)
        except engine.dialect.loaded_dbapi.Error as exc:
            if engine.dialect.is_disconnect(exc, dbapi, None):
                raise DisconnectionError(str(exc)) from exc  # the pool opens a fresh one
            raise


def _sqlite_begin(conn: Any) -> None:
    # A writer takes the write lock up front: a deferred BEGIN that later upgrades to a write can
    # fail with "database is locked" regardless of busy_timeout when another writer got there first.
    immediate = conn.get_execution_options().get("immediate", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get their directory created and WAL switched on."""
    try:
        if url.startswith("sqlite"):
            path = url.split("///", 1)[1] if "///" in url else ""
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            # Pooled: opening a connection runs five PRAGMAs, which cost a page view more than
            # its queries did. Connections may move between threads (web workers' threads).
            engine = create_engine(
                url,
                poolclass=QueuePool,
                pool_size=POOL_SIZE,
                max_overflow=POOL_OVERFLOW,
                connect_args={"check_same_thread": False},
            )
            event.listen(engine, "connect", _sqlite_pragmas)
            # Let SQLAlchemy own transactions (BEGIN is emitted when a transaction starts).
            event.listen(engine, "connect", lambda c, _r: setattr(c, "isolation_level", None))
            event.listen(engine, "begin", _sqlite_begin)
            return engine
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        engine = create_engine(url, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)
        _ping_when_idle(engine)
        return engine
    except ArgumentError as exc:
        raise ConfigError(f"database URL is not valid: {exc}") from exc
    except ModuleNotFoundError as exc:
        raise ConfigError(
            f"the driver for {url.split(':', 1)[0]} is not installed ({exc.name}); "
            "for PostgreSQL: pip install 'dailypapers[postgres]'"
        ) from exc


def _alembic_config(engine: Engine) -> Config:
    config = Config()
    location = resources.files("dailypapers.store") / "migrations"
    config.set_main_option("script_location", str(location))
    return config


@contextmanager
def _foreign_keys_off(conn: Connection) -> Iterator[None]:
    """SQLite's foreign keys off while the block runs: a migration that rebuilds a table (its
    only way to change a column) drops the old one, which would otherwise delete every row
    that refers to it (``_check_foreign_keys`` sees that what it leaves holds together)."""
    if conn.dialect.name != "sqlite":
        yield
        return
    raw = conn.connection.dbapi_connection
    assert raw is not None
    raw.execute("PRAGMA foreign_keys=OFF")  # outside any transaction, or it does nothing
    try:
        yield
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


def _check_foreign_keys(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:  # raised inside the migrations' transaction: it is all rolled back
            raise StoreError(f"a migration left rows that refer to nothing: {broken[:5]}")


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(_alembic_config(engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrate(engine: Engine) -> bool:
    """Bring the schema to the newest revision; True when something was applied."""
    try:
        before = current_revision(engine)
        if before == head_revision(engine):
            return False
        config = _alembic_config(engine)
        with engine.connect() as conn, _foreign_keys_off(conn), conn.begin():
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
            _check_foreign_keys(conn)
        return True
    except OperationalError as exc:
        raise StoreError(f"cannot open the database: {exc.orig}") from exc
