"""Moderation through the site and the API, on SQLite and on PostgreSQL, with mail through a
real SMTP server on loopback: authors edit and delete their own comments, members report,
a moderator hides (gone for everyone else, marked for moderators, in the log, its author told)
and restores, and nobody else may."""

from __future__ import annotations

import itertools

import pytest
from fastapi.testclient import TestClient

from smtp_sink import Mailbox
from web.conftest import PASSWORD, Site, api_of, csrf_of, mailing_fixtures, person, signin

_names = itertools.count(1)


mailbox, site = mailing_fixtures("moderation")


def post_comment(site: Site, client: TestClient, paper: str, text: str) -> int:
    csrf = csrf_of(client.get(f"/papers/{paper}").text)
    posted = client.post(f"/papers/{paper}/comments", data={"csrf": csrf, "text": text})
    assert posted.status_code == 303
    return int(posted.headers["location"].rsplit("-", 1)[1])


@pytest.fixture
def paper(site: Site) -> str:
    return site.hub.recent_lists(1)[next(_names) % 20].id


def test_an_author_edits_and_deletes_their_comment(site: Site, paper: str) -> None:
    author, name = person(site)
    number = post_comment(site, author, paper, "First thoughts, with a typo.")
    page = author.get(f"/comments/{number}")
    assert page.status_code == 200 and "Delete my comment" in page.text
    csrf = csrf_of(page.text)
    edited = author.post(f"/comments/{number}/edit", data={"csrf": csrf, "text": "First thoughts."})
    assert edited.status_code == 303
    shown = author.get(f"/papers/{paper}").text
    assert "First thoughts." in shown and "with a typo" not in shown and "· edited" in shown
    # Through the API as well; another member may do neither.
    patched = api_of(site, name).patch(f"/api/comments/{number}", json={"text": "Final thoughts."})
    assert patched.status_code == 200 and patched.json()["edited"] is True
    other, other_name = person(site)
    assert "Delete my comment" not in other.get(f"/comments/{number}").text
    theirs = api_of(site, other_name)
    assert theirs.patch(f"/api/comments/{number}", json={"text": "Mine now."}).status_code == 403
    assert theirs.delete(f"/api/comments/{number}").status_code == 403
    # A reply stays when the comment it answers is deleted, which shows as [deleted].
    reply_csrf = csrf_of(other.get(f"/papers/{paper}").text)
    said = {"csrf": reply_csrf, "text": "A reply that stays.", "parent_id": str(number)}
    assert other.post(f"/papers/{paper}/comments", data=said).status_code == 303
    assert api_of(site, name).delete(f"/api/comments/{number}").status_code == 204
    public = TestClient(site.app).get(f"/papers/{paper}").text
    assert "[deleted]" in public and "Final thoughts." not in public
    assert "A reply that stays." in public
    listed = TestClient(site.app).get(f"/api/papers/{paper}/comments").json()
    gone = next(c for c in listed if c["id"] == number)
    assert gone["deleted"] is True and gone["text"] == ""
    # The moderators keep every earlier text.
    moderator, _ = person(site, "moderator")
    history = moderator.get(f"/comments/{number}").text
    assert "First thoughts, with a typo." in history and "Final thoughts." in history


def test_a_report_a_moderator_hides_is_gone_for_others_and_logged(
    site: Site, mailbox: Mailbox, paper: str
) -> None:
    author, author_name = person(site)
    number = post_comment(site, author, paper, "Buy cheap watches at spam.example")
    reporter, reporter_name = person(site)
    page = reporter.get(f"/comments/{number}")
    assert "Report to the moderators" in page.text
    reason = {"csrf": csrf_of(page.text), "reason": "spam"}
    assert reporter.post(f"/comments/{number}/report", data=reason).status_code == 303

    moderator, moderator_name = person(site, "moderator")
    queue = moderator.get("/moderation")
    assert queue.status_code == 200
    assert "Buy cheap watches" in queue.text and reporter_name in queue.text
    assert author_name in queue.text and "1 comment, 0 hidden" in queue.text
    hidden = moderator.post(
        f"/comments/{number}/hide",
        data={"csrf": csrf_of(queue.text), "reason": "advertising"},
    )
    assert hidden.status_code == 303

    # Gone for readers, other members and the API; marked for moderators.
    assert "Buy cheap watches" not in TestClient(site.app).get(f"/papers/{paper}").text
    assert "Buy cheap watches" not in reporter.get(f"/papers/{paper}").text
    listed = TestClient(site.app).get(f"/api/papers/{paper}/comments").json()
    assert number not in [c["id"] for c in listed]
    assert TestClient(site.app).get(f"/comments/{number}").status_code == 404
    seen = moderator.get(f"/papers/{paper}").text
    assert "Buy cheap watches" in seen and "hidden by a moderator" in seen
    # In the log, the report closed, the author told why.
    queue = moderator.get("/moderation").text
    waiting = queue.split('id="log"')[0]
    assert "Buy cheap watches" not in waiting and reporter_name not in waiting  # closed
    assert f"hide comment: comment {number}" in queue and "advertising" in queue
    assert moderator_name in queue
    told = mailbox.to(f"{author_name}@example.org")
    assert told and told[-1].message["Subject"] == "A moderator hid your comment"
    assert "advertising" in told[-1].text

    # Restored through the API: back for everyone, and logged.
    shown = api_of(site, moderator_name).post(
        f"/api/comments/{number}/restore", json={"reason": "appeal granted"}
    )
    assert shown.status_code == 200 and shown.json()["hidden"] is False
    assert "Buy cheap watches" in TestClient(site.app).get(f"/papers/{paper}").text
    assert "appeal granted" in moderator.get("/moderation").text


