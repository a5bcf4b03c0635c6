"""SMTP delivery: the server named by a URL, one connection kept across messages, and what each
reply means for the message (sent, try again later, or failed for good).

``smtp://user:pass@host:587?starttls=true`` (STARTTLS), ``smtps://host:465`` (TLS from the first
byte) or ``smtp://127.0.0.1:8025`` (plain, for a server on this machine). A 4xx reply, a refused
or dropped connection, or a timeout is temporary: the message is tried again later, with growing
gaps. A 5xx reply to the recipient or the message is permanent: a hard bounce.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qs, unquote, urlsplit

from dailypapers.closing import Closing
from dailypapers.errors import ConfigError
from dailypapers.models import Delivery

# Gaps between tries of a message that failed for a while; after the last one it has failed.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
TIMEOUT_S = 20.0
_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True, slots=True)
class SmtpServer:
    """Where and how to hand messages over."""

    host: str
    port: int
    security: str  # "plain", "starttls" or "tls"
    username: str | None = None
    password: str | None = None
    timeout: float = TIMEOUT_S

    def describe(self) -> str:
        who = f"{self.username}@" if self.username else ""
        return f"smtp{'s' if self.security == 'tls' else ''}://{who}{self.host}:{self.port}" + (
            "?starttls=true" if self.security == "starttls" else ""
        )


def parse_smtp_url(url: str) -> SmtpServer:
    """The server of a ``DAILYPAPERS_SMTP_URL``; ConfigError says what is wrong with it."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("smtp", "smtps"):
        raise ConfigError(f"smtp_url {url!r}: the scheme must be smtp:// or smtps://")
    if not parts.hostname:
        raise ConfigError(f"smtp_url {url!r}: no host")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    unknown = set(query) - {"starttls", "timeout"}
    if unknown:
        raise ConfigError(f"smtp_url {url!r}: unknown option {sorted(unknown)[0]!r}")
    starttls = query.get("starttls", "false").lower() in _TRUE
    security = "tls" if parts.scheme == "smtps" else "starttls" if starttls else "plain"
    try:
        port = parts.port or (465 if security == "tls" else 587 if starttls else 25)
        timeout = float(query.get("timeout", TIMEOUT_S))
    except ValueError as exc:
        raise ConfigError(f"smtp_url {url!r}: {exc}") from exc
    return SmtpServer(
        host=parts.hostname,
        port=port,
        security=security,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        timeout=timeout,
    )


def retry_at(attempts: int, now: datetime) -> datetime | None:
    """When to try a message again after its ``attempts``-th temporary failure; None: give up."""
    if attempts > len(BACKOFF):
        return None
    return now + BACKOFF[attempts - 1]


class Mailer(Closing):
    """Hands messages to one SMTP server over one connection, opened when first needed."""

    def __init__(self, server: SmtpServer, local_hostname: str | None = None) -> None:
        self.server = server
        self.local_hostname = local_hostname
        self._smtp: smtplib.SMTP | None = None

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None

    def _connect(self) -> smtplib.SMTP:
        server = self.server
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if server.security == "tls":
            smtp = smtplib.SMTP_SSL(
                server.host,
                server.port,
                local_hostname=self.local_hostname,
                timeout=server.timeout,
                context=context,
            )
        else:
            smtp = smtplib.SMTP(
                server.host, server.port, local_hostname=self.local_hostname, timeout=server.timeout
            )
            if server.security == "starttls":
                smtp.starttls(context=context)
        if server.username:
            smtp.login(server.username, server.password or "")
        smtp.ehlo_or_helo_if_needed()  # what the server offers (8BITMIME) is known from here
        return smtp

    def send(self, sender: str, recipient: str, message: bytes) -> Delivery:
        """Hand one message over; what happened, as the outbox records it."""
        try:
            if self._smtp is None:
                self._smtp = self._connect()
            try:
                self._hand_over(sender, recipient, message)
            except smtplib.SMTPServerDisconnected:
                # A kept connection the server closed while idle: one fresh try.
                self._smtp = self._connect()
                self._hand_over(sender, recipient, message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = exc.recipients.get(recipient, (550, b"refused"))
            return _reply(code, reply, "the recipient")
        except smtplib.SMTPSenderRefused as exc:
            # Every message would be refused alike: a setting to fix, not a bounce.
            self._drop()
            reason = f"{exc.smtp_code} {_text(exc.smtp_error)} (sender {exc.sender})"
            return Delivery("retry", f"the server refused the sender: {reason}", stop=True)
        except smtplib.SMTPAuthenticationError as exc:
            self._drop()
            return Delivery(
                "retry", f"SMTP sign-in failed: {exc.smtp_code} {_text(exc.smtp_error)}", stop=True
            )
        except smtplib.SMTPResponseException as exc:
            self._drop()
            return _reply(exc.smtp_code, exc.smtp_error, "the message")
        except (smtplib.SMTPException, OSError) as exc:
            self._drop()
            reason = f"cannot reach {self.server.host}:{self.server.port}: {exc}"
            return Delivery("retry", reason, stop=True)
        return Delivery("sent")

    def _hand_over(self, sender: str, recipient: str, message: bytes) -> None:
        assert self._smtp is not None
        # Messages carry UTF-8 text as it is: say so to a server that knows 8BITMIME (all
        # current ones do).
        options = ["BODY=8BITMIME"] if self._smtp.has_extn("8bitmime") else []
        self._smtp.sendmail(sender, [recipient], message, mail_options=options)

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _reply(code: int, reply: bytes | str, what: str) -> Delivery:
    reason = f"{code} {_text(reply)}"
    if 500 <= code < 600:
        return Delivery("failed", f"the server refused {what}: {reason}", bounce=True)
    return Delivery("retry", f"the server deferred {what}: {reason}")
