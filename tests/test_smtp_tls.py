"""SMTP over TLS against a real server on loopback: STARTTLS with a sign-in, and TLS from the
first byte (smtps://), each with a certificate from a test CA the client is told to trust."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from dailypapers.mail.smtp import Mailer, parse_smtp_url
from smtp_sink import Mailbox, free_port

trustme = pytest.importorskip("trustme")
MESSAGE = b"From: a@example.org\r\nTo: b@example.org\r\nSubject: hi\r\n\r\nhello\r\n"


def _password(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"ada", b"s3cret")
    return AuthResult(success=ok, handled=False)  # not handled: the server answers 535


@pytest.fixture
def certificate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ssl.SSLContext:
    """The server's TLS context; the client trusts the CA that signed it (SSL_CERT_FILE)."""
    authority = trustme.CA()
    authority.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


@pytest.fixture
def starttls(certificate: ssl.SSLContext) -> Iterator[Mailbox]:
    box = Mailbox(port=free_port())
    controller = Controller(
        box,
        hostname=box.host,
        port=box.port,
        tls_context=certificate,
        require_starttls=True,
        auth_required=True,
        authenticator=_password,
    )
    controller.start()
    yield box
    controller.stop()


def test_starttls_with_a_sign_in(starttls: Mailbox) -> None:
    url = f"smtp://ada:s3cret@127.0.0.1:{starttls.port}?starttls=true"
    with Mailer(parse_smtp_url(url)) as mailer:
        assert mailer.send("a@example.org", "b@example.org", MESSAGE).outcome == "sent"
        assert mailer.send("a@example.org", "c@example.org", MESSAGE).outcome == "sent"
    assert [r.recipients for r in starttls.received] == [["b@example.org"], ["c@example.org"]]


def test_a_wrong_password_stops_sending_and_retries_later(starttls: Mailbox) -> None:
    url = f"smtp://ada:wrong@127.0.0.1:{starttls.port}?starttls=true"
    with Mailer(parse_smtp_url(url)) as mailer:
        result = mailer.send("a@example.org", "b@example.org", MESSAGE)
    assert (result.outcome, result.stop) == ("retry", True)
    assert "sign-in failed" in (result.reason or "") and not starttls.received


def test_plain_text_is_refused_where_the_server_requires_tls(starttls: Mailbox) -> None:
    with Mailer(parse_smtp_url(f"smtp://127.0.0.1:{starttls.port}")) as mailer:
        result = mailer.send("a@example.org", "b@example.org", MESSAGE)
    assert result.outcome != "sent" and not starttls.received


def test_tls_from_the_first_byte(certificate: ssl.SSLContext) -> None:
    box = Mailbox(port=free_port())
    controller = Controller(box, hostname=box.host, port=box.port, ssl_context=certificate)
    controller.start()
    try:
        with Mailer(parse_smtp_url(f"smtps://127.0.0.1:{box.port}")) as mailer:
            assert mailer.send("a@example.org", "b@example.org", MESSAGE).outcome == "sent"
    finally:
        controller.stop()
    assert box.received[0].raw.endswith(b"hello\r\n")
