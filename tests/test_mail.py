"""The mail package on its own: choosing, subjects, topics, links, message bytes, SMTP URLs."""

from __future__ import annotations

import email
import time
from datetime import UTC, date, datetime, timedelta
from email.policy import default as default_policy

import pytest

from dailypapers.errors import ConfigError, Forbidden, InvalidInput
from dailypapers.mail.compose import (
    Item,
    Section,
    Window,
    author_line,
    choose,
    matches_topic,
    short_abstract,
    subject,
    window,
)
from dailypapers.mail.links import make_token, read_token
from dailypapers.mail.render import Envelope, _encoded_words, _message, message_id
from dailypapers.mail.smtp import BACKOFF, parse_smtp_url, retry_at
from dailypapers.models import Paper

SECRET = "a-real-secret-of-some-length"


def paper(pk: int, title: str = "A paper", abstract: str = "", categories: tuple = ()) -> Paper:
    return Paper(
        id=f"2602.{pk:05d}", pk=pk, title=title, arxiv_id=f"2602.{pk:05d}", version=1,
        abstract=abstract, authors=("A. Author",), author_count=1, categories=categories or None,
        published=None, updated=None, versions=None, comments=None, journal_ref=None, doi=None,
        license=None, pdf_url=None, github_repo=None, project_page=None, withdrawn=False,
        source_upvotes=None, upvotes=0, num_comments=0, seq=1,
    )  # fmt: skip


def test_choose_keeps_each_paper_once_skips_what_was_sent_and_caps_sections() -> None:
    trending = Section("trending", "Trending", [Item(paper(n)) for n in range(1, 8)])
    mine = Section("for-you", "For you", [Item(paper(n), "why") for n in (2, 3, 9, 10, 11)])
    empty = Section("searches", "Your saved searches", [Item(paper(1))])
    chosen = choose([trending, mine, empty], sent={1, 4}, limits={"trending": 3}, default_limit=2)
    assert [[i.paper.pk for i in s.items] for s in chosen] == [[2, 3, 5], [9, 10]]
    assert [s.key for s in chosen] == ["trending", "for-you"]  # the empty section is left out


def test_subjects_say_how_many_and_for_when() -> None:
    daily = window("daily", date(2026, 2, 4), date(2026, 2, 3))
    assert daily == Window("daily", date(2026, 2, 4), date(2026, 2, 1), date(2026, 2, 3))
    assert subject(daily, 12, 20) == "Daily Papers — 12 trending papers for Tue 3 Feb"
    assert subject(daily, 1, 1) == "Daily Papers — 1 trending paper for Tue 3 Feb"
    assert subject(daily, 0, 4) == "Daily Papers — 4 papers picked for you for Tue 3 Feb"
    weekly = window("weekly", date(2026, 2, 9), date(2026, 2, 8))
    assert weekly is not None and weekly.first == date(2026, 2, 2)
    assert subject(weekly, 12, 12) == "Daily Papers — 12 trending papers for the week to Sun 8 Feb"
    assert window("daily", date(2026, 2, 4), None) is None


def test_topics_are_categories_or_words() -> None:
    vision = paper(1, "Video world models", "We study diffusion.", ("cs.CV", "cs.LG"))
    assert matches_topic(vision, "cs.CV") and matches_topic(vision, "CS.lg")
    assert not matches_topic(vision, "cs.CL")
    assert matches_topic(vision, "video diffusion") and not matches_topic(vision, "video agents")


def test_abstracts_and_authors_are_cut_for_a_digest() -> None:
    text = "word " * 200
    cut = short_abstract(text)
    assert len(cut) <= 321 and cut.endswith("word…")
    assert author_line(("A", "B", "C", "D", "E", "F"), 6) == "A, B, C, D and 2 more"
    assert author_line(("A", "B"), 40) == "A, B and 38 more"  # the names the source gave
    assert author_line(None, 3) == "3 authors"


