"""The hub's notifications: a member is told when someone answers their comment, names them with
``@name``, or comments on a paper they wrote (verified) or submitted; in the site's list with
an unread count, and by mail as they choose (a message each at once, in their daily digest, or
never).

A comment's notifications are made in the transaction that posts it (or, for a held comment,
that lets it through), so none is lost or made twice; the messages of those who want them at
once go to the outbox right after.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from dailypapers import accounts
from dailypapers.errors import InvalidInput
from dailypapers.hub.base import HubBase
from dailypapers.models import NOTIFY_EMAIL, Notification, User
from dailypapers.store import Transaction


class Notifying(HubBase):
    """The part of the hub that tells members what concerns them."""

    if TYPE_CHECKING:  # from the mailing and membership parts

        @property
        def mail_enabled(self) -> bool: ...

        def _mail_account(
            self, user: User, kind: str, url: str, detail: str = "", until: str = ""
        ) -> None: ...

    def _notify(self, tx: Transaction, comment_id: int, text: str, now: datetime) -> list[int]:
        """Within the transaction that shows comment ``comment_id`` to everyone: tell the
        members it concerns; the notifications made."""
        told = tx.notifications.recipients(comment_id, accounts.mentioned(text))
        return tx.notifications.add(comment_id, told, now) if told else []

    def _mail_at_once(self, made: Sequence[int]) -> None:
        """Queue a message for each of the notifications ``made`` whose member wants them at
        once (on a site that mails); the web sends them, the worker retries what fails."""
        if not made or not self.mail_enabled:
            return
        now = datetime.now(UTC)
        base = self.settings.base_url.rstrip("/")
        with self.store.read() as tx:
            shown = {}
            for notification_id in made:
                owner = tx.notifications.owner(notification_id)
                if owner is not None and owner.notify_email == "instant" and owner.verified:
                    for item in tx.notifications.of(owner.id, 1, [notification_id]):
                        shown[notification_id] = (owner, item)
        for owner, item in shown.values():
            url = f"{base}/papers/{item.paper_id}#comment-{item.comment_id}"
            detail = f"{item.actor} on “{item.paper_title}”: {item.excerpt}"
            self._mail_account(owner, f"notify_{item.kind}", url, detail)
        if shown:
            with self.store.transaction() as tx:
                tx.notifications.mark_mailed(list(shown), now)

    def notifications(self, user: User, limit: int = 50) -> list[Notification]:
        """``user``'s notifications, the newest first. Raises nothing."""
        with self.store.read() as tx:
            return tx.notifications.of(user.id, limit)

    def unread_notifications(self, user: User) -> int:
        """How many of ``user``'s notifications are unread. Raises nothing."""
        with self.store.read() as tx:
            return tx.notifications.unread(user.id)

    def mark_notifications_read(self, user: User, ids: Sequence[int] | None = None) -> int:
        """Mark ``user``'s notifications ``ids`` (None: all) read; how many were unread.
        Raises nothing."""
        with self.store.transaction() as tx:
            return tx.notifications.mark_read(user.id, ids, datetime.now(UTC))

    def set_notify_email(self, user: User, mode: str) -> User:
        """How ``user`` hears of notifications by mail: ``instant``, ``digest`` (in their
        daily digest) or ``never``; the member as they are now. InvalidInput for another."""
        if mode not in NOTIFY_EMAIL:
            raise InvalidInput(f"notifications by mail are {', '.join(NOTIFY_EMAIL)}, not {mode!r}")
        with self.store.transaction() as tx:
            tx.accounts.set_notify_email(user.id, mode)
        return replace(user, notify_email=mode)
