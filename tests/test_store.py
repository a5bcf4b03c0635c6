"""The store on SQLite and PostgreSQL: migrations, upsert rules, listings, change sequence."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, func, insert, select, text

from dailypapers.errors import StoreError
from dailypapers.models import Listing, Paper, PaperRecord, Version, local_id_for
from dailypapers.store import BatchOutcome, Store, database
from dailypapers.store.tables import listings, metadata, papers, upvotes, users
from dailypapers.store.upsert import _Batch

T0 = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


def arxiv(version: int = 1, **fields: object) -> PaperRecord:
    base: dict[str, object] = {
        "title": "Attention Is All You Need",
        "arxiv_id": "1706.03762",
        "version": version,
        "abstract": f"The dominant sequence transduction models (v{version}).",
        "authors": ("Ashish Vaswani", "Noam Shazeer"),
        "categories": ("cs.CL", "cs.LG"),
        "published": T0,
        "updated": T0,
        "versions": tuple(Version(v, T0) for v in range(1, version + 1)),
    }
    base.update(fields)
    return PaperRecord(**base)  # type: ignore[arg-type]


def ingest(store: Store, records: list[PaperRecord]) -> BatchOutcome:
    with store.transaction() as tx:
        return tx.papers.ingest(records)


def find(store: Store, ident: str) -> Paper | None:
    with store.read() as tx:
        return tx.papers.find(ident)


def change_seq(store: Store) -> int:
    with store.read() as tx:
        return tx.papers.change_seq()


def changed_since(store: Store, seq: int) -> list[Paper]:
    with store.read() as tx:
        return tx.papers.changed_since(seq)


def latest_day(store: Store, on_or_before: date | None = None) -> date | None:
    with store.read() as tx:
        return tx.lists.latest_day(on_or_before)


def listed_on(store: Store, day: date) -> list[Paper]:
    with store.read() as tx:
        return tx.lists.day(day)


def paper_count(store: Store) -> int:
    with store.read() as tx:
        return int(tx.papers.counts()["papers"])


def test_migrations_are_idempotent_and_match_the_tables(store: Store) -> None:
    assert store.migrate() is False
    assert store.is_current()
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_accounts_migration_keeps_members_and_what_refers_to_them(db_url: str) -> None:
    """0009 rebuilds the members' and the outbox's tables on SQLite: every row that refers to
    them survives (SQLite would have deleted them with the old table), the admin flag becomes a
    role, and the members from before count as confirmed."""
    engine = create_engine(db_url)
    config = database._alembic_config(engine)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0008")
        now = {"now": T0}
        conn.execute(
            text(
                "INSERT INTO users (name, email, password_hash, is_admin, created_at) VALUES"
                " ('ada', 'ada@example.org', 'h', true, :now),"
                " ('bob', 'bob@example.org', 'h', false, :now)"
            ),
            now,
        )
        conn.execute(
            text(
                "INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at)"
                " SELECT id, 'a' || name, :now, :now FROM users"
            ),
            now,
        )
        conn.execute(
            text(
                "INSERT INTO subscriptions (email, email_key, user_id, frequency, topics,"
                " timezone, status, created_at) SELECT email, email, id, 'daily', '[]', 'UTC',"
                " 'active', :now FROM users WHERE name = 'bob'"
            ),
            now,
        )
        conn.execute(
            text(
                "INSERT INTO outbox (subscription_id, period, status, recipient, message_id,"
                " subject, next_attempt_at, created_at) SELECT id, 'daily:2026-02-03',"
                " 'sent', email, '<m@x>', 'Daily Papers', :now, :now FROM subscriptions"
            ),
            now,
        )
    engine.dispose()
    store = Store(db_url)
    assert store.migrate() is True
    with store.read() as tx:
        ada, bob = tx.accounts.named("ada"), tx.accounts.named("bob")
        assert ada is not None and bob is not None
        assert (ada.role, bob.role) == ("admin", "member") and ada.verified and bob.verified
        assert len(tx.accounts.sessions(ada.id, T0.replace(year=2000))) == 1
        assert tx.outbox.counts() == {"sent": 1}
        assert tx.outbox.subscription_of_user(bob.id) is not None
    store.close()


def test_sqlite_runs_in_wal_mode(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = Store(f"sqlite:///{tmp_path / 'wal.sqlite3'}")
    store.migrate()
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    store.close()


@pytest.mark.parametrize("idle_s", [0.0, 3600.0])
def test_a_postgresql_connection_dropped_while_idle_is_replaced(
    pg_url: str, idle_s: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pooled connection the server ended while it lay idle is tested and replaced once it
    has been idle for PING_IDLE_S; a shorter idle goes unchecked (no round trip), and that
    read fails with StoreError, not anything worse."""
    monkeypatch.setattr(database, "PING_IDLE_S", idle_s)
    store = Store(pg_url)
    store.migrate()
    with store.read() as tx:
        pid = tx.conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        assert tx.papers.change_seq() == 0
    with create_engine(pg_url, isolation_level="AUTOCOMMIT").connect() as admin:
        ended = admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        assert ended.scalar_one() is True
    try:
        if idle_s:
            with pytest.raises(StoreError), store.read() as tx:
                tx.papers.change_seq()
        with store.read() as tx:  # a dead connection is never handed out twice
            assert tx.papers.change_seq() == 0
            assert tx.conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one() != pid
    finally:
        store.close()


