"""Digests end to end against a real SMTP server on loopback, on SQLite and on PostgreSQL:
confirmation, content and headers, no paper twice, reruns, retries, bounces, two senders."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from dailypapers.config import load_settings
from dailypapers.errors import Forbidden, Unavailable
from dailypapers.hub import Hub
from dailypapers.hub import mailing as hub_mailing
from dailypapers.locks import file_lock
from dailypapers.models import Paper
from dailypapers.store.tables import outbox
from mailing import add_subscribers, mail_hub, subscribe_confirmed, token_of
from replay import make_refused_url
from smtp_sink import Mailbox

TUESDAY = date(2026, 2, 4)  # the digest of Tue 3 Feb's list (the demo's lists are Feb 2026)


@pytest.fixture
def hub(tmp_path: Path, db_url: str, mailbox: Mailbox):  # type: ignore[no-untyped-def]
    opened = mail_hub(tmp_path, mailbox.url, db_url)
    yield opened
    opened.close()


def _listed(hub: Hub) -> list[Paper]:
    """The papers of the lists a Tuesday 3 February digest covers."""
    with hub.store.read() as tx:
        return tx.lists.between(date(2026, 2, 1), date(2026, 2, 3))


def test_nothing_but_a_confirmation_until_its_link_is_followed(hub: Hub, mailbox: Mailbox) -> None:
    pending = hub.subscribe("Ada@Example.org", "daily", ["video"])
    assert pending.status == "pending"
    assert hub.send_digests("daily", TUESDAY) == {
        "composed": 0,
        "skipped": 0,
        "sent": 1,
        "retried": 0,
        "failed": 0,
    }
    (confirmation,) = mailbox.received
    # The address as stored, canonical: the domain lower-cased, the local part as typed.
    assert pending.email == "Ada@example.org"
    assert confirmation.recipients == ["Ada@example.org"]
    assert confirmation.message["To"] == "Ada@example.org"
    assert confirmation.message["From"] == "Daily Papers <digest@papers.example.org>"
    assert "video" in confirmation.text and "List-Unsubscribe" not in confirmation.message
    link = confirmation.link("/subscriptions/confirm")
    assert link.startswith("https://papers.example.org/subscriptions/confirm?token=")

    active = hub.confirm(token_of(link))
    assert active.status == "active" and active.confirmed_at is not None
    counts = hub.send_digests("daily", TUESDAY)
    assert counts["composed"] == 1 and counts["sent"] == 1
    digest = mailbox.received[-1]
    assert digest.recipients == ["Ada@example.org"]
    assert digest.message["Subject"].startswith("Daily Papers — ")
    assert "Trending in video" in digest.text
    # Only papers about the topic: each one's title or abstract has the word.
    titles = [line.split(". ", 1)[1] for line in digest.text.splitlines() if line[:1].isdigit()]
    papers = {p.title: p for p in _listed(hub)}
    assert titles and all(
        "video" in f"{papers[t].title} {papers[t].abstract}".lower() for t in titles
    )


def test_a_digest_carries_its_papers_and_the_headers_clients_need(
    hub: Hub, mailbox: Mailbox
) -> None:
    subscription = subscribe_confirmed(hub, mailbox, "reader@example.org")
    hub.send_digests("daily", TUESDAY)
    digest = mailbox.to("reader@example.org")[-1]
    message = digest.message
    trending = _listed(hub)
    assert message["Subject"] == "Daily Papers — 12 trending papers for Tue 3 Feb"
    # The top paper of the window by the trending formula leads, with its link and upvotes.
    first = max(trending, key=lambda p: p.total_upvotes)
    assert f"1. {first.title}" in digest.text
    assert f"https://papers.example.org/papers/{first.id}" in digest.text
    assert f"▲ {first.total_upvotes}" in digest.text
    assert first.title in digest.html and "<script" not in digest.html
    assert message.get_content_type() == "multipart/alternative"

    assert message["Message-ID"].startswith(f"<daily.2026-02-04.s{subscription.id}.")
    assert message["Message-ID"].endswith("@papers.example.org>")
    https, mailto = (part.strip(" <>") for part in message["List-Unsubscribe"].split(","))
    assert https.startswith("https://papers.example.org/unsubscribe?token=")
    assert mailto.startswith("mailto:digest@papers.example.org?subject=unsubscribe")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # The link in the header ends this subscription, and no later digest goes out.
    assert hub.unsubscribe(token_of(https)).status == "unsubscribed"
    assert hub.send_digests("daily", TUESDAY + timedelta(days=1))["composed"] == 0


def test_reruns_send_nothing_twice_and_no_paper_is_sent_again(hub: Hub, mailbox: Mailbox) -> None:
    subscribe_confirmed(hub, mailbox, "reader@example.org")
    mailbox.clear()
    assert hub.send_digests("daily", TUESDAY)["sent"] == 1
    again = hub.send_digests("daily", TUESDAY)
    assert again == {"composed": 0, "skipped": 0, "sent": 0, "retried": 0, "failed": 0}
    hub.send_digests("daily", TUESDAY + timedelta(days=1))
    hub.send_digests("daily", TUESDAY + timedelta(days=2))
    days = mailbox.to("reader@example.org")
    assert len(days) == 3
    links = [set(_paper_links(day.text)) for day in days]
    assert all(len(day) == 12 for day in links)
    assert not links[0] & links[1] and not links[1] & links[2] and not links[0] & links[2]
    ids = {day.message["Message-ID"] for day in days}
    assert len(ids) == 3


def test_an_empty_digest_is_not_sent(tmp_path: Path, mailbox: Mailbox) -> None:
    with mail_hub(tmp_path, mailbox.url, digest_size=1000) as hub:
        subscribe_confirmed(hub, mailbox, "reader@example.org", frequency="weekly")
        mailbox.clear()
        # Long after the demo's last list: its last week, all of it in one digest ...
        assert hub.send_digests("weekly", date(2026, 12, 7))["sent"] == 1
        # ... so the next week has nothing new, and nothing is sent.
        later = hub.send_digests("weekly", date(2026, 12, 14))
        assert later == {"composed": 0, "skipped": 1, "sent": 0, "retried": 0, "failed": 0}
        # Before the first list there is nothing at all.
        assert hub.send_digests("weekly", date(2025, 1, 6))["skipped"] == 1
        assert len(mailbox.received) == 1


def test_readers_with_an_account_get_their_own_sections(hub: Hub, mailbox: Mailbox) -> None:
    hub.index()  # the vectors For you scores with
    reader = hub.create_user("ada", "ada@example.org", "correct horse battery")
    listed = _listed(hub)
    video = [p for p in listed if "video" in p.title.lower()]
    for paper in video[:3]:
        hub.vote(reader, paper.id)
    hub.follow(reader, "search", "reinforcement learning")
    subscribe_confirmed(hub, mailbox, "ada@example.org", user=reader)
    _, preview = hub.preview_digest(reader, "daily", TUESDAY)
    hub.send_digests("daily", TUESDAY)
    text = mailbox.to("ada@example.org")[-1].text
    assert "For you" in text and "Your saved searches" in text
    assert "matches your search 'reinforcement learning'" in text
    assert preview.get_body(("plain",)).get_content().split("--")[0] == text.split("--")[0]  # type: ignore[union-attr]
    # Papers the reader upvoted are not recommended back to them.
    for paper in video[:3]:
        assert f"/papers/{paper.id}\n" not in text.split("For you", 1)[1]


def test_a_deferred_message_is_retried_with_backoff(
    hub: Hub, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    subscribe_confirmed(hub, mailbox, "busy@example.org")
    mailbox.refuse["busy@example.org"] = "451 4.3.0 mailbox busy, try later"
    counts = hub.send_digests("daily", TUESDAY)
    assert counts["retried"] == 1 and counts["sent"] == 0
    assert hub.send_due()["retried"] == 0  # not due again yet
    row = _row(hub, "daily:2026-02-04")
    assert row.status == "queued" and row.attempts == 1 and "451" in row.error
    assert row.next_attempt_at > datetime.now(UTC) + timedelta(seconds=50)

    del mailbox.refuse["busy@example.org"]
    later = datetime.now(UTC) + timedelta(minutes=2)
    monkeypatch.setattr(hub_mailing, "_now", lambda: later)
    assert hub.send_due()["sent"] == 1
    assert _row(hub, "daily:2026-02-04").status == "sent"
    digests = [m for m in mailbox.to("busy@example.org") if "trending" in m.message["Subject"]]
    assert len(digests) == 1


def test_a_message_deferred_too_long_fails(
    hub: Hub, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    subscribe_confirmed(hub, mailbox, "busy@example.org")
    mailbox.refuse["busy@example.org"] = "452 4.2.2 over quota"
    hub.compose_digests("daily", TUESDAY)
    moment = datetime.now(UTC)
    for _ in range(6):
        monkeypatch.setattr(hub_mailing, "_now", lambda moment=moment: moment)
        hub.send_due()
        moment += timedelta(hours=7)
    row = _row(hub, "daily:2026-02-04")
    assert row.status == "failed" and row.attempts == 6
    assert row.error.startswith("gave up after 6 tries") and "452" in row.error


def test_hard_bounces_fail_the_message_and_pause_the_subscription(
    tmp_path: Path, db_url: str, mailbox: Mailbox
) -> None:
    hub = mail_hub(tmp_path, mailbox.url, db_url, bounce_limit=2)
    with hub:
        subscribe_confirmed(hub, mailbox, "gone@example.org")
        mailbox.refuse["gone@example.org"] = "550 5.1.1 no such user here"
        first = hub.send_digests("daily", TUESDAY)
        assert first["failed"] == 1
        row = _row(hub, "daily:2026-02-04")
        assert row.status == "failed" and "550 5.1.1 no such user here" in row.error
        assert hub.subscription_by_email("gone@example.org").bounces == 1  # type: ignore[union-attr]
        hub.send_digests("daily", TUESDAY + timedelta(days=1))
        paused = hub.subscription_by_email("gone@example.org")
        assert paused is not None and paused.status == "paused"
        assert "2 hard bounces" in (paused.note or "")
        assert hub.send_digests("daily", TUESDAY + timedelta(days=2))["composed"] == 0


def test_an_unreachable_server_stops_the_run_and_loses_nothing(
    tmp_path: Path, mailbox: Mailbox
) -> None:
    hub = mail_hub(tmp_path, mailbox.url)
    with hub:
        add_subscribers(hub, 5)
        hub.compose_digests("daily", TUESDAY)
    down = load_settings(
        {"data_dir": tmp_path, "smtp_url": "smtp://" + make_refused_url().split("//")[1]}, {}
    )
    with Hub.open(down) as hub:
        counts = hub.send_due()
        # One try on each connection, then the run stops: the rest would be refused alike.
        assert counts == {"sent": 0, "retried": down.smtp_connections, "failed": 0}
        assert hub.stats()["outbox"] == {"queued": 5}


def test_two_senders_at_once_send_each_message_once(
    tmp_path: Path, db_url: str, mailbox: Mailbox
) -> None:
    with mail_hub(tmp_path, mailbox.url, db_url) as first:
        add_subscribers(first, 200)
        assert first.compose_digests("daily", TUESDAY) == {"composed": 200, "skipped": 0}
        second = Hub.open(first.settings)
        results: list[dict[str, int]] = []
        threads = [
            threading.Thread(target=lambda h=h: results.append(h.send_due()))
            for h in (first, second)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        second.close()
    assert sum(r["sent"] for r in results) == 200
    ids = [m.message["Message-ID"] for m in mailbox.received]
    assert len(ids) == 200 and len(set(ids)) == 200
    if "postgresql" in db_url:  # rows are shared out; on SQLite the senders take turns
        assert all(r["sent"] > 0 for r in results)


def test_a_forged_link_is_refused_and_mail_needs_a_server(tmp_path: Path, mailbox: Mailbox) -> None:
    with mail_hub(tmp_path, mailbox.url) as hub:
        hub.subscribe("reader@example.org")
        hub.send_due()
        token = token_of(mailbox.received[0].link("/subscriptions/confirm"))
        altered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
        with pytest.raises(Forbidden):
            hub.confirm(altered)
        with pytest.raises(Forbidden):  # a confirmation is not an unsubscribe link
            hub.unsubscribe(token)
    quiet = load_settings({"data_dir": tmp_path / "quiet"}, {})
    hub, _ = Hub.init(quiet)
    with hub, pytest.raises(Unavailable, match="DAILYPAPERS_SMTP_URL"):
        hub.subscribe("reader@example.org")


def _row(hub: Hub, period: str):  # type: ignore[no-untyped-def]
    with hub.store.engine.connect() as conn:
        return conn.execute(select(outbox).where(outbox.c.period == period)).one()


def _paper_links(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if "/papers/" in line]


def test_a_member_links_only_their_own_address(tmp_path: Path, mailbox: Mailbox) -> None:
    with mail_hub(tmp_path, mailbox.url) as hub:
        member = hub.create_user("ada", "ada@example.org", "correct horse battery")
        other = hub.subscribe("someone-else@example.org", user=member)
        own = hub.subscribe("ADA@example.org", user=member)
        # Another address's owner never gets (or steers) a digest made from Ada's account.
        assert other.user_id is None and own.user_id == member.id
        assert hub.subscription_of(member) == own


def test_a_sender_that_will_not_wait_leaves_the_work_to_the_one_at_it(
    tmp_path: Path, mailbox: Mailbox
) -> None:
    with mail_hub(tmp_path, mailbox.url) as hub:
        hub.subscribe("reader@example.org")
        path = hub.store._sender_lock_path()
        assert path is not None  # SQLite: senders take turns
        with file_lock(path) as mine:
            assert mine
            assert hub.send_due(wait=False) == {"sent": 0, "retried": 0, "failed": 0}
        assert hub.send_due(wait=False)["sent"] == 1


def test_what_waits_is_not_sent_once_its_reader_has_left(
    hub: Hub, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    subscription = subscribe_confirmed(hub, mailbox, "reader@example.org")
    mailbox.refuse["reader@example.org"] = "451 4.3.0 try later"
    assert hub.send_digests("daily", TUESDAY)["retried"] == 1  # waits for its next try
    hub.unsubscribe(hub.manage_token(subscription))
    del mailbox.refuse["reader@example.org"]
    later = datetime.now(UTC) + timedelta(minutes=2)
    monkeypatch.setattr(hub_mailing, "_now", lambda: later)
    assert hub.send_due() == {"sent": 0, "retried": 0, "failed": 0}
    row = _row(hub, "daily:2026-02-04")
    assert row.status == "cancelled" and "unsubscribed" in row.error and row.message is None
    # A second confirmation is not sent once the first was followed.
    hub.subscribe("other@example.org")
    hub.subscribe("other@example.org")
    first = mailbox.to("other@example.org")
    assert first == []  # the sends above were never run for these two
    pending = hub.subscription_by_email("other@example.org")
    assert pending is not None
    with hub.store.transaction() as tx:
        tx.outbox.set_subscription_status(pending.id, "active", datetime.now(UTC))
    assert hub.send_due()["sent"] == 0 and mailbox.to("other@example.org") == []
