"""A member's own data, on SQLite and on PostgreSQL: the export of everything the site keeps
of them, and deleting the account (votes and counts gone, comments kept as "[deleted]",
sessions, tokens and subscription ended, the name and address forgotten)."""

from __future__ import annotations

import itertools

from fastapi.testclient import TestClient

from web.conftest import PASSWORD, Site, csrf_of, mailing_fixtures, signin

_names = itertools.count(1)


mailbox, site = mailing_fixtures("data")


def member(site: Site) -> tuple[TestClient, str, str]:
    """A signed-in member with a vote, a save, a follow, a collection, a comment and a
    subscription; their browser, name and the paper they did it all to."""
    name = f"keeper{next(_names)}"
    site.hub.create_user(name, f"{name}@example.org", PASSWORD)
    client = TestClient(site.app, base_url="https://testserver", follow_redirects=False)
    assert signin(client, name, PASSWORD).status_code == 303
    user = site.hub.user_named(name)
    paper = site.hub.recent_lists(1)[next(_names) % 20].id
    site.hub.vote(user, paper)
    site.hub.save(user, paper)
    site.hub.follow(user, "author", "Ada Lovelace")
    collection = site.hub.create_collection(user, "Reading group")
    site.hub.collect(user, collection.slug, paper)
    site.hub.comment(user, paper, "A comment that outlives its account.")
    site.hub.subscribe(user.email, user=user)
    return client, name, paper


def test_the_export_holds_everything_the_site_keeps_of_its_member(site: Site) -> None:
    client, name, paper = member(site)
    exported = client.get("/settings/export")
    assert exported.status_code == 200
    assert (
        exported.headers["content-disposition"] == f'attachment; filename="dailypapers-{name}.json"'
    )
    data = exported.json()
    assert data["profile"]["name"] == name and data["profile"]["email"] == f"{name}@example.org"
    assert data["upvoted"] == [paper]
    assert [item["paperId"] for item in data["saved"]] == [paper]
    assert [(f["kind"], f["value"]) for f in data["follows"]] == [("author", "Ada Lovelace")]
    assert data["collections"][0]["name"] == "Reading group"
    assert data["collections"][0]["paperIds"] == [paper]
    assert [c["text"] for c in data["comments"]] == ["A comment that outlives its account."]
    assert data["subscription"]["email"] == f"{name}@example.org"
    assert TestClient(site.app, base_url="https://testserver").get(
        "/settings/export", follow_redirects=False
    ).status_code in (303, 307)  # signed out: sent to sign in


def test_deleting_an_account_keeps_its_comments_as_deleted_and_forgets_the_rest(
    site: Site,
) -> None:
    client, name, paper = member(site)
    token, _ = site.hub.create_token(site.hub.user_named(name), "script")
    before = site.hub.paper(paper).upvotes
    profile = client.get(f"/users/{name}").text
    wrong = client.post("/settings/delete", data={"csrf": csrf_of(profile), "password": "nope"})
    assert wrong.status_code == 400 and "not right" in wrong.text
    gone = client.post("/settings/delete", data={"csrf": csrf_of(profile), "password": PASSWORD})
    assert gone.status_code == 303
    assert site.hub.paper(paper).upvotes == before - 1
    page = TestClient(site.app).get(f"/papers/{paper}").text
    assert "[deleted]" in page and "A comment that outlives its account." not in page
    assert f'href="/users/{name}"' not in page
    assert TestClient(site.app).get(f"/users/{name}").status_code == 404
    api = TestClient(site.app)
    api.headers["Authorization"] = f"Bearer {token}"
    assert api.post(f"/api/papers/{paper}/upvote").status_code == 401
    assert (
        signin(
            TestClient(site.app, base_url="https://testserver", follow_redirects=False),
            name,
            PASSWORD,
        ).status_code
        == 400
    )
    subscription = site.hub.subscription_by_email(f"{name}@example.org")
    assert subscription is not None and subscription.status == "unsubscribed"
    # The name and the address are free again.
    assert site.hub.create_user(name, f"{name}@example.org", PASSWORD).name == name
