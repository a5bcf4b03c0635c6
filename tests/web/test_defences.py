"""Spam defences, site settings and the admin's view, on SQLite and on PostgreSQL, with mail
through a real SMTP server on loopback: a new account's links and blocklisted words wait for a
moderator, new accounts have tighter limits, admins change those settings on their page (every
node follows), see the morning's status there and with `dailypapers admin status`, and set
roles; members set a display name and move to a new address by its mailed link."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from dailypapers.cli import main
from dailypapers.hub import Hub
from dailypapers.hub.site import EDITABLE
from smtp_sink import Mailbox
from web.conftest import PASSWORD, Site, api_of, csrf_of, mailing_fixtures, person

_names = itertools.count(1)

mailbox, site = mailing_fixtures("defences")


def set_settings(admin: TestClient, **values: object) -> str:
    """Change site settings through the admin page's form; the page it leads to."""
    page = admin.get("/admin")
    form = {"csrf": csrf_of(page.text), **{name: str(value) for name, value in values.items()}}
    changed = admin.post("/admin/settings", data=form)
    assert changed.status_code == 303, changed.text
    return admin.get("/admin").text


@pytest.fixture
def admin(site: Site) -> Iterator[TestClient]:
    """An admin's browser (``.name``: theirs); whatever the test set, the site follows its
    file again after."""
    client, name = person(site, "admin")
    client.name = name  # type: ignore[attr-defined]
    yield client
    user = site.hub.user_named(name)
    defaults = {n: str(getattr(site.hub.site_settings.base, n)) for n in EDITABLE}
    site.hub.change_site_settings(user, defaults)


@pytest.fixture
def paper(site: Site) -> str:
    return site.hub.recent_lists(1)[next(_names) % 20].id


def post(client: TestClient, paper: str, text: str) -> tuple[int, str]:
    """Post a comment through the page; (its number, the page the author is sent to)."""
    csrf = csrf_of(client.get(f"/papers/{paper}").text)
    posted = client.post(f"/papers/{paper}/comments", data={"csrf": csrf, "text": text})
    assert posted.status_code == 303
    return int(posted.headers["location"].rsplit("-", 1)[1]), client.get(f"/papers/{paper}").text


def test_a_new_accounts_link_waits_for_a_moderator(
    site: Site, mailbox: Mailbox, admin: TestClient, paper: str
) -> None:
    set_settings(admin, new_member_hours=24)
    author, author_name = person(site)
    before = site.hub.paper(paper).num_comments
    plain, _ = post(author, paper, "A new member's first thoughts, no link.")
    assert "first thoughts" in TestClient(site.app).get(f"/papers/{paper}").text
    number, seen = post(author, paper, "My blog has more: https://blog.example/post")
    assert "Your comment waits for a moderator (a link from a new account)" in seen
    assert f'id="comment-{number}"' in seen and "waiting for a moderator" in seen

    # Nobody else sees it: readers, members, the API, its own page; the count leaves it out.
    # The page members share (rendered once, then filled in for each) neither carries it to
    # others nor hides it from its author, whoever asks first.
    other, _ = person(site)
    for _ in range(2):
        assert "blog.example" not in other.get(f"/papers/{paper}").text
        assert "blog.example/post" in author.get(f"/papers/{paper}").text
    for client in (TestClient(site.app), other):
        assert "blog.example" not in client.get(f"/papers/{paper}").text
        assert client.get(f"/comments/{number}").status_code == 404
    listed = TestClient(site.app).get(f"/api/papers/{paper}/comments").json()
    assert number not in [c["id"] for c in listed] and plain in [c["id"] for c in listed]
    assert site.hub.paper(paper).num_comments == before + 1
    assert author.get(f"/comments/{number}").status_code == 200

    # An edit that adds a link waits too.
    csrf = csrf_of(author.get(f"/comments/{plain}").text)
    edit = {"csrf": csrf, "text": "Edited to add https://blog.example/more"}
    assert author.post(f"/comments/{plain}/edit", data=edit).status_code == 303
    assert "blog.example/more" not in TestClient(site.app).get(f"/papers/{paper}").text

    # The moderators' queue holds both; one let through, one hidden, both logged.
    moderator, moderator_name = person(site, "moderator")
    queue = moderator.get("/moderation").text
    held = queue.split('id="reports"')[0]
    assert "blog.example/post" in held and "blog.example/more" in held
    assert "a link from a new account" in held
    let = moderator.post(f"/comments/{number}/let-through", data={"csrf": csrf_of(queue)})
    assert let.status_code == 303
    shown = TestClient(site.app).get(f"/papers/{paper}").text
    assert "blog.example/post" in shown
    told = mailbox.to(f"{author_name}@example.org")
    assert told and told[-1].message["Subject"] == "A moderator let your comment through"
    assert f"#comment-{number}" in told[-1].text
    hidden = api_of(site, moderator_name).post(
        f"/api/comments/{plain}/hide", json={"reason": "spam"}
    )
    assert hidden.status_code == 200 and hidden.json()["hidden"] is True
    after = moderator.get("/moderation").text
    assert "No comment waits to be let through." in after
    assert f"let comment through: comment {number}" in after
    # Letting through what waits for nothing says so; only moderators let anything through.
    again = api_of(site, moderator_name).post(f"/api/comments/{number}/approve", json={})
    assert again.status_code == 400 and "not waiting" in again.json()["detail"]
    assert api_of(site, author_name).post(f"/api/comments/{number}/approve").status_code == 403


