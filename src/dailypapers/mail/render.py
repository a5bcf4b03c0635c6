"""Rendering messages: a digest or a confirmation as multipart text + HTML, with its headers.

Every message carries a stable Message-ID (the same for a subscriber and period however often it
is rendered), and the list headers mail clients use for a one-click unsubscribe (RFC 2369 and
RFC 8058): an https URL that takes a POST without sign-in, and a mailto.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime, formataddr, parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from dailypapers.mail.compose import Digest, Item, author_line, short_abstract

TEMPLATES = Path(__file__).parent / "templates"
# With "=?utf-8?q?" and "?=" around it, an encoded word stays within 75 characters.
ENCODED_WORD_CHARS = 63
# SMTP's longest line, in octets, without the CRLF (RFC 5321).
MAX_LINE = 998


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
    env.filters.update(abstract=short_abstract)
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


def _header(name: str, value: str) -> bytes:
    if value.isascii():
        return f"{name}: {value}\r\n".encode()
    return f"{name}: {_encoded_words(value)}\r\n".encode()


def _encoded_words(value: str) -> str:
    """``value`` as RFC 2047 "Q" encoded words (readable in a message's source: only what is not
    plain ASCII is escaped), each within 75 characters, a character never split between two,
    folded one word per line."""
    words, word = [], ""
    for char in value:
        if char == " ":
            piece = "_"
        elif char.isascii() and (char.isalnum() or char in "!*+-/"):
            piece = char
        else:
            piece = "".join(f"={byte:02X}" for byte in char.encode())
        if len(word) + len(piece) > ENCODED_WORD_CHARS:
            words.append(word)
            word = ""
        word += piece
    words.append(word)
    return "\r\n ".join(f"=?utf-8?q?{w}?=" for w in words)


def _part(subtype: str, body: str) -> bytes:
    """One text part: UTF-8 as it is (8bit, as a reader sees it in any mail source view) when
    every line fits SMTP's 998 octets, else quoted-printable."""
    raw = body.replace("\r\n", "\n").encode()
    if all(len(line) <= MAX_LINE for line in raw.split(b"\n")):
        encoding, payload = "8bit", raw
    else:
        encoding = "quoted-printable"
        payload = binascii.b2a_qp(raw, quotetabs=False, istext=True, header=False)
    head = (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
        f"Content-Transfer-Encoding: {encoding}\r\n\r\n"
    ).encode()
    return head + payload.replace(b"\n", b"\r\n")


def _message(
    envelope: Envelope, subject: str, text: str, html: str, now: datetime, bulk: bool
) -> bytes:
    """The RFC 5322 bytes of a multipart/alternative message (text, then HTML)."""
    name, address = parseaddr(envelope.sender)
    headers = [
        _header("From", formataddr((name, address))),
        _header("To", envelope.recipient),
        _header("Subject", subject),
        _header("Date", format_datetime(now)),
        _header("Message-ID", envelope.message_id),
    ]
    if bulk:
        mailto = f"mailto:{address}?subject={quote('unsubscribe ' + envelope.recipient)}"
        headers += [
            _header("List-Id", f"Daily Papers digest <digest.{domain_of(envelope.sender)}>"),
            # Long lines are allowed up to 998 characters; folding a URL would break it.
            _header("List-Unsubscribe", f"<{envelope.unsubscribe_url}>, <{mailto}>"),
            _header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
            _header("Precedence", "bulk"),
            _header("Auto-Submitted", "auto-generated"),
        ]
    boundary = f"==dp-{secrets.token_hex(12)}=="
    while boundary in text or boundary in html:  # as likely as guessing the token
        boundary = f"==dp-{secrets.token_hex(12)}=="
    headers += [
        _header("MIME-Version", "1.0"),
        _header("Content-Type", f'multipart/alternative; boundary="{boundary}"'),
    ]
    mark = f"--{boundary}\r\n".encode()
    return b"".join(
        [
            *headers,
            b"\r\n",
            mark,
            _part("plain", text),
            b"\r\n",
            mark,
            _part("html", html),
            b"\r\n",
            f"--{boundary}--\r\n".encode(),
        ]
    )


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


ACCOUNT_SUBJECTS = {
    "address": "Confirm your address for Daily Papers",
    "reset": "Reset your Daily Papers password",
    "taken": "Someone tried to sign up with your address",
    "hidden": "A moderator hid your comment",
    "restored": "A moderator restored your comment",
    "approved": "A moderator let your comment through",
    "notify_reply": "A new reply to your comment on Daily Papers",
    "notify_mention": "You were mentioned in a comment on Daily Papers",
    "notify_wrote": "A new comment on a paper you wrote",
    "notify_submitted": "A new comment on a paper you submitted",
    "claim_verified": "You are verified as an author on Daily Papers",
    "claim_rejected": "A moderator did not verify your author claim",
    "change": "Confirm the new address of your Daily Papers account",
    "changed": "The address of your Daily Papers account changed",
    "suspended": "Your Daily Papers account is suspended",
    "reinstated": "Your Daily Papers account is open again",
}


def render_account(
    envelope: Envelope,
    kind: str,
    name: str,
    url: str,
    base_url: str,
    now: datetime,
    detail: str = "",
    until: str = "",
) -> bytes:
    """A message about member ``name``'s account: ``kind`` "address" (confirm it, ``url``),
    "reset" (a password reset link), "taken" (a sign-up tried this address; ``url`` resets
    the password), "hidden" / "restored" (a moderator's action on their comment at ``url``,
    ``detail`` their reason), or "suspended" (``until``: "until 3 March 2026", "for good") /
    "reinstated"."""
    subject = ACCOUNT_SUBJECTS[kind]
    context = {
        "kind": kind,
        "subject": subject,
        "name": name,
        "url": url,
        "detail": detail,
        "until": until,
        "base_url": base_url.rstrip("/"),
        "envelope": envelope,
    }
    text = _ENV.get_template("account.txt").render(context)
    html = _ENV.get_template("account.html").render(context)
    return _message(envelope, subject, text, html, now, bulk=False)


@dataclass(frozen=True, slots=True)
class _RenderedSection:
    title: str
    texts: list[str]
    htmls: list[Markup]


# A paper reads the same in every digest of a run: its text and HTML are rendered once.
_fragments: dict[tuple[Any, ...], tuple[str, Markup]] = {}
MAX_FRAGMENTS = 20_000


def _fragment(item: Item, base: str) -> tuple[str, Markup]:
    paper = item.paper
    key = (paper.pk, paper.seq, paper.total_upvotes, item.reason, base)
    found = _fragments.get(key)
    if found is None:
        if len(_fragments) >= MAX_FRAGMENTS:
            _fragments.clear()
        context = {"paper": paper, "reason": item.reason, "url": f"{base}/papers/{paper.id}"}
        found = (
            _ENV.get_template("paper.txt").render(context),
            Markup(_ENV.get_template("paper.html").render(context)),
        )
        _fragments[key] = found
    return found


def _context(digest: Digest, envelope: Envelope, base_url: str) -> dict[str, Any]:
    base = base_url.rstrip("/")
    sections = []
    for section in digest.sections:
        rendered = [_fragment(item, base) for item in section.items]
        sections.append(
            _RenderedSection(
                section.title, [text for text, _ in rendered], [html for _, html in rendered]
            )
        )
    return {
        "subject": digest.subject,
        "sections": sections,
        "base_url": base,
        "envelope": envelope,
    }