def test_only_moderators_moderate(site: Site, paper: str) -> None:
    author, _ = person(site)
    number = post_comment(site, author, paper, "An ordinary comment.")
    member, name = person(site)
    assert member.get("/moderation").status_code == 403
    api = api_of(site, name)
    assert api.post(f"/api/comments/{number}/hide", json={"reason": "no"}).status_code == 403
    forbidden = member.post(
        f"/comments/{number}/hide",
        data={"csrf": csrf_of(member.get("/").text), "reason": "no"},
    )
    assert forbidden.status_code == 403
    assert "An ordinary comment." in TestClient(site.app).get(f"/papers/{paper}").text
    # A moderator must say why.
    _, moderator = person(site, "moderator")
    blank = api_of(site, moderator).post(f"/api/comments/{number}/hide", json={"reason": " "})
    assert blank.status_code == 400 and "reason" in blank.json()["detail"]


def test_a_reported_paper_waits_in_the_queue(site: Site, paper: str) -> None:
    _, name = person(site)
    made = api_of(site, name).post(f"/api/papers/{paper}/report", json={"reason": "not a paper"})
    assert made.status_code == 201 and made.json()["id"] > 0
    moderator, _ = person(site, "moderator")
    queue = moderator.get("/moderation").text
    assert "not a paper" in queue and f'href="/papers/{paper}"' in queue
    assert (
        api_of(site, name).post("/api/papers/0000.00000/report", json={"reason": "x"}).status_code
        == 404
    )
    # Nothing to do: dismissed with a reason, logged, and no longer waiting.
    number = made.json()["id"]
    dismissed = moderator.post(
        f"/reports/{number}/dismiss", data={"csrf": csrf_of(queue), "reason": "it is a paper"}
    )
    assert dismissed.status_code == 303
    after = moderator.get("/moderation").text
    assert "not a paper" not in after.split('id="log"')[0]
    assert f"dismiss report: report {number}" in after and "it is a paper" in after
    again = moderator.post(
        f"/reports/{number}/dismiss", data={"csrf": csrf_of(queue), "reason": "twice"}
    )
    assert again.status_code == 404


def test_a_suspended_member_is_signed_out_and_kept_out_until_it_is_lifted(
    site: Site, mailbox: Mailbox, paper: str
) -> None:
    member, name = person(site)
    api = api_of(site, name)
    assert api.post(f"/api/papers/{paper}/upvote").status_code == 200
    moderator, moderator_name = person(site, "moderator")
    profile = moderator.get(f"/users/{name}").text
    assert "Suspend" in profile
    suspended = moderator.post(
        f"/users/{name}/suspend",
        data={"csrf": csrf_of(profile), "days": "7", "reason": "spamming links"},
    )
    assert suspended.status_code == 303
    # Their session and token are worth nothing now, and they cannot sign in again.
    assert member.get("/").text.count(f'href="/users/{name}"') == 0
    assert api.post(f"/api/papers/{paper}/upvote").status_code == 401
    again = TestClient(site.app, base_url="https://testserver", follow_redirects=False)
    refused = signin(again, name, PASSWORD)
    assert refused.status_code == 403 and "suspended until" in refused.text
    told = mailbox.to(f"{name}@example.org")[-1]
    assert told.message["Subject"] == "Your Daily Papers account is suspended"
    assert "spamming links" in told.text and "until" in told.text
    log = moderator.get("/moderation").text
    assert f"suspend 7 d: member {name}" in log and "spamming links" in log
    assert "This account is suspended until" in moderator.get(f"/users/{name}").text

    # Lifted through the API: they sign in again (their old token stays revoked).
    lifted = api_of(site, moderator_name).post(
        f"/api/users/{name}/unsuspend", json={"reason": "promised to stop"}
    )
    assert lifted.status_code == 200 and lifted.json()["suspendedUntil"] is None
    assert signin(again, name, PASSWORD).status_code == 303
    assert api.post(f"/api/papers/{paper}/upvote").status_code == 401
    assert "lift suspension" in moderator.get("/moderation").text


