"""Notifications through the site, the API and mail, on SQLite and on PostgreSQL, with a real
SMTP server on loopback: a reply, an @mention, a comment on a paper one submitted or wrote
each tell the member once (the strongest reason), never its own author; the header counts the
unread ones (on the page members share too), the page marks them read; by mail at once, in the
daily digest, or never, as the member chooses."""

from __future__ import annotations

import itertools
import re
from datetime import date

import pytest
from fastapi.testclient import TestClient

from mailing import subscribe_confirmed
from smtp_sink import Mailbox
from web.conftest import Site, api_of, csrf_of, mailing_fixtures, person

mailbox, site = mailing_fixtures("notifications")
_papers = itertools.count(5)


@pytest.fixture
def paper(site: Site) -> str:
    return site.hub.recent_lists(1)[next(_papers)].id


def post(client: TestClient, paper: str, text: str, parent: int | None = None) -> int:
    page = client.get(f"/papers/{paper}").text
    data = {"csrf": csrf_of(page), "text": text}
    if parent is not None:
        data["parent_id"] = str(parent)
    posted = client.post(f"/papers/{paper}/comments", data=data)
    assert posted.status_code == 303
    return int(posted.headers["location"].rsplit("-", 1)[1])


def badge(page: str) -> str | None:
    found = re.search(r'class="notifications"[^>]*>.*?Notifications</span>(.*?)</a>', page)
    assert found, "no notifications link in the header"
    count = re.search(r'<span class="count">([^<]+)<', found.group(1))
    return count.group(1) if count else None


def digests_to(mailbox: Mailbox, name: str) -> list[str]:
    """The texts of the digests member ``name`` received."""
    texts = []
    for received in mailbox.to(f"{name}@example.org"):
        if received.message["Subject"].startswith("Daily Papers —"):
            body = received.message.get_body(("plain",))
            assert body is not None
            texts.append(body.get_content())
    return texts


def subjects(mailbox: Mailbox, name: str) -> list[str]:
    return [m.message["Subject"] for m in mailbox.to(f"{name}@example.org")]


def test_replies_and_mentions_tell_their_member_once_by_page_and_mail(
    site: Site, mailbox: Mailbox, paper: str
) -> None:
    alice, alice_name = person(site)
    bob, bob_name = person(site)
    first = post(alice, paper, "A question about the ablations.")
    assert badge(alice.get("/").text) is None
    # Bob answers Alice and names her: one notification, as the reply it is; none for Bob.
    post(bob, paper, f"@{alice_name} the appendix has them.", parent=first)
    assert badge(alice.get("/").text) == "1"
    assert badge(bob.get("/").text) is None
    assert subjects(mailbox, alice_name)[-1] == "A new reply to your comment on Daily Papers"
    body = mailbox.to(f"{alice_name}@example.org")[-1].message.get_body(("plain",))
    assert body is not None and "the appendix has them" in body.get_content()
    assert f"/papers/{paper}#comment-" in body.get_content()
    # A mention alone, in another thread; the paper page members share counts it for her too.
    post(bob, paper, f"Thanks, @{alice_name.upper()}! (not @nobody-here)")
    shared = alice.get(f"/papers/{paper}").text
    assert badge(shared) == "2"
    assert subjects(mailbox, alice_name)[-1] == "You were mentioned in a comment on Daily Papers"

    listed = alice.get("/notifications").text
    assert listed.count('class="unread"') == 2
    assert f"{bob_name}</a> answered your comment" in listed
    assert f"{bob_name}</a> mentioned you" in listed
    # Shown once, read: the header's count is gone, the page shows them as seen.
    assert badge(alice.get("/").text) is None
    assert 'class="unread"' not in alice.get("/notifications").text
    api = api_of(site, alice_name).get("/api/notifications").json()
    assert api["unread"] == 0
    assert [(n["kind"], n["actor"]) for n in api["notifications"]] == [
        ("mention", bob_name),
        ("reply", bob_name),
    ]


def test_papers_one_submitted_or_wrote_and_how_one_hears_of_them(
    site: Site, mailbox: Mailbox, paper: str
) -> None:
    writer, writer_name = person(site)
    _, moderator_name = person(site, "moderator")
    author = site.hub.paper(paper).authors[0]  # type: ignore[index]
    claim = api_of(site, writer_name).post(f"/api/papers/{paper}/claim", json={"author": author})
    verified = api_of(site, moderator_name).post(f"/api/claims/{claim.json()['id']}/verify")
    assert verified.status_code == 200
    # The writer wants no mail: told on the site only.
    page = writer.get("/notifications").text
    chosen = writer.post("/settings/notifications", data={"csrf": csrf_of(page), "mode": "never"})
    assert chosen.status_code == 303
    reader, reader_name = person(site)
    mails = len(mailbox.to(f"{writer_name}@example.org"))
    post(reader, paper, "Lovely result.")
    assert badge(writer.get("/").text) == "1"
    assert len(mailbox.to(f"{writer_name}@example.org")) == mails
    listed = writer.get("/notifications").text
    assert f"{reader_name}</a> commented on a paper you wrote" in listed

    # In the daily digest: told once, with the paper, in the next day's digest only.
    marks = api_of(site, writer_name)
    assert marks.put("/api/settings/notifications", json={"mode": "digest"}).json() == {
        "mode": "digest"
    }
    assert marks.put("/api/settings/notifications", json={"mode": "loud"}).status_code == 422
    subscribe_confirmed(
        site.hub, mailbox, f"{writer_name}@example.org", user=site.hub.user_named(writer_name)
    )
    post(reader, paper, "And one more thought on it.")
    assert marks.get("/api/notifications").json()["unread"] == 1
    site.hub.compose_digests("daily", date(2026, 2, 26))
    site.hub.send_due()
    digests = digests_to(mailbox, writer_name)
    assert len(digests) == 1
    text = digests[0]
    assert "What concerns you" in text
    assert f"{reader_name} commented on a paper you wrote: “And one more thought on it.”" in text
    assert "Lovely result." not in text  # read on the site already
    site.hub.compose_digests("daily", date(2026, 2, 27))
    site.hub.send_due()
    later = digests_to(mailbox, writer_name)
    assert len(later) == 2 and "And one more thought" not in later[1]
    assert marks.get("/api/notifications").json()["unread"] == 1  # mailed, not read


def test_a_digest_tells_at_most_twenty_and_the_next_one_the_rest(
    site: Site, mailbox: Mailbox, paper: str
) -> None:
    asker, asker_name = person(site)
    asked = site.hub.set_notify_email(site.hub.user_named(asker_name), "digest")
    subscribe_confirmed(site.hub, mailbox, f"{asker_name}@example.org", user=asked)
    question = post(asker, paper, "Which dataset is the table about?")
    readers = [site.hub.user_named(person(site)[1]) for _ in range(3)]
    for number in range(1, 25):
        answer = f"Answer number {number:02d}."
        site.hub.comment(readers[number % 3], paper, answer, question)
    site.hub.compose_digests("daily", date(2026, 2, 26))
    site.hub.send_due()
    site.hub.compose_digests("daily", date(2026, 2, 27))
    site.hub.send_due()
    first, second = digests_to(mailbox, asker_name)[-2:]
    told = [re.findall(r"Answer number (\d\d)\.", text) for text in (first, second)]
    # Twenty in the first, the other four in the next: each once, none lost.
    assert len(told[0]) == 20 and len(told[1]) == 4
    assert sorted(told[0] + told[1]) == [f"{n:02d}" for n in range(1, 25)]