def test_links_are_signed_for_one_purpose_and_expire(monkeypatch: pytest.MonkeyPatch) -> None:
    token = make_token(SECRET, "confirm", 7, "Ada@Example.org")
    assert read_token(SECRET, "confirm", token) == (7, "ada@example.org")
    with pytest.raises(Forbidden):
        read_token(SECRET, "manage", token)  # a confirmation does not manage
    with pytest.raises(Forbidden):
        read_token("another-secret-entirely", "confirm", token)
    with pytest.raises(Forbidden):
        read_token(SECRET, "confirm", token[:-3] + "xyz")
    eight_days_ago = time.time() - 8 * 86400
    with monkeypatch.context() as patch:
        patch.setattr(time, "time", lambda: eight_days_ago)
        old = make_token(SECRET, "confirm", 7, "ada@example.org")
    with pytest.raises(InvalidInput, match="expired"):
        read_token(SECRET, "confirm", old)


def test_messages_are_multipart_with_stable_ids_and_readable_text() -> None:
    envelope = Envelope(
        sender="Daily Papers <digest@papers.example.org>",
        recipient="ada@example.org",
        message_id=message_id(SECRET, 7, "daily:2026-02-04", "papers.example.org"),
        manage_url="https://papers.example.org/subscription?token=t",
        unsubscribe_url="https://papers.example.org/unsubscribe?token=" + "t" * 120,
    )
    assert envelope.message_id == message_id(SECRET, 7, "daily:2026-02-04", "papers.example.org")
    assert envelope.message_id != message_id(SECRET, 8, "daily:2026-02-04", "papers.example.org")
    long_line = "x" * 1200
    raw = _message(envelope, "Daily Papers — ünïcode", "héllo\n" + long_line, "<p>hi</p>",
                   datetime(2026, 2, 4, 6, tzinfo=UTC), bulk=True)  # fmt: skip
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    parsed = email.message_from_bytes(raw, policy=default_policy)
    assert parsed["Subject"] == "Daily Papers — ünïcode"
    assert parsed["List-Unsubscribe"].startswith("<https://papers.example.org/unsubscribe?token=")
    text, html = (part for part in parsed.iter_parts())  # type: ignore[attr-defined]
    assert text.get_content().replace("\r\n", "\n").rstrip("\n") == "héllo\n" + long_line
    assert text["Content-Transfer-Encoding"] == "quoted-printable"  # a line too long for 8bit
    assert html["Content-Transfer-Encoding"] == "8bit"
    assert html.get_content().replace("\r\n", "\n").rstrip("\n") == "<p>hi</p>"
    long_subject = _encoded_words("é" * 100)
    assert all(len(word.strip()) <= 75 for word in long_subject.split("\r\n"))


def test_smtp_urls() -> None:
    server = parse_smtp_url("smtp://ada:p%40ss@mail.example.org:2525?starttls=true")
    assert (server.host, server.port, server.security) == ("mail.example.org", 2525, "starttls")
    assert (server.username, server.password) == ("ada", "p@ss")
    assert parse_smtp_url("smtps://mail.example.org").port == 465
    assert parse_smtp_url("smtp://127.0.0.1:8025").security == "plain"
    assert parse_smtp_url("smtp://mail.example.org?starttls=yes").port == 587
    for bad, why in (
        ("http://mail.example.org", "scheme"),
        ("smtp://", "no host"),
        ("smtp://h?tls=1", "unknown option 'tls'"),
    ):
        with pytest.raises(ConfigError, match=why):
            parse_smtp_url(bad)


def test_backoff_grows_then_gives_up() -> None:
    now = datetime(2026, 2, 4, tzinfo=UTC)
    gaps = [retry_at(n, now) for n in range(1, len(BACKOFF) + 2)]
    assert gaps[0] == now + timedelta(minutes=1) and gaps[-2] == now + timedelta(hours=6)
    assert gaps[-1] is None