def test_the_blocklist_holds_matching_comments(site: Site, admin: TestClient, paper: str) -> None:
    page = set_settings(admin, blocklist="cheap watches\nspam.example")
    assert "cheap watches" in page  # shown on the admin page as set
    member, member_name = person(site)
    number, seen = post(member, paper, "Get CHEAP   Watches at https://www.spam.example/x")
    assert "it matches the blocklist: &#39;cheap watches&#39;" in seen
    api = api_of(site, member_name)
    through = api.post(
        f"/api/papers/{paper}/comments", json={"text": "Mirror at notspam.example, watches"}
    )
    assert through.status_code == 201 and through.json()["heldFor"] is None
    held = api.post(f"/api/papers/{paper}/comments", json={"text": "see mail.spam.example"})
    assert held.status_code == 201
    assert held.json()["heldFor"] == "it matches the blocklist: 'spam.example'"
    taken_back = held.json()["id"]  # its author deletes it: nothing waits any more
    assert api.delete(f"/api/comments/{taken_back}").status_code == 204
    moderator, _ = person(site, "moderator")
    mine, _ = post(moderator, paper, "Warning: cheap watches spam is going round.")
    public = TestClient(site.app).get(f"/papers/{paper}").text
    assert "notspam.example" in public and "Warning: cheap watches" in public
    assert "www.spam.example" not in public and "mail.spam.example" not in public
    queue = moderator.get("/moderation").text.split('id="reports"')[0]
    assert f"/comments/{number}" in queue and f"/comments/{mine}" not in queue
    assert f"/comments/{taken_back}" not in queue


def test_new_accounts_have_tighter_limits(site: Site, admin: TestClient, paper: str) -> None:
    set_settings(admin, new_member_hours=24, limit_comments_new=2, limit_votes_new=2)
    _, name = person(site)
    api = api_of(site, name)
    for n in range(2):
        assert api.post(f"/api/papers/{paper}/comments", json={"text": f"#{n}"}).status_code == 201
    refused = api.post(f"/api/papers/{paper}/comments", json={"text": "one too many"})
    assert refused.status_code == 429 and "comments: 2 per minute" in refused.json()["detail"]
    assert refused.headers["retry-after"]
    papers = [p.id for p in site.hub.recent_lists(1)[:3]]
    assert [api.post(f"/api/papers/{p}/upvote").status_code for p in papers] == [200, 200, 429]
    # A moderator's account is never new, and an account older than the setting is not.
    _, moderator = person(site, "moderator")
    staff = api_of(site, moderator)
    codes = {staff.post(f"/api/papers/{paper}/comments", json={"text": "ok"}).status_code}
    codes |= {staff.post(f"/api/papers/{paper}/comments", json={"text": "ok"}).status_code}
    codes |= {staff.post(f"/api/papers/{paper}/comments", json={"text": "ok"}).status_code}
    assert codes == {201}
    set_settings(admin, new_member_hours=0)
    assert api.post(f"/api/papers/{papers[2]}/upvote").status_code == 200


def test_site_settings_are_checked_logged_and_followed_by_every_node(
    site: Site, admin: TestClient
) -> None:
    member, _ = person(site)
    assert member.get("/admin").status_code == 403
    form = {"csrf": csrf_of(member.get("/").text), "limit_comments": "1"}
    assert member.post("/admin/settings", data=form).status_code == 403
    page = admin.get("/admin")
    bad = admin.post(
        "/admin/settings",
        data={"csrf": csrf_of(page.text), "limit_votes": "50", "limit_comments": "lots"},
    )
    assert bad.status_code == 400
    assert "limit_comments must be a whole number, got &#39;lots&#39;" in bad.text
    assert site.hub.settings.limit_votes == site.hub.site_settings.base.limit_votes  # not half
    shown = set_settings(admin, limit_votes=50)
    assert "changed here; the file says 10000" in shown
    # Another node (a hub of its own over the same database) follows from its first read.
    other = Hub.open(site.hub.site_settings.base)
    try:
        assert other.settings.limit_votes == 50
    finally:
        other.close()
    log = admin.get("/moderation").text
    assert "change setting: limit_votes" in log and "limit_votes = &#39;50&#39;" in log
    # The file's value again: the site follows the file.
    set_settings(admin, limit_votes=10_000)
    with site.hub.store.read() as tx:
        assert "limit_votes" not in tx.site.settings()


