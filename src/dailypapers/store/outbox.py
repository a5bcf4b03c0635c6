"""Mail in SQL: subscriptions, the outbox (queueing, claiming and marking messages), and which
papers each subscriber was sent.

The outbox holds one row per (subscription, period) under a unique key, so composing twice never
queues a second copy. What decides whether and when a message is sent lives in
``mail/sending.py``; this records it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, select, update

from dailypapers.models import Delivery, OutboxItem, Subscription
from dailypapers.store.rows import chunks, from_row, insert_ignore
from dailypapers.store.tables import digest_papers, outbox, subscriptions

ACTIVE = "active"


def _subscription(row: Any) -> Subscription:
    return from_row(Subscription, row, topics=tuple(row.topics or ()))


def _item(row: Any) -> OutboxItem:
    # A message about an account has no subscription whose state could stop it.
    status = row.subscription_status if row.subscription_id is not None else None
    return from_row(
        OutboxItem,
        row,
        message=bytes(row.message),
        subscription_status=status,
        bounces=row.bounces or 0,
    )


class Outbox:
    """Subscriptions, the outbox and what each subscriber was sent, over one transaction's
    connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # -- subscriptions ------------------------------------------------------------------------

    def subscription(self, subscription_id: int) -> Subscription | None:
        row = self.conn.execute(
            select(subscriptions).where(subscriptions.c.id == subscription_id)
        ).first()
        return _subscription(row) if row else None

    def subscription_by_email(self, email: str) -> Subscription | None:
        row = self.conn.execute(
            select(subscriptions).where(subscriptions.c.email_key == email.strip().lower())
        ).first()
        return _subscription(row) if row else None

    def subscription_of_user(self, user_id: int) -> Subscription | None:
        row = self.conn.execute(
            select(subscriptions)
            .where(subscriptions.c.user_id == user_id)
            .order_by(subscriptions.c.id.desc())
        ).first()
        return _subscription(row) if row else None

    def request_subscription(
        self,
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
        row = self.conn.execute(
            select(subscriptions).where(subscriptions.c.email_key == key)
        ).first()
        values = {"frequency": frequency, "topics": list(topics), "timezone": timezone}
        if row is None:
            statement = (
                insert_ignore(self.conn, subscriptions)
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
            new_id = self.conn.execute(statement).scalar()
            if new_id is None:  # a concurrent request for the same address got there first
                return self.request_subscription(email, user_id, frequency, topics, timezone, now)
            return self.subscription(int(new_id)), True  # type: ignore[return-value]
        if row.status == ACTIVE:
            return _subscription(row), False
        self.conn.execute(
            update(subscriptions)
            .where(subscriptions.c.id == row.id)
            .values(status="pending", user_id=user_id or row.user_id, ended_at=None, **values)
        )
        return self.subscription(row.id), True  # type: ignore[return-value]

    def update_subscription(
        self,
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
            self.conn.execute(
                update(subscriptions).where(subscriptions.c.id == subscription_id).values(**values)
            )

    def set_subscription_status(
        self, subscription_id: int, status: str, now: datetime
    ) -> Subscription | None:
        """Confirm (``active``) or end (``unsubscribed``) a subscription; None when it is gone."""
        values: dict[str, Any] = {"status": status}
        if status == ACTIVE:
            values.update(confirmed_at=now, ended_at=None, bounces=0, note=None)
        else:
            values["ended_at"] = now
        self.conn.execute(
            update(subscriptions).where(subscriptions.c.id == subscription_id).values(values)
        )
        return self.subscription(subscription_id)

    def active_subscriptions(
        self,
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
        rows = self.conn.execute(
            select(subscriptions).where(condition).order_by(subscriptions.c.id).limit(limit)
        )
        return [_subscription(row) for row in rows]

    def all_subscriptions(self) -> list[Subscription]:
        rows = self.conn.execute(select(subscriptions).order_by(subscriptions.c.id))
        return [_subscription(row) for row in rows]

    def active_timezones(self) -> list[str]:
        query = select(subscriptions.c.timezone).where(subscriptions.c.status == ACTIVE).distinct()
        return sorted(self.conn.execute(query).scalars())

    def subscription_counts(self) -> dict[str, int]:
        query = select(subscriptions.c.status, func.count()).group_by(subscriptions.c.status)
        return {status: int(count) for status, count in self.conn.execute(query)}

    # -- composing ----------------------------------------------------------------------------

    def already_composed(self, subscription_ids: Sequence[int], period: str) -> set[int]:
        """Which of the subscriptions already have a message for ``period``."""
        found: set[int] = set()
        for chunk in chunks(subscription_ids):
            found.update(
                self.conn.execute(
                    select(outbox.c.subscription_id).where(
                        outbox.c.period == period, outbox.c.subscription_id.in_(chunk)
                    )
                ).scalars()
            )
        return found

    def papers_sent(
        self, subscription_ids: Sequence[int], paper_pks: Sequence[int]
    ) -> dict[int, set[int]]:
        """For each subscription, which of ``paper_pks`` it was already sent."""
        sent: dict[int, set[int]] = {sid: set() for sid in subscription_ids}
        if not paper_pks:
            return sent
        for subs in chunks(subscription_ids, 300):
            for pks in chunks(paper_pks, 600):
                rows = self.conn.execute(
                    select(digest_papers.c.subscription_id, digest_papers.c.paper_pk).where(
                        digest_papers.c.subscription_id.in_(subs), digest_papers.c.paper_pk.in_(pks)
                    )
                )
                for sid, pk in rows:
                    sent[sid].add(pk)
        return sent

    def queue(self, messages: Sequence[Mapping[str, Any]], now: datetime) -> list[bool]:
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
            for new_id, sid, period in self.conn.execute(
                insert_ignore(self.conn, outbox).returning(
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
            self.conn.execute(insert_ignore(self.conn, digest_papers), papers)
        return [(m["subscription_id"], m["period"]) in added_ids for m in messages]

    # -- sending ------------------------------------------------------------------------------

    def due(
        self, now: datetime, limit: int, leaving_out: Sequence[int] = (), lock: bool = False
    ) -> list[OutboxItem]:
        """Up to ``limit`` messages due at ``now``, oldest first, but for those ``leaving_out``.

        With ``lock`` (PostgreSQL), the rows stay locked until this transaction ends, and rows
        another transaction locked are passed over: senders in parallel take different rows, and
        a killed sender's row is free the moment its connection drops.
        """
        query = (
            select(
                outbox,
                subscriptions.c.bounces.label("bounces"),
                subscriptions.c.status.label("subscription_status"),
            )
            .outerjoin(subscriptions, subscriptions.c.id == outbox.c.subscription_id)
            .where(outbox.c.status == "queued", outbox.c.next_attempt_at <= now)
            .order_by(outbox.c.id)
            .limit(limit)
        )
        if leaving_out:
            query = query.where(outbox.c.id.not_in(list(leaving_out)))
        if lock:
            query = query.with_for_update(skip_locked=True, of=outbox)
        return [_item(row) for row in self.conn.execute(query)]

    def mark(self, item: OutboxItem, result: Delivery, now: datetime) -> int:
        """Record what happened to ``item``; the subscription's hard bounces in a row after it
        (a delivery ends a run of them, a bounce adds one)."""
        mine = outbox.c.id == item.id
        tried = item.attempts + 1
        values: dict[str, Any]
        if result.outcome == "sent":
            values = {"status": "sent", "sent_at": now, "message": None, "error": None}
        elif result.outcome == "cancelled":
            values = {"status": "cancelled", "message": None, "error": result.reason}
            tried = item.attempts
        elif result.outcome == "retry":
            values = {"next_attempt_at": result.retry_at or now, "error": result.reason}
        else:
            values = {"status": "failed", "error": result.reason}
        self.conn.execute(update(outbox).where(mine).values(attempts=tried, **values))
        of_item = subscriptions.c.id == item.subscription_id
        if result.outcome == "sent" and item.bounces:
            self.conn.execute(update(subscriptions).where(of_item).values(bounces=0))
            return 0
        if result.outcome == "failed" and result.bounce:
            return int(
                self.conn.execute(
                    update(subscriptions)
                    .where(of_item)
                    .values(bounces=subscriptions.c.bounces + 1)
                    .returning(subscriptions.c.bounces)
                ).scalar_one()
            )
        return 0 if result.outcome == "sent" else item.bounces

    def pause(self, subscription_id: int, note: str) -> None:
        """Stop sending to an active subscription (its address bounces), saying why."""
        self.conn.execute(
            update(subscriptions)
            .where(subscriptions.c.id == subscription_id, subscriptions.c.status == ACTIVE)
            .values(status="paused", note=note)
        )

    def retrying(self) -> int:
        """Queued messages that failed at least once and wait for another attempt."""
        query = select(func.count()).where(outbox.c.status == "queued", outbox.c.attempts > 0)
        return int(self.conn.execute(query).scalar_one())

    def counts(self, period: str | None = None) -> dict[str, int]:
        """How many messages (of ``period``, when given) are in each status."""
        query = select(outbox.c.status, func.count()).group_by(outbox.c.status)
        if period is not None:
            query = query.where(outbox.c.period == period)
        return {status: int(count) for status, count in self.conn.execute(query)}
