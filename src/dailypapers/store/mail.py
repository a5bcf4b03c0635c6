"""Mail in SQL: subscriptions, the outbox and its claiming protocol, papers sent, job leases.

The outbox holds one row per (subscription, period) under a unique key, so composing twice never
queues a second copy. Sending claims one due row at a time: on PostgreSQL in a transaction that
holds the row (``FOR UPDATE SKIP LOCKED``: senders in parallel take different rows, and a killed
sender's row is free the moment its connection drops); on SQLite under a file lock that one
sending process of the machine holds at a time, which shares out the due rows among its SMTP
connections. A row is marked in the same breath as the SMTP reply, so a crash can repeat at
most the messages in flight (one per connection), with the same Message-ID.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, or_, select, update

from dailypapers.models import Delivery, OutboxItem, Subscription
from dailypapers.store.rows import chunks, insert_ignore
from dailypapers.store.tables import digest_papers, job_runs, outbox, subscriptions

ACTIVE = "active"
_COUNTED = {"sent": "sent", "retry": "retried", "failed": "failed"}
# Due messages a SQLite sender reads at a time.
SQLITE_PAGE = 50


def _subscription(row: Any) -> Subscription:
    return Subscription(
        id=row.id,
        email=row.email,
        user_id=row.user_id,
        frequency=row.frequency,
        topics=tuple(row.topics or ()),
        timezone=row.timezone,
        status=row.status,
        created_at=row.created_at,
        confirmed_at=row.confirmed_at,
        bounces=row.bounces,
        note=row.note,
    )


# -- subscriptions -------------------------------------------------------------------------------


def subscription(conn: Connection, subscription_id: int) -> Subscription | None:
    row = conn.execute(select(subscriptions).where(subscriptions.c.id == subscription_id)).first()
    return _subscription(row) if row else None


def subscription_by_email(conn: Connection, email: str) -> Subscription | None:
    row = conn.execute(
        select(subscriptions).where(subscriptions.c.email_key == email.strip().lower())
    ).first()
    return _subscription(row) if row else None


def subscription_of_user(conn: Connection, user_id: int) -> Subscription | None:
    row = conn.execute(
        select(subscriptions)
        .where(subscriptions.c.user_id == user_id)
        .order_by(subscriptions.c.id.desc())
    ).first()
    return _subscription(row) if row else None


def request_subscription(
    conn: Connection,
    email: str,
    user_id: int | None,
    frequency: str,
    topics: Sequence[str],
    timezone: str,
    now: datetime,
) -> tuple[Subscription, bool]:
    """Ask for digests at ``email``; (the subscription, whether it waits for confirmation).

    An active subscription is left as it is: whoever types an address into a form must not
    change what its owner receives (its owner changes it from a link in a digest, or signed in).
    """
    key = email.strip().lower()
    row = conn.execute(select(subscriptions).where(subscriptions.c.email_key == key)).first()
    values = {"frequency": frequency, "topics": list(topics), "timezone": timezone}
    if row is None:
        statement = (
            insert_ignore(conn, subscriptions)
            .values(
                email=email.strip(),
                email_key=key,
                user_id=user_id,
                status="pending",
                created_at=now,
                **values,
            )
            .returning(subscriptions.c.id)
        )
        new_id = conn.execute(statement).scalar()
        if new_id is None:  # a concurrent request for the same address got there first
            return request_subscription(conn, email, user_id, frequency, topics, timezone, now)
        return subscription(conn, int(new_id)), True  # type: ignore[return-value]
    if row.status == ACTIVE:
        return _subscription(row), False
    conn.execute(
        update(subscriptions)
        .where(subscriptions.c.id == row.id)
        .values(status="pending", user_id=user_id or row.user_id, ended_at=None, **values)
    )
    return subscription(conn, row.id), True  # type: ignore[return-value]


def update_subscription(
    conn: Connection,
    subscription_id: int,
    frequency: str | None = None,
    topics: Sequence[str] | None = None,
    timezone: str | None = None,
) -> None:
    values: dict[str, Any] = {}
    if frequency is not None:
        values["frequency"] = frequency
    if topics is not None:
        values["topics"] = list(topics)
    if timezone is not None:
        values["timezone"] = timezone
    if values:
        conn.execute(
            update(subscriptions).where(subscriptions.c.id == subscription_id).values(**values)
        )


def set_subscription_status(
    conn: Connection, subscription_id: int, status: str, now: datetime
) -> Subscription | None:
    """Confirm (``active``) or end (``unsubscribed``) a subscription; None when it is gone."""
    values: dict[str, Any] = {"status": status}
    if status == ACTIVE:
        values.update(confirmed_at=now, ended_at=None, bounces=0, note=None)
    else:
        values["ended_at"] = now
    conn.execute(update(subscriptions).where(subscriptions.c.id == subscription_id).values(values))
    return subscription(conn, subscription_id)


def active_subscriptions(
    conn: Connection,
    frequency: str,
    timezone: str | None = None,
    after_id: int = 0,
    limit: int = 500,
) -> list[Subscription]:
    """A page of active subscriptions of ``frequency`` (in ``timezone``, if given), by id."""
    condition = and_(
        subscriptions.c.status == ACTIVE,
        subscriptions.c.frequency == frequency,
        subscriptions.c.id > after_id,
    )
    if timezone is not None:
        condition = and_(condition, subscriptions.c.timezone == timezone)
    rows = conn.execute(
        select(subscriptions).where(condition).order_by(subscriptions.c.id).limit(limit)
    )
    return [_subscription(row) for row in rows]


def all_subscriptions(conn: Connection) -> list[Subscription]:
    rows = conn.execute(select(subscriptions).order_by(subscriptions.c.id))
    return [_subscription(row) for row in rows]


def active_timezones(conn: Connection) -> list[str]:
    query = select(subscriptions.c.timezone).where(subscriptions.c.status == ACTIVE).distinct()
    return sorted(conn.execute(query).scalars())


def subscription_counts(conn: Connection) -> dict[str, int]:
    query = select(subscriptions.c.status, func.count()).group_by(subscriptions.c.status)
    return {status: int(count) for status, count in conn.execute(query)}


# -- composing -----------------------------------------------------------------------------------


def already_composed(conn: Connection, subscription_ids: Sequence[int], period: str) -> set[int]:
    """Which of the subscriptions already have a message for ``period``."""
    found: set[int] = set()
    for chunk in chunks(subscription_ids):
        found.update(
            conn.execute(
                select(outbox.c.subscription_id).where(
                    outbox.c.period == period, outbox.c.subscription_id.in_(chunk)
                )
            ).scalars()
        )
    return found


def papers_sent(
    conn: Connection, subscription_ids: Sequence[int], paper_pks: Sequence[int]
) -> dict[int, set[int]]:
    """For each subscription, which of ``paper_pks`` it was already sent."""
    sent: dict[int, set[int]] = {sid: set() for sid in subscription_ids}
    if not paper_pks:
        return sent
    for subs in chunks(subscription_ids, 300):
        for pks in chunks(paper_pks, 600):
            rows = conn.execute(
                select(digest_papers.c.subscription_id, digest_papers.c.paper_pk).where(
                    digest_papers.c.subscription_id.in_(subs), digest_papers.c.paper_pk.in_(pks)
                )
            )
            for sid, pk in rows:
                sent[sid].add(pk)
    return sent


def queue(conn: Connection, messages: Sequence[Mapping[str, Any]], now: datetime) -> list[bool]:
    """Add messages to the outbox; each a mapping of the outbox's columns plus ``paper_pks``.

    A message whose (subscription, period) is already there is skipped, and so are its papers:
    what another composer queued first stands. Returns which were added. One statement adds
    them all (a round trip per message was most of composing's time on PostgreSQL).
    """
    if not messages:
        return []
    # One shape for every row (a confirmation has no papers, an empty digest no message).
    rows = [
        {
            "message": None,
            "papers": 0,
            "next_attempt_at": now,
            **{key: value for key, value in m.items() if key != "paper_pks"},
            "created_at": now,
        }
        for m in messages
    ]
    added_ids = {
        (sid, period): new_id
        for new_id, sid, period in conn.execute(
            insert_ignore(conn, outbox).returning(
                outbox.c.id, outbox.c.subscription_id, outbox.c.period
            ),
            rows,
        )
    }
    papers = [
        {"subscription_id": m["subscription_id"], "paper_pk": pk, "outbox_id": new_id}
        for m in messages
        if (new_id := added_ids.get((m["subscription_id"], m["period"]))) is not None
        for pk in m.get("paper_pks", ())
    ]
    if papers:
        conn.execute(insert_ignore(conn, digest_papers), papers)
    return [(m["subscription_id"], m["period"]) in added_ids for m in messages]


# -- sending -------------------------------------------------------------------------------------


def _due(now: datetime) -> Any:
    return and_(outbox.c.status == "queued", outbox.c.next_attempt_at <= now)


def _item(row: Any) -> OutboxItem:
    return OutboxItem(
        row.id,
        row.subscription_id,
        row.period,
        row.recipient,
        row.message_id,
        bytes(row.message),
        row.attempts,
    )


def _apply(
    conn: Connection,
    item: OutboxItem,
    bounces: int,
    result: Delivery,
    now: datetime,
    bounce_limit: int,
) -> None:
    mine = outbox.c.id == item.id
    if result.outcome == "sent":
        conn.execute(
            update(outbox)
            .where(mine)
            .values(
                status="sent", sent_at=now, message=None, error=None, attempts=item.attempts + 1
            )
        )
        if bounces:  # a delivery ends a run of bounces
            conn.execute(
                update(subscriptions)
                .where(subscriptions.c.id == item.subscription_id)
                .values(bounces=0)
            )
        return
    if result.outcome == "cancelled":
        conn.execute(
            update(outbox).where(mine).values(status="cancelled", message=None, error=result.reason)
        )
        return
    if result.outcome == "retry":
        conn.execute(
            update(outbox)
            .where(mine)
            .values(
                attempts=item.attempts + 1,
                next_attempt_at=result.retry_at or now,
                error=result.reason,
            )
        )
        return
    conn.execute(
        update(outbox)
        .where(mine)
        .values(status="failed", error=result.reason, attempts=item.attempts + 1)
    )
    if result.bounce:
        bounces = conn.execute(
            update(subscriptions)
            .where(subscriptions.c.id == item.subscription_id)
            .values(bounces=subscriptions.c.bounces + 1)
            .returning(subscriptions.c.bounces)
        ).scalar_one()
        if bounces >= bounce_limit:
            conn.execute(
                update(subscriptions)
                .where(subscriptions.c.id == item.subscription_id, subscriptions.c.status == ACTIVE)
                .values(
                    status="paused",
                    note=f"paused after {bounces} hard bounces in a row: {result.reason}",
                )
            )


def deliver_due(
    engine: Engine,
    delivers: Sequence[Callable[[OutboxItem], Delivery]],
    now: Callable[[], datetime],
    bounce_limit: int,
    limit: int | None = None,
    on_postgres: bool = False,
) -> dict[str, int]:
    """Hand each due message to one of ``delivers`` (each an SMTP connection, in a thread of its
    own) and record what it says; each has one message in flight at a time."""
    counts = {"sent": 0, "retried": 0, "failed": 0}
    state = {"done": 0, "stop": False}
    guard = threading.Lock()
    in_flight: set[int] = set()  # SQLite: rows handed to a sender, not marked yet
    page: list[Any] = []

    def query() -> Any:
        return (
            select(
                outbox,
                subscriptions.c.bounces.label("subscription_bounces"),
                subscriptions.c.status.label("subscription_status"),
            )
            .join(subscriptions, subscriptions.c.id == outbox.c.subscription_id)
            .where(_due(now()))
            .order_by(outbox.c.id)
        )

    def going_on() -> bool:
        with guard:
            return not state["stop"] and (limit is None or state["done"] < limit)

    def record(conn: Connection, row: Any, item: OutboxItem, result: Delivery) -> None:
        _apply(conn, item, row.subscription_bounces, result, now(), bounce_limit)
        with guard:
            state["done"] += 1
            state["stop"] = state["stop"] or result.stop
            if result.outcome in _COUNTED:
                counts[_COUNTED[result.outcome]] += 1
            in_flight.discard(item.id)

    def hand_over(
        deliver: Callable[[OutboxItem], Delivery], row: Any, item: OutboxItem
    ) -> Delivery:
        # A message waits (a retry, a busy sender) while its reader may leave: what they no
        # longer want is not sent.
        wanted = "pending" if item.period.startswith("confirm:") else ACTIVE
        if row.subscription_status != wanted:
            return Delivery("cancelled", f"not sent: the subscription is {row.subscription_status}")
        return deliver(item)

    def next_sqlite_row() -> Any:
        # This process holds the machine's sender lock, so no one else takes these rows: a page
        # is read at once and shared out, leaving out the rows still in flight.
        with guard:
            if not page:
                with engine.connect() as conn:
                    taken = list(in_flight)
                    rows = conn.execute(
                        query().where(outbox.c.id.not_in(taken)).limit(SQLITE_PAGE)
                    ).all()
                    conn.rollback()
                page.extend(rows)
            if not page:
                return None
            row = page.pop(0)
            in_flight.add(row.id)
            return row

    def sender(deliver: Callable[[OutboxItem], Delivery]) -> None:
        while going_on():
            if on_postgres:
                # The row stays locked (others skip it) until its mark commits with it.
                locked = query().limit(1).with_for_update(skip_locked=True, of=outbox)
                with engine.connect() as conn, conn.begin():
                    row = conn.execute(locked).first()
                    if row is None:
                        return
                    item = _item(row)
                    record(conn, row, item, hand_over(deliver, row, item))
                continue
            row = next_sqlite_row()
            if row is None:
                return
            item = _item(row)
            result = hand_over(deliver, row, item)
            # Marked the moment the server took it: a crash repeats at most what is in flight.
            with engine.connect().execution_options(immediate=True) as conn, conn.begin():
                record(conn, row, item, result)

    failures: list[BaseException] = []

    def run(deliver: Callable[[OutboxItem], Delivery]) -> None:
        try:
            sender(deliver)
        except BaseException as exc:  # raised again in the caller's thread
            with guard:
                state["stop"] = True
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(d,), name="outbox-sender") for d in delivers]
    for thread in threads[1:]:
        thread.start()
    run(delivers[0])  # the first sender works in the caller's thread
    for thread in threads[1:]:
        thread.join()
    if failures:
        raise failures[0]
    return counts


def outbox_counts(conn: Connection, period: str | None = None) -> dict[str, int]:
    query = select(outbox.c.status, func.count()).group_by(outbox.c.status)
    if period is not None:
        query = query.where(outbox.c.period == period)
    return {status: int(count) for status, count in conn.execute(query)}


# -- scheduled jobs ------------------------------------------------------------------------------


def last_fire(conn: Connection, name: str) -> datetime | None:
    value: datetime | None = conn.execute(
        select(job_runs.c.last_fire).where(job_runs.c.name == name)
    ).scalar()
    return value


def take_job(
    conn: Connection, name: str, fire: datetime, holder: str, lease_until: datetime, now: datetime
) -> bool:
    """Become the one runner of job ``name`` for its fire time ``fire``: True when it is due
    (not yet run for ``fire``) and no other worker holds a live lease on it."""
    conn.execute(insert_ignore(conn, job_runs).values(name=name))
    taken = conn.execute(
        update(job_runs)
        .where(
            job_runs.c.name == name,
            or_(job_runs.c.last_fire.is_(None), job_runs.c.last_fire < fire),
            or_(job_runs.c.lease_until.is_(None), job_runs.c.lease_until < now),
        )
        .values(holder=holder, lease_until=lease_until, started_at=now)
    ).rowcount
    return bool(taken)


def renew_job(conn: Connection, name: str, holder: str, lease_until: datetime) -> bool:
    """Extend ``holder``'s lease on job ``name``; False when it is no longer theirs."""
    renewed = conn.execute(
        update(job_runs)
        .where(job_runs.c.name == name, job_runs.c.holder == holder)
        .values(lease_until=lease_until)
    ).rowcount
    return bool(renewed)


def finish_job(
    conn: Connection,
    name: str,
    holder: str,
    fire: datetime | None,
    outcome: str,
    now: datetime,
    hold_until: datetime | None = None,
) -> None:
    """Let go of job ``name``; a ``fire`` marks that fire time handled (None: it runs again,
    not before ``hold_until``)."""
    values: dict[str, Any] = {
        "holder": None,
        "lease_until": hold_until,
        "finished_at": now,
        "outcome": outcome,
    }
    if fire is not None:
        values["last_fire"] = fire
    conn.execute(
        update(job_runs).where(job_runs.c.name == name, job_runs.c.holder == holder).values(values)
    )


def job_states(conn: Connection) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in conn.execute(select(job_runs).order_by(job_runs.c.name))]
