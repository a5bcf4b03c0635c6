"""Sending the outbox: SMTP connections at work side by side, each with one message in flight,
and what becomes of each message (sent, tried again later, given up on, its address paused).

Where the due messages come from is the caller's: ``take`` claims one at a time and hands back
what records its fate (on PostgreSQL a row locked until its mark commits; on SQLite a share of a
page one process reads). A message is marked the moment its server answers, so a crash repeats
at most the messages in flight, each with the Message-ID it had.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import datetime
from typing import Protocol

from dailypapers.mail.smtp import retry_at
from dailypapers.models import Delivery, OutboxItem

log = logging.getLogger(__name__)

_COUNTED = {"sent": "sent", "retry": "retried", "failed": "failed"}


class Marks(Protocol):
    """Where a message's fate is recorded."""

    def mark(self, item: OutboxItem, result: Delivery, now: datetime) -> int:
        """Record ``result``; the subscription's hard bounces in a row after it."""
        ...

    def pause(self, subscription_id: int, note: str) -> None:
        """Stop sending to an active subscription, saying why."""
        ...


Take = Callable[[], AbstractContextManager[tuple[OutboxItem, Marks] | None]]
Deliver = Callable[[OutboxItem], Delivery]


class _Run:
    """What the senders of one run share: how many messages went, and whether to stop."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.counts = {"sent": 0, "retried": 0, "failed": 0}
        self.done = 0
        self.stop = False
        self.guard = threading.Lock()

    def going_on(self) -> bool:
        with self.guard:
            return not self.stop and (self.limit is None or self.done < self.limit)

    def count(self, result: Delivery) -> None:
        with self.guard:
            self.done += 1
            self.stop = self.stop or result.stop
            if result.outcome in _COUNTED:
                self.counts[_COUNTED[result.outcome]] += 1

    def halt(self) -> None:
        with self.guard:
            self.stop = True


def send_due(
    take: Take,
    delivers: Sequence[Deliver],
    now: Callable[[], datetime],
    bounce_limit: int,
    limit: int | None = None,
) -> dict[str, int]:
    """Hand each due message to one of ``delivers`` (each an SMTP connection, in a thread of its
    own), up to ``limit`` messages, and record what became of it: {"sent", "retried", "failed"}.
    The first error a sender meets is raised once all have stopped."""
    run = _Run(limit)

    def sender(deliver: Deliver) -> None:
        try:
            while run.going_on():
                with take() as taken:
                    if taken is None:
                        return
                    item, marks = taken
                    result = attempt(item, deliver, now())
                    bounces = marks.mark(item, result, now())
                    # A message about an account has no subscription to pause.
                    subscription = item.subscription_id
                    if result.bounce and subscription is not None and bounces >= bounce_limit:
                        note = f"paused after {bounces} hard bounces in a row: {result.reason}"
                        marks.pause(subscription, note)
                run.count(result)
        except BaseException:
            run.halt()
            raise

    with ThreadPoolExecutor(len(delivers), thread_name_prefix="outbox-sender") as pool:
        futures = [pool.submit(sender, deliver) for deliver in delivers]
    for future in futures:
        future.result()
    return run.counts


def attempt(item: OutboxItem, deliver: Deliver, now: datetime) -> Delivery:
    """Send ``item`` through ``deliver`` unless its reader left meanwhile (a message waits, for a
    retry or a busy sender, and what its reader no longer wants is not sent); a temporary
    failure is tried again later, up to a point."""
    if item.subscription_status != item.wanted_status:
        return Delivery("cancelled", f"not sent: the subscription is {item.subscription_status}")
    result = deliver(item)
    if result.outcome == "retry":
        tries = item.attempts + 1
        at = retry_at(tries, now)
        if at is None:
            reason = f"gave up after {tries} tries: {result.reason}"
            result = Delivery("failed", reason, stop=result.stop)
        else:
            result = replace(result, retry_at=at)
    if result.outcome != "sent":
        log.warning("message %s to %s: %s", item.id, item.recipient, result.reason)
    return result
