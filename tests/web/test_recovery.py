"""Accounts people recover on their own, through the site and a real SMTP server on loopback,
on SQLite and on PostgreSQL: a sign-up confirmed by its mailed link, a sign-up that tells
nobody whether an address has an account, a forgotten password reset by a link that works once
and for an hour, and what an unconfirmed member may not do."""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from dailypapers.mail.links import make_token
from smtp_sink import Mailbox, Received
from web.conftest import PASSWORD, Site, csrf_of, mailing_fixtures, make_site, signin, signup

BASE = "https://papers.example.org"
_names = iter(range(1, 10_000))


def fresh(prefix: str = "ada") -> tuple[str, str]:
    number = next(_names)
    return f"{prefix}{number}", f"{prefix}{number}@example.org"


mailbox, site = mailing_fixtures("recovery")


def browser(site: Site) -> TestClient:
    return TestClient(site.app, base_url="https://testserver", follow_redirects=False)


def last_mail(mailbox: Mailbox, email: str, subject: str) -> Received:
    found = [r for r in mailbox.to(email) if r.message["Subject"] == subject]
    assert found, [r.message["Subject"] for r in mailbox.to(email)]
    return found[-1]


def token_in(received: Received, path: str) -> str:
    return parse_qs(urlsplit(received.link(path)).query)["token"][0]


def signed_in_as(client: TestClient) -> str | None:
    found = re.search(
        r'<a href="/users/([^"]+)"[^>]*>[^<]*</a>\s*<form action="/signout"', client.get("/").text
    )
    return found.group(1) if found else None


def the_answer(page: str) -> str:
    """A page with what differs between any two requests (the CSRF token) left out."""
    return re.sub(r'name="csrf" value="[^"]+"', "", page)


def test_a_sign_up_is_confirmed_by_its_mailed_link(site: Site, mailbox: Mailbox) -> None:
    name, email = fresh()
    client = browser(site)
    answer = signup(client, name, email, PASSWORD)
    assert answer.status_code == 200 and "Check your inbox" in answer.text
    assert signed_in_as(client) is None  # not until the address is confirmed
    mail = last_mail(mailbox, email, "Confirm your address for Daily Papers")
    assert name in mail.text and mail.html
    token = token_in(mail, "/confirm-address")
    page = client.get("/confirm-address", params={"token": token})
    assert page.status_code == 200 and "Confirm my address" in page.text
    assert not site.hub.user_named(name).verified  # a GET (a mail scanner's) changes nothing
    confirmed = client.post("/confirm-address", data={"token": token})
    assert confirmed.status_code == 303
    assert signed_in_as(client) == name and site.hub.user_named(name).verified
    paper = site.hub.recent_lists(1)[0].id
    said = {"csrf": csrf_of(client.get(f"/papers/{paper}").text), "text": "Confirmed, so I speak."}
    assert client.post(f"/papers/{paper}/comments", data=said).status_code == 303
    assert "Confirmed, so I speak." in client.get(f"/papers/{paper}").text
    # The link is spent: following it again is refused, and says why.
    again = client.get("/confirm-address", params={"token": token})
    assert again.status_code == 200  # the page itself only shows the button
    refused = browser(site).post("/confirm-address", data={"token": token})
    assert refused.status_code == 400 and "confirmed already" in refused.text


def test_an_unconfirmed_member_reads_votes_and_saves_but_does_not_post(
    site: Site, mailbox: Mailbox
) -> None:
    name, email = fresh("bob")
    client = browser(site)
    signup(client, name, email, PASSWORD)
    assert signin(client, name, PASSWORD).status_code == 303  # they may sign in at once
    paper = site.hub.recent_lists(1)[0].id
    csrf = csrf_of(client.get(f"/papers/{paper}").text)
    assert client.post(f"/papers/{paper}/upvote", data={"csrf": csrf, "on": "1"}).status_code == 303
    assert client.post(f"/papers/{paper}/save", data={"csrf": csrf}).status_code == 303
    said = client.post(f"/papers/{paper}/comments", data={"csrf": csrf, "text": "Too soon."})
    assert said.status_code == 303
    page = client.get(f"/papers/{paper}").text
    assert "confirm your address first" in page and "Too soon." not in page
    submitted = client.post("/submit", data={"csrf": csrf, "ref": paper})
    assert submitted.status_code == 403 and "confirm your address first" in submitted.text
    # Through the API too: their token may vote, not post.
    token, _ = site.hub.create_token(site.hub.user_named(name), "script")
    api = browser(site)
    api.headers["Authorization"] = f"Bearer {token}"
    assert api.post(f"/api/papers/{paper}/upvote").status_code == 200
    posted = api.post(f"/api/papers/{paper}/comments", json={"text": "By script."})
    assert posted.status_code == 403
    assert posted.headers["content-type"].startswith("application/problem+json")
    assert "confirm your address first" in posted.json()["detail"]
    # The profile sends the link again.
    profile = client.get(f"/users/{name}").text
    assert "Send the link again" in profile
    before = len(mailbox.to(email))
    resent = client.post("/settings/confirm-address", data={"csrf": csrf})
    assert resent.status_code == 303 and len(mailbox.to(email)) == before + 1


