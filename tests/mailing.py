"""Helpers for the digest tests: a hub over the demo papers that mails a loopback SMTP server,
and subscribers made the way readers make them (or in bulk, straight in the store)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from dailypapers.config import load_settings
from dailypapers.hub import Hub
from dailypapers.models import Subscription
from smtp_sink import Mailbox


def mail_hub(directory: Path, smtp_url: str, database_url: str = "", **settings: Any) -> Hub:
    flags: dict[str, Any] = {
        "data_dir": directory,
        "database_url": database_url,
        "smtp_url": smtp_url,
        "base_url": "https://papers.example.org",
        "mail_from": "Daily Papers <digest@papers.example.org>",
        "limit_subscribe": 100_000,
        "limit_confirmations": 100_000,
        **settings,
    }
    hub, _ = Hub.init(load_settings(flags, {}))
    hub.load_demo()
    hub.index(semantic=False)
    return hub


def token_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


def subscribe_confirmed(hub: Hub, mailbox: Mailbox, email: str, **options: Any) -> Subscription:
    """Subscribe as a reader does: ask, receive the confirmation, follow its link."""
    hub.subscribe(email, **options)
    hub.send_due()
    confirmation = mailbox.to(email)[-1]
    assert confirmation.message["Subject"] == "Confirm your Daily Papers digest"
    return hub.confirm(token_of(confirmation.link("/subscriptions/confirm")))


def add_subscribers(hub: Hub, count: int, frequency: str = "daily", prefix: str = "r") -> None:
    """``count`` confirmed subscribers, written straight to the store (no confirmations)."""
    now = datetime.now(UTC)
    for number in range(count):
        with hub.store.transaction() as tx:
            subscription, _ = tx.outbox.request_subscription(
                f"{prefix}{number}@example.org", None, frequency, [], "UTC", now
            )
            tx.outbox.set_subscription_status(subscription.id, "active", now)