def test_the_admins_view_and_roles(
    site: Site, admin: TestClient, paper: str, capsys: pytest.CaptureFixture[str]
) -> None:
    set_settings(admin, new_member_hours=24)
    author, name = person(site)
    post(author, paper, "Held: https://held.example/")
    page = admin.get("/admin").text
    status = site.hub.site_status()
    assert status["held_comments"] >= 1 and status["members"] >= 2
    assert f"{status['held_comments']} held comment" in page
    assert status["disk_bytes"] > 0 and status["index_lag"]["lexical"] >= 0
    # The demo's papers came from Hugging Face's lists, without arXiv's metadata.
    lacking = status["arxiv_metadata"]["lacking"]
    assert lacking >= 783 and f"{lacking:,} listed papers still without it" in page
    # The API, for admins only; the CLI prints the same.
    admin_name = admin.name  # type: ignore[attr-defined]
    assert api_of(site, admin_name).get("/api/admin/status").json()["members"] == status["members"]
    assert api_of(site, name).get("/api/admin/status").status_code == 403
    base = site.hub.site_settings.base
    argv = ["--data-dir", str(base.data_dir)]
    if base.database_url:
        argv += ["--database-url", base.database_url]
    assert main([*argv, "admin", "status", "--json"]) in (0, 1)
    printed = json.loads(capsys.readouterr().out)
    assert printed["held_comments"] == status["held_comments"]
    assert printed["members"] == status["members"]
    main([*argv, "admin", "status"])
    assert (
        f"arXiv metadata: {lacking:,} listed papers lacking, 0 failing" in capsys.readouterr().out
    )
    # Roles from the page, logged; an admin's own role is not theirs to change.
    found = admin.get(f"/admin?q={name}").text
    assert f'action="/admin/members/{name}/role"' in found
    made = admin.post(
        f"/admin/members/{name}/role", data={"csrf": csrf_of(found), "role": "moderator"}
    )
    assert made.status_code == 303 and site.hub.user_named(name).role == "moderator"
    assert f"make moderator: member {name}" in admin.get("/moderation").text
    own = admin.post(
        f"/admin/members/{admin_name}/role", data={"csrf": csrf_of(found), "role": "member"}
    )
    assert own.status_code == 403 and site.hub.user_named(admin_name).is_admin


def test_a_display_name_and_a_new_address(site: Site, mailbox: Mailbox, paper: str) -> None:
    client, name = person(site)
    profile = client.get(f"/users/{name}").text
    named = client.post(
        "/settings/name", data={"csrf": csrf_of(profile), "display_name": "  Ada   Lovelace "}
    )
    assert named.status_code == 303
    assert "<h1>Ada Lovelace</h1>" in client.get(f"/users/{name}").text
    number, seen = post(client, paper, "Signed with my name.")
    assert f'<a href="/users/{name}">Ada Lovelace</a>' in seen
    listed = TestClient(site.app).get(f"/api/papers/{paper}/comments").json()
    author = next(c for c in listed if c["id"] == number)["author"]
    assert author["fullname"] == "Ada Lovelace" and author["name"] == name

    old, new = f"{name}@example.org", f"{name}.new@example.org"
    form = {"csrf": csrf_of(profile), "email": new, "password": "not the password"}
    wrong = client.post("/settings/address", data=form)
    assert wrong.status_code == 400 and "the password is not right" in wrong.text
    asked = client.post("/settings/address", data={**form, "password": PASSWORD})
    assert asked.status_code == 303
    assert site.hub.user_named(name).email == old  # until the link is followed
    received = mailbox.to(new)[-1]
    assert received.message["Subject"] == "Confirm the new address of your Daily Papers account"
    token = parse_qs(urlsplit(received.link("/confirm-address")).query)["change"][0]
    stranger = TestClient(site.app, base_url="https://testserver", follow_redirects=False)
    assert "Confirm the new address" in stranger.get(f"/confirm-address?change={token}").text
    forged = stranger.post("/confirm-address", data={"change": token[:-3] + "AAA"})
    assert forged.status_code == 403
    done = stranger.post("/confirm-address", data={"change": token})
    assert done.status_code == 303 and site.hub.user_named(name).email == new
    note = mailbox.to(old)[-1]
    assert note.message["Subject"] == "The address of your Daily Papers account changed"
    assert new in note.text
    reused = stranger.post("/confirm-address", data={"change": token})
    assert reused.status_code == 400 and "used already" in reused.text
    # An address another account has: the same answer, and nothing is sent.
    _, other = person(site)
    theirs = f"{other}@example.org"
    before = len(mailbox.to(theirs))
    form = {"csrf": csrf_of(profile), "email": theirs, "password": PASSWORD}
    taken = client.post("/settings/address", data=form)
    assert taken.status_code == 303 and len(mailbox.to(theirs)) == before
    assert site.hub.user_named(name).email == new