def test_a_ban_is_for_good_and_only_admins_touch_moderators(site: Site) -> None:
    _, name = person(site)
    _, moderator = person(site, "moderator")
    _, other_moderator = person(site, "moderator")
    _, admin = person(site, "admin")
    banned = api_of(site, moderator).post(
        f"/api/users/{name}/suspend", json={"days": None, "reason": "a bot"}
    )
    assert banned.status_code == 200 and banned.json()["suspendedUntil"].startswith("9999")
    browser = TestClient(site.app, base_url="https://testserver", follow_redirects=False)
    refused = signin(browser, name, PASSWORD)
    assert refused.status_code == 403 and "this account is banned" in refused.text
    mod_api = api_of(site, moderator)
    assert (
        mod_api.post(
            f"/api/users/{other_moderator}/suspend", json={"days": 1, "reason": "x"}
        ).status_code
        == 403
    )
    assert (
        mod_api.post(f"/api/users/{moderator}/suspend", json={"days": 1, "reason": "x"}).status_code
        == 403
    )
    assert (
        mod_api.post(f"/api/users/{name}/suspend", json={"days": 0, "reason": "x"}).status_code
        == 422
    )
    by_admin = api_of(site, admin).post(
        f"/api/users/{other_moderator}/suspend", json={"days": 1, "reason": "a break"}
    )
    assert by_admin.status_code == 200
    _, plain = person(site)
    assert (
        api_of(site, plain).post(f"/api/users/{name}/unsuspend", json={"reason": "x"}).status_code
        == 403
    )


def test_a_removed_paper_leaves_the_lists_search_and_feeds_and_comes_back(site: Site) -> None:
    listed = site.hub.recent_lists(1)
    paper = listed[-1]
    reader = TestClient(site.app)
    word = paper.title.split(":")[0]
    assert paper.id in reader.get("/").text
    assert paper.id in [e["paper"]["id"] for e in reader.get("/api/daily_papers").json()]
    assert paper.id in reader.get("/feeds/daily.atom").text
    hits = reader.get("/api/papers/search", params={"q": word, "mode": "lexical"}).json()
    assert paper.id in [hit["paper"]["id"] for hit in hits]
    moderator, moderator_name = person(site, "moderator")
    page = moderator.get(f"/papers/{paper.id}").text
    done = moderator.post(
        f"/papers/{paper.id}/moderate",
        data={"csrf": csrf_of(page), "action": "remove", "reason": "not research"},
    )
    assert done.status_code == 303
    assert f'data-paper="{paper.id}"' not in reader.get("/").text
    assert paper.id not in [e["paper"]["id"] for e in reader.get("/api/daily_papers").json()]
    assert paper.id not in reader.get("/trending").text
    assert paper.id not in reader.get("/feeds/daily.atom").text
    hits = reader.get("/api/papers/search", params={"q": word, "mode": "lexical"}).json()
    assert paper.id not in [hit["paper"]["id"] for hit in hits]
    assert reader.get(f"/papers/{paper.id}").status_code == 404
    assert reader.get(f"/api/papers/{paper.id}").status_code == 404
    assert reader.get(f"/papers/{paper.id}.md").status_code == 404
    seen = moderator.get(f"/papers/{paper.id}")
    assert seen.status_code == 200 and "A moderator removed this paper" in seen.text
    assert "remove paper: paper " + paper.id in moderator.get("/moderation").text

    back = api_of(site, moderator_name).post(
        f"/api/papers/{paper.id}/restore", json={"reason": "it is research after all"}
    )
    assert back.status_code == 200 and back.json() == {
        "id": paper.id,
        "removed": False,
        "locked": False,
    }
    assert f'data-paper="{paper.id}"' in reader.get("/").text
    assert reader.get(f"/api/papers/{paper.id}").status_code == 200


def test_a_locked_discussion_takes_no_new_comments(site: Site, paper: str) -> None:
    member, name = person(site)
    _, moderator = person(site, "moderator")
    locked = api_of(site, moderator).post(f"/api/papers/{paper}/lock", json={"reason": "flame war"})
    assert locked.status_code == 200 and locked.json()["locked"] is True
    page = member.get(f"/papers/{paper}").text
    assert "This discussion is locked" in page and 'class="comment-form"' not in page
    refused = api_of(site, name).post(f"/api/papers/{paper}/comments", json={"text": "Still?"})
    assert refused.status_code == 403 and "locked" in refused.json()["detail"]
    assert (
        api_of(site, moderator)
        .post(f"/api/papers/{paper}/unlock", json={"reason": "calmer now"})
        .status_code
        == 200
    )
    assert (
        api_of(site, name)
        .post(f"/api/papers/{paper}/comments", json={"text": "Now then."})
        .status_code
        == 201
    )
