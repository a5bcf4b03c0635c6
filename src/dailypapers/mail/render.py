"""Rendering messages: a digest or a confirmation as multipart text + HTML, with its headers.

Every message carries a stable Message-ID (the same for a subscriber and period however often it
is rendered), and the list headers mail clients use for a one-click unsubscribe (RFC 2369 and
RFC 8058): an https URL that takes a POST without sign-in, and a mailto.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from dailypapers.mail.compose import Digest, author_line, short_abstract, short_day

TEMPLATES = Path(__file__).parent / "templates"
# SMTP's line limit (RFC 5322: 998) rather than the 78 the default folding aims for: a header
# with a long URL in it would otherwise be folded into RFC 2047 encoded words, which clients do
# not read as a List-Unsubscribe URL.
POLICY = SMTP.clone(max_line_length=998)


@dataclass(frozen=True, slots=True)
class Envelope:
    """Who a message is from and to, and the links that let its reader manage what they get."""

    sender: str
    recipient: str
    message_id: str
    manage_url: str
    unsubscribe_url: str


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(abstract=short_abstract, day=short_day)
    env.globals.update(author_line=author_line)
    return env


_ENV = _environment()


def domain_of(address_or_url: str) -> str:
    """The host of an address (``Name <a@host>``) or a URL, for Message-IDs and List-Id."""
    if "@" in address_or_url:
        return parseaddr(address_or_url)[1].rsplit("@", 1)[-1] or "localhost"
    return urlsplit(address_or_url).hostname or "localhost"


def message_id(secret: str, subscription_id: int, period: str, domain: str) -> str:
    """``<daily.2026-02-03.s42.1f3a9c0b2d4e@host>``: stable per (subscriber, period), and not
    guessable from the subscriber's id alone."""
    mac = hmac.new(secret.encode(), f"{subscription_id}:{period}".encode(), hashlib.sha256)
    label = period.replace(":", ".")
    return f"<{label}.s{subscription_id}.{mac.hexdigest()[:12]}@{domain}>"


def _message(
    envelope: Envelope, subject: str, text: str, html: str, now: datetime, bulk: bool
) -> bytes:
    message = EmailMessage(policy=POLICY)
    message["From"] = envelope.sender
    message["To"] = envelope.recipient
    message["Subject"] = subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = envelope.message_id
    if bulk:
        sender = parseaddr(envelope.sender)[1]
        mailto = f"mailto:{sender}?subject={quote('unsubscribe ' + envelope.recipient)}"
        message["List-Id"] = f"Daily Papers digest <digest.{domain_of(envelope.sender)}>"
        message["List-Unsubscribe"] = f"<{envelope.unsubscribe_url}>, <{mailto}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message["Precedence"] = "bulk"
        message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message.as_bytes()


def render_digest(digest: Digest, envelope: Envelope, base_url: str, now: datetime) -> bytes:
    context = _context(digest, envelope, base_url)
    text = _ENV.get_template("digest.txt").render(context)
    html = _ENV.get_template("digest.html").render(context)
    return _message(envelope, digest.subject, text, html, now, bulk=True)


def render_confirmation(
    envelope: Envelope,
    confirm_url: str,
    frequency: str,
    topics: list[str],
    base_url: str,
    now: datetime,
) -> bytes:
    context = {
        "confirm_url": confirm_url,
        "frequency": frequency,
        "topics": topics,
        "base_url": base_url.rstrip("/"),
        "envelope": envelope,
    }
    text = _ENV.get_template("confirm.txt").render(context)
    html = _ENV.get_template("confirm.html").render(context)
    subject = "Confirm your Daily Papers digest"
    return _message(envelope, subject, text, html, now, bulk=False)


def _context(digest: Digest, envelope: Envelope, base_url: str) -> dict[str, Any]:
    base = base_url.rstrip("/")
    return {
        "digest": digest,
        "subject": digest.subject,
        "sections": digest.sections,
        "window": digest.window,
        "base_url": base,
        "envelope": envelope,
        "paper_url": lambda paper: f"{base}/papers/{paper.id}",
    }
