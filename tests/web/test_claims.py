"""Members claim to be a paper's authors and moderators verify or reject the claims, through the
site and the API, on SQLite and on PostgreSQL, with mail through a real SMTP server on loopback:
a verified author is named on the paper's page, its author page and the member's profile, and
in HF's API shape (``claimed_verified``, ``isAuthorParticipating`` once they comment)."""

from __future__ import annotations

import itertools
import re

import pytest
from fastapi.testclient import TestClient

from smtp_sink import Mailbox
from web.conftest import PASSWORD, Site, api_of, csrf_of, mailing_fixtures, person

_papers = itertools.count(3)

mailbox, site = mailing_fixtures("claims")


@pytest.fixture
def paper(site: Site) -> str:
    """A listed paper of three authors or more, a new one for each test."""
    while True:
        found = site.hub.recent_lists(1)[next(_papers)]
        if found.authors and len(found.authors) >= 3:
            return found.id


def claim_on_page(client: TestClient, paper: str, author: str) -> str:
    page = client.get(f"/papers/{paper}").text
    assert "Are you one of its authors?" in page
    assert f"<option>{author}</option>" in page
    made = client.post(f"/papers/{paper}/claim", data={"csrf": csrf_of(page), "author": author})
    assert made.status_code == 303 and made.headers["location"] == f"/papers/{paper}#authors"
    return client.get(made.headers["location"]).text


def api_author(site: Site, paper: str, name: str) -> dict[str, object]:
    authors = TestClient(site.app).get(f"/api/papers/{paper}").json()["authors"]
    return next(author for author in authors if author["name"] == name)


def participating(site: Site, paper: str) -> bool:
    day = site.hub.paper(paper).listings[0].date.isoformat()
    items = TestClient(site.app).get(f"/api/daily_papers?date={day}&limit=100").json()
    return bool(next(i for i in items if i["paper"]["id"] == paper)["isAuthorParticipating"])


def test_a_verified_author_is_named_everywhere(site: Site, mailbox: Mailbox, paper: str) -> None:
    writer, name = person(site)
    author = site.hub.paper(paper).authors[1]  # type: ignore[index]
    shown = claim_on_page(writer, paper, author)
    assert f"Your claim to be {author} waits for a moderator." in shown
    assert "✓" not in shown.split('id="authors"')[1].split("</p>")[0]
    profile = writer.get(f"/users/{name}").text
    assert f"as {author}: waiting for a moderator" in profile

    moderator, moderator_name = person(site, "moderator")
    queue = moderator.get("/moderation").text
    claims = queue.split('id="claims"')[1].split('id="reports"')[0]
    assert f'<a href="/users/{name}">{name}</a>' in claims
    assert "whose confirmed address is at <strong>example.org</strong>" in claims
    claim_id = int(re.findall(r'action="/claims/(\d+)/verify"', claims)[-1])
    verified = moderator.post(f"/claims/{claim_id}/verify", data={"csrf": csrf_of(queue)})
    assert verified.status_code == 303
    told = mailbox.to(f"{name}@example.org")[-1]
    assert told.message["Subject"] == "You are verified as an author on Daily Papers"
    assert f"/papers/{paper}" in told.message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    log = moderator.get("/moderation").text.split('id="log"')[1]
    assert f"verify author claim: claim {claim_id} on paper {paper}" in log

    # The paper's page names the member beside the author; its author page and their
    # profile too; the API says so in HF's shape.
    public = TestClient(site.app)
    byline = public.get(f"/papers/{paper}").text.split('id="authors"')[1].split("</p>")[0]
    assert f'<a class="verified" href="/users/{name}"' in byline and f"✓ {name}" in byline
    author_page = public.get(f"/authors/{author}").text
    assert f'A moderator verified <a href="/users/{name}">{name}</a>' in author_page
    # Cards show the member's picture beside the author, when among the first shown.
    if author in site.hub.paper(paper).authors[:3]:  # type: ignore[index]
        assert f'<img class="avatar" src="/avatars/{name}.svg"' in author_page
    assert paper in public.get(f"/users/{name}").text.split('id="papers"')[1].split("</section>")[0]
    shown_api = api_author(site, paper, author)
    assert shown_api["status"] == "claimed_verified"
    assert shown_api["user"]["name"] == name  # type: ignore[index]
    assert "status" not in api_author(site, paper, site.hub.paper(paper).authors[0])  # type: ignore[index]
    # The author takes part once they comment.
    assert not participating(site, paper)
    page = writer.get(f"/papers/{paper}").text
    said = writer.post(
        f"/papers/{paper}/comments", data={"csrf": csrf_of(page), "text": "Author here: ask away."}
    )
    assert said.status_code == 303
    assert participating(site, paper)
    # Nobody else may be that author now, nor the member another author of the paper.
    other, _ = person(site)
    page = other.get(f"/papers/{paper}").text
    assert f"<option>{author}</option>" not in page
    taken = other.post(f"/papers/{paper}/claim", data={"csrf": csrf_of(page), "author": author})
    assert taken.status_code == 409
    second = site.hub.paper(paper).authors[2]  # type: ignore[index]
    page = writer.get(f"/papers/{paper}").text
    twice = writer.post(f"/papers/{paper}/claim", data={"csrf": csrf_of(page), "author": second})
    assert twice.status_code == 400
    assert api_of(site, moderator_name).post(f"/api/claims/{claim_id}/verify").status_code == 400

    # Withdrawn, the paper no longer names them.
    profile = writer.get(f"/users/{name}").text
    gone = writer.post(f"/claims/{claim_id}/withdraw", data={"csrf": csrf_of(profile)})
    assert gone.status_code == 303
    assert "status" not in api_author(site, paper, author)
    assert not participating(site, paper)