def test_add_then_reimport_is_unchanged(store: Store) -> None:
    assert ingest(store, [arxiv()]).added == 1
    again = ingest(store, [arxiv()])
    assert (again.added, again.updated, again.unchanged) == (0, 0, 1)
    paper = find(store, "1706.03762v1")
    assert paper is not None
    assert paper.authors == ("Ashish Vaswani", "Noam Shazeer")
    assert paper.categories == ("cs.CL", "cs.LG") and paper.primary_category == "cs.CL"
    assert paper.published == T0 and paper.published.tzinfo is not None
    assert paper.versions == (Version(1, T0),)


def test_newer_version_updates_older_changes_nothing(store: Store) -> None:
    ingest(store, [arxiv(1)])
    assert ingest(store, [arxiv(2, title="Attention Is All You Need (revised)")]).updated == 1
    outcome = ingest(store, [arxiv(1, title="Stale title")])
    assert (outcome.updated, outcome.unchanged) == (0, 1)
    paper = find(store, "1706.03762")
    assert paper is not None
    assert paper.version == 2
    assert paper.title == "Attention Is All You Need (revised)"
    assert paper.abstract == "The dominant sequence transduction models (v2)."


def test_unversioned_record_only_fills_unknown_fields(store: Store) -> None:
    ingest(store, [arxiv(1)])
    hf = PaperRecord(
        title="A different title on HF",
        arxiv_id="1706.03762",
        abstract="HF's copy of the abstract",
        github_repo="https://github.com/tensorflow/tensor2tensor",
        upvotes=10,
    )
    assert ingest(store, [hf]).updated == 1
    paper = find(store, "1706.03762")
    assert paper is not None
    assert paper.title == "Attention Is All You Need"
    assert paper.abstract == "The dominant sequence transduction models (v1)."
    assert paper.github_repo == "https://github.com/tensorflow/tensor2tensor"
    assert paper.source_upvotes == 10
    # The shown upvote count only grows: an older snapshot does not lower it.
    hf.upvotes = 4
    assert ingest(store, [hf]).unchanged == 1
    assert find(store, "1706.03762").source_upvotes == 10  # type: ignore[union-attr]


def test_local_paper_is_merged_when_its_arxiv_id_arrives(store: Store) -> None:
    seen_on_page = PaperRecord(
        title="Attention is all you  NEED",
        author_count=8,
        upvotes=3,
        listing=Listing(date(2025, 10, 29), rank=1),
    )
    ingest(store, [seen_on_page])
    local = local_id_for(seen_on_page.title)
    assert find(store, local) is not None
    assert ingest(store, [arxiv(1)]).updated == 1
    merged = find(store, "1706.03762")
    assert merged is not None
    assert find(store, local).pk == merged.pk  # type: ignore[union-attr]
    assert merged.source_upvotes == 3
    assert merged.listings == (Listing(date(2025, 10, 29), 1, None),)
    assert paper_count(store) == 1
    # A later title-only sighting attaches to the arXiv paper, it does not make a new local one.
    again = PaperRecord(title="Attention Is All You Need", listing=Listing(date(2025, 10, 31), 4))
    assert ingest(store, [again]).updated == 1
    assert paper_count(store) == 1


