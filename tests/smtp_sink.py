"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for the mail tests.

It can be told to answer a recipient with a 4xx or 5xx reply, to check the retry and bounce
paths; the ``mailbox`` fixture gives each test a fresh one.
"""

from __future__ import annotations

import email
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from served import free_port


@dataclass
class Received:
    sender: str
    recipients: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.raw, policy=default_policy)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def text(self) -> str:
        part = self.message.get_body(("plain",))
        assert part is not None, "the message has no text part"
        return str(part.get_content())

    @property
    def html(self) -> str:
        part = self.message.get_body(("html",))
        assert part is not None, "the message has no HTML part"
        return str(part.get_content())

    def link(self, path: str) -> str:
        """The first link in the text part to ``path`` on the site."""
        match = re.search(r"https?://\S+" + re.escape(path) + r"\S*", self.text)
        assert match, f"no link to {path} in:\n{self.text}"
        return match.group(0)


@dataclass
class Mailbox:
    """What the server received, and the replies it is told to give."""

    host: str = "127.0.0.1"
    port: int = 0
    received: list[Received] = field(default_factory=list)
    # recipient -> SMTP reply to their RCPT TO, e.g. "550 5.1.1 no such user"
    refuse: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def to(self, address: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if address in r.recipients]

    def clear(self) -> None:
        with self.lock:
            self.received.clear()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
            )
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server() -> Iterator[Mailbox]:
    """An SMTP server on a free loopback port while the block runs."""
    box = Mailbox(port=free_port())
    controller = Controller(box, hostname=box.host, port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    """An SMTP server on a loopback port for this test."""
    with smtp_server() as box:
        yield box
