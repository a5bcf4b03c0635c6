"""Members on the site: sign-up and sign-in, CSRF, votes, comments, submissions, tokens, limits."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from dailypapers.cli import main
from dailypapers.config import load_settings
from dailypapers.hub import Hub
from web.conftest import PASSWORD, Site, csrf_of, make_site, signup


def vote(client: TestClient, paper: str, on: bool = True, json: bool = False) -> object:
    page = client.get(f"/papers/{paper}")
    headers = {"accept": "application/json"} if json else {}
    return client.post(
        f"/papers/{paper}/upvote",
        data={"csrf": csrf_of(page.text), "on": "1" if on else "0", "next": f"/papers/{paper}"},
        headers=headers,
    )


def test_sign_up_sign_out_and_sign_in(site: Site) -> None:
    client = site.client()
    form = client.get("/signup", params={"next": "/trending"})
    assert "set-cookie" in form.headers  # the form's CSRF token lives in the session cookie
    cookie = form.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    created = client.post(
        "/signup",
        data={
            "name": "ada",
            "email": "ada@example.org",
            "password": PASSWORD,
            "csrf": csrf_of(form.text),
            "next": "/trending",
        },
    )
    assert created.status_code == 303 and created.headers["location"] == "/trending"
    home = client.get("/")
    assert '<a href="/users/ada">ada</a>' in home.text
    client.post("/signout", data={"csrf": csrf_of(home.text)})
    assert "Sign in" in client.get("/").text
    wrong = client.post(
        "/signin",
        data={
            "login": "ada",
            "password": "not it at all",
            "csrf": csrf_of(client.get("/signin").text),
        },
    )
    assert wrong.status_code == 400 and "do not match" in wrong.text
    right = client.post(
        "/signin",
        data={"login": "ADA@example.org", "password": PASSWORD, "csrf": csrf_of(wrong.text)},
    )
    assert right.status_code == 303
    assert '<a href="/users/ada">ada</a>' in client.get("/").text


def test_sign_up_refusals_say_what_is_wrong(site: Site) -> None:
    site.member("grace")
    client = site.client()
    for name, email, password, words in (
        ("grace", "other@example.org", PASSWORD, "the name 'grace' is already taken"),
        ("Grace", "g2@example.org", PASSWORD, "already taken"),
        ("x", "x@example.org", PASSWORD, "3 to 40 letters"),
        ("newbie", "not-an-email", PASSWORD, "is not an email address"),
        ("newbie", "newbie@example.org", "short", "at least 10 characters"),
        ("admin", "boss@example.org", PASSWORD, "reserved"),
    ):
        page = signup(client, name, email, password)
        assert page.status_code in (400, 409, 422) and words in page.text.replace("&#39;", "'"), (
            words
        )


def test_forms_need_their_csrf_token(site: Site) -> None:
    member = site.member()
    page = member.get("/papers/2601.23265")
    for token in ("", "forged-token"):
        refused = member.post("/papers/2601.23265/upvote", data={"csrf": token, "on": "1"})
        assert refused.status_code == 403 and "reload the page" in refused.text
    assert site.hub.paper("2601.23265").upvotes == 0
    # A signed-out visitor voting is sent to sign in, and nothing is counted.
    anonymous = site.client()
    sent = anonymous.post("/papers/2601.23265/upvote", data={"csrf": csrf_of(page.text)})
    assert sent.status_code == 303 and sent.headers["location"].startswith("/signin")
    assert site.hub.paper("2601.23265").upvotes == 0


def test_votes_toggle_and_count_exactly(site: Site) -> None:
    paper = "2602.00919"
    before = site.hub.paper(paper).total_upvotes
    member = site.member()
    done = vote(member, paper)
    assert done.status_code == 303
    assert vote(member, paper, json=True).json() == {  # the same vote again changes nothing
        "id": paper,
        "upvotes": before + 1,
        "voted": True,
    }
    page = member.get(f"/papers/{paper}")
    assert 'aria-pressed="true"' in page.text
    assert vote(member, paper, on=False, json=True).json()["upvotes"] == before
    assert 'aria-pressed="false"' in member.get(f"/papers/{paper}").text


def test_concurrent_votes_are_counted_exactly(tmp_path: Path, db_url: str) -> None:
    from dailypapers.config import load_settings
    from dailypapers.hub import Hub
    from dailypapers.models import PaperRecord

    hub, _ = Hub.init(load_settings({"data_dir": tmp_path, "database_url": db_url}, {}))
    hub.ingest([PaperRecord(title="Counting under load", arxiv_id="2612.00002")])
    members = [hub.create_user(f"voter{i}", f"voter{i}@example.org") for i in range(12)]
    barrier = threading.Barrier(len(members) * 2)
    errors: list[BaseException] = []

    def clicks(user: object) -> None:
        try:
            barrier.wait()
            for on in (True, True, False, True, True):  # double clicks and a change of mind
                hub.vote(user, "2612.00002", on)  # type: ignore[arg-type]
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=clicks, args=(u,)) for u in members for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert hub.paper("2612.00002").upvotes == len(members)
    hub.close()


def test_comments_are_escaped_and_formatted(site: Site) -> None:
    member = site.member()
    paper = "2601.23265"
    page = member.get(f"/papers/{paper}")
    text = "Nice! <script>alert(1)</script> see **Table 2** and `x<y` at https://example.org/a?b=1"
    posted = member.post(
        f"/papers/{paper}/comments", data={"text": text, "csrf": csrf_of(page.text)}
    )
    assert posted.status_code == 303
    comment_id = int(posted.headers["location"].rsplit("-", 1)[1])
    shown = member.get(f"/papers/{paper}").text
    assert "<script>alert(1)</script>" not in shown
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
    assert "<strong>Table 2</strong>" in shown and "<code>x&lt;y</code>" in shown
    assert 'href="https://example.org/a?b=1" rel="nofollow ugc noopener"' in shown
    reply = member.post(
        f"/papers/{paper}/comments",
        data={"text": "Agreed.", "parent_id": str(comment_id), "csrf": csrf_of(shown)},
    )
    assert reply.status_code == 303
    assert f'reply to <a href="#comment-{comment_id}">' in member.get(f"/papers/{paper}").text
    empty = member.post(f"/papers/{paper}/comments", data={"text": "  ", "csrf": csrf_of(shown)})
    assert empty.status_code == 303
    assert "a comment cannot be empty" in member.get(f"/papers/{paper}").text
    assert site.hub.paper(paper).num_comments == 2


def test_a_papers_page_its_markdown_and_its_json_show_one_discussion(site: Site) -> None:
    member = site.member()
    paper = "2601.22801"
    page = member.get(f"/papers/{paper}")
    text = "## Not a heading of the page\nSee [this](https://example.org) and <b>that</b>."
    posted = member.post(
        f"/papers/{paper}/comments", data={"text": text, "csrf": csrf_of(page.text)}
    )
    assert posted.status_code == 303
    reader = site.client()
    shown = reader.get(f"/papers/{paper}").text
    twin = reader.get(f"/papers/{paper}.json")
    assert twin.status_code == 200 and twin.headers["content-type"] == "application/json"
    data = twin.json()
    api = reader.get(f"/api/papers/{paper}").json()
    assert data["paper"] == {
        k: v for k, v in api.items() if not k.startswith(("linked", "numTotal"))
    }
    assert [c["text"] for c in data["comments"]] == [text]
    assert data["comments"][0]["author"]["user"] == member.name  # type: ignore[attr-defined]
    assert data["bibtex"].startswith("@") and data["bibtex"].split(",")[0] in shown
    similar = [item["paper"]["id"] for item in data["similar"]]
    assert similar and all(f'href="/papers/{other}"' in shown for other in similar)
    markdown = reader.get(f"/papers/{paper}.md").text
    assert "## Discussion" in markdown and "> ## Not a heading of the page" in markdown
    assert "[this](https" not in markdown and "<b>" not in markdown  # the comment's text, as text
    assert "## Similar papers" in markdown
    assert all(f"/papers/{other})" in markdown for other in similar)
    missing = reader.get("/papers/2601.99999.json")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")


def test_submit_a_paper_through_the_recorded_arxiv(site: Site) -> None:
    member = site.member()
    form = member.get("/submit")
    assert form.status_code == 200
    sent = member.post(
        "/submit", data={"ref": "https://arxiv.org/abs/1605.08386", "csrf": csrf_of(form.text)}
    )
    assert sent.status_code == 303 and sent.headers["location"] == "/papers/1605.08386"
    paper = member.get("/papers/1605.08386")
    assert "Heat-bath random walks with Markov bases" in paper.text
    assert f'submitted by <a href="/users/{member.name}">' in paper.text  # type: ignore[attr-defined]
    # Its card on today's list says who submitted it.
    today = site.hub.paper("1605.08386").listings[0].date.isoformat()
    card = member.get(f"/?date={today}").text
    assert f'<span>submitted by <a href="/users/{member.name}">' in card  # type: ignore[attr-defined]
    # It is on today's list, and only once.
    again = member.post("/submit", data={"ref": "1605.08386", "csrf": csrf_of(form.text)})
    assert again.status_code == 409 and "already submitted by" in again.text
    bad = member.post("/submit", data={"ref": "not a paper", "csrf": csrf_of(form.text)})
    assert bad.status_code == 400 and "not an arXiv id" in bad.text
    unknown = member.post("/submit", data={"ref": "0000.0000", "csrf": csrf_of(form.text)})
    assert unknown.status_code in (400, 404)
    assert site.client().get("/submit").headers["location"] == "/signin?next=/submit"


def test_daily_submission_quota(tmp_path: Path, arxiv: object) -> None:
    limited = make_site(tmp_path, arxiv.url + "/api/query", submissions_per_day=1)  # type: ignore[attr-defined]
    member = limited.member()
    form = member.get("/submit")
    assert (
        member.post("/submit", data={"ref": "1707.08567", "csrf": csrf_of(form.text)}).status_code
        == 303
    )
    refused = member.post("/submit", data={"ref": "0808.05394", "csrf": csrf_of(form.text)})
    assert refused.status_code == 409 and "the daily limit" in refused.text


def test_profile_and_api_tokens(site: Site) -> None:
    member = site.member("tokenholder")
    vote(member, "2601.23265")
    profile = member.get("/users/tokenholder")
    assert "Upvoted (1)" in profile.text and "PaperBanana" in profile.text
    created = member.post(
        "/settings/tokens", data={"name": "laptop", "csrf": csrf_of(profile.text)}
    )
    assert created.status_code == 201
    token = re.search(r"<code data-token>(dp_[\w-]+)</code>", created.text).group(1)  # type: ignore[union-attr]
    assert member.get("/users/tokenholder").text.count(token) == 0  # shown once only
    me = site.client()
    assert (
        me.post(
            "/api/papers/2602.00919/upvote", headers={"authorization": f"Bearer {token}"}
        ).status_code
        == 200
    )
    token_id = re.search(
        r'name="token" value="(\d+)"', member.get("/users/tokenholder").text
    ).group(1)  # type: ignore[union-attr]
    member.post("/settings/tokens/revoke", data={"token": token_id, "csrf": csrf_of(profile.text)})
    refused = me.post("/api/papers/2602.00919/upvote", headers={"authorization": f"Bearer {token}"})
    assert refused.status_code == 401
    # Someone else's profile shows no tokens.
    assert "API tokens" not in site.member().get("/users/tokenholder").text


def test_rate_limits_answer_429_with_retry_after(tmp_path: Path) -> None:
    limited = make_site(tmp_path, limit_signin=3, limit_votes=2, limit_submits=1)
    client = limited.client()
    form = client.get("/signin")
    statuses = [
        client.post(
            "/signin", data={"login": "nobody", "password": "x" * 12, "csrf": csrf_of(form.text)}
        ).status_code
        for _ in range(4)
    ]
    assert statuses == [400, 400, 400, 429]
    member = limited.member()
    assert [vote(member, "2601.23265", on).status_code for on in (True, False)] == [303, 303]
    third = vote(member, "2601.23265")
    assert third.status_code == 429 and int(third.headers["retry-after"]) >= 1  # type: ignore[attr-defined]
    assert "too many votes: 2 per minute" in third.text  # type: ignore[attr-defined]
    form = member.get("/submit")
    first = member.post("/submit", data={"ref": "2601.23265", "csrf": csrf_of(form.text)})
    assert first.status_code == 303
    second = member.post("/submit", data={"ref": "2602.00919", "csrf": csrf_of(form.text)})
    assert second.status_code == 429 and "too many submissions" in second.text


def test_cli_user_and_token_commands(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = ["--data-dir", str(tmp_path)]
    assert main([*data, "init"]) == 0
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO(PASSWORD + "\n"))
    assert (
        main(
            [
                *data,
                "user",
                "add",
                "linus",
                "--email",
                "l@example.org",
                "--password-stdin",
                "--admin",
            ]
        )
        == 0
    )
    assert "created admin linus" in capsys.readouterr().out
    assert main([*data, "user", "add", "linus", "--email", "x@example.org"]) == 5
    assert "already taken" in capsys.readouterr().err
    assert main([*data, "user", "add", "grace", "--email", "g@example.org"]) == 0
    assert main([*data, "user", "role", "grace", "moderator"]) == 0
    assert "grace is now a moderator" in capsys.readouterr().out
    with pytest.raises(SystemExit):  # argparse: not a role
        main([*data, "user", "role", "grace", "king"])
    assert "invalid choice: 'king'" in capsys.readouterr().err
    assert main([*data, "user", "role", "nobody", "admin"]) == 4
    hub = Hub(load_settings({"data_dir": tmp_path}, {}))
    with hub:
        grace = hub.user_named("grace")
        assert grace.is_moderator and not grace.is_admin and grace.verified
        assert hub.user_named("linus").is_admin
        session = hub.sign_in(grace)
    capsys.readouterr()
    new = ["user", "password", "grace", "--password", "a new long password"]
    assert main([*data, *new]) == 0
    assert "1 session(s) ended" in capsys.readouterr().out
    with hub:
        assert hub.session_member(session) is None
        assert hub.authenticate("grace", "a new long password").name == "grace"
    assert main([*data, "token", "create", "linus", "--label", "ci"]) == 0
    token = capsys.readouterr().out.strip()
    assert token.startswith("dp_") and len(token) > 40
    assert main([*data, "token", "revoke", "linus", "ci"]) == 0
    assert "revoked 1 token of linus" in capsys.readouterr().out
    assert main([*data, "token", "revoke", "linus", "ci"]) == 4
    assert main([*data, "token", "create", "nobody"]) == 4


def test_fifty_members_voting_at_once_over_http_all_get_answers(
    tmp_path: Path, db_url: str
) -> None:
    """The round that once failed: 50 members toggling votes at once through the API, on a real
    server. Every answer is a 2xx (no "database is locked", no pool timeout), and the counts are
    exact."""
    import httpx

    from dailypapers.config import load_settings
    from dailypapers.hub import Hub
    from dailypapers.models import PaperRecord
    from dailypapers.web import create_app
    from web.conftest import serving

    flags = {"data_dir": tmp_path, "database_url": db_url, "limit_votes": 10_000}
    flags["new_member_hours"] = 0
    hub, _ = Hub.init(load_settings(flags, {}))
    ids = [f"2612.{n:05d}" for n in range(1, 4)]
    hub.ingest([PaperRecord(title=f"Paper {i}", arxiv_id=i) for i in ids])
    tokens = [
        hub.create_token(hub.create_user(f"voter{n}", f"voter{n}@example.org"), "t")[0]
        for n in range(50)
    ]
    app = create_app(hub, hub.settings, background_index=False)
    failures: list[str] = []
    barrier = threading.Barrier(len(tokens))

    def member(number: int, url: str) -> None:
        auth = {"authorization": f"Bearer {tokens[number]}"}
        with httpx.Client(base_url=url, headers=auth, timeout=60) as client:
            barrier.wait()
            for paper in ids:  # up, down, up: each member ends with a vote on every paper
                for method in ("POST", "DELETE", "POST"):
                    answer = client.request(method, f"/api/papers/{paper}/upvote")
                    if not answer.is_success:
                        failures.append(f"{answer.status_code} {answer.text[:200]}")

    with serving(app) as url:
        threads = [threading.Thread(target=member, args=(n, url)) for n in range(len(tokens))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert failures == []
    assert all(hub.paper(paper).upvotes == len(tokens) for paper in ids)
    hub.close()


def test_a_submission_while_arxiv_hangs_gives_up_in_seconds_and_keeps_the_form(
    tmp_path: Path,
) -> None:
    import socket
    import time

    # arXiv as it is when it hangs: a server that takes connections and never answers.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def hold() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/api/query"
    site = make_site(tmp_path, url, fetch_retries=4, arxiv_delay=3.0)
    try:
        member = site.member()
        form = member.get("/submit").text
        started = time.monotonic()
        answer = member.post("/submit", data={"ref": "2401.04088", "csrf": csrf_of(form)})
        waited = time.monotonic() - started
        assert answer.status_code == 502
        assert 'value="2401.04088"' in answer.text  # the form, with what was typed
        assert "arXiv did not answer in time" in answer.text and url not in answer.text
        assert waited < 15, f"the member waited {waited:.0f} s"
    finally:
        stop.set()
        holder.join()
        for connection in held:
            connection.close()
        listener.close()
        site.hub.close()