def test_votes_and_listings_survive_updates(store: Store) -> None:
    ingest(store, [arxiv(1, listing=Listing(date(2025, 1, 3), rank=2, submitter="akhaliq"))])
    pk = find(store, "1706.03762").pk  # type: ignore[union-attr]
    with store.engine.begin() as conn:
        user = conn.execute(
            insert(users).values(name="ada", email="ada@example.org", created_at=T0)
        ).inserted_primary_key[0]
        conn.execute(insert(upvotes).values(user_id=user, paper_pk=pk, created_at=T0))
    ingest(store, [arxiv(3, listing=Listing(date(2025, 1, 3), rank=9, submitter="someone"))])
    paper = find(store, "1706.03762")
    assert paper is not None and paper.version == 3
    assert paper.upvotes == 1
    assert paper.listings == (Listing(date(2025, 1, 3), 2, "akhaliq"),)


def test_duplicates_within_one_batch_are_merged(store: Store) -> None:
    page = [
        PaperRecord(title="Same Paper", listing=Listing(date(2025, 10, 29), 1)),
        PaperRecord(title="same paper", listing=Listing(date(2025, 10, 31), 5)),
        PaperRecord(title="Same Paper", listing=Listing(date(2025, 10, 31), 5)),
    ]
    outcome = ingest(store, page)
    assert (outcome.added, outcome.updated, outcome.unchanged) == (1, 1, 1)
    paper = find(store, local_id_for("Same Paper"))
    assert paper is not None and [item.date.day for item in paper.listings] == [29, 31]


def test_change_sequence_advances_on_writes(store: Store) -> None:
    start = change_seq(store)
    ingest(store, [arxiv(1), arxiv(1, arxiv_id="2501.00001", title="Another")])
    first = change_seq(store)
    assert first > start
    changed = changed_since(store, start)
    assert {p.id for p in changed} == {"1706.03762", "2501.00001"}
    ingest(store, [arxiv(2)])
    assert [p.id for p in changed_since(store, first)] == ["1706.03762"]


def test_a_failed_batch_leaves_nothing_half_written(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest(store, [arxiv(1)])
    write = _Batch.write

    def write_then_crash(self: _Batch, conn: object) -> None:
        write(self, conn)  # type: ignore[arg-type]
        raise RuntimeError("power cut")

    monkeypatch.setattr(_Batch, "write", write_then_crash)
    new = arxiv(1, arxiv_id="2501.00002", title="New paper")
    with pytest.raises(RuntimeError):
        ingest(store, [arxiv(2), new])
    monkeypatch.undo()
    assert find(store, "2501.00002") is None
    assert find(store, "1706.03762").version == 1  # type: ignore[union-attr]


def test_listing_day_order_and_latest(store: Store) -> None:
    records = [
        arxiv(1, arxiv_id=f"2501.0000{i}", title=f"Paper {i}", listing=Listing(date(2025, 1, 6), r))
        for i, r in ((1, 3), (2, 1), (3, 2))
    ]
    ingest(store, records)
    assert latest_day(store) == date(2025, 1, 6)
    assert latest_day(store, date(2025, 1, 5)) is None
    assert [p.id for p in listed_on(store, date(2025, 1, 6))] == [
        "2501.00002",
        "2501.00003",
        "2501.00001",
    ]


def test_concurrent_ingests_of_the_same_papers(store: Store) -> None:
    batch = [arxiv(1, arxiv_id=f"2502.{i:05d}", title=f"Paper {i}") for i in range(300)]
    errors: list[BaseException] = []

    def run() -> None:
        try:
            ingest(store, batch)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(papers)).scalar_one() == 300
        assert conn.execute(select(func.count()).select_from(listings)).scalar_one() == 0


def test_sqlite_datetime_binding_matches_sqlalchemys_own() -> None:
    from datetime import timedelta, timezone

    from sqlalchemy import DateTime
    from sqlalchemy.dialects import sqlite

    from dailypapers.store.tables import UTCDateTime

    dialect = sqlite.dialect()
    fast = UTCDateTime().bind_processor(dialect)
    reference = DateTime().dialect_impl(dialect).bind_processor(dialect)
    for moment in (T0, datetime(2020, 1, 1, 1, 2, 3, 456, tzinfo=timezone(timedelta(hours=5)))):
        assert fast(moment) == reference(moment.astimezone(UTC).replace(tzinfo=None))
    assert fast(None) is None
    with pytest.raises(ValueError, match="naive datetime"):
        fast(datetime(2020, 1, 1))
