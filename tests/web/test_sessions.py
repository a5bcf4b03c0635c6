"""Sessions the server can end: a cookie copied before signing out, signing out everywhere, a
password change, one session ended from another; and checks that do not write."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import event, update

from dailypapers.store.tables import sessions
from web.conftest import PASSWORD, Site, csrf_of, signup

SESSION_COOKIE = "dp_session"


def signed_in(site: Site, name: str, agent: str = "TestBrowser/1.0") -> TestClient:
    client = site.client()
    client.headers["user-agent"] = agent
    signup(client, name, f"{name}@example.org", PASSWORD)
    return client


def sign_in_again(site: Site, name: str, agent: str) -> TestClient:
    client = site.client()
    client.headers["user-agent"] = agent
    form = client.get("/signin").text
    answer = client.post(
        "/signin", data={"login": name, "password": PASSWORD, "csrf": csrf_of(form)}
    )
    assert answer.status_code == 303
    return client


def is_signed_in(client: TestClient, name: str) -> bool:
    return f'<a href="/users/{name}">{name}</a>' in client.get("/trending").text


def with_cookie(site: Site, cookie: str) -> TestClient:
    """Another browser carrying a copy of ``cookie`` (as a thief would)."""
    thief = site.client()
    thief.cookies.set(SESSION_COOKIE, cookie)
    return thief


def test_a_cookie_copied_before_signing_out_is_worth_nothing_after(site: Site) -> None:
    member = signed_in(site, "leaver")
    copied = member.cookies[SESSION_COOKIE]
    assert is_signed_in(with_cookie(site, copied), "leaver")
    member.post("/signout", data={"csrf": csrf_of(member.get("/").text)})
    assert not is_signed_in(member, "leaver")
    thief = with_cookie(site, copied)
    assert not is_signed_in(thief, "leaver")
    assert thief.get("/for-you").status_code == 303  # sent to sign in


def test_the_profile_lists_sessions_and_signs_out_one_or_everywhere(site: Site) -> None:
    laptop = signed_in(site, "traveller", "Laptop Firefox")
    phone = sign_in_again(site, "traveller", "Phone Safari")
    tablet = sign_in_again(site, "traveller", "Tablet Chrome")
    profile = laptop.get("/users/traveller").text
    listed = profile[profile.index('id="sessions"') :]
    assert all(agent in listed for agent in ("Laptop Firefox", "Phone Safari", "Tablet Chrome"))
    assert "Laptop Firefox <strong>(this browser)</strong>" in listed
    listed_ins = site.hub.sign_ins(site.hub.user_named("traveller"))
    (phone_session,) = [s.id for s in listed_ins if s.client == "Phone Safari"]
    ended = laptop.post(f"/settings/sessions/{phone_session}/end", data={"csrf": csrf_of(profile)})
    assert ended.status_code == 303
    assert not is_signed_in(phone, "traveller") and is_signed_in(tablet, "traveller")
    assert is_signed_in(laptop, "traveller")
    # Someone else's session, or none at all, is not found.
    assert (
        laptop.post("/settings/sessions/999999/end", data={"csrf": csrf_of(profile)}).status_code
        == 404
    )
    everywhere = laptop.post("/settings/sessions/end-all", data={"csrf": csrf_of(profile)})
    assert everywhere.status_code == 303 and everywhere.headers["location"] == "/"
    assert not is_signed_in(laptop, "traveller") and not is_signed_in(tablet, "traveller")
    assert site.hub.sign_ins(site.hub.user_named("traveller")) == []


def test_a_password_change_signs_out_every_other_session(site: Site) -> None:
    here = signed_in(site, "changer", "Here")
    there = sign_in_again(site, "changer", "There")
    copied = there.cookies[SESSION_COOKIE]
    profile = here.get("/users/changer").text
    wrong = here.post(
        "/settings/password",
        data={"current": "not my password", "new": "another good one", "csrf": csrf_of(profile)},
    )
    assert wrong.status_code == 400 and "current password is not right" in wrong.text
    assert is_signed_in(there, "changer")
    changed = here.post(
        "/settings/password",
        data={"current": PASSWORD, "new": "another good one", "csrf": csrf_of(profile)},
    )
    assert changed.status_code == 303
    assert "1 other session signed out" in here.get("/").text
    assert is_signed_in(here, "changer")
    assert not is_signed_in(there, "changer") and not is_signed_in(with_cookie(site, copied), "x")
    user = site.hub.user_named("changer")
    assert site.hub.authenticate("changer", "another good one").id == user.id


def test_sessions_lapse_on_the_server_after_session_days(site: Site) -> None:
    member = signed_in(site, "sleeper")
    mine = sessions.c.user_id == site.hub.user_named("sleeper").id
    days = site.hub.settings.session_days
    lapsed = datetime.now(UTC) - timedelta(days=days, hours=1)
    with site.hub.store.engine.begin() as conn:
        conn.execute(update(sessions).where(mine).values(created_at=lapsed))
    assert not is_signed_in(member, "sleeper")


def test_checking_a_session_or_a_token_writes_nothing(site: Site) -> None:
    member = signed_in(site, "reader-only")
    user = site.hub.user_named("reader-only")
    token, _ = site.hub.create_token(user, "script")
    auth = {"authorization": f"Bearer {token}"}
    member.get("/trending")
    member.get("/api/follows", headers=auth)
    site.hub.afterwards.flush()  # what the first requests noted
    writes: list[str] = []

    def on_begin(conn: object) -> None:
        if conn.get_execution_options().get("immediate"):  # type: ignore[attr-defined]
            writes.append("write")

    event.listen(site.hub.store.engine, "begin", on_begin)
    try:
        for _ in range(5):
            assert is_signed_in(member, "reader-only")
            assert member.get("/api/follows", headers=auth).status_code == 200
    finally:
        event.remove(site.hub.store.engine, "begin", on_begin)
    assert writes == []


def test_last_use_is_written_later_in_one_batch(site: Site) -> None:
    member = signed_in(site, "noted")
    user = site.hub.user_named("noted")
    token, _ = site.hub.create_token(user, "script")
    with site.hub.store.engine.begin() as conn:
        long_ago = datetime.now(UTC) - timedelta(hours=1)
        conn.execute(
            update(sessions).where(sessions.c.user_id == user.id).values(last_seen_at=long_ago)
        )
    member.get("/trending")
    member.get("/api/follows", headers={"authorization": f"Bearer {token}"})
    before = datetime.now(UTC) - timedelta(minutes=1)
    assert all(s.last_seen_at < before for s in site.hub.sign_ins(user))
    site.hub.afterwards.flush()
    assert all(s.last_seen_at > before for s in site.hub.sign_ins(user))
    (listed,) = site.hub.tokens(user)
    assert listed.last_used_at is not None and listed.last_used_at > before