def test_claims_through_the_api_rejected_with_a_reason(
    site: Site, mailbox: Mailbox, paper: str
) -> None:
    _, name = person(site)
    member = api_of(site, name)
    author = site.hub.paper(paper).authors[0]  # type: ignore[index]
    # Any spelling of the name claims the author as the paper writes them.
    made = member.post(f"/api/papers/{paper}/claim", json={"author": author.upper()})
    assert made.status_code == 201
    claim = made.json()
    assert (claim["author"], claim["user"], claim["status"]) == (author, name, "pending")
    assert member.post(f"/api/papers/{paper}/claim", json={"author": author}).json() == claim
    unknown = member.post(f"/api/papers/{paper}/claim", json={"author": "Nobody Atall"})
    assert unknown.status_code == 400 and "has no author" in unknown.json()["detail"]
    # Members decide nothing; moderators give a reason to reject.
    assert member.post(f"/api/claims/{claim['id']}/verify").status_code == 403
    _, moderator_name = person(site, "moderator")
    moderator = api_of(site, moderator_name)
    assert moderator.post(f"/api/claims/{claim['id']}/reject", json={}).status_code == 422
    rejected = moderator.post(
        f"/api/claims/{claim['id']}/reject", json={"reason": "no sign this is the author"}
    )
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["reason"] == "no sign this is the author"
    told = mailbox.to(f"{name}@example.org")[-1]
    assert told.message["Subject"] == "A moderator did not verify your author claim"
    assert "no sign this is the author" in told.message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "status" not in api_author(site, paper, author)
    # Asked again, it waits again; withdrawn, it is gone, and it was nobody else's to withdraw.
    again = member.post(f"/api/papers/{paper}/claim", json={"author": author}).json()
    assert again["id"] == claim["id"] and again["status"] == "pending"
    assert moderator.delete(f"/api/claims/{claim['id']}").status_code == 404
    assert member.delete(f"/api/claims/{claim['id']}").status_code == 204
    assert member.delete(f"/api/claims/{claim['id']}").status_code == 404
    waiting = site.hub.pending_claims(site.hub.user_named(moderator_name))
    assert all(pending.id != claim["id"] for pending in waiting)


def test_a_members_claims_are_in_their_export_and_go_with_their_account(
    site: Site, paper: str
) -> None:
    writer, name = person(site)
    author = site.hub.paper(paper).authors[0]  # type: ignore[index]
    claim = api_of(site, name).post(f"/api/papers/{paper}/claim", json={"author": author}).json()
    assert site.hub.site_status()["pending_claims"] >= 1
    _, moderator_name = person(site, "moderator")
    moderator = api_of(site, moderator_name)
    assert moderator.post(f"/api/claims/{claim['id']}/verify").status_code == 200
    exported = writer.get("/settings/export").json()
    assert [(c["paperId"], c["author"], c["status"]) for c in exported["authorClaims"]] == [
        (paper, author, "verified")
    ]
    assert api_author(site, paper, author)["status"] == "claimed_verified"
    profile = writer.get(f"/users/{name}").text
    gone = writer.post("/settings/delete", data={"csrf": csrf_of(profile), "password": PASSWORD})
    assert gone.status_code == 303
    assert "status" not in api_author(site, paper, author)
    assert f"✓ {name}" not in TestClient(site.app).get(f"/papers/{paper}").text
