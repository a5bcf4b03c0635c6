"""The store: the only code that speaks SQL; the source of truth for all the hub holds."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, func, insert, or_, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from dailypapers.errors import StoreError
from dailypapers.ids import is_arxiv_id, split_version
from dailypapers.locks import file_lock
from dailypapers.models import (
    LOCAL_PREFIX,
    Allowance,
    ApiToken,
    Collection,
    Comment,
    Delivery,
    Follow,
    Listing,
    OutboxItem,
    Paper,
    PaperRecord,
    SignIn,
    Subscription,
    User,
    Version,
)
from dailypapers.store import community, database, library, mail, sessions
from dailypapers.store.library import FOLLOW_KINDS, Signals
from dailypapers.store.rows import chunks
from dailypapers.store.tables import (
    change_seq,
    comments,
    embeddings,
    listings,
    papers,
    upvotes,
)
from dailypapers.store.upsert import (
    BatchOutcome,
    HarvestProgress,
    Prepared,
    count_papers,
    load_progress,
    prepare,
    upsert,
)

__all__ = [
    "FOLLOW_KINDS",
    "BatchOutcome",
    "HarvestProgress",
    "Prepared",
    "Signals",
    "Store",
    "prepare",
]


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
    def _write(self) -> Iterator[Connection]:
        """A connection for one write transaction, its turn taken (SQLite's starts IMMEDIATE)."""
        with self._writers:
            try:
                conn = self.engine.connect().execution_options(immediate=True)
            except (OperationalError, PoolTimeout) as exc:
                raise StoreError(f"cannot open the database: {exc}") from exc
            with conn:
                yield conn

    def _read(self) -> Any:
        try:
            return self.engine.connect()
        except (OperationalError, PoolTimeout) as exc:
            raise StoreError(f"cannot open the database: {exc}") from exc

    # -- writes ---------------------------------------------------------------------------------

    def ingest(
        self, records: Sequence[PaperRecord | Prepared], progress: HarvestProgress | None = None
    ) -> BatchOutcome:
        """Upsert ``records`` (and save ``progress``) in one transaction: all of it or none.

        Records may come already ``prepare``d (by a parsing process, off this one's hot path).
        """
        with self._write() as conn, conn.begin():
            return upsert(conn, records, progress)

    # -- members --------------------------------------------------------------------------------

    def create_user(
        self, name: str, email: str, password_hash: str | None, is_admin: bool = False
    ) -> User:
        with self._write() as conn, conn.begin():
            return community.create_user(conn, name, email, password_hash, is_admin)

    def user(self, user_id: int) -> User | None:
        with self._read() as conn:
            return community.user_by_id(conn, user_id)

    def users_by_id(self, user_ids: Sequence[int]) -> dict[int, User]:
        with self._read() as conn:
            return community.users_by_id(conn, user_ids)

    def user_by_name(self, name: str) -> User | None:
        with self._read() as conn:
            return community.user_by_name(conn, name)

    def credentials(self, login: str) -> tuple[User, str | None] | None:
        with self._read() as conn:
            return community.credentials(conn, login)

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        with self._write() as conn, conn.begin():
            community.set_password_hash(conn, user_id, password_hash)

    def add_token(self, user_id: int, name: str, token_hash: str, prefix: str) -> ApiToken:
        with self._write() as conn, conn.begin():
            return community.add_token(conn, user_id, name, token_hash, prefix)

    def user_for_token(self, token_hash: str) -> tuple[User, int, datetime | None] | None:
        with self._read() as conn:
            return community.user_for_token(conn, token_hash)

    # -- sign-in sessions -----------------------------------------------------------------------

    def start_session(self, user_id: int, token_hash: str, client: str, now: datetime) -> int:
        with self._write() as conn, conn.begin():
            return sessions.start(conn, user_id, token_hash, client, now)

    def session(
        self, token_hash: str, started_after: datetime
    ) -> tuple[User, int, datetime] | None:
        with self._read() as conn:
            return sessions.find(conn, token_hash, started_after)

    def sessions(self, user_id: int, started_after: datetime) -> list[SignIn]:
        with self._read() as conn:
            return sessions.live(conn, user_id, started_after)

    def end_session(self, token_hash: str, now: datetime) -> bool:
        with self._write() as conn, conn.begin():
            return sessions.end(conn, now, token_hash)

    def end_session_id(self, user_id: int, session_id: int, now: datetime) -> bool:
        with self._write() as conn, conn.begin():
            return sessions.end_one(conn, now, user_id, session_id)

    def end_sessions(self, user_id: int, now: datetime, keep: int | None = None) -> int:
        with self._write() as conn, conn.begin():
            return sessions.end_all(conn, now, user_id, keep)

    def set_password(
        self, user_id: int, password_hash: str, now: datetime, keep: int | None
    ) -> int:
        """Set a new password hash and end every other session, in one transaction."""
        with self._write() as conn, conn.begin():
            community.set_password_hash(conn, user_id, password_hash)
            return sessions.end_all(conn, now, user_id, keep)

    def touch(
        self, session_times: Mapping[int, datetime], token_times: Mapping[int, datetime]
    ) -> None:
        with self._write() as conn, conn.begin():
            sessions.touch(conn, session_times, token_times)

    def tokens(self, user_id: int) -> list[ApiToken]:
        with self._read() as conn:
            return community.tokens(conn, user_id)

    def revoke_token(self, user_id: int, which: str) -> int:
        with self._write() as conn, conn.begin():
            return community.revoke_token(conn, user_id, which)

    def vote(
        self, user_id: int, paper_pk: int, on: bool, allowance: Allowance, now: float
    ) -> tuple[bool, int]:
        """Count the vote against ``allowance`` and cast it (or take it back), in one
        transaction: (whether it changed, the site's count). RateLimited past the allowance."""
        with self._write() as conn, conn.begin():
            community.check_allowance(conn, allowance, now)
            return community.set_vote(conn, user_id, paper_pk, on)

    def paper_key(self, ident: str) -> tuple[int, str, int] | None:
        """(key, id, source's upvotes) of a paper by arXiv or local id: a light ``paper``."""
        with self._read() as conn:
            return community.paper_key(conn, _by_ident(ident))

    def voted(self, user_id: int, paper_pks: Sequence[int]) -> set[int]:
        with self._read() as conn:
            return community.voted(conn, user_id, paper_pks)

    def upvoted_by(self, user_id: int, limit: int = 100) -> list[int]:
        with self._read() as conn:
            return community.upvoted_by(conn, user_id, limit)

    def add_comment(self, user_id: int, paper_pk: int, text: str, parent_id: int | None) -> int:
        with self._write() as conn, conn.begin():
            return community.add_comment(conn, user_id, paper_pk, text, parent_id)

    def comments(self, paper: Paper) -> list[Comment]:
        with self._read() as conn:
            return community.paper_comments(conn, paper.pk, paper.id)

    def submit(self, user: User, paper_pk: int, day: date, quota: int) -> None:
        with self._write() as conn, conn.begin():
            community.submit(conn, user, paper_pk, day, quota)

    def check_quota(self, user_id: int, day: date, quota: int) -> None:
        with self._read() as conn:
            community.check_quota(conn, user_id, day, quota)

    def submitted_by(self, user_id: int, limit: int = 100) -> list[int]:
        with self._read() as conn:
            return community.submitted_by(conn, user_id, limit)

    def check_allowance(self, allowance: Allowance, now: float) -> None:
        with self._write() as conn, conn.begin():
            community.check_allowance(conn, allowance, now)

    # -- a reader's library ---------------------------------------------------------------------

    def set_saved(self, user_id: int, paper_pk: int, on: bool) -> bool:
        with self._write() as conn, conn.begin():
            return library.set_saved(conn, user_id, paper_pk, on)

    def set_read(self, user_id: int, paper_pk: int, read: bool) -> bool:
        with self._write() as conn, conn.begin():
            return library.set_read(conn, user_id, paper_pk, read)

    def saved(self, user_id: int) -> list[tuple[int, datetime, datetime | None]]:
        with self._read() as conn:
            return library.saved(conn, user_id)

    def saved_among(self, user_id: int, paper_pks: Sequence[int]) -> set[int]:
        with self._read() as conn:
            return library.saved_among(conn, user_id, paper_pks)

    def set_feedback(self, user_id: int, paper_pk: int, value: int) -> bool:
        with self._write() as conn, conn.begin():
            return library.set_feedback(conn, user_id, paper_pk, value)

    def feedback_among(self, user_id: int, paper_pks: Sequence[int]) -> dict[int, int]:
        with self._read() as conn:
            return library.feedback_among(conn, user_id, paper_pks)

    def add_follow(self, user_id: int, kind: str, value: str) -> Follow:
        with self._write() as conn, conn.begin():
            return library.add_follow(conn, user_id, kind, value)

    def remove_follow(self, user_id: int, follow_id: int) -> bool:
        with self._write() as conn, conn.begin():
            return library.remove_follow(conn, user_id, follow_id)

    def follows(self, user_id: int) -> list[Follow]:
        with self._read() as conn:
            return library.follows_of(conn, user_id)

    def create_collection(self, user_id: int, name: str, slug: str, public: bool) -> Collection:
        with self._write() as conn, conn.begin():
            return library.create_collection(conn, user_id, name, slug, public)

    def update_collection(self, collection_id: int, name: str | None, public: bool | None) -> None:
        with self._write() as conn, conn.begin():
            library.update_collection(conn, collection_id, name, public)

    def delete_collection(self, user_id: int, collection_id: int) -> None:
        with self._write() as conn, conn.begin():
            library.delete_collection(conn, user_id, collection_id)

    def collections(self, user_id: int, include_private: bool) -> list[Collection]:
        with self._read() as conn:
            return library.collections_of(conn, user_id, include_private)

    def collection(self, owner_id: int, slug: str) -> Collection | None:
        with self._read() as conn:
            return library.collection(conn, owner_id, slug)

    def set_in_collection(self, user_id: int, collection_id: int, paper_pk: int, on: bool) -> bool:
        with self._write() as conn, conn.begin():
            return library.set_in_collection(conn, user_id, collection_id, paper_pk, on)

    def collection_pks(self, collection_id: int) -> list[int]:
        with self._read() as conn:
            return library.collection_pks(conn, collection_id)

    def signals(self, user_id: int) -> Signals:
        with self._read() as conn:
            return library.signals_of(conn, user_id)

    def signals_of_many(self, user_ids: Sequence[int]) -> dict[int, Signals]:
        with self._read() as conn:
            return library.signals_of_many(conn, user_ids)

    def load_models(self, user_ids: Sequence[int]) -> dict[int, tuple[int, bytes, int, int]]:
        with self._read() as conn:
            return library.load_models(conn, user_ids)

    def signal_count(self, user_id: int) -> int:
        with self._read() as conn:
            return library.signal_count(conn, user_id)

    def load_model(self, user_id: int) -> tuple[int, bytes, int, int] | None:
        with self._read() as conn:
            return library.load_model(conn, user_id)

    def save_model(
        self, user_id: int, signals: int, weights: bytes, positives: int, negatives: int
    ) -> None:
        with self._write() as conn, conn.begin():
            library.save_model(conn, user_id, signals, weights, positives, negatives)

    # -- subscriptions and the outbox ------------------------------------------------------------

    def request_subscription(
        self,
        email: str,
        user_id: int | None,
        frequency: str,
        topics: Sequence[str],
        timezone: str,
        now: datetime,
    ) -> tuple[Subscription, bool]:
        with self._write() as conn, conn.begin():
            return mail.request_subscription(conn, email, user_id, frequency, topics, timezone, now)

    def update_subscription(
        self,
        subscription_id: int,
        frequency: str | None = None,
        topics: Sequence[str] | None = None,
        timezone: str | None = None,
    ) -> None:
        with self._write() as conn, conn.begin():
            mail.update_subscription(conn, subscription_id, frequency, topics, timezone)

    def set_subscription_status(
        self, subscription_id: int, status: str, now: datetime
    ) -> Subscription | None:
        with self._write() as conn, conn.begin():
            return mail.set_subscription_status(conn, subscription_id, status, now)

    def subscription(self, subscription_id: int) -> Subscription | None:
        with self._read() as conn:
            return mail.subscription(conn, subscription_id)

    def subscription_by_email(self, email: str) -> Subscription | None:
        with self._read() as conn:
            return mail.subscription_by_email(conn, email)

    def subscription_of_user(self, user_id: int) -> Subscription | None:
        with self._read() as conn:
            return mail.subscription_of_user(conn, user_id)

    def active_subscriptions(
        self, frequency: str, timezone: str | None = None, after_id: int = 0, limit: int = 500
    ) -> list[Subscription]:
        with self._read() as conn:
            return mail.active_subscriptions(conn, frequency, timezone, after_id, limit)

    def subscriptions(self) -> list[Subscription]:
        with self._read() as conn:
            return mail.all_subscriptions(conn)

    def active_timezones(self) -> list[str]:
        with self._read() as conn:
            return mail.active_timezones(conn)

    def already_composed(self, subscription_ids: Sequence[int], period: str) -> set[int]:
        with self._read() as conn:
            return mail.already_composed(conn, subscription_ids, period)

    def papers_sent(
        self, subscription_ids: Sequence[int], paper_pks: Sequence[int]
    ) -> dict[int, set[int]]:
        with self._read() as conn:
            return mail.papers_sent(conn, subscription_ids, paper_pks)

    def queue(self, messages: Sequence[Mapping[str, Any]], now: datetime) -> list[bool]:
        """Add messages to the outbox in one transaction (see ``mail.queue``)."""
        with self._write() as conn, conn.begin():
            return mail.queue(conn, messages, now)

    def deliver_due(
        self,
        delivers: Sequence[Callable[[OutboxItem], Delivery]],
        now: Callable[[], datetime],
        bounce_limit: int,
        limit: int | None = None,
        wait: bool = True,
    ) -> dict[str, int]:
        """Send what is due through ``deliver``, one claimed message at a time (``mail.py``).

        Without ``wait``, nothing is sent while another sender holds SQLite's turn: that one
        goes on until nothing is due, so it sends what was queued meanwhile too."""
        # SQLite's senders take turns (PostgreSQL's hold rows instead).
        path = self._sender_lock_path()
        with file_lock(path, wait) if path else nullcontext(True) as mine:
            if not mine:
                return {"sent": 0, "retried": 0, "failed": 0}
            return mail.deliver_due(
                self.engine, delivers, now, bounce_limit, limit, self.dialect == "postgresql"
            )

    def _sender_lock_path(self) -> Path | None:
        if self.dialect == "postgresql":
            return None
        database = self.engine.url.database
        if not database or database == ":memory:":
            return None
        return Path(database + "-sender.lock")

    def outbox_counts(self, period: str | None = None) -> dict[str, int]:
        with self._read() as conn:
            return mail.outbox_counts(conn, period)

    def subscription_counts(self) -> dict[str, int]:
        with self._read() as conn:
            return mail.subscription_counts(conn)

    # -- scheduled jobs -------------------------------------------------------------------------

    def last_fire(self, name: str) -> datetime | None:
        with self._read() as conn:
            return mail.last_fire(conn, name)

    def take_job(
        self, name: str, fire: datetime, holder: str, lease_until: datetime, now: datetime
    ) -> bool:
        with self._write() as conn, conn.begin():
            return mail.take_job(conn, name, fire, holder, lease_until, now)

    def renew_job(self, name: str, holder: str, lease_until: datetime) -> bool:
        with self._write() as conn, conn.begin():
            return mail.renew_job(conn, name, holder, lease_until)

    def finish_job(
        self,
        name: str,
        holder: str,
        fire: datetime | None,
        outcome: str,
        now: datetime,
        hold_until: datetime | None = None,
    ) -> None:
        with self._write() as conn, conn.begin():
            mail.finish_job(conn, name, holder, fire, outcome, now, hold_until)

    def job_states(self) -> list[dict[str, Any]]:
        with self._read() as conn:
            return mail.job_states(conn)

    # -- reads ----------------------------------------------------------------------------------

    def embeddings(self, model: str, pks: Sequence[int]) -> dict[int, tuple[str, bytes]]:
        """Stored (content hash, vector bytes) of ``model`` for the papers ``pks``."""
        found: dict[int, tuple[str, bytes]] = {}
        with self._read() as conn:
            for chunk in chunks(pks):
                query = select(
                    embeddings.c.paper_pk, embeddings.c.content_hash, embeddings.c.vector
                ).where(embeddings.c.model == model, embeddings.c.paper_pk.in_(chunk))
                found.update(
                    (pk, (digest, bytes(vector))) for pk, digest, vector in conn.execute(query)
                )
        return found

    def save_embeddings(self, model: str, rows: Sequence[tuple[int, str, bytes]]) -> None:
        """Store (paper pk, content hash, vector bytes) rows of ``model``, replacing older ones."""
        if not rows:
            return
        pks = [pk for pk, _, _ in rows]
        with self._write() as conn, conn.begin():
            for chunk in chunks(pks):
                conn.execute(
                    delete(embeddings).where(
                        embeddings.c.model == model, embeddings.c.paper_pk.in_(chunk)
                    )
                )
            conn.execute(
                insert(embeddings),
                [
                    {"paper_pk": pk, "model": model, "content_hash": digest, "vector": vector}
                    for pk, digest, vector in rows
                ],
            )

    def harvest_progress(self, name: str) -> HarvestProgress | None:
        with self._read() as conn:
            return load_progress(conn, name)

    def change_seq(self) -> int:
        with self._read() as conn:
            return int(conn.execute(select(change_seq.c.value)).scalar_one())

    def paper(self, ident: str) -> Paper | None:
        """A paper by arXiv id (any version suffix is ignored) or by local id."""
        with self._read() as conn:
            found = self._papers(conn, _by_ident(ident))
        return found[0] if found else None

    def papers_changed_since(
        self, seq: int, after_pk: int | None = None, limit: int = 1000
    ) -> list[Paper]:
        """Papers written after change ``seq``, in (seq, pk) order (what an indexer catches up on).

        One import batch writes many papers under one sequence number, so a page may end inside
        it: pass the last page's (seq, pk) to continue after that paper.
        """
        condition = papers.c.seq > seq
        if after_pk is not None:
            condition = or_(condition, and_(papers.c.seq == seq, papers.c.pk > after_pk))
        with self._read() as conn:
            return self._papers(conn, condition, order=(papers.c.seq, papers.c.pk), limit=limit)

    def texts_changed_since(
        self, model: str, seq: int, after_pk: int | None = None, limit: int = 1000
    ) -> list[tuple[int, int, str, str | None, str | None, bytes | None]]:
        """(pk, seq, title, abstract, stored hash, stored vector) of papers written after change
        ``seq``, ordered as ``papers_changed_since``: what an embedder needs, in one query."""
        condition = papers.c.seq > seq
        if after_pk is not None:
            condition = or_(condition, and_(papers.c.seq == seq, papers.c.pk > after_pk))
        stored = and_(embeddings.c.paper_pk == papers.c.pk, embeddings.c.model == model)
        query = (
            select(
                papers.c.pk,
                papers.c.seq,
                papers.c.title,
                papers.c.abstract,
                embeddings.c.content_hash,
                embeddings.c.vector,
            )
            .select_from(papers.outerjoin(embeddings, stored))
            .where(condition)
            .order_by(papers.c.seq, papers.c.pk)
            .limit(limit)
        )
        with self._read() as conn:
            return [
                (row.pk, row.seq, row.title, row.abstract, row.content_hash, row.vector)
                for row in conn.execute(query)
            ]

    def papers_by_pk(self, pks: Sequence[int]) -> dict[int, Paper]:
        """The papers of keys ``pks`` that exist, by key."""
        found: dict[int, Paper] = {}
        with self._read() as conn:
            for chunk in chunks(pks):
                for paper in self._papers(conn, papers.c.pk.in_(chunk)):
                    found[paper.pk] = paper
        return found

    def papers_by_id(self, ids: Sequence[str]) -> dict[str, Paper]:
        """The papers of ``ids`` (arXiv or local ids) that exist, by id."""
        arxiv = [i for i in ids if not i.startswith(LOCAL_PREFIX)]
        local = [i for i in ids if i.startswith(LOCAL_PREFIX)]
        found: dict[str, Paper] = {}
        with self._read() as conn:
            for column, wanted in ((papers.c.arxiv_id, arxiv), (papers.c.local_id, local)):
                for chunk in chunks(wanted):
                    for paper in self._papers(conn, column.in_(chunk)):
                        found[paper.id] = paper
        return found

    def latest_listing_day(self, on_or_before: date | None = None) -> date | None:
        """The newest day that has a listing (not after ``on_or_before`` when given)."""
        query = select(func.max(listings.c.day))
        if on_or_before is not None:
            query = query.where(listings.c.day <= on_or_before)
        with self._read() as conn:
            day: date | None = conn.execute(query).scalar_one()
        return day

    def listing_neighbours(self, day: date) -> tuple[date | None, date | None]:
        """The nearest days before and after ``day`` that have a listing."""
        with self._read() as conn:
            before = conn.execute(
                select(func.max(listings.c.day)).where(listings.c.day < day)
            ).scalar_one()
            after = conn.execute(
                select(func.min(listings.c.day)).where(listings.c.day > day)
            ).scalar_one()
        return before, after

    def listed_between(self, first: date, last: date, submitter: str | None = None) -> list[Paper]:
        """Papers listed on any day from ``first`` to ``last`` (by ``submitter``, if given)."""
        condition = and_(listings.c.day >= first, listings.c.day <= last)
        if submitter is not None:
            condition = and_(condition, func.lower(listings.c.submitter) == submitter.lower())
        with self._read() as conn:
            pks = list(
                dict.fromkeys(conn.execute(select(listings.c.paper_pk).where(condition)).scalars())
            )
            found: list[Paper] = []
            for chunk in chunks(pks):
                found += self._papers(conn, papers.c.pk.in_(chunk))
        return found

    def listed_pks_between(self, first: date, last: date) -> list[int]:
        """Keys of the papers listed on any day from ``first`` to ``last``."""
        query = select(listings.c.paper_pk).where(listings.c.day >= first, listings.c.day <= last)
        with self._read() as conn:
            return list(dict.fromkeys(conn.execute(query).scalars()))

    def count_changed_since(self, seq: int) -> int:
        """How many papers were written after change ``seq``."""
        query = select(func.count()).select_from(papers).where(papers.c.seq > seq)
        with self._read() as conn:
            return int(conn.execute(query).scalar_one())

    def max_pk(self) -> int:
        with self._read() as conn:
            return int(conn.execute(select(func.max(papers.c.pk))).scalar_one() or 0)

    def listing(self, day: date) -> list[Paper]:
        """The papers listed on ``day``, in rank order."""
        with self._read() as conn:
            pks = conn.execute(
                select(listings.c.paper_pk)
                .where(listings.c.day == day)
                .order_by(listings.c.rank.is_(None), listings.c.rank)
            ).scalars()
            order = {pk: i for i, pk in enumerate(pks)}
            found = self._papers(conn, papers.c.pk.in_(order)) if order else []
        return sorted(found, key=lambda paper: order[paper.pk])

    def stats(self) -> dict[str, Any]:
        with self._read() as conn:
            with_arxiv = conn.execute(
                select(func.count()).select_from(papers).where(papers.c.arxiv_id.is_not(None))
            ).scalar_one()
            days = conn.execute(
                select(
                    func.count(func.distinct(listings.c.day)),
                    func.min(listings.c.day),
                    func.max(listings.c.day),
                )
            ).one()
            newest = conn.execute(select(func.max(papers.c.published))).scalar_one()
            return {
                "papers": count_papers(conn),
                "with_arxiv_id": int(with_arxiv),
                "listing_days": int(days[0]),
                "first_listing": days[1].isoformat() if days[1] else None,
                "last_listing": days[2].isoformat() if days[2] else None,
                "newest_published": newest.isoformat() if newest else None,
                "upvotes": int(
                    conn.execute(select(func.count()).select_from(upvotes)).scalar_one()
                ),
                "comments": int(
                    conn.execute(select(func.count()).select_from(comments)).scalar_one()
                ),
                "change_seq": int(conn.execute(select(change_seq.c.value)).scalar_one()),
                "database": self.dialect,
            }

    def _papers(
        self,
        conn: Connection,
        condition: Any,
        order: Sequence[Any] | None = None,
        limit: int | None = None,
    ) -> list[Paper]:
        votes = select(func.count()).where(upvotes.c.paper_pk == papers.c.pk).scalar_subquery()
        notes = select(func.count()).where(comments.c.paper_pk == papers.c.pk).scalar_subquery()
        query = select(papers, votes.label("n_votes"), notes.label("n_comments")).where(condition)
        if order is not None:
            query = query.order_by(*order)
        if limit is not None:
            query = query.limit(limit)
        rows = conn.execute(query).all()
        by_pk: dict[int, list[Listing]] = {row.pk: [] for row in rows}
        for chunk in chunks([row.pk for row in rows]):
            for listing in conn.execute(
                select(listings).where(listings.c.paper_pk.in_(chunk)).order_by(listings.c.day)
            ):
                by_pk[listing.paper_pk].append(
                    Listing(listing.day, listing.rank, listing.submitter)
                )
        return [_paper(row, tuple(by_pk[row.pk])) for row in rows]


def _by_ident(ident: str) -> Any:
    """The condition on ``papers`` naming a paper by arXiv id (any version) or local id."""
    ident = ident.strip()
    if is_arxiv_id(ident):
        return papers.c.arxiv_id == split_version(ident)[0]
    return papers.c.local_id == ident


def _paper(row: Any, paper_listings: tuple[Listing, ...]) -> Paper:
    versions = (
        tuple(
            Version(v["version"], datetime.fromisoformat(v["created"]) if v["created"] else None)
            for v in row.versions
        )
        if row.versions
        else None
    )
    return Paper(
        id=row.arxiv_id or row.local_id,
        pk=row.pk,
        title=row.title,
        arxiv_id=row.arxiv_id,
        version=row.version,
        abstract=row.abstract,
        authors=tuple(row.authors) if row.authors is not None else None,
        author_count=row.author_count,
        categories=tuple(row.categories) if row.categories else None,
        published=row.published,
        updated=row.updated,
        versions=versions,
        comments=row.comments,
        journal_ref=row.journal_ref,
        doi=row.doi,
        license=row.license,
        pdf_url=row.pdf_url,
        github_repo=row.github_repo,
        project_page=row.project_page,
        withdrawn=bool(row.withdrawn),
        source_upvotes=row.source_upvotes,
        upvotes=int(row.n_votes),
        num_comments=int(row.n_comments),
        seq=int(row.seq),
        listings=paper_listings,
    )