def test_signing_up_tells_nobody_whether_an_address_has_an_account(
    site: Site, mailbox: Mailbox
) -> None:
    owner, email = fresh("owner")
    site.hub.create_user(owner, email, PASSWORD)
    taken = signup(browser(site), "someoneelse", email, PASSWORD)
    new_name, new_email = fresh("newcomer")
    new = signup(browser(site), new_name, new_email, PASSWORD)
    assert taken.status_code == new.status_code == 200
    assert the_answer(taken.text).replace(email, "ADDRESS") == the_answer(new.text).replace(
        new_email, "ADDRESS"
    )
    note = last_mail(mailbox, email, "Someone tried to sign up with your address")
    assert owner in note.text and "/reset-password?token=" in note.text
    with pytest.raises(Exception, match="no member"):
        site.hub.user_named("someoneelse")


def test_a_forgotten_password_is_reset_by_a_link_that_works_once(
    site: Site, mailbox: Mailbox
) -> None:
    name, email = fresh("carol")
    site.hub.create_user(name, email, PASSWORD)
    elsewhere = browser(site)
    assert signin(elsewhere, name, PASSWORD).status_code == 303
    assert signed_in_as(elsewhere) == name

    asking = browser(site)
    form = asking.get("/forgot-password").text
    known = asking.post("/forgot-password", data={"csrf": csrf_of(form), "email": email})
    unknown = asking.post(
        "/forgot-password", data={"csrf": csrf_of(form), "email": "nobody@example.org"}
    )
    assert known.status_code == unknown.status_code == 200
    assert the_answer(known.text).replace(email, "A") == the_answer(unknown.text).replace(
        "nobody@example.org", "A"
    )
    assert not mailbox.to("nobody@example.org")
    mail = last_mail(mailbox, email, "Reset your Daily Papers password")
    token = token_in(mail, "/reset-password")

    page = asking.get("/reset-password", params={"token": token})
    assert page.status_code == 200 and name in page.text
    short = asking.post("/reset-password", data={"token": token, "password": "short"})
    assert short.status_code == 400 and "at least 10" in short.text
    done = asking.post("/reset-password", data={"token": token, "password": "a brand new one!"})
    assert done.status_code == 303
    assert signed_in_as(asking) == name  # this browser is signed in with the new password
    assert signed_in_as(elsewhere) is None  # the older session has ended
    assert signin(browser(site), name, PASSWORD).status_code == 400
    assert signin(browser(site), name, "a brand new one!").status_code == 303

    # Used once: refused on its page and on its form, and so is a forged one.
    reused = browser(site).get("/reset-password", params={"token": token})
    assert reused.status_code == 400 and "used already" in reused.text
    again = browser(site).post("/reset-password", data={"token": token, "password": "x" * 12})
    assert again.status_code == 400
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert browser(site).get("/reset-password", params={"token": forged}).status_code == 403
    user = site.hub.user_named(name)
    other = make_token("another secret key of enough length", "reset", user.id, "x" * 16)
    assert browser(site).get("/reset-password", params={"token": other}).status_code == 403


def test_a_reset_link_lasts_an_hour(
    site: Site, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    name, email = fresh("dan")
    site.hub.create_user(name, email, PASSWORD)
    real = time.time
    with monkeypatch.context() as earlier:
        earlier.setattr(time, "time", lambda: real() - 3601)  # the link was made an hour ago
        site.hub.forgot_password(email)
    site.hub.send_due()
    token = token_in(
        last_mail(mailbox, email, "Reset your Daily Papers password"), "/reset-password"
    )
    expired = browser(site).get("/reset-password", params={"token": token})
    assert expired.status_code == 400 and "expired" in expired.text
    assert signin(browser(site), name, PASSWORD).status_code == 303  # the password stands


def test_a_site_without_mail_counts_its_accounts_confirmed(tmp_path: Path) -> None:
    plain = make_site(tmp_path)
    try:
        client = browser(plain)
        name, email = fresh("erin")
        assert signup(client, name, email, PASSWORD).status_code == 303
        assert signed_in_as(client) == name and plain.hub.user_named(name).verified
        taken = signup(browser(plain), "someoneelse", email, PASSWORD)
        assert taken.status_code == 409 and "already taken" in taken.text
        page = browser(plain).get("/forgot-password").text
        assert "sends no email" in page and "dailypapers user password" in page
    finally:
        plain.hub.close()
